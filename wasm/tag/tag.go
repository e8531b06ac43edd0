package tag

import (
	"strconv"
	"sync"

	"github.com/lpedge/lpedge/internal/jsonv"
	"github.com/lpedge/lpedge/liveperson"
	"github.com/lpedge/lpedge/liveperson/monitoring"
	"github.com/lpedge/lpedge/liveperson/retail"
)

// Limits of what the tag holds and sends. They keep a request within
// what fetch keepalive may carry and a broken page from filling the
// visitor's storage.
const (
	MaxBody       = 64 << 10 // bytes of one request body: Chromium's keepalive quota
	MaxSDEBytes   = 32 << 10 // bytes of one engagement attribute, as peer tags limit an event
	MaxEntryBytes = 4 << 10  // bytes of a page's entry points together
	MaxBatches    = 100      // requests kept unsent (memory and localStorage)
	MaxQueued     = 500      // engagement attributes kept unsent
	// LpTagWait is how long reports wait for lpTag's monitoring ids when
	// the page has lpTag but its monitoring taglet has not started, before
	// the tag uses its own ids (one timer, not polling); in ms, as every
	// time in the tag (see Clock).
	LpTagWait = 5000
	// QueueLease is how long (ms) the unsent batches another page stored
	// stay that page's own, counted from when it stored them and from the
	// end of the retry pause it stored with them. A page stores them again
	// after each answer, so a page silent for longer was closed without a
	// pagehide (or is frozen, offline, or its request hangs): another page
	// then takes them over and sends them, and the old page, if it comes
	// back, leaves them to it. Batches a page released at pagehide are
	// taken at once (after ClaimWait).
	QueueLease = 2 * monitoring.MaxWait
	// ClaimWait is how long (ms) a page that took over another page's
	// stored batches holds them before it sends them: the note naming it
	// that it wrote in their place must reach the other tabs, which may
	// have taken the same batches (tabs see each other's writes late, a
	// worker's copy of storage later still). The last note written wins:
	// a page that then finds another page's note leaves the batches to it.
	ClaimWait = 250
)

// batchBudget is what the SDEs of one request may take: MaxBody less
// room for the ids, identities and entry points around them.
const batchBudget = MaxBody - MaxEntryBytes - 2<<10

// A Tag is the page API's engine: it maps calls to engagement attributes,
// batches what one tick produces into one request, persists what is
// unsent, retries as LivePerson asks, and keeps the visitor's ids. All
// methods are safe for concurrent use; in the browser they run on the
// event loop.
type Tag struct {
	mu      sync.Mutex
	cfg     Config
	base    string // where Monitoring calls go: the proxy's base URL, or LivePerson's origin
	env     Env
	local   *Fallback
	session *Fallback
	debug   bool
	warned  bool // storage fallback announced

	consent   consentState
	marketing bool

	open        *batch // what this tick produced so far
	tickTimer   bool
	queue       []*batch // unsent, oldest first; inflight ones at the front
	inflight    int      // batches of the request in flight (the queue's first)
	extra       []*batch // sent at hide beside the normal request
	retry       func() bool
	opening     bool // the session's engagement call is in flight
	openAttempt int
	tab         string   // this page's name: its stored queue is "queue:"+tab
	stored      bool     // this page's stored queue holds batches
	released    bool     // pagehide came, and no pageshow since: other pages may take the stored queue
	gen         int64    // how many times this page wrote its stored queue
	written     string   // what it wrote last, so that reading it back needs no parse
	retryAt     int64    // when the retry pause ends, while there is one
	claims      []*batch // taken over from other pages, held for ClaimWait (see adopt)

	vid, sid    string // own ids (stored), used when lpTag has none
	lpTagStale  bool   // LivePerson refused lpTag's ids; use our own until they change
	lpTagVid    string // lpTag's vid when it was found stale
	lpTagWaited bool   // LpTagWait ran out
	lpTagTimer  bool
	idWait      []func() // engagement calls held until the Monitoring answer in flight brings ids

	cart       retail.Cart
	customerID string
	consumer   string   // ext_consumer_id, see consumerID
	entry      []string // entry points of the current page; nil: location and lpTag.section
	tickEntry  []string // entry points read once per tick

	chat    *Conversation // the conversation and its events
	replies []func()      // callbacks to run once mu is released
}

