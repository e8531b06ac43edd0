package jsglue

import (
	"os"
	"path/filepath"
	"testing"
)

// MaxGrowth is the size the tag is held to: its brotli size over that of
// an empty Go wasm main built with the same flags. design.md asks for
// 1.15; the tag measured 1.295 before conversations listened (README,
// "The tag's size budget": what each part costs, and why the rest needs
// a product decision), and issue 12 moved the ceiling from 1.30 to 1.32
// for the conversation's stream, listeners, receipts and typing, and no
// further. It stops growth, with room for the 1-2 KB that brotli moves
// when code merely shifts, while that target stays open.
const MaxGrowth = 1.32

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
