//go:build js && wasm

package browser

import (
	"strings"
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

// thrower is a JavaScript function that throws when called.
func thrower() js.Value {
	return js.Global().Get("JSON").Get("parse").Call("bind", js.Null(), "{")
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

func fakeStorage() js.Value {
	items := map[string]string{}
	return object(map[string]any{
		"getItem": func(a []js.Value) any {
			if v, ok := items[a[0].String()]; ok {
				return v
			}
			return nil
		},
		"setItem":    func(a []js.Value) any { items[a[0].String()] = a[1].String(); return nil },
		"removeItem": func(a []js.Value) any { delete(items, a[0].String()); return nil },
	})
}

func TestStorage(t *testing.T) {
	js.Global().Set("localStorage", fakeStorage())
	s := storage("localStorage")
	if _, ok := s.Get("k"); ok {
		t.Fatal("empty storage has k")
	}
	if err := s.Set("k", "v"); err != nil {
		t.Fatal(err)
	}
	if v, ok := s.Get("k"); !ok || v != "v" {
		t.Errorf("Get = %q, %v", v, ok)
	}
	s.Remove("k")
	if _, ok := s.Get("k"); ok {
		t.Error("Remove left k")
	}
	// A store that throws on write (quota) and one whose access throws.
	js.Global().Set("localStorage", object(map[string]any{"setItem": thrower(), "getItem": thrower(), "removeItem": thrower()}))
	if err := s.Set("k", "v"); err == nil {
		t.Error("a throwing setItem gave no error")
	}
	s.Remove("k")
	desc := object(map[string]any{"get": thrower(), "configurable": true})
	js.Global().Get("Object").Call("defineProperty", js.Global(), "sessionStorage", desc)
	defer js.Global().Delete("sessionStorage")
	if _, ok := storage("sessionStorage").Get("k"); ok {
		t.Error("a blocked store answered")
	}
	if err := storage("sessionStorage").Set("k", "v"); err == nil {
		t.Error("a blocked store took a write")
	}
}

func TestClock(t *testing.T) {
	ran := make(chan string, 3)
	c := clock{}
	stop := c.After(1, func() { ran <- "stopped" })
	c.After(0, func() { ran <- "first" })
	ran <- "sync"
	if !stop() {
		t.Error("stop of a pending timer reported false")
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
}

func TestTransport(t *testing.T) {
	var got js.Value
	var url string
	js.Global().Set("fetch", js.FuncOf(func(_ js.Value, a []js.Value) any {
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
	}))
	done := make(chan tag.Response, 1)
	transport{}.Do(tag.Request{Method: "POST", URL: "https://smt.example/report", Body: "{}", Keepalive: true,
		Header: [][2]string{{"X-HTTP-Method-Override", "PUT"}}}, func(r tag.Response) { done <- r })
	r := <-done
	if r.Status != 503 || string(r.Body) != `{"x":1}` || r.RetryAfter != "7" || r.Err != nil {
		t.Errorf("response %+v", r)
	}
	if got.Get("method").String() != "POST" || !got.Get("keepalive").Bool() || got.Get("body").String() != "{}" ||
		got.Get("headers").Get("X-HTTP-Method-Override").String() != "PUT" || got.Get("credentials").String() != "omit" {
		t.Errorf("fetch options: method %v keepalive %v body %v", got.Get("method"), got.Get("keepalive"), got.Get("body"))
	}
	transport{}.Do(tag.Request{Method: "POST", URL: "https://fail.example/"}, func(r tag.Response) { done <- r })
	if r := <-done; r.Status != 0 || r.Err == nil || !strings.Contains(r.Err.Error(), "Failed to fetch") {
		t.Errorf("a rejected fetch: %+v", r)
	}
}

func fakeLpTag(vid string, bound *[]string) js.Value {
	return object(map[string]any{
		"section": js.ValueOf([]any{"shoes", "sale"}),
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
	js.Global().Delete("lpTag")
	l := &lpTag{}
	if l.Present() {
		t.Fatal("lpTag present in Node")
	}
	if v, s := l.IDs(); v != "" || s != "" {
		t.Errorf("IDs without lpTag: %q %q", v, s)
	}
	changed := 0
	l.Watch(func() { changed++ })
	var bound []string
	js.Global().Set("lpTag", js.ValueOf(map[string]any{})) // the snippet's first assignment
	js.Global().Set("lpTag", fakeLpTag("V1", &bound))      // and its second, in the same script
	wait(t, "the bind", func() bool { return len(bound) == 2 })
	if bound[0] != "lp_monitoringSDK/SP_SENT" || bound[1] != "lp_SMT/MONITORING_STATE" || changed < 1 {
		t.Errorf("bound %v, changed %d", bound, changed)
	}
	if v, s := l.IDs(); v != "V1" || s != "S-V1" {
		t.Errorf("IDs = %q %q", v, s)
	}
	if s := l.Sections(); len(s) != 2 || s[1] != "sale" {
		t.Errorf("Sections = %v", s)
	}
	d := js.Global().Get("Object").Call("getOwnPropertyDescriptor", js.Global(), "lpTag")
	if d.Get("get").Type() != js.TypeUndefined || d.Get("value").Get("events").Type() != js.TypeObject {
		t.Errorf("window.lpTag is still an accessor after the snippet ran")
	}
	js.Global().Delete("lpTag")
}

func TestStart(t *testing.T) {
	js.Global().Set("localStorage", fakeStorage())
	js.Global().Set("sessionStorage", fakeStorage())
	js.Global().Set("location", js.ValueOf(map[string]any{"href": "https://shop.example/p", "origin": "https://shop.example"}))
	// fetch in JavaScript, as the browser's is: a Go fake would run Go
	// inside the tag's own call out, which a browser never does.
	requests := js.Global().Get("Array").New()
	js.Global().Set("fetch", js.Global().Get("Function").New("requests", `return function (url, opts) {
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
	boot := func(attrs string) js.Value {
		return object(map[string]any{"attrs": attrs, "ready": func(a []js.Value) any {
			call = a[0]
			if len(a) > 1 {
				bootErr = a[1].String()
			}
			return nil
		}})
	}
	if _, err := Start(boot(`{"account":"1"}`)); err == nil || !strings.Contains(bootErr, "data-domain") {
		t.Errorf("Start without a domain: %v; ready got %q", err, bootErr)
	}
	if _, err := Start(boot(`{"account":"1","app":"a","domain":"smt.example"}`)); err != nil {
		t.Fatal(err)
	}
	if call.Type() != js.TypeFunction {
		t.Fatalf("ready got %v, want the call function", call)
	}
	call.Invoke("track", `["Product Viewed",{"sku":"A","name":"Shoe"}]`)
	call.Invoke("sdes.push", `[{"type":"searchInfo","keywords":["x"]}]`)
	wait(t, "the report", func() bool { return len(bodies()) == 2 })
	if b := bodies(); !strings.Contains(b[0], "/engagement?v=1.1") || !strings.Contains(b[1], "/report?v=1.1&vid=V&sid=S") ||
		!strings.Contains(b[1], "prodView") || !strings.Contains(b[1], "searchInfo") {
		t.Errorf("requests %q", b)
	}
	var result js.Value
	settled := make(chan bool, 1)
	resolve := js.FuncOf(func(_ js.Value, a []js.Value) any { result = a[0]; settled <- true; return nil })
	reject := js.FuncOf(func(_ js.Value, a []js.Value) any { result = a[0]; settled <- false; return nil })
	call.Invoke("conversation.send", `["hi"]`, resolve, reject)
	if ok := <-settled; ok || !strings.Contains(result.Get("message").String(), "no conversation is open") {
		t.Errorf("conversation.send without a conversation: resolved %v with %v", ok, result)
	}
	// The page calls lpedge from a console it wrapped, while the tag is
	// writing to it: the call runs after, instead of deadlocking.
	js.Global().Set("console", js.Global().Get("Function").New("call", `var real = console;
		return {log: real.log, warn: real.warn, error: function (m) { real.error(m); call("sdes.push", '[{"type":"searchInfo","keywords":["from-console"]}]') }}`).Invoke(call))
	call.Invoke("track", `["Nope"]`) // an error: console.error, which calls back
	wait(t, "the report from inside console.error", func() bool { return len(bodies()) == 3 })
	if b := bodies(); !strings.Contains(b[2], "from-console") {
		t.Errorf("the re-entrant call sent %q", b[2])
	}
}

func TestRandom(t *testing.T) {
	a, b := make([]byte, 16), make([]byte, 16)
	random(a)
	random(b)
	if string(a) == string(b) {
		t.Errorf("two random draws are equal: %x", a)
	}
}
