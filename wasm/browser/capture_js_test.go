//go:build js && wasm

package browser

import (
	"os"
	"slices"
	"strings"
	"syscall/js"
	"testing"

	"github.com/lpedge/lpedge/liveperson/retail"
)

// loaderWindow runs jsglue's loader.js (with the retail preset's events
// written in, as the build does) in a window of its own, whose
// script tag has attrs, after page (JavaScript with the window as w) ran;
// then the module is ready, and calls returns what the loader handed it
// so far, as "method json".
func loaderWindow(t *testing.T, attrs map[string]string, page string) (w js.Value, calls func() []string) {
	t.Helper()
	useLoader(t)
	// The module's download never answers (other tests leave fakes of
	// their own).
	fetch := js.Global().Get("fetch")
	t.Cleanup(func() { js.Global().Set("fetch", fetch) })
	js.Global().Set("fetch", jsFunc(`return new Promise(function () {})`))
	src, err := os.ReadFile("../../jsglue/loader.js")
	if err != nil {
		t.Fatal(err)
	}
	a := js.Global().Get("Object").New()
	for k, v := range attrs {
		a.Set("data-"+k, v)
	}
	env := jsFunc("src", "attrs", "page", `var on = {}, got = [];
		var w = {lpedge: {}, Promise: Promise, Go: function () { this.importObject = {} },
			addEventListener: function (type, f) { (on[type] = on[type] || []).push(f) }};
		var d = {readyState: "complete", baseURI: "http://localhost/", addEventListener: function () {},
			currentScript: {src: "http://localhost/lpedge.js", getAttribute: function (k) { return k in attrs ? attrs[k] : null }}};
		new Function("w", page)(w);
		new Function("window", "document", src)(w, d);
		w.__lpedgeBoot.ready(function (n, json) { got.push(n + " " + json) });
		w.fire = function (type) { (on[type] || []).forEach(function (f) { f() }) };
		return {w: w, got: got}`).Invoke(strings.ReplaceAll(string(src), "__LPEDGE_EVENTS__", strings.Join(retail.Events(), "|")), a, page)
	return env.Get("w"), func() []string {
		got := env.Get("got")
		out := make([]string, got.Length())
		for i := range out {
			out[i] = got.Index(i).String()
		}
		return out
	}
}

// run runs JavaScript with the window as w.
func run(w js.Value, script string) { jsFunc("w", script).Invoke(w) }

