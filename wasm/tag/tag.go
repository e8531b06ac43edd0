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
	// QueueLease is how long (ms) the batches another tab stored stay that
	// tab's own. A tab stores its unsent batches again at least once per
	// retry pause (monitoring.MaxWait at most), so a tab silent for longer
	// was closed (or frozen, or is offline): a tab that starts then takes
	// its batches over and sends them, and the old tab, if it comes back,
	// leaves them to it.
	QueueLease = 2 * monitoring.MaxWait
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
	tab         string // this page's name in the stored queue, which every tab of the site shares
	stored      bool   // the stored queue holds batches of this page

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

	conv    conversationState
	replies []func() // callbacks to run once mu is released
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
	id      string // its name in the stored queue, given when first stored
	stored  bool   // in the stored queue as this page last wrote it
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
	t := &Tag{cfg: cfg, env: env, debug: cfg.Debug,
		local: &Fallback{Primary: env.Local}, session: &Fallback{Primary: env.Session}}
	t.tab = t.randomHex(8)
	if !cfg.ConsentRequired {
		t.consent = consentGranted
	} else if v, _ := t.local.Get(t.key("consent")); v == "1" {
		t.consent, t.marketing = consentGranted, true
	}
	if env.LpTag != nil {
		env.LpTag.Watch(t.lpTagChanged)
	}
	t.mu.Lock()
	defer t.unlock()
	if t.consent == consentGranted {
		t.restore()
	}
	t.logf("started: account " + cfg.Account + ", " + t.route() + consentNote(cfg))
	t.flush(false)
	t.save()
	return t
}

func consentNote(cfg Config) string {
	if cfg.ConsentRequired {
		return ", consent required"
	}
	return ""
}

func (t *Tag) route() string {
	if t.cfg.Direct() {
		return "reports to " + t.cfg.Scheme + "://" + t.cfg.Domain
	}
	return "reports through " + t.cfg.Proxy
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
		t.env.Console.Warn("lpedge: the browser refused to store data (" + err.Error() +
			"); unsent events are kept in memory for this page only")
	}
}

// restore reads what earlier pages left: ids, cart, customer, queue.
func (t *Tag) restore() {
	t.vid, _ = t.local.Get(t.key("vid"))
	t.sid, _ = t.session.Get(t.key("sid"))
	t.customerID, _ = t.session.Get(t.key("customer"))
	t.conv.id, _ = t.session.Get(t.key("conversation"))
	if s, ok := t.session.Get(t.key("cart")); ok {
		if sdes, err := liveperson.DecodeSDEs([]byte(s)); err == nil && len(sdes) == 1 {
			if err := t.cart.Load(sdes[0]); err != nil {
				t.logf("stored cart dropped: " + err.Error())
			}
		}
	}
	// The page before this one in this browser tab left its batches to
	// this one at once; other tabs' wait for QueueLease.
	prev, _ := t.session.Get(t.key("tab"))
	t.store(t.session, "tab", t.tab)
	s, ok := t.local.Get(t.key("queue"))
	if !ok {
		return
	}
	list, err := readQueue([]byte(s))
	if err != nil {
		t.env.Console.Warn("lpedge: unsent events stored by an earlier page are unreadable and were dropped: " + err.Error())
		t.local.Remove(t.key("queue"))
		return
	}
	var q []*batch
	var others []any
	for i, e := range list {
		m, _ := e.(map[string]any)
		owner, _ := m["o"].(string)
		at, _ := m["t"].(float64)
		if owner != "" && owner != prev && t.env.Clock.Now()-int64(at) < QueueLease {
			others = append(others, e) // a live tab's
			continue
		}
		b, err := decodeBatch(m, i)
		if err != nil {
			t.env.Console.Warn("lpedge: unsent events stored by an earlier page are unreadable and were dropped: " + err.Error())
			continue
		}
		q = append(q, b)
	}
	if len(q) > MaxBatches {
		q = q[len(q)-MaxBatches:]
	}
	t.queue = append(q, t.queue...)
	// Taken over in storage at once, so that no other tab takes them too.
	t.write(others)
	t.logf("restored " + strconv.Itoa(len(q)) + " unsent request(s) from an earlier page")
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
		t.env.Console.Warn("lpedge: " + strconv.Itoa(dropped) + " unsent engagement attribute(s) dropped, the oldest: at most " +
			strconv.Itoa(MaxBatches) + " requests or " + strconv.Itoa(MaxQueued) + " attributes wait to be sent")
	}
}

// endTick runs after the code that made this tick's calls: the tick's
// attributes become one request.
func (t *Tag) endTick() {
	t.mu.Lock()
	defer t.unlock()
	t.tickTimer, t.tickEntry = false, nil
	t.close()
	t.flush(false)
	t.save()
}

