// Command sizecut shows where the tag's brotli bytes go. It builds the
// module as it is, then once per part with that part cut off (its entry
// function returns at once, so the linker drops whatever only that part
// reaches), and prints what each part costs, next to the floor (an empty
// main), a minimal syscall/js program and the model alone (what any Go
// tag with these features links, however little of it were Go). Builds
// use jsglue.WasmFlags, in a temporary copy of the module; the tree
// itself is not touched.
//
//	go run ./jsglue/cmd/sizecut   # from the module's root; 10 builds
//	go run ./jsglue/cmd/sizecut -part identify
package main

import (
	"errors"
	"flag"
	"fmt"
	"io/fs"
	"log"
	"os"
	"path/filepath"
	"strings"

	"github.com/lpedge/lpedge/jsglue"
)

// A cut makes function sig in file return ret at once.
type cut struct{ file, sig, ret string }

// parts are the tag's features, each named by the functions that are
// its only ways in.
var parts = []struct {
	name string
	cuts []cut
}{
	{"the page API (every lpedge.* call)", []cut{{"wasm/tag/api.go", "func (t *Tag) call(", "return nil"}}},
	{"lpedge.track through the retail preset", []cut{{"wasm/tag/events.go", "func (t *Tag) Track(", "return nil"}}},
	{"lpedge.identify", []cut{{"wasm/tag/events.go", "func (t *Tag) Identify(", "return nil"}}},
	{"engagement and conversations", []cut{
		{"wasm/tag/engagement.go", "func (t *Tag) Engagement(", "return"},
		{"wasm/tag/engagement.go", "func (t *Tag) Start(", "return"},
		{"wasm/tag/engagement.go", "func (t *Tag) Send(", "return"},
		{"wasm/tag/engagement.go", "func (t *Tag) Close(", "return"},
		{"wasm/tag/engagement.go", "func (t *Tag) Typing(", "return"},
		{"wasm/tag/conversation.go", "func (c *Conversation) restore(", "return"}}},
	{"the conversation listens: event stream, listeners, read receipts, typing", []cut{
		{"wasm/tag/listen.go", "func (c *Conversation) listen(", "return"},
		{"wasm/tag/conversation.go", "func (c *Conversation) sendTyping(", "return"}}},
	{"sending, retries and the session (flush)", []cut{{"wasm/tag/send.go", "func (t *Tag) flush(", "return"}}},
	{"the data attributes (ParseConfig)", []cut{{"wasm/tag/config.go", "func ParseConfig(", "return Config{}, nil"}}},
	{"failures explained: no answer (UnreachableError), refusals, the proxy's account_mismatch", []cut{
		{"wasm/tag/send.go", "func explain(", "return errors.New(what), false"}}},
	{"zero-code capture: GA4 events from a dataLayer or gtag.js (Tag.Capture, retail's Cart.GA4)", []cut{
		{"wasm/tag/capture.go", "func (t *Tag) Capture(", "return"}}},
	{"worker mode's pagehide hand-over: the plan (PlanHide) and the journal of calls it does not reflect", []cut{
		{"wasm/tag/tag.go", "func (t *Tag) PlanHide(", "return HidePlan{}"},
		{"wasm/tag/journal.go", "func (t *Tag) replayJournals(", "return"}}},
}

// jsMain is a realistic minimum for any tag: syscall/js, strconv and one
// exported function.
const jsMain = `package main

import (
	"strconv"
	"syscall/js"
)

func main() {
	js.Global().Set("f", js.FuncOf(func(this js.Value, args []js.Value) any {
		return strconv.Itoa(args[0].Int()) + strconv.FormatFloat(args[1].Float(), 'g', -1, 64)
	}))
	select {}
}
`

// modelMain links the model the tag shares with the proxy (JSON values,
// SDE validation, the retail preset, Monitoring bodies, answers and
// retry policy) behind one exported function, and nothing of the tag:
// what any Go tag with these features links, even one whose queue,
// storage, timers and requests were all JavaScript.
const modelMain = `package main

import (
	"syscall/js"

	"github.com/lpedge/lpedge/internal/jsonv"
	"github.com/lpedge/lpedge/liveperson"
	"github.com/lpedge/lpedge/liveperson/monitoring"
	"github.com/lpedge/lpedge/liveperson/retail"
)

var cart retail.Cart

func main() {
	js.Global().Set("f", js.FuncOf(func(this js.Value, args []js.Value) any {
		data := []byte(args[1].String())
		v, err := jsonv.Parse(data)
		if err != nil {
			return err.Error()
		}
		m, _ := v.(map[string]any)
		var sdes []liveperson.SDE
		switch args[0].String() {
		case "track":
			sdes, err = cart.Map(args[2].String(), m)
		case "identify":
			sdes, err = retail.Identify(args[2].String(), m)
		case "sdes":
			sdes, err = liveperson.ParseSDEs(v)
		case "answer":
			a, err := monitoring.DecodeAnswer(data)
			if err != nil {
				return err.Error()
			}
			return a.VisitorID
		case "classify":
			return int(monitoring.Classify(args[2].Int(), data, args[3].String(), args[4].Int(), 0).Wait)
		}
		if err != nil {
			return err.Error()
		}
		call := monitoring.Call{Domain: args[3].String(), Account: args[4].String(), App: args[5].String()}
		url, err := call.URL(monitoring.Report)
		if err != nil {
			return err.Error()
		}
		r := monitoring.Request{SDEs: sdes, EntryPoints: retail.Page(args[2].String(), nil)}
		return url + string(r.AppendJSON(nil))
	}))
	select {}
}
`

