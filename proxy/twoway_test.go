package proxy_test

import (
	"bufio"
	"context"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"strconv"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/lpedge/lpedge/internal/syncbuf"
	"github.com/lpedge/lpedge/liveperson/lptest"
	"github.com/lpedge/lpedge/proxy"
	"github.com/lpedge/lpedge/proxy/proxytest"
)

// newTwoWay starts a proxy and an lptest that sends its webhooks to it.
func newTwoWay(t testing.TB, edit func(*proxy.Config), opts ...lptest.Option) (*httptest.Server, *lptest.Server, *syncbuf.Buffer) {
	t.Helper()
	var h atomic.Pointer[proxy.Handler]
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { h.Load().ServeHTTP(w, r) }))
	t.Cleanup(srv.Close)
	lp := newLP(t, append([]lptest.Option{lptest.WithWebhooks(srv.URL + "/webhooks/liveperson"),
		lptest.WithWebhookRetry(50*time.Millisecond, 200*time.Millisecond, 10*time.Second)}, opts...)...)
	p, logs := newHandler(t, lp, edit)
	h.Store(p)
	return srv, lp, logs
}

// getEvents reads the log as JSON.
func getEvents(t testing.TB, base, conv, token string, after int) (int, string) {
	t.Helper()
	req, _ := http.NewRequest("GET", base+"/v1/conversations/"+conv+"/events?after="+strconv.Itoa(after), nil)
	req.Header.Set("Accept", "application/json")
	if token != "" {
		req.Header.Set("Authorization", "Bearer "+token)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, string(b)
}

// waitFor polls the JSON form until its body contains want.
func waitFor(t testing.TB, base, conv, token, want string) string {
	t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for {
		status, body := getEvents(t, base, conv, token, 0)
		if status == 200 && strings.Contains(body, want) {
			return body
		}
		if time.Now().After(deadline) {
			t.Fatalf("events never held %s: %d %s", want, status, body)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

func createWithToken(t testing.TB, base, consumer, vid, sid, ctx string) (conv, token string) {
	t.Helper()
	b := post(t, base+"/v1/conversations", `{"consumerId":"`+consumer+`","visitorId":"`+vid+`","sessionId":"`+sid+
		`","campaignId":"1001","engagementId":"2001","contextId":"`+ctx+`"}`, nil, 201)
	return proxytest.Field(t, b, "conversationId"), proxytest.Field(t, b, "token")
}

// TestTwoWay: lptest's agent answers; its webhooks reach the page's
// reader once each across duplicated, reordered and retried deliveries;
// no token or text reaches the logs.
func TestTwoWay(t *testing.T) {
	srv, lp, logs := newTwoWay(t, nil)
	vid, sid, ctx := engage(t, srv.URL)
	conv, token := createWithToken(t, srv.URL, "two-way", vid, sid, ctx)
	const reply = "Yes, size 42 is in stock 👟"

	// A reader waiting on the stream before anything happens.
	streamed := make(chan string, 1)
	go func() {
		req, _ := http.NewRequest("GET", srv.URL+"/v1/conversations/"+conv+"/events", nil)
		req.Header.Set("Authorization", "Bearer "+token)
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			streamed <- err.Error()
			return
		}
		defer resp.Body.Close()
		b, _ := io.ReadAll(resp.Body) // ends after the closed state
		streamed <- string(b)
	}()

	post(t, srv.URL+"/v1/conversations/"+conv+"/messages", `{"consumerId":"two-way","text":"Is the shoe in stock?"}`, nil, 200)
	lp.SetWebhookFault(lptest.WebhookFault{Kind: lptest.WebhookDuplicate, Count: lptest.Always})
	if _, err := lp.AgentMessage(conv, reply); err != nil {
		t.Fatal(err)
	}
	lp.SetWebhookFault(lptest.WebhookFault{Kind: lptest.WebhookFail, Count: 2})
	if _, err := lp.AgentMessage(conv, "second"); err != nil {
		t.Fatal(err)
	}
	lp.SetWebhookFault(lptest.WebhookFault{Kind: lptest.WebhookReorder, Delay: time.Second})
	if _, err := lp.AgentMessage(conv, "third"); err != nil {
		t.Fatal(err)
	}
	if _, err := lp.AgentMessage(conv, "fourth"); err != nil {
		t.Fatal(err)
	}
	lp.ClearWebhookFaults()
	body := waitFor(t, srv.URL, conv, token, `"text":"fourth"`)
	body = waitFor(t, srv.URL, conv, token, `"text":"third"`)
	for _, text := range []string{reply, "second", "third", "fourth", "Is the shoe in stock?"} {
		if n := strings.Count(body, `"text":"`+text+`"`); n != 1 {
			t.Errorf("%q is in the log %d times: %s", text, n, body)
		}
	}
	if !strings.Contains(body, `"state":"accepted"`) {
		t.Errorf("no accepted state: %s", body)
	}

	// Another consumer's token reads nothing.
	conv2, token2 := createWithToken(t, srv.URL, "two-way-other", vid, sid, ctx)
	if status, b := getEvents(t, srv.URL, conv, token2, 0); status != 403 || strings.Contains(b, "stock") {
		t.Errorf("another conversation's token: %d %s", status, b)
	}
	post(t, srv.URL+"/v1/conversations/"+conv2+"/close", `{"consumerId":"two-way-other"}`, nil, 200)

	if _, err := lp.AgentClose(conv); err != nil {
		t.Fatal(err)
	}
	select {
	case s := <-streamed:
		for _, text := range []string{reply, "second", "third", "fourth"} {
			if n := strings.Count(s, text); n != 1 {
				t.Errorf("the stream carried %q %d times:\n%s", text, n, s)
			}
		}
		if i := strings.LastIndex(s, "\ndata: "); i < 0 || !strings.Contains(s[i:], `"state":"closed"`) || !strings.HasSuffix(s, "}\n\n") {
			t.Errorf("the stream did not end with the closed state:\n%s", s)
		}
	case <-time.After(10 * time.Second):
		t.Fatal("the stream did not end after the agent closed the conversation")
	}
	out := logs.String()
	for _, secret := range []string{token, token2, reply, "second", "Is the shoe", lptest.DefaultClientSecret} {
		if strings.Contains(out, secret) {
			t.Errorf("the logs contain %q", secret)
		}
	}
	if !strings.Contains(out, `"route":"webhook"`) || !strings.Contains(out, `"route":"conversation.events"`) {
		t.Errorf("the request log lacks the new routes")
	}
}

// TestLostCreateRecovered: a create whose answer was lost is retried
// without an Idempotency-Key; LivePerson refuses it (open conversation)
// and the proxy answers the open conversation it learnt from the webhook,
// with its token: one conversation.
func TestLostCreateRecovered(t *testing.T) {
	srv, lp, _ := newTwoWay(t, nil)
	vid, sid, ctx := engage(t, srv.URL)
	conv, token := createWithToken(t, srv.URL, "lost", vid, sid, ctx)
	again, token2 := createWithToken(t, srv.URL, "lost", vid, sid, ctx)
	if again != conv || token2 != token {
		t.Errorf("the retried create answered %s, want %s with the same token", again, conv)
	}
	open := 0
	for _, c := range lp.Conversations() {
		if c.State == "OPEN" {
			open++
		}
	}
	if open != 1 {
		t.Errorf("%d open conversations upstream, want 1", open)
	}
	// Closed by the agent: a create opens a new one.
	if _, err := lp.AgentClose(conv); err != nil {
		t.Fatal(err)
	}
	waitFor(t, srv.URL, conv, token, `"state":"closed"`)
	if next, _ := createWithToken(t, srv.URL, "lost", vid, sid, ctx); next == conv {
		t.Error("a create after the close answered the closed conversation")
	}
}

// TestLostCreateAnswer: LivePerson opens the conversation and its answer
// is lost (the hardest failure: the page cannot tell). The page retries
// with its Idempotency-Key and gets the conversation LivePerson opened,
// with its token: one conversation, and its events readable.
func TestLostCreateAnswer(t *testing.T) {
	srv, lp, _ := newTwoWay(t, nil)
	vid, sid, ctx := engage(t, srv.URL)
	body := `{"consumerId":"lost-answer","visitorId":"` + vid + `","sessionId":"` + sid + `","campaignId":"1001","engagementId":"2001","contextId":"` + ctx + `"}`
	key := http.Header{"Idempotency-Key": {"create-1"}}
	lp.SetFault(lptest.RouteConversation, lptest.Fault{Lose: true})
	post(t, srv.URL+"/v1/conversations", body, key, http.StatusServiceUnavailable)
	cs := lp.Conversations()
	if len(cs) != 1 || cs[0].State != lptest.StateOpen {
		t.Fatalf("upstream after the lost answer: %+v", cs)
	}
	b := post(t, srv.URL+"/v1/conversations", body, key, http.StatusCreated)
	conv, token := proxytest.Field(t, b, "conversationId"), proxytest.Field(t, b, "token")
	if conv != cs[0].ID {
		t.Errorf("the retry answered %s, want the conversation LivePerson opened, %s", conv, cs[0].ID)
	}
	if n := len(lp.Conversations()); n != 1 {
		t.Errorf("%d conversations upstream, want 1", n)
	}
	if _, err := lp.AgentMessage(conv, "found you"); err != nil {
		t.Fatal(err)
	}
	waitFor(t, srv.URL, conv, token, `"text":"found you"`)
}

// TestStreamHeartbeat: an idle stream gets ": ping" comments and
// resumes after Last-Event-ID; a reader that goes away ends the handler.
func TestStreamHeartbeat(t *testing.T) {
	srv, lp, logs := newTwoWay(t, func(c *proxy.Config) { c.Heartbeat = 50 * time.Millisecond })
	vid, sid, ctx := engage(t, srv.URL)
	conv, token := createWithToken(t, srv.URL, "beat", vid, sid, ctx)
	lp.AgentMessage(conv, "one")
	body := waitFor(t, srv.URL, conv, token, `"text":"one"`)
	// Resume after the second event: the third and later come.
	var log struct{ Events []struct{ Seq int64 } }
	if err := json.Unmarshal([]byte(body), &log); err != nil || len(log.Events) < 3 {
		t.Fatalf("events %s: %v", body, err)
	}
	second := log.Events[1].Seq
	c, cancel := context.WithCancel(context.Background())
	req, _ := http.NewRequestWithContext(c, "GET", srv.URL+"/v1/conversations/"+conv+"/events", nil)
	req.Header.Set("Authorization", "Bearer "+token)
	req.Header.Set("Last-Event-ID", strconv.FormatInt(second, 10))
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	if ct := resp.Header.Get("Content-Type"); ct != "text/event-stream" {
		t.Errorf("Content-Type %q", ct)
	}
	rd := bufio.NewReader(resp.Body)
	pings, resumed := 0, 0
	for pings < 3 {
		line, err := rd.ReadString('\n')
		if err != nil {
			t.Fatal(err)
		}
		if strings.HasPrefix(line, "id: ") {
			if n, _ := strconv.ParseInt(strings.TrimSpace(line[4:]), 10, 64); n <= second {
				t.Errorf("resumed after %d but got event %d", second, n)
			} else {
				resumed++
			}
		}
		if line == ": ping\n" {
			pings++
		}
	}
	if resumed != len(log.Events)-2 {
		t.Errorf("resumed with %d events, want %d", resumed, len(log.Events)-2)
	}
	cancel()
	resp.Body.Close()
	deadline := time.Now().Add(5 * time.Second)
	for !strings.Contains(logs.String(), `"route":"conversation.events","method":"GET","status":200`) {
		if time.Now().After(deadline) {
			t.Fatal("the stream's handler did not end when its reader went away")
		}
		time.Sleep(10 * time.Millisecond)
	}
}
