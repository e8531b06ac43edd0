//go:build !js

package liveperson_test

import (
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
)

// Packages the browser tag links. wasm/... joins once it exists.
var tagPackages = []string{"./liveperson", "./liveperson/monitoring", "./liveperson/retail", "./internal/jsonv", "./internal/text", "./wasm/..."}

// forbidden cost the tag hundreds of KB each (peers-and-anchors 2.1):
// fmt +145 KB brotli, encoding/json +200 KB, net/http +1.5 MB. net/url
// and reflect are listed because they drag fmt or reflection in. time
// costs 36 KB brotli by itself: its init links the runtime's metrics and
// internal/godebug (measured with make size). Importing strings at all
// links unicode's tables (3.2 KB); internal/text has what the tag needs.
var forbidden = []string{"encoding/json", "fmt", "net/http", "net/url", "regexp", "reflect", "time", "strings", "unicode"}

func TestTagDependencies(t *testing.T) {
	root, err := filepath.Abs("..")
	if err != nil {
		t.Fatal(err)
	}
	var pkgs []string
	for _, p := range tagPackages {
		if _, err := os.Stat(filepath.Join(root, strings.TrimSuffix(p, "/..."))); err == nil {
			pkgs = append(pkgs, p)
		}
	}
	cmd := exec.Command("go", append([]string{"list", "-deps"}, pkgs...)...)
	cmd.Dir = root
	cmd.Env = append(os.Environ(), "GOOS=js", "GOARCH=wasm")
	out, err := cmd.CombinedOutput()
	if err != nil {
		t.Fatalf("go list: %v\n%s", err, out)
	}
	deps := strings.Fields(string(out))
	if len(deps) < 10 {
		t.Fatalf("go list -deps printed too little to be real: %q", deps)
	}
	for _, d := range deps {
		for _, f := range forbidden {
			if d == f {
				t.Errorf("the tag links %s (via %v); it must not", d, pkgs)
			}
		}
	}
}
