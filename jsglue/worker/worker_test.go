//go:build !js

package worker

import (
	"bufio"
	"encoding/json"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/lpedge/lpedge/liveperson/lptest"
	"github.com/lpedge/lpedge/proxy/proxytest"
)

var client = &http.Client{Timeout: 90 * time.Second}

// proxyVars are the Worker variables of a proxy against lp, with the
// instance header and the test hooks of proxy/cmd/lpedge-proxy on.
func proxyVars(lp *lptest.Server) map[string]string {
	vars := proxytest.Env(lp)
	vars["LPEDGE_WORKER_DEBUG"] = "1"
	vars["LPEDGE_WORKER_TEST_HOOKS"] = "1"
	return vars
}

func newLP(t *testing.T) *lptest.Server {
	lp := proxytest.NewLP()
	t.Cleanup(lp.Close)
	return lp
}

// answer is what a request got.
type answer struct {
	status int
	header http.Header
	body   string
	inst   int // X-Lpedge-Instance: instance number
	req    int // and request number on it; 0 without the header
	err    error
}

func (a answer) String() string {
	if a.err != nil {
		return a.err.Error()
	}
	return fmt.Sprintf("%d (instance %d/%d) %q", a.status, a.inst, a.req, a.body)
}

// do sends a request with an optional Origin, JSON body and headers h
// (name, value, ...).
func do(method, u, origin, body string, h ...string) answer {
	var r io.Reader
	if body != "" {
		r = strings.NewReader(body)
	}
	req, err := http.NewRequest(method, u, r)
	if err != nil {
		return answer{err: err}
	}
	if origin != "" {
		req.Header.Set("Origin", origin)
	}
	if body != "" {
		req.Header.Set("Content-Type", "application/json")
	}
	for i := 0; i+1 < len(h); i += 2 {
		req.Header.Set(h[i], h[i+1])
	}
	resp, err := client.Do(req)
	if err != nil {
		return answer{err: err}
	}
	defer resp.Body.Close()
	a := answer{status: resp.StatusCode, header: resp.Header, body: readAll(resp.Body)}
	a.inst, a.req, _ = instanceOf(resp.Header)
	return a
}

func get(u string) answer { return do(http.MethodGet, u, "", "") }

// waitFor polls /__worker/waiting until n requests wait in the instance.
func waitFor(t *testing.T, w *workerd, n int) {
	t.Helper()
	want := fmt.Sprint(n)
	for deadline := time.Now().Add(time.Minute); time.Now().Before(deadline); time.Sleep(20 * time.Millisecond) {
		if a := get(w.URL + "/__worker/waiting"); a.err == nil && a.body == want {
			return
		}
	}
	t.Fatalf("%d requests never waited in the instance", n)
}

// TestSpec plays the proxy's specification (proxy/proxytest) against the
// Workers build in workerd, all on one Go instance.
func TestSpec(t *testing.T) {
	lp := newLP(t)
	w := startWorkerd(t, warmEntry, proxyVars(lp))
	first := get(w.URL + "/healthz")
	if first.status != http.StatusOK || first.inst == 0 {
		t.Fatalf("GET /healthz: %v", first)
	}
	cases := append(append([]proxytest.Case{}, proxytest.Cases...), proxytest.AssetCases...)
	proxytest.Run(t, w.URL, lp, cases)
	last := get(w.URL + "/healthz")
	steps := 0
	for _, c := range cases {
		steps += len(c.Steps)
	}
	if last.inst != first.inst || last.req-first.req <= steps {
		t.Errorf("the spec's %d requests were not all served by instance %d: /healthz before %v, after %v", steps, first.inst, first, last)
	}
	// The spec's state (keys, logs, open conversations) was in the
	// Durable Objects, not in the instance's memory.
	a := get(w.URL + "/__worker/objects/calls")
	var calls map[string]int
	if err := json.Unmarshal([]byte(a.body), &calls); err != nil || calls["once"] == 0 || calls["append"] == 0 || calls["read"] == 0 {
		t.Errorf("the spec's state object calls: %v, want keyed calls (once), appends and reads", a)
	}
	t.Logf("state object calls during the spec: %v", calls)
}

