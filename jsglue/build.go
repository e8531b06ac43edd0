package jsglue

import (
	"bytes"
	"compress/gzip"
	"crypto/sha256"
	"crypto/sha512"
	"embed"
	"encoding/base64"
	"encoding/hex"
	"errors"
	"html"
	"os"
	"os/exec"
	"path/filepath"
	"strings"

	"github.com/andybalholm/brotli"
	"github.com/tdewolff/minify/v2"
	"github.com/tdewolff/minify/v2/js"

	"github.com/lpedge/lpedge/liveperson/retail"
)

//go:embed stub.js loader.js lpedge.d.ts
var files embed.FS

// MaxStub is the budget of the minified stub, in bytes.
const MaxStub = 1024

// wasmPlaceholder is replaced in loader.js with the module's file name,
// the others with the retail preset's lists of the members it reads.
const (
	wasmPlaceholder       = "__LPEDGE_WASM__"
	propertiesPlaceholder = "__LPEDGE_PROPERTIES__"
	traitsPlaceholder     = "__LPEDGE_TRAITS__"
	eventsPlaceholder     = "__LPEDGE_EVENTS__"
)

// Options configure [Build].
type Options struct {
	Out       string            // output directory; created; required
	Dir       string            // the module's root, where go build runs; default "."
	Pkg       string            // the module's main package; default "./wasm/cmd/lpedge"
	LoaderURL string            // lpedge.js's URL in the snippet; default "/lpedge.js"
	Attrs     map[string]string // data attributes for the snippet (account, app, domain, proxy, ...); default placeholders
	// Uncompressed leaves out the .br and .gz siblings, for tests: brotli
	// at quality 11 over the 2.5 MB module takes seconds (a minute under
	// the race detector). Default false: a release is precompressed.
	Uncompressed bool
}

// A Result is what Build wrote.
type Result struct {
	Wasm      string   // the module's file name, lpedge.<hash>.wasm
	Loader    []byte   // lpedge.js
	Stub      []byte   // the minified stub
	Integrity string   // sha384-... of lpedge.js, for the script tag's integrity attribute
	Snippet   string   // the HTML to paste into a page
	Files     []string // every file written, relative to Out
}

// Build builds the tag into o.Out. Hashed modules of earlier builds there
// are removed.
func Build(o Options) (*Result, error) {
	if o.Out == "" {
		return nil, errors.New("jsglue: Options.Out is required")
	}
	if o.Dir == "" {
		o.Dir = "."
	}
	if o.Pkg == "" {
		o.Pkg = "./wasm/cmd/lpedge"
	}
	if o.LoaderURL == "" {
		o.LoaderURL = "/lpedge.js"
	}
	if err := os.MkdirAll(o.Out, 0o755); err != nil {
		return nil, err
	}
	tmp, err := os.MkdirTemp("", "lpedge-build")
	if err != nil {
		return nil, err
	}
	defer os.RemoveAll(tmp)
	wasmPath := filepath.Join(tmp, "lpedge.wasm")
	if err := BuildWasm(o.Dir, o.Pkg, wasmPath); err != nil {
		return nil, err
	}
	wasm, err := os.ReadFile(wasmPath)
	if err != nil {
		return nil, err
	}
	sum := sha256.Sum256(wasm)
	r := &Result{Wasm: "lpedge." + hex.EncodeToString(sum[:6]) + ".wasm"}
	exec, err := WasmExec()
	if err != nil {
		return nil, err
	}
	if r.Loader, err = Loader(exec, r.Wasm); err != nil {
		return nil, err
	}
	if r.Stub, err = Stub(); err != nil {
		return nil, err
	}
	r.Integrity = Integrity(r.Loader)
	r.Snippet = Snippet(r.Stub, o.LoaderURL, r.Integrity, o.Attrs)
	dts, _ := files.ReadFile("lpedge.d.ts")

	old, _ := filepath.Glob(filepath.Join(o.Out, "lpedge.*.wasm*"))
	for _, f := range old {
		os.Remove(f)
	}
	write := func(name string, data []byte, compressed bool) error {
		names := []string{name}
		contents := [][]byte{data}
		if compressed {
			names = append(names, name+".br", name+".gz")
			contents = append(contents, Brotli(data), Gzip(data))
		} else {
			// An earlier build's siblings would be served in its place.
			os.Remove(filepath.Join(o.Out, name+".br"))
			os.Remove(filepath.Join(o.Out, name+".gz"))
		}
		for i, n := range names {
			if err := os.WriteFile(filepath.Join(o.Out, n), contents[i], 0o644); err != nil {
				return err
			}
			r.Files = append(r.Files, n)
		}
		return nil
	}
	for _, f := range []struct {
		name     string
		data     []byte
		compress bool
	}{
		{r.Wasm, wasm, !o.Uncompressed},
		{"lpedge.js", r.Loader, !o.Uncompressed},
		{"stub.min.js", r.Stub, false},
		{"snippet.html", []byte(r.Snippet), false},
		{"lpedge.d.ts", dts, false},
	} {
		if err := write(f.name, f.data, f.compress); err != nil {
			return nil, err
		}
	}
	return r, nil
}

