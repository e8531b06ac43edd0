package tag

import (
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"
)

// fakeChatHost is the Tag as a Conversation sees it.
type fakeChatHost struct {
	mu      sync.Mutex
	replies []func()
	session Memory
	logs    []string
}

func (h *fakeChatHost) lock() { h.mu.Lock() }
func (h *fakeChatHost) unlock() {
	r := h.replies
	h.replies = nil
	h.mu.Unlock()
	for _, f := range r {
		f()
	}
}
func (h *fakeChatHost) reply(f func())         { h.replies = append(h.replies, f) }
func (h *fakeChatHost) consumerID() string     { return "c0" }
func (h *fakeChatHost) randomHex(n int) string { return strings.Repeat("k", 2*n) }
func (h *fakeChatHost) logf(msg string)        { h.logs = append(h.logs, msg) }
func (h *fakeChatHost) save(r string) {
	if r == "" {
		delete(h.session, "conversation")
		return
	}
	h.session["conversation"] = r
}
func (h *fakeChatHost) saved() string { return h.session["conversation"] }

// chatHarness is a Conversation with fakes around it.
type chatHarness struct {
	*Conversation
	host    *fakeChatHost
	clock   *fakeClock
	tr      *fakeTransport
	stream  *fakeStream
	emit    *fakeEmit
	console *fakeConsole
	page    *fakePage
}

func newChat(t *testing.T) *chatHarness {
	h := &chatHarness{host: &fakeChatHost{session: Memory{}}, clock: &fakeClock{now: time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC)},
		tr: &fakeTransport{}, stream: &fakeStream{}, emit: &fakeEmit{listeners: 1}, console: &fakeConsole{}, page: &fakePage{}}
	h.start()
	return h
}

// start makes the page's Conversation, restoring what an earlier page
// of the tab stored, as a reload does.
func (h *chatHarness) start() {
	h.Conversation = newConversation(chatEnv{Clock: h.clock, Transport: h.tr, Console: h.console, Page: h.page,
		Stream: h.stream, Emit: h.emit.emit, Proxy: "https://edge.example", Claim: claim}, h.host)
	h.host.lock()
	h.restore()
	h.host.unlock()
}

// reload is a new page on the same sessionStorage.
func (h *chatHarness) reload() {
	if c := h.stream.live(); c != nil {
		c.stopped = true // the browser ends the old page's fetches
	}
	h.tr.waiting, h.tr.reqs, h.clock.timers = nil, nil, nil
	h.emit.got = nil
	h.start()
}

// opened is a conversation just created, its stream open.
func opened(t *testing.T) *chatHarness {
	t.Helper()
	h := newChat(t)
	var id string
	h.host.lock()
	h.open(StartOptions{}, Context{CampaignID: 1, EngagementID: 2}, func(s string, err error) { id = s })
	h.host.unlock()
	h.tr.answer(t, 201, `{"conversationId":"conv-1","token":"tok-1"}`)
	if id != "conv-1" || h.stream.live() == nil {
		t.Fatalf("start: %q, stream %v", id, h.stream.live())
	}
	return h
}

// call runs f as an entry point from the page.
func (h *chatHarness) call(f func()) {
	h.host.lock()
	f()
	h.host.unlock()
}

func msg(seq int, role string, sequence int) string {
	return `{"seq":` + strconv.Itoa(seq) + `,"type":"message","sequence":` + strconv.Itoa(sequence) + `,"time":1,"role":"` + role + `","text":"m` + strconv.Itoa(sequence) + `"}`
}