func main() {
	only := flag.String("part", "", "cut off only the parts whose name contains this")
	flag.Parse()
	log.SetFlags(0)
	tmp, err := os.MkdirTemp("", "lpedge-sizecut")
	if err != nil {
		log.Fatal(err)
	}
	defer os.RemoveAll(tmp)
	src := filepath.Join(tmp, "src")
	if err := copyModule(".", src); err != nil {
		log.Fatal(err)
	}
	size := func(build func(out string) error) int {
		out := filepath.Join(tmp, "m.wasm")
		if err := build(out); err != nil {
			log.Fatal(err)
		}
		data, err := os.ReadFile(out)
		if err != nil {
			log.Fatal(err)
		}
		return len(jsglue.Brotli(data))
	}
	tag := func(out string) error { return jsglue.BuildWasm(src, "./wasm/cmd/lpedge", out) }
	floor := size(jsglue.Floor)
	// program builds source as package main in the copied module.
	program := func(name, source string) func(out string) error {
		return func(out string) error {
			dir := filepath.Join(src, "sizecut", name)
			if err := os.MkdirAll(dir, 0o755); err != nil {
				return err
			}
			if err := os.WriteFile(filepath.Join(dir, "main.go"), []byte(source), 0o644); err != nil {
				return err
			}
			return jsglue.BuildWasm(src, "./sizecut/"+name, out)
		}
	}
	js := size(program("js", jsMain))
	model := size(program("model", modelMain))
	full := size(tag)
	fmt.Printf("| module | brotli | x floor |\n|---|---:|---:|\n")
	row := func(name string, n int) { fmt.Printf("| %s | %d B | %.3f |\n", name, n, float64(n)/float64(floor)) }
	row("empty main (the floor)", floor)
	row("syscall/js + strconv, one js.FuncOf", js)
	row("the model alone (jsonv, SDE validation, retail preset, Monitoring) behind one js.FuncOf", model)
	row("the tag", full)
	fmt.Printf("\n| part cut off | tag without it | the part costs |\n|---|---:|---:|\n")
	for _, p := range parts {
		if !strings.Contains(p.name, *only) {
			continue
		}
		var undo []func()
		for _, c := range p.cuts {
			u, err := apply(src, c)
			if err != nil {
				log.Fatal(err)
			}
			undo = append(undo, u)
		}
		n := size(tag)
		for i := len(undo) - 1; i >= 0; i-- { // cuts in one file undo in reverse
			undo[i]()
		}
		fmt.Printf("| %s | %d B | %d B |\n", p.name, n, full-n)
	}
}

// apply makes c's function return at once and returns what restores it.
func apply(root string, c cut) (undo func(), err error) {
	path := filepath.Join(root, c.file)
	old, err := os.ReadFile(path)
	if err != nil {
		return nil, err
	}
	s := string(old)
	i := strings.Index(s, "\n"+c.sig)
	j := strings.Index(s[max(i, 0):], "{\n")
	if i < 0 || j < 0 {
		return nil, errors.New("sizecut: " + c.file + " has no " + c.sig + "...{ (renamed? update the parts table)")
	}
	j += i + 2
	s = s[:j] + "\tif true {\n\t\t" + c.ret + "\n\t}\n" + s[j:]
	if err := os.WriteFile(path, []byte(s), 0o644); err != nil {
		return nil, err
	}
	return func() { os.WriteFile(path, old, 0o644) }, nil
}

// copyModule copies the module's Go sources: what a build reads.
func copyModule(from, to string) error {
	return filepath.WalkDir(from, func(path string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if d.IsDir() {
			if name := d.Name(); path != from && (strings.HasPrefix(name, ".") || name == "node_modules" || name == "dist") {
				return filepath.SkipDir
			}
			return os.MkdirAll(filepath.Join(to, path), 0o755)
		}
		if !strings.HasSuffix(path, ".go") && path != "go.mod" && path != "go.sum" {
			return nil
		}
		data, err := os.ReadFile(path)
		if err != nil {
			return err
		}
		return os.WriteFile(filepath.Join(to, path), data, 0o644)
	})
}
