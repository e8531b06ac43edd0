//go:build !js

package e2e

import (
	"bufio"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"os"
	"slices"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/lpedge/lpedge/liveperson/lptest"
	"github.com/lpedge/lpedge/proxy"
)

// BenchmarkAgentReply measures how long an agent's message takes to reach
// the page's conversation.on("message") callback natively on loopback:
// lptest's agent action posts the signed webhook to the real proxy, whose
// event log wakes the page's stream, which the tag in Chromium hands to
// the callback. The page holds only the tag. Messages go gap apart
// (default 100 ms, GAP=...) and the page is not polled meanwhile (a
// DevTools call per millisecond delays the page's own work by tens of
// ms). It reports p50 and p99 in ms of three readers of the same stream:
// the tag's callback (callback-*), a plain fetch reader in the same page
// (fetch-*: what Chromium alone takes) and a Go client (proxy-*).
//
//	go test -run '^$' -bench AgentReply -benchtime 200x ./wasm/e2e
func BenchmarkAgentReply(b *testing.B) {
	gap := 100 * time.Millisecond
	if g, err := time.ParseDuration(os.Getenv("GAP")); err == nil {
		gap = g
	}
	// The proxy's address is known before the proxy, which needs lptest's.
	px := httptest.NewUnstartedServer(nil)
	lp := lptest.NewServer(lptest.WithEngagement(lptest.Everyone), lptest.WithWebhooks("http://"+px.Listener.Addr().String()+"/webhooks/liveperson"))
	defer lp.Close()
	h, err := proxy.New(proxy.Config{
		Account: lptest.DefaultAccount, AppInstallationID: lptest.DefaultApp,
		ClientID: lptest.DefaultClientID, ClientSecret: lptest.DefaultClientSecret,
		DomainAPI: lp.URL, TestDomain: "127.0.0.1", AllowedOrigins: []string{"*"},
		RateLimit: -1, Assets: os.DirFS(assets), Logger: slog.New(slog.DiscardHandler),
	})
	if err != nil {
		b.Fatal(err)
	}
	px.Config.Handler = h
	px.Start()
	defer func() {
		px.CloseClientConnections() // the page's streams end only with their connection
		px.Close()
	}()
	s := site(b, map[string]page{"chat": {Loader: px.URL + "/lpedge.js",
		Attrs:  map[string]string{"account": lptest.DefaultAccount, "proxy": px.URL},
		Script: `window.__callback = []; lpedge.conversation.on("message", m => { if (!m.own) __callback.push(performance.timeOrigin + performance.now()) })`}})
	ctx, console := newBrowser(b)
	defer func() {
		if b.Failed() {
			for _, m := range console.Messages() {
				b.Log(m)
			}
		}
	}()
	open(b, ctx, s.URL+"/chat")
	id := eval[map[string]string](b, ctx, `lpedge.conversation.start({message: "Hello"})`)["conversationId"]
	// The tag keeps "id token last readNext" in sessionStorage.
	token := strings.Fields(eval[string](b, ctx, `sessionStorage.getItem("lpedge:v1:`+lptest.DefaultAccount+`:conversation")`))[1]
	if _, err := lp.AgentAccept(id); err != nil {
		b.Fatal(err)
	}

	// The other two readers, from the next event on.
	url := px.URL + "/v1/conversations/" + id + "/events?after=1000000"
	exec(b, ctx, `window.__fetch = []; fetch(`+strconv.Quote(url)+`, {headers: {Authorization: "Bearer `+token+`"}}).then(r => {
		const rd = r.body.getReader(), dec = new TextDecoder();
		let buf = "";
		const pump = () => rd.read().then(({value, done}) => {
			if (done) return;
			const now = performance.timeOrigin + performance.now(), events = (buf + dec.decode(value, {stream: true})).split("\n\n");
			buf = events.pop();
			events.forEach(e => { if (e.includes('"ASSIGNED_AGENT"')) __fetch.push(now); });
			pump();
		});
		pump(); })`)
	var mu sync.Mutex
	var proxyAt []float64
	req, _ := http.NewRequest(http.MethodGet, url, nil)
	req.Header.Set("Authorization", "Bearer "+token)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		b.Fatal(err)
	}
	defer resp.Body.Close()
	go func() {
		for sc := bufio.NewScanner(resp.Body); sc.Scan(); {
			if strings.Contains(sc.Text(), `"ASSIGNED_AGENT"`) {
				mu.Lock()
				proxyAt = append(proxyAt, float64(time.Now().UnixNano())/1e6)
				mu.Unlock()
			}
		}
	}()
	time.Sleep(200 * time.Millisecond)

	sent := make([]float64, 0, b.N)
	b.ResetTimer()
	for i := range b.N {
		sent = append(sent, float64(time.Now().UnixNano())/1e6)
		if _, err := lp.AgentMessage(id, "reply "+strconv.Itoa(i)); err != nil {
			b.Fatal(err)
		}
		time.Sleep(gap)
	}
	b.StopTimer()
	eventually(b, "every message at the callback", func() bool { return len(eval[[]float64](b, ctx, `__callback`)) >= b.N })
	mu.Lock()
	defer mu.Unlock()
	for _, r := range []struct {
		name string
		at   []float64
	}{{"callback", eval[[]float64](b, ctx, `__callback`)}, {"fetch", eval[[]float64](b, ctx, `__fetch`)}, {"proxy", proxyAt}} {
		if len(r.at) != b.N {
			b.Fatalf("%s: %d arrivals, want %d", r.name, len(r.at), b.N)
		}
		lat := make([]float64, b.N)
		for i := range lat {
			lat[i] = r.at[i] - sent[i]
		}
		slices.Sort(lat)
		b.ReportMetric(lat[len(lat)/2], r.name+"-p50-ms")
		b.ReportMetric(lat[len(lat)*99/100], r.name+"-p99-ms")
	}
	b.ReportMetric(0, "ns/op")
}
