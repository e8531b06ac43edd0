package demo

import (
	"crypto/sha256"
	"encoding/hex"
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

// BuildTag builds the tag into out. With compress it is jsglue's release
// build (jsglue.Build: also .br and .gz siblings, served by Accept-Encoding,
// and snippet.html); without, it writes only the module, lpedge.js and the
// stub, which takes a few seconds instead of tens: brotli at quality 11
// over the 3 MB module is the slow part, and tests do not need it.
func BuildTag(out string, compress bool) (*Tag, error) {
	root, err := moduleRoot()
	if err != nil {
		return nil, err
	}
	if compress {
		if _, err := jsglue.Build(jsglue.Options{Out: out, Dir: root}); err != nil {
			return nil, err
		}
		return LoadTag(out)
	}
	if err := os.MkdirAll(out, 0o755); err != nil {
		return nil, err
	}
	old, _ := filepath.Glob(filepath.Join(out, "lpedge.*.wasm*"))
	for _, f := range old {
		os.Remove(f)
	}
	tmp := filepath.Join(out, "lpedge.wasm.tmp")
	if err := jsglue.BuildWasm(root, "./wasm/cmd/lpedge", tmp); err != nil {
		return nil, err
	}
	wasm, err := os.ReadFile(tmp)
	if err != nil {
		return nil, err
	}
	sum := sha256.Sum256(wasm)
	name := "lpedge." + hex.EncodeToString(sum[:6]) + ".wasm" // as jsglue.Build names it
	if err := os.Rename(tmp, filepath.Join(out, name)); err != nil {
		return nil, err
	}
	wasmExec, err := jsglue.WasmExec()
	if err != nil {
		return nil, err
	}
	loader, err := jsglue.Loader(wasmExec, name)
	if err != nil {
		return nil, err
	}
	stub, err := jsglue.Stub()
	if err != nil {
		return nil, err
	}
	for file, data := range map[string][]byte{"lpedge.js": loader, "stub.min.js": stub} {
		if err := os.WriteFile(filepath.Join(out, file), data, 0o644); err != nil {
			return nil, err
		}
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
