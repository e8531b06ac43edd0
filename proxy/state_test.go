package proxy

import (
	"bytes"
	"context"
	"errors"
	"net/http"
	"net/http/httptest"
	"runtime"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/lpedge/lpedge/liveperson/connector"
)

func ev(key string) Event { return Event{Key: key, Data: []byte(`"type":"x","k":"` + key + `"`)} }

func seqs(evs []Event) string {
	var s []string
	for _, e := range evs {
		s = append(s, strconv.FormatInt(e.Seq, 10)+"="+e.Key)
	}
	return strings.Join(s, ",")
}

// boundedEngines are the engines that EngineOptions bound: the memory
// engine, and natively the state file (boltengine_test.go adds it).
var boundedEngines = []struct {
	name string
	open func(t *testing.T, o EngineOptions) Engine
}{{"memory", func(_ *testing.T, o EngineOptions) Engine { return NewMemoryEngine(o) }}}

func TestBoundedEngines(t *testing.T) {
	for _, e := range boundedEngines {
		t.Run(e.name, func(t *testing.T) {
			t.Run("log", func(t *testing.T) { testEngineLog(t, e.open) })
			t.Run("bounds", func(t *testing.T) { testEngineBounds(t, e.open) })
			t.Run("bytes", func(t *testing.T) { testEngineBytes(t, e.open) })
		})
	}
}

func testEngineLog(t *testing.T, open func(*testing.T, EngineOptions) Engine) {
	ctx := context.Background()
	for _, tc := range []struct {
		name    string
		opts    EngineOptions
		appends [][]Event
		after   int64
		want    string // seqs of Read(after)
		last    int64
		added   int // of the last append
	}{
		{"seqs are consecutive", EngineOptions{}, [][]Event{{ev("a"), ev("b")}, {ev("c")}}, 0, "1=a,2=b,3=c", 3, 1},
		{"read after", EngineOptions{}, [][]Event{{ev("a"), ev("b"), ev("c")}}, 2, "3=c", 3, 3},
		{"after the last", EngineOptions{}, [][]Event{{ev("a")}}, 5, "", 1, 1},
		{"duplicates dropped", EngineOptions{}, [][]Event{{ev("a"), ev("b")}, {ev("b"), ev("a"), ev("c")}}, 0, "1=a,2=b,3=c", 3, 1},
		{"a duplicate within one append", EngineOptions{}, [][]Event{{ev("a"), ev("a")}}, 0, "1=a", 1, 1},
		{"keyless never dropped", EngineOptions{}, [][]Event{{ev(""), ev("")}}, 0, "1=,2=", 2, 2},
		{"bounded: oldest go", EngineOptions{Events: 2}, [][]Event{{ev("a"), ev("b"), ev("c")}}, 0, "2=b,3=c", 3, 3},
		{"bounded: read after a dropped seq", EngineOptions{Events: 2}, [][]Event{{ev("a"), ev("b"), ev("c"), ev("d")}}, 1, "3=c,4=d", 4, 4},
		{"a dropped event's key is still known", EngineOptions{Events: 2}, [][]Event{{ev("a"), ev("b"), ev("c")}, {ev("a")}}, 0, "2=b,3=c", 3, 0},
	} {
		t.Run(tc.name, func(t *testing.T) {
			tc.opts.Now = func() time.Time { return time.UnixMicro(0) } // seqs from 1
			m := open(t, tc.opts)
			var added int
			for _, a := range tc.appends {
				var err error
				if added, err = m.Append(ctx, "c1", a); err != nil {
					t.Fatal(err)
				}
			}
			evs, last, err := m.Read(ctx, "c1", tc.after, 0)
			if err != nil || seqs(evs) != tc.want || last != tc.last || added != tc.added {
				t.Errorf("Read(%d) = %s last %d (added %d), want %s last %d (added %d)", tc.after, seqs(evs), last, added, tc.want, tc.last, tc.added)
			}
		})
	}
}