// save writes the unsent queue to localStorage, beside what other tabs
// stored there. A request in flight is left out the first time: it was
// sent with keepalive and outlives the page, and keeping it would send it
// twice. Once it has failed, it is kept while it is retried: LivePerson
// was failing, so losing it is likelier than sending it twice.
func (t *Tag) save() {
	if !t.mayStore() || !t.stored && len(t.queue) == t.inflight {
		return
	}
	t.write(t.others())
}

// write stores this page's unsent batches after others, the entries of
// other tabs, or removes the key when both are empty.
func (t *Tag) write(others []any) {
	keep := t.queue[t.inflight:]
	for i := t.inflight - 1; i >= 0; i-- {
		if t.queue[i].attempt > 0 {
			keep = t.queue[i:]
			break
		}
	}
	for _, b := range t.queue {
		b.stored = false
	}
	for _, b := range keep {
		if b.id == "" {
			b.id = t.randomHex(8)
		}
		b.stored = true
	}
	t.stored = len(keep) > 0
	if len(keep)+len(others) == 0 {
		t.local.Remove(t.key("queue"))
		return
	}
	t.store(t.local, "queue", string(encodeQueue(others, keep, t.tab, t.env.Clock.Now())))
}

// others reads the stored entries of other tabs. A batch this page
// stored that is no longer there as its own was taken over by another
// tab (see QueueLease; it may have been sent already), or the visitor
// cleared the storage or withdrew consent in another tab: it leaves the
// queue.
func (t *Tag) others() []any {
	s, _ := t.local.Get(t.key("queue"))
	list, _ := readQueue([]byte(s))
	var out []any
	var mine []string
	for _, e := range list {
		m, _ := e.(map[string]any)
		if owner, _ := m["o"].(string); owner == t.tab {
			id, _ := m["i"].(string)
			mine = append(mine, id)
			continue
		}
		out = append(out, e)
	}
	for i := t.inflight; i < len(t.queue); {
		if b := t.queue[i]; b.stored && !contains(mine, b.id) {
			t.logf("another tab took over an unsent request of this page")
			t.queue = append(t.queue[:i], t.queue[i+1:]...)
			continue
		}
		i++
	}
	return out
}

// Hide is called on pagehide and on visibilitychange to hidden: the
// page may go away. It sends what is unsent with keepalive and stores the
// rest.
func (t *Tag) Hide() {
	t.mu.Lock()
	defer t.unlock()
	t.close()
	t.tickEntry = nil
	t.flush(true)
	t.save()
}

// Online is called on the browser's online event: it sends what waits
// for a retry at once.
func (t *Tag) Online() {
	t.mu.Lock()
	defer t.unlock()
	t.logf("back online")
	if t.retry != nil {
		t.retry()
		t.retry = nil
	}
	t.flush(false)
}

// SetDebug turns the console log of requests, answers and decisions on
// or off.
func (t *Tag) SetDebug(on bool) {
	t.mu.Lock()
	defer t.unlock()
	t.debug = on
	t.logf("debug log on: " + t.route())
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

// encodeQueue writes the stored queue: others' entries as they are, then
// q's batches as owner's at now:
// {"v":1,"q":[{"i":id,"o":owner tab,"t":ms,"n":attempts,"ep":[entry points],"a":[SDEs]}]}.
func encodeQueue(others []any, q []*batch, owner string, now int64) []byte {
	b := []byte(`{"v":1,"q":[`)
	for _, e := range others {
		b = append(jsonv.Append(b, e), ',')
	}
	for _, e := range q {
		b = append(b, `{"i":`...)
		b = jsonv.AppendString(b, e.id)
		b = append(b, `,"o":`...)
		b = jsonv.AppendString(b, owner)
		b = append(b, `,"t":`...)
		b = strconv.AppendInt(b, now, 10)
		b = append(b, `,"n":`...)
		b = strconv.AppendInt(b, int64(e.attempt), 10)
		b = append(b, `,"ep":`...)
		b = jsonv.Append(b, e.entry)
		b = append(b, `,"a":`...)
		b = liveperson.AppendSDEs(b, e.sdes)
		b = append(b, "},"...)
	}
	if b[len(b)-1] == ',' {
		b = b[:len(b)-1]
	}
	return append(b, "]}"...)
}

// readQueue reads the stored queue's entries, as JSON values.
func readQueue(data []byte) ([]any, error) {
	v, err := jsonv.Parse(data)
	if err != nil {
		return nil, err
	}
	m, _ := v.(map[string]any)
	if m == nil || m["v"] != 1.0 {
		return nil, &liveperson.ValidationError{Index: -1, Field: "queue", Problem: "is not a version 1 queue"}
	}
	list, _ := m["q"].([]any)
	return list, nil
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
	b.id, _ = m["i"].(string)
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
