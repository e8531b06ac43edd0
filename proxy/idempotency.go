package proxy

import (
	"crypto/sha256"
	"errors"
	"net/http"
	"sync"
	"time"

	lru "github.com/hashicorp/golang-lru/v2"
)

// idempotency remembers the answers of conversation calls by their
// Idempotency-Key, so that a browser that retries a create (it timed out,
// the tab reconnected) gets the first conversation back instead of
// opening a second one: same key, same answer, no upstream call.
// Concurrent requests with one key are coalesced into one upstream call.
// Only successes are remembered; a failed call may be tried again with
// the same key. The key is scoped by route and conversation id, and bound
// to the body: the same key with another body is refused (422).
type idempotency struct {
	mu       sync.Mutex
	done     *lru.Cache[string, idemResult]
	inflight map[string]*idemCall
	ttl      time.Duration
	now      func() time.Time
}

type idemResult struct {
	sum     [32]byte // SHA-256 of the request body
	status  int
	resp    []byte
	expires time.Time
}

type idemCall struct {
	sum    [32]byte
	done   chan struct{}
	status int
	resp   []byte
	err    error
}

func newIdempotency(entries int, ttl time.Duration, now func() time.Time) (*idempotency, error) {
	c, err := lru.New[string, idemResult](entries)
	if err != nil {
		return nil, err
	}
	return &idempotency{done: c, inflight: map[string]*idemCall{}, ttl: ttl, now: now}, nil
}

var errKeyReused = &apiError{Status: http.StatusUnprocessableEntity, Code: CodeIdempotencyMismatch,
	Message: "this Idempotency-Key was used with a different request body; use a new key for a new request"}

// do runs call once per key and body and returns its answer to every
// request with that key.
func (s *idempotency) do(key string, body []byte, call func() (int, []byte, error)) (int, []byte, error) {
	sum := sha256.Sum256(body)
	s.mu.Lock()
	if r, ok := s.done.Get(key); ok {
		if s.now().Before(r.expires) {
			s.mu.Unlock()
			if r.sum != sum {
				return 0, nil, errKeyReused
			}
			return r.status, r.resp, nil
		}
		s.done.Remove(key)
	}
	if c, ok := s.inflight[key]; ok {
		s.mu.Unlock()
		if c.sum != sum {
			return 0, nil, errKeyReused
		}
		<-c.done
		return c.status, c.resp, c.err
	}
	c := &idemCall{sum: sum, done: make(chan struct{}), err: errors.New("the first request with this key failed")}
	s.inflight[key] = c
	s.mu.Unlock()

	// The deferred part also runs when call panics, so that waiters are
	// released (with the initial error) and the key can be used again.
	defer func() {
		s.mu.Lock()
		delete(s.inflight, key)
		if c.err == nil {
			s.done.Add(key, idemResult{sum: sum, status: c.status, resp: c.resp, expires: s.now().Add(s.ttl)})
		}
		s.mu.Unlock()
		close(c.done)
	}()
	c.status, c.resp, c.err = call()
	return c.status, c.resp, c.err
}
