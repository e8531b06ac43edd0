//go:build !js

package e2e

import (
	"cmp"
	"context"
	"flag"
	"fmt"
	"html"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/cdproto/cdp"
	"github.com/chromedp/chromedp"

	"github.com/lpedge/lpedge/internal/browsertest"
	"github.com/lpedge/lpedge/jsglue"
	"github.com/lpedge/lpedge/liveperson"
	"github.com/lpedge/lpedge/liveperson/lptest"
	"github.com/lpedge/lpedge/liveperson/monitoring"
)

// build is the tag as jsglue.Build makes it, once for the package;
// browser is the package's Chromium, where each test has a tab of its own
// (newBrowser).
var (
	build   *jsglue.Result
	assets  string
	browser *browsertest.Browser
)

func TestMain(m *testing.M) {
	flag.Parse()
	if *thread != worker && *thread != mainThread {
		fmt.Fprintf(os.Stderr, "-e2e.thread=%s: want worker or main\n", *thread)
		os.Exit(2)
	}
	dir, err := os.MkdirTemp("", "lpedge-e2e")
	if err != nil {
		panic(err)
	}
	build, err = jsglue.Build(jsglue.Options{Out: dir, Dir: "../..", Uncompressed: true})
	if err != nil {
		os.RemoveAll(dir)
		panic(err)
	}
	assets = dir
	// Its life bounds the package's: make test's -timeout is 300 s.
	browser, err = browsertest.Start(browsertest.WithTimeout(10 * time.Minute))
	if err != nil {
		os.RemoveAll(dir)
		panic(err)
	}
	code := m.Run()
	browser.Close()
	os.RemoveAll(dir)
	os.Exit(code)
}

// A page is one HTML page of the test site.
type page struct {
	Loader string            // lpedge.js's URL; default the site's /a/lpedge.js
	Attrs  map[string]string // data attributes of the loader's script tag
	Head   string            // HTML before the loader (a stand-in lpTag)
	Script string            // inline script after the stub, run before load
	CSP    string            // the page's Content-Security-Policy header, if any
	Thread string            // the tag's mode, worker or main; default the run's, -e2e.thread
	Cached bool              // served without Cache-Control: no-store, so that the back/forward cache may keep it
}

// The suite runs in one mode per run, -e2e.thread: make test runs it
// twice, in worker mode (the default) and in main-thread mode. The mode is
// the page's, whatever the loader's default: worker mode asks for it
// (data-thread="worker"); main-thread mode deletes window.Worker before
// the loader runs, as a browser without workers has it, and names no
// thread. waitReady checks that the tag runs in the page's mode. A page
// whose Attrs name the thread (TestModes) gets neither, nor the check.
var thread = flag.String("e2e.thread", "worker", "the mode of the suite's pages: worker or main")

const (
	worker     = "worker"
	mainThread = "main"
)

// modeSpecific skips t in the main-thread run: t chooses its pages' modes
// itself, and runs once, in the worker-mode run.
func modeSpecific(t testing.TB) {
	t.Helper()
	if *thread != worker {
		t.Skip("mode-specific: it sets its pages' modes and runs in the -e2e.thread=worker run")
	}
}

// site serves the pages, the built tag under /a/ (application/wasm) and
// under /bad/ (the module as application/octet-stream, as a misconfigured
// server sends it).
func site(t testing.TB, pages map[string]page) *httptest.Server {
	t.Helper()
	mux := http.NewServeMux()
	mux.Handle("/a/", http.StripPrefix("/a/", http.FileServer(http.Dir(assets))))
	mux.HandleFunc("/bad/", func(w http.ResponseWriter, r *http.Request) {
		name := filepath.Base(r.URL.Path)
		data, err := os.ReadFile(filepath.Join(assets, name))
		if err != nil {
			http.NotFound(w, r)
			return
		}
		w.Header().Set("Content-Type", "application/octet-stream")
		if strings.HasSuffix(name, ".js") {
			w.Header().Set("Content-Type", "text/javascript")
		}
		w.Write(data)
	})
	var srv *httptest.Server
	for name, p := range pages {
		mux.HandleFunc("/"+name, func(w http.ResponseWriter, r *http.Request) {
			w.Header().Set("Content-Type", "text/html; charset=utf-8")
			if !p.Cached {
				w.Header().Set("Cache-Control", "no-store")
			}
			if p.CSP != "" {
				w.Header().Set("Content-Security-Policy", p.CSP)
			}
			io.WriteString(w, p.html(srv.URL))
		})
	}
	srv = httptest.NewServer(mux)
	t.Cleanup(srv.Close)
	return srv
}

