package proxy

import (
	"context"
	"sync"
	"time"

	lru "github.com/hashicorp/golang-lru/v2"
)

// EngineOptions bound a [MemoryEngine] or a [BoltEngine] (where
// "least recently used" reads "oldest"); zero values select the Default*
// constants of the same names (DefaultEventLogEvents, ...,
// DefaultIdempotencyEntries for Records). Config's IdempotencyEntries and
// EventLog* settings fill them in.
type EngineOptions struct {
	Records       int           // idempotency records kept, least recently used dropped first
	Events        int           // events kept per conversation, oldest dropped first
	Conversations int           // conversations (and consumers) kept, least recently used dropped first
	TTL           time.Duration // a log is dropped this long after its last event
	Bytes         int64         // estimated memory of all logs together, least recently used dropped first
	Now           func() time.Time
}

// withDefaults fills in the zero values.
func (o EngineOptions) withDefaults() EngineOptions {
	setDefault(&o.Records, DefaultIdempotencyEntries)
	setDefault(&o.Events, DefaultEventLogEvents)
	setDefault(&o.Conversations, DefaultEventLogConversations)
	setDefault(&o.TTL, DefaultEventLogTTL)
	setDefault(&o.Bytes, DefaultEventLogBytes)
	if o.Now == nil {
		o.Now = time.Now
	}
	return o
}

// A MemoryEngine is the default [Engine]: the idempotency records and
// logs live in the process, the records bounded in number (LRU) and the
// logs in events per conversation, in conversations (LRU), in time (TTL)
// and in bytes, and are lost on a restart. Instances do not share it:
// run one native process, or give instances a shared Engine.
//
// A log keeps the keys of up to twice as many events as it holds, so a
// duplicate of an event already dropped for the bound is still dropped
// for a while. A new log's seqs start after its creation time in
// microseconds (under 2^53 until the year 2255), not at 1: after a
// restart, or when a log was dropped for its bounds, the next log of the
// conversation numbers its events above any seq a reader has seen, so a
// reader that resumes after its last seq gets them. (Within one process
// a new log also starts above every log dropped before it; across a
// restart the clock must not have gone back.)
type MemoryEngine struct {
	opts    EngineOptions
	mu      sync.Mutex
	bytes   int64 // eventBytes of every log
	logs    *lru.Cache[string, *convLog]
	records *lru.Cache[IdemKey, *idemRecord]
	open    *lru.Cache[string, *openState] // by consumer
	waiters map[string]*waiter             // consumers whose open conversation a create waits for
	// floor is the highest seq of a log dropped so far: a new log starts
	// above it, in case the clock has not moved past it.
	floor int64
	// unlogged are the conversations without a log that readers wait
	// on: a reader does not make a log, which would take an LRU slot
	// and, past the bound, push out (and wake) another's.
	unlogged map[string]*waiter
}

// A waiter is a channel that several may wait on, and how many do.
type waiter struct {
	ch chan struct{} // closed when what they wait for happens
	n  int           // waiting; m.mu guards it
}

// join returns key's waiter in ws, made when there is none, counting one
// more waiting. m.mu is held.
func join(ws map[string]*waiter, key string) *waiter {
	w, ok := ws[key]
	if !ok {
		w = &waiter{ch: make(chan struct{})}
		ws[key] = w
	}
	w.n++
	return w
}

// leave counts one less waiting on w; the last one removes it from ws
// unless it was woken (and removed) meanwhile. m.mu is held.
func leave(ws map[string]*waiter, key string, w *waiter) {
	if w.n--; w.n == 0 && ws[key] == w {
		delete(ws, key)
	}
}

// wake closes key's waiter in ws, if any. m.mu is held.
func wake(ws map[string]*waiter, key string) {
	if w, ok := ws[key]; ok {
		close(w.ch)
		delete(ws, key)
	}
}

// An idemRecord is a claim on an idempotency key, or once completed the
// answer to replay.
type idemRecord struct {
	sum    [32]byte
	token  string    // the claimant's
	until  time.Time // the end of the claim's lease, or of the answer's life
	answer *Answer   // nil while claimed
	// ended is closed when the claim ends: completed, released, or
	// dropped from the cache.
	ended chan struct{}
}

type convLog struct {
	bytes   int64   // eventBytes of its events and keys
	events  []Event // oldest first
	last    int64
	keys    map[string]struct{}
	order   []string // keys in arrival order, for forgetting the oldest
	touched time.Time
	wake    chan struct{} // closed and replaced on every append
}

