package demo

import (
	"errors"
	"os"
	"os/exec"
	"path/filepath"
	"strings"

	"github.com/lpedge/lpedge/jsglue"
)

// A Tag is the tag's build output in a directory, as the proxy serves it.
type Tag struct {
	Dir       string // lpedge.js, lpedge.<hash>.wasm, stub.min.js, ...
	Wasm      string // the module's file name, lpedge.<hash>.wasm
	Stub      []byte // the minified stub, inlined in the snippet
	Integrity string // Subresource Integrity of lpedge.js
}

// BuildTag builds the tag into out with jsglue.Build. With compress it is
// the release build, with .br and .gz siblings served by Accept-Encoding;
// without, they are left out, which takes seconds instead of tens: brotli
// at quality 11 over the 2.5 MB module is the slow part, and tests do not
// need it.
func BuildTag(out string, compress bool) (*Tag, error) {
	root, err := moduleRoot()
	if err != nil {
		return nil, err
	}
	if _, err := jsglue.Build(jsglue.Options{Out: out, Dir: root, Uncompressed: !compress}); err != nil {
		return nil, err
	}
	return LoadTag(out)
}

// LoadTag reads a tag built earlier into dir (by BuildTag or by
// `go run ./jsglue/cmd/build -o dir`).
func LoadTag(dir string) (*Tag, error) {
	t := &Tag{Dir: dir}
	loader, err := os.ReadFile(filepath.Join(dir, "lpedge.js"))
	if err != nil {
		return nil, errors.New("demo: no tag in " + dir + ": " + err.Error())
	}
	t.Integrity = jsglue.Integrity(loader)
	if t.Stub, err = os.ReadFile(filepath.Join(dir, "stub.min.js")); err != nil {
		return nil, errors.New("demo: no stub in " + dir + ": " + err.Error())
	}
	wasm, _ := filepath.Glob(filepath.Join(dir, "lpedge.*.wasm"))
	if len(wasm) != 1 {
		return nil, errors.New("demo: want one lpedge.<hash>.wasm in " + dir + ", found " + strings.Join(wasm, ", "))
	}
	t.Wasm = filepath.Base(wasm[0])
	return t, nil
}

// moduleRoot is the lpedge module's directory, where the tag is built.
func moduleRoot() (string, error) {
	out, err := exec.Command("go", "env", "GOMOD").Output()
	if err != nil {
		return "", errors.New("demo: go env GOMOD: " + err.Error())
	}
	mod := strings.TrimSpace(string(out))
	if mod == "" || mod == os.DevNull {
		return "", errors.New("demo: run inside the lpedge module: the tag is built from its source")
	}
	return filepath.Dir(mod), nil
}