func (p page) html(base string) string {
	loader := p.Loader
	if loader == "" {
		loader = base + "/a/lpedge.js"
	} else if strings.HasPrefix(loader, "/") {
		loader = base + loader
	}
	var attrs strings.Builder
	for k, v := range p.Attrs {
		attrs.WriteString(" data-" + k + `="` + html.EscapeString(v) + `"`)
	}
	head := p.Head
	if _, ok := p.Attrs["thread"]; !ok {
		mode := cmp.Or(p.Thread, *thread)
		switch mode {
		case worker:
			attrs.WriteString(` data-thread="worker"`)
		case mainThread:
			head = "<script>delete window.Worker</script>" + head
		default:
			panic("e2e: thread " + mode + ": want worker or main")
		}
		head = `<script>window.__thread = "` + mode + `"</script>` + head
	}
	integrity := ` integrity="` + build.Integrity + `" crossorigin="anonymous"`
	return `<!doctype html><html><head><meta charset="utf-8"><title>shop</title><link rel="icon" href="data:,">
<script>window.__tasks=[];try{new PerformanceObserver(function(l){l.getEntries().forEach(function(e){__tasks.push(e.duration);(window.__taskLog=window.__taskLog||[]).push([Math.round(e.startTime),Math.round(e.duration)])})}).observe({type:"longtask",buffered:true});new PerformanceObserver(function(l){l.getEntries().forEach(function(f){f.scripts.forEach(function(s){(window.__scripts=window.__scripts||[]).push([s.startTime,s.duration,s.sourceURL,s.invoker+" "+s.sourceFunctionName+" "+s.forcedStyleAndLayoutDuration])})})}).observe({type:"long-animation-frame",buffered:true})}catch(e){}</script>
<script>` + string(build.Stub) + `</script>
` + head + `
<script async src="` + loader + `"` + integrity + attrs.String() + `></script>
</head><body><h1>shop</h1><script>` + p.Script + `</script></body></html>`
}

// direct are the attributes of a page that reports straight to srv.
func direct(srv *lptest.Server, more ...string) map[string]string {
	a := map[string]string{"account": lptest.DefaultAccount, "app": lptest.DefaultApp, "domain": "http://" + srv.Host(), "debug": "true"}
	for i := 0; i+1 < len(more); i += 2 {
		a[more[i]] = more[i+1]
	}
	return a
}

// do runs chromedp actions, failing the test on error.
func do(t testing.TB, ctx context.Context, steps ...chromedp.Action[chromedp.Void]) {
	t.Helper()
	if err := chromedp.Do(ctx, steps...); err != nil {
		t.Fatal(err)
	}
}

// eval evaluates expr in the page, awaiting a Promise.
func eval[T any](t testing.TB, ctx context.Context, expr string) T {
	t.Helper()
	v, err := chromedp.Run(ctx, chromedp.Evaluate[T](expr, chromedp.EvalAwaitPromise))
	if err != nil {
		t.Fatalf("%s: %v", expr, err)
	}
	return v
}

// exec runs a script in the page.
func exec(t testing.TB, ctx context.Context, script string) {
	t.Helper()
	do(t, ctx, chromedp.Evaluate[chromedp.Void](script))
}

// open navigates to url and waits until lpedge is ready.
func open(t testing.TB, ctx context.Context, url string) {
	t.Helper()
	do(t, ctx, chromedp.Navigate(url))
	waitReady(t, ctx)
}

// waitReady waits until lpedge is ready, and checks that the tag runs in
// the page's mode: in worker mode the tab's browser context has a worker
// for each of its tabs of the page's origin, in main-thread mode none.
// (The targets do not say which page a dedicated worker belongs to.)
func waitReady(t testing.TB, ctx context.Context) {
	t.Helper()
	mode := eval[string](t, ctx, `new Promise(function(r){ lpedge.ready(function(){ r(window.__thread || "") }) })`)
	if mode == "" {
		return
	}
	workers, tabs, origin := threads(t, ctx)
	if mode == worker && workers < tabs || mode == mainThread && workers > 0 {
		t.Fatalf("the page asks for %s mode; its browser context has %d worker targets for %d tabs of %s", mode, workers, tabs, origin)
	}
}

// threads counts the worker targets of the browser context of ctx's tab,
// and its tabs of the same origin as ctx's.
func threads(t testing.TB, ctx context.Context) (workers, tabs int, origin string) {
	t.Helper()
	targets, err := chromedp.Targets(ctx)
	if err != nil {
		t.Fatal(err)
	}
	originOf := func(u string) string {
		if p, err := url.Parse(u); err == nil {
			return p.Scheme + "://" + p.Host
		}
		return u
	}
	var browserContext cdp.BrowserContextID
	for _, info := range targets {
		if info.TargetID == chromedp.FromContext(ctx).Target.TargetID {
			origin, browserContext = originOf(info.URL), info.BrowserContextID
		}
	}
	for _, info := range targets {
		switch {
		case info.BrowserContextID != browserContext:
		case info.Type == "worker":
			workers++
		case info.Type == "page" && originOf(info.URL) == origin:
			tabs++
		}
	}
	return workers, tabs, origin
}

