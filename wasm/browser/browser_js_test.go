//go:build js && wasm

package browser

import (
	"errors"
	"os"
	"sort"
	"strings"
	"sync"
	"syscall/js"
	"testing"
	"time"

	"github.com/lpedge/lpedge/wasm/tag"
)

// object makes a JavaScript object from Go values and functions.
func object(members map[string]any) js.Value {
	o := js.Global().Get("Object").New()
	for k, v := range members {
		if f, ok := v.(func(args []js.Value) any); ok {
			v = js.FuncOf(func(_ js.Value, args []js.Value) any { return f(args) })
		}
		o.Set(k, v)
	}
	return o
}

// jsFunc makes a JavaScript function from its source, as new Function.
func jsFunc(params ...string) js.Value {
	args := make([]any, len(params))
	for i, p := range params {
		args[i] = p
	}
	return js.Global().Get("Function").New(args...)
}

// thrower is a JavaScript function that throws when called.
func thrower() js.Value {
	return js.Global().Get("JSON").Get("parse").Call("bind", js.Null(), "{")
}

// idle lets the event loop run what is queued (the fakes' Promises
// settle at once) until the tag runs no entry point. A test goroutine
// woken from inside a callback may run before that callback returns,
// which the page never does: it calls only from the event loop.
func idle(t *testing.T) {
	t.Helper()
	time.Sleep(time.Millisecond)
	wait(t, "the tag's entry points to return", func() bool { return depth == 0 })
}

// wait blocks until f reports true, letting the event loop run.
func wait(t *testing.T, what string, f func() bool) {
	t.Helper()
	for i := 0; i < 200; i++ {
		if f() {
			return
		}
		time.Sleep(5 * time.Millisecond)
	}
	t.Fatalf("timed out waiting for %s", what)
}

var (
	loadOnce sync.Once
	loadErr  error
	// makeHost is the loader's host function.
	makeHost js.Value
	// listeners records what the host and the loader listen to, on
	// window and document alike: listeners.on[type] is an array of
	// functions.
	listeners js.Value
	// document is the loader's document.
	document js.Value
)

// useLoader runs jsglue's loader.js once, in Node, and sets host from it,
// so that the tests run the real host: window is globalThis (the tests'
// fakes of fetch, storage, console and lpTag are the host's), the
// document has not loaded yet, addEventListener records the listeners,
// and on load the module's own download never answers.
func useLoader(t *testing.T) {
	t.Helper()
	loadOnce.Do(func() {
		src, err := os.ReadFile("../../jsglue/loader.js")
		if err != nil {
			loadErr = err
			return
		}
		listeners = jsFunc(`var on = {};
			return {on: on, add: function (type, f) { (on[type] = on[type] || []).push(f) }}`).Invoke()
		js.Global().Set("addEventListener", listeners.Get("add"))
		document = object(map[string]any{"readyState": "loading", "baseURI": "http://localhost/",
			"visibilityState": "visible", "addEventListener": listeners.Get("add")})
		jsFunc("window", "document", string(src)).Invoke(js.Global(), document)
		js.Global().Set("fetch", jsFunc(`return new Promise(function () {})`))
		fire("load")
		makeHost = js.Global().Get("__lpedgeBoot").Get("host")
		makeHost.Invoke(js.FuncOf(answer))
		if js.Global().Get("__lpedgeBoot").Type() != js.TypeUndefined {
			loadErr = errors.New("the host left window.__lpedgeBoot")
		}
	})
	if loadErr != nil {
		t.Fatal(loadErr)
	}
	host = makeHost.Invoke(js.FuncOf(answer))
}

// fire calls the listeners of an event.
func fire(event string, args ...any) {
	if fs := listeners.Get("on").Get(event); fs.Type() == js.TypeObject {
		for i := 0; i < fs.Length(); i++ {
			fs.Index(i).Invoke(args...)
		}
	}
}

// recordConsole replaces the console with one that records every
// message as "level: message".
func recordConsole(t *testing.T) func() []string {
	real := js.Global().Get("console")
	t.Cleanup(func() { js.Global().Set("console", real) })
	var got []string
	c := map[string]any{}
	for _, level := range []string{"log", "warn", "error"} {
		c[level] = func(a []js.Value) any { got = append(got, level+": "+a[0].String()); return nil }
	}
	js.Global().Set("console", object(c))
	return func() []string { return got }
}