func testEngineBounds(t *testing.T, open func(*testing.T, EngineOptions) Engine) {
	ctx := context.Background()
	now := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	var mu sync.Mutex
	clock := func() time.Time { mu.Lock(); defer mu.Unlock(); return now }
	m := open(t, EngineOptions{Conversations: 2, Records: 2, TTL: time.Hour, Now: clock})
	for _, c := range []string{"a", "b", "c"} {
		m.Append(ctx, c, []Event{ev("x")})
	}
	if _, last, _ := m.Read(ctx, "a", 0, 0); last != 0 {
		t.Error("the least recently used conversation was kept past the bound")
	}
	if evs, _, _ := m.Read(ctx, "c", 0, 0); len(evs) != 1 {
		t.Error("a recent conversation was dropped")
	}
	mu.Lock()
	now = now.Add(2 * time.Hour)
	mu.Unlock()
	if _, last, _ := m.Read(ctx, "c", 0, 0); last != 0 {
		t.Error("a conversation past its TTL was kept")
	}
	m.SetOpen(ctx, "u1", "a", true)
	m.SetOpen(ctx, "u2", "b", true)
	m.SetOpen(ctx, "u3", "c", true)
	if c, _ := m.OpenConversation(ctx, "u1", 0); c != "" {
		t.Error("the open conversations are not bounded")
	}
	m.SetOpen(ctx, "u3", "other", false)
	if c, _ := m.OpenConversation(ctx, "u3", 0); c != "c" {
		t.Errorf("closing another conversation forgot u3's: %q", c)
	}
	m.SetOpen(ctx, "u3", "c", false)
	if c, _ := m.OpenConversation(ctx, "u3", 0); c != "" {
		t.Error("a closed conversation is still open")
	}
	// Idempotency records: Records answers are kept, the oldest go.
	for _, key := range []string{"k1", "k2", "k3"} {
		k := IdemKey{Scope: "s", Key: key}
		if a, err := m.Claim(ctx, k, [32]byte{}, "t", time.Minute); a != nil || err != nil {
			t.Fatalf("Claim(%s) = %v, %v", key, a, err)
		}
		if err := m.Complete(ctx, k, "t", Answer{Status: 201, Body: []byte(key)}, time.Hour); err != nil {
			t.Fatal(err)
		}
	}
	if a, _ := m.Claim(ctx, IdemKey{Scope: "s", Key: "k1"}, [32]byte{}, "t2", time.Minute); a != nil {
		t.Error("the idempotency records are not bounded")
	}
	if a, _ := m.Claim(ctx, IdemKey{Scope: "s", Key: "k3"}, [32]byte{}, "t2", time.Minute); a == nil || string(a.Body) != "k3" {
		t.Errorf("the newest record was dropped: %v", a)
	}
}

// The byte bound drops whole logs, least recently used first, and counts
// back what they held: the total stays at or under the bound.
func testEngineBytes(t *testing.T, open func(*testing.T, EngineOptions) Engine) {
	ctx := context.Background()
	one := eventBytes(Event{Key: "k00", Data: ev("k00").Data}) + keyBytes("k00")
	m := open(t, EngineOptions{Bytes: 5 * one, Events: 3})
	for i := range 4 {
		m.Append(ctx, "a", []Event{ev("k0" + strconv.Itoa(i))}) // 3 kept, 4 keys
	}
	m.Append(ctx, "b", []Event{ev("k00")})
	m.Append(ctx, "b", []Event{ev("k01")})
	if _, last, _ := m.Read(ctx, "a", 0, 0); last != 0 {
		t.Errorf("over the bound the least recently used log was kept")
	}
	if evs, _, _ := m.Read(ctx, "b", 0, 0); len(evs) != 2 {
		t.Errorf("the log in use lost events: %s", seqs(evs))
	}
	if n := engineBytes(m); n != 2*one {
		t.Errorf("%d bytes counted for two events, want %d", n, 2*one)
	}
	// A log alone over the bound is kept, bounded by Events.
	big := open(t, EngineOptions{Bytes: 1, Events: 2, Now: func() time.Time { return time.UnixMicro(0) }})
	big.Append(ctx, "c", []Event{ev("x1"), ev("x2"), ev("x3")})
	if evs, _, _ := big.Read(ctx, "c", 0, 0); seqs(evs) != "2=x2,3=x3" {
		t.Errorf("a single log over the byte bound: %s", seqs(evs))
	}
}

