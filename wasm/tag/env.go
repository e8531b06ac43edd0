package tag

// Env is everything the tag needs from its host. In the browser,
// [github.com/lpedge/lpedge/wasm/browser] fills it from syscall/js; tests
// fill it with fakes. A nil Local or Session is an in-memory store; every
// other member is required.
type Env struct {
	Local     Storage   // localStorage: queue, vid, consumer id, consent
	Session   Storage   // sessionStorage: sid, cart, identified customer
	Clock     Clock     // time and timers
	Transport Transport // HTTP
	Console   Console   // where errors and the debug log go
	LpTag     LpTag     // LivePerson's web tag on the page; nil when the host has none
	Page      Page      // location and connectivity
	// Random fills b with cryptographically strong random bytes
	// (crypto.getRandomValues in the browser).
	Random func(b []byte)
	// Stream opens the conversation's event stream; nil: conversations
	// do not listen.
	Stream Streamer
	// Emit hands a conversation event (event "message", "typing",
	// "read" or "state"; data a JSON object, to which own is added) to
	// the page's listeners (lpedge.conversation.on) and then calls
	// delivered with how many it called, maybe later, as an entry point
	// (the listeners may live on another thread than the tag); nil: none.
	// The registry is the loader's, in JavaScript.
	Emit func(event, data string, own bool, delivered func(listeners int))
}

// Streamer reads Server-Sent Events. The host parses the stream; every
// decision (reconnects, backoff, when to stop) is the tag's.
type Streamer interface {
	// Stream GETs url with Authorization: Bearer token and Accept:
	// text/event-stream, calls event with each event's data and with
	// "" for each comment (the proxy's ": ping", which shows the
	// connection is alive), and end
	// once when the stream is over: the status and body of an answer
	// that is not 2xx, the status and no body at the end of a stream,
	// or Status 0 and Err when no answer came or the connection broke.
	// Like Transport.Do, it calls back later, from the event loop. After
	// stop, it calls neither.
	Stream(url, token string, event func(data string), end func(Response)) (stop func())
}

// Storage is a string key-value store like window.localStorage. Set
// returns an error when the store refuses (quota, privacy mode); the tag
// then keeps working from memory ([Fallback]).
type Storage interface {
	Get(key string) (string, bool)
	Set(key, value string) error
	Remove(key string)
	Keys(prefix string) []string // the keys that start with prefix, in any order
}

// Clock tells the time and runs functions later, in milliseconds, as
// Date.now and setTimeout do. (Not time.Time and time.Duration: the tag
// must not link package time, whose init alone adds 36 KB brotli.)
type Clock interface {
	Now() int64 // ms since the Unix epoch
	// After runs f once, ms from now, on the host's event loop; 0 means
	// after the code running now has finished (setTimeout 0), which is
	// what coalesces the calls of one tick into one request. stop cancels
	// f if it has not run and reports whether it did that.
	After(ms int64, f func()) (stop func() bool)
}

// A Request is one HTTP request the tag makes.
type Request struct {
	Method    string
	URL       string
	Header    [][2]string
	Body      string
	Keepalive bool // may outlive the page (fetch keepalive; at most 64 KB in flight)
}

// A Response is the outcome of a Request: Status 0 and Err set when no
// answer arrived (network error, CORS refusal, offline).
type Response struct {
	Status     int
	Body       []byte
	RetryAfter string // the Retry-After header, when the server exposes it
	Err        error
}

// Transport sends requests. Do must not block: it calls done exactly
// once, later, from the host's event loop.
type Transport interface {
	Do(req Request, done func(Response))
}

// Console is the browser console.
type Console interface {
	Error(msg string)
	Warn(msg string)
	Log(msg string)
}

// LpTag is LivePerson's web tag (window.lpTag) as the tag sees it.
type LpTag interface {
	// Present reports whether the page has window.lpTag at all (the
	// snippet may be there before its monitoring taglet has loaded).
	Present() bool
	// IDs returns lpTag.taglets.lp_monitoringSDK.getVid() and getSid(),
	// "" while the taglet has none.
	IDs() (vid, sid string)
	// Sections returns lpTag.section.
	Sections() []string
	// Watch calls changed whenever the ids may have changed: lpTag's
	// lp_monitoringSDK SP_SENT and lp_SMT MONITORING_STATE events, or
	// window.lpTag being assigned later. It never polls.
	Watch(changed func())
}

// Page is the document the tag runs in.
type Page interface {
	URL() string    // location.href
	Origin() string // location.origin: the iss of identities
	Online() bool   // navigator.onLine
	// TimeZone is the visitor's IANA time zone ("Europe/Berlin"), which
	// the proxy puts into Client-Properties; "" when unknown.
	TimeZone() string
	// Visible reports whether the visitor may see the page
	// (document.visibilityState is not "hidden").
	Visible() bool
}

// Memory is a Storage in memory, the fallback when the browser's refuses.
// It is not safe for concurrent use; the tag serializes access.
type Memory map[string]string

// Get implements Storage.
func (m Memory) Get(key string) (string, bool) { v, ok := m[key]; return v, ok }

// Set implements Storage.
func (m Memory) Set(key, value string) error { m[key] = value; return nil }

// Remove implements Storage.
func (m Memory) Remove(key string) { delete(m, key) }

// Keys implements Storage.
func (m Memory) Keys(prefix string) []string {
	var out []string
	for k := range m {
		if len(k) >= len(prefix) && k[:len(prefix)] == prefix {
			out = append(out, k)
		}
	}
	return out
}

// Fallback wraps a browser Storage: once a write fails (quota exceeded,
// storage disabled, Safari's private mode), values that cannot be written
// there are kept in memory, so the page goes on working and nothing
// throws. Reads look in memory first.
type Fallback struct {
	Primary Storage
	mem     Memory // nil until Primary refuses a write
}

// Get implements Storage.
func (f *Fallback) Get(key string) (string, bool) {
	if v, ok := f.mem[key]; ok {
		return v, true
	}
	return f.Primary.Get(key)
}

// Set implements Storage. It returns the browser's error the first time
// it falls back to memory, so the caller can say so once; the value is
// kept either way.
func (f *Fallback) Set(key, value string) error {
	err := f.Primary.Set(key, value)
	if err == nil {
		delete(f.mem, key)
		return nil
	}
	f.Primary.Remove(key) // an older value must not be read on the next page
	first := f.mem == nil
	if first {
		f.mem = Memory{}
	}
	f.mem[key] = value
	if first {
		return err
	}
	return nil
}

// Remove implements Storage.
func (f *Fallback) Remove(key string) {
	delete(f.mem, key)
	f.Primary.Remove(key)
}

// Keys implements Storage: those in memory, then the browser's.
func (f *Fallback) Keys(prefix string) []string {
	out := f.mem.Keys(prefix)
	for _, k := range f.Primary.Keys(prefix) {
		if _, ok := f.mem[k]; !ok {
			out = append(out, k)
		}
	}
	return out
}
