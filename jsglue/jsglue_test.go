package jsglue

import (
	"bytes"
	"compress/gzip"
	"io"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"testing"

	"github.com/andybalholm/brotli"

	"github.com/lpedge/lpedge/liveperson/retail"
)

// methods are the page API's methods, as lpedge.d.ts declares them.
var methods = []string{"track", "identify", "page", "consent", "debug", "ready", "sdes.push", "engagement",
	"connectorClick", "conversation.start", "conversation.send", "conversation.close", "conversation.typing",
	"conversation.on", "conversation.off"}

func TestStubBudget(t *testing.T) {
	stub, err := Stub()
	if err != nil {
		t.Fatal(err)
	}
	if len(stub) > MaxStub {
		t.Errorf("the minified stub is %d bytes, more than %d", len(stub), MaxStub)
	}
	t.Logf("stub: %d bytes minified, %d gzip, %d brotli", len(stub), len(Gzip(stub)), len(Brotli(stub)))
}

// The stub, the loader and the declarations name the same methods.
func TestMethodLists(t *testing.T) {
	for _, name := range []string{"stub.js", "loader.js", "lpedge.d.ts"} {
		src, _ := files.ReadFile(name)
		for _, m := range methods {
			short := m[strings.LastIndex(m, ".")+1:]
			if name == "lpedge.d.ts" {
				if !regexp.MustCompile(`\b` + short + `(<[^>]*>)?\(`).Match(src) {
					t.Errorf("%s does not declare %s", name, m)
				}
				continue
			}
			if !bytes.Contains(src, []byte(m)) {
				t.Errorf("%s lacks %s", name, m)
			}
		}
	}
}

func TestLoader(t *testing.T) {
	exec, err := WasmExec()
	if err != nil {
		t.Fatal(err)
	}
	js, err := Loader(exec, "lpedge.0123456789ab.wasm")
	if err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{`"lpedge.0123456789ab.wasm"`, "compileStreaming", "Worker(", "__lpedgeBoot", "globalThis.Go"} {
		if !bytes.Contains(js, []byte(want)) {
			t.Errorf("lpedge.js lacks %s", want)
		}
	}
	for _, p := range []string{wasmPlaceholder, propertiesPlaceholder, traitsPlaceholder, eventsPlaceholder} {
		if bytes.Contains(js, []byte(p)) {
			t.Errorf("lpedge.js still has the placeholder %s", p)
		}
	}
	for _, list := range []string{retail.PropertiesRead, retail.TraitsRead} {
		if !bytes.Contains(js, []byte(list)) {
			t.Errorf("lpedge.js lacks the retail preset's list %q", list)
		}
	}
	src, _ := files.ReadFile("loader.js")
	if len(js) >= (len(exec)+len(src))*3/4 {
		t.Errorf("lpedge.js (%d bytes) is not a quarter smaller than wasm_exec.js and loader.js (%d): not minified", len(js), len(exec)+len(src))
	}
}

func TestSnippet(t *testing.T) {
	s := Snippet([]byte("STUB"), "https://e.example/lpedge.js", Integrity([]byte("x")),
		map[string]string{"account": "1", "proxy": `https://e.example/"x`, "capture": "datalayer", "datalayer-name": "dl"})
	want := `<script>STUB</script>
<script async src="https://e.example/lpedge.js" integrity="sha384-11LCxR+6DimqGQVwqdQlPkQHegWNMpf6OlYw1b0BJiL5fCisrtMTtcg7uZDKp9qF" crossorigin="anonymous" data-account="1" data-proxy="https://e.example/&#34;x" data-capture="datalayer" data-datalayer-name="dl"></script>
`
	if s != want {
		t.Errorf("Snippet =\n%s\nwant\n%s", s, want)
	}
}

