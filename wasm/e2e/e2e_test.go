//go:build !js

package e2e

import (
	"context"
	"encoding/json"
	"net/url"
	"sort"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/cdproto/cdp"
	"github.com/chromedp/cdproto/network"
	"github.com/chromedp/chromedp"

	"github.com/lpedge/lpedge/internal/browsertest"
	"github.com/lpedge/lpedge/liveperson/lptest"
)

// Calls made before the module loads are queued by the stub and replayed
// in order; every call arrives in lptest with the right shape, the ids of
// the session the tag opened, and the override header.
func TestPageWithoutLpTag(t *testing.T) {
	lp := lptest.NewServer()
	defer lp.Close()
	// The stub is in the page twice, with a call between: the second
	// must not lose the first's queue.
	s := site(t, map[string]page{"shop": {Attrs: direct(lp),
		Head: `<script>lpedge.page({sections: ["shoes"]})</script><script>` + string(build.Stub) + `</script>`,
		Script: `
		lpedge.track("Product Viewed", {sku: "A1", name: "Boot", price: 90});
		lpedge.identify("cust-7f3a", {firstName: "Ann", email: "ann@example.com"});
		lpedge.sdes.push({type: "searchInfo", keywords: ["boots"]});
		lpedge.track("Product Added", {sku: "A1", name: "Boot", price: 90, quantity: 2});`}})
	ctx, console := newBrowser(t)
	network := browsertest.RecordNetwork(t, ctx)
	open(t, ctx, s.URL+"/shop")
	eventually(t, "the replayed calls in lptest", func() bool { return len(received(lp)) >= 5 })
	if got := types(received(lp)); got != "prodView,ctmrinfo,personal,searchInfo,cart" {
		t.Errorf("lptest received %s, want the calls' attributes in call order", got)
	}
	rs := reports(lp)
	if len(rs) != 1 {
		t.Fatalf("%d report calls for one tick of calls, want 1: %v", len(rs), rs)
	}
	// The identity let the first report go without a session: LivePerson
	// made one (201), and the next report carries its ids.
	r := rs[0]
	if q, _ := url.ParseQuery(r.Query); r.Method != "POST" || r.Override != "PUT" || r.Status != 201 || q.Has("vid") {
		t.Errorf("first report %s override %q status %d query %s; want POST with X-HTTP-Method-Override: PUT, 201", r.Method, r.Override, r.Status, r.Query)
	}
	var body map[string]any
	if err := json.Unmarshal([]byte(r.Body), &body); err != nil {
		t.Fatal(err)
	}
	if eps, _ := body["entryPoints"].([]any); len(eps) != 2 || eps[1] != "sec://shoes" || !strings.HasSuffix(eps[0].(string), "/shop") {
		t.Errorf("entryPoints %v", body["entryPoints"])
	}
	if ids, _ := body["identities"].([]any); len(ids) != 1 || ids[0].(map[string]any)["sub"] != "cust-7f3a" {
		t.Errorf("identities %v, want the identified consumer", body["identities"])
	}
	// The burst: 100 track calls in one tick make one request.
	exec(t, ctx, `for (var i = 0; i < 100; i++) lpedge.track("Product Viewed", {sku: "S" + i, name: "Sock"})`)
	eventually(t, "the burst in lptest", func() bool { return len(received(lp)) >= 105 })
	time.Sleep(200 * time.Millisecond) // a second request, if any, would be under way by now
	rs = reports(lp)
	if len(rs) != 2 {
		t.Errorf("100 track calls in one tick made %d report requests, want 1", len(rs)-1)
	}
	v := lp.Visitors()
	q, _ := url.ParseQuery(rs[1].Query)
	if len(v) != 1 || q.Get("vid") != v[0].ID || q.Get("sid") != v[0].Sessions[0].ID || rs[1].Status != 200 {
		t.Errorf("second report %s -> %d, want the first answer's ids (%+v)", rs[1].Query, rs[1].Status, v)
	}
	stored := eval[[]string](t, ctx, `Object.keys(localStorage).concat(Object.keys(sessionStorage))`)
	if !strings.Contains(strings.Join(stored, " "), "lpedge:v1:"+lptest.DefaultAccount+":vid") ||
		!strings.Contains(strings.Join(stored, " "), "lpedge:v1:"+lptest.DefaultAccount+":sid") {
		t.Errorf("storage keys %v, want vid in localStorage and sid in sessionStorage", stored)
	}
	if errs := console.Errors(); len(errs) > 0 {
		t.Errorf("console errors: %v", errs)
	}
	// The preflight of the POST with the override passed, a real PUT's fails.
	for _, req := range network.Requests() {
		if req.Preflight && strings.Contains(req.URL, "/report") && req.Error != "" {
			t.Errorf("the override POST's preflight failed: %v", req)
		}
	}
	put := eval[string](t, ctx, `fetch(`+jsString("http://"+lp.Host()+"/api/account/"+lptest.DefaultAccount+"/app/"+lptest.DefaultApp+"/report?v=1.1&vid="+q.Get("vid")+"&sid="+q.Get("sid"))+
		`, {method: "PUT", headers: {"Content-Type": "application/json"}, body: '{"engagementAttributes":[]}'}).then(function (r) { return "status " + r.status }, function (e) { return "refused: " + e.message })`)
	if !strings.HasPrefix(put, "refused") {
		t.Errorf("a cross-origin PUT to report: %s, want it refused by its preflight", put)
	}
}