func TestConversationStream(t *testing.T) {
	h := opened(t)
	c := h.stream.live()
	if c.url != "https://edge.example/v1/conversations/conv-1/events?after=0&"+claim || c.token != "tok-1" {
		t.Errorf("stream %s with token %q", c.url, c.token)
	}
	if got := h.host.session["conversation"]; got != "conv-1 tok-1 0 0" {
		t.Errorf("stored %q", got)
	}
	for _, tc := range []struct {
		name, data string
		want       string // what the page's listeners get; "" none
	}{
		{"accepted", `{"seq":1,"type":"state","state":"accepted","time":5}`, `state {"seq":1,"type":"state","state":"accepted","time":5,"own":false}`},
		{"the agent's message", msg(2, "ASSIGNED_AGENT", 1), `message ` + msg(2, "ASSIGNED_AGENT", 1)[:len(msg(2, "ASSIGNED_AGENT", 1))-1] + `,"own":false}`},
		{"the shopper's own, echoed", msg(3, "CONSUMER", 0), `message ` + msg(3, "CONSUMER", 0)[:len(msg(3, "CONSUMER", 0))-1] + `,"own":true}`},
		{"a seq seen", msg(3, "CONSUMER", 0), ""},
		{"an older seq", msg(1, "ASSIGNED_AGENT", 7), ""},
		{"typing", `{"seq":4,"type":"typing","role":"ASSIGNED_AGENT","typing":true,"time":6}`, `typing {"seq":4,"type":"typing","role":"ASSIGNED_AGENT","typing":true,"time":6,"own":false}`},
		{"the agent read", ` {"seq":5,"type":"read","role":"ASSIGNED_AGENT","status":"READ","sequences":[0],"time":7} `, `read {"seq":5,"type":"read","role":"ASSIGNED_AGENT","status":"READ","sequences":[0],"time":7,"own":false}`},
		{"the shopper's own receipt", `{"seq":6,"type":"read","role":"CONSUMER","status":"READ","sequences":[1]}`, ""},
		{"an unknown type", `{"seq":7,"type":"future"}`, ""},
		{"not JSON", `{"seq":8,`, ""},
		{"no seq", `{"type":"message"}`, ""},
		{"not an object", `[1]`, ""},
	} {
		h.emit.got = nil
		logs := len(h.host.logs)
		c.send(tc.data)
		if got := strings.Join(h.emit.got, "\n"); got != tc.want {
			t.Errorf("%s: listeners got %q, want %q", tc.name, got, tc.want)
		}
		// What is not the proxy's JSON is a debug note, not dropped in silence.
		noted := len(h.host.logs) > logs && strings.Contains(h.host.logs[len(h.host.logs)-1], "not the proxy's JSON")
		if bad := tc.name == "not JSON" || tc.name == "not an object"; noted != bad {
			t.Errorf("%s: debug note %v, want %v (%q)", tc.name, noted, bad, h.host.logs[logs:])
		}
	}
	if h.last != 7 || h.host.session["conversation"] != "conv-1 tok-1 7 0" {
		t.Errorf("last %d, stored %q", h.last, h.host.session["conversation"])
	}
}

// A broken stream resumes after the last seq with growing pauses; events
// the resumed stream repeats reach the page once.
func TestConversationReconnect(t *testing.T) {
	h := opened(t)
	h.stream.live().send(msg(1, "ASSIGNED_AGENT", 0), msg(2, "ASSIGNED_AGENT", 1))
	var pauses []time.Duration
	for i := 0; i < 7; i++ {
		h.stream.live().close(Response{Err: errorString("network")})
		start := h.clock.now
		for h.stream.live() == nil {
			h.clock.advance(100 * time.Millisecond)
		}
		pauses = append(pauses, h.clock.now.Sub(start))
	}
	want := []time.Duration{1, 2, 4, 8, 16, 30, 30}
	for i := range want {
		if pauses[i] != want[i]*time.Second {
			t.Fatalf("reconnect pauses %v, want %v s", pauses, want)
		}
	}
	c := h.stream.live()
	if !strings.HasSuffix(c.url, "/events?after=2&"+claim) {
		t.Errorf("resumed at %s, want after=2", c.url)
	}
	h.emit.got = nil
	c.send(msg(2, "ASSIGNED_AGENT", 1), msg(3, "ASSIGNED_AGENT", 2))
	if len(h.emit.got) != 1 || !strings.Contains(h.emit.got[0], `"seq":3`) {
		t.Errorf("after the resume the page got %q, want seq 3 once", h.emit.got)
	}
	// An event resets the pauses; a 200 that ends is resumed too.
	c.close(Response{Status: 200})
	h.clock.advance(time.Second)
	if h.stream.live() == nil {
		t.Fatal("no reconnect 1 s after an event")
	}
	// Online reconnects at once.
	h.stream.live().close(Response{Status: 502})
	h.call(h.online)
	if h.stream.live() == nil {
		t.Error("online did not reconnect at once")
	}
}

