//go:build !js

package proxy

import (
	"bytes"
	"context"
	"encoding/binary"
	"errors"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	bolt "go.etcd.io/bbolt"
)

// A BoltEngine is an [Engine] that keeps its state in a file (bbolt), so
// that a restart of the native proxy loses nothing: idempotency answers,
// open conversations and event logs, with the bounds
// of a [MemoryEngine] (EngineOptions). Each change is committed (and
// synced) before the method returns. One process opens a file at a time
// (bbolt locks it), so waiters are woken within the process.
//
// Where a MemoryEngine drops the least recently used, a BoltEngine drops
// the oldest: records by the end of their lease or life, logs by their
// last event, open conversations by when they were set.
type BoltEngine struct {
	db     *bolt.DB
	opts   EngineOptions
	mu     sync.Mutex            // guards the waiters and claims
	logs   map[string]*waiter    // readers by conversation
	open   map[string]*waiter    // OpenConversation by consumer
	claims map[string]*boltClaim // live claims by record key
	// writing counts the writes under way.
	writing atomic.Int32
}

// Bucket names. Tables (see table) hold the records, the open
// conversations and the logs' metadata; logs holds a bucket per
// conversation with its events (e), their keys (k: key -> seq) and the
// keys in arrival order (o: seq -> key).
var (
	bucketMeta  = []byte("meta") // counters of the tables, floor
	bucketLogs  = []byte("logs")
	bucketE     = []byte("e")
	bucketK     = []byte("k")
	bucketO     = []byte("o")
	keyFloor    = []byte("floor")
	keyLogBytes = []byte("bytes")
	records     = table{name: []byte("records"), index: []byte("records-by-time")}
	opens       = table{name: []byte("open"), index: []byte("open-by-time")}
	logMetas    = table{name: []byte("logmeta"), index: []byte("logmeta-by-time")}
)

// batchDelay is how long a write waits for others to share its commit:
// a sync costs milliseconds, so under load one commit serves many.
const batchDelay = 2 * time.Millisecond

