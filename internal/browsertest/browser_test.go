package browsertest

import (
	"context"
	"errors"
	"fmt"
	"image/png"
	"net/http"
	"net/http/httptest"
	"net/url"
	"os"
	"path/filepath"
	"runtime"
	"slices"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
)

// testHeader is a header that no CORS-safelisted request has, so a fetch that
// sets it needs a preflight whatever its method.
const testHeader = "X-Lpedge-Test"

// api is origin B: it answers preflights from one allowed origin, allowing
// POST but not PUT, and records every request that reaches it.
type api struct {
	allowOrigin string
	mu          sync.Mutex
	seen        []string
}

func (a *api) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	a.mu.Lock()
	a.seen = append(a.seen, fmt.Sprintf("%s %s origin=%s request-method=%s test=%s",
		r.Method, r.URL.Path, r.Header.Get("Origin"), r.Header.Get("Access-Control-Request-Method"), r.Header.Get(testHeader)))
	a.mu.Unlock()
	if r.Header.Get("Origin") == a.allowOrigin {
		w.Header().Set("Access-Control-Allow-Origin", a.allowOrigin)
	}
	switch r.Method {
	case http.MethodOptions:
		w.Header().Set("Access-Control-Allow-Methods", "POST")
		w.Header().Set("Access-Control-Allow-Headers", strings.ToLower(testHeader))
		// No preflight cache, so that each fetch has its own preflight.
		w.Header().Set("Access-Control-Max-Age", "0")
		w.WriteHeader(http.StatusNoContent)
	case http.MethodPost:
		fmt.Fprint(w, "posted")
	default:
		http.Error(w, "method not allowed", http.StatusMethodNotAllowed)
	}
}

func (a *api) requests() []string {
	a.mu.Lock()
	defer a.mu.Unlock()
	return slices.Clone(a.seen)
}

// pageHTML is origin A's document. call(method) fetches origin B with the test
// header, logs the outcome to the console and returns it.
const pageHTML = `<!doctype html>
<html><head><meta charset="utf-8"><title>browsertest</title><link rel="icon" href="data:,"></head>
<body><h1>browsertest self-test</h1><p id="out">fetches:</p>
<script>
const api = %q;
async function call(method) {
  const out = document.getElementById("out");
  try {
    const r = await fetch(api, {method, headers: {%q: "1", "Content-Type": "text/plain"}, body: "x"});
    const text = await r.text();
    console.log(method + " ok " + r.status + " " + text);
    out.textContent += " " + method + " ok " + r.status + ";";
    return "ok " + r.status + " " + text;
  } catch (e) {
    console.error(method + " failed: " + e);
    out.textContent += " " + method + " failed;";
    return "failed: " + e.name;
  }
}
</script></body></html>`