// Where the proxy cannot flush (Cloudflare Workers), each stream ends
// after its first write, events or a ping: a long poll. Its normal end
// (200) is resumed at once, with no fake time passing; a 200 that
// carried nothing and a failure keep their pause.
func TestConversationLongPoll(t *testing.T) {
	h := opened(t)
	start := h.clock.now
	for i, data := range []string{msg(1, "ASSIGNED_AGENT", 0), "", msg(2, "ASSIGNED_AGENT", 1)} {
		c := h.stream.live()
		c.send(data) // "": a ping
		c.close(Response{Status: 200})
		h.clock.tick()
		if h.stream.live() == nil || len(h.stream.all) != i+2 {
			t.Fatalf("after long poll %d (%q): %d streams, one live: %v; want a new one at once", i+1, data, len(h.stream.all), h.stream.live() != nil)
		}
	}
	if elapsed := h.clock.now.Sub(start); elapsed != 0 {
		t.Errorf("three long polls took %v of fake time, want 0", elapsed)
	}
	if c := h.stream.live(); !strings.HasSuffix(c.url, "/events?after=2&"+claim) {
		t.Errorf("resumed at %s, want after=2", c.url)
	}
	for _, tc := range []struct {
		name string
		data []string
		end  Response
	}{
		{"a 200 with nothing", nil, Response{Status: 200}},
		{"a 502 after an event", []string{msg(3, "ASSIGNED_AGENT", 2)}, Response{Status: 502}},
		{"a break after a ping", []string{""}, Response{Err: errorString("network")}},
	} {
		c := h.stream.live()
		c.send(tc.data...)
		c.close(tc.end)
		h.clock.tick()
		if h.stream.live() != nil {
			t.Errorf("%s: reconnected at once, want a pause", tc.name)
		}
		h.clock.advance(time.Second)
		if h.stream.live() == nil {
			t.Fatalf("%s: no reconnect 1 s later", tc.name)
		}
	}
}

type errorString string

func (e errorString) Error() string { return string(e) }

// A refused stream is given up with a console error naming the cause.
func TestConversationRefused(t *testing.T) {
	for _, tc := range []struct {
		status int
		code   string // the proxy's error code
		want   string // in the console error; "" a reconnect
	}{
		{401, "unauthorized", "token is missing"},
		{403, "forbidden", "another conversation's"},
		{404, "not_found", "data-proxy"},
		{400, "bad_request", "answered 400 bad_request: id"},
		{429, "rate_limited", ""},
		{500, "internal_error", ""},
		{503, "upstream_unavailable", ""},
	} {
		h := opened(t)
		h.stream.live().close(Response{Status: tc.status, Body: []byte(`{"error":{"code":"` + tc.code + `","message":"id"}}`)})
		h.clock.advance(time.Minute)
		reconnected := h.stream.live() != nil
		if tc.want == "" {
			if !reconnected || len(h.console.errors) > 0 {
				t.Errorf("%d: reconnected %v, errors %q", tc.status, reconnected, h.console.errors)
			}
			continue
		}
		if reconnected || len(h.console.errors) != 1 || !strings.Contains(h.console.errors[0], tc.want) || !strings.Contains(h.console.errors[0], "conv-1") {
			t.Errorf("%d: reconnected %v, errors %q, want one naming %q", tc.status, reconnected, h.console.errors, tc.want)
		}
	}
}