// setOnline sets navigator.onLine and fires online or offline, as the
// browser does when the connection changes.
func setOnline(on bool) chromedp.Action[chromedp.Void] {
	return chromedp.Func(func(ctx context.Context, t *chromedp.Target) error {
		_, err := cdp.Call(ctx, t, network.OverrideNetworkState, network.OverrideNetworkStateParams{Offline: !on, DownloadThroughput: -1, UploadThroughput: -1})
		return err
	})
}

func jsString(s string) string {
	b, _ := json.Marshal(s)
	return string(b)
}

// With lpTag on the page, reports carry its monitoring ids; lpTag may
// also arrive after lpedge.
func TestLpTag(t *testing.T) {
	lp := lptest.NewServer()
	defer lp.Close()
	vid, sid := session(t, lp)
	vid2, sid2 := session(t, lp)
	s := site(t, map[string]page{
		"monitored": {Attrs: direct(lp), Head: "<script>" + standInLpTag(vid, sid) + "</script>",
			Script: `lpedge.track("Product Viewed", {sku: "A1", name: "Boot"})`},
		"late": {Attrs: direct(lp)},
	})
	ctx, _ := newBrowser(t)
	open(t, ctx, s.URL+"/monitored")
	eventually(t, "the report", func() bool { return len(reports(lp)) >= 1 })
	r := reports(lp)[0]
	if q, _ := url.ParseQuery(r.Query); q.Get("vid") != vid || q.Get("sid") != sid || r.Status != 200 {
		t.Errorf("report %s -> %d, want lpTag's ids %s/%s", r.Query, r.Status, vid, sid)
	}
	if !strings.Contains(r.Body, `"sec://shoes"`) {
		t.Errorf("report body %s, want lpTag.section as an entry point", r.Body)
	}
	if n := lp.CallCount(lptest.RouteEngagement); n != 2 {
		t.Errorf("%d engagement calls, want only the test's 2: the tag had lpTag's session", n)
	}

	open(t, ctx, s.URL+"/late")
	exec(t, ctx, standInLpTag(vid2, sid2)+`lpTag.events.trigger("lp_monitoringSDK", "SP_SENT");
		setTimeout(function () { lpedge.track("Product Viewed", {sku: "B2", name: "Hat"}) }, 50)`)
	eventually(t, "the late page's report", func() bool {
		for _, r := range reports(lp) {
			if strings.Contains(r.Body, `"B2"`) {
				q, _ := url.ParseQuery(r.Query)
				if q.Get("vid") != vid2 || q.Get("sid") != sid2 {
					t.Fatalf("after lpTag arrived: %s, want its ids %s/%s", r.Query, vid2, sid2)
				}
				return true
			}
		}
		return false
	})
}

// A reload with unsent events (LivePerson answering 503) delivers them
// once it recovers, none lost, none twice.
func TestReloadWith503(t *testing.T) {
	lp := lptest.NewServer()
	defer lp.Close()
	ctx, console := failing(t, lp, `lpedge.track("Product Viewed", {sku: "A1", name: "Boot"});
		lpedge.sdes.push([{type: "searchInfo", keywords: ["boots"]}, {type: "lead", lead: {topic: "fit"}}])`)
	do(t, ctx, chromedp.Reload())
	waitReady(t, ctx)
	// The new page's attempt has failed, and the tag has the answer (its
	// retry note, the second after the first page's): an online event
	// before it would find the request in flight, and the delivery would
	// wait for the retry (10 s).
	eventually(t, "the new page's attempt answered", func() bool {
		n := 0
		for _, m := range console.Messages() {
			if strings.HasPrefix(m.Text, "lpedge: retrying in") {
				n++
			}
		}
		return n >= 2
	})
	lp.ClearFaults()
	exec(t, ctx, `dispatchEvent(new Event("online"))`)
	eventually(t, "delivery after recovery", func() bool { return len(received(lp)) >= 3 })
	time.Sleep(300 * time.Millisecond)
	if got := types(received(lp)); got != "prodView,searchInfo,lead" {
		t.Errorf("lptest received %s, want prodView,searchInfo,lead once each", got)
	}
}

