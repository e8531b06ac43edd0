package proxy_test

import (
	"context"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strconv"
	"strings"
	"sync"
	"testing"
	"testing/fstest"
	"time"

	"github.com/lpedge/lpedge/liveperson/lptest"
	"github.com/lpedge/lpedge/proxy"
	"github.com/lpedge/lpedge/proxy/proxytest"

	"github.com/lpedge/lpedge/internal/syncbuf"
)

// newHandler is the proxy configured with proxytest.Env(lp), changed by
// edit; its logs (debug level, JSON) go to the returned buffer.
func newHandler(t testing.TB, lp *lptest.Server, edit func(*proxy.Config)) (*proxy.Handler, *syncbuf.Buffer) {
	t.Helper()
	env := proxytest.Env(lp)
	cfg, err := proxy.ConfigFromEnv(func(k string) string { return env[k] })
	if err != nil {
		t.Fatal(err)
	}
	logs := &syncbuf.Buffer{}
	cfg.Logger = slog.New(slog.NewJSONHandler(logs, &slog.HandlerOptions{Level: slog.LevelDebug}))
	if edit != nil {
		edit(&cfg)
	}
	h, err := proxy.New(cfg)
	if err != nil {
		t.Fatal(err)
	}
	return h, logs
}

// newProxy starts the proxy configured with proxytest.Env(lp), changed
// by edit, behind a loopback server; logs go to the returned buffer.
func newProxy(t testing.TB, lp *lptest.Server, edit func(*proxy.Config)) (*httptest.Server, *syncbuf.Buffer) {
	t.Helper()
	h, logs := newHandler(t, lp, edit)
	srv := httptest.NewServer(h)
	t.Cleanup(srv.Close)
	return srv, logs
}

func newLP(t testing.TB, opts ...lptest.Option) *lptest.Server {
	lp := proxytest.NewLP(opts...)
	t.Cleanup(lp.Close)
	return lp
}

// TestSpec runs the shared specification against the native handler;
// the logs it produces must hold no secret.
func TestSpec(t *testing.T) {
	lp := newLP(t)
	srv, logs := newProxy(t, lp, func(c *proxy.Config) {
		fs := fstest.MapFS{}
		for name, data := range proxytest.StandInAssets() {
			fs[name] = &fstest.MapFile{Data: []byte(data)}
		}
		c.Assets = fs
	})
	// The calls lptest saw hold every token it issued; collect them
	// before each case resets it.
	var tokens []string
	cases := append(append([]proxytest.Case{}, proxytest.Cases...), proxytest.AssetCases...)
	collect := func() {
		for _, c := range lp.Calls() {
			for _, h := range []string{c.Header["Authorization"], c.Header["X-LP-ON-BEHALF"]} {
				if h != "" {
					tokens = append(tokens, h)
				}
			}
		}
	}
	for _, c := range cases {
		proxytest.Run(t, srv.URL, lp, []proxytest.Case{c})
		collect()
	}
	if len(tokens) == 0 {
		t.Fatal("no tokens were sent upstream; the secrets check would prove nothing")
	}
	out := logs.String()
	if !strings.Contains(out, `"msg":"request"`) {
		t.Fatalf("no request logs were written:\n%s", out)
	}
	secrets := append([]string{lptest.DefaultClientSecret, "client_secret", "Hello, is the shoe"}, tokens...)
	for _, s := range secrets {
		if strings.Contains(out, s) {
			t.Errorf("the logs contain the secret %.40q", s)
		}
	}
}

