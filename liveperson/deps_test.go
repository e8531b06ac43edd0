//go:build !js

package liveperson_test

import (
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
)

// tag is the browser tag's module: go list -deps of it is every package
// the tag links.
const tag = "./wasm/cmd/lpedge"

// forbidden cost the tag hundreds of KB each (peers-and-anchors 2.1):
// fmt +145 KB brotli, encoding/json +200 KB, net/http +1.5 MB. net/url
// and reflect are listed because they drag fmt or reflection in. time's
// init links the runtime's metrics and internal/godebug, and importing
// strings at all links unicode's tables; what leaving them out saved is
// in the README ("The tag's size budget"). internal/text has the string
// functions the tag needs.
var forbidden = []string{"encoding/json", "fmt", "net/http", "net/url", "regexp", "reflect", "time", "strings", "unicode"}

func TestTagDependencies(t *testing.T) {
	root, err := filepath.Abs("..")
	if err != nil {
		t.Fatal(err)
	}
	cmd := exec.Command("go", "list", "-deps", tag)
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
				t.Errorf("the tag (%s) links %s; it must not", tag, d)
			}
		}
	}
}