type consentState uint8

const (
	consentUnknown consentState = iota
	consentGranted
	consentDenied
)

// A batch is engagement attributes that go out in one request.
type batch struct {
	sdes    []liveperson.SDE
	size    int // bytes of the SDEs' JSON with separators
	entry   []string
	attempt int    // failed attempts so far
	stored  bool   // in this page's stored queue as last written
	gen     int64  // the write that last put it there
	from    string // taken over: the key of the stored queue it came from (see Tag.settle)
}

// New starts a tag: it restores the unsent queue, ids and cart of earlier
// pages (when consent allows storage) and sends what was left over.
func New(cfg Config, env Env) *Tag {
	if env.Local == nil {
		env.Local = Memory{}
	}
	if env.Session == nil {
		env.Session = Memory{}
	}
	t := &Tag{cfg: cfg, env: env, debug: cfg.Debug, base: cfg.Proxy,
		local: &Fallback{Primary: env.Local}, session: &Fallback{Primary: env.Session}}
	if cfg.Direct() {
		t.base = cfg.Scheme + "://" + cfg.Domain
	}
	// The account and app the tag believes in go with every request to
	// the proxy, which checks them against its own (400
	// account_mismatch). They go as they are: ParseConfig let through no
	// byte a query changes but "+", which the proxy reads as itself.
	claim := "account=" + cfg.Account
	if cfg.App != "" {
		claim += "&app=" + cfg.App
	}
	t.tab = t.randomHex(8)
	t.chat = newConversation(chatEnv{Clock: env.Clock, Transport: env.Transport, Console: env.Console, Page: env.Page,
		Stream: env.Stream, Emit: env.Emit, Proxy: cfg.Proxy, Claim: claim}, (*tagChat)(t))
	if !cfg.ConsentRequired {
		t.consent = consentGranted
	} else if v, _ := t.local.Get(t.key("consent")); v == "1" {
		t.consent, t.marketing = consentGranted, true
	}
	if env.LpTag != nil {
		env.LpTag.Watch(t.lpTagChanged)
	}
	t.mu.Lock()
	if t.consent == consentGranted {
		t.restore()
	}
	t.logf("started: account " + cfg.Account + ", reports to " + t.base + consentNote(cfg))
	t.flush(false)
	t.save()
	t.unlock()
	t.replayJournals()
	return t
}

func consentNote(cfg Config) string {
	if cfg.ConsentRequired {
		return ", consent required"
	}
	return ""
}

// key is a storage key: versioned, per account.
func (t *Tag) key(name string) string { return "lpedge:v1:" + t.cfg.Account + ":" + name }

func (t *Tag) logf(msg string) {
	if t.debug {
		t.env.Console.Log("lpedge: " + msg)
	}
}

// mayStore reports whether consent allows writing to the visitor's storage.
func (t *Tag) mayStore() bool { return t.consent == consentGranted }

func (t *Tag) store(s *Fallback, name, value string) {
	if !t.mayStore() {
		return
	}
	if err := s.Set(t.key(name), value); err != nil && !t.warned {
		t.warned = true
		t.env.Console.Warn("lpedge: storage: the browser refused to store data (" + err.Error() +
			"); unsent events are kept in memory for this page only")
	}
}

// restore reads what earlier pages left: ids, cart, customer, queue.
func (t *Tag) restore() {
	t.vid, _ = t.local.Get(t.key("vid"))
	t.sid, _ = t.session.Get(t.key("sid"))
	t.customerID, _ = t.session.Get(t.key("customer"))
	if s, ok := t.session.Get(t.key("cart")); ok {
		if sdes, err := liveperson.DecodeSDEs([]byte(s)); err == nil && len(sdes) == 1 {
			if err := t.cart.Load(sdes[0]); err != nil {
				t.logf("stored cart dropped: " + err.Error())
			}
		}
	}
	t.adopt()
	t.chat.restore()
}