// Two tabs of the shop keep their unsent events side by side in
// localStorage: a reload of one resends its own, not the other's, and
// none is lost or sent twice.
func TestTwoTabsWith503(t *testing.T) {
	lp := lptest.NewServer()
	defer lp.Close()
	s := site(t, map[string]page{"shop": {Attrs: direct(lp)}})
	a, _ := newBrowser(t)
	b, closeB := chromedp.NewContext(a) // a second tab of the same browser
	defer closeB()
	open(t, a, s.URL+"/shop")
	open(t, b, s.URL+"/shop")
	lp.SetFault(lptest.RouteReport, lptest.Fault{Status: 503, Count: lptest.Always})
	exec(t, a, `lpedge.track("Product Viewed", {sku: "A1", name: "Boot"})`)
	exec(t, b, `lpedge.sdes.push([{type: "searchInfo", keywords: ["boots"]}])`)
	stored := `Object.keys(localStorage).filter(function (k) { return k.indexOf("lpedge:v1:` + lptest.DefaultAccount +
		`:queue:") == 0 }).reduce(function (n, k) { return n + JSON.parse(localStorage[k]).q.filter(function (b) { return b.n > 0 }).length }, 0)`
	eventually(t, "both tabs' failed events stored", func() bool { return eval[int](t, a, stored) == 2 })
	do(t, a, chromedp.Reload())
	waitReady(t, a)
	lp.ClearFaults()
	for _, tab := range []context.Context{a, b} {
		exec(t, tab, `dispatchEvent(new Event("online"))`)
	}
	eventually(t, "delivery after recovery", func() bool { return len(received(lp)) >= 2 })
	time.Sleep(300 * time.Millisecond)
	got := strings.Split(types(received(lp)), ",")
	sort.Strings(got)
	if strings.Join(got, ",") != "prodView,searchInfo" {
		for _, c := range lp.Calls() {
			t.Logf("%s %s %s %d %s %.80s", c.Time.Format("05.000"), c.Route, c.Method, c.Status, c.Query, c.Body)
		}
		t.Errorf("lptest received %s, want prodView and searchInfo once each", got)
	}
}

// Two open tabs that take over the same released queue at the same moment
// (the online event in both, before either's note reached the other)
// send it once: the tab whose note was written last.
func TestTwoTabsTakeOneQueue(t *testing.T) {
	lp := lptest.NewServer()
	defer lp.Close()
	s := site(t, map[string]page{"shop": {Attrs: direct(lp)}, "plain": {Loader: "/a/none.js"}})
	a, _ := newBrowser(t)
	b, closeB := chromedp.NewContext(a)
	defer closeB()
	c, closeC := chromedp.NewContext(a) // a page of the site without the tag
	defer closeC()
	open(t, a, s.URL+"/shop")
	open(t, b, s.URL+"/shop")
	do(t, c, chromedp.Navigate(s.URL+"/plain"))
	key := jsString("lpedge:v1:" + lptest.DefaultAccount + ":queue:gone")
	exec(t, c, `localStorage.setItem(`+key+`, JSON.stringify({v: 1, t: Date.now(), g: 1, w: 0, r: true,
		q: [{n: 1, ep: [], a: [{type: "searchInfo", keywords: ["gone"]}]}]}))`)
	for _, tab := range []context.Context{a, b} { // then the tag has it too (the storage event's message comes first)
		eventually(t, "the released queue in both tabs", func() bool { return eval[bool](t, tab, `localStorage.getItem(`+key+`) != null`) })
	}
	errs := make(chan error, 2)
	for _, tab := range []context.Context{a, b} {
		go func() {
			errs <- chromedp.Do(tab, chromedp.Evaluate[chromedp.Void](`dispatchEvent(new Event("online"))`))
		}()
	}
	for range 2 {
		if err := <-errs; err != nil {
			t.Fatal(err)
		}
	}
	sent := func() int { return strings.Count(types(received(lp)), "searchInfo") }
	eventually(t, "the released queue delivered", func() bool { return sent() >= 1 })
	time.Sleep(time.Second) // a second delivery would come by now
	if n := sent(); n != 1 {
		for _, c := range lp.Calls() {
			t.Logf("%s %s %s %d %s %.80s", c.Time.Format("05.000"), c.Route, c.Method, c.Status, c.Query, c.Body)
		}
		t.Errorf("lptest received the released queue %d times, want once", n)
	}
}

