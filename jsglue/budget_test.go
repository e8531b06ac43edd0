package jsglue

import (
	"bytes"
	"os"
	"path/filepath"
	"regexp"
	"testing"
)

// MaxGrowth is the size the tag is held to: its brotli size over that of
// an empty Go wasm main built with the same flags. design.md asks for
// 1.15 and caps it at 1.33; the tag measured 1.295 before conversations
// listened (README, "The tag's size budget": what each part costs, and
// why the rest needs a product decision). Issue 12 moved the ceiling from
// 1.30 to 1.32 for the conversation's stream, listeners, receipts and
// typing; issues 15 and 16 (the worker's pagehide plan, zero-code
// capture), which name 1.33 as their limit together, took it to 1.322 and
// the ceiling to 1.33. It stops growth while that target stays open;
// brotli moves 1-2 KB when code merely shifts, which 1.33 leaves room for
// at 1.322.
const MaxGrowth = 1.33

// TestWasmBudget builds the module and the floor and compares their
// brotli sizes.
func TestWasmBudget(t *testing.T) {
	dir := t.TempDir()
	sizes := map[string]int{}
	for name, build := range map[string]func(out string) error{
		"floor": Floor,
		"tag":   func(out string) error { return BuildWasm("..", "./wasm/cmd/lpedge", out) },
	} {
		out := filepath.Join(dir, name+".wasm")
		if err := build(out); err != nil {
			t.Fatal(err)
		}
		data, err := os.ReadFile(out)
		if err != nil {
			t.Fatal(err)
		}
		sizes[name] = len(Brotli(data))
	}
	ratio := float64(sizes["tag"]) / float64(sizes["floor"])
	t.Logf("brotli: tag %d B, floor %d B, ratio %.3f (ceiling %.2f: %d B; design target 1.15: %d B)",
		sizes["tag"], sizes["floor"], ratio, MaxGrowth, int(MaxGrowth*float64(sizes["floor"])), int(1.15*float64(sizes["floor"])))
	if ratio > MaxGrowth {
		t.Errorf("the tag is %d B brotli, %.3f x the floor of %d B: over the ceiling of %.2f x", sizes["tag"], ratio, sizes["floor"], MaxGrowth)
	}
}

// MaxWorkerBootstrap is what running the module in a Web Worker may add
// to lpedge.js, brotli: the code between the loader's /* worker{ */ and
// /* }worker */ markers, the pagehide hand-over included. Issue 15 asks
// for under 1 KB.
const MaxWorkerBootstrap = 1023

// TestWorkerBootstrapBudget builds lpedge.js with and without the worker
// mode and compares their brotli sizes.
func TestWorkerBootstrapBudget(t *testing.T) {
	exec, err := WasmExec()
	if err != nil {
		t.Fatal(err)
	}
	with, err := Loader(exec, "lpedge.0123456789ab.wasm")
	if err != nil {
		t.Fatal(err)
	}
	src, _ := files.ReadFile("loader.js")
	stripped := regexp.MustCompile(`(?s)/\* worker\{ \*/.*?/\* \}worker \*/`).ReplaceAll(src, nil)
	if bytes.Equal(stripped, src) || bytes.Contains(stripped, []byte("Worker(")) {
		t.Fatal("loader.js: no worker mode between /* worker{ */ and /* }worker */ markers")
	}
	without, err := loader(exec, "lpedge.0123456789ab.wasm", stripped)
	if err != nil {
		t.Fatal(err)
	}
	added := len(Brotli(with)) - len(Brotli(without))
	t.Logf("lpedge.js: %d B brotli (%d B raw), %d B without the worker mode: the worker bootstrap adds %d B brotli", len(Brotli(with)), len(with), len(Brotli(without)), added)
	if added > MaxWorkerBootstrap {
		t.Errorf("the worker bootstrap adds %d B brotli to lpedge.js, more than %d B", added, MaxWorkerBootstrap)
	}
}
