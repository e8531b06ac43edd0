//go:build js && wasm

package browser

import (
	"errors"

	"syscall/js"

	"github.com/lpedge/lpedge/internal/jsonv"
	"github.com/lpedge/lpedge/wasm/tag"
)

// host is the loader's host object (function host in jsglue/loader.js):
// plain JavaScript functions for the DOM mechanics that are verbose
// through syscall/js. None of them throws. Start gets it from the boot
// object, handing it answer, the one Go function it calls back.
var host js.Value

// The Go functions the host calls back through answer, by id: events
// are the page API and the page's events, which stay, callbacks each
// timer and fetch, under an id from firstOnce up, forgotten once called.
var (
	events = [firstOnce]func(values []js.Value){
		onCall: func(a []js.Value) {
			calls++
			started.Call(a[0].String(), []byte(a[1].String()), reply(a[2]))
		},
		onHide:   func(a []js.Value) { started.Hide(a[0].Bool()) },
		onOnline: func([]js.Value) { started.Online() },
		onShow:   func([]js.Value) { started.Show() },
		onStream: func(a []js.Value) { streamed(a) },
		onLpTag:  func([]js.Value) { lpTagChanged() },
	}
	// 32-bit keys: the runtime's own maps use the same map functions, so
	// the tag links none of its own for this one (int keys linked 4.9 KB
	// of runtime code, 0.6 KB brotli). 2^32 timers and fetches later
	// an id would come back; no page lives that long.
	callbacks = map[uint32]func(values []js.Value){}
)

// started is the tag Start made, which answers the page; lpTagChanged is
// the function the tag gave Watch.
var (
	started      *tag.Tag
	lpTagChanged func()
)

// The ids of events.
const (
	onCall    = iota + 1 // the page API: (method, argsJSON, settle)
	onHide               // the page was hidden: (leaving, true at pagehide)
	onOnline             // the browser is back online
	onLpTag              // lpTag's ids may have changed
	onShow               // the page is back from the back/forward cache, or visible again
	onStream             // the open event stream: (data) per event, then (status, text)
	firstOnce            // the first id of a timer, a fetch or a stream
)

// lastID is the id of the last timer or fetch.
var lastID uint32 = firstOnce - 1

// once registers f for one call and returns its id.
func once(f func(values []js.Value)) uint32 {
	lastID++
	callbacks[lastID] = f
	return lastID
}

// answer is what the host calls: answer(id, values...) runs the function
// of id (in events or callbacks) with the values, as an entry point of
// the tag.
func answer(_ js.Value, a []js.Value) any {
	var f func([]js.Value)
	id := a[0].Int()
	if id < firstOnce {
		f = events[id]
	} else {
		f = callbacks[uint32(id)]
		delete(callbacks, uint32(id))
	}
	if f == nil { // a stopped timer
		return nil
	}
	run := func() { f(a[1:]) }
	if depth > 0 {
		// JavaScript called back from inside the tag's own call out: the
		// page called lpedge from a console or fetch it wrapped. Run it
		// once the tag is done.
		win.After(0, run)
		return nil
	}
	guard(run)
	if planning && started != nil {
		if id != onCall {
			guard(plan)
		} else if !planDue { // a burst of calls is planned once, after them
			planDue = true
			win.After(0, func() { planDue = false })
		}
	}
	return nil
}

// window implements the tag's Env interfaces, but Storage, through host.
type window struct{}

var win window

// storage is window.localStorage or sessionStorage, by name.
type storage struct{ name string }

var local, session = storage{"localStorage"}, storage{"sessionStorage"}

// Env returns the browser's environment for the tag. It works through
// the loader's host object, which Start gets first.
func Env() tag.Env {
	return tag.Env{Local: &local, Session: &session, Clock: &win, Transport: &win,
		Console: &win, LpTag: &win, Page: &win, Random: random, Stream: &win, Emit: emit}
}

// Run starts the tag from the loader's globalThis.__lpedgeBoot and never
// returns: the module must stay alive to answer the page.
func Run() error {
	if _, err := Start(js.Global().Get("__lpedgeBoot")); err != nil {
		return err
	}
	select {}
}

// Start takes the host from the boot object, gives the page's event loop
// a turn (so that neither the Go runtime's start nor the tag's makes a
// long main-thread task), reads boot's data attributes, starts the tag
// with the browser's Env, listens to the page being hidden and the
// browser coming online, and hands boot.ready the page API's function,
// call(method, argsJSON, settle) (see reply). On a configuration error it
// calls boot.ready(null, message) instead. It blocks until the turn, so
// it must not run inside a JavaScript callback.
func Start(boot js.Value) (*tag.Tag, error) {
	if boot.Type() != js.TypeObject {
		return nil, errors.New("lpedge: no boot object: load the module through lpedge.js")
	}
	host = boot.Call("host", js.FuncOf(answer))
	turn := make(chan struct{})
	win.After(0, func() { close(turn) })
	<-turn
	cfg, err := tag.ParseConfig(attrs(boot.Get("attrs")))
	if err != nil {
		boot.Call("ready", nil, err.Error())
		return nil, err
	}
	started = tag.New(cfg, Env())
	planning = host.Get("plan").Type() == js.TypeFunction
	host.Call("listen", onHide, onOnline, onShow)
	if planning {
		guard(plan)
	}
	boot.Call("ready", host.Call("fn", onCall))
	return started, nil
}

