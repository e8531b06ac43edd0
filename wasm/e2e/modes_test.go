//go:build !js

package e2e

import (
	"context"
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
		{"LpTag", TestLpTag},
		{"TwoTabsWith503", TestTwoTabsWith503},
		{"PagehideReleases", TestPagehideReleases},
		{"Offline", TestOffline},
		{"Consent", TestConsent},
		{"ConversationListens", TestConversationListens},
		{"MistakesNamed", TestMistakesNamed},
		{"ThroughProxy", TestThroughProxy},
	} {
		t.Run(c.name, c.test)
	}
}

// The tag runs in a Web Worker where it can, and on the page's thread
// where the browser has no Worker or the site's CSP forbids workers
// (worker-src 'none'), saying so in debug mode; every event arrives in
// each mode, calls queued before the module was ready among them.
func TestModes(t *testing.T) {
	for _, c := range []struct {
		name, csp, head string
		worker          bool
		note            string
	}{
		{"worker", "", "", true, "lpedge: the tag runs in a Web Worker"},
		{"no Worker", "", "<script>delete window.Worker</script>", false, "lpedge: the tag runs on the page's thread: this browser has no Worker"},
		{"CSP worker-src 'none'", "worker-src 'none'", "", false, "lpedge: the tag runs on the page's thread"},
		{"CSP without blob:", "worker-src 'self'", "", false, "lpedge: the tag runs on the page's thread"},
	} {
		t.Run(c.name, func(t *testing.T) {
			lp := lptest.NewServer()
			defer lp.Close()
			s := site(t, map[string]page{"shop": {Attrs: direct(lp), CSP: c.csp, Head: c.head, Script: `
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
			wctx, cancel := context.WithTimeout(ctx, 5*time.Second)
			defer cancel()
			if m, err := console.Wait(wctx, func(m chromedp.ConsoleMessage) bool { return strings.HasPrefix(m.Text, c.note) }); err == nil {
				t.Log(m.Text)
			} else {
				t.Errorf("no console note %q: %v", c.note, err)
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
				if !strings.Contains(m.Text, "Content Security Policy") {
					t.Errorf("console error: %s", m.Text)
				}
			}
		})
	}
}