// A console that throws (a page's wrapper gone wrong) costs the message,
// not the tag.
func TestConsoleThrows(t *testing.T) {
	useLoader(t)
	real := js.Global().Get("console")
	defer js.Global().Set("console", real)
	js.Global().Set("console", object(map[string]any{"log": thrower(), "warn": thrower(), "error": thrower()}))
	win.Error("e")
	win.Warn("w")
	win.Log("l")
}

func fakeStorage() js.Value {
	items := map[string]string{}
	s := object(map[string]any{
		"getItem": func(a []js.Value) any {
			if v, ok := items[a[0].String()]; ok {
				return v
			}
			return nil
		},
		"setItem":    func(a []js.Value) any { items[a[0].String()] = a[1].String(); return nil },
		"removeItem": func(a []js.Value) any { delete(items, a[0].String()); return nil },
		"key": func(a []js.Value) any {
			keys := make([]string, 0, len(items))
			for k := range items {
				keys = append(keys, k)
			}
			sort.Strings(keys)
			return keys[a[0].Int()]
		},
	})
	length := object(map[string]any{"get": func([]js.Value) any { return len(items) }})
	js.Global().Get("Object").Call("defineProperty", s, "length", length)
	return s
}

func TestStorage(t *testing.T) {
	useLoader(t)
	js.Global().Set("localStorage", fakeStorage())
	if v, ok := local.Get("k"); ok || v != "" {
		t.Fatalf("empty storage has k: %q", v)
	}
	if err := local.Set("k", "v"); err != nil {
		t.Fatal(err)
	}
	if v, ok := local.Get("k"); !ok || v != "v" {
		t.Errorf("Get = %q, %v", v, ok)
	}
	local.Remove("k")
	if _, ok := local.Get("k"); ok {
		t.Error("Remove left k")
	}
	for _, k := range []string{"p:2", "q:1", "p:1"} {
		local.Set(k, "v")
	}
	keys := local.Keys("p:")
	sort.Strings(keys)
	if strings.Join(keys, " ") != "p:1 p:2" {
		t.Errorf(`Keys("p:") = %q, want p:1 and p:2`, keys)
	}
	// A store that throws on write (quota) and one whose access throws.
	js.Global().Set("localStorage", object(map[string]any{"setItem": thrower(), "getItem": thrower(), "removeItem": thrower()}))
	if err := local.Set("k", "v"); err == nil || !strings.Contains(err.Error(), "SyntaxError") {
		t.Errorf("a throwing setItem gave %v, want what it threw", err)
	}
	if v, ok := local.Get("k"); ok || v != "" {
		t.Errorf("a throwing getItem gave %q, %v", v, ok)
	}
	local.Remove("k")
	if keys := local.Keys(""); len(keys) != 0 {
		t.Errorf("a throwing store has keys %q", keys)
	}
	desc := object(map[string]any{"get": thrower(), "configurable": true})
	js.Global().Get("Object").Call("defineProperty", js.Global(), "sessionStorage", desc)
	defer js.Global().Delete("sessionStorage")
	if _, ok := session.Get("k"); ok {
		t.Error("a blocked store answered")
	}
	if err := session.Set("k", "v"); err == nil {
		t.Error("a blocked store took a write")
	}
	session.Remove("k")
}

func TestClock(t *testing.T) {
	useLoader(t)
	ran := make(chan string, 3)
	stop := win.After(1, func() { ran <- "stopped" })
	win.After(0, func() { ran <- "first" })
	ran <- "sync"
	if !stop() {
		t.Error("stop of a pending timer reported false")
	}
	if stop() {
		t.Error("a second stop reported true")
	}
	if got := <-ran; got != "sync" {
		t.Errorf("After(0) ran synchronously")
	}
	if got := <-ran; got != "first" {
		t.Errorf("got %q", got)
	}
	time.Sleep(10 * time.Millisecond)
	select {
	case got := <-ran:
		t.Errorf("a stopped timer ran: %s", got)
	default:
	}
	done := make(chan bool, 1)
	stop = win.After(0, func() { done <- true })
	<-done
	if stop() {
		t.Error("stop of a timer that ran reported true")
	}
	if now := win.Now(); now < 1.7e12 {
		t.Errorf("Now = %d", now)
	}
}

func TestConsole(t *testing.T) {
	useLoader(t)
	messages := recordConsole(t)
	win.Log("a")
	win.Warn("b")
	win.Error("c")
	if m := strings.Join(messages(), "|"); m != "log: a|warn: b|error: c" {
		t.Errorf("console got %s", m)
	}
}

