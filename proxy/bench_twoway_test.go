package proxy_test

import (
	"bufio"
	"context"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"runtime"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/lpedge/lpedge/liveperson/connector"
	"github.com/lpedge/lpedge/proxy"
	"github.com/lpedge/lpedge/proxy/proxytest"
)

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
		bodies[i] = agentMessage("conv-"+strconv.Itoa(i%256), i/256, "Yes, size 42 is in stock")
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
		m := proxy.NewMemoryEngine(proxy.MemoryOptions{Conversations: convs})
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
		full := proxy.NewMemoryEngine(proxy.MemoryOptions{})
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
	conv, token := field(b, created, "conversationId"), field(b, created, "token")
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