func TestBuild(t *testing.T) {
	out := t.TempDir()
	os.WriteFile(filepath.Join(out, "lpedge.000000000000.wasm"), []byte("old"), 0o644)
	r, err := Build(Options{Out: out, Dir: "..", LoaderURL: "https://edge.example/lpedge.js"})
	if err != nil {
		t.Fatal(err)
	}
	if !regexp.MustCompile(`^lpedge\.[0-9a-f]{12}\.wasm$`).MatchString(r.Wasm) {
		t.Errorf("module name %q", r.Wasm)
	}
	if _, err := os.Stat(filepath.Join(out, "lpedge.000000000000.wasm")); err == nil {
		t.Errorf("an earlier build's module was left")
	}
	for _, name := range []string{r.Wasm, "lpedge.js"} {
		raw, err := os.ReadFile(filepath.Join(out, name))
		if err != nil {
			t.Fatal(err)
		}
		br, _ := os.ReadFile(filepath.Join(out, name+".br"))
		gz, _ := os.ReadFile(filepath.Join(out, name+".gz"))
		fromBr, err1 := io.ReadAll(brotli.NewReader(bytes.NewReader(br)))
		zr, err2 := gzip.NewReader(bytes.NewReader(gz))
		if err2 != nil {
			t.Fatal(err2)
		}
		fromGz, err3 := io.ReadAll(zr)
		if err1 != nil || err3 != nil || !bytes.Equal(fromBr, raw) || !bytes.Equal(fromGz, raw) {
			t.Errorf("%s: the .br and .gz siblings do not hold the file", name)
		}
	}
	js, _ := os.ReadFile(filepath.Join(out, "lpedge.js"))
	if !bytes.Equal(js, r.Loader) || Integrity(js) != r.Integrity || !strings.Contains(r.Snippet, r.Integrity) {
		t.Errorf("the snippet's integrity does not match lpedge.js")
	}
	if !bytes.Contains(js, []byte(r.Wasm)) {
		t.Errorf("lpedge.js does not name %s", r.Wasm)
	}
	snippet, _ := os.ReadFile(filepath.Join(out, "snippet.html"))
	if string(snippet) != r.Snippet || !strings.Contains(r.Snippet, `src="https://edge.example/lpedge.js"`) {
		t.Errorf("snippet.html: %s", snippet)
	}
}

// An uncompressed build (for tests) writes no .br or .gz siblings and
// the same module.
func TestBuildUncompressed(t *testing.T) {
	out := t.TempDir()
	for _, old := range []string{"lpedge.js.br", "lpedge.js.gz"} { // a release build's, earlier
		os.WriteFile(filepath.Join(out, old), []byte("old"), 0o644)
	}
	r, err := Build(Options{Out: out, Dir: "..", Uncompressed: true})
	if err != nil {
		t.Fatal(err)
	}
	if len(r.Files) != 5 || slices.ContainsFunc(r.Files, func(f string) bool { return strings.HasSuffix(f, ".br") || strings.HasSuffix(f, ".gz") }) {
		t.Errorf("files %v, want the module, lpedge.js, the stub, the snippet and the declarations only", r.Files)
	}
	if _, err := os.Stat(filepath.Join(out, r.Wasm)); err != nil {
		t.Error(err)
	}
	if left, _ := filepath.Glob(filepath.Join(out, "*.br")); len(left) > 0 {
		t.Errorf("an earlier build's compressed loader is left, and would be served: %v", left)
	}
}

// The loader's emit adds own to every conversation event: each event's
// interface declares it, and not as optional.
func TestEventsDeclareOwn(t *testing.T) {
	src, _ := files.ReadFile("lpedge.d.ts")
	m := regexp.MustCompile(`(?s)interface ConversationEvents \{(.*?)\}`).FindSubmatch(src)
	if m == nil {
		t.Fatal("lpedge.d.ts declares no ConversationEvents")
	}
	events := regexp.MustCompile(`(\w+): (\w+);`).FindAllSubmatch(m[1], -1)
	if len(events) != 4 { // message, typing, read, state
		t.Fatalf("lpedge.d.ts: ConversationEvents has %d events, want 4", len(events))
	}
	for _, f := range events {
		body := regexp.MustCompile(`(?s)interface ` + string(f[2]) + ` \{(.*?)\n\}`).FindSubmatch(src)
		if body == nil || !regexp.MustCompile(`\n  own: boolean;`).Match(body[1]) {
			t.Errorf("lpedge.d.ts: %s (the %s event) does not declare own: boolean", f[2], f[1])
		}
	}
	loader, _ := files.ReadFile("loader.js")
	if !bytes.Contains(loader, []byte("v.own = own;")) {
		t.Errorf("loader.js's emit no longer adds own: update this test and lpedge.d.ts")
	}
}