// adopt takes over the unsent batches other pages stored and left: a
// page released them at pagehide, or stored them QueueLease or longer
// before (and past the retry it planned), or they are an older tag's
// (key "queue" alone) or unreadable. Each page keeps its batches under
// its own key, so that tabs never overwrite each other's. Two tabs may
// take the same batches (each read the key before the other's note
// reached it): each writes a note naming itself and holds the batches
// ClaimWait, and only the one whose note is in the key then sends them
// (see settle). While it holds batches, a page takes no others.
func (t *Tag) adopt() {
	if t.claims != nil || t.released { // a page that has left takes nothing: it may never come back
		return
	}
	for _, k := range t.local.Keys(t.key("queue")) {
		s, _ := t.local.Get(k)
		list, info, err := readQueue([]byte(s))
		if err == nil && info.note { // for a page that may come back
			if t.env.Clock.Now()-info.saved >= QueueLease {
				t.local.Remove(k)
			}
			continue
		}
		if k == t.key("queue:"+t.tab) || err == nil && k != t.key("queue") && !info.released && !t.expired(info) {
			continue // this page's, or a live page's
		}
		if err != nil || k == t.key("queue") {
			t.local.Remove(k)
		} else {
			// What this page read may be older than what is there now
			// (tabs see each other's writes late): the note tells the
			// owner which of its writes was taken, so it keeps what came
			// after.
			t.store(t.local, k[len(t.key("")):], string(encodeTaken(info.gen, t.env.Clock.Now(), t.tab)))
		}
		if err != nil {
			t.env.Console.Warn("lpedge: queue: unsent events stored by an earlier page are unreadable and were dropped: " + err.Error())
			continue
		}
		for i, e := range list {
			m, _ := e.(map[string]any)
			b, err := decodeBatch(m, i)
			if err != nil {
				t.env.Console.Warn("lpedge: queue: unsent events stored by an earlier page are unreadable and were dropped: " + err.Error())
				continue
			}
			b.from = k
			t.claims = append(t.claims, b)
		}
	}
	if t.claims != nil {
		t.env.Clock.After(ClaimWait, func() {
			t.mu.Lock()
			t.settle()
			t.flush(false)
			t.save()
			t.unlock()
		})
	}
}

// settle queues the held batches this page won, and holds none after:
// those whose key holds no note naming another page (that page took them
// last). The note there is this page's, or the owner wrote its queue
// again or removed it: it came back and, seeing the note, left them to
// the taker (see takenOver).
func (t *Tag) settle() {
	var q []*batch
	from, lost := "", false
	for _, b := range t.claims { // a key's batches one after the other
		if b.from != from {
			from = b.from
			s, _ := t.local.Get(from)
			_, info, err := readQueue([]byte(s))
			if lost = err == nil && info.note && info.by != t.tab; lost {
				t.logf("another tab took over the same unsent requests: it sends them")
			}
		}
		if !lost {
			q = append(q, b)
		}
	}
	t.claims = nil
	if q == nil {
		return
	}
	t.requeue(q)
	t.trim()
	t.logf("took over " + strconv.Itoa(len(q)) + " unsent request(s) from an earlier page or another tab")
}

// expired says whether a page that stored a queue has been silent for
// QueueLease since it stored it and since the end of the retry pause it
// planned. A queue stored over a minute in the future (the clock was set
// back) counts as expired.
func (t *Tag) expired(info queueInfo) bool {
	now := t.env.Clock.Now()
	return info.saved > now+60*monitoring.Second || now-max(info.saved, info.retry) >= QueueLease
}

// add puts SDEs produced now into this tick's batch; empty with report
// set still makes a request (a page view). The caller holds mu.
func (t *Tag) add(sz sized, report bool) {
	if t.tickEntry == nil {
		t.tickEntry = t.entryPoints()
	}
	entry := t.tickEntry
	if t.open != nil && !sameStrings(t.open.entry, entry) {
		t.close()
	}
	for i, s := range sz.sdes {
		n := sz.sizes[i] + 1
		if t.open != nil && (t.open.size+n > batchBudget || len(t.open.sdes) >= monitoring.MaxSDEs) {
			t.close()
		}
		if t.open == nil {
			t.open = &batch{entry: entry}
		}
		t.open.sdes = append(t.open.sdes, s)
		t.open.size += n
	}
	if t.open == nil && report {
		t.open = &batch{entry: entry}
	}
	if !t.tickTimer {
		t.tickTimer = true
		t.env.Clock.After(0, t.endTick)
	}
}

