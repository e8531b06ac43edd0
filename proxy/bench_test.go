package proxy_test

import (
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync/atomic"
	"testing"
	"testing/fstest"
	"time"

	"github.com/lpedge/lpedge/liveperson/connector"
	"github.com/lpedge/lpedge/proxy"
	"github.com/lpedge/lpedge/proxy/proxytest"

	"github.com/lpedge/lpedge/internal/syncbuf"
)

// BenchmarkRoutes measures each route end to end over loopback HTTP with
// warm caches, against lptest (whose own work, RS256 token checks
// included, is part of the figure for routes that call it). upstream/op
// is counted, not timed.
func BenchmarkRoutes(b *testing.B) {
	lp := newLP(b)
	up := &countingUpstream{next: http.DefaultClient}
	srv, logs := newProxy(b, lp, func(c *proxy.Config) {
		c.Upstream = up
		c.UpstreamTimeout = 10 * time.Second // Env's 1 s is for the stall cases
		fs := fstest.MapFS{}
		for name, data := range proxytest.StandInAssets() {
			fs[name] = &fstest.MapFile{Data: []byte(data)}
		}
		c.Assets = fs
	})
	client := &http.Client{Transport: &http.Transport{MaxIdleConnsPerHost: 4}}
	vid, sid, ctx := engage(b, srv.URL)
	createConversation(b, srv.URL, "bench-replay", vid, sid, ctx, "bench-key")
	createBody := `{"consumerId":"bench-2","visitorId":"` + vid + `","sessionId":"` + sid +
		`","campaignId":"1001","engagementId":"2001","contextId":"` + ctx + `"}`
	post(b, srv.URL+"/v1/conversations/"+createConversation(b, srv.URL, "bench-2", vid, sid, ctx, "")+"/close", `{"consumerId":"bench-2"}`, nil, 200)

	type req struct {
		method, path, body string
		header             map[string]string
		status             int
	}
	fixed := func(reqs ...req) func() []req { return func() []req { return reqs } }
	for _, bc := range []struct {
		name string
		// prepare returns the requests of one op, sent in turn; it runs
		// again after each lptest reset.
		prepare func() []req
	}{
		{"healthz", fixed(req{"GET", "/healthz", "", nil, 200})},
		{"asset", fixed(req{"GET", "/" + proxytest.WasmName, "", map[string]string{"Accept-Encoding": "br"}, 200})},
		{"origin_refused", fixed(req{"POST", "/v1/report", `{}`, map[string]string{"Origin": proxytest.Foreign}, 403})},
		{"bad_input", fixed(req{"POST", "/v1/report", `{"visitorId":"v","engagementAttributes":[{"type":"wishlist"}]}`, nil, 400})},
		// Unknown ids: lptest opens a new session each time, so its cost
		// does not grow with the session.
		{"report", fixed(req{"POST", "/v1/report", `{"visitorId":"bench-vid","sessionId":"bench-sid",` +
			`"engagementAttributes":[{"type":"cart","total":19,"numItems":2,"currency":"EUR"}]}`, nil, 201})},
		{"engagement", fixed(req{"POST", "/v1/engagement", `{"entryPoints":["https://shop.example/"],"engagementAttributes":[]}`, nil, 201})},
		{"message", func() []req {
			vid, sid, ctx := engage(b, srv.URL)
			conv := createConversation(b, srv.URL, "bench", vid, sid, ctx, "")
			return []req{{"POST", "/v1/conversations/" + conv + "/messages", `{"consumerId":"bench","text":"hello"}`, nil, 200}}
		}},
		{"create_replayed", fixed(req{"POST", "/v1/conversations", `{"consumerId":"bench-replay","visitorId":"` + vid + `","sessionId":"` + sid +
			`","campaignId":"1001","engagementId":"2001","contextId":"` + ctx + `"}`, map[string]string{"Idempotency-Key": "bench-key"}, 201})},
		{"create_and_close", fixed(req{"POST", "/v1/conversations", createBody, nil, 201},
			req{"POST", "/v1/conversations/{id}/close", `{"consumerId":"bench-2"}`, nil, 200})},
	} {
		b.Run(bc.name, func(b *testing.B) {
			// lptest's inspector slows down once it holds MaxCalls calls;
			// it is reset (untimed) well before.
			lp.Reset()
			reqs := bc.prepare()
			before := up.n.Load()
			b.ReportAllocs()
			n := 0
			for b.Loop() {
				if n > 0 && n%2000 == 0 {
					b.StopTimer()
					lp.Reset()
					c := up.n.Load()
					reqs = bc.prepare()
					before += up.n.Load() - c
					b.StartTimer()
				}
				id := ""
				for _, r := range reqs {
					body := sendBench(b, logs, client, srv.URL, r.method, strings.Replace(r.path, "{id}", id, 1), r.body, r.header, r.status)
					if strings.Contains(body, `"conversationId"`) {
						id = field(b, body, "conversationId")
					}
				}
				n++
			}
			b.ReportMetric(float64(up.n.Load()-before)/float64(n), "upstream/op")
		})
	}
}

// countingUpstream counts the proxy's upstream calls (lptest keeps only
// its latest MaxCalls).
type countingUpstream struct {
	next proxy.Upstream
	n    atomic.Int64
}

func (c *countingUpstream) Do(r *http.Request) (*http.Response, error) {
	c.n.Add(1)
	return c.next.Do(r)
}

