//go:build !js

package e2e

import (
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"github.com/lpedge/lpedge/liveperson/lptest"
)

// A track call made right before a navigation (a click that tracks, then
// follows a link) is delivered once, in both modes. In worker mode it
// went twice in 2 of 4 runs when the worker sent its own requests: the
// page's plan at pagehide could be older than what the worker had sent.
func TestTrackThenNavigate(t *testing.T) {
	modeSpecific(t)
	for _, mode := range []string{worker, mainThread} {
		t.Run(mode, func(t *testing.T) {
			ctx, _ := newBrowser(t)
			for i := 0; i < 4; i++ { // each run a site of its own: an origin, a storage
				lp := lptest.NewServer()
				s := site(t, map[string]page{"shop": {Attrs: direct(lp), Thread: mode}, "next": {Attrs: direct(lp), Thread: mode}})
				open(t, ctx, s.URL+"/shop")
				exec(t, ctx, `lpedge.track("Product Viewed", {sku: "A1", name: "Boot"}); location.href = "/next"`)
				onceDelivered(t, lp, "prodView")
				lp.Close()
			}
		})
	}
}

// onceDelivered waits until lptest has the attributes want (their types)
// and then for the next page's start and a while more, and fails if
// anything came twice.
func onceDelivered(t *testing.T, lp *lptest.Server, want string) {
	t.Helper()
	eventually(t, want, func() bool { return types(received(lp)) != "" })
	time.Sleep(time.Second) // what a duplicate needs: the next page adopts a stored queue at its start
	if got := types(received(lp)); got != want {
		t.Errorf("lptest received %q, want %q once", got, want)
		for _, c := range lp.Calls() {
			t.Logf("  %s %s %s %d %s %.100s", c.Time.Format("05.000"), c.Route, c.Method, c.Status, c.Query, c.Body)
		}
	}
}

// Calls the worker has not planned when the page goes away (it is busy,
// or slower than the navigation: here the page holds its messages to the
// worker) are not lost: the page keeps them in storage (the journal) and
// the next page makes them, once; without consent to storage, nothing is
// kept.
func TestJournal(t *testing.T) {
	modeSpecific(t) // worker mode's
	// hold: from window.__hold on, the page's messages to the worker that
	// carry a call never reach it.
	const hold = `<script>(function (p) { Worker.prototype.postMessage = function (m) {
		if (!(window.__hold && JSON.stringify(m).indexOf('["call"') >= 0)) p.call(this, m) } })(Worker.prototype.postMessage)</script>`
	for _, c := range []struct {
		name    string
		attrs   []string
		consent string // a call before the hold
		want    string
	}{
		{"kept and made by the next page", nil, "", "prodView"},
		{"consent given on the page", []string{"consent", "required"}, `lpedge.consent({marketing: true})`, "prodView"},
		{"no consent: nothing kept", []string{"consent", "required"}, "", ""},
	} {
		t.Run(c.name, func(t *testing.T) {
			lp := lptest.NewServer()
			defer lp.Close()
			s := site(t, map[string]page{"shop": {Attrs: direct(lp, c.attrs...), Head: hold, Thread: worker}, "next": {Attrs: direct(lp, c.attrs...), Thread: worker}})
			ctx, _ := newBrowser(t)
			open(t, ctx, s.URL+"/shop")
			if c.consent != "" {
				exec(t, ctx, c.consent)
				eval[bool](t, ctx, `new Promise(function (r) { setTimeout(r, 200, true) })`) // the worker's plan comes back
			}
			exec(t, ctx, `__hold = 1; lpedge.track("Product Viewed", {sku: "A1", name: "Boot"}); location.href = "/next"`)
			if c.want == "" {
				eventually(t, "the next page", func() bool {
					on, err := chromedp.Run(ctx, chromedp.Evaluate[bool](`location.pathname == "/next" && !!window.lpedge`))
					return err == nil && on // an error: the old page is going
				})
				waitReady(t, ctx)
				keys := eval[[]string](t, ctx, `Object.keys(localStorage)`)
				for _, k := range keys {
					if strings.Contains(k, ":calls:") {
						t.Errorf("without consent, the page kept its calls in storage: %v", keys)
					}
				}
				if n := len(lp.Calls()); n != 0 {
					t.Errorf("without consent: %d calls to LivePerson", n)
				}
				return
			}
			onceDelivered(t, lp, c.want)
			keys := eval[[]string](t, ctx, `Object.keys(localStorage)`)
			for _, k := range keys {
				if strings.Contains(k, ":calls:") {
					t.Errorf("the next page left the journal in storage: %v", keys)
				}
			}
		})
	}
}
