package proxy_test

import (
	"bufio"
	"context"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"runtime"
	"slices"
	"strconv"
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
						id = proxytest.Field(b, body, "conversationId")
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
		status, body = 200, `[{"code":"OK","body":{"msg":"OK"},"reqId":"1"},{"code":"OK","body":{"conversationId":"c0ffee00-0000-4000-8000-000000000000"},"reqId":"2"}]`
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
	h := cannedProxy(b, nil)
	ua := "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/126.0.0.0 Safari/537.36"
	for _, bc := range []struct{ name, method, path, body string }{
		{"healthz", "GET", "/healthz", ""},
		{"report", "POST", "/v1/report", `{"visitorId":"V","sessionId":"S","engagementAttributes":[{"type":"cart","total":19,"numItems":2,"currency":"EUR"}]}`},
		{"engagement", "POST", "/v1/engagement", `{"entryPoints":["https://shop.example/"],"engagementAttributes":[]}`},
		{"create", "POST", "/v1/conversations", `{"consumerId":"c","visitorId":"V","sessionId":"S","campaignId":"1001","engagementId":"2001","contextId":"1",` +
			`"sdes":[{"type":"personal","personal":{"firstname":"Ann"}}]}`},
		{"message", "POST", "/v1/conversations/c0ffee00-0000-4000-8000-000000000000/messages", `{"consumerId":"c","text":"hello"}`},
		{"close", "POST", "/v1/conversations/c0ffee00-0000-4000-8000-000000000000/close", `{"consumerId":"c"}`},
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

// cannedProxy is a proxy whose LivePerson answers from memory (see
// BenchmarkHandler); edit changes its Config.
func cannedProxy(b *testing.B, edit func(*proxy.Config)) *proxy.Handler {
	env := map[string]string{"LP_ACCOUNT_ID": "12345678", "LP_APP_INSTALLATION_ID": "app", "LP_CLIENT_ID": "id",
		"LP_CLIENT_SECRET": "secret", "ALLOWED_ORIGINS": proxytest.Origin, "RATE_LIMIT": "0",
		"LP_DOMAIN_API": "http://127.0.0.1:9", "LP_TEST_DOMAIN": "127.0.0.1"}
	cfg, err := proxy.ConfigFromEnv(func(k string) string { return env[k] })
	if err != nil {
		b.Fatal(err)
	}
	cfg.Upstream = cannedUpstream{token: connector.AppClaims{ExpiresAt: time.Now().Add(24 * time.Hour)}.Unsecured()}
	cfg.Logger = slog.New(slog.DiscardHandler)
	if edit != nil {
		edit(&cfg)
	}
	h, err := proxy.New(cfg)
	if err != nil {
		b.Fatal(err)
	}
	return h
}

// agentMessage is a ContentEvent webhook body of conversation conv.
func agentMessage(conv string, seq int, text string) []byte {
	return []byte(`{"kind":"notification","body":{"changes":[{"sequence":` + strconv.Itoa(seq) + `,"originatorId":"agent-1",` +
		`"originatorMetadata":{"id":"agent-1","role":"ASSIGNED_AGENT"},"serverTimestamp":1700000000000,` +
		`"event":{"type":"ContentEvent","message":"` + text + `","contentType":"text/plain"},` +
		`"conversationId":"` + conv + `","dialogId":"` + conv + `","messageAudience":"ALL"}]},"type":"ms.MessagingEventNotification.ContentEvent"}`)
}

func webhookRequest(body []byte, sig string) *http.Request {
	r := httptest.NewRequest("POST", "/webhooks/liveperson", strings.NewReader(string(body)))
	r.Header.Set("Content-Type", "application/json")
	r.Header.Set(connector.HeaderSignature, sig)
	r.Header.Set(connector.HeaderAccountID, "12345678")
	r.Header.Set(connector.HeaderClientID, "id")
	return r
}

// BenchmarkWebhook: one signed webhook through the handler in process
// (signature check, decode, store): a new message each time, and a
// duplicate (a retry), which is checked and dropped.
func BenchmarkWebhook(b *testing.B) {
	const n = 1 << 14
	bodies, sigs := make([][]byte, n), make([]string, n)
	for i := range n {
		bodies[i] = agentMessage(fmt.Sprintf("c0ffee00-0000-4000-8000-%012d", i%256), i/256, "Yes, size 42 is in stock")
		sigs[i] = connector.Sign(connector.SignatureSHA1, "secret", bodies[i])
	}
	for _, dup := range []bool{false, true} {
		name := "new"
		if dup {
			name = "duplicate"
		}
		b.Run(name, func(b *testing.B) {
			h := cannedProxy(b, nil)
			i := 0
			b.ReportAllocs()
			for b.Loop() {
				if !dup && i == n {
					b.StopTimer()
					h, i = cannedProxy(b, nil), 0
					b.StartTimer()
				}
				k := i % n
				if dup {
					k = 0
				}
				w := httptest.NewRecorder()
				h.ServeHTTP(w, webhookRequest(bodies[k], sigs[k]))
				if w.Code != 200 {
					b.Fatalf("%d %s", w.Code, w.Body)
				}
				i++
			}
		})
	}
}

func heapInUse() uint64 {
	var m runtime.MemStats
	runtime.GC()
	runtime.GC()
	runtime.ReadMemStats(&m)
	return m.HeapAlloc
}

// BenchmarkConversationMemory: the memory engine's heap per conversation
// with an open conversation and a few events (5 messages of 40
// characters), and the bound of one log (EventLogEvents, default 500):
// a log written with 4x that many events.
func BenchmarkConversationMemory(b *testing.B) {
	ctx := context.Background()
	const convs = 10000
	data := []byte(`"type":"message","sequence":0,"time":1700000000000,"role":"ASSIGNED_AGENT","text":"Yes, size 42 is in stock, shall I hold it?"`)
	for b.Loop() {
		before := heapInUse()
		m := proxy.NewMemoryEngine(proxy.EngineOptions{Conversations: convs})
		for c := range convs {
			id := "3f8b2c1e-5a6d-4e7f-8a9b-" + strconv.Itoa(100000000000+c)
			m.SetOpen(ctx, "lp-consumer-"+strconv.Itoa(c), id, true)
			for s := range 5 {
				m.Append(ctx, id, []proxy.Event{{Key: id + ":" + strconv.Itoa(s), Data: data}})
			}
		}
		perConv := float64(heapInUse()-before) / convs
		runtime.KeepAlive(m)

		before = heapInUse()
		full := proxy.NewMemoryEngine(proxy.EngineOptions{})
		for s := range 4 * proxy.DefaultEventLogEvents {
			full.Append(ctx, "c", []proxy.Event{{Key: "c:" + strconv.Itoa(s), Data: data}})
		}
		fullLog := float64(heapInUse() - before)
		runtime.KeepAlive(full)
		b.ReportMetric(perConv, "B/conversation")
		b.ReportMetric(fullLog, "B/full-log")
	}
}

// BenchmarkReplyLatency: an agent's reply, POSTed as a signed webhook on
// loopback, until a reader waiting on the event stream has read it:
// p50 and p99 over 200 messages per op.
func BenchmarkReplyLatency(b *testing.B) {
	h := cannedProxy(b, nil)
	srv := httptest.NewServer(h)
	defer srv.Close()
	client := &http.Client{Transport: &http.Transport{MaxIdleConnsPerHost: 4}}
	created := post(b, srv.URL+"/v1/conversations", `{"consumerId":"c","visitorId":"V","sessionId":"S","campaignId":"1001","engagementId":"2001","contextId":"1"}`, nil, 201)
	conv, token := proxytest.Field(b, created, "conversationId"), proxytest.Field(b, created, "token")
	req, _ := http.NewRequest("GET", srv.URL+"/v1/conversations/"+conv+"/events", nil)
	req.Header.Set("Authorization", "Bearer "+token)
	resp, err := client.Do(req)
	if err != nil {
		b.Fatal(err)
	}
	defer resp.Body.Close()
	lines := make(chan time.Time, 16)
	go func() {
		rd := bufio.NewReader(resp.Body)
		for {
			line, err := rd.ReadString('\n')
			if err != nil {
				close(lines)
				return
			}
			if strings.HasPrefix(line, "data: ") {
				lines <- time.Now()
			}
		}
	}()
	var lat []time.Duration
	seq := 0
	for b.Loop() {
		for range 200 {
			body := agentMessage(conv, seq, "reply "+strconv.Itoa(seq))
			seq++
			r, _ := http.NewRequest("POST", srv.URL+"/webhooks/liveperson", strings.NewReader(string(body)))
			r.Header.Set(connector.HeaderSignature, connector.Sign(connector.SignatureSHA1, "secret", body))
			r.Header.Set(connector.HeaderAccountID, "12345678")
			r.Header.Set(connector.HeaderClientID, "id")
			start := time.Now()
			wr, err := client.Do(r)
			if err != nil {
				b.Fatal(err)
			}
			io.Copy(io.Discard, wr.Body)
			wr.Body.Close()
			got, ok := <-lines
			if !ok {
				b.Fatal("the stream ended")
			}
			lat = append(lat, got.Sub(start))
		}
	}
	slices.Sort(lat)
	b.ReportMetric(float64(lat[len(lat)/2].Microseconds()), "p50-µs")
	b.ReportMetric(float64(lat[len(lat)*99/100].Microseconds()), "p99-µs")
	b.ReportMetric(0, "ns/op")
}