// After a reload the stream starts over, so the page gets the history
// once; the earlier page's typing is not replayed, its receipts not
// sent again; then live events follow.
func TestConversationReload(t *testing.T) {
	h := opened(t)
	history := []string{`{"seq":1,"type":"state","state":"accepted"}`, msg(2, "CONSUMER", 0), msg(3, "ASSIGNED_AGENT", 1),
		`{"seq":4,"type":"typing","role":"ASSIGNED_AGENT","typing":true}`}
	h.stream.live().send(history...)
	h.clock.tick()
	if r := h.tr.answer(t, 200, `{}`); !strings.HasSuffix(r.URL, "/read?"+claim) || !strings.Contains(r.Body, `"sequences":[1]`) {
		t.Fatalf("read receipt %s %s", r.URL, r.Body)
	}
	h.reload()
	c := h.stream.live()
	if c == nil || !strings.HasSuffix(c.url, "/conv-1/events?after=0&"+claim) || c.token != "tok-1" {
		t.Fatalf("after the reload: stream %+v", c)
	}
	c.send(history...)
	c.send(history...) // a stream that repeats: still once
	c.send(msg(5, "ASSIGNED_AGENT", 2))
	var got []string
	for _, e := range h.emit.got {
		got = append(got, e[:strings.Index(e, " ")])
	}
	if strings.Join(got, ",") != "state,message,message,message" {
		t.Errorf("after the reload the page got %q", h.emit.got)
	}
	h.clock.tick()
	if len(h.tr.reqs) != 1 || !strings.Contains(h.tr.reqs[0].Body, `"sequences":[2]`) {
		t.Errorf("read receipts after the reload: %+v, want sequence 2 alone", h.tr.reqs)
	}
	// An older tag stored the id alone: no stream, but send still works.
	h.host.session["conversation"] = "conv-0"
	h.stream.all = nil
	h.reload()
	if h.id != "conv-0" || h.stream.live() != nil {
		t.Errorf("an id alone: id %q, stream %v", h.id, h.stream.live())
	}
}

// Messages of the other side that a listener got are read: once each,
// in one request per tick, when the page is visible.
func TestConversationReads(t *testing.T) {
	for _, tc := range []struct {
		name      string
		listeners int
		hidden    bool
		events    []string
		want      []string // the bodies' sequences, per request
	}{
		{"two in a tick", 1, false, []string{msg(1, "ASSIGNED_AGENT", 0), msg(2, "ASSIGNED_AGENT", 1)}, []string{"[0,1]"}},
		{"own messages are not", 1, false, []string{msg(1, "CONSUMER", 0), msg(2, "ASSIGNED_AGENT", 1)}, []string{"[1]"}},
		{"no listener: not shown", 0, false, []string{msg(1, "ASSIGNED_AGENT", 0)}, nil},
		{"hidden: when visible", 1, true, []string{msg(1, "ASSIGNED_AGENT", 4)}, []string{"[4]"}},
	} {
		h := opened(t)
		h.emit.listeners, h.page.hidden = tc.listeners, tc.hidden
		h.stream.live().send(tc.events...)
		h.clock.tick()
		if tc.hidden {
			if len(h.tr.reqs) > 0 {
				t.Errorf("%s: read while hidden: %v", tc.name, h.tr.reqs)
			}
			h.page.hidden = false
			h.call(h.visible) // Tag.Show
			h.clock.tick()
		}
		var got []string
		for len(h.tr.reqs) > 0 {
			r := h.tr.answer(t, 200, `{}`)
			if !strings.HasSuffix(r.URL, "/v1/conversations/conv-1/read?"+claim) || !strings.HasPrefix(r.Body, `{"consumerId":"c0","sequences":`) {
				t.Errorf("%s: %s %s", tc.name, r.URL, r.Body)
			}
			got = append(got, r.Body[len(`{"consumerId":"c0","sequences":`):len(r.Body)-1])
		}
		if strings.Join(got, " ") != strings.Join(tc.want, " ") {
			t.Errorf("%s: read receipts %q, want %q", tc.name, got, tc.want)
		}
	}
	// A webhook delivered late logs a lower sequence after a higher one
	// was read: it is read too (the mark is the log's seq).
	{
		h := opened(t)
		h.emit.listeners = 1
		h.stream.live().send(msg(1, "ASSIGNED_AGENT", 3))
		h.clock.tick()
		h.stream.live().send(msg(2, "ASSIGNED_AGENT", 2))
		h.clock.tick()
		var got []string
		for ; len(h.tr.reqs) > 0; h.clock.tick() { // one in flight at a time
			r := h.tr.answer(t, 200, `{}`)
			got = append(got, r.Body[len(`{"consumerId":"c0","sequences":`):len(r.Body)-1])
		}
		if strings.Join(got, " ") != "[3] [2]" {
			t.Errorf("reordered: read receipts %q, want [3] [2]", got)
		}
	}
	// More than a receipt may carry in a tick: the newest 100.
	h := opened(t)
	for i := 1; i <= 150; i++ {
		h.stream.live().send(msg(i, "ASSIGNED_AGENT", i))
	}
	h.clock.tick()
	if len(h.tr.reqs) != 1 || strings.Count(h.tr.reqs[0].Body, ",") != 100 || !strings.Contains(h.tr.reqs[0].Body, `[51,52,`) ||
		!strings.HasSuffix(h.tr.reqs[0].Body, `,150]}`) {
		t.Errorf("150 receipts: %+v, want one request with 51..150", h.tr.reqs)
	}
}

