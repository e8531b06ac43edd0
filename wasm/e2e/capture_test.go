//go:build !js

package e2e

import (
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/lpedge/lpedge/liveperson"
	"github.com/lpedge/lpedge/liveperson/lptest"
)

// The items of the tests' events (Google's reference tee; prices and
// quantities as strings, as shops send them).
const (
	gaTee    = `{item_id: "SKU_12345", item_name: "Stan and Friends Tee", item_category: "Apparel", item_variant: "green", discount: 2.22, price: 10.01, quantity: 3}`
	gaSloppy = `{item_id: "SKU_12346", item_name: "Google Grey Women's Tee", price: "21.01", quantity: "2"}`
)

// counter is a push wrapper like GTM's that records every entry it sees,
// under window[name]: a second listener that must go on seeing each
// entry once, whether it wrapped push before lpedge or after.
func counter(name string) string {
	return `(function () { var a = window.dataLayer = window.dataLayer || [], push = a.push, seen = window.` + name + ` = [];
  a.push = function () { var r = push.apply(this, arguments); [].forEach.call(arguments, function (e) { seen.push(e) }); return r } })();`
}

// settled waits until lptest holds n attributes, then a moment more, in
// which a report sent twice would arrive too.
func settled(t *testing.T, lp *lptest.Server, n int) []liveperson.SDE {
	t.Helper()
	eventually(t, "the captured events in lptest", func() bool { return len(received(lp)) >= n })
	time.Sleep(300 * time.Millisecond)
	return received(lp)
}