// A panic in a function the tag runs from the event loop is reported on
// the console, and the module goes on.
func TestGuard(t *testing.T) {
	useLoader(t)
	messages := recordConsole(t)
	ran := make(chan bool, 1)
	win.After(0, func() { panic("boom") })
	win.After(0, func() { ran <- true })
	<-ran
	if m := messages(); len(m) != 1 || m[0] != "error: lpedge: internal error: boom" {
		t.Errorf("console got %q", m)
	}
	if depth != 0 {
		t.Errorf("depth %d after the panic", depth)
	}
}

// panicConsole's Log panics: a bug inside one of the tag's entry points.
type panicConsole struct{}

func (panicConsole) Error(string) {}
func (panicConsole) Warn(string)  {}
func (panicConsole) Log(string)   { panic("boom") }

// The tag's entry points do not defer the release of its lock, so a
// panic inside one leaves it held: guard has the tag release it, and the
// next call goes through instead of blocking the module for good.
func TestGuardReleasesTheTag(t *testing.T) {
	useLoader(t)
	messages := recordConsole(t)
	cfg, err := tag.ParseConfig(map[string]string{"account": "1", "app": "a", "domain": "smt.example"})
	if err != nil {
		t.Fatal(err)
	}
	env := Env()
	env.Console = panicConsole{}
	was := started
	t.Cleanup(func() { started = was })
	started = tag.New(cfg, env)
	guard(func() { started.SetDebug(true) }) // its log panics with the lock held
	returned := false
	go guard(func() { started.SetDebug(false); returned = true })
	wait(t, "the call after the panic to return", func() bool { return returned })
	if m := messages(); len(m) != 1 || m[0] != "error: lpedge: internal error: boom" {
		t.Errorf("console got %q", m)
	}
}

// TestSettle: a callback that panics while the tag is released after a
// panic is reported, and the release goes on, a bounded number of times:
// no panic escapes guard (which would end the module).
func TestSettle(t *testing.T) {
	useLoader(t)
	messages := recordConsole(t)
	calls := 0
	settle(func() {
		if calls++; calls < 3 {
			panic("again")
		}
	})
	if m := messages(); calls != 3 || len(m) != 2 || m[0] != "error: lpedge: internal error: again" {
		t.Errorf("%d releases, console %q; want 3 and two errors", calls, m)
	}
	calls = 0
	settle(func() { calls++; panic("always") })
	if calls != 4 {
		t.Errorf("a release that always panics ran %d times, want 4", calls)
	}
}

func TestTransport(t *testing.T) {
	useLoader(t)
	var got js.Value
	var url string
	fetch := js.FuncOf(func(_ js.Value, a []js.Value) any {
		url, got = a[0].String(), a[1]
		if strings.Contains(url, "fail") {
			return js.Global().Get("Promise").Call("reject", js.Global().Get("Error").New("Failed to fetch"))
		}
		resp := object(map[string]any{
			"status": 503,
			"headers": object(map[string]any{"get": func(a []js.Value) any {
				if strings.EqualFold(a[0].String(), "Retry-After") {
					return "7"
				}
				return nil
			}}),
			"text": func([]js.Value) any { return js.Global().Get("Promise").Call("resolve", `{"x":1}`) },
		})
		return js.Global().Get("Promise").Call("resolve", resp)
	})
	// A fetch that throws at once, on a malformed URL.
	js.Global().Set("fetch", jsFunc("fetch", `return function (url, opts) {
		if (/throw/.test(url)) throw new TypeError("Invalid URL");
		return fetch(url, opts);
	}`).Invoke(fetch))
	done := make(chan tag.Response, 1)
	win.Do(tag.Request{Method: "POST", URL: "https://smt.example/report", Body: "{}", Keepalive: true,
		Header: [][2]string{{"Content-Type", "application/json"}, {"X-HTTP-Method-Override", "PUT"}}}, func(r tag.Response) { done <- r })
	r := <-done
	if r.Status != 503 || string(r.Body) != `{"x":1}` || r.RetryAfter != "7" || r.Err != nil {
		t.Errorf("response %+v", r)
	}
	h := got.Get("headers")
	if url != "https://smt.example/report" || got.Get("method").String() != "POST" || !got.Get("keepalive").Bool() ||
		got.Get("body").String() != "{}" || got.Get("credentials").String() != "omit" ||
		h.Get("X-HTTP-Method-Override").String() != "PUT" || h.Get("Content-Type").String() != "application/json" {
		t.Errorf("fetch %s options: method %v keepalive %v body %v headers %v", url, got.Get("method"), got.Get("keepalive"), got.Get("body"), h)
	}
	win.Do(tag.Request{Method: "GET", URL: "https://smt.example/none"}, func(r tag.Response) { done <- r })
	<-done
	if got.Get("body").Type() != js.TypeUndefined || got.Get("keepalive").Bool() {
		t.Errorf("a GET without a body: body %v, keepalive %v", got.Get("body"), got.Get("keepalive"))
	}
	win.Do(tag.Request{Method: "POST", URL: "https://fail.example/"}, func(r tag.Response) { done <- r })
	if r := <-done; r.Status != 0 || r.Err == nil || !strings.Contains(r.Err.Error(), "Failed to fetch") {
		t.Errorf("a rejected fetch: %+v", r)
	}
	// A fetch that throws at once answers from the event loop too.
	answered := false
	win.Do(tag.Request{Method: "POST", URL: "https://throw.example/"}, func(r tag.Response) { answered = true; done <- r })
	if answered {
		t.Error("a throwing fetch answered inside Do")
	}
	if r := <-done; r.Status != 0 || r.Err == nil || r.Err.Error() != "TypeError: Invalid URL" {
		t.Errorf("a throwing fetch: %+v", r)
	}
}