// WasmFlags are the tag's release build flags (with GOOS=js GOARCH=wasm).
// -s -w drop the symbol table and DWARF. lpedge's own packages are
// compiled without inlining: in Go's wasm output every inlined body is
// copied with its call-site bookkeeping, and the module is 16 KB brotli
// smaller without it (make size), while the work the tag does per call is
// microseconds either way (make bench). The pattern names lpedge's
// packages only, so it changes nothing in the floor's build.
//
// -buildid= leaves the Go build ID out: the 80 bytes of hashes at the
// module's start steer brotli's first choices, and moved the same code's
// brotli size by up to 1.1 KB (550,685, 551,221 and 551,825 B for one
// module with three IDs), so that the budget (TestWasmBudget) passed or
// failed by the hash of unrelated source. Without it the same source
// always measures the same, in every tree, and the module is
// reproducible; nothing reads the ID at run time.
var WasmFlags = []string{"-trimpath", "-ldflags=-s -w -buildid=", "-gcflags=github.com/lpedge/lpedge/...=-l"}

// BuildWasm compiles pkg (in the module at dir) for the browser with
// GOOS=js GOARCH=wasm and [WasmFlags].
func BuildWasm(dir, pkg, out string) error {
	cmd := exec.Command("go", append(append([]string{"build"}, WasmFlags...), "-o", out, pkg)...)
	cmd.Dir = dir
	cmd.Env = append(os.Environ(), "GOOS=js", "GOARCH=wasm")
	if msg, err := cmd.CombinedOutput(); err != nil {
		return errors.New("jsglue: go build " + pkg + ": " + err.Error() + "\n" + string(msg))
	}
	return nil
}

// Floor builds an empty Go main with the tag's flags into out: the size
// below which no Go wasm module can go, the reference of the tag's budget.
func Floor(out string) error {
	dir, err := os.MkdirTemp("", "lpedge-floor")
	if err != nil {
		return err
	}
	defer os.RemoveAll(dir)
	if err := os.WriteFile(filepath.Join(dir, "main.go"), []byte("package main\n\nfunc main() {}\n"), 0o644); err != nil {
		return err
	}
	if err := os.WriteFile(filepath.Join(dir, "go.mod"), []byte("module floor\n\ngo 1.26\n"), 0o644); err != nil {
		return err
	}
	return BuildWasm(dir, ".", out)
}

// WasmExec reads Go's wasm_exec.js from $(go env GOROOT)/lib/wasm, the
// glue that matches the compiler that built the module.
func WasmExec() ([]byte, error) {
	root, err := exec.Command("go", "env", "GOROOT").Output()
	if err != nil {
		return nil, errors.New("jsglue: go env GOROOT: " + err.Error())
	}
	return os.ReadFile(filepath.Join(strings.TrimSpace(string(root)), "lib", "wasm", "wasm_exec.js"))
}

