#!/usr/bin/env bash
# worker.sh builds the proxy for Cloudflare Workers and runs it locally.
#
#   scripts/worker.sh build [DIR]   build into DIR (default build/worker)
#   scripts/worker.sh dev           lptest on 127.0.0.1:8081 and `wrangler dev`
#                                   on http://127.0.0.1:8787, offline
#
# DIR then holds entry.mjs (the Worker's main module: one Go instance per
# isolate, from jsglue/worker), state.mjs (the Durable Object class of the
# proxy's state, which entry.mjs exports), app.wasm (proxy/cmd/lpedge-proxy), and what
# syumai's workers-assets-gen writes: wasm_exec.js, which entry.mjs needs, and
# worker.mjs + runtime.mjs, syumai's stock per-request entry, kept so that the
# two entries can be compared on the same build. `make worker` and
# `make dev-worker` call this script; examples/wrangler.toml points at
# build/worker/entry.mjs.
set -euo pipefail

cd "$(dirname "$0")/.."

say() { printf 'worker: %s\n' "$*" >&2; }

build() {
	local dir=${1:-build/worker}
	# wrangler may start the [build] command more than once at a time;
	# workers-assets-gen empties DIR, so builds take turns.
	mkdir -p "$(dirname "$dir")"
	exec 9>"$dir.lock"
	flock 9
	# No @version: the version comes from go.mod (the module proxy refuses
	# to list syumai/workers' versions, but the pinned one resolves).
	# workers-assets-gen empties DIR first.
	go run github.com/syumai/workers/cmd/workers-assets-gen -mode=go -o "$dir"
	# The tag's build, embedded by the Workers main: LPEDGE_WORKER_ASSETS
	# names a directory of files to embed instead (the tests' stand-ins).
	local tag=proxy/cmd/lpedge-proxy/tag
	# Builds into other directories share $tag: one fills and compiles at a time.
	exec 8>"${TMPDIR:-/tmp}/lpedge-worker-tag.lock"
	flock 8
	find "$tag" -mindepth 1 ! -name .gitkeep -delete
	if [ -n "${LPEDGE_WORKER_ASSETS:-}" ]; then
		cp -r "$LPEDGE_WORKER_ASSETS"/. "$tag"/
	else
		go run ./jsglue/cmd/build -o "$tag" >/dev/null
	fi
	GOOS=js GOARCH=wasm go build -trimpath -ldflags="-s -w" -o "$dir/app.wasm" ./proxy/cmd/lpedge-proxy
	cp jsglue/worker/entry.mjs jsglue/worker/state.mjs "$dir/"
	say "built $dir ($(wc -c <"$dir/app.wasm") bytes of wasm)"
}

dev() {
	if [ ! -x node_modules/.bin/wrangler ]; then
		say "node_modules/.bin/wrangler is missing: run make deps"
		exit 1
	fi
	# The Worker's lptest environment (examples/wrangler.toml) calls lptest
	# at 127.0.0.1:8081; start one unless something listens there already.
	if ! (exec 3<>/dev/tcp/127.0.0.1/8081) 2>/dev/null; then
		go build -o build/lptest ./liveperson/lptest/cmd/lptest
		build/lptest -addr 127.0.0.1:8081 &
		lptest_pid=$!
		trap 'kill "$lptest_pid" 2>/dev/null || true' EXIT
	else
		say "something already listens on 127.0.0.1:8081; using it as lptest"
	fi
	# wrangler runs the [build] command of examples/wrangler.toml itself.
	# These variables keep it off the network.
	WRANGLER_SEND_METRICS=false WRANGLER_SEND_ERROR_REPORTS=false \
		WRANGLER_HIDE_BANNER=true CLOUDFLARE_CF_FETCH_ENABLED=false \
		node_modules/.bin/wrangler dev --config examples/wrangler.toml --env lptest \
		--ip 127.0.0.1 --port 8787 --show-interactive-dev-session=false
}

case "${1:-}" in
build)
	shift
	build "$@"
	;;
dev) dev ;;
*)
	echo "usage: scripts/worker.sh build [DIR] | dev" >&2
	exit 2
	;;
esac