// TestWarmConversationIsOneCall is the budget, counted: with warm caches
// a conversation costs exactly one upstream call, across many consumers
// whose ConsumerJWS is cached.
func TestWarmConversationIsOneCall(t *testing.T) {
	lp := newLP(t)
	srv, logs := newProxy(t, lp, nil)
	vid, sid, ctx := engage(t, srv.URL)
	for round := 0; round < 3; round++ {
		for i := 0; i < 5; i++ {
			consumer := "warm-" + strconv.Itoa(i)
			before := len(lp.Calls())
			id := createConversation(t, srv.URL, consumer, vid, sid, ctx, "")
			calls := lp.Calls()[before:]
			if round > 0 && (len(calls) != 1 || calls[0].Route != lptest.RouteConversation) {
				t.Fatalf("round %d, %s: %d upstream calls %v, want exactly one CONVERSATION", round, consumer, len(calls), routes(calls))
			}
			post(t, srv.URL+"/v1/conversations/"+id+"/close", `{"consumerId":"`+consumer+`"}`, nil, 200)
		}
	}
	if out := logs.String(); !strings.Contains(out, "conversation.create") || strings.Contains(out, "warm-") {
		t.Errorf("the logs lack the requests or name a consumer id:\n%s", out)
	}
}

// TestIdempotencyCoalesces: concurrent creates with one key cost one
// upstream CONVERSATION and all get its id.
func TestIdempotencyCoalesces(t *testing.T) {
	lp := newLP(t)
	srv, _ := newProxy(t, lp, nil)
	proxytest.CheckCoalescing(t, srv.URL, lp, 8)
}

// TestAppJWTRefresh moves the clock: the AppJWT is reused until 5 minutes
// before exp, then replaced before LivePerson would refuse it.
func TestAppJWTRefresh(t *testing.T) {
	var mu sync.Mutex
	now := time.Date(2026, 5, 1, 12, 0, 0, 0, time.UTC)
	clock := func() time.Time { mu.Lock(); defer mu.Unlock(); return now }
	advance := func(d time.Duration) { mu.Lock(); now = now.Add(d); mu.Unlock() }
	lp := newLP(t, lptest.WithClock(clock))
	srv, _ := newProxy(t, lp, func(c *proxy.Config) { c.Now = clock })
	vid, sid, ctx := engage(t, srv.URL)
	for _, step := range []struct {
		advance time.Duration
		tokens  int
	}{{0, 1}, {54 * time.Minute, 0}, {2 * time.Minute, 1}, {30 * time.Minute, 0}} {
		advance(step.advance)
		before := lp.CallCount(lptest.RouteToken)
		id := createConversation(t, srv.URL, "clock", vid, sid, ctx, "")
		if got := lp.CallCount(lptest.RouteToken) - before; got != step.tokens {
			t.Errorf("after +%v: %d token calls, want %d", step.advance, got, step.tokens)
		}
		post(t, srv.URL+"/v1/conversations/"+id+"/close", `{"consumerId":"clock"}`, nil, 200)
	}
}

// TestConsumerCacheBounded: the ConsumerJWS cache holds at most
// ConsumerCacheSize consumers; an evicted one costs an IDP call again.
func TestConsumerCacheBounded(t *testing.T) {
	lp := newLP(t)
	srv, _ := newProxy(t, lp, func(c *proxy.Config) { c.ConsumerCacheSize = 2 })
	vid, sid, ctx := engage(t, srv.URL)
	idp := func(consumer string) int {
		before := lp.CallCount(lptest.RouteConsumer)
		id := createConversation(t, srv.URL, consumer, vid, sid, ctx, "")
		post(t, srv.URL+"/v1/conversations/"+id+"/close", `{"consumerId":"`+consumer+`"}`, nil, 200)
		return lp.CallCount(lptest.RouteConsumer) - before
	}
	for _, step := range []struct {
		consumer string
		calls    int
	}{{"a", 1}, {"b", 1}, {"a", 0}, {"c", 1}, {"b", 1}, {"c", 0}} {
		if got := idp(step.consumer); got != step.calls {
			t.Errorf("consumer %s: %d IDP calls, want %d", step.consumer, got, step.calls)
		}
	}
}