// Typing: one request per change, in order; a message ends typing; so
// does leaving the page.
func TestConversationTyping(t *testing.T) {
	h := opened(t)
	typing := func(on bool) { h.call(func() { h.setTyping(on) }) }
	var sent []string
	answer := func() {
		for len(h.tr.reqs) > 0 {
			r := h.tr.answer(t, 200, `{}`)
			u, _ := strings.CutSuffix(r.URL, "?"+claim)
			sent = append(sent, u[strings.LastIndex(u, "/")+1:]+" "+r.Body)
		}
	}
	typing(true)
	typing(true) // the same state: nothing
	typing(false)
	typing(true) // waits for the first answer; then only the last state goes
	answer()
	answer()
	var done error = errorString("pending")
	h.call(func() { h.send("hi", func(err error) { done = err }) })
	answer()
	answer()
	if done != nil {
		t.Errorf("send: %v", done)
	}
	typing(true)
	answer()
	h.call(func() { h.hide(true) })
	want := []string{
		`typing {"consumerId":"c0","typing":true}`,
		`messages {"consumerId":"c0","text":"hi"}`,
		`typing {"consumerId":"c0","typing":false}`,
		`typing {"consumerId":"c0","typing":true}`,
	}
	if strings.Join(sent, "\n") != strings.Join(want, "\n") {
		t.Errorf("requests:\n%s\nwant\n%s", strings.Join(sent, "\n"), strings.Join(want, "\n"))
	}
	if len(h.tr.reqs) != 1 || !h.tr.reqs[0].Keepalive || h.tr.reqs[0].Body != `{"consumerId":"c0","typing":false}` || h.stream.live() != nil {
		t.Errorf("at pagehide: %+v, stream %v; want typing false with keepalive and no stream", h.tr.reqs, h.stream.live())
	}
	// pageshow from the back/forward cache resumes the stream.
	h.call(h.listen)
	if c := h.stream.live(); c == nil || !strings.HasSuffix(c.url, "after=0&"+claim) {
		t.Errorf("pageshow: stream %+v", c)
	}
	// A message sent while typing(true) is in flight: typing false
	// follows the message, not the typing answer.
	h = opened(t)
	h.call(func() { h.setTyping(true) })
	h.call(func() { h.send("x", func(error) {}) })
	h.tr.answer(t, 200, `{}`) // typing true
	if len(h.tr.reqs) != 1 || !strings.HasSuffix(h.tr.reqs[0].URL, "/messages?"+claim) {
		t.Errorf("typing false went before the message was answered: %+v", h.tr.reqs)
	}
	h.tr.answer(t, 200, `{}`)
	if len(h.tr.reqs) != 1 || h.tr.reqs[0].Body != `{"consumerId":"c0","typing":false}` {
		t.Errorf("after the message: %+v, want typing false", h.tr.reqs)
	}
	// No conversation: typing is ignored.
	h = newChat(t)
	h.call(func() { h.setTyping(true) })
	if len(h.tr.reqs) != 0 || len(h.console.errors) != 0 {
		t.Errorf("typing without a conversation: %v %v", h.tr.reqs, h.console.errors)
	}
}