func TestPage(t *testing.T) {
	useLoader(t)
	js.Global().Set("location", js.ValueOf(map[string]any{"href": "https://shop.example/p?q=1", "origin": "https://shop.example"}))
	defer js.Global().Delete("location")
	if u, o := win.URL(), win.Origin(); u != "https://shop.example/p?q=1" || o != "https://shop.example" {
		t.Errorf("URL %q, Origin %q", u, o)
	}
	js.Global().Delete("location")
	if u := win.URL(); u != "" {
		t.Errorf("URL without location: %q", u)
	}
	want := jsFunc(`return Intl.DateTimeFormat().resolvedOptions().timeZone`).Invoke().String()
	if tz := win.TimeZone(); tz != want || tz == "" {
		t.Errorf("TimeZone %q, want %q", tz, want)
	}
	for _, c := range []struct {
		navigator any
		online    bool
	}{{nil, true}, {map[string]any{}, true}, {map[string]any{"onLine": true}, true}, {map[string]any{"onLine": false}, false}} {
		js.Global().Set("navigator", c.navigator)
		if got := win.Online(); got != c.online {
			t.Errorf("navigator %v: Online %v", c.navigator, got)
		}
	}
	js.Global().Delete("navigator")
}

func fakeLpTag(vid string, bound *[]string) js.Value {
	return object(map[string]any{
		"section": js.ValueOf([]any{"shoes", 7, "sale"}),
		"taglets": object(map[string]any{"lp_monitoringSDK": object(map[string]any{
			"getVid": func([]js.Value) any { return vid },
			"getSid": func([]js.Value) any { return "S-" + vid },
		})}),
		"events": object(map[string]any{"bind": func(a []js.Value) any {
			*bound = append(*bound, a[0].String()+"/"+a[1].String())
			a[2].Invoke()
			return nil
		}}),
	})
}