// TestStockEntry serves the same build through syumai's per-request
// worker.mjs.
func TestStockEntry(t *testing.T) {
	lp := newLP(t)
	w := startWorkerd(t, stockEntry, proxyVars(lp))
	for i := range 2 {
		a := get(w.URL + "/healthz")
		if a.err != nil || a.status != http.StatusOK || !strings.Contains(a.body, `"ok"`) {
			t.Fatalf("GET /healthz #%d: %v", i+1, a)
		}
		if a.inst != 0 {
			t.Errorf("GET /healthz #%d went through entry.mjs: %v", i+1, a)
		}
	}
	a := do(http.MethodPost, w.URL+"/v1/engagement", proxytest.Origin, engagementBody)
	if a.status != http.StatusCreated {
		t.Errorf("POST /v1/engagement through syumai's fetch: %v", a)
	}
}

// engagementBody is a valid POST /v1/engagement body (proxytest's).
const engagementBody = `{"entryPoints":["https://shop.example/p/42","sec://shoes"],` +
	`"engagementAttributes":[{"type":"prodView","products":[{"product":{"name":"Shoe","sku":"42","price":9.5}}]}]}`

// TestOneInstance sends requests one after another and then many at once,
// some waiting on Go timers and some on LivePerson: one instance serves
// them all.
func TestOneInstance(t *testing.T) {
	lp := newLP(t)
	w := startWorkerd(t, warmEntry, proxyVars(lp))
	const sequential = 20
	for i := 1; i <= sequential; i++ {
		a := get(w.URL + "/healthz")
		if a.status != http.StatusOK || a.inst != 1 || a.req != i {
			t.Fatalf("request %d: %v, want 200 from instance 1/%d", i, a, i)
		}
	}

	const workers, each = 8, 12
	paths := []string{"/healthz", "/__worker/sleep?ms=20", "/v1/engagement"}
	var mu sync.Mutex
	seen := map[int]bool{}
	var wg sync.WaitGroup
	for g := range workers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := range each {
				p := paths[(g+i)%len(paths)]
				var a answer
				if p == "/v1/engagement" {
					a = do(http.MethodPost, w.URL+p, proxytest.Origin, engagementBody)
				} else {
					a = get(w.URL + p)
				}
				if a.err != nil || a.status >= 300 || a.inst != 1 {
					t.Errorf("%s: %v, want success from instance 1", p, a)
					continue
				}
				mu.Lock()
				if seen[a.req] {
					t.Errorf("%s: request number %d twice", p, a.req)
				}
				seen[a.req] = true
				mu.Unlock()
			}
		}()
	}
	wg.Wait()
	for n := sequential + 1; n <= sequential+workers*each; n++ {
		if !seen[n] {
			t.Errorf("no answer was request %d of instance 1", n)
		}
	}
	engagements := 0
	for _, c := range lp.Calls() {
		if c.Route == lptest.RouteEngagement {
			engagements++
		}
	}
	if want := workers * each / len(paths); engagements != want {
		t.Errorf("lptest saw %d engagement calls, want %d", engagements, want)
	}
}

// TestHandlerPanic: the panicking request gets 500, the instance is
// retired, and the next request starts a fresh one.
func TestHandlerPanic(t *testing.T) {
	w := startWorkerd(t, warmEntry, proxyVars(newLP(t)))
	if a := get(w.URL + "/healthz"); a.status != http.StatusOK || a.inst != 1 {
		t.Fatalf("GET /healthz: %v", a)
	}
	a := get(w.URL + "/__worker/panic")
	if a.status != http.StatusInternalServerError || !strings.Contains(a.body, `"code":"internal_error"`) || a.inst != 1 {
		t.Errorf("GET /__worker/panic: %v, want 500 internal_error from instance 1", a)
	}
	if a := get(w.URL + "/healthz"); a.status != http.StatusOK || a.inst != 2 || a.req != 1 {
		t.Errorf("GET /healthz after the panic: %v, want 200 from instance 2/1", a)
	}
	if !strings.Contains(w.Logs(), "panic serving GET /__worker/panic: test hook: handler panic") {
		t.Errorf("the panic is not in the logs:\n%s", w.Logs())
	}
}