// close moves this tick's batch to the queue, dropping the oldest when
// the queue is full.
func (t *Tag) close() {
	if t.open == nil {
		return
	}
	t.queue = append(t.queue, t.open)
	t.open = nil
	t.trim()
}

// trim drops the oldest unsent batches beyond MaxBatches and MaxQueued.
func (t *Tag) trim() {
	queued := 0
	for _, b := range t.queue {
		queued += len(b.sdes)
	}
	dropped := 0
	for len(t.queue) > t.inflight+1 && (len(t.queue) > MaxBatches || queued > MaxQueued) {
		b := t.queue[t.inflight]
		t.queue = append(t.queue[:t.inflight], t.queue[t.inflight+1:]...)
		queued -= len(b.sdes)
		dropped += len(b.sdes)
	}
	if dropped > 0 {
		t.env.Console.Warn("lpedge: queue: " + strconv.Itoa(dropped) + " unsent engagement attribute(s) dropped, the oldest: at most " +
			strconv.Itoa(MaxBatches) + " requests or " + strconv.Itoa(MaxQueued) + " attributes wait to be sent")
	}
}

// endTick runs after the code that made this tick's calls: the tick's
// attributes become one request.
func (t *Tag) endTick() {
	t.mu.Lock()
	t.tickTimer, t.tickEntry = false, nil
	t.close()
	t.flush(false)
	t.save()
	t.unlock()
}

// save writes the unsent queue to localStorage, under this page's own
// key. A request in flight is left out the first time: it was sent with
// keepalive and outlives the page, and keeping it would send it twice.
// Once it has failed, it is kept while it is retried: LivePerson was
// failing, so losing it is likelier than sending it twice.
func (t *Tag) save() {
	if !t.mayStore() || !t.stored && len(t.queue) == t.inflight {
		return
	}
	t.takenOver()
	t.write()
}

func (t *Tag) write() {
	keep := kept(t.queue, t.inflight)
	t.gen++
	for _, b := range keep {
		if !b.stored {
			b.gen = t.gen
		}
	}
	for _, b := range t.queue {
		b.stored = false
	}
	for _, b := range keep {
		b.stored = true
	}
	t.stored = len(keep) > 0
	if !t.stored {
		t.local.Remove(t.key("queue:" + t.tab))
		return
	}
	info := queueInfo{saved: t.env.Clock.Now(), retry: t.retryAt, gen: t.gen, released: t.released}
	t.written = string(encodeQueue(keep, info))
	t.store(t.local, "queue:"+t.tab, t.written)
}

// kept is what of queue q is stored: the batches not in flight, and from
// the last one in flight that failed before (it is being retried) on.
func kept(q []*batch, inflight int) []*batch {
	for i := inflight - 1; i >= 0; i-- {
		if q[i].attempt > 0 {
			return q[i:]
		}
	}
	return q[inflight:]
}

// A HidePlan is what Hide(true) would do now, for a host whose tag may
// be gone by the time the page is: in a Web Worker, the page's own
// thread sends Report with keepalive and stores Queue at pagehide, and
// then lets the tag go (a page back from the back/forward cache starts
// a new one, from storage). It is a copy: the tag goes on as if nothing
// was sent.
type HidePlan struct {
	Report Request // the report Hide sends; Method "" when none
	Key    string  // this page's stored queue's key in Env.Local
	Queue  string  // what Hide stores under Key: "" to remove it
	Store  bool    // whether Hide writes Key at all
	// MayStore says storage is the tag's to use (consent): the page may
	// then keep the calls this plan does not reflect yet (loader.js).
	MayStore bool
}