func TestLpTag(t *testing.T) {
	useLoader(t)
	js.Global().Delete("lpTag")
	if win.Present() {
		t.Fatal("lpTag present in Node")
	}
	if v, s := win.IDs(); v != "" || s != "" {
		t.Errorf("IDs without lpTag: %q %q", v, s)
	}
	if s := win.Sections(); len(s) != 0 {
		t.Errorf("Sections without lpTag: %q", s)
	}
	changed := 0
	win.Watch(func() { changed++ })
	var bound []string
	js.Global().Set("lpTag", js.ValueOf(map[string]any{})) // the snippet's first assignment
	js.Global().Set("lpTag", fakeLpTag("V1", &bound))      // and its second, in the same script
	wait(t, "the bind", func() bool { return len(bound) == 2 })
	if bound[0] != "lp_monitoringSDK/SP_SENT" || bound[1] != "lp_SMT/MONITORING_STATE" || changed != 3 {
		t.Errorf("bound %v, changed %d times, want 2 events and 3 changes", bound, changed)
	}
	if v, s := win.IDs(); v != "V1" || s != "S-V1" || !win.Present() {
		t.Errorf("IDs = %q %q", v, s)
	}
	if s := win.Sections(); len(s) != 2 || s[0] != "shoes" || s[1] != "sale" {
		t.Errorf("Sections = %v", s)
	}
	d := js.Global().Get("Object").Call("getOwnPropertyDescriptor", js.Global(), "lpTag")
	if d.Get("get").Type() != js.TypeUndefined || d.Get("value").Get("events").Type() != js.TypeObject {
		t.Errorf("window.lpTag is still an accessor after the snippet ran")
	}
	// lpTag already there: bound at once, with one string for a section
	// and a taglet that lacks getSid.
	bound, changed = nil, 0
	lp := fakeLpTag("V2", &bound)
	lp.Set("section", "hats")
	lp.Get("taglets").Get("lp_monitoringSDK").Delete("getSid")
	js.Global().Set("lpTag", lp)
	win.Watch(func() { changed++ })
	if len(bound) != 2 || changed != 2 {
		t.Errorf("with lpTag present: bound %v, changed %d", bound, changed)
	}
	if s := win.Sections(); len(s) != 1 || s[0] != "hats" {
		t.Errorf("Sections = %v", s)
	}
	if v, s := win.IDs(); v != "V2" || s != "" {
		t.Errorf("IDs = %q %q", v, s)
	}
	js.Global().Delete("lpTag")
}