// TestRefusedAnswer: an answer workerd refuses to send fails that request
// with 500; the instance goes on.
func TestRefusedAnswer(t *testing.T) {
	w := startWorkerd(t, warmEntry, proxyVars(newLP(t)))
	if a := get(w.URL + "/__worker/badstatus"); a.status != http.StatusInternalServerError || !strings.Contains(a.body, `"code":"internal_error"`) {
		t.Errorf("GET /__worker/badstatus: %v, want 500 internal_error", a)
	}
	if a := get(w.URL + "/healthz"); a.status != http.StatusOK || a.inst != 1 || a.req != 2 {
		t.Errorf("GET /healthz: %v, want 200 from instance 1/2", a)
	}
}

// TestExit: when the Go program dies, the requests in flight get 503
// worker_restarting instead of hanging, and the next request gets a fresh
// instance.
func TestExit(t *testing.T) {
	w := startWorkerd(t, warmEntry, proxyVars(newLP(t)))
	for i, hook := range []string{"/__worker/crash", "/__worker/exit"} {
		t.Run(hook, func(t *testing.T) {
			inst := i + 1
			if a := get(w.URL + "/healthz"); a.status != http.StatusOK || a.inst != inst {
				t.Fatalf("GET /healthz: %v, want 200 from instance %d", a, inst)
			}
			inFlight := make(chan answer, 1)
			go func() { inFlight <- get(w.URL + "/__worker/gate/wait?url=http://127.0.0.1:9/") }()
			waitFor(t, w, 1)
			// The hook comes from an allowed page: its 503 carries CORS
			// headers, or the page would see a network error.
			for name, a := range map[string]answer{hook: do(http.MethodGet, w.URL+hook, proxytest.Origin, ""), "the request in flight": <-inFlight} {
				if a.status != http.StatusServiceUnavailable || !strings.Contains(a.body, `"code":"worker_restarting"`) ||
					a.header.Get("Retry-After") != "1" {
					t.Errorf("%s: %v, want 503 worker_restarting with Retry-After: 1", name, a)
				}
				if cors := a.header.Get("Access-Control-Allow-Origin"); (name == hook) != (cors == proxytest.Origin) {
					t.Errorf("%s: Access-Control-Allow-Origin %q, want %q only with an allowed Origin", name, cors, proxytest.Origin)
				}
			}
			if a := get(w.URL + "/healthz"); a.status != http.StatusOK || a.inst != inst+1 || a.req != 1 {
				t.Errorf("GET /healthz after %s: %v, want 200 from instance %d/1", hook, a, inst+1)
			}
		})
	}
}

// TestCrossRequestWake: requests whose goroutines another request wakes
// still fetch in their own request, which outlives the one that woke them.
func TestCrossRequestWake(t *testing.T) {
	release := make(chan struct{})
	upstream := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		<-release
		io.WriteString(w, "upstream answer")
	}))
	defer upstream.Close()
	w := startWorkerd(t, warmEntry, proxyVars(newLP(t)))

	const n = 3
	answers := make(chan answer, n)
	for range n {
		go func() { answers <- get(w.URL + "/__worker/gate/wait?url=" + url.QueryEscape(upstream.URL)) }()
	}
	waitFor(t, w, n)
	if a := get(w.URL + "/__worker/gate/open"); a.status != http.StatusOK {
		t.Fatalf("GET /__worker/gate/open: %v", a)
	}
	// The opening request has ended; now let the fetches it woke finish.
	get(w.URL + "/healthz")
	close(release)
	for range n {
		if a := <-answers; a.status != http.StatusOK || a.body != "upstream answer" || a.inst != 1 {
			t.Errorf("a woken request: %v, want 200 with the upstream answer from instance 1", a)
		}
	}
}

// TestWaitUntil: work handed to WaitUntil runs after the answer, Go
// timers and fetches included, each in the request that handed it over.
func TestWaitUntil(t *testing.T) {
	const n = 4
	hits := make(chan string, n)
	rec := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		hits <- r.URL.Path
	}))
	defer rec.Close()
	w := startWorkerd(t, warmEntry, proxyVars(newLP(t)))
	var wg sync.WaitGroup
	for i := range n {
		wg.Go(func() {
			a := get(w.URL + "/__worker/later?ms=100&url=" + url.QueryEscape(fmt.Sprintf("%s/later/%d", rec.URL, i)))
			if a.status != http.StatusAccepted || a.inst != 1 {
				t.Errorf("GET /__worker/later #%d: %v, want 202 from instance 1", i, a)
			}
		})
	}
	wg.Wait()
	seen := map[string]bool{}
	for range n {
		select {
		case p := <-hits:
			seen[p] = true
		case <-time.After(time.Minute):
			t.Fatalf("the work handed to WaitUntil fetched only %v", seen)
		}
	}
	for i := range n {
		if p := fmt.Sprintf("/later/%d", i); !seen[p] {
			t.Errorf("no fetch of %s; got %v", p, seen)
		}
	}
}