// engineBytes are the bytes the engine counts for its logs.
func engineBytes(e Engine) int64 {
	switch e := e.(type) {
	case *MemoryEngine:
		e.mu.Lock()
		defer e.mu.Unlock()
		return e.bytes
	case interface{ logBytes() int64 }:
		return e.logBytes()
	}
	return -1
}

// TestMemoryEngineWakes: waiters wake on an append (no polling), time out
// with their context, and waits for an open conversation end when it is
// set.
// wait reads conv after after, waiting as long as ctx lets it.
func wait(ctx context.Context, e Engine, conv string, after int64) error {
	_, _, err := e.Read(ctx, conv, after, time.Hour)
	return err
}

func TestMemoryEngineWakes(t *testing.T) {
	ctx := context.Background()
	m := NewMemoryEngine(EngineOptions{})
	done := make(chan error, 3)
	for range 3 {
		go func() { done <- wait(ctx, m, "c", 0) }()
	}
	time.Sleep(20 * time.Millisecond)
	m.Append(ctx, "c", []Event{ev("a")})
	for range 3 {
		select {
		case err := <-done:
			if err != nil {
				t.Fatal(err)
			}
		case <-time.After(5 * time.Second):
			t.Fatal("a waiter was not woken")
		}
	}
	_, last, _ := m.Read(ctx, "c", 0, 0)
	short, cancel := context.WithTimeout(ctx, 20*time.Millisecond)
	defer cancel()
	if err := wait(short, m, "c", last); err == nil {
		t.Error("Wait returned nil with nothing new")
	}
	got := make(chan string, 1)
	go func() { c, _ := m.OpenConversation(ctx, "u", 5*time.Second); got <- c }()
	time.Sleep(20 * time.Millisecond)
	m.SetOpen(ctx, "u", "conv-1", true)
	select {
	case c := <-got:
		if c != "conv-1" {
			t.Errorf("OpenConversation = %q", c)
		}
	case <-time.After(time.Second):
		t.Fatal("the waiting create was not woken")
	}
	start := time.Now()
	if c, _ := m.OpenConversation(ctx, "nobody", 30*time.Millisecond); c != "" || time.Since(start) > time.Second {
		t.Errorf("OpenConversation(nobody) = %q after %v", c, time.Since(start))
	}
	if len(m.waiters) != 0 || len(m.unlogged) != 0 {
		t.Errorf("%d waiter entries left, %d readers of conversations without a log", len(m.waiters), len(m.unlogged))
	}
}

// Readers of conversations that have no log do not make one: past the
// conversations bound they would push out real logs, which woke their
// readers, which made logs again (a busy loop).
func TestMemoryEngineReadersMakeNoLogs(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	m := NewMemoryEngine(EngineOptions{Conversations: 2})
	m.Append(ctx, "real", []Event{ev("a")})
	done := make(chan error, 4)
	for _, c := range []string{"w1", "w2", "w3", "w4"} {
		go func() { done <- wait(ctx, m, c, 0) }()
	}
	for waiting := 0; waiting < 4; { // all four wait before the check
		m.mu.Lock()
		waiting = len(m.unlogged)
		m.mu.Unlock()
		runtime.Gosched()
	}
	if evs, _, _ := m.Read(ctx, "real", 0, 0); len(evs) != 1 || m.logs.Len() != 1 {
		t.Errorf("readers made logs (%d) or pushed out a real one (%d events left)", m.logs.Len(), len(evs))
	}
	m.Append(ctx, "w1", []Event{ev("b")}) // wakes w1's reader only
	if err := <-done; err != nil {
		t.Fatal(err)
	}
	select {
	case err := <-done:
		t.Fatalf("another reader woke: %v", err)
	case <-time.After(20 * time.Millisecond):
	}
	cancel()
	for range 3 {
		<-done
	}
	m.mu.Lock()
	defer m.mu.Unlock()
	if len(m.unlogged) != 0 {
		t.Errorf("%d readers' entries left after they went", len(m.unlogged))
	}
}

