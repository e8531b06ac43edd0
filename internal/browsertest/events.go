package browsertest

import (
	"context"
	"fmt"
	"strings"
	"sync"
)

// events is a list that grows while the browser reports, and that a test can
// wait on. Entries may be updated in place (a request gets its status later),
// so an update replaces fields and never mutates a map or slice that a
// snapshot may hold.
type events[T fmt.Stringer] struct {
	what    string // for error messages: "console message", "network request"
	mu      sync.Mutex
	items   []T
	err     error         // why recording stopped early, if it did
	changed chan struct{} // closed at the next change, then replaced
}

func newEvents[T fmt.Stringer](what string) *events[T] {
	return &events[T]{what: what, changed: make(chan struct{})}
}

// update runs f on the entries under the lock and wakes the waiters.
func (e *events[T]) update(f func(items []T) []T) {
	e.mu.Lock()
	defer e.mu.Unlock()
	e.items = f(e.items)
	close(e.changed)
	e.changed = make(chan struct{})
}

// fail records why no more entries will come.
func (e *events[T]) fail(err error) {
	e.mu.Lock()
	defer e.mu.Unlock()
	e.err = err
	close(e.changed)
	e.changed = make(chan struct{})
}

// snapshot returns a copy of the entries that match keep (all when keep is nil).
func (e *events[T]) snapshot(keep func(T) bool) []T {
	e.mu.Lock()
	defer e.mu.Unlock()
	var out []T
	for _, it := range e.items {
		if keep == nil || keep(it) {
			out = append(out, it)
		}
	}
	return out
}

// wait returns the first entry that matches, waiting for one until ctx ends.
// match runs under the lock, so it must not call back into e.
func (e *events[T]) wait(ctx context.Context, match func(T) bool) (T, error) {
	var zero T
	for {
		e.mu.Lock()
		for _, it := range e.items {
			if match(it) {
				e.mu.Unlock()
				return it, nil
			}
		}
		changed, stopped := e.changed, e.err
		e.mu.Unlock()

		if stopped != nil {
			return zero, e.missing(fmt.Errorf("recording stopped: %w", stopped))
		}
		select {
		case <-changed:
		case <-ctx.Done():
			return zero, e.missing(ctx.Err())
		}
	}
}

// missing is wait's error. It lists the entries seen, so that a failing test
// shows what the browser did instead.
func (e *events[T]) missing(why error) error {
	items := e.snapshot(nil)
	var seen strings.Builder
	for i, it := range items {
		fmt.Fprintf(&seen, "\n\t%d: %v", i, it)
	}
	return fmt.Errorf("browsertest: no matching %s (%w); seen %d:%s", e.what, why, len(items), seen.String())
}