// Minify minifies JavaScript.
func Minify(src []byte) ([]byte, error) {
	m := minify.New()
	m.AddFunc("application/javascript", js.Minify)
	return m.Bytes("application/javascript", src)
}

// Stub returns the minified stub.
func Stub() ([]byte, error) {
	src, _ := files.ReadFile("stub.js")
	return Minify(src)
}

// Loader bundles wasmExec (Go's wasm_exec.js) and the loader, naming the
// module wasmName, and minifies the result: lpedge.js.
func Loader(wasmExec []byte, wasmName string) ([]byte, error) {
	src, _ := files.ReadFile("loader.js")
	return loader(wasmExec, wasmName, src)
}

// loader bundles wasm_exec.js and the loader's source src.
func loader(wasmExec []byte, wasmName string, src []byte) ([]byte, error) {
	if !bytes.Contains(src, []byte(wasmPlaceholder)) {
		return nil, errors.New("jsglue: loader.js lacks " + wasmPlaceholder)
	}
	src = bytes.ReplaceAll(src, []byte(wasmPlaceholder), []byte(wasmName))
	// The members the retail preset reads, for the loader's debug log of
	// those it does not: from the preset itself, so they cannot drift.
	src = bytes.ReplaceAll(src, []byte(propertiesPlaceholder), []byte(retail.PropertiesRead))
	src = bytes.ReplaceAll(src, []byte(traitsPlaceholder), []byte(retail.TraitsRead))
	// The events it maps, as a regular expression's alternatives, for
	// lpedge.segment() (the names hold no special characters).
	src = bytes.ReplaceAll(src, []byte(eventsPlaceholder), []byte(strings.Join(retail.Events(), "|")))
	// One function, which the loader turns into its worker's script.
	bundle := append(append(append([]byte("(function __lpedgeBundle(){\n"), wasmExec...), ";\n"...), src...)
	bundle = append(bundle, "\n})()"...)
	return Minify(bundle)
}

// Integrity is the Subresource Integrity value of data (sha384).
func Integrity(data []byte) string {
	sum := sha512.Sum384(data)
	return "sha384-" + base64.StdEncoding.EncodeToString(sum[:])
}

// Snippet is the HTML a site pastes into its pages: the inline stub and
// the loader's script tag with its integrity hash. attrs fill the data
// attributes; placeholders stand in for account and app when absent.
func Snippet(stub []byte, loaderURL, integrity string, attrs map[string]string) string {
	if attrs == nil {
		attrs = map[string]string{"account": "YOUR_ACCOUNT_ID", "app": "YOUR_APP_INSTALLATION_ID", "domain": "YOUR_SMT_HOST"}
	}
	var b strings.Builder
	b.WriteString("<script>")
	b.Write(stub)
	b.WriteString("</script>\n<script async src=\"" + html.EscapeString(loaderURL) + "\" integrity=\"" + integrity + "\" crossorigin=\"anonymous\"")
	for _, k := range []string{"account", "app", "domain", "proxy", "consent", "debug", "capture", "datalayer-name"} {
		if v, ok := attrs[k]; ok {
			b.WriteString(" data-" + k + "=\"" + html.EscapeString(v) + "\"")
		}
	}
	b.WriteString("></script>\n")
	return b.String()
}

// Brotli compresses data at quality 11, as served precompressed.
func Brotli(data []byte) []byte {
	var b bytes.Buffer
	w := brotli.NewWriterLevel(&b, brotli.BestCompression)
	w.Write(data)
	w.Close()
	return b.Bytes()
}

// Gzip compresses data at level 9.
func Gzip(data []byte) []byte {
	var b bytes.Buffer
	w, _ := gzip.NewWriterLevel(&b, gzip.BestCompression)
	w.Write(data)
	w.Close()
	return b.Bytes()
}
