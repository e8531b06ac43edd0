package proxy

import (
	"context"
	"sync"
	"time"

	lru "github.com/hashicorp/golang-lru/v2"
)

// MemoryOptions bound a [MemoryEngine]; zero values select the Default*
// constants of the same names (DefaultEventLogEvents, ...).
type MemoryOptions struct {
	Events        int           // events kept per conversation, oldest dropped first
	Conversations int           // conversations (and consumers) kept, least recently used dropped first
	TTL           time.Duration // a log is dropped this long after its last event
	Bytes         int64         // estimated memory of all logs together, least recently used dropped first
	Now           func() time.Time
}

// A MemoryEngine is the default [Engine]: the logs live in the process,
// bounded in events per conversation, in conversations (LRU) and in time
// (TTL), and are lost on a restart. Instances do not share it: run one
// native process, or give instances a shared Engine.
//
// A log keeps the keys of up to twice as many events as it holds, so a
// duplicate of an event already dropped for the bound is still dropped
// for a while. After a restart (or when a log was dropped) a log starts
// again at seq 1; readers that ask for events after a seq the log has
// not reached get the whole log (see the events route).
type MemoryEngine struct {
	opts    MemoryOptions
	mu      sync.Mutex
	bytes   int64 // eventBytes of every log
	logs    *lru.Cache[string, *convLog]
	open    *lru.Cache[string, string] // consumer -> conversation
	waiters map[string]*openWaiter     // consumers whose open conversation a create waits for
}

type openWaiter struct {
	ch chan struct{} // closed when the consumer's open conversation is set
	n  int           // waiters; m.mu guards it
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
func NewMemoryEngine(o MemoryOptions) *MemoryEngine {
	setDefault(&o.Events, DefaultEventLogEvents)
	setDefault(&o.Conversations, DefaultEventLogConversations)
	setDefault(&o.TTL, DefaultEventLogTTL)
	setDefault(&o.Bytes, DefaultEventLogBytes)
	if o.Now == nil {
		o.Now = time.Now
	}
	m := &MemoryEngine{opts: o, waiters: map[string]*openWaiter{}}
	// The callbacks run under m.mu: every cache call is made holding it.
	m.logs, _ = lru.NewWithEvict(o.Conversations, func(_ string, l *convLog) {
		m.bytes -= l.bytes
		close(l.wake)
	})
	m.open, _ = lru.New[string, string](o.Conversations)
	return m
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
	l := &convLog{keys: map[string]struct{}{}, touched: now, wake: make(chan struct{})}
	m.logs.Add(conv, l)
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
func (m *MemoryEngine) Read(_ context.Context, conv string, after int64) ([]Event, int64, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	l := m.log(conv, false)
	if l == nil {
		return nil, 0, nil
	}
	var out []Event
	if n := len(l.events); n > 0 {
		// Seqs are consecutive: the first event > after is at a known index.
		first := l.events[0].Seq
		i := max(0, min(int64(n), after-first+1))
		out = append(out, l.events[i:]...)
	}
	return out, l.last, nil
}

// Wait implements [Engine].
func (m *MemoryEngine) Wait(ctx context.Context, conv string, after int64) error {
	m.mu.Lock()
	l := m.log(conv, true)
	if l.last > after {
		m.mu.Unlock()
		return nil
	}
	wake := l.wake
	m.mu.Unlock()
	select {
	case <-wake:
		return nil
	case <-ctx.Done():
		return ctx.Err()
	}
}

// SetOpen implements [Engine].
func (m *MemoryEngine) SetOpen(_ context.Context, consumer, conv string, open bool) error {
	m.mu.Lock()
	defer m.mu.Unlock()
	if !open {
		if c, ok := m.open.Peek(consumer); ok && c == conv {
			m.open.Remove(consumer)
		}
		return nil
	}
	m.open.Add(consumer, conv)
	if w, ok := m.waiters[consumer]; ok {
		close(w.ch)
		delete(m.waiters, consumer)
	}
	return nil
}

// OpenConversation implements [Engine].
func (m *MemoryEngine) OpenConversation(ctx context.Context, consumer string, wait time.Duration) (string, error) {
	m.mu.Lock()
	if c, ok := m.open.Get(consumer); ok || wait <= 0 {
		m.mu.Unlock()
		return c, nil
	}
	w, ok := m.waiters[consumer]
	if !ok {
		w = &openWaiter{ch: make(chan struct{})}
		m.waiters[consumer] = w
	}
	w.n++
	m.mu.Unlock()
	t := time.NewTimer(wait)
	defer t.Stop()
	select {
	case <-w.ch:
	case <-t.C:
	case <-ctx.Done():
	}
	m.mu.Lock()
	defer m.mu.Unlock()
	// The last waiter to give up removes what SetOpen did not.
	if w.n--; w.n == 0 && m.waiters[consumer] == w {
		delete(m.waiters, consumer)
	}
	if c, ok := m.open.Get(consumer); ok {
		return c, nil
	}
	return "", ctx.Err()
}