// NewMemoryEngine returns an empty engine.
func NewMemoryEngine(o EngineOptions) *MemoryEngine {
	o = o.withDefaults()
	m := &MemoryEngine{opts: o, waiters: map[string]*waiter{}, unlogged: map[string]*waiter{}}
	// The callbacks run under m.mu: every cache call is made holding it.
	m.logs, _ = lru.NewWithEvict(o.Conversations, func(_ string, l *convLog) {
		m.bytes -= l.bytes
		m.floor = max(m.floor, l.last)
		close(l.wake)
	})
	m.open, _ = lru.New[string, *openState](o.Conversations)
	m.records, _ = lru.NewWithEvict(o.Records, func(_ IdemKey, r *idemRecord) {
		if r.answer == nil {
			close(r.ended)
		}
	})
	return m
}

// Claim implements [Engine].
func (m *MemoryEngine) Claim(ctx context.Context, k IdemKey, sum [32]byte, token string, lease time.Duration) (*Answer, error) {
	for {
		m.mu.Lock()
		now := m.opts.Now()
		r, ok := m.records.Get(k)
		if ok && !now.Before(r.until) {
			m.records.Remove(k)
			ok = false
		}
		switch {
		case !ok:
			m.records.Add(k, &idemRecord{sum: sum, token: token, until: now.Add(lease), ended: make(chan struct{})})
			m.mu.Unlock()
			return nil, nil
		case r.answer == nil && r.token == token && r.sum == sum: // claimed again: a new lease
			r.until = now.Add(lease)
			m.mu.Unlock()
			return nil, nil
		case r.sum != sum:
			m.mu.Unlock()
			return nil, ErrKeyReused
		case r.answer != nil:
			a := *r.answer
			m.mu.Unlock()
			return &a, nil
		}
		ended, left := r.ended, r.until.Sub(now)
		m.mu.Unlock()
		if err := sleep(ctx, ended, left); err != nil {
			return nil, err
		}
	}
}

// sleep waits until ch is closed or d has passed, or returns ctx.Err().
func sleep(ctx context.Context, ch <-chan struct{}, d time.Duration) error {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-ch:
	case <-t.C:
	case <-ctx.Done():
		return ctx.Err()
	}
	return nil
}

// Complete implements [Engine].
func (m *MemoryEngine) Complete(_ context.Context, k IdemKey, token string, a Answer, ttl time.Duration) error {
	m.mu.Lock()
	defer m.mu.Unlock()
	r, ok := m.records.Get(k)
	if !ok || r.answer != nil || r.token != token {
		return ErrClaimLost
	}
	r.answer, r.until = &a, m.opts.Now().Add(ttl)
	close(r.ended)
	return nil
}

// Release implements [Engine].
func (m *MemoryEngine) Release(_ context.Context, k IdemKey, token string) error {
	m.mu.Lock()
	defer m.mu.Unlock()
	if r, ok := m.records.Peek(k); ok && r.answer == nil && r.token == token {
		m.records.Remove(k) // the eviction callback wakes the waiters
	}
	return nil
}

// log returns conv's log, made when create is set (else nil when there is
// none). A log past its TTL is dropped first. m.mu is held.
func (m *MemoryEngine) log(conv string, create bool) *convLog {
	now := m.opts.Now()
	if l, ok := m.logs.Get(conv); ok {
		if now.Sub(l.touched) < m.opts.TTL {
			return l
		}
		m.logs.Remove(conv)
	}
	// Expired logs at the cold end go too, a few at a time.
	for range 2 {
		if k, l, ok := m.logs.GetOldest(); ok && now.Sub(l.touched) >= m.opts.TTL {
			m.logs.Remove(k)
		}
	}
	if !create {
		return nil
	}
	l := &convLog{keys: map[string]struct{}{}, touched: now, wake: make(chan struct{}), last: max(now.UnixMicro(), m.floor)}
	m.logs.Add(conv, l)
	wake(m.unlogged, conv)
	return l
}