// The dataLayer reader keeps GTM's state on the page's thread and hands
// the module each event once, as gtag.js's parameters: entries pushed
// before the loader ran and after, objects and gtag.js arguments,
// {ecommerce: null}, a user_id that stays; what it cannot read is a
// warning, and the page's push goes on.
func TestDataLayerReader(t *testing.T) {
	console := recordConsole(t)
	w, calls := loaderWindow(t, map[string]string{"capture": "datalayer"}, `
		w.dataLayer = [{event: "gtm.js", "gtm.start": 1}, {ecommerce: null},
			{event: "view_item", ecommerce: {currency: "USD", items: [{item_id: "A", price: "9.99"}]}}];
		w.gtag = function () { w.dataLayer.push(arguments) };`)
	// Another listener wraps push after lpedge, as GTM loading later does.
	run(w, `var push = w.dataLayer.push; w.seen = [];
		w.dataLayer.push = function () { var r = push.apply(this, arguments); w.seen.push.apply(w.seen, arguments); return r }`)
	run(w, `
		w.lengths = [];
		function p() { w.lengths.push(w.dataLayer.push.apply(w.dataLayer, arguments)) }
		p({ecommerce: {value: 5}});
		p({event: "add_to_cart", ecommerce: {items: [{item_id: "B"}]}});
		p({ecommerce: null}, {event: "purchase", transaction_id: "T", value: "9"});
		p({user_id: "u1"});
		p({event: "login", method: "Google"});
		w.gtag("config", "G-1", {user_id: "u2"});
		w.gtag("event", "sign_up", {method: "Google"});
		w.gtag("event", "search");
		var o = {event: "cyclic"}; o.o = o;
		p(7, "x", null, undefined, [1, 2], function () {}, o, {event: 5});
		p({event: "gtm.click", "gtm.element": {nodeType: 1, parent: o}, eventCallback: function () {}, n: NaN});`)
	want := []string{
		`capture ["gtm.js",{"event":"gtm.js","gtm.start":1},"dataLayer"]`,
		`capture ["view_item",{"event":"view_item","currency":"USD","items":[{"item_id":"A","price":"9.99"}]},"dataLayer"]`,
		// ecommerce objects merge until ecommerce: null clears them.
		`capture ["add_to_cart",{"event":"add_to_cart","currency":"USD","items":[{"item_id":"B"}],"value":5},"dataLayer"]`,
		`capture ["purchase",{"event":"purchase","transaction_id":"T","value":"9"},"dataLayer"]`,
		`capture ["login",{"user_id":"u1","event":"login","method":"Google"},"dataLayer"]`,
		`capture ["sign_up",{"user_id":"u2","method":"Google"},"gtag"]`,
		`capture ["search",{"user_id":"u2"},"gtag"]`,
		// A DOM node and a function are left out; NaN is named.
		`capture ["gtm.click",{"user_id":"u2","event":"gtm.click","n":"NaN"},"dataLayer"]`,
	}
	if got := calls(); strings.Join(got, "\n") != strings.Join(want, "\n") {
		t.Errorf("the module got\n%s\nwant\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
	}
	// The cycle is a warning; the page's push went on.
	if got := console(); len(got) != 1 || !strings.HasPrefix(got[0], "warn: lpedge: dataLayer: TypeError") {
		t.Errorf("console %q, want one warning for the cyclic entry", got)
	}
	if got := js.Global().Get("JSON").Call("stringify", w.Get("lengths")).String(); got != "[4,5,7,8,9,20,21]" {
		t.Errorf("push returned %s, want the dataLayer's lengths", got)
	}
	if n := w.Get("seen").Length(); n != 18 {
		t.Errorf("the listener after lpedge saw %d entries, want 18", n)
	}
}

// lpedge.segment() is an analytics-next destination plugin: track of the
// events the retail preset maps, identify and page go to the page API;
// data-capture="segment" registers it once, with the analytics present
// when lpedge.js runs or, through the snippet's buffer, with one that
// comes before the page's load event.
func TestSegmentPlugin(t *testing.T) {
	w, calls := loaderWindow(t, map[string]string{"capture": "segment"},
		`w.analytics = {plugins: [], register: function (p) { this.plugins.push(p) }};`)
	plugins := w.Get("analytics").Get("plugins")
	if plugins.Length() != 1 {
		t.Fatalf("%d plugins registered, want 1", plugins.Length())
	}
	p := plugins.Index(0)
	for k, want := range map[string]string{"name": "lpedge", "type": "destination", "version": "1"} {
		if got := p.Get(k).String(); got != want {
			t.Errorf("plugin.%s = %q, want %q", k, got, want)
		}
	}
	if !p.Call("isLoaded").Truthy() || p.Call("load").Get("then").Type() != js.TypeFunction {
		t.Error("the plugin is not loaded, or its load returns no Promise")
	}
	ctx := func(event string) js.Value { return js.Global().Get("JSON").Call("parse", `{"event":`+event+`}`) }
	for _, e := range []string{
		`{"type":"track","event":"Product Viewed","properties":{"sku":"A","price":9}}`,
		`{"type":"track","event":"order completed","properties":{"order_id":"O-1","revenue":9}}`,
		`{"type":"track","event":"Video Played","properties":{"title":"x"}}`,
	} {
		c := ctx(e)
		if !p.Call("track", c).Equal(c) {
			t.Errorf("track(%s) did not return its context", e)
		}
	}
	p.Call("identify", ctx(`{"type":"identify","userId":"c-1","traits":{"firstName":"Ann"}}`))
	p.Call("identify", ctx(`{"type":"identify","userId":null,"traits":{"firstName":"Bo"}}`))
	p.Call("page", ctx(`{"type":"page","properties":{"url":"https://shop.example/p/1","title":"Boot"}}`))
	want := []string{
		`track ["Product Viewed",{"sku":"A","price":9}]`,
		`track ["order completed",{"order_id":"O-1","revenue":9}]`,
		`identify ["c-1",{"firstName":"Ann"}]`,
		`identify [{"firstName":"Bo"},{"firstName":"Bo"}]`,
		`page ["https://shop.example/p/1"]`,
	}
	if got := calls(); strings.Join(got, "\n") != strings.Join(want, "\n") {
		t.Errorf("the module got\n%s\nwant\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
	}

	// In debug mode, an event the preset does not map is a note, as the
	// dataLayer's are.
	console := recordConsole(t)
	w, _ = loaderWindow(t, map[string]string{"capture": "segment", "debug": "true"},
		`w.analytics = {plugins: [], register: function (p) { this.plugins.push(p) }};`)
	w.Get("analytics").Get("plugins").Index(0).Call("track", ctx(`{"type":"track","event":"Video Played"}`))
	if got, want := console(), `log: lpedge: segment("Video Played"): no LivePerson meaning; ignored`; !slices.Contains(got, want) {
		t.Errorf("console %q, want %q", got, want)
	}

	// analytics.js's snippet after lpedge.js, before the load event.
	w, _ = loaderWindow(t, map[string]string{"capture": "segment"}, ``)
	run(w, `w.analytics = []; w.fire("load")`)
	if b := w.Get("analytics"); b.Length() != 1 || b.Index(0).Index(0).String() != "register" || b.Index(0).Index(1).Get("name").String() != "lpedge" {
		t.Errorf("the snippet's buffer holds %s, want one register of the plugin", js.Global().Get("JSON").Call("stringify", b).String())
	}
	// Without data-capture, nothing is registered and no dataLayer made.
	w, _ = loaderWindow(t, nil, `w.analytics = []`)
	if w.Get("analytics").Length() != 0 || w.Get("dataLayer").Type() != js.TypeUndefined {
		t.Error("without data-capture the loader registered a plugin or made a dataLayer")
	}
}

// A user_id set to null (signed out, as Google's user-id guide says to
// send it) is forgotten: a later login without its own user_id must not
// identify the previous user.
func TestDataLayerUserIDCleared(t *testing.T) {
	w, calls := loaderWindow(t, map[string]string{"capture": "datalayer"}, `w.dataLayer = [];
		w.gtag = function () { w.dataLayer.push(arguments) };`)
	run(w, `w.gtag("config", "G-1", {user_id: "alice"});
		w.gtag("config", "G-1", {user_id: null});
		w.gtag("event", "login", {method: "Google"});
		w.dataLayer.push({user_id: "bob"}, {user_id: null}, {event: "sign_up"});`)
	want := []string{
		`capture ["login",{"method":"Google"},"gtag"]`,
		`capture ["sign_up",{"event":"sign_up"},"dataLayer"]`,
	}
	if got := calls(); strings.Join(got, "\n") != strings.Join(want, "\n") {
		t.Errorf("the module got\n%s\nwant\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
	}
}

// With both readers on, gtag.js's events are left to the Segment plugin
// (Segment's GA4 destination calls gtag with the events it forwarded
// already), GTM-style pushes are read; an entry whose reading throws a
// Symbol is a warning too, and the page's push does not throw.
func TestDataLayerWithSegment(t *testing.T) {
	console := recordConsole(t)
	w, calls := loaderWindow(t, map[string]string{"capture": "datalayer segment"}, `w.dataLayer = [];
		w.gtag = function () { w.dataLayer.push(arguments) };`)
	run(w, `w.gtag("event", "add_to_cart", {items: [{item_id: "A"}]});
		w.dataLayer.push({event: "view_item", ecommerce: {items: [{item_id: "B"}]}});
		w.dataLayer.push({get event() { throw Symbol("page") }});`)
	want := []string{`capture ["view_item",{"event":"view_item","items":[{"item_id":"B"}]},"dataLayer"]`}
	if got := calls(); strings.Join(got, "\n") != strings.Join(want, "\n") {
		t.Errorf("the module got\n%s\nwant\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
	}
	if got := console(); len(got) != 1 || got[0] != "warn: lpedge: dataLayer: an entry could not be read" {
		t.Errorf("console %q, want one warning for the entry that threw a Symbol", got)
	}
}