// A new log numbers its events above those of an earlier log of the same
// conversation (a restart, or a log dropped for its bounds), so that a
// reader resuming after its last seq gets the new events.
func TestMemoryEngineSeqsGrowAcrossLogs(t *testing.T) {
	ctx := context.Background()
	now := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	before := NewMemoryEngine(EngineOptions{Now: func() time.Time { return now }})
	before.Append(ctx, "c", []Event{ev("a"), ev("b"), ev("c")})
	_, seen, _ := before.Read(ctx, "c", 0, 0)
	now = now.Add(time.Second) // the restart
	after := NewMemoryEngine(EngineOptions{Now: func() time.Time { return now }})
	after.Append(ctx, "c", []Event{ev("d")})
	if evs, _, _ := after.Read(ctx, "c", seen, 0); len(evs) != 1 || evs[0].Key != "d" || evs[0].Seq <= seen {
		t.Errorf("resuming after %d on the new log: %s", seen, seqs(evs))
	}
	// Dropped and made again within the same microsecond: still above.
	same := NewMemoryEngine(EngineOptions{Conversations: 1, Now: func() time.Time { return now }})
	same.Append(ctx, "c", []Event{ev("a"), ev("b")})
	_, seen1, _ := same.Read(ctx, "c", 0, 0)
	same.Append(ctx, "other", []Event{ev("x")}) // drops c's log
	same.Append(ctx, "c", []Event{ev("c")})
	if evs, _, _ := same.Read(ctx, "c", seen1, 0); len(evs) != 1 || evs[0].Seq <= seen1 {
		t.Errorf("a log made again in the same µs: resuming after %d got %s", seen1, seqs(evs))
	}
	if seen > 1<<53 {
		t.Errorf("seq %d is over 2^53, which JSON does not carry exactly", seen)
	}
}

func TestToken(t *testing.T) {
	const c1, c2 = "0b7e7b2c-1c7a-4a38-9a5e-3f1d2a6b9c01", "0b7e7b2c-1c7a-4a38-9a5e-3f1d2a6b9c02"
	k := newTokenKey("secret")
	tok := k.token(c1)
	if k.token(c1) != tok {
		t.Fatal("tokens are not deterministic")
	}
	other := newTokenKey("other secret").token(c1)
	for _, tc := range []struct {
		name, tok, conv string
		status          int
	}{
		{"its conversation", tok, c1, 0},
		{"another conversation", k.token(c2), c1, 403},
		{"missing", "", c1, 401},
		{"another secret", other, c1, 401},
		{"no dot", strings.ReplaceAll(tok, ".", ""), c1, 401},
		{"truncated MAC", tok[:len(tok)-2], c1, 401},
		{"another conversation's MAC", tok[:strings.IndexByte(tok, '.')] + k.token(c2)[strings.IndexByte(k.token(c2), '.'):], c1, 401},
		{"not base64", "!!.!!", c1, 401},
		{"huge", strings.Repeat("a", 5000) + "." + strings.Repeat("b", 100), c1, 401},
		{"bad id inside", newTokenKey("secret").token("a/b"), "a/b", 401},
	} {
		t.Run(tc.name, func(t *testing.T) {
			err := k.verify(tc.tok, tc.conv)
			if status := 0; err != nil {
				status = err.Status
				if strings.Contains(err.Message, tc.tok) && tc.tok != "" {
					t.Error("the error repeats the token")
				}
				if status != tc.status {
					t.Errorf("status %d (%s), want %d", status, err.Message, tc.status)
				}
			} else if tc.status != 0 {
				t.Errorf("accepted, want %d", tc.status)
			}
		})
	}
	if err := tokenKey(nil).verify(tok, c1); err == nil || err.Status != 401 {
		t.Error("a proxy without a secret accepted a token")
	}
}