// TestCrossOriginFetch proves the harness on a preflighted cross-origin fetch:
// the page on origin A (127.0.0.1) sends PUT and POST to origin B (localhost),
// whose preflight answer allows only POST.
func TestCrossOriginFetch(t *testing.T) {
	b := &api{}
	srvB := httptest.NewServer(b)
	t.Cleanup(srvB.Close)
	u, err := url.Parse(srvB.URL)
	if err != nil {
		t.Fatal(err)
	}
	// Same port and loopback, but another host name: another origin.
	apiURL := "http://localhost:" + u.Port() + "/api"
	srvA := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path != "/" {
			http.NotFound(w, r)
			return
		}
		w.Header().Set("Content-Type", "text/html; charset=utf-8")
		fmt.Fprintf(w, pageHTML, apiURL, testHeader)
	}))
	t.Cleanup(srvA.Close)
	originA := srvA.URL
	b.allowOrigin = originA

	ctx := New(t)
	console := RecordConsole(t, ctx)
	net := RecordNetwork(t, ctx)
	if err := chromedp.Do(ctx, chromedp.Navigate(originA)); err != nil {
		t.Fatalf("navigate: %v", err)
	}

	// The browser, the page's own view of the fetches.
	for _, c := range []struct{ method, want string }{
		{"PUT", "failed: TypeError"},
		{"POST", "ok 200 posted"},
	} {
		got, err := chromedp.Run(ctx, chromedp.Evaluate[string](`call("`+c.method+`")`, chromedp.EvalAwaitPromise))
		if err != nil {
			t.Fatalf("call(%s): %v", c.method, err)
		}
		if got != c.want {
			t.Errorf("call(%s) = %q, want %q", c.method, got, c.want)
		}
	}

	// Origin B: two preflights, then only the POST.
	wantB := []string{
		"OPTIONS /api origin=" + originA + " request-method=PUT test=",
		"OPTIONS /api origin=" + originA + " request-method=POST test=",
		"POST /api origin=" + originA + " request-method= test=1",
	}
	if got := b.requests(); !slices.Equal(got, wantB) {
		t.Errorf("origin B got\n\t%s\nwant\n\t%s", strings.Join(got, "\n\t"), strings.Join(wantB, "\n\t"))
	}

	wctx, cancel := context.WithTimeout(ctx, 10*time.Second)
	defer cancel()

	t.Run("network", func(t *testing.T) {
		doc, err := net.Wait(wctx, func(r Request) bool { return r.Done && r.URL == originA+"/" })
		if err != nil {
			t.Fatal(err)
		}
		if doc.Method != "GET" || doc.Type != "Document" || doc.Status != 200 || doc.Error != "" {
			t.Errorf("document: %v", doc)
		}
		for _, c := range []struct{ method, wantCORS string }{{"PUT", "MethodDisallowedByPreflightResponse"}, {"POST", ""}} {
			pre, err := net.Wait(wctx, func(r Request) bool {
				return r.Done && r.Preflight && r.Header.Get("Access-Control-Request-Method") == c.method
			})
			if err != nil {
				t.Fatal(err)
			}
			if pre.Method != "OPTIONS" || pre.URL != apiURL || pre.Status != 204 || pre.Header.Get("Origin") != originA ||
				pre.ResponseHeader.Get("Access-Control-Allow-Methods") != "POST" {
				t.Errorf("preflight of %s: %v, header %v, response header %v", c.method, pre, pre.Header, pre.ResponseHeader)
			}
			r, err := net.Wait(wctx, func(r Request) bool { return r.Done && !r.Preflight && r.Method == c.method })
			if err != nil {
				t.Fatal(err)
			}
			if r.URL != apiURL || r.Type != "Fetch" || r.Header.Get(testHeader) != "1" || r.CORSError != c.wantCORS {
				t.Errorf("%s: %v, header %v", c.method, r, r.Header)
			}
			if c.wantCORS != "" && (r.Status != 0 || r.Error == "") {
				t.Errorf("%s should have failed with no response: %v", c.method, r)
			}
			if c.wantCORS == "" && (r.Status != 200 || r.Error != "" || r.Header.Get("Origin") != originA) {
				t.Errorf("%s should have gone on the wire and succeeded: %v, header %v", c.method, r, r.Header)
			}
		}
		if n := len(net.Requests()); n != 5 {
			t.Errorf("recorded %d requests, want 5 (document, 2 preflights, PUT, POST): %v", n, net.Requests())
		}
	})

	t.Run("console", func(t *testing.T) {
		hasText := func(s string) func(chromedp.ConsoleMessage) bool {
			return func(m chromedp.ConsoleMessage) bool { return strings.Contains(m.Text, s) }
		}
		ok, err := console.Wait(wctx, hasText("POST ok 200 posted"))
		if err != nil {
			t.Fatal(err)
		}
		if ok.Type != chromedp.ConsoleLog {
			t.Errorf("POST message: %v, want a log", ok)
		}
		for _, want := range []string{
			"PUT failed: TypeError: Failed to fetch",                    // the page's console.error
			"Method PUT is not allowed by Access-Control-Allow-Methods", // Chromium's CORS report
		} {
			if _, err := console.Wait(wctx, hasText(want)); err != nil {
				t.Fatal(err)
			}
			if !slices.ContainsFunc(console.Errors(), hasText(want)) {
				t.Errorf("Errors() misses %q: %v", want, console.Errors())
			}
		}
		if slices.ContainsFunc(console.Errors(), hasText("POST")) {
			t.Errorf("an error about the POST: %v", console.Errors())
		}

		// An uncaught exception, thrown outside the evaluation.
		if err := chromedp.Do(ctx, chromedp.Evaluate[chromedp.Void](`setTimeout(() => { throw new Error("boom from the page") }, 0)`)); err != nil {
			t.Fatal(err)
		}
		ex, err := console.Wait(wctx, hasText("boom from the page"))
		if err != nil {
			t.Fatal(err)
		}
		if !ex.IsException() || !slices.ContainsFunc(console.Errors(), hasText("boom from the page")) {
			t.Errorf("exception: %v, errors %v", ex, console.Errors())
		}
	})

	t.Run("screenshot", func(t *testing.T) {
		path := filepath.Join(OutputDir(t), "cross-origin.png")
		if err := Screenshot(ctx, path); err != nil {
			t.Fatal(err)
		}
		f, err := os.Open(path)
		if err != nil {
			t.Fatal(err)
		}
		defer f.Close()
		img, err := png.Decode(f)
		if err != nil {
			t.Fatalf("%s: %v", path, err)
		}
		if b := img.Bounds(); b.Dx() < 100 || b.Dy() < 100 {
			t.Errorf("%s is %v, too small for a viewport", path, b)
		}
	})

	t.Run("flags", func(t *testing.T) {
		args := liveArgs(t, ctx)
		for _, f := range flags {
			if !slices.Contains(args, "--"+f) {
				t.Errorf("browser runs without --%s: %q", f, args)
			}
		}
		if !slices.ContainsFunc(args, func(a string) bool { return strings.HasPrefix(a, "--user-data-dir=") }) {
			t.Errorf("browser runs without --user-data-dir: %q", args)
		}
		// Some of what chromedp.DefaultExecAllocatorOptions would add.
		for _, a := range []string{"--enable-automation", "--hide-scrollbars", "--mute-audio", "--disable-extensions", "--enable-unsafe-swiftshader"} {
			if slices.Contains(args, a) {
				t.Errorf("browser runs with %s: %q", a, args)
			}
		}
	})
}