// eventually polls f until it is true, for at most 20 s.
func eventually(t testing.TB, what string, f func() bool) {
	t.Helper()
	deadline := time.Now().Add(20 * time.Second)
	for !f() {
		if time.Now().After(deadline) {
			t.Fatalf("timed out waiting for %s", what)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// received is every engagement attribute lptest stored, in order.
func received(srv *lptest.Server) []liveperson.SDE {
	var out []liveperson.SDE
	for _, v := range srv.Visitors() {
		for _, s := range v.Sessions {
			out = append(out, s.SDEs...)
		}
	}
	return out
}

func types(sdes []liveperson.SDE) string {
	var s []string
	for _, e := range sdes {
		s = append(s, e.Type())
	}
	return strings.Join(s, ",")
}

// reports are lptest's report calls.
func reports(srv *lptest.Server) []lptest.Call {
	var out []lptest.Call
	for _, c := range srv.Calls() {
		if c.Route == lptest.RouteReport && c.Method != http.MethodOptions {
			out = append(out, c)
		}
	}
	return out
}

// session makes a Monitoring session in srv, as lpTag's would be.
func session(t *testing.T, srv *lptest.Server) (vid, sid string) {
	t.Helper()
	call := monitoring.Call{Scheme: "http", Domain: srv.Host(), Account: lptest.DefaultAccount, App: lptest.DefaultApp}
	u, err := call.URL(monitoring.Engagement)
	if err != nil {
		t.Fatal(err)
	}
	resp, err := http.Post(u, "application/json", strings.NewReader(`{"engagementAttributes":[]}`))
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	body, _ := io.ReadAll(resp.Body)
	a, err := monitoring.DecodeAnswer(body)
	if err != nil {
		t.Fatalf("engagement: %v: %s", err, body)
	}
	return a.VisitorID, a.SessionID
}

// standInLpTag is a page's lpTag with the monitoring taglet's ids, as
// LivePerson's snippet and tag.js make it (assigned twice, events bound
// through lpTag.events).
func standInLpTag(vid, sid string) string {
	return `window.lpTag = window.lpTag || {};
window.lpTag = {section: ["shoes"], _b: [],
  events: {bind: function (a, e, f) { lpTag._b.push([a, e, f]) },
    trigger: function (a, e) { lpTag._b.forEach(function (b) { if (b[0] == a && b[1] == e) b[2]({}) }) }},
  taglets: {lp_monitoringSDK: {getVid: function () { return "` + vid + `" }, getSid: function () { return "` + sid + `" }}}};`
}

// newBrowser opens a tab for the test in a browser context of its own
// (storage, HTTP cache), and records its console.
func newBrowser(t testing.TB) (context.Context, *browsertest.Console) {
	ctx := browser.Tab(t, browsertest.WithTimeout(3*time.Minute))
	return ctx, browsertest.RecordConsole(t, ctx)
}

// inWorker evaluates expr in the tag's Web Worker of the page in the tab
// of ctx (a target of its own, in the tab's browser context, whose timeline holds the module's fetch
// and the "lpedge:module" mark), awaiting a Promise, until it gives what
// ok accepts. The worker of a page the tab left may still be there: the
// page's is the one that started after the page did.
func inWorker[T any](t testing.TB, ctx context.Context, expr string, ok func(T) bool) T {
	t.Helper()
	since := eval[float64](t, ctx, `performance.timeOrigin`)
	var v T
	eventually(t, "the tag's worker to answer "+expr, func() bool {
		targets, err := chromedp.Targets(ctx)
		if err != nil {
			return false
		}
		var browserContext cdp.BrowserContextID
		for _, ti := range targets {
			if ti.TargetID == chromedp.FromContext(ctx).Target.TargetID {
				browserContext = ti.BrowserContextID
			}
		}
		for _, ti := range targets {
			if ti.Type != "worker" || ti.BrowserContextID != browserContext {
				continue
			}
			wctx, cancel := chromedp.NewContext(ctx, chromedp.WithTargetID(ti.TargetID))
			origin, err := chromedp.Run(wctx, chromedp.Evaluate[float64](`performance.timeOrigin`))
			if err == nil && origin >= since {
				v, err = chromedp.Run(wctx, chromedp.Evaluate[T](expr, chromedp.EvalAwaitPromise))
			}
			cancel()
			if err == nil && origin >= since && ok(v) {
				return true
			}
		}
		return false
	})
	return v
}
