package lptest_test

import (
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/lpedge/lpedge/liveperson/connector"
	"github.com/lpedge/lpedge/liveperson/lptest"
)

// texts are the agent message texts among bodies, in order.
func texts(t *testing.T, got []received) []string {
	t.Helper()
	var out []string
	for _, r := range got {
		n, err := connector.DecodeNotification([]byte(r.body))
		if err != nil {
			t.Fatal(err)
		}
		for _, e := range n.Events {
			if e.Event.Type == connector.EventContent {
				out = append(out, e.Event.Message)
			}
		}
	}
	return out
}

// TestWebhookRetries: only 200 and 201 count; other answers and no
// answer are retried with doubling waits until retention ends, and the
// conversation's next notification waits its turn.
func TestWebhookRetries(t *testing.T) {
	tests := []struct {
		name      string
		answers   []int // answers to the agent message's attempts; 200 after them
		retention time.Duration
		attempts  []int // statuses the deliveries of the message record
		delivered bool
	}{
		{"200 at once", nil, time.Second, []int{200}, true},
		{"201 counts", []int{201}, time.Second, []int{201}, true},
		{"500, 503, then 200", []int{500, 503}, time.Second, []int{500, 503, 200}, true},
		{"202 and 204 are not delivered", []int{202, 204}, time.Second, []int{202, 204, 200}, true},
		{"401 is retried too", []int{401}, time.Second, []int{401, 200}, true},
		{"retention ends", []int{500, 500, 500, 500, 500, 500, 500, 500, 500, 500}, 100 * time.Millisecond, nil, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var mu sync.Mutex
			tries := 0
			rcv := newReceiver(t, func(n int, body string) int {
				if !strings.Contains(body, "first") {
					return 200
				}
				mu.Lock()
				defer mu.Unlock()
				tries++
				if tries <= len(tt.answers) {
					return tt.answers[tries-1]
				}
				return 200
			})
			srv := lptest.NewServer(lptest.WithWebhooks(rcv.URL), lptest.WithWebhookRetry(10*time.Millisecond, 20*time.Millisecond, tt.retention))
			defer srv.Close()
			c := openConsumer(t, srv, "r")
			start := time.Now()
			must(t)(srv.AgentMessage(c.id, "first"))
			must(t)(srv.AgentMessage(c.id, "second"))
			got := rcv.idle(t, srv)
			var statuses []int
			var last lptest.Delivery
			for _, d := range srv.Deliveries() {
				if strings.Contains(d.Body, "first") {
					statuses = append(statuses, d.Status)
					last = d
					if d.Attempt != len(statuses) || d.Event != "ms.MessagingEventNotification.ContentEvent" {
						t.Errorf("delivery %+v", d)
					}
				}
			}
			if tt.attempts != nil && !slices.Equal(statuses, tt.attempts) {
				t.Errorf("attempts answered %v, want %v", statuses, tt.attempts)
			}
			if last.Delivered != tt.delivered {
				t.Errorf("last attempt %+v", last)
			}
			if !tt.delivered && (!strings.Contains(last.Error, "dropped") || len(statuses) < 3 || time.Since(start) > 2*time.Second) {
				t.Errorf("dropped after %d attempts in %v: %+v", len(statuses), time.Since(start), last)
			}
			// Waits double: 10, 20, 20 ms ...
			if tt.name == "500, 503, then 200" && time.Since(start) < 30*time.Millisecond {
				t.Errorf("three attempts in %v", time.Since(start))
			}
			// The second message waits for the first, dropped or delivered.
			if tx := texts(t, got); tx[len(tx)-1] != "second" || tx[0] != "first" || slices.Index(tx, "second") != len(tx)-1 {
				t.Errorf("order %v", tx)
			}
		})
	}
}