// TestUpstreamHostGuard: hosts the Domain API answers outside
// liveperson.net and the test domain are never called.
func TestUpstreamHostGuard(t *testing.T) {
	lp := newLP(t)
	srv, _ := newProxy(t, lp, func(c *proxy.Config) { c.TestDomain = "" })
	resp := post(t, srv.URL+"/v1/engagement", `{"engagementAttributes":[]}`, nil, 502)
	if !strings.Contains(resp, "may not call") {
		t.Errorf("answer %s does not say why", resp)
	}
	for _, c := range lp.Calls() {
		if c.Route != lptest.RouteDomain {
			t.Errorf("the proxy called %s at the refused host", c.Route)
		}
	}

	// A Domain API that answers some other host.
	var evilCalls int
	evil := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if strings.HasSuffix(r.URL.Path, "/baseURI.json") {
			io.WriteString(w, `{"service":"smt","account":"12345678","baseURI":"metadata.google.internal"}`)
			return
		}
		evilCalls++
	}))
	defer evil.Close()
	srv2, _ := newProxy(t, lp, func(c *proxy.Config) { c.DomainAPI = evil.URL })
	post(t, srv2.URL+"/v1/engagement", `{"engagementAttributes":[]}`, nil, 502)
	if evilCalls != 0 {
		t.Errorf("%d calls went past the Domain API", evilCalls)
	}
}

// TestRateLimit: one client over its burst gets 429 with Retry-After;
// another client (by the trusted header) is unaffected.
func TestRateLimit(t *testing.T) {
	lp := newLP(t)
	srv, _ := newProxy(t, lp, func(c *proxy.Config) {
		c.RateLimit, c.RateBurst, c.ClientIPHeader = 0.5, 2, "X-Forwarded-For"
	})
	body := `{"engagementAttributes":[]}`
	from := func(ip string) http.Header { return http.Header{"X-Forwarded-For": {"198.51.100.7, " + ip}} }
	post(t, srv.URL+"/v1/engagement", body, from("192.0.2.1"), 201)
	post(t, srv.URL+"/v1/engagement", body, from("192.0.2.1"), 201)
	before := len(lp.Calls())
	resp := postResp(t, srv.URL+"/v1/engagement", body, from("192.0.2.1"))
	if resp.StatusCode != 429 || resp.Header.Get("Retry-After") != "2" {
		t.Errorf("third request: %d Retry-After %q, want 429 and 2", resp.StatusCode, resp.Header.Get("Retry-After"))
	}
	if len(lp.Calls()) != before {
		t.Error("a rate-limited request went upstream")
	}
	post(t, srv.URL+"/v1/engagement", body, from("192.0.2.2"), 201)
}

// TestBadCredentials: Sentinel refuses the client; the browser gets 502
// and neither the answer nor the logs show the secret.
func TestBadCredentials(t *testing.T) {
	lp := newLP(t)
	const secret = "wrong-secret-d41d8cd98f00b204"
	srv, logs := newProxy(t, lp, func(c *proxy.Config) { c.ClientSecret = secret })
	vid, sid, ctx := engage(t, srv.URL)
	resp := post(t, srv.URL+"/v1/conversations", `{"consumerId":"c","visitorId":"`+vid+`","sessionId":"`+sid+
		`","campaignId":"1001","engagementId":"2001","contextId":"`+ctx+`"}`, nil, 502)
	if !strings.Contains(resp, "Sentinel") || strings.Contains(resp, secret) {
		t.Errorf("answer %s", resp)
	}
	if n := lp.CallCount(lptest.RouteToken); n != 1 {
		t.Errorf("%d token calls: a refusal (4xx) must not be retried", n)
	}
	if out := logs.String(); strings.Contains(out, secret) || !strings.Contains(out, "Sentinel") {
		t.Errorf("logs show the secret or not the failure:\n%s", out)
	}
}

// TestNotConfigured: routes whose settings are missing say so.
func TestNotConfigured(t *testing.T) {
	lp := newLP(t)
	srv, _ := newProxy(t, lp, func(c *proxy.Config) { c.AppInstallationID, c.ClientID, c.ClientSecret = "", "", "" })
	post(t, srv.URL+"/v1/engagement", `{"engagementAttributes":[]}`, nil, 503)
	post(t, srv.URL+"/v1/conversations/c0ffee00-0000-4000-8000-000000000000/close", `{"consumerId":"c"}`, nil, 503)
	if n := len(lp.Calls()); n != 0 {
		t.Errorf("%d upstream calls", n)
	}
}

