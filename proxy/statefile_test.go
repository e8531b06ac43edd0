//go:build !js

package proxy_test

import (
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"strconv"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/lpedge/lpedge/liveperson/connector"
	"github.com/lpedge/lpedge/liveperson/lptest"
	"github.com/lpedge/lpedge/proxy"
	"github.com/lpedge/lpedge/proxy/proxytest"
)

// withStateFile has the proxy keep its state in a new state file, closed
// when t ends.
func withStateFile(t testing.TB) func(*proxy.Config) {
	path := filepath.Join(t.TempDir(), "state.db")
	return func(c *proxy.Config) {
		e, err := proxy.OpenStateFile(path, *c)
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { e.Close() })
		c.Engine = e
	}
}

// TestSpecStateFile runs the shared specification against the proxy with
// a state file.
func TestSpecStateFile(t *testing.T) {
	lp := newLP(t)
	srv, _ := newProxy(t, lp, withStateFile(t))
	proxytest.Run(t, srv.URL, lp, proxytest.Cases)
}

func TestIdempotencyCoalescesStateFile(t *testing.T) {
	lp := newLP(t)
	srv, _ := newProxy(t, lp, withStateFile(t))
	proxytest.CheckCoalescing(t, srv.URL, lp, 8)
}

// TestRestartStateFile restarts the proxy on its state file (a new
// handler and engine at the same address, as a restarted process): the
// retried create gets the first conversation without an upstream call,
// the conversation's events are still there and new ones follow them,
// and the open conversation is still known (a create with another key,
// which LivePerson refuses as open, is answered with it).
func TestRestartStateFile(t *testing.T) {
	path := filepath.Join(t.TempDir(), "state.db")
	var h atomic.Pointer[proxy.Handler]
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { h.Load().ServeHTTP(w, r) }))
	t.Cleanup(srv.Close)
	lp := newLP(t, lptest.WithWebhooks(srv.URL+"/webhooks/liveperson"),
		lptest.WithWebhookRetry(50*time.Millisecond, 200*time.Millisecond, 10*time.Second))
	start := func() *proxy.BoltEngine {
		var e *proxy.BoltEngine
		p, _ := newHandler(t, lp, func(c *proxy.Config) {
			var err error
			if e, err = proxy.OpenStateFile(path, *c); err != nil {
				t.Fatal(err)
			}
			c.Engine = e
			c.OpenConversationWait = 200 * time.Millisecond // without the state, the check below fails fast
		})
		h.Store(p)
		return e
	}
	first := start()
	vid, sid, ctx := engage(t, srv.URL)
	body := `{"consumerId":"restart","visitorId":"` + vid + `","sessionId":"` + sid + `","campaignId":"1001","engagementId":"2001","contextId":"` + ctx + `"}`
	key := http.Header{"Idempotency-Key": {"create-1"}}
	answer := post(t, srv.URL+"/v1/conversations", body, key, http.StatusCreated)
	conv, token := proxytest.Field(t, answer, "conversationId"), proxytest.Field(t, answer, "token")
	if _, err := lp.AgentMessage(conv, "before the restart"); err != nil {
		t.Fatal(err)
	}
	waitFor(t, srv.URL, conv, token, `"text":"before the restart"`)
	waitFor(t, srv.URL, conv, token, `"state":"open"`)
	_, log := getEvents(t, srv.URL, conv, token, 0)

	first.Close()
	start()
	calls := len(lp.Calls())
	if again := post(t, srv.URL+"/v1/conversations", body, key, http.StatusCreated); again != answer {
		t.Errorf("the retry after the restart answered %s, want %s", again, answer)
	}
	if n := len(lp.Calls()) - calls; n != 0 {
		t.Errorf("the retried create made %d upstream calls after the restart, want 0", n)
	}
	if _, got := getEvents(t, srv.URL, conv, token, 0); got != log {
		t.Errorf("the log after the restart:\n%s\nwant\n%s", got, log)
	}
	other := post(t, srv.URL+"/v1/conversations", body, http.Header{"Idempotency-Key": {"create-2"}}, http.StatusCreated)
	if got := proxytest.Field(t, other, "conversationId"); got != conv {
		t.Errorf("a create refused as open after the restart answered %s, want the open %s", got, conv)
	}
	if _, err := lp.AgentMessage(conv, "after the restart"); err != nil {
		t.Fatal(err)
	}
	body2 := waitFor(t, srv.URL, conv, token, `"text":"after the restart"`)
	if strings.Index(body2, "before the restart") > strings.Index(body2, "after the restart") || strings.Count(body2, `"text":"before the restart"`) != 1 {
		t.Errorf("the events after the restart are out of order or repeated: %s", body2)
	}
}

// BenchmarkStateCreate: a create with a new Idempotency-Key through the
// handler (LivePerson answered from memory, as BenchmarkHandler), so that
// each op claims the key and stores the answer; and its replay. With the
// memory engine and with a state file (each write synced).
func BenchmarkStateCreate(b *testing.B) {
	body := `{"consumerId":"c","visitorId":"V","sessionId":"S","campaignId":"1001","engagementId":"2001","contextId":"1"}`
	for _, engine := range []struct {
		name string
		edit func(*proxy.Config)
	}{{"memory", nil}, {"state file", withStateFile(b)}} {
		h := cannedProxy(b, engine.edit)
		do := func(key string) {
			r := httptest.NewRequest("POST", "/v1/conversations", strings.NewReader(body))
			r.Header.Set("Origin", proxytest.Origin)
			r.Header.Set("Content-Type", "application/json")
			r.Header.Set("Idempotency-Key", key)
			w := httptest.NewRecorder()
			h.ServeHTTP(w, r)
			if w.Code != http.StatusCreated {
				b.Fatalf("%d %s", w.Code, w.Body)
			}
		}
		b.Run(engine.name+"/new key", func(b *testing.B) {
			i := 0
			b.ReportAllocs()
			for b.Loop() {
				i++
				do("k-" + strconv.Itoa(i))
			}
		})
		b.Run(engine.name+"/replay", func(b *testing.B) {
			do("replayed")
			b.ReportAllocs()
			for b.Loop() {
				do("replayed")
			}
		})
	}
}

// BenchmarkStateWebhook: a signed webhook with a new agent message
// through the handler (as BenchmarkWebhook), stored by the memory engine
// or the state file (one synced write), one at a time and from 16
// goroutines at once (concurrent writes share a commit).
func BenchmarkStateWebhook(b *testing.B) {
	for _, engine := range []struct {
		name string
		edit func(*proxy.Config)
	}{{"memory", nil}, {"state file", withStateFile(b)}} {
		var n atomic.Int64
		hook := func(b *testing.B, h *proxy.Handler) {
			i := int(n.Add(1))
			body := agentMessage("conv-"+strconv.Itoa(i%256), i, "Yes, size 42 is in stock")
			w := httptest.NewRecorder()
			h.ServeHTTP(w, webhookRequest(body, connector.Sign(connector.SignatureSHA1, "secret", body)))
			if w.Code != 200 {
				b.Fatalf("%d %s", w.Code, w.Body)
			}
		}
		h := cannedProxy(b, engine.edit)
		b.Run(engine.name+"/serial", func(b *testing.B) {
			b.ReportAllocs()
			for b.Loop() {
				hook(b, h)
			}
		})
		b.Run(engine.name+"/parallel", func(b *testing.B) {
			b.SetParallelism(8) // 16 goroutines on 2 cores
			b.RunParallel(func(pb *testing.PB) {
				for pb.Next() {
					hook(b, h)
				}
			})
		})
	}
}
