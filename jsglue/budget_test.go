//go:build budget

package jsglue

import (
	"os"
	"path/filepath"
	"testing"
)

// MaxGrowth is the tag's size budget: its brotli size over that of an
// empty Go wasm main built with the same flags (design.md, Budgets).
const MaxGrowth = 1.15

// TestWasmBudget builds the module and the floor and compares their
// brotli sizes. It is behind the budget tag because it builds two
// modules; `make size` runs it: go test -tags budget -run Budget ./jsglue.
func TestWasmBudget(t *testing.T) {
	dir := t.TempDir()
	floorSrc := filepath.Join(dir, "floor")
	os.MkdirAll(floorSrc, 0o755)
	os.WriteFile(filepath.Join(floorSrc, "main.go"), []byte("package main\n\nfunc main() {}\n"), 0o644)
	os.WriteFile(filepath.Join(floorSrc, "go.mod"), []byte("module floor\n\ngo 1.26\n"), 0o644)
	sizes := map[string]int{}
	for name, src := range map[string][2]string{"floor": {floorSrc, "."}, "tag": {"..", "./wasm/cmd/lpedge"}} {
		out := filepath.Join(dir, name+".wasm")
		if err := BuildWasm(src[0], src[1], out); err != nil {
			t.Fatal(err)
		}
		data, err := os.ReadFile(out)
		if err != nil {
			t.Fatal(err)
		}
		sizes[name] = len(Brotli(data))
	}
	ratio := float64(sizes["tag"]) / float64(sizes["floor"])
	t.Logf("brotli: tag %d B, floor %d B, ratio %.3f (budget %.2f: %d B)", sizes["tag"], sizes["floor"], ratio, MaxGrowth, int(MaxGrowth*float64(sizes["floor"])))
	if ratio > MaxGrowth {
		t.Errorf("the tag is %d B brotli, %.3f x the floor of %d B: over the budget of %.2f x", sizes["tag"], ratio, sizes["floor"], MaxGrowth)
	}
}