// At pagehide the page releases its stored events to the next page; back
// from the back/forward cache (pageshow, persisted), it holds them again
// (in worker mode a new worker takes them over, as a new page would: the
// key it left is then a note, not a queue).
func TestPagehideReleases(t *testing.T) {
	lp := lptest.NewServer()
	defer lp.Close()
	ctx, _ := failing(t, lp, `lpedge.track("Product Viewed", {sku: "A1", name: "Boot"})`)
	released := `Object.keys(localStorage).filter(function (k) { return k.indexOf("lpedge:v1:` + lptest.DefaultAccount +
		`:queue:") == 0 && JSON.parse(localStorage[k]).q }).map(function (k) { return JSON.parse(localStorage[k]).r }).join()`
	for _, step := range []struct{ event, want string }{{"pagehide", "true"}, {"pageshow", "false"}} {
		exec(t, ctx, `dispatchEvent(new PageTransitionEvent("`+step.event+`", {persisted: true}))`)
		if step.event == "pageshow" { // a worker's write reaches the page's storage a message later
			eventually(t, "the queue held again", func() bool { return eval[string](t, ctx, released) == step.want })
		}
		if got := eval[string](t, ctx, released); got != step.want {
			t.Errorf("after %s: the stored queue's release flag is %q, want %s", step.event, got, step.want)
		}
	}
}

// failing opens the shop against lp, which answers reports 503 from
// then on, runs script there and waits until the tag's first report has
// failed and waits to be retried.
func failing(t *testing.T, lp *lptest.Server, script string) (context.Context, *browsertest.Console) {
	t.Helper()
	s := site(t, map[string]page{"shop": {Attrs: direct(lp)}})
	ctx, console := newBrowser(t)
	open(t, ctx, s.URL+"/shop")
	lp.SetFault(lptest.RouteReport, lptest.Fault{Status: 503, Count: lptest.Always})
	exec(t, ctx, script)
	wctx, cancel := context.WithTimeout(ctx, 20*time.Second)
	defer cancel()
	if _, err := console.Wait(wctx, func(m chromedp.ConsoleMessage) bool { return strings.Contains(m.Text, "retrying in") }); err != nil {
		t.Fatal(err)
	}
	return ctx, console
}

// Offline, nothing is sent; the online event sends what waited.
func TestOffline(t *testing.T) {
	lp := lptest.NewServer()
	defer lp.Close()
	s := site(t, map[string]page{"shop": {Attrs: direct(lp)}})
	ctx, _ := newBrowser(t)
	open(t, ctx, s.URL+"/shop")
	do(t, ctx, setOnline(false))
	if eval[bool](t, ctx, `navigator.onLine`) {
		t.Fatal("navigator.onLine is true under offline emulation")
	}
	exec(t, ctx, `lpedge.track("Product Viewed", {sku: "A1", name: "Boot"})`)
	time.Sleep(500 * time.Millisecond)
	if n := len(reports(lp)); n != 0 {
		t.Fatalf("%d reports while offline", n)
	}
	do(t, ctx, setOnline(true))
	eventually(t, "delivery once online", func() bool { return len(received(lp)) == 1 })
}

// With consent required, nothing is stored or sent before lpedge.consent.
func TestConsent(t *testing.T) {
	lp := lptest.NewServer()
	defer lp.Close()
	s := site(t, map[string]page{"shop": {Attrs: direct(lp, "consent", "required"),
		Script: `lpedge.track("Product Viewed", {sku: "A1", name: "Boot"})`}})
	ctx, _ := newBrowser(t)
	open(t, ctx, s.URL+"/shop")
	time.Sleep(500 * time.Millisecond)
	keys := eval[[]string](t, ctx, `Object.keys(localStorage).concat(Object.keys(sessionStorage))`)
	if len(lp.Calls()) != 0 || len(keys) != 0 {
		t.Fatalf("before consent: %d calls to LivePerson, storage %v", len(lp.Calls()), keys)
	}
	exec(t, ctx, `lpedge.consent({marketing: true})`)
	eventually(t, "delivery after consent", func() bool { return len(received(lp)) == 1 })
}

// A server that sends the module as application/octet-stream: the
// loader falls back from compileStreaming to compiling the bytes.
func TestWrongContentType(t *testing.T) {
	lp := lptest.NewServer()
	defer lp.Close()
	s := site(t, map[string]page{"shop": {Loader: "/bad/lpedge.js", Attrs: direct(lp),
		Script: `lpedge.track("Product Viewed", {sku: "A1", name: "Boot"})`}})
	ctx, _ := newBrowser(t)
	open(t, ctx, s.URL+"/shop")
	eventually(t, "the report", func() bool { return len(received(lp)) == 1 })
}