// TestTimerHandoff: Go's one wake-up timer, re-armed while a short request
// ran, survives that request's end.
func TestTimerHandoff(t *testing.T) {
	w := startWorkerd(t, warmEntry, proxyVars(newLP(t)))
	long := make(chan answer, 1)
	go func() { long <- get(w.URL + "/__worker/sleep?ms=1500") }()
	waitFor(t, w, 1)
	if a := get(w.URL + "/__worker/sleep?ms=100"); a.status != http.StatusOK {
		t.Fatalf("the short sleep: %v", a)
	}
	if a := <-long; a.status != http.StatusOK || a.body != "slept 1500ms\n" {
		t.Errorf("the long sleep: %v, want 200 (a 503 worker_timeout means Go's timer was lost)", a)
	}
}

// TestDeadline: a request Go does not answer in time gets 503
// worker_timeout and retires the instance.
func TestDeadline(t *testing.T) {
	vars := proxyVars(newLP(t))
	vars["LP_REQUEST_TIMEOUT"] = "1s" // the worker's deadline is 5s longer
	w := startWorkerd(t, warmEntry, vars)
	a := get(w.URL + "/__worker/sleep?ms=60000")
	if a.status != http.StatusServiceUnavailable || !strings.Contains(a.body, `"code":"worker_timeout"`) || a.inst != 0 {
		t.Errorf("GET /__worker/sleep?ms=60000: %v, want 503 worker_timeout", a)
	}
	if a := get(w.URL + "/healthz"); a.status != http.StatusOK || a.inst != 2 {
		t.Errorf("GET /healthz after the timeout: %v, want 200 from instance 2", a)
	}
}

// TestJSCallsPerRequest: a request that Go answers at once costs one
// syscall/js call into JS (the Go runtime's look for a callback event
// when it resumes): the request, its answer and its log line pass through
// Go's memory, with no JS value, finalizer or callback per request (14
// per request before, with a syscall/js callback and the shared Uint8Array).
func TestJSCallsPerRequest(t *testing.T) {
	w := startWorkerd(t, warmEntry, proxyVars(newLP(t)))
	calls := func() int {
		a := get(w.URL + "/healthz")
		n, err := strconv.Atoi(a.header.Get("X-Lpedge-Js-Calls"))
		if a.status != http.StatusOK || err != nil {
			t.Fatalf("GET /healthz: %v, X-Lpedge-Js-Calls %q", a, a.header.Get("X-Lpedge-Js-Calls"))
		}
		return n
	}
	before := calls()
	const n = 50
	after := before
	for range n {
		after = calls()
	}
	// A few more for finalizers of values made before, which the garbage
	// collector may run meanwhile.
	if got := after - before; got > n+n/10 {
		t.Errorf("%d syscall/js calls for %d requests, want at most %d", got, n, n+n/10)
	}
}

// TestEcho: requests and answers of every size come through whole, those
// that fit the buffer Go and the entry module share and those that do not
// (64 KiB, serve_js.go's sharedBytes).
func TestEcho(t *testing.T) {
	lp := newLP(t)
	w := startWorkerd(t, warmEntry, proxyVars(lp))
	for _, n := range []int{0, 1, 60 << 10, 64<<10 - 300, 64 << 10, 64<<10 + 1, 200 << 10} {
		body := strings.Repeat("0123456789abcdef", n/16+1)[:n]
		echo := fmt.Sprintf("value %d: a, b; c=\"d\"", n)
		req, err := http.NewRequest(http.MethodPost, w.URL+"/__worker/echo", strings.NewReader(body))
		if err != nil {
			t.Fatal(err)
		}
		req.Header.Set("X-Echo", echo)
		resp, err := client.Do(req)
		if err != nil {
			t.Fatalf("%d bytes: %v", n, err)
		}
		got := readAll(resp.Body)
		resp.Body.Close()
		if resp.StatusCode != http.StatusOK || got != body || resp.Header.Get("X-Echo") != echo {
			t.Errorf("%d bytes: %d, %d bytes back (same: %v), X-Echo %q; want 200, the body and %q",
				n, resp.StatusCode, len(got), got == body, resp.Header.Get("X-Echo"), echo)
		}
	}
}