// liveArgs returns the command line of the browser of ctx, as the kernel has
// it: Debian's /usr/bin/chromium is a shell script that adds switches of its
// own and execs the real binary in the same process.
func liveArgs(t *testing.T, ctx context.Context) []string {
	t.Helper()
	c := chromedp.FromContext(ctx)
	if c == nil || c.Browser == nil || c.Browser.Process() == nil {
		t.Fatal("no browser process behind the context")
	}
	b, err := os.ReadFile("/proc/" + strconv.Itoa(c.Browser.Process().Pid) + "/cmdline")
	if err != nil {
		t.Fatal(err)
	}
	return strings.Split(strings.TrimSuffix(string(b), "\x00"), "\x00")
}

// fatalTB catches the Fatalf of the code under test, so that a test can check
// that it failed, and how.
type fatalTB struct {
	testing.TB
	msg string
}

func (f *fatalTB) Fatalf(format string, args ...any) {
	f.msg = fmt.Sprintf(format, args...)
	runtime.Goexit()
}

// mustFail runs New with a fatalTB and returns its failure message; it fails
// t when New returned instead.
func mustFail(t *testing.T, opts ...Option) string {
	t.Helper()
	f := &fatalTB{TB: t}
	returned := false
	done := make(chan struct{})
	go func() {
		defer close(done)
		New(f, opts...)
		returned = true
	}()
	<-done
	if returned {
		t.Fatal("New returned a browser, want a failure")
	}
	return f.msg
}

// TestChromiumArgs checks the exact command line New starts the browser with,
// by pointing LPEDGE_CHROMIUM at a stand-in that writes its arguments down and
// exits.
func TestChromiumArgs(t *testing.T) {
	dir := t.TempDir()
	argsFile := filepath.Join(dir, "args")
	fake := filepath.Join(dir, "chromium")
	script := "#!/bin/sh\nprintf '%s\\n' \"$@\" > '" + argsFile + "'\necho 'fake chromium refuses to start' >&2\nexit 3\n"
	if err := os.WriteFile(fake, []byte(script), 0o755); err != nil {
		t.Fatal(err)
	}
	t.Setenv(EnvChromium, fake)

	msg := mustFail(t, WithTimeout(20*time.Second))
	if !strings.Contains(msg, "starting "+fake) {
		t.Errorf("failure %q does not name the browser it could not start", msg)
	}
	b, err := os.ReadFile(argsFile)
	if err != nil {
		t.Fatalf("the stand-in did not run: %v", err)
	}
	got := strings.Split(strings.TrimSuffix(string(b), "\n"), "\n")
	var want []string
	for _, f := range flags {
		want = append(want, "--"+f)
	}
	i := slices.IndexFunc(got, func(a string) bool { return strings.HasPrefix(a, "--user-data-dir=") })
	if i < 0 {
		t.Fatalf("no --user-data-dir in %q", got)
	}
	profile := strings.TrimPrefix(got[i], "--user-data-dir=")
	if fi, err := os.Stat(profile); err != nil || !fi.IsDir() {
		t.Errorf("--user-data-dir=%s is not a directory: %v", profile, err)
	}
	want = append(want, got[i], "--remote-debugging-pipe", "about:blank")
	if !slices.Equal(got, want) {
		t.Errorf("arguments\n\t%q\nwant\n\t%q", got, want)
	}
}

// TestMissingChromium checks that a machine without the browser fails the
// test, and says how to fix it, instead of skipping.
func TestMissingChromium(t *testing.T) {
	for _, c := range []struct {
		name, path, want string
	}{
		{"missing", filepath.Join(t.TempDir(), "no-chromium"), "no such file"},
		{"directory", t.TempDir(), "is a directory"},
		{"not executable", writeFile(t, "chromium", 0o644), "is not executable"},
	} {
		t.Run(c.name, func(t *testing.T) {
			t.Setenv(EnvChromium, c.path)
			msg := mustFail(t)
			for _, want := range []string{c.path, c.want, "make deps", EnvChromium} {
				if !strings.Contains(msg, want) {
					t.Errorf("failure %q does not say %q", msg, want)
				}
			}
		})
	}
}

