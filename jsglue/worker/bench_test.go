//go:build !js

package worker

import (
	"io"
	"net/http"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/lpedge/lpedge/proxy/proxytest"
)

// BenchmarkWorkerd is a bounded loopback load run against the proxy's
// Workers build with the tag's real build embedded, in workerd: b.N
// requests from Concurrency connections, through this package's entry
// module (warm: one Go instance per isolate) and through syumai's stock
// worker.mjs (stock: one instance per request), on the same build; and,
// for scale, a trivial JS worker in the same workerd answering /healthz's
// body. It reports requests per second, the median and 99th percentile
// latency, and workerd's CPU time per request (Linux only).
//
//	go test -run '^$' -bench Workerd -benchtime 5s ./jsglue/worker
func BenchmarkWorkerd(b *testing.B) {
	lp := proxytest.NewLP()
	defer lp.Close()
	build := realBuild(b)
	b.Run("js", func(b *testing.B) {
		w := serveTrivialJS(b)
		b.Run("healthz", func(b *testing.B) {
			loadRun(b, w, http.MethodGet, w.URL+"/healthz", "")
		})
	})
	for _, e := range []struct{ name, entry string }{{"warm", warmEntry}, {"stock", stockEntry}} {
		b.Run(e.name, func(b *testing.B) {
			vars := proxytest.Env(lp)
			// proxytest's 1s would fail requests on a busy machine.
			vars["LP_UPSTREAM_TIMEOUT"] = "10s"
			w := startWorkerdSetup(b, workerdSetup{Build: build, Entry: e.entry, Vars: vars})
			b.Run("healthz", func(b *testing.B) {
				loadRun(b, w, http.MethodGet, w.URL+"/healthz", "")
			})
			b.Run("engagement", func(b *testing.B) {
				// One Monitoring call to lptest per request.
				loadRun(b, w, http.MethodPost, w.URL+"/v1/engagement", engagementBody)
			})
		})
	}
}

// trivialJS answers what the proxy's /healthz answers, and nothing else.
const trivialJS = `export default {
  fetch() {
    return new Response('{"status":"ok"}\n', { headers: { "content-type": "application/json; charset=utf-8" } });
  },
};
`

// serveTrivialJS runs trivialJS in workerd until the test ends.
func serveTrivialJS(tb testing.TB) *workerd {
	tb.Helper()
	dir := tb.TempDir()
	if err := os.WriteFile(filepath.Join(dir, "trivial.mjs"), []byte(trivialJS), 0o644); err != nil {
		tb.Fatal(err)
	}
	return startWorkerdSetup(tb, workerdSetup{Build: dir, Entry: "trivial.mjs", NoState: true})
}

// Concurrency is how many connections a load run keeps busy.
const Concurrency = 10

func loadRun(b *testing.B, w *workerd, method, url, body string) {
	loadRunFunc(b, w, func(int64) (*http.Request, error) { return newRequest(method, url, body, "") })
}

// newRequest is a request from the proxytest page, with an optional
// Idempotency-Key.
func newRequest(method, url, body, key string) (*http.Request, error) {
	var r io.Reader
	if body != "" {
		r = strings.NewReader(body)
	}
	req, err := http.NewRequest(method, url, r)
	if err != nil {
		return nil, err
	}
	if body != "" {
		req.Header.Set("Origin", proxytest.Origin)
		req.Header.Set("Content-Type", "application/json")
	}
	if key != "" {
		req.Header.Set("Idempotency-Key", key)
	}
	return req, nil
}

// loadRunFunc is loadRun with the n-th request made by mk (n from 0; 0 is
// the warm-up request).
func loadRunFunc(b *testing.B, w *workerd, mk func(n int64) (*http.Request, error)) {
	b.ReportAllocs()
	l := newLoader(mk)
	// The first request starts the warm entry's instance.
	if status, err := l.send(); err != nil || status >= 300 {
		b.Fatalf("the first request: %d %v", status, err)
	}
	b.ResetTimer()
	r := l.run(b, w, b.N)
	b.StopTimer()
	if len(r.lat) == 0 {
		return
	}
	slices.Sort(r.lat)
	ms := func(q float64) float64 {
		return float64(r.lat[int(q*float64(len(r.lat)-1))]) / float64(time.Millisecond)
	}
	b.ReportMetric(float64(len(r.lat))/r.elapsed.Seconds(), "req/s")
	b.ReportMetric(ms(0.50), "p50-ms")
	b.ReportMetric(ms(0.99), "p99-ms")
	if r.cpuOK {
		b.ReportMetric(r.cpuPerRequest(), "cpu-ms/req")
	}
}

