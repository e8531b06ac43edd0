package proxy

import (
	"errors"
	"sync"
	"testing"
	"time"
)

func TestIdempotencyStore(t *testing.T) {
	now := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	s, err := newIdempotency(2, time.Hour, func() time.Time { return now })
	if err != nil {
		t.Fatal(err)
	}
	calls := 0
	ok := func() (int, []byte, error) { calls++; return 201, []byte("id" + string(rune('0'+calls))), nil }
	fail := func() (int, []byte, error) { calls++; return 0, nil, errors.New("upstream down") }

	steps := []struct {
		name     string
		key      string
		body     string
		call     func() (int, []byte, error)
		advance  time.Duration
		want     string // answer body, or "error"
		wantCall int    // calls so far
	}{
		{"first", "k", "b", ok, 0, "id1", 1},
		{"replay", "k", "b", ok, 0, "id1", 1},
		{"other body", "k", "c", ok, 0, "error", 1},
		{"other key", "k2", "b", ok, 0, "id2", 2},
		{"failure not kept", "k3", "b", fail, 0, "error", 3},
		{"retry after failure", "k3", "b", ok, 0, "id4", 4},
		{"evicted (LRU of 2)", "k", "b", ok, 0, "id5", 5},
		{"expired", "k3", "b", ok, 2 * time.Hour, "id6", 6},
	}
	for _, st := range steps {
		now = now.Add(st.advance)
		status, body, err := s.do(st.key, []byte(st.body), st.call)
		got := string(body)
		if err != nil {
			got = "error"
		} else if status != 201 {
			t.Errorf("%s: status %d", st.name, status)
		}
		if got != st.want || calls != st.wantCall {
			t.Errorf("%s: got %q after %d calls, want %q after %d", st.name, got, calls, st.want, st.wantCall)
		}
	}
}

// TestIdempotencyPanic: a call that panics releases its waiters with an
// error and leaves the key usable.
func TestIdempotencyPanic(t *testing.T) {
	s, err := newIdempotency(10, time.Hour, time.Now)
	if err != nil {
		t.Fatal(err)
	}
	entered, release := make(chan struct{}), make(chan struct{})
	var wg sync.WaitGroup
	wg.Go(func() {
		defer func() { recover() }()
		s.do("k", nil, func() (int, []byte, error) { close(entered); <-release; panic("boom") })
	})
	<-entered
	waiter := make(chan error, 1)
	go func() {
		_, _, err := s.do("k", nil, func() (int, []byte, error) { return 200, nil, nil })
		waiter <- err
	}()
	// The waiter is parked on the first call, or arrives after it ended
	// and runs its own; either way it must not hang.
	close(release)
	wg.Wait()
	<-waiter
	if _, _, err := s.do("k", nil, func() (int, []byte, error) { return 200, []byte("ok"), nil }); err != nil {
		t.Errorf("the key stayed blocked: %v", err)
	}
}