// TestWebhookOrder: each conversation's notifications arrive in the
// order they happened, though the endpoint fails some of them, and a
// failing conversation does not hold up the others.
func TestWebhookOrder(t *testing.T) {
	rcv := newReceiver(t, func(n int, body string) int {
		if n%3 == 0 {
			return 503
		}
		return 200
	})
	srv := lptest.NewServer(lptest.WithWebhooks(rcv.URL), fast)
	defer srv.Close()
	const convs, msgs = 4, 15
	var wg sync.WaitGroup
	ids := make([]string, convs)
	for i := range convs {
		ids[i] = openConsumer(t, srv, "order-"+string(rune('a'+i))).id
	}
	for _, id := range ids {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for j := range msgs {
				if _, err := srv.AgentMessage(id, id+" "+string(rune('A'+j))); err != nil {
					t.Error(err)
				}
			}
		}()
	}
	wg.Wait()
	got := rcv.idle(t, srv)
	last := map[string]int64{}
	delivered := map[string]int{}
	for _, r := range got {
		n, err := connector.DecodeNotification([]byte(r.body))
		if err != nil {
			t.Fatal(err)
		}
		for _, e := range n.Events {
			id := e.Conversation()
			if prev, ok := last[id]; ok && e.Sequence < prev {
				t.Errorf("conversation %s: sequence %d after %d", id, e.Sequence, prev)
			}
			last[id] = e.Sequence
		}
	}
	for _, d := range srv.Deliveries() {
		if d.Delivered {
			delivered[d.Conversation]++
		}
	}
	for _, id := range ids {
		// created, accepted, msgs messages
		if delivered[id] != msgs+2 || last[id] != msgs-1 {
			t.Errorf("conversation %s: %d delivered, last sequence %d", id, delivered[id], last[id])
		}
	}
}

// TestWebhookFaults covers each fault kind and its event filter.
func TestWebhookFaults(t *testing.T) {
	content := "ms.MessagingEventNotification.ContentEvent"
	tests := []struct {
		name   string
		faults []lptest.WebhookFault
		texts  []string // agent messages as the endpoint gets them
		check  func(t *testing.T, ds []lptest.Delivery, got []received)
	}{
		{"duplicate", []lptest.WebhookFault{{Kind: lptest.WebhookDuplicate, Event: content}}, []string{"one", "one", "two", "three"},
			func(t *testing.T, ds []lptest.Delivery, got []received) {
				a, b := got[len(got)-4], got[len(got)-3]
				if a.body != b.body || a.header.Get(connector.HeaderSignature) != b.header.Get(connector.HeaderSignature) {
					t.Error("the duplicate differs")
				}
			}},
		{"duplicate always", []lptest.WebhookFault{{Kind: lptest.WebhookDuplicate, Count: lptest.Always, Event: content}},
			[]string{"one", "one", "two", "two", "three", "three"}, nil},
		{"reorder", []lptest.WebhookFault{{Kind: lptest.WebhookReorder, Event: content}}, []string{"two", "one", "three"}, nil},
		{"two reorders cancel out; the last one waits for a next, then goes", []lptest.WebhookFault{{Kind: lptest.WebhookReorder, Delay: 50 * time.Millisecond},
			{Kind: lptest.WebhookReorder, Count: 3, Delay: 50 * time.Millisecond}}, nil, nil},
		{"delay", []lptest.WebhookFault{{Kind: lptest.WebhookDelay, Delay: 150 * time.Millisecond, Event: content}}, []string{"one", "two", "three"},
			func(t *testing.T, ds []lptest.Delivery, got []received) {
				if gap := got[len(got)-3].at.Sub(got[len(got)-4].at); gap < 140*time.Millisecond {
					t.Errorf("delayed by %v", gap)
				}
			}},
		{"fail", []lptest.WebhookFault{{Kind: lptest.WebhookFail, Count: 2, Event: content}}, []string{"one", "two", "three"},
			func(t *testing.T, ds []lptest.Delivery, got []received) {
				failed := 0
				for _, d := range ds {
					if d.Fault == "fail" && d.Attempt == 1 {
						failed++
						if d.Delivered || d.Status != 0 || !strings.Contains(d.Error, "fault") {
							t.Errorf("failed attempt %+v", d)
						}
					}
				}
				if failed != 2 {
					t.Errorf("%d failed attempts", failed)
				}
			}},
		{"another event's fault waits", []lptest.WebhookFault{{Kind: lptest.WebhookDuplicate, Event: "ms.MessagingEventNotification.ChatStateEvent"}},
			[]string{"one", "two", "three"}, nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			rcv := newReceiver(t, nil)
			srv := lptest.NewServer(lptest.WithWebhooks(rcv.URL), fast)
			defer srv.Close()
			c := openConsumer(t, srv, "f")
			must(t)(srv.AgentAccept(c.id))
			rcv.idle(t, srv)
			for i, f := range tt.faults {
				if i == 0 {
					srv.SetWebhookFault(f)
				} else {
					srv.AddWebhookFault(f)
				}
			}
			for _, text := range []string{"one", "two", "three"} {
				must(t)(srv.AgentMessage(c.id, text))
			}
			got := rcv.idle(t, srv)
			want := tt.texts
			if want == nil {
				want = []string{"one", "two", "three"}
			}
			if tx := texts(t, got); strings.Join(tx, " ") != strings.Join(want, " ") {
				t.Errorf("the endpoint got %v, want %v", tx, want)
			}
			if tt.check != nil {
				tt.check(t, srv.Deliveries(), got)
			}
			if tt.name == "another event's fault waits" && len(srv.WebhookFaults()) != 1 {
				t.Errorf("faults %+v", srv.WebhookFaults())
			}
		})
	}
}