func writeFile(t *testing.T, name string, mode os.FileMode) string {
	t.Helper()
	p := filepath.Join(t.TempDir(), name)
	if err := os.WriteFile(p, nil, mode); err != nil {
		t.Fatal(err)
	}
	return p
}

// TestTimeout checks that the browser's life is bounded. Under load Chromium
// can take longer to start than the short limit used here, so the test accepts
// either end, each for the limit's reason: New fails, or the tab refuses
// actions once the limit has passed.
func TestTimeout(t *testing.T) {
	f := &fatalTB{TB: t}
	var ctx context.Context
	done := make(chan struct{})
	go func() {
		defer close(done)
		ctx = New(f, WithTimeout(3*time.Second))
	}()
	<-done
	if ctx == nil {
		if !strings.Contains(f.msg, context.DeadlineExceeded.Error()) {
			t.Fatalf("New failed for another reason than its time limit: %s", f.msg)
		}
		return
	}
	<-ctx.Done()
	err := chromedp.Do(ctx, chromedp.Navigate("about:blank"))
	if !errors.Is(err, context.DeadlineExceeded) {
		t.Errorf("action after the time limit: %v, want %v", err, context.DeadlineExceeded)
	}
}

func TestChromiumPath(t *testing.T) {
	t.Setenv(EnvChromium, "")
	if got := ChromiumPath(); got != DefaultChromium {
		t.Errorf("ChromiumPath() with %s empty = %q, want %q", EnvChromium, got, DefaultChromium)
	}
	t.Setenv(EnvChromium, "/opt/chromium/chrome")
	if got := ChromiumPath(); got != "/opt/chromium/chrome" {
		t.Errorf("ChromiumPath() with %s set = %q", EnvChromium, got)
	}
}

func TestOutputDir(t *testing.T) {
	root := t.TempDir()
	t.Setenv(EnvOutput, root)
	t.Run("a/b c", func(t *testing.T) {
		got := OutputDir(t)
		want := filepath.Join(root, "TestOutputDir_a_b_c")
		if got != want {
			t.Errorf("OutputDir = %q, want %q", got, want)
		}
		if fi, err := os.Stat(got); err != nil || !fi.IsDir() {
			t.Errorf("%s not made: %v", got, err)
		}
	})
}

// TestShared checks Start and Tab: each Tab has the storage of a new
// browser, a second tab opened from one shares it, a closed tab is gone,
// and Close removes the profile.
func TestShared(t *testing.T) {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		fmt.Fprint(w, `<!doctype html><title>shared</title><link rel="icon" href="data:,">`)
	}))
	t.Cleanup(srv.Close)
	b, err := Start(WithTimeout(time.Minute))
	if err != nil {
		t.Fatal(err)
	}
	stored := func(t *testing.T, ctx context.Context, set string) string {
		t.Helper()
		if err := chromedp.Do(ctx, chromedp.Navigate(srv.URL)); err != nil {
			t.Fatal(err)
		}
		v, err := chromedp.Run(ctx, chromedp.Evaluate[string](`(function () {
			var v = localStorage.getItem("k") || ""; if (`+strconv.Quote(set)+`) localStorage.setItem("k", `+strconv.Quote(set)+`); return v })()`))
		if err != nil {
			t.Fatal(err)
		}
		return v
	}
	var first context.Context
	t.Run("first", func(t *testing.T) {
		first = b.Tab(t)
		if got := stored(t, first, "a"); got != "" {
			t.Errorf("a new tab's storage holds %q", got)
		}
		second, cancel := chromedp.NewContext(first)
		defer cancel()
		if got := stored(t, second, ""); got != "a" {
			t.Errorf("a second tab of the same context reads %q, want a", got)
		}
	})
	targets, err := chromedp.Targets(b.ctx)
	if err != nil {
		t.Fatal(err)
	}
	for _, info := range targets {
		if info.TargetID == chromedp.FromContext(first).Target.TargetID || info.BrowserContextID == chromedp.FromContext(first).BrowserContextID {
			t.Errorf("after its test's cleanup, the browser still has %s %s", info.Type, info.URL)
		}
	}
	t.Run("next", func(t *testing.T) {
		if got := stored(t, b.Tab(t), ""); got != "" {
			t.Errorf("the next test's tab reads %q: the storage of the first", got)
		}
	})
	if err := b.Close(); err != nil {
		t.Fatal(err)
	}
	if _, err := os.Stat(b.dir); !errors.Is(err, os.ErrNotExist) {
		t.Errorf("the profile %s after Close: %v", b.dir, err)
	}
}