// A loader sends requests from Concurrency connections.
type loader struct {
	c   *http.Client
	mk  func(n int64) (*http.Request, error)
	seq atomic.Int64
}

func newLoader(mk func(n int64) (*http.Request, error)) *loader {
	return &loader{mk: mk, c: &http.Client{
		Timeout:   time.Minute,
		Transport: &http.Transport{MaxIdleConnsPerHost: Concurrency, DisableCompression: true},
	}}
}

func (l *loader) send() (int, error) {
	req, err := l.mk(l.seq.Add(1) - 1)
	if err != nil {
		return 0, err
	}
	resp, err := l.c.Do(req)
	if err != nil {
		return 0, err
	}
	readAll(resp.Body)
	resp.Body.Close()
	return resp.StatusCode, nil
}

// A loadResult is what a load run measured.
type loadResult struct {
	lat     []time.Duration // of the requests answered
	elapsed time.Duration
	cpu     time.Duration // workerd's, when cpuOK
	cpuOK   bool
}

func (r loadResult) cpuPerRequest() float64 {
	return float64(r.cpu) / float64(time.Millisecond) / float64(len(r.lat))
}

// add sums r and o.
func (r loadResult) add(o loadResult) loadResult {
	return loadResult{lat: append(r.lat, o.lat...), elapsed: r.elapsed + o.elapsed, cpu: r.cpu + o.cpu, cpuOK: o.cpuOK && (r.cpuOK || len(r.lat) == 0)}
}

// run sends n requests to w and measures them; a failed request fails b.
func (l *loader) run(b *testing.B, w *workerd, n int) loadResult {
	lat := make([][]time.Duration, Concurrency)
	var next atomic.Int64
	var wg sync.WaitGroup
	cpu0, cpuOK := processCPU(w.cmd.Process.Pid)
	start := time.Now()
	for i := range Concurrency {
		wg.Go(func() {
			for next.Add(1) <= int64(n) {
				t0 := time.Now()
				status, err := l.send()
				if err != nil || status >= 300 {
					b.Errorf("a request: %d %v", status, err)
					return
				}
				lat[i] = append(lat[i], time.Since(t0))
			}
		})
	}
	wg.Wait()
	r := loadResult{lat: slices.Concat(lat...), elapsed: time.Since(start)}
	cpu1, ok := processCPU(w.cmd.Process.Pid)
	r.cpu, r.cpuOK = cpu1-cpu0, cpuOK && ok
	return r
}

// BenchmarkWorkerdPair puts the warm entry and the trivial JS worker under
// the same load on /healthz: b.N requests each, the real tag embedded, in
// ten slices that take turns between the two, so that the load of other
// work on the machine weighs on both alike. It reports each one's requests
// per second and workerd CPU time per request, and the warm entry's share
// of the JS worker's throughput (x-js) and of its CPU efficiency
// (x-js-cpu: the JS worker's CPU per request over the warm entry's): with
// the proxy's line per request (LOG_LEVEL=info, the default) and without
// it (warn).
//
//	go test -run '^$' -bench WorkerdPair -benchtime 30000x -count 3 ./jsglue/worker
func BenchmarkWorkerdPair(b *testing.B) {
	lp := proxytest.NewLP()
	defer lp.Close()
	build := realBuild(b)
	for _, level := range []string{"info", "warn"} {
		b.Run("LOG_LEVEL="+level, func(b *testing.B) {
			vars := proxytest.Env(lp)
			vars["LP_UPSTREAM_TIMEOUT"] = "10s"
			vars["LOG_LEVEL"] = level
			benchPair(b, serveTrivialJS(b), startWorkerdSetup(b, workerdSetup{Build: build, Entry: warmEntry, Vars: vars}))
		})
	}
}