// A closed conversation, by the agent or by the page, ends the stream,
// is forgotten, and its listeners hear "closed" once.
func TestConversationClosed(t *testing.T) {
	h := opened(t)
	c := h.stream.live()
	c.send(`{"seq":1,"type":"state","state":"closed","time":9}`)
	c.close(Response{Status: 200})
	h.clock.advance(time.Minute)
	if len(h.emit.got) != 1 || !strings.Contains(h.emit.got[0], `"state":"closed"`) || h.stream.live() != nil ||
		h.id != "" || h.host.session["conversation"] != "" {
		t.Errorf("closed by the agent: got %q, stream %v, id %q, stored %q", h.emit.got, h.stream.live(), h.id, h.host.session["conversation"])
	}
	h = opened(t)
	var done error = errorString("pending")
	h.call(func() { h.close(func(err error) { done = err }) })
	h.tr.answer(t, 200, `{}`)
	h.stream.all[0].send(`{"seq":1,"type":"state","state":"closed"}`) // stopped: not delivered
	if done != nil || len(h.emit.got) != 1 || h.emit.got[0] != `state {"type":"state","state":"closed","own":true}` ||
		h.stream.live() != nil || h.host.session["conversation"] != "" {
		t.Errorf("closed by the page: %v, got %q, stream %v", done, h.emit.got, h.stream.live())
	}
}

// A stream that goes silent (a half-open connection after a network
// switch or sleep) is aborted after streamIdle and resumed after the
// last seq, as a broken one; every event and every ping (an event with
// no data, the host's report of ": ping") keeps it.
func TestConversationSilentStream(t *testing.T) {
	h := opened(t)
	c := h.stream.live()
	c.send(msg(1, "ASSIGNED_AGENT", 0))
	for i := 0; i < 5; i++ { // pings every 15 s: kept
		h.clock.advance(15 * time.Second)
		c.send("")
	}
	h.clock.advance(streamIdle*time.Millisecond - time.Millisecond)
	if h.stream.live() != c || len(h.stream.all) != 1 {
		t.Fatalf("a stream with pings, then %d ms silent: live %v, %d opened", streamIdle-1, h.stream.live() == c, len(h.stream.all))
	}
	h.clock.advance(time.Millisecond)
	if !c.stopped || h.stream.live() != nil {
		t.Fatalf("silent for %d ms: stopped %v, live %v", streamIdle, c.stopped, h.stream.live())
	}
	h.clock.advance(time.Second) // the first reconnect pause
	n := h.stream.live()
	if n == nil || !strings.HasSuffix(n.url, "/events?after=1&"+claim) {
		t.Fatalf("after a silent stream: %+v, want a resume after=1", n)
	}
	h.emit.got = nil
	n.send(msg(1, "ASSIGNED_AGENT", 0), msg(2, "ASSIGNED_AGENT", 1))
	if len(h.emit.got) != 1 {
		t.Errorf("after the resume the page got %q, want seq 2 once", h.emit.got)
	}
	// A stream that never says anything, not even its first byte, too.
	h.clock.advance(streamIdle * time.Millisecond)
	if !n.stopped {
		t.Error("a stream silent from its start was kept")
	}
	// A stream that ended is not stopped again by its old watch, and a
	// reconnect is one stream.
	h = opened(t)
	h.clock.advance(streamIdle*time.Millisecond - time.Second)
	h.stream.live().close(Response{Status: 502})
	h.clock.advance(10 * time.Second)
	if len(h.stream.all) != 2 || h.stream.live() == nil {
		t.Errorf("a 502, then its watch due: %d streams, live %v; want the reconnect alone", len(h.stream.all), h.stream.live())
	}
	// After the page is gone (pagehide) no watch fires.
	h.call(func() { h.hide(true) })
	h.clock.advance(10 * time.Minute)
	if len(h.stream.all) != 2 || h.stream.live() != nil {
		t.Errorf("after pagehide: %d streams, live %v", len(h.stream.all), h.stream.live())
	}
}