// TestBodyLimit: the entry module reads at most the proxy's body limit
// plus one byte, enough for the proxy to refuse the body, whether its
// length is declared or not.
func TestBodyLimit(t *testing.T) {
	lp := newLP(t)
	w := startWorkerd(t, warmEntry, proxyVars(lp))
	huge := `{"engagementAttributes":[],"pad":"` + strings.Repeat("x", 2<<20) + `"}`
	chunk := fmt.Sprintf("%x\r\n%s\r\n0\r\n\r\n", len(huge), huge)
	for name, framing := range map[string]string{
		"Content-Length": fmt.Sprintf("Content-Length: %d\r\n\r\n%s", len(huge), huge),
		"chunked":        "Transfer-Encoding: chunked\r\n\r\n" + chunk,
	} {
		t.Run(name, func(t *testing.T) {
			status, body := sendRaw(t, w.URL, "POST /v1/report HTTP/1.1\r\nHost: proxy.test\r\nOrigin: "+proxytest.Origin+
				"\r\nContent-Type: application/json\r\nConnection: close\r\n"+framing)
			if status != http.StatusRequestEntityTooLarge || !strings.Contains(body, `"code":"body_too_large"`) {
				t.Errorf("%d %q, want 413 body_too_large", status, body)
			}
		})
	}
	if calls := lp.Calls(); len(calls) != 0 {
		t.Errorf("lptest saw %d calls, want none", len(calls))
	}
}

// sendRaw writes a request over TCP while it reads the answer: the worker
// answers before it has read the whole body, and then the connection may
// close under the writer.
func sendRaw(t *testing.T, base, request string) (int, string) {
	t.Helper()
	u, err := url.Parse(base)
	if err != nil {
		t.Fatal(err)
	}
	conn, err := net.DialTimeout("tcp", u.Host, 10*time.Second)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	conn.SetDeadline(time.Now().Add(time.Minute))
	go io.WriteString(conn, request)
	resp, err := http.ReadResponse(bufio.NewReader(conn), nil)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	return resp.StatusCode, readAll(resp.Body)
}

// TestLogLevel: LOG_LEVEL sets what the Worker logs: a line per request at
// info (the default), none at warn; a value it does not know is the
// configuration's error, named in the log, and every request is answered
// 503 not_configured.
func TestLogLevel(t *testing.T) {
	t.Parallel() // each has its own workerd
	lp := newLP(t)
	for _, tc := range []struct {
		level    string
		status   int
		logged   bool   // the request line for /healthz
		inTheLog string // besides
	}{
		{"", http.StatusOK, true, ""},
		{"warn", http.StatusOK, false, ""},
		{"loud", http.StatusServiceUnavailable, false, `LOG_LEVEL: want debug, info, warn or error, got \"loud\"`},
	} {
		t.Run("LOG_LEVEL="+tc.level, func(t *testing.T) {
			t.Parallel()
			vars := proxyVars(lp)
			if tc.level != "" {
				vars["LOG_LEVEL"] = tc.level
			}
			w := startWorkerd(t, warmEntry, vars)
			if a := get(w.URL + "/healthz"); a.status != tc.status {
				t.Fatalf("GET /healthz: %v, want %d", a, tc.status)
			}
			// The log line is written before the answer is taken.
			logs := w.Logs()
			if got := strings.Contains(logs, "request route=healthz"); got != tc.logged {
				t.Errorf("the request line logged: %v, want %v; logs:\n%s", got, tc.logged, logs)
			}
			if tc.inTheLog != "" && !strings.Contains(logs, tc.inTheLog) {
				t.Errorf("the log does not say %s:\n%s", tc.inTheLog, logs)
			}
		})
	}
}