func TestStart(t *testing.T) {
	useLoader(t)
	js.Global().Set("localStorage", fakeStorage())
	js.Global().Set("sessionStorage", fakeStorage())
	js.Global().Set("location", js.ValueOf(map[string]any{"href": "https://shop.example/p", "origin": "https://shop.example"}))
	js.Global().Set("navigator", js.ValueOf(map[string]any{"onLine": false}))
	defer js.Global().Delete("navigator")
	// fetch in JavaScript, as the browser's is: a Go fake would run Go
	// inside the tag's own call out, which a browser never does.
	requests := js.Global().Get("Array").New()
	js.Global().Set("fetch", jsFunc("requests", `return function (url, opts) {
		requests.push(url + " " + opts.body);
		return Promise.resolve({status: 200, headers: {get: function () { return null }},
			text: function () { return Promise.resolve('{"visitorId":"V","sessionId":"S"}') }});
	}`).Invoke(requests))
	bodies := func() []string {
		var out []string
		for i := 0; i < requests.Length(); i++ {
			out = append(out, requests.Index(i).String())
		}
		return out
	}
	var call js.Value
	var bootErr string
	boot := func(attrs ...any) js.Value {
		return object(map[string]any{"attrs": js.ValueOf(attrs), "host": makeHost, "ready": func(a []js.Value) any {
			call = a[0]
			if len(a) > 1 {
				bootErr = a[1].String()
			}
			return nil
		}})
	}
	if _, err := Start(js.Undefined()); err == nil || !strings.Contains(err.Error(), "lpedge.js") {
		t.Errorf("Start without a boot object: %v", err)
	}
	if _, err := Start(boot("account", "1")); err == nil || !strings.Contains(bootErr, "data-domain") {
		t.Errorf("Start without a domain: %v; ready got %q", err, bootErr)
	}
	if _, err := Start(boot("account", "1", "app", "a", "domain", "smt.example")); err != nil {
		t.Fatal(err)
	}
	if call.Type() != js.TypeFunction {
		t.Fatalf("ready got %v, want the call function", call)
	}
	call.Invoke("track", `["Product Viewed",{"sku":"A","name":"Shoe"}]`, js.Undefined())
	call.Invoke("sdes.push", `[{"type":"searchInfo","keywords":["x"]}]`, js.Undefined())
	time.Sleep(20 * time.Millisecond)
	if b := bodies(); len(b) != 0 {
		t.Fatalf("requests while offline: %q", b)
	}
	// The browser comes online: the host's listener tells the tag.
	js.Global().Set("navigator", js.ValueOf(map[string]any{"onLine": true}))
	fire("online")
	wait(t, "the report", func() bool { return len(bodies()) == 2 })
	if b := bodies(); !strings.Contains(b[0], "/engagement?v=1.1") || !strings.Contains(b[1], "/report?v=1.1&vid=V&sid=S") ||
		!strings.Contains(b[1], "prodView") || !strings.Contains(b[1], "searchInfo") {
		t.Errorf("requests %q", b)
	}
	var result, msg js.Value
	settled := make(chan bool, 1)
	settle := js.FuncOf(func(_ js.Value, a []js.Value) any { result, msg = a[0], a[1]; settled <- true; return nil })
	call.Invoke("conversation.send", `["hi"]`, settle)
	<-settled
	if msg.Type() != js.TypeString || !strings.Contains(msg.String(), "no conversation is open") {
		t.Errorf("conversation.send without a conversation: settled with %v, %v", result, msg)
	}
	call.Invoke("engagement", `[{}]`, settle)
	<-settled
	idle(t)
	if result.Type() != js.TypeString || result.String() != "null" || msg.Type() != js.TypeNull {
		t.Errorf("engagement: settled with %v, %v; want its JSON (null: no engagement), no error", result, msg)
	}
	// The page is hidden (nothing in flight now that engagement has
	// answered): the tag sends what this tick queued at once, with
	// keepalive, instead of at the tick's end; not when it is shown.
	// After pagehide the page comes back from the back/forward cache
	// (pageshow, persisted): until then it sends nothing.
	for _, hide := range []func(){
		func() { fire("pagehide") },
		func() { document.Set("visibilityState", "hidden"); fire("visibilitychange") },
	} {
		n := len(bodies())
		call.Invoke("track", `["Product Viewed",{"sku":"B","name":"Hat"}]`, js.Undefined())
		hide()
		if b := bodies(); len(b) != n+1 || !strings.Contains(b[n], `"B"`) {
			t.Errorf("requests after the page was hidden: %q (%d before)", b[n:], n)
		}
		idle(t) // the answer
		fire("pageshow", object(map[string]any{"persisted": true}))
	}
	document.Set("visibilityState", "visible")
	n := len(bodies())
	call.Invoke("track", `["Product Viewed",{"sku":"C","name":"Cap"}]`, js.Undefined())
	fire("visibilitychange")
	if b := bodies(); len(b) != n {
		t.Errorf("requests after the page was shown: %q", b[n:])
	}
	wait(t, "the tick's report", func() bool { return len(bodies()) == n+1 })
	// The page calls lpedge from a console it wrapped, while the tag is
	// writing to it: the call runs after, instead of deadlocking.
	js.Global().Set("console", jsFunc("call", `var real = console;
		return {log: real.log, warn: real.warn, error: function (m) { real.error(m); call("sdes.push", '[{"type":"searchInfo","keywords":["from-console"]}]', undefined) }}`).Invoke(call))
	n = len(bodies())
	call.Invoke("track", `["Nope"]`, js.Undefined()) // an error: console.error, which calls back
	wait(t, "the report from inside console.error", func() bool { return len(bodies()) == n+1 })
	if b := bodies(); !strings.Contains(b[n], "from-console") {
		t.Errorf("the re-entrant call sent %q", b[n])
	}
	// And from console.log while the tag holds its lock (debug is on): run
	// at once, the call would wait for that lock forever.
	call.Invoke("debug", `[true]`, js.Undefined())
	js.Global().Set("console", jsFunc("call", `var real = console, called = false;
		return {warn: real.warn, error: real.error, log: function (m) {
			if (!called) { called = true; call("sdes.push", '[{"type":"searchInfo","keywords":["from-log"]}]', undefined) } }}`).Invoke(call))
	idle(t)
	call.Invoke("track", `["Product Viewed",{"sku":"D","name":"Sock"}]`, js.Undefined())
	wait(t, "the report from inside console.log", func() bool {
		b := bodies()
		return strings.Contains(b[len(b)-1], "from-log")
	})
}

func TestRandom(t *testing.T) {
	useLoader(t)
	a, b := make([]byte, 16), make([]byte, 16)
	random(a)
	random(b)
	if string(a) == string(b) {
		t.Errorf("two random draws are equal: %x", a)
	}
}