func FuzzToken(f *testing.F) {
	const c1, c2 = "0b7e7b2c-1c7a-4a38-9a5e-3f1d2a6b9c01", "0b7e7b2c-1c7a-4a38-9a5e-3f1d2a6b9c02"
	k := newTokenKey("secret")
	f.Add(k.token(c1), c1)
	f.Add(k.token(c2), c1)
	f.Add("a.b", "x")
	f.Fuzz(func(t *testing.T, tok, conv string) {
		err := k.verify(tok, conv)
		if err == nil && tok != k.token(conv) {
			t.Fatalf("token %q accepted for %q", tok, conv)
		}
		if err != nil && err.Status != 401 && err.Status != 403 {
			t.Fatalf("status %d", err.Status)
		}
		if err != nil && err.Status == 403 && checkConversationID(conv) == nil && tok == k.token(conv) {
			t.Fatal("its own token refused")
		}
	})
}

// FuzzWebhook plays signed bodies through the webhook handler: every body
// gets 200 or a 4xx, never a panic or 5xx, and what is stored is valid
// JSON events in order.
func FuzzWebhook(f *testing.F) {
	f.Add([]byte(`{"kind":"notification","type":"ms.MessagingEventNotification.ContentEvent","body":{"changes":[{"sequence":0,"originatorMetadata":{"role":"ASSIGNED_AGENT"},"event":{"type":"ContentEvent","message":"hi 👟","contentType":"text/plain"},"conversationId":"c1","dialogId":"c1"}]}}`))
	f.Add([]byte(`{"kind":"notification","type":"ms.MessagingEventNotification.RichContentEvent","body":{"changes":[{"sequence":1,"event":{"type":"RichContentEvent","content":{"type":"vertical","elements":[]}},"dialogId":"c1"}]}}`))
	f.Add([]byte(`{"kind":"notification","type":"ms.MessagingEventNotification.AcceptStatusEvent","body":{"changes":[{"sequence":2,"originatorMetadata":{"role":"ASSIGNED_AGENT"},"event":{"type":"AcceptStatusEvent","status":"READ","sequenceList":[0]},"dialogId":"c1"}]}}`))
	f.Add([]byte(`{"kind":"notification","type":"cqm.ExConversationChangeNotification","body":{"changes":[{"type":"UPSERT","result":{"convId":"c1","conversationDetails":{"state":"CLOSE","participants":[{"id":"u","role":"CONSUMER"}]}}}]}}`))
	f.Add([]byte(`{"kind":"notification","type":"cqm.ExConversationChangeNotification","body":{"changes":[{"type":"DELETE","result":{"convId":"c1"}}]}}`))
	f.Add([]byte(`{"kind":"x"}`))
	h, err := New(Config{Account: "1", ClientID: "id", ClientSecret: "s", AllowedOrigins: []string{"*"}, Upstream: noUpstream{},
		Logger: discardLogger()})
	if err != nil {
		f.Fatal(err)
	}
	f.Fuzz(func(t *testing.T, body []byte) {
		req := httptest.NewRequest("POST", "/webhooks/liveperson", strings.NewReader(string(body)))
		req.Header.Set(connector.HeaderSignature, connector.Sign(connector.SignatureSHA1, "s", body))
		req.Header.Set(connector.HeaderAccountID, "1")
		req.Header.Set(connector.HeaderClientID, "id")
		w := httptest.NewRecorder()
		h.ServeHTTP(w, req)
		if w.Code != http.StatusOK && (w.Code < 400 || w.Code > 499) {
			t.Fatalf("%d %s", w.Code, w.Body)
		}
		n, err := connector.DecodeNotification(body)
		if (err == nil) != (w.Code == http.StatusOK) {
			t.Fatalf("decoder says %v, handler %d", err, w.Code)
		}
		if err != nil {
			return
		}
		for _, e := range n.Events {
			conv := e.Conversation()
			evs, last, _ := h.state.Read(context.Background(), conv, 0, 0)
			for i, e := range evs {
				if e.Seq > last || i > 0 && e.Seq != evs[i-1].Seq+1 {
					t.Fatalf("seqs out of order: %s", seqs(evs))
				}
				if !validJSON(e.AppendJSON(nil)) {
					t.Fatalf("stored %s", e.AppendJSON(nil))
				}
			}
		}
	})
}