// Back online, a stream that looks open is reopened at once: its
// connection may be the old network's.
func TestConversationOnlineLive(t *testing.T) {
	h := opened(t)
	c := h.stream.live()
	c.send(msg(1, "ASSIGNED_AGENT", 0), msg(2, "ASSIGNED_AGENT", 1))
	h.call(h.online)
	n := h.stream.live()
	if !c.stopped || n == nil || n == c || !strings.HasSuffix(n.url, "/events?after=2&"+claim) {
		t.Fatalf("online: old stopped %v, new %+v; want a resume after=2 at once", c.stopped, n)
	}
	c.send(msg(3, "ASSIGNED_AGENT", 2)) // the old one: ignored
	if len(h.emit.got) != 2 {
		t.Errorf("the old stream's event reached the page: %q", h.emit.got)
	}
	// No conversation, or a refused stream: online opens nothing.
	h.stream.live().close(Response{Status: 403})
	h.call(h.online)
	if h.stream.live() != nil {
		t.Error("online reopened a refused stream")
	}
}

// A read receipt the proxy did not take is not lost: it waits, and goes
// again on the next tick with receipts, after the stream's next event or
// back online; one the proxy took is never sent again.
func TestConversationReadRetry(t *testing.T) {
	reads := func(h *chatHarness) []string {
		var got []string
		for _, r := range h.tr.reqs {
			got = append(got, r.Body[len(`{"consumerId":"c0","sequences":`):len(r.Body)-1])
		}
		return got
	}
	for _, tc := range []struct {
		name  string
		again func(h *chatHarness)
		want  string
		next  int64 // readNext once taken
	}{
		{"the next message", func(h *chatHarness) { h.stream.live().send(msg(2, "ASSIGNED_AGENT", 1)) }, "[0,1]", 3},
		{"the stream's next event", func(h *chatHarness) { h.stream.live().send(`{"seq":2,"type":"state","state":"accepted"}`) }, "[0]", 2},
		{"a ping", func(h *chatHarness) { h.stream.live().send("") }, "[0]", 2},
		{"online", func(h *chatHarness) { h.call(h.online) }, "[0]", 2},
	} {
		for _, fail := range []int{500, 0} {
			h := opened(t)
			h.stream.live().send(msg(1, "ASSIGNED_AGENT", 0))
			h.clock.tick()
			h.tr.answer(t, fail, `{"error":{"code":"upstream","message":"x"}}`)
			if len(h.console.warns) != 1 || h.readNext != 0 || h.host.session["conversation"] != "conv-1 tok-1 1 0" {
				t.Errorf("%s, %d: warns %q, readNext %d, stored %q", tc.name, fail, h.console.warns, h.readNext, h.host.session["conversation"])
			}
			h.clock.advance(time.Second)
			if len(h.tr.reqs) != 0 {
				t.Errorf("%s, %d: sent again at once: %v", tc.name, fail, reads(h))
			}
			tc.again(h)
			h.clock.tick()
			if got := reads(h); len(got) != 1 || got[0] != tc.want {
				t.Errorf("%s, %d: sent again %q, want %s", tc.name, fail, got, tc.want)
			}
			h.tr.answer(t, 200, `{}`)
			if want := "conv-1 tok-1 " + strconv.FormatInt(h.last, 10) + " " + strconv.FormatInt(tc.next, 10); h.host.session["conversation"] != want {
				t.Errorf("%s, %d: stored %q after the receipt was taken", tc.name, fail, h.host.session["conversation"])
			}
			// Taken: never again.
			h.call(h.online)
			h.stream.live().send("", msg(9, "ASSIGNED_AGENT", 5))
			h.clock.tick()
			if got := reads(h); len(got) != 1 || got[0] != "[5]" {
				t.Errorf("%s, %d: after the receipt was taken: %q, want [5] alone", tc.name, fail, got)
			}
		}
	}
	// Shown while a receipt is in flight: sent once it is answered, alone.
	h := opened(t)
	h.stream.live().send(msg(1, "ASSIGNED_AGENT", 0))
	h.clock.tick()
	h.stream.live().send(msg(2, "ASSIGNED_AGENT", 1))
	h.clock.tick()
	if got := reads(h); len(got) != 1 {
		t.Fatalf("two receipts in flight at once: %q", got)
	}
	h.tr.answer(t, 200, `{}`)
	h.clock.tick()
	if got := reads(h); len(got) != 1 || got[0] != "[1]" {
		t.Errorf("after the first was taken: %q, want [1]", got)
	}
	h.tr.answer(t, 200, `{}`)
	if h.readNext != 3 || h.host.session["conversation"] != "conv-1 tok-1 2 3" {
		t.Errorf("readNext %d, stored %q", h.readNext, h.host.session["conversation"])
	}
	// A reload after a failed receipt reads the message again.
	h = opened(t)
	h.stream.live().send(msg(1, "ASSIGNED_AGENT", 0))
	h.clock.tick()
	h.tr.answer(t, 0, ``)
	h.reload()
	h.stream.live().send(msg(1, "ASSIGNED_AGENT", 0))
	h.clock.tick()
	if got := reads(h); len(got) != 1 || got[0] != "[0]" {
		t.Errorf("after a failed receipt and a reload: %q, want [0]", got)
	}
}