// Append implements [Engine].
func (m *MemoryEngine) Append(_ context.Context, conv string, evs []Event) (int, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	l := m.log(conv, true)
	added := 0
	for _, e := range evs {
		if e.Key != "" {
			if _, dup := l.keys[e.Key]; dup {
				continue
			}
			l.keys[e.Key] = struct{}{}
			l.order = append(l.order, e.Key)
			m.grow(l, keyBytes(e.Key))
			if len(l.order) > 2*m.opts.Events {
				m.grow(l, -keyBytes(l.order[0]))
				delete(l.keys, l.order[0])
				l.order = l.order[1:]
			}
		}
		l.last++
		e.Seq = l.last
		l.events = append(l.events, e)
		m.grow(l, eventBytes(e))
		if len(l.events) > m.opts.Events {
			m.grow(l, -eventBytes(l.events[0]))
			l.events[0] = Event{}
			l.events = l.events[1:]
		}
		added++
	}
	// Over the memory bound, the least recently used logs go; l, just
	// used, is the last to.
	for m.bytes > m.opts.Bytes && m.logs.Len() > 1 {
		m.logs.RemoveOldest()
	}
	if added > 0 {
		l.touched = m.opts.Now()
		close(l.wake)
		l.wake = make(chan struct{})
	}
	return added, nil
}

// Estimates of what an event and a key take in a log: their bytes and
// the bookkeeping around them (the Event, a map entry, a slice entry).
func eventBytes(e Event) int64 { return int64(len(e.Data)+len(e.Key)) + 64 }
func keyBytes(k string) int64  { return int64(len(k)) + 64 }

// grow counts n more bytes (or fewer) in l and in m. m.mu is held.
func (m *MemoryEngine) grow(l *convLog, n int64) {
	l.bytes += n
	m.bytes += n
}

// Read implements [Engine].
func (m *MemoryEngine) Read(ctx context.Context, conv string, after int64, wait time.Duration) ([]Event, int64, error) {
	m.mu.Lock()
	evs, last, ch := m.read(conv, after, wait > 0)
	m.mu.Unlock()
	if len(evs) > 0 || ch == nil {
		return evs, last, nil
	}
	err := sleep(ctx, ch, wait)
	m.mu.Lock()
	defer m.mu.Unlock()
	if l, ok := m.unlogged[conv]; ok && l.ch == ch {
		leave(m.unlogged, conv, l)
	}
	if err != nil {
		return nil, 0, err
	}
	evs, last, _ = m.read(conv, after, false)
	return evs, last, nil
}

// read returns a copy of conv's events after after and its last seq,
// and when there are none and wake is set, a channel closed when some
// may be: a reader waiting for a conversation without a log is counted
// in m.unlogged until it leaves. m.mu is held.
func (m *MemoryEngine) read(conv string, after int64, wake bool) ([]Event, int64, <-chan struct{}) {
	l := m.log(conv, false)
	if l == nil {
		if !wake {
			return nil, 0, nil
		}
		return nil, 0, join(m.unlogged, conv).ch
	}
	var out []Event
	if n := len(l.events); n > 0 {
		// Seqs are consecutive: the first event > after is at a known index.
		first := l.events[0].Seq
		i := max(0, min(int64(n), after-first+1))
		rest := l.events[i:]
		out = append(out, rest[:withinReadBytes(rest)]...)
	}
	if len(out) > 0 || !wake {
		return out, l.last, nil
	}
	return nil, l.last, l.wake
}

// SetOpen implements [Engine].
func (m *MemoryEngine) SetOpen(_ context.Context, consumer, conv string, open bool) error {
	m.mu.Lock()
	defer m.mu.Unlock()
	s, ok := m.open.Get(consumer)
	if !ok {
		s = &openState{}
	}
	if !s.set(conv, open) {
		return nil
	}
	m.open.Add(consumer, s)
	if open {
		wake(m.waiters, consumer)
	}
	return nil
}

// openConv returns consumer's open conversation, if any. m.mu is held.
func (m *MemoryEngine) openConv(consumer string) (string, bool) {
	if s, ok := m.open.Get(consumer); ok && s.conv != "" {
		return s.conv, true
	}
	return "", false
}

// OpenConversation implements [Engine].
func (m *MemoryEngine) OpenConversation(ctx context.Context, consumer string, wait time.Duration) (string, error) {
	m.mu.Lock()
	if c, ok := m.openConv(consumer); ok || wait <= 0 {
		m.mu.Unlock()
		return c, nil
	}
	w := join(m.waiters, consumer)
	m.mu.Unlock()
	_ = sleep(ctx, w.ch, wait) // ctx's end is answered below: with what is known
	m.mu.Lock()
	defer m.mu.Unlock()
	leave(m.waiters, consumer, w)
	if c, ok := m.openConv(consumer); ok {
		return c, nil
	}
	return "", ctx.Err()
}