func routes(calls []lptest.Call) []lptest.Route {
	var out []lptest.Route
	for _, c := range calls {
		out = append(out, c.Route)
	}
	return out
}

func postResp(t testing.TB, url, body string, h http.Header) *http.Response {
	t.Helper()
	req, err := http.NewRequest("POST", url, strings.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("Origin", proxytest.Origin)
	for k, v := range h {
		req.Header[k] = v
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	return resp
}

// post sends a JSON body and checks the status; it returns the answer.
func post(t testing.TB, url, body string, h http.Header, status int) string {
	t.Helper()
	resp := postResp(t, url, body, h)
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	if resp.StatusCode != status {
		t.Fatalf("POST %s: %d %s, want %d", url, resp.StatusCode, b, status)
	}
	return string(b)
}

func engage(t testing.TB, base string) (vid, sid, ctx string) {
	t.Helper()
	b := post(t, base+"/v1/engagement", `{"entryPoints":["https://shop.example/"],"engagementAttributes":[]}`, nil, 201)
	return proxytest.Field(t, b, "visitorId"), proxytest.Field(t, b, "sessionId"), proxytest.Field(t, b, "contextId")
}

func createConversation(t testing.TB, base, consumer, vid, sid, ctx, key string) string {
	t.Helper()
	var h http.Header
	if key != "" {
		h = http.Header{"Idempotency-Key": {key}}
	}
	b := post(t, base+"/v1/conversations", `{"consumerId":"`+consumer+`","visitorId":"`+vid+`","sessionId":"`+sid+
		`","campaignId":"1001","engagementId":"2001","contextId":"`+ctx+`"}`, h, 201)
	return proxytest.Field(t, b, "conversationId")
}

// storedAnswers is an Engine that keeps what is stored for keys.
type storedAnswers struct {
	proxy.Engine
	mu      sync.Mutex
	answers []string
}

func (s *storedAnswers) Complete(ctx context.Context, k proxy.IdemKey, token string, a proxy.Answer, ttl time.Duration) error {
	s.mu.Lock()
	s.answers = append(s.answers, string(a.Body))
	s.mu.Unlock()
	return s.Engine.Complete(ctx, k, token, a, ttl)
}

// TestTokenNotStored: a keyed create's answer is stored without its
// conversation token (a credential at rest in a state file or a Durable
// Object); the answer and its replay both carry one that works.
func TestTokenNotStored(t *testing.T) {
	lp := newLP(t)
	st := &storedAnswers{Engine: proxy.NewMemoryEngine(proxy.EngineOptions{})}
	srv, _ := newProxy(t, lp, func(c *proxy.Config) { c.Engine = st })
	vid, sid, ctx := engage(t, srv.URL)
	body := `{"consumerId":"tok","visitorId":"` + vid + `","sessionId":"` + sid + `","campaignId":"1001","engagementId":"2001","contextId":"` + ctx + `"}`
	key := http.Header{"Idempotency-Key": {"k-token"}}
	first := post(t, srv.URL+"/v1/conversations", body, key, 201)
	replay := post(t, srv.URL+"/v1/conversations", body, key, 201)
	if first != replay || proxytest.Field(t, first, "token") == "" {
		t.Errorf("answer %s, replay %s: want one answer with a token", first, replay)
	}
	conv, token := proxytest.Field(t, first, "conversationId"), proxytest.Field(t, first, "token")
	if status, _ := getEvents(t, srv.URL, conv, token, 0); status != 200 {
		t.Errorf("the token does not open the events: %d", status)
	}
	st.mu.Lock()
	defer st.mu.Unlock()
	if len(st.answers) != 1 || strings.Contains(st.answers[0], "token") || !strings.Contains(st.answers[0], conv) {
		t.Errorf("stored %q, want one answer with the conversation and no token", st.answers)
	}
}