// The create answer's token, a credential, is not in the debug log.
func TestConversationTokenNotLogged(t *testing.T) {
	h := opened(t)
	var answer string
	for _, l := range h.host.logs {
		if strings.Contains(l, "tok-1") {
			t.Errorf("the token is in the log: %s", l)
		}
		if strings.HasPrefix(l, "conversation answer: ") {
			answer = l
		}
	}
	if answer != `conversation answer: 201 {"conversationId":"conv-1","token":"…"}` {
		t.Errorf("logged %q", answer)
	}
}

// A read receipt the proxy refused for good (a 4xx other than 408 and
// 429: LivePerson refused it) is warned about once and not sent again
// with every later event, which would be refused again.
func TestConversationReadRefused(t *testing.T) {
	h := opened(t)
	h.stream.live().send(msg(1, "ASSIGNED_AGENT", 0))
	h.clock.tick()
	h.tr.answer(t, 409, `{"error":{"code":"conversation_refused","message":"x"}}`)
	if len(h.console.warns) != 1 || h.readNext != 2 {
		t.Errorf("warns %q, readNext %d; want one warning and the receipt settled", h.console.warns, h.readNext)
	}
	h.stream.live().send("", msg(2, "ASSIGNED_AGENT", 1))
	h.clock.tick()
	if len(h.tr.reqs) != 1 || !strings.Contains(h.tr.reqs[0].Body, `"sequences":[1]`) {
		var got []string
		for _, r := range h.tr.reqs {
			got = append(got, r.Body)
		}
		t.Errorf("after the refusal: %q, want the new receipt [1] alone", got)
	}
}
