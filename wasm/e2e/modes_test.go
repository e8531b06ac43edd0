//go:build !js

package e2e

import (
	"context"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"github.com/lpedge/lpedge/liveperson/lptest"
)

// TestMainThread runs a representative table of the suite with the tag
// in main-thread mode (no Worker); the whole suite runs in worker mode,
// the default. Twice over would take the package past its 120 s.
func TestMainThread(t *testing.T) {
	onMainThread = true
	defer func() { onMainThread = false }()
	for _, c := range []struct {
		name string
		test func(*testing.T)
	}{
		{"PageWithoutLpTag", TestPageWithoutLpTag},
		{"TwoTabsWith503", TestTwoTabsWith503},
		{"TwoTabsTakeOneQueue", TestTwoTabsTakeOneQueue},
		{"PagehideReleases", TestPagehideReleases},
		{"Offline", TestOffline},
		{"Consent", TestConsent},
		{"ThroughProxy", TestThroughProxy},
	} {
		t.Run(c.name, c.test)
	}
}

// The tag runs in a Web Worker by default (or data-thread="worker"), and
// on the page's thread where the page asks for it (data-thread="main"),
// the browser has no Worker or the site's CSP forbids workers
// (worker-src 'none'), saying so in debug mode; a data-thread it does not
// know is a console error, and the default applies. Every event arrives in each mode,
// calls queued before the module was ready among them.
func TestModes(t *testing.T) {
	for _, c := range []struct {
		name, csp, head string
		thread          []string // the data-thread attribute, if not "worker"
		worker          bool
		note            string
	}{
		{"worker", "", "", nil, true, ""},
		{"no Worker", "", "<script>delete window.Worker</script>", nil, false, "lpedge: the tag runs on the page's thread: no Worker"},
		{"CSP worker-src 'none'", "worker-src 'none'", "", nil, false, "lpedge: the tag runs on the page's thread"},
		{"no data-thread: the default", "", "", []string{"thread", ""}, true, ""},
		{"data-thread=main", "", "", []string{"thread", "main"}, false, ""},
		{"data-thread=wrker", "", "", []string{"thread", "wrker"}, true, `lpedge: data-thread: want "worker" or "main", got "wrker"`},
	} {
		t.Run(c.name, func(t *testing.T) {
			lp := lptest.NewServer()
			defer lp.Close()
			s := site(t, map[string]page{"shop": {Attrs: direct(lp, c.thread...), CSP: c.csp, Head: c.head, Script: `
				lpedge.identify("cust-1", {firstName: "Ann"});
				lpedge.track("Product Viewed", {sku: "A1", name: "Boot", price: 90});
				lpedge.sdes.push({type: "searchInfo", keywords: ["boots"]});`}})
			ctx, console := newBrowser(t)
			open(t, ctx, s.URL+"/shop")
			exec(t, ctx, `for (var i = 0; i < 20; i++) lpedge.track("Product Added", {sku: "S" + i, name: "Sock", price: 4.5, quantity: 1})`)
			eventually(t, "every event in lptest", func() bool { return len(received(lp)) >= 24 })
			time.Sleep(200 * time.Millisecond)
			if got := types(received(lp)); !strings.HasPrefix(got, "ctmrinfo,personal,prodView,searchInfo,cart,cart") || len(received(lp)) != 24 {
				t.Errorf("lptest received %s, want the 4 queued calls' attributes and 20 carts, once each", got)
			}
			if c.note == "" { // worker mode, and the default, say nothing: the targets show it
				for _, m := range console.Messages() {
					if strings.HasPrefix(m.Text, "lpedge: the tag runs on the page's thread") {
						t.Errorf("worker mode: %s", m.Text)
					}
				}
			} else {
				wctx, cancel := context.WithTimeout(ctx, 5*time.Second)
				defer cancel()
				if _, err := console.Wait(wctx, func(m chromedp.ConsoleMessage) bool { return strings.HasPrefix(m.Text, c.note) }); err != nil {
					t.Errorf("no console note %q: %v", c.note, err)
				}
			}
			targets, err := chromedp.Targets(ctx)
			if err != nil {
				t.Fatal(err)
			}
			workers := 0
			for _, info := range targets {
				if info.Type == "worker" {
					workers++
				}
			}
			if want := map[bool]int{true: 1, false: 0}[c.worker]; workers != want {
				t.Errorf("%d worker targets, want %d", workers, want)
			}
			for _, m := range console.Errors() {
				if !strings.Contains(m.Text, "Content Security Policy") && m.Text != c.note {
					t.Errorf("console error: %s", m.Text)
				}
			}
		})
	}
}

// The module is fetched once: on a second page view it comes from the
// HTTP cache, 0 bytes over the network by the browser's resource timing,
// as the proxy serves it (immutable, under its content hash). In worker
// mode the worker fetches it, and the timeline is the worker's.
func TestModuleCached(t *testing.T) {
	for _, main := range []bool{false, true} {
		t.Run(map[bool]string{false: "worker", true: "main thread"}[main], func(t *testing.T) {
			lp := lptest.NewServer()
			defer lp.Close()
			px := newProxy(t, lp)
			onMainThread = main
			s := site(t, map[string]page{"shop": {Loader: px.URL + "/lpedge.js", Attrs: map[string]string{"account": lptest.DefaultAccount, "proxy": px.URL, "debug": "true"}}})
			onMainThread = false
			ctx, _ := newBrowser(t)
			const transfer = `performance.getEntriesByType("resource").filter(function (e) { return /\/lpedge\.[0-9a-f]+\.wasm$/.test(e.name) }).map(function (e) { return e.transferSize }).join()`
			var sizes []string
			for range 2 {
				open(t, ctx, s.URL+"/shop")
				if main {
					sizes = append(sizes, eval[string](t, ctx, transfer))
				} else {
					sizes = append(sizes, inWorker(t, ctx, transfer, func(s string) bool { return s != "" }))
				}
			}
			if first, err := strconv.Atoi(sizes[0]); err != nil || first < 100_000 || sizes[1] != "0" {
				t.Errorf("the module's transferSize on the first and second page view: %q, want it fetched once, then 0", sizes)
			}
		})
	}
}