// OpenBoltEngine opens (or creates) the state file at path.
func OpenBoltEngine(path string, o EngineOptions) (*BoltEngine, error) {
	o = o.withDefaults()
	db, err := bolt.Open(path, 0o600, &bolt.Options{Timeout: time.Second})
	if err != nil {
		return nil, err
	}
	err = db.Update(func(tx *bolt.Tx) error {
		for _, name := range [][]byte{bucketMeta, bucketLogs, records.name, records.index, opens.name, opens.index, logMetas.name, logMetas.index} {
			if _, err := tx.CreateBucketIfNotExists(name); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		db.Close()
		return nil, err
	}
	// A write waits at most this long for others to join its batch.
	db.MaxBatchDelay = batchDelay
	return &BoltEngine{db: db, opts: o, logs: map[string]*waiter{}, open: map[string]*waiter{}, claims: map[string]*boltClaim{}}, nil
}

// OpenStateFile opens the state file at path with cfg's bounds
// (IdempotencyEntries, EventLog*), for cfg.Engine: what -state FILE does.
func OpenStateFile(path string, cfg Config) (*BoltEngine, error) {
	return OpenBoltEngine(path, cfg.engineOptions())
}

// write runs fn in a read-write transaction. A write that comes while
// others are under way is batched with them (one commit and sync for the
// webhooks and creates that come together); a lone write is committed at
// once, without waiting for company. fn may run more than once, so it
// sets its results afresh, and returns an error only for a failure of
// the file.
func (b *BoltEngine) write(fn func(*bolt.Tx) error) error {
	defer b.writing.Add(-1)
	if b.writing.Add(1) == 1 {
		return b.db.Update(fn)
	}
	return b.db.Batch(fn)
}

// Close closes the file; waiters still waiting end with their contexts.
func (b *BoltEngine) Close() error { return b.db.Close() }

// join counts one more waiting on ws[key]; the caller must leave.
func (b *BoltEngine) join(ws map[string]*waiter, key string) *waiter {
	b.mu.Lock()
	defer b.mu.Unlock()
	return join(ws, key)
}

func (b *BoltEngine) leave(ws map[string]*waiter, key string, w *waiter) {
	b.mu.Lock()
	defer b.mu.Unlock()
	leave(ws, key, w)
}

func (b *BoltEngine) wake(ws map[string]*waiter, key string) {
	b.mu.Lock()
	defer b.mu.Unlock()
	wake(ws, key)
}

// A record's value: the request's sum, the answer's status and body.
func encodeRecord(sum [32]byte, a Answer) []byte {
	v := binary.BigEndian.AppendUint32(append(sum[:], make([]byte, 0, 4+len(a.Body))...), uint32(a.Status))
	return append(v, a.Body...)
}

func decodeRecord(v []byte) (sum [32]byte, a Answer, ok bool) {
	if len(v) < 36 {
		return sum, a, false
	}
	copy(sum[:], v)
	return sum, Answer{Status: int(binary.BigEndian.Uint32(v[32:])), Body: bytes.Clone(v[36:])}, true
}

func recordKey(k IdemKey) string { return k.Scope + "\x00" + k.Key }

// A boltClaim is a live claim. Claims are kept in memory, not in the
// file: one process holds the file, so a claimant and its claims end
// together, and a create costs one write (its answer), not two.
type boltClaim struct {
	sum   [32]byte
	token string
	until time.Time     // the end of its lease
	ended chan struct{} // closed when it is completed, released or taken over
}

// Claim implements [Engine].
func (b *BoltEngine) Claim(ctx context.Context, k IdemKey, sum [32]byte, token string, lease time.Duration) (*Answer, error) {
	rk := recordKey(k)
	for {
		b.mu.Lock()
		now := b.opts.Now()
		c := b.claims[rk]
		if c != nil && !now.Before(c.until) {
			b.endClaim(rk, c)
			c = nil
		}
		switch {
		case c != nil && c.sum != sum:
			b.mu.Unlock()
			return nil, ErrKeyReused
		case c != nil && c.token == token: // claimed again: a new lease
			c.until = now.Add(lease)
			b.mu.Unlock()
			return nil, nil
		case c != nil:
			ended, left := c.ended, c.until.Sub(now)
			b.mu.Unlock()
			if err := sleep(ctx, ended, left); err != nil {
				return nil, err
			}
			continue
		}
		// No live claim of another (it is looked up under b.mu, so that
		// no claim is made meanwhile): a stored answer, or the key is
		// the caller's.
		a, err := b.answer(rk, sum, now)
		if err == nil && a == nil {
			b.claims[rk] = &boltClaim{sum: sum, token: token, until: now.Add(lease), ended: make(chan struct{})}
		}
		b.mu.Unlock()
		return a, err
	}
}

// endClaim removes c and wakes its waiters. b.mu is held.
func (b *BoltEngine) endClaim(rk string, c *boltClaim) {
	if b.claims[rk] == c {
		delete(b.claims, rk)
		close(c.ended)
	}
}

// answer returns the answer stored for rk, ErrKeyReused if it was for
// another sum, or nil.
func (b *BoltEngine) answer(rk string, sum [32]byte, now time.Time) (*Answer, error) {
	var a *Answer
	err := b.db.View(func(tx *bolt.Tx) error {
		v, until, ok := records.get(tx, []byte(rk))
		if !ok || now.UnixNano() >= until {
			return nil
		}
		rsum, ans, valid := decodeRecord(v)
		switch {
		case !valid:
			return errors.New("state file: a damaged idempotency record")
		case rsum != sum:
			return ErrKeyReused
		}
		a = &ans
		return nil
	})
	return a, err
}

// pruneRecords drops records past their time, a few at a time, and the
// oldest past the bound.
func (b *BoltEngine) pruneRecords(tx *bolt.Tx, now time.Time) error {
	for i := 0; ; i++ {
		k, at, ok := records.oldest(tx)
		if !ok || (i >= 2 || at > now.UnixNano()) && records.len(tx) <= b.opts.Records {
			return nil
		}
		if err := records.del(tx, k); err != nil {
			return err
		}
	}
}

// wakeLater wakes ws[key] once tx has committed.
func (b *BoltEngine) wakeLater(tx *bolt.Tx, ws map[string]*waiter, key string) {
	tx.OnCommit(func() { b.wake(ws, key) })
}

// Complete implements [Engine]: the answer is stored (and synced) before
// the claim's waiters are woken to read it.
func (b *BoltEngine) Complete(_ context.Context, k IdemKey, token string, a Answer, ttl time.Duration) error {
	if a.Status <= 0 {
		return errors.New("an answer without a status")
	}
	rk := recordKey(k)
	b.mu.Lock()
	c := b.claims[rk]
	b.mu.Unlock()
	if c == nil || c.token != token {
		return ErrClaimLost
	}
	err := b.write(func(tx *bolt.Tx) error {
		now := b.opts.Now()
		if err := records.put(tx, []byte(rk), encodeRecord(c.sum, a), now.Add(ttl).UnixNano()); err != nil {
			return err
		}
		return b.pruneRecords(tx, now)
	})
	b.mu.Lock()
	b.endClaim(rk, c)
	b.mu.Unlock()
	return err
}

// Release implements [Engine].
func (b *BoltEngine) Release(_ context.Context, k IdemKey, token string) error {
	rk := recordKey(k)
	b.mu.Lock()
	defer b.mu.Unlock()
	if c := b.claims[rk]; c != nil && c.token == token {
		b.endClaim(rk, c)
	}
	return nil
}

// A log's metadata: its last seq, the bytes of its events and keys, and
// how many keys it knows.
type logMeta struct{ last, bytes, keys int64 }

func (m logMeta) encode() []byte {
	v := binary.BigEndian.AppendUint64(nil, uint64(m.last))
	v = binary.BigEndian.AppendUint64(v, uint64(m.bytes))
	return binary.BigEndian.AppendUint64(v, uint64(m.keys))
}

func decodeLogMeta(v []byte) (logMeta, bool) {
	if len(v) != 24 {
		return logMeta{}, false
	}
	return logMeta{int64(binary.BigEndian.Uint64(v)), int64(binary.BigEndian.Uint64(v[8:])), int64(binary.BigEndian.Uint64(v[16:]))}, true
}

// An event's value: its flags (1: closed), its key's length, key, data.
func encodeEvent(e Event) []byte {
	v := make([]byte, 0, 1+binary.MaxVarintLen64+len(e.Key)+len(e.Data))
	var flags byte
	if e.Closed {
		flags = 1
	}
	v = append(v, flags)
	v = binary.AppendUvarint(v, uint64(len(e.Key)))
	v = append(v, e.Key...)
	return append(v, e.Data...)
}

func decodeEvent(seq int64, v []byte) (Event, bool) {
	if len(v) < 2 {
		return Event{}, false
	}
	n, w := binary.Uvarint(v[1:])
	if w <= 0 || uint64(len(v)-1-w) < n {
		return Event{}, false
	}
	key := v[1+w : 1+w+int(n)]
	return Event{Seq: seq, Closed: v[0]&1 != 0, Key: string(key), Data: bytes.Clone(v[1+w+int(n):])}, true
}

func seqKey(seq int64) []byte { return binary.BigEndian.AppendUint64(nil, uint64(seq)) }

// log returns conv's log bucket and metadata; with create, a new log is
// made when there is none (else nil). A log past its TTL is dropped first.
func (b *BoltEngine) log(tx *bolt.Tx, conv string, now time.Time, create bool) (*bolt.Bucket, logMeta, error) {
	ck := []byte(conv)
	if v, at, ok := logMetas.get(tx, ck); ok {
		m, valid := decodeLogMeta(v)
		if !valid {
			return nil, logMeta{}, errors.New("state file: a damaged log")
		}
		if now.Sub(time.Unix(0, at)) < b.opts.TTL {
			lb := tx.Bucket(bucketLogs).Bucket(ck)
			if lb == nil {
				return nil, logMeta{}, errors.New("state file: a damaged log")
			}
			return lb, m, nil
		}
		if err := b.dropLog(tx, ck); err != nil {
			return nil, logMeta{}, err
		}
	}
	if !create {
		return nil, logMeta{}, nil
	}
	lb, err := tx.Bucket(bucketLogs).CreateBucket(ck)
	if err != nil {
		return nil, logMeta{}, err
	}
	for _, name := range [][]byte{bucketE, bucketK, bucketO} {
		if _, err := lb.CreateBucket(name); err != nil {
			return nil, logMeta{}, err
		}
	}
	m := logMeta{last: max(now.UnixMicro(), counter(tx, keyFloor))}
	return lb, m, logMetas.put(tx, ck, m.encode(), now.UnixNano())
}

// dropLog removes conv's log, raising the floor above its seqs and
// waking its readers.
func (b *BoltEngine) dropLog(tx *bolt.Tx, conv []byte) error {
	v, _, _ := logMetas.get(tx, conv)
	m, _ := decodeLogMeta(v)
	setCounter(tx, keyFloor, max(counter(tx, keyFloor), m.last))
	setCounter(tx, keyLogBytes, counter(tx, keyLogBytes)-m.bytes)
	b.wakeLater(tx, b.logs, string(conv))
	if err := tx.Bucket(bucketLogs).DeleteBucket(conv); err != nil && !errors.Is(err, bolt.ErrBucketNotFound) {
		return err
	}
	return logMetas.del(tx, conv)
}

// Append implements [Engine].
func (b *BoltEngine) Append(_ context.Context, conv string, evs []Event) (int, error) {
	added := 0
	err := b.write(func(tx *bolt.Tx) error {
		added = 0
		now := b.opts.Now()
		lb, m, err := b.log(tx, conv, now, true)
		if err != nil {
			return err
		}
		eb, kb, ob := lb.Bucket(bucketE), lb.Bucket(bucketK), lb.Bucket(bucketO)
		grew := int64(0)
		for _, e := range evs {
			if e.Key != "" {
				if kb.Get([]byte(e.Key)) != nil {
					continue
				}
				m.last++
				if err := kb.Put([]byte(e.Key), seqKey(m.last)); err != nil {
					return err
				}
				if err := ob.Put(seqKey(m.last), []byte(e.Key)); err != nil {
					return err
				}
				m.keys++
				grew += keyBytes(e.Key)
				if m.keys > int64(2*b.opts.Events) {
					c := ob.Cursor()
					sk, key := c.First()
					grew -= keyBytes(string(key))
					if err := kb.Delete(key); err != nil {
						return err
					}
					if err := ob.Delete(sk); err != nil {
						return err
					}
					m.keys--
				}
			} else {
				m.last++
			}
			e.Seq = m.last
			if err := eb.Put(seqKey(e.Seq), encodeEvent(e)); err != nil {
				return err
			}
			grew += eventBytes(e)
			added++
		}
		// The oldest events past the bound go.
		c := eb.Cursor()
		// (A cursor's Next after a Delete skips one: start again at First.)
		for sk, v := c.First(); sk != nil && int64(binary.BigEndian.Uint64(sk)) <= m.last-int64(b.opts.Events); sk, v = c.First() {
			if e, ok := decodeEvent(0, v); ok {
				grew -= eventBytes(e)
			}
			if err := c.Delete(); err != nil {
				return err
			}
		}
		m.bytes += grew
		setCounter(tx, keyLogBytes, counter(tx, keyLogBytes)+grew)
		at := now.UnixNano()
		if added == 0 {
			_, at, _ = logMetas.get(tx, []byte(conv))
		}
		if err := logMetas.put(tx, []byte(conv), m.encode(), at); err != nil {
			return err
		}
		if added > 0 {
			b.wakeLater(tx, b.logs, conv)
		}
		return b.pruneLogs(tx, []byte(conv), now)
	})
	return added, err
}

// pruneLogs drops logs past their TTL, a few at a time, and the oldest
// past the bounds in conversations and bytes; keep, just used, the last.
func (b *BoltEngine) pruneLogs(tx *bolt.Tx, keep []byte, now time.Time) error {
	for i := 0; ; i++ {
		k, at, ok := logMetas.oldest(tx)
		if !ok || bytes.Equal(k, keep) {
			return nil
		}
		expired := i < 2 && now.Sub(time.Unix(0, at)) >= b.opts.TTL
		if !expired && logMetas.len(tx) <= b.opts.Conversations && counter(tx, keyLogBytes) <= b.opts.Bytes {
			return nil
		}
		if err := b.dropLog(tx, k); err != nil {
			return err
		}
	}
}

// Read implements [Engine].
func (b *BoltEngine) Read(ctx context.Context, conv string, after int64, wait time.Duration) ([]Event, int64, error) {
	var w *waiter
	if wait > 0 {
		w = b.join(b.logs, conv) // before reading, so that no append is missed
		defer func() { b.leave(b.logs, conv, w) }()
	}
	evs, last, err := b.read(conv, after)
	if err != nil || len(evs) > 0 || w == nil {
		return evs, last, err
	}
	if err := sleep(ctx, w.ch, wait); err != nil {
		return nil, 0, err
	}
	return b.read(conv, after)
}

func (b *BoltEngine) read(conv string, after int64) ([]Event, int64, error) {
	var out []Event
	var last int64
	now := b.opts.Now()
	err := b.db.View(func(tx *bolt.Tx) error {
		v, at, ok := logMetas.get(tx, []byte(conv))
		if !ok || now.Sub(time.Unix(0, at)) >= b.opts.TTL {
			return nil
		}
		m, valid := decodeLogMeta(v)
		lb := tx.Bucket(bucketLogs).Bucket([]byte(conv))
		if !valid || lb == nil {
			return errors.New("state file: a damaged log")
		}
		last = m.last
		c := lb.Bucket(bucketE).Cursor()
		n := 0 // bytes of Data in out
		for sk, v := c.Seek(seqKey(after + 1)); sk != nil; sk, v = c.Next() {
			e, ok := decodeEvent(int64(binary.BigEndian.Uint64(sk)), v)
			if !ok {
				return errors.New("state file: a damaged event")
			}
			if n += len(e.Data); len(out) > 0 && n > ReadBytes {
				break // the answer's bound: the caller reads again
			}
			out = append(out, e)
		}
		return nil
	})
	return out, last, err
}

// SetOpen implements [Engine].
func (b *BoltEngine) SetOpen(_ context.Context, consumer, conv string, open bool) error {
	ck := []byte(consumer)
	return b.write(func(tx *bolt.Tx) error {
		v, _, _ := opens.get(tx, ck)
		s := decodeOpen(v)
		if !s.set(conv, open) {
			return nil
		}
		if err := opens.put(tx, ck, encodeOpen(s), b.opts.Now().UnixNano()); err != nil {
			return err
		}
		if open {
			b.wakeLater(tx, b.open, consumer)
		}
		for opens.len(tx) > b.opts.Conversations {
			k, _, _ := opens.oldest(tx)
			if err := opens.del(tx, k); err != nil {
				return err
			}
		}
		return nil
	})
}

// A consumer's value: the open conversation, then those seen closing,
// each after a NUL (conversation ids are UUIDs). A file written before
// the closed ones were kept holds the open conversation alone.
func encodeOpen(s openState) []byte {
	v := []byte(s.conv)
	for _, c := range s.closed {
		v = append(append(v, 0), c...)
	}
	return v
}

func decodeOpen(v []byte) openState {
	if len(v) == 0 {
		return openState{}
	}
	parts := strings.Split(string(v), "\x00")
	return openState{conv: parts[0], closed: parts[1:]}
}

// OpenConversation implements [Engine].
func (b *BoltEngine) OpenConversation(ctx context.Context, consumer string, wait time.Duration) (string, error) {
	var w *waiter
	if wait > 0 {
		w = b.join(b.open, consumer)
		defer func() { b.leave(b.open, consumer, w) }()
	}
	c, err := b.openConv(consumer)
	if err != nil || c != "" || w == nil {
		return c, err
	}
	sleep(ctx, w.ch, wait)
	if c, err = b.openConv(consumer); c == "" && err == nil {
		err = ctx.Err()
	}
	return c, err
}

func (b *BoltEngine) openConv(consumer string) (string, error) {
	var c string
	err := b.db.View(func(tx *bolt.Tx) error {
		if v, _, ok := opens.get(tx, []byte(consumer)); ok {
			c = decodeOpen(v).conv
		}
		return nil
	})
	return c, err
}

// A table is a bucket of entries whose values start with a time (8
// bytes, Unix ns) and an index bucket whose keys are that time and the
// entry's key, so that the oldest entry is found first; meta counts the
// entries.
type table struct{ name, index []byte }

func (t table) get(tx *bolt.Tx, key []byte) (v []byte, at int64, ok bool) {
	raw := tx.Bucket(t.name).Get(key)
	if len(raw) < 8 {
		return nil, 0, false
	}
	return raw[8:], int64(binary.BigEndian.Uint64(raw)), true
}

func (t table) put(tx *bolt.Tx, key, v []byte, at int64) error {
	b, ix := tx.Bucket(t.name), tx.Bucket(t.index)
	if old := b.Get(key); len(old) >= 8 {
		if err := ix.Delete(append(bytes.Clone(old[:8]), key...)); err != nil {
			return err
		}
	} else {
		setCounter(tx, t.name, counter(tx, t.name)+1)
	}
	stamp := binary.BigEndian.AppendUint64(nil, uint64(at))
	if err := ix.Put(append(bytes.Clone(stamp), key...), nil); err != nil {
		return err
	}
	return b.Put(key, append(stamp, v...))
}

func (t table) del(tx *bolt.Tx, key []byte) error {
	b := tx.Bucket(t.name)
	old := b.Get(key)
	if len(old) < 8 {
		return nil
	}
	if err := tx.Bucket(t.index).Delete(append(bytes.Clone(old[:8]), key...)); err != nil {
		return err
	}
	setCounter(tx, t.name, counter(tx, t.name)-1)
	return b.Delete(key)
}

// oldest returns the key of the entry with the earliest time.
func (t table) oldest(tx *bolt.Tx) (key []byte, at int64, ok bool) {
	k, _ := tx.Bucket(t.index).Cursor().First()
	if len(k) < 8 {
		return nil, 0, false
	}
	return bytes.Clone(k[8:]), int64(binary.BigEndian.Uint64(k)), true
}

func (t table) len(tx *bolt.Tx) int { return int(counter(tx, t.name)) }

func counter(tx *bolt.Tx, name []byte) int64 {
	v := tx.Bucket(bucketMeta).Get(name)
	if len(v) != 8 {
		return 0
	}
	return int64(binary.BigEndian.Uint64(v))
}

func setCounter(tx *bolt.Tx, name []byte, n int64) {
	// Put fails only in a read-only transaction or for an empty key.
	_ = tx.Bucket(bucketMeta).Put(name, binary.BigEndian.AppendUint64(nil, uint64(n)))
}