// unflushed is a ResponseWriter that cannot flush, as a Worker's.
type unflushed struct{ http.ResponseWriter }

// TestStreamWithoutFlush: where the answer is buffered (a Worker), a
// stream ends after its first write, a long poll that the EventSource
// resumes: else it would never reach the reader.
func TestStreamWithoutFlush(t *testing.T) {
	h, err := New(Config{Account: "1", ClientID: "id", ClientSecret: "s", AllowedOrigins: []string{"*"}, Upstream: noUpstream{},
		Logger: discardLogger()})
	if err != nil {
		t.Fatal(err)
	}
	const conv = "0a5c1e52-7f3b-4c1d-9e2a-3b4c5d6e7f80"
	h.state.Append(context.Background(), conv, []Event{ev("a")})
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	req := httptest.NewRequestWithContext(ctx, "GET", "/v1/conversations/"+conv+"/events", nil)
	req.Header.Set("Authorization", "Bearer "+h.tokens.token(conv))
	w := httptest.NewRecorder()
	h.ServeHTTP(unflushed{w}, req)
	if ctx.Err() != nil || w.Code != 200 || strings.Count(w.Body.String(), "data: ") != 1 {
		t.Errorf("the stream did not end after its first write: %d %q (%v)", w.Code, w.Body, ctx.Err())
	}
}

// TestIdempotencyWaitBudget: a request that waits for another with its
// key shares one budget with its own call: when its time is up it is
// answered 503 "still in progress" and makes no call of its own, rather
// than waiting out the claim's lease and then calling past the server's
// deadline.
func TestIdempotencyWaitBudget(t *testing.T) {
	h, err := New(Config{Account: "1", ClientID: "id", ClientSecret: "s", AllowedOrigins: []string{"*"}, Upstream: noUpstream{},
		Logger: discardLogger(), RequestTimeout: 50 * time.Millisecond})
	if err != nil {
		t.Fatal(err)
	}
	k := IdemKey{Scope: "c", Key: "create\x00\x00k"}
	inCall, release := make(chan struct{}), make(chan struct{})
	first := make(chan error, 1)
	go func() {
		_, _, err := h.idempotent(context.Background(), k, []byte("b"), func() (int, []byte, error) {
			close(inCall)
			<-release // the claimant is slow: it outlives the waiter's budget
			return 201, []byte("{}"), nil
		})
		first <- err
	}()
	<-inCall
	ctx, cancel := context.WithTimeout(context.Background(), 50*time.Millisecond)
	defer cancel()
	called := false
	_, _, err = h.idempotent(ctx, k, []byte("b"), func() (int, []byte, error) { called = true; return 201, nil, nil })
	close(release)
	var ae *apiError
	if !errors.As(err, &ae) || ae.Status != 503 || !strings.Contains(ae.Message, "still in progress") || ae.RetryAfter <= 0 || called {
		t.Errorf("the waiter: %v (called %v), want 503 'still in progress' with Retry-After and no call", err, called)
	}
	if err := <-first; err != nil {
		t.Errorf("the claimant: %v", err)
	}
}