// PlanHide returns the HidePlan of now. It sends and stores nothing.
func (t *Tag) PlanHide() HidePlan {
	t.mu.Lock()
	// Hide settles the held batches; the plan, made before, counts them
	// as won.
	q := spliced(t.queue, t.inflight, t.claims)
	if t.open != nil {
		q = append(q, t.open)
	}
	p := HidePlan{Key: t.key("queue:" + t.tab), MayStore: t.mayStore()}
	inflight := t.inflight
	// flush(true)
	if vid, sid, _ := t.ids(); t.consent == consentGranted && len(q) > inflight && t.retry == nil &&
		t.env.Page.Online() && !t.lpTagPending() && !t.opening && (vid != "" || inflight == 0 && t.customerID != "") {
		from := inflight
		n := take(q, from)
		if r, _, err := t.report(q[from:from+n], vid, sid); err == nil {
			p.Report = r
		}
		if from == 0 {
			inflight = n
		} else { // an extra request beside the one in flight leaves the queue
			q = append(q[:from:from], q[from+n:]...)
		}
	}
	// save(), released
	if p.Store = t.mayStore() && (t.stored || len(q) > inflight); p.Store {
		if keep := kept(q, inflight); len(keep) > 0 {
			info := queueInfo{saved: t.env.Clock.Now(), retry: t.retryAt, gen: t.gen + 1, released: true}
			p.Queue = string(encodeQueue(keep, info))
		}
	}
	t.unlock()
	return p
}

// takenOver drops the stored batches another page took over (see
// adopt): those of the write its note names, or all when this page's
// stored queue is gone (the visitor cleared the storage, or withdrew
// consent in another tab). Batches stored later stay.
func (t *Tag) takenOver() {
	if !t.stored {
		return
	}
	taken := t.gen
	if s, ok := t.local.Get(t.key("queue:" + t.tab)); s == t.written {
		return
	} else if ok {
		_, info, err := readQueue([]byte(s))
		if err != nil || !info.note {
			return // this page's (unreadable: the next write mends it)
		}
		taken = info.taken
	}
	t.logf("another page took over unsent requests this page stored")
	t.stored = false
	keep := t.queue[:t.inflight]
	for _, b := range t.queue[t.inflight:] {
		if !b.stored || b.gen > taken {
			keep = append(keep, b)
		}
		b.stored = false
	}
	t.queue = keep
	t.write()
}

// Hide is called on pagehide (leaving) and on visibilitychange to hidden:
// the page may go away. It sends what is unsent with keepalive and stores
// the rest; at pagehide, released, so that the next page takes it at once
// (should this page come back from the back/forward cache, it leaves to
// that page what it took). Batches it took over and holds for ClaimWait
// are settled now, not to be lost with the page.
func (t *Tag) Hide(leaving bool) {
	t.mu.Lock()
	t.settle()
	t.close()
	t.tickEntry = nil
	t.flush(true)
	if leaving {
		t.released = true
	}
	t.save()
	t.chat.hide(leaving)
	t.unlock()
}

// Show is called on pageshow from the back/forward cache and on
// visibilitychange to visible: the page is back, its stored queue its
// own again, its conversation listening, and the messages it got while
// hidden are read now.
func (t *Tag) Show() {
	t.mu.Lock()
	t.released = false
	t.save()
	t.flush(false)
	t.chat.listen()
	t.chat.visible()
	t.unlock()
}

// Online is called on the browser's online event: it sends what waits
// for a retry at once.
func (t *Tag) Online() {
	t.mu.Lock()
	t.logf("back online")
	if t.retry != nil {
		t.retry()
		t.retry, t.retryAt = nil, 0
	}
	if t.mayStore() {
		t.adopt()
	}
	t.flush(false)
	t.save()
	t.chat.online()
	t.unlock()
}

// SetDebug turns the console log of requests, answers and decisions on
// or off.
func (t *Tag) SetDebug(on bool) {
	t.mu.Lock()
	t.debug = on
	t.logf("debug log on: reports to " + t.base)
	t.unlock()
}

// entryPoints are the current page's: those page() set, else the
// location and lpTag.section.
func (t *Tag) entryPoints() []string {
	if t.entry != nil {
		return t.entry
	}
	var sections []string
	if t.env.LpTag != nil {
		sections = t.env.LpTag.Sections()
	}
	return limitEntry(retail.Page(t.env.Page.URL(), sections))
}

// limitEntry keeps entry points within MaxEntryBytes and MaxEntryPoints.
func limitEntry(eps []string) []string {
	n := 0
	for i, e := range eps {
		n += len(e) + 3
		if n > MaxEntryBytes || i >= monitoring.MaxEntryPoints || len(e) > 2048 {
			return eps[:i]
		}
	}
	return eps
}