// TestCaptureDataLayer: a page whose only instrumentation is GA4's
// dataLayer, as GTM pages push it (entries before the tag loads and
// after), or gtag.js's calls, reaches LivePerson through
// data-capture="datalayer": the expected attributes, one report per tick,
// nothing twice, and the page's other listeners see every entry once.
func TestCaptureDataLayer(t *testing.T) {
	lp := lptest.NewServer()
	defer lp.Close()
	attrs := direct(lp, "capture", "datalayer", "debug", "false")
	s := site(t, map[string]page{
		"gtm": {Attrs: attrs, Head: `<script>` + counter("__early") + `
dataLayer.push({"gtm.start": Date.now(), event: "gtm.js"});
dataLayer.push({ecommerce: null});
dataLayer.push({event: "view_item", ecommerce: {currency: "USD", value: 30.03, items: [` + gaTee + `]}});
dataLayer.push({event: "gtm.click", "gtm.element": document.documentElement, eventCallback: function () {}});
</script>`},
		"gtag": {Attrs: attrs, Head: `<script>
window.dataLayer = window.dataLayer || [];
function gtag() { dataLayer.push(arguments) }
gtag("js", new Date());
gtag("config", "G-TEST", {user_id: "u-77", send_page_view: false});
gtag("event", "view_item", {currency: "EUR", items: [` + gaSloppy + `]});
</script>`},
	})
	ctx, console := newBrowser(t)

	open(t, ctx, s.URL+"/gtm")
	// What the page pushed before the tag: one prodView, in the tick of
	// the replay.
	sdes := settled(t, lp, 1)
	if got := types(sdes); got != "prodView" || len(reports(lp)) != 1 {
		t.Fatalf("before load: lptest has %s in %d reports, want prodView in 1", got, len(reports(lp)))
	}
	if b := string(sdes[0].AppendJSON(nil)); !strings.Contains(b, `"sku":"SKU_12345"`) || !strings.Contains(b, `"currency":"USD"`) {
		t.Errorf("prodView %s", b)
	}
	// GTM arriving after the tag wraps push again; the page goes on
	// pushing, in one tick: add_to_cart after ecommerce: null, and a
	// purchase whose fields are at the top level.
	exec(t, ctx, counter("__late")+`
dataLayer.push({ecommerce: null});
dataLayer.push({event: "add_to_cart", ecommerce: {currency: "USD", items: [`+gaTee+`]}});
dataLayer.push({event: "scroll", percent_scrolled: 90}, {event: "purchase", transaction_id: "T_1", value: "30.03", tax: 1, shipping: "4.99", currency: "USD", items: [`+gaTee+`]});`)
	sdes = settled(t, lp, 4)
	if got := types(sdes); got != "prodView,cart,purchase,cart" {
		t.Errorf("lptest has %s, want prodView,cart,purchase,cart", got)
	}
	if n := len(reports(lp)); n != 2 {
		t.Errorf("%d reports, want 2: one per tick", n)
	}
	if b := string(sdes[1].AppendJSON(nil)); !strings.Contains(b, `"total":30.03`) || !strings.Contains(b, `"numItems":3`) {
		t.Errorf("cart %s, want 3 tees, 30.03", b)
	}
	if b := string(sdes[2].AppendJSON(nil)); !strings.Contains(b, `"orderId":"T_1"`) || !strings.Contains(b, `"total":36.02`) {
		t.Errorf("purchase %s, want T_1 at 30.03 + 1 + 4.99", b)
	}
	// Each listener saw each entry once: the early one all eight pushes,
	// the late one the four after it; the dataLayer holds each once.
	if n := eval[int](t, ctx, `__early.length`); n != 8 {
		t.Errorf("the listener before lpedge saw %d entries, want 8", n)
	}
	if n := eval[int](t, ctx, `__late.length`); n != 4 {
		t.Errorf("the listener after lpedge saw %d entries, want 4", n)
	}
	if n := eval[int](t, ctx, `dataLayer.length`); n != 8 {
		t.Errorf("the dataLayer holds %d entries, want 8", n)
	}
	// The loader twice: one reader still, and the page's push does not
	// throw for entries lpedge cannot read (a cycle).
	exec(t, ctx, `var s2 = document.createElement("script"); s2.src = "/a/lpedge.js"; s2.setAttribute("data-capture", "datalayer");
s2.onload = function () { window.__again = 1 }; document.head.appendChild(s2)`)
	eventually(t, "the second lpedge.js", func() bool { return eval[bool](t, ctx, `!!window.__again`) })
	ok := eval[bool](t, ctx, `(function () { var o = {}; o.o = o; try { dataLayer.push(o, {event: "search", search_term: "blue tee"}); return true } catch (e) { return false } })()`)
	if !ok {
		t.Error("the page's push threw")
	}
	sdes = settled(t, lp, 5)
	if got := types(sdes); got != "prodView,cart,purchase,cart,searchInfo" {
		t.Errorf("after a second lpedge.js, lptest has %s, want one searchInfo more", got)
	}
	for _, m := range console.Messages() {
		if strings.HasPrefix(m.Text, "lpedge") && !strings.HasPrefix(m.Text, "lpedge: dataLayer: TypeError: Converting circular structure") {
			t.Errorf("console %s %q", m.Type, m.Text)
		}
	}

	// gtag.js: arguments objects; user_id from config identifies at login.
	lp.Reset()
	open(t, ctx, s.URL+"/gtag")
	settled(t, lp, 1)
	exec(t, ctx, `gtag("event", "add_to_cart", {currency: "EUR", items: [`+gaSloppy+`]}); gtag("event", "login", {method: "Google"});`)
	sdes = settled(t, lp, 3)
	if got := types(sdes); got != "prodView,cart,ctmrinfo" {
		t.Errorf("gtag: lptest has %s, want prodView,cart,ctmrinfo", got)
	}
	if b := string(sdes[1].AppendJSON(nil)); !strings.Contains(b, `"total":42.02`) || !strings.Contains(b, `"currency":"EUR"`) {
		t.Errorf("gtag cart %s, want two grey tees at 21.01, EUR", b)
	}
	rs := reports(lp)
	if len(rs) != 2 || !strings.Contains(rs[1].Body, `"sub":"u-77"`) {
		t.Errorf("gtag: %d reports, the last %s; want 2 (one per tick), the second with the identity u-77", len(rs), rs[len(rs)-1].Body)
	}
}