// The host's stream reads Server-Sent Events from fetch's body, with the
// token as a Bearer header: data lines joined (split across chunks and
// inside a UTF-8 sequence), a comment (the proxy's ": ping") an event
// with no data, so that the tag sees a live stream, other fields
// skipped; then the end, a refusal with its body, or a network error;
// nothing after stop.
func TestStream(t *testing.T) {
	useLoader(t)
	seen := js.Global().Get("Array").New()
	js.Global().Set("fetch", jsFunc("seen", `var enc = new TextEncoder();
		return function (url, opts) {
		seen.push([url, opts.headers.Authorization, opts.headers.Accept, opts.credentials, !!opts.signal].join(" "));
		if (/refused/.test(url)) return Promise.resolve(new Response('{"error":{"code":"unauthorized","message":"no token"}}', {status: 401}));
		if (/broken/.test(url)) return Promise.reject(new TypeError("network error"));
		var smile = enc.encode("data: {\"seq\":2,\"text\":\"\u{1F600}\"}\n\n");
		var chunks = [enc.encode(": ping\n\n"), enc.encode("id: 1\ndata: {\"seq\":1,"), enc.encode("\"x\":1}\n\n"),
			smile.slice(0, 22), smile.slice(22), enc.encode("event: e\r\nid: 3\r\ndata:a\r\ndata\r\ndata: b\r\n\r\nretry: 5\n\n")];
		return Promise.resolve(new Response(new ReadableStream({start: function (c) {
			chunks.forEach(function (ch) { c.enqueue(ch) });
			if (/open/.test(url)) globalThis.__more = c; else c.close();
		}}), {status: 200}));
	}`).Invoke(seen))
	type result struct {
		events []string
		end    *tag.Response
	}
	stream := func(url string) (func() result, func()) {
		var r result
		stop := win.Stream(url, "tok", func(d string) { r.events = append(r.events, d) }, func(resp tag.Response) { r.end = &resp })
		return func() result { return r }, stop
	}
	got, _ := stream("https://edge.example/v1/conversations/c1/events?after=0")
	wait(t, "the stream's end", func() bool { return got().end != nil })
	want := []string{"", `{"seq":1,"x":1}`, `{"seq":2,"text":"😀"}`, "a\n\nb"}
	if r := got(); strings.Join(r.events, "|") != strings.Join(want, "|") || r.end.Status != 200 || r.end.Err != nil {
		t.Errorf("events %q, end %+v; want %q and 200", r.events, r.end, want)
	}
	if s := seen.Index(0).String(); s != "https://edge.example/v1/conversations/c1/events?after=0 Bearer tok text/event-stream omit true" {
		t.Errorf("fetch %s", s)
	}
	got, _ = stream("https://edge.example/refused")
	wait(t, "the refusal", func() bool { return got().end != nil })
	if r := got(); r.end.Status != 401 || !strings.Contains(string(r.end.Body), "unauthorized") || len(r.events) != 0 {
		t.Errorf("a refusal: %+v", r)
	}
	got, _ = stream("https://edge.example/broken")
	wait(t, "the network error", func() bool { return got().end != nil })
	if r := got(); r.end.Status != 0 || r.end.Err == nil || !strings.Contains(r.end.Err.Error(), "network error") {
		t.Errorf("a network error: %+v", r)
	}
	got, stop := stream("https://edge.example/open")
	wait(t, "the open stream's events", func() bool { return len(got().events) == 4 })
	stop()
	more := js.Global().Get("__more")
	more.Call("enqueue", js.Global().Get("TextEncoder").New().Call("encode", ": ping\n\ndata: late\n\n"))
	more.Call("close")
	time.Sleep(20 * time.Millisecond)
	if r := got(); len(r.events) != 4 || r.end != nil {
		t.Errorf("after stop: %q, end %+v", r.events, r.end)
	}
}

// emitted is emit's count of the listeners it called, which the loader
// hands back through the module's callback (at once, here).
func emitted(t *testing.T, event, data string, own bool) int {
	t.Helper()
	n := -1
	emit(event, data, own, func(listeners int) { n = listeners })
	if n < 0 {
		t.Fatalf("emit(%s) did not call back", event)
	}
	return n
}

// The conversation's listeners are the loader's: on and off, emit
// calls back with how many it called, and one that throws stops no
// other.
func TestEmit(t *testing.T) {
	useLoader(t)
	logs := recordConsole(t)
	conv := js.Global().Get("lpedge").Get("conversation")
	var got []string
	f := js.FuncOf(func(_ js.Value, a []js.Value) any {
		got = append(got, "f "+a[0].Get("text").String()+" "+js.Global().Call("String", a[0].Get("own")).String())
		return nil
	})
	g := jsFunc("e", `throw new Error("the page's bug")`)
	conv.Call("on", "message", f)
	conv.Call("on", "message", f) // once
	conv.Call("on", "message", g)
	if n := emitted(t, "message", `{"text":"hi"}`, true); n != 2 || strings.Join(got, ",") != "f hi true" {
		t.Errorf("emit called %d, got %q", n, got)
	}
	if l := logs(); len(l) != 1 || !strings.HasPrefix(l[0], `error: lpedge: conversation.on("message"): a listener threw: `) ||
		!strings.Contains(l[0], "the page's bug") { // the Error itself, with its stack, and where it was thrown
		t.Errorf("console %q", l)
	}
	conv.Call("off", "message", f)
	conv.Call("off", "message", g)
	if n := emitted(t, "message", `{"text":"again"}`, false); n != 0 || len(got) != 1 {
		t.Errorf("after off: emit called %d, got %q", n, got)
	}
}