func sameStrings(a, b []string) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if a[i] != b[i] {
			return false
		}
	}
	return true
}

// queueInfo is what a stored queue says of the page that stored it.
type queueInfo struct {
	saved, retry int64  // when it stored the queue, when its retry pause ends (ms)
	gen          int64  // how many times it wrote it
	released     bool   // at pagehide
	note         bool   // a taker's note, in place of the queue it took
	taken        int64  // in a note: the write it took
	by           string // in a note: the taker's tab ("" in an older tag's)
}

// encodeQueue writes a stored queue:
// {"v":1,"t":saved,"g":gen,"w":retry,"r":released,"q":[{"n":attempts,"ep":[entry points],"a":[SDEs]}]}.
func encodeQueue(q []*batch, info queueInfo) []byte {
	b := []byte(`{"v":1,"t":`)
	b = strconv.AppendInt(b, info.saved, 10)
	b = append(b, `,"g":`...)
	b = strconv.AppendInt(b, info.gen, 10)
	b = append(b, `,"w":`...)
	b = strconv.AppendInt(b, info.retry, 10)
	b = append(b, `,"r":`...)
	b = strconv.AppendBool(b, info.released)
	b = append(b, `,"q":[`...)
	for i, e := range q {
		if i > 0 {
			b = append(b, ',')
		}
		b = append(b, `{"n":`...)
		b = strconv.AppendInt(b, int64(e.attempt), 10)
		b = append(b, `,"ep":`...)
		b = jsonv.Append(b, e.entry)
		b = append(b, `,"a":`...)
		b = liveperson.AppendSDEs(b, e.sdes)
		b = append(b, '}')
	}
	return append(b, "]}"...)
}

// encodeTaken writes a taker's note in place of a stored queue it took:
// {"v":1,"t":now,"taken":gen,"by":tab}.
func encodeTaken(gen, now int64, tab string) []byte {
	b := strconv.AppendInt([]byte(`{"v":1,"t":`), now, 10)
	b = strconv.AppendInt(append(b, `,"taken":`...), gen, 10)
	return append(b, `,"by":"`+tab+`"}`...)
}

// readQueue reads a stored queue's entries, as JSON values, and what it
// says of its page.
func readQueue(data []byte) (entries []any, info queueInfo, err error) {
	v, err := jsonv.Parse(data)
	if err != nil {
		return nil, info, err
	}
	m, _ := v.(map[string]any)
	if m == nil || m["v"] != 1.0 {
		return nil, info, &liveperson.ValidationError{Index: -1, Field: "queue", Problem: "is not a version 1 queue"}
	}
	num := func(k string) int64 { f, _ := m[k].(float64); return int64(f) }
	_, note := m["taken"]
	by, _ := m["by"].(string)
	info = queueInfo{saved: num("t"), retry: num("w"), gen: num("g"), released: m["r"] == true, note: note, taken: num("taken"), by: by}
	entries, _ = m["q"].([]any)
	return entries, info, nil
}

// decodeBatch reads the i-th entry of the stored queue, validating every
// attribute again: storage is the visitor's to edit.
func decodeBatch(m map[string]any, i int) (*batch, error) {
	bad := func(problem string) error {
		return &liveperson.ValidationError{Index: -1, Field: "queue[" + strconv.Itoa(i) + "]", Problem: problem}
	}
	n, _ := m["n"].(float64)
	eps, _ := m["ep"].([]any)
	b := &batch{attempt: int(n)}
	for _, ep := range eps {
		s, ok := ep.(string)
		if !ok {
			return nil, bad("has an entry point that is not a string")
		}
		b.entry = append(b.entry, s)
	}
	b.entry = limitEntry(b.entry)
	sdes, err := liveperson.ParseSDEs(m["a"])
	if err != nil {
		return nil, bad(err.Error())
	}
	for _, s := range sdes {
		b.size += len(s.AppendJSON(nil)) + 1
	}
	if b.size > batchBudget || len(sdes) > monitoring.MaxSDEs {
		return nil, bad("is larger than a request may be")
	}
	b.sdes = sdes
	return b, nil
}
