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
// the next page makes them, once. Without consent to storage nothing is
// kept; a consent the worker has not reached decides: given, the calls
// from it on are kept; withdrawn, nothing of the old plan is sent or
// stored.
func TestJournal(t *testing.T) {
	modeSpecific(t) // worker mode's
	// hold: from window.__hold on, the page's messages to the worker that
	// carry a call never reach it; start: the storage keys the next page
	// has before its loader runs.
	const hold = `<script>(function (p) { Worker.prototype.postMessage = function (m) {
		if (!(window.__hold && JSON.stringify(m).indexOf('["call"') >= 0)) p.call(this, m) } })(Worker.prototype.postMessage)</script>`
	const start = `<script>window.__keys = Object.keys(localStorage)</script>`
	const consentKey = "lpedge:v1:" + lptest.DefaultAccount + ":consent"
	for _, c := range []struct {
		name    string
		attrs   []string
		before  string // run before the hold, until storage has key
		key     string
		fault   bool   // reports fail (503), so that the track waits in the stored queue
		calls   string // the calls the worker does not get
		want    string // what LivePerson receives
		journal bool   // the next page finds a journal
	}{
		{"kept and made by the next page", nil, "", "", false, `lpedge.track("Product Viewed", {sku: "A1", name: "Boot"})`, "prodView", true},
		{"consent given on the page", []string{"consent", "required"}, `lpedge.consent({marketing: true})`, consentKey, false,
			`lpedge.track("Product Viewed", {sku: "A1", name: "Boot"})`, "prodView", true},
		{"no consent: nothing kept", []string{"consent", "required"}, "", "", false, `lpedge.track("Product Viewed", {sku: "A1", name: "Boot"})`, "", false},
		{"consent given right before the navigation", []string{"consent", "required"}, "", "", false,
			`lpedge.consent({marketing: true}); lpedge.track("Product Viewed", {sku: "A1", name: "Boot"})`, "prodView", true},
		{"consent withdrawn right before the navigation", []string{"consent", "required"},
			`lpedge.consent({marketing: true}); lpedge.track("Product Viewed", {sku: "A1", name: "Boot"})`, "", true,
			`lpedge.consent({marketing: false})`, "", true},
	} {
		t.Run(c.name, func(t *testing.T) {
			lp := lptest.NewServer()
			defer lp.Close()
			s := site(t, map[string]page{"shop": {Attrs: direct(lp, c.attrs...), Head: hold, Thread: worker},
				"next": {Attrs: direct(lp, c.attrs...), Head: start, Thread: worker}})
			ctx, _ := newBrowser(t)
			open(t, ctx, s.URL+"/shop")
			if c.fault {
				lp.SetFault(lptest.RouteReport, lptest.Fault{Status: 503, Count: lptest.Always})
			}
			if c.before != "" {
				exec(t, ctx, c.before)
				// The worker's plan comes in the message that writes
				// the key: the consent, or the queue of a failed report.
				stored := `localStorage.getItem(` + jsString(c.key) + `) != null`
				if c.fault {
					stored = `Object.keys(localStorage).some(function (k) { return k.indexOf(":queue:") > 0 && /"n":[1-9]/.test(localStorage[k]) })`
				}
				eventually(t, "the worker's plan", func() bool { return eval[bool](t, ctx, stored) })
			}
			exec(t, ctx, `__hold = 1; `+c.calls+`; location.href = "/next"`)
			eventually(t, "the next page", func() bool {
				on, err := chromedp.Run(ctx, chromedp.Evaluate[bool](`location.pathname == "/next" && !!window.lpedge`))
				return err == nil && on // an error: the old page is going
			})
			waitReady(t, ctx)
			lp.ClearFaults()
			var journal bool
			for _, k := range eval[[]string](t, ctx, `window.__keys`) {
				journal = journal || strings.Contains(k, ":calls:")
			}
			if journal != c.journal {
				t.Errorf("the next page found a journal: %v, want %v", journal, c.journal)
			}
			if c.want != "" {
				onceDelivered(t, lp, c.want)
			} else {
				time.Sleep(time.Second) // what the next page would send
				if got := types(received(lp)); got != "" {
					t.Errorf("lptest received %q, want nothing", got)
				}
			}
			keys := eval[[]string](t, ctx, `Object.keys(localStorage)`)
			for _, k := range keys {
				if strings.Contains(k, ":calls:") || c.want == "" && c.journal && strings.Contains(k, ":queue:") {
					t.Errorf("storage after the next page's start: %v", keys)
				}
			}
		})
	}
}

// A page back from the back/forward cache after its journal went to the
// next page starts a new worker from storage: the calls it had not
// planned go once (by the next page), and it goes on reporting.
func TestJournalBack(t *testing.T) {
	modeSpecific(t) // worker mode's
	const hold = `<script>(function (p) { Worker.prototype.postMessage = function (m) {
		if (!(window.__hold && JSON.stringify(m).indexOf('["call"') >= 0)) p.call(this, m) } })(Worker.prototype.postMessage);
		addEventListener("pageshow", function (e) { if (e.persisted) { window.__hold = 0; window.__restored = 1 } })</script>`
	lp := lptest.NewServer()
	defer lp.Close()
	s := site(t, map[string]page{"shop": {Attrs: direct(lp), Head: hold, Thread: worker, Cached: true},
		"next": {Attrs: direct(lp), Thread: worker, Cached: true}})
	ctx, _ := newBrowser(t)
	open(t, ctx, s.URL+"/shop")
	exec(t, ctx, `__hold = 1; lpedge.track("Product Viewed", {sku: "A1", name: "Boot"}); location.href = "/next"`)
	eventually(t, "the next page", func() bool {
		on, err := chromedp.Run(ctx, chromedp.Evaluate[bool](`location.pathname == "/next" && !!window.lpedge`))
		return err == nil && on
	})
	waitReady(t, ctx)
	eventually(t, "the journal's call", func() bool { return types(received(lp)) != "" })
	exec(t, ctx, `setTimeout(function () { history.back() })`)
	eventually(t, "the shop back from the back/forward cache", func() bool {
		back, err := chromedp.Run(ctx, chromedp.Evaluate[bool](`location.pathname == "/shop" && !!window.__restored`))
		return err == nil && back
	})
	waitReady(t, ctx)
	exec(t, ctx, `lpedge.sdes.push({type: "searchInfo", keywords: ["boots"]})`)
	eventually(t, "the restored page's call", func() bool { return strings.Contains(types(received(lp)), "searchInfo") })
	time.Sleep(time.Second) // a duplicate would follow the new worker's start
	if got := types(received(lp)); got != "prodView,searchInfo" {
		t.Errorf("lptest received %q, want prodView (the journal's, by the next page) and searchInfo (the restored page's), once each", got)
	}
}
