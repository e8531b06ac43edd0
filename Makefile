# lpedge build. `make demo` and `make test` work on a fresh machine with Go,
# Node and apt: both install what they need first (make deps).
SHELL := /bin/bash
GO ?= go
GOROOT := $(shell $(GO) env GOROOT)
# Packages that the browser tag links; they also run under Node as wasm.
WASM_PKGS := ./internal/jsonv ./internal/text ./liveperson ./liveperson/monitoring ./liveperson/retail ./wasm/...
WASM_ENV := PATH="$(GOROOT)/lib/wasm:$$PATH" GOOS=js GOARCH=wasm
FUZZTIME ?= 3m
BENCHTIME ?= 1s

.PHONY: all deps test test-native test-wasm lint bench size fuzz demo

all: test

deps: ## Chromium, brotli (apt) and the pinned npm packages, when missing.
	bash scripts/deps.sh

test: deps lint test-native test-wasm ## Everything CI runs.

lint:
	@unformatted=$$(gofmt -l $$(git ls-files '*.go') 2>/dev/null); \
	if [ -n "$$unformatted" ]; then echo "gofmt needed:"; echo "$$unformatted"; exit 1; fi
	$(GO) vet ./...
	$(WASM_ENV) $(GO) vet $(WASM_PKGS)

# Each package's limit; the slowest takes well under it (examples: ~25 s).
TEST_TIMEOUT ?= 300s

# jsglue's tests run without -race: they compress the tag with brotli
# (q11, pure Go), which the race detector makes 8x slower (160 s, not 20 s),
# and its code starts no goroutines.
RACE_PKGS = $(shell $(GO) list ./... | grep -v '/jsglue$$')

# The Chromium suite, wasm/e2e, runs in worker mode with the rest, then
# again in main-thread mode (the fallback without Worker); its mode-specific
# tests (TestModes...) run in the first run only.
test-native:
	$(GO) test -race -count=1 -timeout $(TEST_TIMEOUT) $(RACE_PKGS)
	$(GO) test -race -count=1 -timeout $(TEST_TIMEOUT) ./wasm/e2e -e2e.thread=main
	$(GO) test -count=1 -timeout $(TEST_TIMEOUT) ./jsglue

test-wasm: ## The tag's packages, compiled to wasm, under Node via go_js_wasm_exec.
	$(WASM_ENV) $(GO) test -count=1 -timeout $(TEST_TIMEOUT) $(WASM_PKGS)

bench: ## Go benchmarks; figures go into README's performance table.
	$(GO) test -run '^$$' -bench . -benchmem -benchtime $(BENCHTIME) -timeout 30m ./...

fuzz: ## Every Fuzz target for FUZZTIME each.
	@set -e; for pkg in $$($(GO) list ./...); do \
	  for f in $$($(GO) test -list '^Fuzz' $$pkg | grep '^Fuzz' || true); do \
	    echo "== $$pkg $$f"; $(GO) test -run '^$$' -fuzz "^$$f$$" -fuzztime $(FUZZTIME) $$pkg; \
	  done; done

size: ## Sizes of the tag (raw, gzip, brotli) next to an empty Go wasm main (make test holds the ceiling: TestWasmBudget).
	$(GO) run ./jsglue/cmd/build -o dist/tag -floor

demo: ## The demo shop on 127.0.0.1:8000, the native proxy with the tag on :8080, lptest on :8081; Ctrl-C stops it.
	@GO=$(GO) bash scripts/demo.sh

.PHONY: worker dev-worker

worker: ## The proxy for Cloudflare Workers, into build/worker (scripts/worker.sh).
	bash scripts/worker.sh build

dev-worker: deps ## The same demo with the proxy in workerd (wrangler dev on 127.0.0.1:8787, offline).
	$(GO) build -o build/demo ./examples/cmd/demo
	build/demo -proxy-url http://127.0.0.1:8787 & demo=$$!; trap 'kill $$demo' EXIT; \
	for i in $$(seq 150); do (exec 3<>/dev/tcp/127.0.0.1/8081) 2>/dev/null && break; sleep 0.2; done; \
	bash scripts/worker.sh dev