// TestEventsInParts: a log longer than one engine answer (ReadBytes)
// reaches the reader whole, read in parts without waiting: as JSON, and
// in one buffered stream (a Worker's) before it ends.
func TestEventsInParts(t *testing.T) {
	h, err := New(Config{Account: "1", ClientID: "id", ClientSecret: "s", AllowedOrigins: []string{"*"}, Upstream: noUpstream{},
		Logger: discardLogger()})
	if err != nil {
		t.Fatal(err)
	}
	const conv, n = "0a5c1e52-7f3b-4c1d-9e2a-3b4c5d6e7f80", 24
	evs := make([]Event, n)
	for i := range evs {
		evs[i] = Event{Key: strconv.Itoa(i), Data: []byte(`"type":"message","text":"` + strings.Repeat("x", 100_000) + `"`)}
	}
	if _, err := h.state.Append(context.Background(), conv, evs); err != nil {
		t.Fatal(err)
	}
	if part, last, _ := h.state.Read(context.Background(), conv, 0, 0); !Partial(part, last) {
		t.Fatalf("%d events of 100 kB in one answer: the log is not longer than one answer", len(part))
	}
	for _, c := range []struct {
		name   string
		accept string
		w      func(http.ResponseWriter) http.ResponseWriter
		count  string
	}{
		{"json", "application/json", func(w http.ResponseWriter) http.ResponseWriter { return w }, `{"seq":`},
		{"buffered stream", "text/event-stream", func(w http.ResponseWriter) http.ResponseWriter { return unflushed{w} }, "data: "},
	} {
		t.Run(c.name, func(t *testing.T) {
			ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
			defer cancel()
			req := httptest.NewRequestWithContext(ctx, "GET", "/v1/conversations/"+conv+"/events", nil)
			req.Header.Set("Authorization", "Bearer "+h.tokens.token(conv))
			req.Header.Set("Accept", c.accept)
			w := httptest.NewRecorder()
			h.ServeHTTP(c.w(w), req)
			if got := strings.Count(w.Body.String(), c.count); ctx.Err() != nil || w.Code != 200 || got != n {
				t.Errorf("%d: %d events (%v), want %d", w.Code, got, ctx.Err(), n)
			}
		})
	}
}

// TestWebhookLateOpen: LivePerson retries and reorders conversation
// changes; a conversation seen closing (an UPSERT in state CLOSE, or a
// DELETE) is never the consumer's open one again, whatever comes late.
func TestWebhookLateOpen(t *testing.T) {
	h, err := New(Config{Account: "12345678", ClientID: "id", ClientSecret: "secret", AllowedOrigins: []string{"*"},
		Upstream: noUpstream{}, Logger: discardLogger()})
	if err != nil {
		t.Fatal(err)
	}
	const x, y = "0a5c1e52-7f3b-4c1d-9e2a-3b4c5d6e7f80", "1b6d2f63-8a4c-4d2e-8f3b-4c5d6e7f8091"
	change := func(typ, conv, state string) []byte {
		return []byte(`{"kind":"notification","body":{"changes":[{"type":"` + typ + `","result":{"convId":"` + conv + `",` +
			`"conversationDetails":{"state":"` + state + `","stage":"` + state + `","startTs":1700000000000,` +
			`"participants":[{"id":"lp-1","role":"CONSUMER"}]}}}]},"type":"cqm.ExConversationChangeNotification"}`)
	}
	for i, step := range []struct {
		typ, conv, state, want string
	}{
		{"UPSERT", x, "OPEN", x},
		{"UPSERT", x, "CLOSE", ""},
		{"UPSERT", x, "OPEN", ""}, // a retry of the first, late
		{"UPSERT", y, "OPEN", y},
		{"UPSERT", x, "OPEN", y}, // late again, once y opened
		{"DELETE", y, "OPEN", ""},
		{"UPSERT", y, "OPEN", ""},
	} {
		body := change(step.typ, step.conv, step.state)
		r := httptest.NewRequest("POST", "/webhooks/liveperson", bytes.NewReader(body))
		r.Header.Set(connector.HeaderSignature, connector.Sign(connector.SignatureSHA1, "secret", body))
		r.Header.Set(connector.HeaderAccountID, "12345678")
		r.Header.Set(connector.HeaderClientID, "id")
		w := httptest.NewRecorder()
		h.ServeHTTP(w, r)
		if w.Code != http.StatusOK {
			t.Fatalf("step %d: %d %s", i, w.Code, w.Body)
		}
		if got, _ := h.state.OpenConversation(context.Background(), "lp-1", 0); got != step.want {
			t.Errorf("step %d (%s %s %s): the open conversation is %q, want %q", i, step.typ, step.conv[:4], step.state, got, step.want)
		}
	}
}