// TestWebhookControl covers the webhook routes under /lptest/.
func TestWebhookControl(t *testing.T) {
	rcv := newReceiver(t, nil)
	srv := lptest.NewServer(lptest.WithWebhooks(rcv.URL), fast)
	defer srv.Close()
	for _, tt := range []struct {
		body   string
		status int
		want   string
	}{
		{`{"kind":"duplicate","count":2}`, 200, `"kind": "duplicate"`},
		{`{"kind":"delay","delay":"1ms","add":true,"event":"cqm.ExConversationChangeNotification"}`, 200, `"delay": "1ms"`},
		{`{"kind":"nope"}`, 400, "kind"},
		{`{"kind":"delay"}`, 400, "delay"},
		{`{"kind":"fail","delay":"1s"}`, 400, "delay: only"},
		{`{"kind":"delay","delay":"soon"}`, 400, "delay"},
		{`{"kind":"fail","event":"ContentEvent"}`, 400, "event"},
		{`{"kind":"fail","count":-2}`, 400, "count"},
		{`{"kind":"fail","route":"send"}`, 400, "unknown field"},
		{`{"kind":"fail"}{}`, 400, "one JSON object"},
	} {
		res, b := do(t, "POST", srv.URL+"/lptest/webhooks/faults", tt.body, jsonCT)
		if res.StatusCode != tt.status || !strings.Contains(string(b), tt.want) {
			t.Errorf("POST %s: %d %s", tt.body, res.StatusCode, b)
		}
	}
	var faults []map[string]any
	if getJSON(t, srv.URL+"/lptest/webhooks/faults", &faults) != 200 || len(faults) != 2 || faults[0]["count"] != 2.0 {
		t.Errorf("faults %v", faults)
	}
	if res, _ := do(t, "DELETE", srv.URL+"/lptest/webhooks/faults", ""); res.StatusCode != 204 || len(srv.WebhookFaults()) != 0 {
		t.Errorf("DELETE: %d, %v left", res.StatusCode, srv.WebhookFaults())
	}
	c := openConsumer(t, srv, "ctl")
	must(t)(srv.AgentMessage(c.id, "hi"))
	other := openConsumer(t, srv, "ctl2")
	rcv.idle(t, srv)
	var w struct {
		URL        string            `json:"url"`
		Pending    int               `json:"pending"`
		Deliveries []lptest.Delivery `json:"deliveries"`
	}
	sent := map[string]bool{}
	for _, r := range rcv.requests() {
		sent[r.body] = true
	}
	if getJSON(t, srv.URL+"/lptest/webhooks?conversation="+c.id, &w) != 200 || w.URL != rcv.URL || len(w.Deliveries) != 3 ||
		!sent[w.Deliveries[2].Body] || !strings.Contains(w.Deliveries[2].Body, `"message":"hi"`) {
		t.Errorf("webhooks %+v", w)
	}
	res, b := do(t, "GET", srv.URL+"/lptest/webhooks", "")
	if res.StatusCode != 200 || strings.Contains(string(b), "sha1=") || strings.Contains(string(b), lptest.DefaultClientSecret) || !strings.Contains(string(b), other.id) {
		t.Errorf("the inspector shows a signature or lacks a conversation: %s", b)
	}
	srv.SetWebhookFault(lptest.WebhookFault{Kind: lptest.WebhookFail})
	srv.Reset()
	if len(srv.Deliveries()) != 0 || len(srv.WebhookFaults()) != 0 {
		t.Error("Reset kept webhook state")
	}
}