// segmentCDN serves analytics-next from node_modules as Segment's CDN
// does: the standalone analytics.js, its bundles, and the source's
// settings (Segment.io alone, which the page's load options turn off:
// nothing leaves the machine).
func segmentCDN(t *testing.T) *httptest.Server {
	t.Helper()
	dist := filepath.Join("..", "..", "node_modules", "@segment", "analytics-next", "dist", "umd")
	if _, err := os.Stat(filepath.Join(dist, "standalone.js")); err != nil {
		t.Fatalf("analytics-next is not installed (make deps): %v", err)
	}
	mux := http.NewServeMux()
	mux.HandleFunc("GET /analytics.js", func(w http.ResponseWriter, r *http.Request) {
		http.ServeFile(w, r, filepath.Join(dist, "standalone.js"))
	})
	mux.Handle("GET /analytics-next/bundles/", http.StripPrefix("/analytics-next/bundles/", http.FileServer(http.Dir(dist))))
	mux.HandleFunc("GET /v1/projects/{key}/settings", func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Access-Control-Allow-Origin", "*")
		w.Header().Set("Content-Type", "application/json")
		w.Write([]byte(`{"integrations":{"Segment.io":{"apiKey":"` + r.PathValue("key") + `"}},"plan":{},"metrics":{"sampleRate":0}}`))
	})
	srv := httptest.NewServer(mux)
	t.Cleanup(srv.Close)
	return srv
}

// TestCaptureSegment: analytics.js (analytics-next, from npm) with the
// plugin data-capture="segment" registers: Segment's e-commerce tracks,
// identify and page reach LivePerson; other events are left alone. The
// page sets analytics up after the tag's script, as a page that loads it
// later does.
func TestCaptureSegment(t *testing.T) {
	lp := lptest.NewServer()
	defer lp.Close()
	cdn := segmentCDN(t)
	s := site(t, map[string]page{"shop": {Attrs: direct(lp, "capture", "segment", "debug", "false"),
		Script: `document.addEventListener("DOMContentLoaded", function () {
  // Segment's snippet, in short: a buffer with methods, then analytics.js.
  var a = window.analytics = [];
  a._writeKey = "wk1"; a._cdn = "` + cdn.URL + `"; a._loadOptions = {integrations: {"Segment.io": false}};
  "track identify page".split(" ").forEach(function (m) { a[m] = function () { a.push([m].concat([].slice.call(arguments))); return a } });
  analytics.identify("cust-9", {firstName: "Ann", email: "ann@example.com"});
  analytics.track("Product Viewed", {product_id: "SKU-1", name: "Boot", price: 59.9, currency: "USD"});
  analytics.track("Video Played", {title: "Boots"});
  var s = document.createElement("script"); s.async = true; s.src = "` + cdn.URL + `/analytics.js"; document.head.appendChild(s);
});`}})
	ctx, console := newBrowser(t)
	open(t, ctx, s.URL+"/shop")
	eventually(t, "analytics.js", func() bool { return eval[bool](t, ctx, `!!(window.analytics && analytics.initialized)`) })
	sdes := settled(t, lp, 3)
	exec(t, ctx, `analytics.track("Product Added", {sku: "SKU-1", name: "Boot", price: 59.9, quantity: 2}); analytics.page()`)
	sdes = settled(t, lp, 4)
	got := types(sdes)
	if got != "ctmrinfo,personal,prodView,cart" {
		t.Errorf("lptest has %s, want ctmrinfo,personal,prodView,cart", got)
	}
	if b := string(sdes[len(sdes)-1].AppendJSON(nil)); !strings.Contains(b, `"total":119.8`) {
		t.Errorf("cart %s, want two boots", b)
	}
	rs := reports(lp)
	if len(rs) == 0 || !strings.Contains(rs[len(rs)-1].Body, `"sub":"cust-9"`) {
		t.Errorf("reports %d, want the identity cust-9", len(rs))
	}
	if n := eval[int](t, ctx, `analytics.queue.plugins.filter(function (p) { return p.name == "lpedge" }).length`); n != 1 {
		t.Errorf("%d lpedge plugins registered, want 1", n)
	}
	for _, m := range console.Messages() {
		if strings.HasPrefix(m.Text, "lpedge") {
			t.Errorf("console %s %q", m.Type, m.Text)
		}
	}
}
