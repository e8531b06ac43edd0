package tag

import (
	"errors"
	"net/url"
	"sort"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/lpedge/lpedge/internal/jsonv"
)

// fakeClock runs timers when the test says: tick runs what is due now
// (the setTimeout 0 of the browser), advance moves time.
type fakeClock struct {
	now    time.Time
	seq    int
	timers []*fakeTimer
}

type fakeTimer struct {
	at   time.Time
	seq  int
	f    func()
	done bool
}

func (c *fakeClock) Now() int64 { return c.now.UnixMilli() }

func (c *fakeClock) After(ms int64, f func()) func() bool {
	c.seq++
	tm := &fakeTimer{at: c.now.Add(time.Duration(ms) * time.Millisecond), seq: c.seq, f: f}
	c.timers = append(c.timers, tm)
	return func() bool {
		was := !tm.done
		tm.done = true
		return was
	}
}

// tick runs every timer due now, including those they start.
func (c *fakeClock) tick() { c.advance(0) }

func (c *fakeClock) advance(d time.Duration) {
	end := c.now.Add(d)
	for {
		sort.Slice(c.timers, func(i, j int) bool {
			if !c.timers[i].at.Equal(c.timers[j].at) {
				return c.timers[i].at.Before(c.timers[j].at)
			}
			return c.timers[i].seq < c.timers[j].seq
		})
		var next *fakeTimer
		for _, tm := range c.timers {
			if !tm.done && !tm.at.After(end) {
				next = tm
				break
			}
		}
		if next == nil {
			c.now = end
			return
		}
		if next.at.After(c.now) {
			c.now = next.at
		}
		next.done = true
		next.f()
	}
}

// fakeTransport keeps requests until the test answers them.
type fakeTransport struct {
	all     []Request
	waiting []func(Response)
	reqs    []Request
}

func (f *fakeTransport) Do(req Request, done func(Response)) {
	f.all = append(f.all, req)
	f.reqs = append(f.reqs, req)
	f.waiting = append(f.waiting, done)
}

// answer answers the oldest open request.
func (f *fakeTransport) answer(t *testing.T, status int, body string, retryAfter ...string) Request {
	t.Helper()
	if len(f.waiting) == 0 {
		t.Fatalf("no request to answer %d to", status)
	}
	done, req := f.waiting[0], f.reqs[0]
	f.waiting, f.reqs = f.waiting[1:], f.reqs[1:]
	r := Response{Status: status, Body: []byte(body)}
	if len(retryAfter) > 0 {
		r.RetryAfter = retryAfter[0]
	}
	if status == 0 {
		r.Err = errors.New("network down")
	}
	done(r)
	return req
}

// answerNewest answers the newest open request.
func (f *fakeTransport) answerNewest(t *testing.T, status int, body string) {
	t.Helper()
	n := len(f.waiting) - 1
	if n < 0 {
		t.Fatalf("no request to answer %d to", status)
	}
	done := f.waiting[n]
	f.waiting, f.reqs = f.waiting[:n], f.reqs[:n]
	done(Response{Status: status, Body: []byte(body)})
}

type fakeConsole struct{ errors, warns, logs []string }

func (c *fakeConsole) Error(m string) { c.errors = append(c.errors, m) }
func (c *fakeConsole) Warn(m string)  { c.warns = append(c.warns, m) }
func (c *fakeConsole) Log(m string)   { c.logs = append(c.logs, m) }

type fakePage struct{ offline, hidden bool }

func (p *fakePage) URL() string      { return "https://shop.example/p/1" }
func (p *fakePage) Origin() string   { return "https://shop.example" }
func (p *fakePage) Online() bool     { return !p.offline }
func (p *fakePage) TimeZone() string { return "America/New_York" }
func (p *fakePage) Visible() bool    { return !p.hidden }

type fakeLpTag struct {
	present  bool
	vid, sid string
	sections []string
	changed  func()
}

func (l *fakeLpTag) Present() bool         { return l.present }
func (l *fakeLpTag) IDs() (string, string) { return l.vid, l.sid }
func (l *fakeLpTag) Sections() []string    { return l.sections }
func (l *fakeLpTag) Watch(changed func())  { l.changed = changed }
func (l *fakeLpTag) fire()                 { l.changed() }
func (l *fakeLpTag) set(vid, sid string)   { l.present, l.vid, l.sid = true, vid, sid }
func (l *fakeLpTag) String() string        { return l.vid + "/" + l.sid }

// failingStorage refuses every write, as Safari's private mode did.
type failingStorage struct{}

func (failingStorage) Get(string) (string, bool) { return "", false }
func (failingStorage) Set(string, string) error  { return errors.New("QuotaExceededError") }
func (failingStorage) Remove(string)             {}
func (failingStorage) Keys(string) []string      { return nil }