func sendBench(b *testing.B, logs *syncbuf.Buffer, client *http.Client, base, method, path, body string, header map[string]string, status int) string {
	var rd io.Reader
	if body != "" {
		rd = strings.NewReader(body)
	}
	req, err := http.NewRequest(method, base+path, rd)
	if err != nil {
		b.Fatal(err)
	}
	req.Header.Set("Origin", proxytest.Origin)
	req.Header.Set("Content-Type", "application/json")
	for k, v := range header {
		req.Header.Set(k, v)
	}
	resp, err := client.Do(req)
	if err != nil {
		b.Fatal(err)
	}
	data, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if resp.StatusCode != status {
		out := logs.String()
		b.Fatalf("%s %s: %d %s, want %d; log: %s", method, path, resp.StatusCode, data, status, out[max(0, len(out)-2000):])
	}
	return string(data)
}

// cannedUpstream answers every LivePerson call from memory, so that
// BenchmarkHandler measures the proxy's own work.
type cannedUpstream struct{ token string }

func (c cannedUpstream) Do(r *http.Request) (*http.Response, error) {
	if r.Body != nil {
		io.Copy(io.Discard, r.Body)
		r.Body.Close()
	}
	p := r.URL.Path
	var status int
	var body string
	switch {
	case strings.HasSuffix(p, "/baseURI.json"):
		status, body = 200, `{"baseURI":"`+r.URL.Host+`"}`
	case strings.HasSuffix(p, "/report") || strings.HasSuffix(p, "/engagement"):
		status, body = 200, `{"sessionId":"S","visitorId":"V","pageId":"P"}`
	case strings.HasSuffix(p, "/app/token"):
		status, body = 200, `{"access_token":"`+c.token+`","token_type":"Bearer"}`
	case strings.HasSuffix(p, "/consumer"):
		status, body = 201, `{"token":"jws"}`
	case strings.HasSuffix(p, "/conversation"):
		status, body = 200, `[{"code":"OK","body":{"msg":"OK"},"reqId":"1"},{"code":"OK","body":{"conversationId":"c0ffee"},"reqId":"2"}]`
	case strings.HasSuffix(p, "/send"):
		status, body = 200, `{"reqId":"1","code":"OK","body":{"sequence":0}}`
	default:
		status, body = 404, "no"
	}
	return &http.Response{StatusCode: status, Header: http.Header{}, Body: io.NopCloser(strings.NewReader(body)), Request: r}, nil
}

// BenchmarkHandler measures the handler alone: in process (no sockets),
// warm caches, LivePerson answered from memory. allocs/op are the
// proxy's own.
func BenchmarkHandler(b *testing.B) {
	env := map[string]string{"LP_ACCOUNT_ID": "12345678", "LP_APP_INSTALLATION_ID": "app", "LP_CLIENT_ID": "id",
		"LP_CLIENT_SECRET": "secret", "ALLOWED_ORIGINS": proxytest.Origin, "RATE_LIMIT": "0",
		"LP_DOMAIN_API": "http://127.0.0.1:9", "LP_TEST_DOMAIN": "127.0.0.1"}
	cfg, err := proxy.ConfigFromEnv(func(k string) string { return env[k] })
	if err != nil {
		b.Fatal(err)
	}
	cfg.Upstream = cannedUpstream{token: connector.AppClaims{ExpiresAt: time.Now().Add(24 * time.Hour)}.Unsecured()}
	cfg.Logger = slog.New(slog.DiscardHandler)
	h, err := proxy.New(cfg)
	if err != nil {
		b.Fatal(err)
	}
	ua := "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/126.0.0.0 Safari/537.36"
	for _, bc := range []struct{ name, method, path, body string }{
		{"healthz", "GET", "/healthz", ""},
		{"report", "POST", "/v1/report", `{"visitorId":"V","sessionId":"S","engagementAttributes":[{"type":"cart","total":19,"numItems":2,"currency":"EUR"}]}`},
		{"engagement", "POST", "/v1/engagement", `{"entryPoints":["https://shop.example/"],"engagementAttributes":[]}`},
		{"create", "POST", "/v1/conversations", `{"consumerId":"c","visitorId":"V","sessionId":"S","campaignId":"1001","engagementId":"2001","contextId":"1",` +
			`"sdes":[{"type":"personal","personal":{"firstname":"Ann"}}]}`},
		{"message", "POST", "/v1/conversations/c0ffee/messages", `{"consumerId":"c","text":"hello"}`},
		{"close", "POST", "/v1/conversations/c0ffee/close", `{"consumerId":"c"}`},
	} {
		b.Run(bc.name, func(b *testing.B) {
			do := func() int {
				var body io.Reader
				if bc.body != "" {
					body = strings.NewReader(bc.body)
				}
				r := httptest.NewRequest(bc.method, bc.path, body)
				r.Header.Set("Origin", proxytest.Origin)
				r.Header.Set("Content-Type", "application/json")
				r.Header.Set("User-Agent", ua)
				w := httptest.NewRecorder()
				h.ServeHTTP(w, r)
				return w.Code
			}
			if code := do(); code >= 300 { // also warms the caches
				b.Fatalf("status %d", code)
			}
			b.ReportAllocs()
			for b.Loop() {
				do()
			}
		})
	}
}