// attrs reads the data attributes, an array of names and values;
// ParseConfig names what is missing.
func attrs(a js.Value) map[string]string {
	m := map[string]string{}
	for i := 0; i+1 < a.Length(); i += 2 {
		m[a.Index(i).String()] = a.Index(i + 1).String()
	}
	return m
}

// reply settles a page API call's Promise through settle(result JSON,
// null) ("" for undefined) or settle(members, the error's message), where
// members is "" or the JSON object of what the loader adds to the Error:
// {"code":"unreachable","url":...} for a *tag.UnreachableError (the shape
// lpedge.d.ts declares); nil without settle, for the methods that return
// no Promise.
func reply(settle js.Value) tag.Reply {
	if settle.Type() != js.TypeFunction {
		return nil
	}
	return func(result []byte, err error) {
		var msg any // null
		if err != nil {
			msg = err.Error()
			if u, ok := err.(*tag.UnreachableError); ok {
				result = []byte(`{"code":"unreachable","url":` + jsonv.Quote(u.URL) + `}`)
			}
		}
		// settle.call rather than Invoke: the module links one fewer
		// syscall/js function.
		settle.Call("call", nil, string(result), msg)
	}
}

// depth counts the tag's entry points running now. JavaScript has one
// thread, so depth > 0 in answer means JavaScript called back from inside
// the tag's own call out.
var depth int

// guard runs an entry point of the tag: it counts depth, and keeps a bug
// in the tag from stopping the module (a panic that escaped would end the
// Go program, and every later call would throw). After a panic it has the
// tag release its lock (tag.Tag.Release): the tag's entry points do not
// defer that.
func guard(f func()) {
	depth++
	defer func() {
		if r := recover(); r != nil {
			if started != nil {
				settle(started.Release)
			}
			internalError(r)
		}
		// Only now: the callbacks Release runs are still inside this call,
		// so a page that calls lpedge from one is postponed as usual.
		depth--
	}()
	f()
}

// In a Web Worker (the host has plan), the page's thread makes the
// module's requests and storage writes, and sends and stores at pagehide
// what the tag planned (tag.HidePlan), as the worker may be gone by then:
// after every entry point but the page API's calls (whose tick ends with
// a timer, an entry point), plan hands the page the plan of now, when it
// or the count of calls taken changed. The count tells
// the page which of its calls the plan reflects: it keeps the others
// (loader.js). After pagehide the page lets the worker go (and starts a
// new one if it comes back from the back/forward cache), so this module
// never runs Hide(true) itself.
var (
	planning     bool         // the host takes plans
	planDue      bool         // a timer will end the calls' tick, and plan after it
	planned      tag.HidePlan // the last plan handed to the page
	calls        uint32       // the page API calls taken so far
	plannedCalls uint32       // calls when the last plan was made
)

func plan() {
	p := started.PlanHide() // the same URL is the same method: Report's
	if p.Key == planned.Key && p.Report.URL == planned.Report.URL && p.Report.Body == planned.Report.Body && p.Store == planned.Store &&
		p.Queue == planned.Queue && p.MayStore == planned.MayStore && calls == plannedCalls { // the first differs in Key
		return
	}
	planned, plannedCalls = p, calls
	store := "" // the host's storage function Hide would call, if any
	if p.Store {
		store = "removeItem"
		if p.Queue != "" {
			store = "setItem"
		}
	}
	// The storage's arguments, the calls and whether the page may store
	// them, then the page's fetch's (a report is keepalive), whose answer
	// reaches no module (id 0): the page lets this one go at pagehide.
	host.Call("plan", fetchArgs([]any{store, p.Key, p.Queue, calls, p.MayStore}, 0, p.Report)...)
}

// fetchArgs appends to pre the host's fetch's arguments for req under id.
func fetchArgs(pre []any, id uint32, req tag.Request) []any {
	args := append(pre, id, req.Method, req.URL, req.Body, req.Keepalive)
	for _, h := range req.Header {
		args = append(args, h[0], h[1])
	}
	return args
}

// settle runs release, which runs the callbacks queued under the tag's
// lock: one that panics too is reported and release runs again (to free
// the lock the callback may have taken; each pass uses up what was
// queued), a few times at most, so that no panic escapes guard.
func settle(release func()) {
	for range 4 {
		if settled(release) {
			return
		}
	}
}