// TestWebhookReset: a notification waiting for its retry is neither
// retried nor recorded after Reset.
func TestWebhookReset(t *testing.T) {
	rcv := newReceiver(t, func(int, string) int { return 500 })
	srv := lptest.NewServer(lptest.WithWebhooks(rcv.URL), lptest.WithWebhookRetry(100*time.Millisecond, 100*time.Millisecond, time.Minute))
	defer srv.Close()
	openConsumer(t, srv, "reset")
	for i := 0; len(srv.Deliveries()) < 1; i++ { // the first attempt failed: now it waits
		if i == 500 {
			t.Fatal("no first attempt")
		}
		time.Sleep(5 * time.Millisecond)
	}
	srv.Reset()
	n := len(rcv.requests())
	time.Sleep(350 * time.Millisecond) // three retry periods
	if got := len(rcv.requests()); got != n {
		t.Errorf("%d attempts after Reset", got-n)
	}
	if d := srv.Deliveries(); len(d) != 0 {
		t.Errorf("deliveries recorded after Reset: %+v", d)
	}
}

// TestWebhookClose: Close ends deliveries stuck in retries at once.
func TestWebhookClose(t *testing.T) {
	rcv := newReceiver(t, func(int, string) int { return 500 })
	srv := lptest.NewServer(lptest.WithWebhooks(rcv.URL), lptest.WithWebhookRetry(time.Hour, time.Hour, 2*time.Hour))
	openConsumer(t, srv, "stuck")
	for i := 0; len(rcv.requests()) == 0; i++ {
		if i == 2000 {
			t.Fatal("no attempt")
		}
		time.Sleep(5 * time.Millisecond)
	}
	start := time.Now()
	srv.Close()
	if time.Since(start) > 2*time.Second {
		t.Errorf("Close took %v", time.Since(start))
	}
}

func TestWebhookOptions(t *testing.T) {
	srv := lptest.NewServer()
	defer srv.Close()
	for name, f := range map[string]func(){
		"relative URL":     func() { lptest.WithWebhooks("/webhooks") },
		"ftp URL":          func() { lptest.WithWebhooks("ftp://x/") },
		"zero first retry": func() { lptest.WithWebhookRetry(0, time.Second, time.Second) },
		"max below first":  func() { lptest.WithWebhookRetry(time.Second, time.Millisecond, time.Second) },
		"no retention":     func() { lptest.WithWebhookRetry(time.Second, time.Second, 0) },
		"md5":              func() { lptest.WithWebhookSignature("md5") },
		"empty agent":      func() { lptest.WithAgent("") },
		"bad fault":        func() { srv.SetWebhookFault(lptest.WebhookFault{Kind: "x"}) },
	} {
		func() {
			defer func() {
				if recover() == nil {
					t.Errorf("%s: no panic", name)
				}
			}()
			f()
		}()
	}
}