// A wrong event name or a callback that is not a function is a console
// error naming the argument, without debug, and adds or removes nothing;
// also when the stub queued the call.
func TestListenerArgs(t *testing.T) {
	useLoader(t)
	logs := recordConsole(t)
	conv := js.Global().Get("lpedge").Get("conversation")
	f := jsFunc("e", ``)
	conv.Call("on", "typing", f)
	for _, tc := range []struct {
		method string
		args   []any
		want   string
	}{
		{"on", []any{"mesage", f}, `lpedge: conversation.on: event: want "message", "typing", "read" or "state", got "mesage"`},
		{"on", []any{"toString", f}, `lpedge: conversation.on: event: want "message", "typing", "read" or "state", got "toString"`},
		{"on", []any{js.Global().Get("Symbol").Invoke("message"), f}, `lpedge: conversation.on: event: want "message", "typing", "read" or "state", got symbol`},
		{"on", []any{}, `lpedge: conversation.on: event: want "message", "typing", "read" or "state", got undefined`},
		{"on", []any{"message", "f"}, `lpedge: conversation.on: callback: want a function, got string`},
		{"on", []any{"message"}, `lpedge: conversation.on: callback: want a function, got undefined`},
		{"off", []any{"Typing", f}, `lpedge: conversation.off: event: want "message", "typing", "read" or "state", got "Typing"`},
		{"off", []any{"typing", js.Null()}, `lpedge: conversation.off: callback: want a function, got object`},
	} {
		before := len(logs())
		conv.Call(tc.method, tc.args...)
		if l := logs()[before:]; len(l) != 1 || l[0] != "error: "+tc.want {
			t.Errorf("%s%v: console %q, want %q", tc.method, tc.args, l, tc.want)
		}
	}
	for _, e := range []string{"message", "mesage", "read", "state"} {
		if n := emitted(t, e, `{}`, false); n != 0 {
			t.Errorf("a listener of %s was added", e)
		}
	}
	if n := emitted(t, "typing", `{}`, false); n != 1 {
		t.Errorf("typing has %d listeners, want the one added", n)
	}
	// A call the stub queued before the loader ran is the same call.
	before := len(logs())
	js.Global().Get("lpedge").Get("q").Call("push", js.ValueOf([]any{"conversation.on", []any{"tpying", f}}))
	if l := logs()[before:]; len(l) != 1 || !strings.Contains(l[0], `got "tpying"`) {
		t.Errorf("queued: console %q", l)
	}
	conv.Call("off", "typing", f)
}

// A Promise's rejection carries what a page acts on: an unreachable
// server as {code: "unreachable", url}, other errors as their message
// alone; a result is the JSON the tag wrote.
func TestReply(t *testing.T) {
	got := js.Global().Get("Array").New()
	settle := jsFunc("got", `return function (r, e) { got.push(JSON.stringify([r, e])) }`).Invoke(got)
	r := reply(settle)
	r([]byte(`{"conversationId":"c"}`), nil)
	r(nil, errors.New("lpedge: engagement: the proxy answered 400."))
	r(nil, &tag.UnreachableError{Call: "engagement", Server: "the proxy", URL: "https://edge.example"})
	want := []string{
		`["{\"conversationId\":\"c\"}",null]`,
		`["","lpedge: engagement: the proxy answered 400."]`,
		`["{\"code\":\"unreachable\",\"url\":\"https://edge.example\"}","lpedge: engagement: could not reach the proxy at https://edge.example (offline, or it is down or refuses this page's origin)"]`,
	}
	for i, w := range want {
		if i >= got.Length() || got.Index(i).String() != w {
			t.Errorf("settle call %d: %v, want %s", i, got.Index(i), w)
		}
	}
	if reply(js.Undefined()) != nil {
		t.Errorf("reply without settle is not nil")
	}
}