// benchPair is BenchmarkWorkerdPair's run of the JS worker js and the warm
// entry warm.
func benchPair(b *testing.B, js, warm *workerd) {
	servers := []*workerd{js, warm}
	loaders := make([]*loader, len(servers))
	for i, w := range servers {
		loaders[i] = newLoader(func(int64) (*http.Request, error) { return newRequest(http.MethodGet, w.URL+"/healthz", "", "") })
		// Warm up: the instance, and V8's optimizing tiers.
		loaders[i].run(b, w, 2000)
	}
	const slices = 10
	results := make([]loadResult, len(servers))
	b.ResetTimer()
	for s := range slices {
		n := b.N / slices
		if s == slices-1 {
			n = b.N - n*(slices-1)
		}
		for i, w := range servers {
			results[i] = results[i].add(loaders[i].run(b, w, n))
		}
	}
	b.StopTimer()
	rps := func(r loadResult) float64 { return float64(len(r.lat)) / r.elapsed.Seconds() }
	jr, wr := results[0], results[1]
	b.ReportMetric(rps(jr), "js-req/s")
	b.ReportMetric(rps(wr), "warm-req/s")
	b.ReportMetric(rps(wr)/rps(jr), "x-js")
	if jr.cpuOK && wr.cpuOK {
		b.ReportMetric(jr.cpuPerRequest(), "js-cpu-ms/req")
		b.ReportMetric(wr.cpuPerRequest(), "warm-cpu-ms/req")
		b.ReportMetric(jr.cpuPerRequest()/wr.cpuPerRequest(), "x-js-cpu")
	}
}

// BenchmarkWorkerdState: a keyed create (a new consumer each time, so one
// IDP and one CONVERSATION call to lptest) and a keyed send (one SEND call)
// through the warm entry in workerd, with the state in the Durable Objects
// (one object request each, held open across the upstream call: the
// claim, then the answer) and in the isolate's memory.
//
//	go test -run '^$' -bench WorkerdState -benchtime 500x ./jsglue/worker
func BenchmarkWorkerdState(b *testing.B) {
	lp := proxytest.NewLP()
	defer lp.Close()
	for _, st := range []struct {
		name    string
		noState bool
	}{{"object", false}, {"memory", true}} {
		b.Run(st.name, func(b *testing.B) {
			vars := proxytest.Env(lp)
			vars["LP_UPSTREAM_TIMEOUT"] = "10s"
			vars["RATE_LIMIT"] = "0"
			w := startWorkerdSetup(b, workerdSetup{Entry: warmEntry, Vars: vars, NoState: st.noState})
			e, err := newRequest(http.MethodPost, w.URL+"/v1/engagement", `{"entryPoints":["https://shop.example/"],"engagementAttributes":[]}`, "")
			if err != nil {
				b.Fatal(err)
			}
			resp, err := http.DefaultClient.Do(e)
			if err != nil {
				b.Fatal(err)
			}
			eng := readAll(resp.Body)
			resp.Body.Close()
			create := func(consumer string) string {
				return `{"consumerId":"` + consumer + `","visitorId":"` + proxytest.Field(b, eng, "visitorId") + `","sessionId":"` +
					proxytest.Field(b, eng, "sessionId") + `","campaignId":"1001","engagementId":"2001","contextId":"` +
					proxytest.Field(b, eng, "contextId") + `"}`
			}
			run := strconv.FormatInt(time.Now().UnixNano(), 36)
			b.Run("create", func(b *testing.B) {
				// Each of the benchmark's runs (-benchtime 5s makes several)
				// creates new consumers: its first request reusing an earlier
				// run's key would be a replay, or, once the key has left the
				// memory engine's 10,000 records, a 409.
				pass := strconv.FormatInt(time.Now().UnixNano(), 36)
				loadRunFunc(b, w, func(n int64) (*http.Request, error) {
					id := run + "-" + pass + "-" + strconv.FormatInt(n, 10)
					return newRequest(http.MethodPost, w.URL+"/v1/conversations", create("bench-"+id), "k-"+id)
				})
			})
			c, err := newRequest(http.MethodPost, w.URL+"/v1/conversations", create("bench-send-"+run), "")
			if err != nil {
				b.Fatal(err)
			}
			if resp, err = http.DefaultClient.Do(c); err != nil {
				b.Fatal(err)
			}
			conv := proxytest.Field(b, readAll(resp.Body), "conversationId")
			resp.Body.Close()
			b.Run("send", func(b *testing.B) {
				loadRunFunc(b, w, func(n int64) (*http.Request, error) {
					return newRequest(http.MethodPost, w.URL+"/v1/conversations/"+conv+"/messages",
						`{"consumerId":"bench-send-`+run+`","text":"m"}`, "s-"+run+"-"+strconv.FormatInt(n, 10))
				})
			})
		})
	}
}