func settled(release func()) (ok bool) {
	defer func() {
		if r := recover(); r != nil {
			internalError(r)
		}
	}()
	release()
	return true
}

// internalError reports a recovered panic on the console.
func internalError(r any) {
	msg := "lpedge: internal error"
	if e, ok := r.(error); ok {
		r = e.Error()
	}
	if s, ok := r.(string); ok {
		msg += ": " + s
	}
	win.Error(msg)
}

// The storage methods go through the host, which catches what the
// browser throws: reading window.localStorage itself throws where
// storage is blocked (a sandboxed frame, cookies disabled), and setItem
// where it is full.

func (s *storage) Get(key string) (string, bool) {
	if v := host.Call("getItem", s.name, key); v.Type() == js.TypeString {
		return v.String(), true
	}
	return "", false
}

func (s *storage) Set(key, value string) error {
	if msg := host.Call("setItem", s.name, key, value).String(); msg != "" {
		return errors.New(msg)
	}
	return nil
}

func (s *storage) Remove(key string) { host.Call("removeItem", s.name, key) }

func (s *storage) Keys(prefix string) []string { return list(host.Call("keys", s.name, prefix)) }

func (*window) Now() int64 { return int64(host.Call("now").Int()) }

func (*window) After(ms int64, f func()) func() bool {
	id := once(func([]js.Value) { f() })
	timer := host.Call("after", id, ms)
	return func() bool {
		if callbacks[id] == nil {
			return false
		}
		delete(callbacks, id)
		host.Call("stop", timer)
		return true
	}
}

// Do is fetch, without credentials: LivePerson's API and the proxy need
// no cookies, and sending none keeps CORS simple. The host answers with
// (status, text, Retry-After or ""), or (0, what went wrong) when no
// answer came.
func (*window) Do(req tag.Request, done func(tag.Response)) {
	host.Call("fetch", fetchArgs(nil, once(func(a []js.Value) { done(response(a)) }), req)...)
}

// Stream is the host's stream(onStream, url, token): one is open at a
// time (the tag stops one before it opens the next), and a stopped one
// calls back no more.
func (*window) Stream(url, token string, event func(string), end func(tag.Response)) func() {
	streamEvent, streamEnd = event, end
	c := host.Call("stream", onStream, url, token)
	return func() {
		streamEvent = nil
		c.Call("abort")
	}
}

// The open stream's callbacks; nil when none is open.
var (
	streamEvent func(string)
	streamEnd   func(tag.Response)
)

// streamed is the host's call back of the open stream: (data) per event,
// ("") per comment (a ping), and once (status, text) at its end, (0,
// what went wrong) when no answer came.
func streamed(a []js.Value) {
	if streamEvent == nil {
		return
	}
	if a[0].Type() == js.TypeString {
		streamEvent(a[0].String())
		return
	}
	end := streamEnd
	streamEvent = nil
	end(response(a))
}

// emit hands a conversation event to the loader's listeners
// (lpedge.conversation.on); the registry is JavaScript's.
func emit(event, data string, own bool, delivered func(int)) {
	host.Call("emit", event, data, own, once(func(a []js.Value) { delivered(a[0].Int()) }))
}

// Visible reads document.visibilityState: only "hidden" is hidden.
func (*window) Visible() bool { return text("document.visibilityState") != "hidden" }

// response reads the host's answer: (status, text, Retry-After), or (0,
// what went wrong) when no answer came.
func response(a []js.Value) tag.Response {
	status, text := a[0].Int(), a[1].String()
	if status == 0 {
		return tag.Response{Err: errors.New(text)}
	}
	r := tag.Response{Status: status, Body: []byte(text)}
	if len(a) > 2 {
		r.RetryAfter = a[2].String()
	}
	return r
}

func (*window) Error(msg string) { host.Call("say", "error", msg) }
func (*window) Warn(msg string)  { host.Call("say", "warn", msg) }
func (*window) Log(msg string)   { host.Call("say", "log", msg) }

// text is the string at a dotted path from window, read by the host's
// get (steps ending in "()" are method calls), or "" where there is
// none: the path breaks off (outside a browser, as in Node, location and
// navigator may be missing) or ends in something else.
func text(path string) string {
	if v := host.Call("get", path); v.Type() == js.TypeString {
		return v.String()
	}
	return ""
}

func (*window) URL() string    { return text("location.href") }
func (*window) Origin() string { return text("location.origin") }

// Online reads navigator.onLine: only a false one is offline (outside a
// browser there may be no navigator).
func (*window) Online() bool {
	v := host.Call("get", "navigator.onLine")
	return v.Type() != js.TypeBoolean || v.Bool()
}

// TimeZone asks Intl, the only place a browser names its time zone.
func (*window) TimeZone() string { return text("Intl.DateTimeFormat().resolvedOptions().timeZone") }

func random(b []byte) { js.CopyBytesToGo(b, host.Call("random", len(b))) }