// harness is a tag with fakes around it.
type harness struct {
	*Tag
	clock     *fakeClock
	tr        *fakeTransport
	console   *fakeConsole
	page      *fakePage
	local     Memory
	session   Memory
	lp        *fakeLpTag
	stream    *fakeStream
	emit      *fakeEmit
	cfg       Config
	randCount byte
}

// claim is the query viaProxy's requests carry (Config.claim).
const claim = "account=12345678"

// claimWait is ClaimWait: a page that took over another's batches sends
// them after it.
const claimWait = ClaimWait * time.Millisecond

var direct = Config{Account: "12345678", App: "app-1", Domain: "smt.example", Scheme: "https"}
var viaProxy = Config{Account: "12345678", Proxy: "https://edge.example", Scheme: "https"}

func newHarness(t *testing.T, cfg Config, opts ...func(*harness)) *harness {
	t.Helper()
	h := &harness{clock: &fakeClock{now: time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC)}, tr: &fakeTransport{},
		console: &fakeConsole{}, page: &fakePage{}, local: Memory{}, session: Memory{}, cfg: cfg,
		stream: &fakeStream{}, emit: &fakeEmit{listeners: 1}}
	// A visitor whose session an earlier page opened; see fresh.
	h.local[direct.key("vid")], h.session[direct.key("sid")] = "V0", "S0"
	for _, o := range opts {
		o(h)
	}
	h.start()
	return h
}

// fresh makes the harness a first visit: no ids stored.
func fresh(h *harness) { h.local, h.session = Memory{}, Memory{} }

// key is a storage key of the test account.
func (c Config) key(name string) string { return "lpedge:v1:" + c.Account + ":" + name }

// start (re)starts the tag on the same storage, as a reload does.
func (h *harness) start() {
	env := Env{Local: h.local, Session: h.session, Clock: h.clock, Transport: h.tr, Console: h.console, Page: h.page,
		Stream: h.stream, Emit: h.emit.emit,
		Random: func(b []byte) {
			for i := range b {
				h.randCount++
				b[i] = h.randCount
			}
		}}
	if h.lp != nil {
		env.LpTag = h.lp
	}
	h.Tag = New(h.cfg, env)
}

// reload simulates pagehide, then a new page on the same storage.
func (h *harness) reload() {
	h.Hide(true)                       // pagehide
	h.tr.waiting, h.tr.reqs = nil, nil // the old page's answers are lost
	h.clock.timers = nil
	if c := h.stream.live(); c != nil {
		c.stopped = true
	}
	h.start()
}

func (h *harness) call(method, args string) {
	h.Call(method, []byte(args), nil)
}

// body decodes a request body.
func body(t *testing.T, r Request) map[string]any {
	t.Helper()
	v, err := jsonv.Parse([]byte(r.Body))
	if err != nil {
		t.Fatalf("body %q: %v", r.Body, err)
	}
	return v.(map[string]any)
}

func attrs(t *testing.T, r Request) []any {
	t.Helper()
	a, _ := body(t, r)["engagementAttributes"].([]any)
	return a
}

func query(t *testing.T, r Request) url.Values {
	t.Helper()
	u, err := url.Parse(r.URL)
	if err != nil {
		t.Fatal(err)
	}
	return u.Query()
}

func header(r Request, name string) string {
	for _, h := range r.Header {
		if strings.EqualFold(h[0], name) {
			return h[1]
		}
	}
	return ""
}

const answer1 = `{"visitorId":"V1","sessionId":"S1","pageId":"P1"}`

// fakeStream is the host's Streamer: the test sends each stream's
// events and ends it.
type fakeStream struct{ all []*fakeConn }

type fakeConn struct {
	url, token string
	event      func(string)
	end        func(Response)
	stopped    bool // by the tag
	ended      bool // by the test
}

func (s *fakeStream) Stream(url, token string, event func(string), end func(Response)) func() {
	c := &fakeConn{url: url, token: token, event: event, end: end}
	s.all = append(s.all, c)
	return func() { c.stopped = true }
}

// live is the stream open now, or nil.
func (s *fakeStream) live() *fakeConn {
	for _, c := range s.all {
		if !c.stopped && !c.ended {
			return c
		}
	}
	return nil
}

// send delivers events, as a host would: nothing after stop.
func (c *fakeConn) send(data ...string) {
	for _, d := range data {
		if !c.stopped && !c.ended {
			c.event(d)
		}
	}
}

func (c *fakeConn) close(resp Response) {
	if !c.stopped && !c.ended {
		c.ended = true
		c.end(resp)
	}
}

// fakeEmit records the events handed to the page's listeners.
type fakeEmit struct {
	listeners int // how many listeners the page has: Emit's answer
	got       []string
}

// emit records the object as the loader hands it over, own added.
func (e *fakeEmit) emit(event, data string, own bool, delivered func(int)) {
	data = strings.TrimSpace(data)
	e.got = append(e.got, event+" "+data[:len(data)-1]+`,"own":`+strconv.FormatBool(own)+"}")
	delivered(e.listeners)
}
