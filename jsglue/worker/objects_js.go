//go:build js && wasm

package worker

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"sync"
	"syscall/js"

	"github.com/syumai/workers/cloudflare"
)

// Objects sends requests to the Durable Objects of the namespace that the
// Worker binds as Binding. Like [Client], it needs a request's context and
// reads each answer whole (up to [Options.MaxUpstreamBytes]); the object
// gets the request's URL, method, headers and body.
//
// Under entry.mjs the request's own loop calls the object, as it does a
// [Client] fetch: workerd refuses I/O started in another request's
// context, which is where Go may run when a goroutine wakes. Under
// syumai's per-request entry it calls the object through syumai's
// cloudflare.DurableObjectNamespace stub.
type Objects struct {
	Binding string // the namespace binding's name, e.g. LPEDGE_STATE
}

// Do sends r to the object named name (the namespace's idFromName).
func (o Objects) Do(name string, r *http.Request) (*http.Response, error) {
	c, err := callOf(r)
	if err != nil {
		return nil, err
	}
	if c != nil {
		return c.fetch(r, js.ValueOf(o.Binding), js.ValueOf(name))
	}
	ns, err := cloudflare.NewDurableObjectNamespace(o.Binding)
	if err != nil {
		return nil, err
	}
	stub, err := ns.Get(ns.IdFromName(name))
	if err != nil {
		return nil, err
	}
	return stub.Fetch(r)
}

// Open starts a POST of url to the object named name whose body and
// answer stay open, both lines of text (a line holds no newline): first is
// the body's first line, [Stream.Send] adds more, [Stream.Recv] reads the
// answer's as they come. One request to the object thus carries an
// exchange that waits on the caller's work in between (workerd streams a
// Durable Object's request and answer both ways at once).
//
// ctx must carry an incoming request, as for [Client]: the stream runs in
// it until the object ends its answer, or until the request's deadline.
// Under syumai's per-request entry it returns an error that is
// errors.ErrUnsupported.
func (o Objects) Open(ctx context.Context, name, url string, first []byte) (*Stream, error) {
	c := callFrom(ctx)
	if c == nil && !served {
		return nil, fmt.Errorf("worker: object %s: streams need entry.mjs: %w", url, errors.ErrUnsupported)
	}
	if c == nil {
		return nil, errors.New("worker: object " + url + ": the context carries no request (derive it from the handler's r.Context())")
	}
	s := &Stream{c: c, ready: make(chan struct{}, 1)}
	s.cb = js.FuncOf(func(_ js.Value, a []js.Value) any {
		s.mu.Lock()
		switch {
		case !a[0].IsNull():
			s.err = errors.New("worker: object " + url + ": " + a[0].String())
		case a[1].IsNull():
			s.err = io.EOF
		default:
			s.lines = append(s.lines, a[1].String())
		}
		if s.err != nil {
			s.cb.Release()
		}
		s.mu.Unlock()
		select {
		case s.ready <- struct{}{}:
		default:
		}
		return nil
	})
	if s.id = c.value().Call("open", url, string(first), s.cb, o.Binding, name).Int(); s.id == 0 {
		s.cb.Release()
		return nil, errors.New("worker: object " + url + ": the request it belongs to has ended")
	}
	return s, nil
}

// A Stream is a request to a Durable Object that [Objects.Open] started.
type Stream struct {
	c     *call
	id    int
	cb    js.Func
	mu    sync.Mutex
	lines []string      // of the answer, not yet read
	err   error         // io.EOF once the answer has ended
	ready chan struct{} // a line or the end came
}

// Send adds line to the body.
func (s *Stream) Send(line []byte) error {
	s.c.value().Call("send", s.id, string(line))
	return nil
}

// Close ends the body. The request runs on until the object ends its
// answer, which Recv may still read.
func (s *Stream) Close() error {
	s.c.value().Call("send", s.id, nil)
	return nil
}

// Recv returns the answer's next line, io.EOF at its end, or ctx.Err()
// when ctx ends first.
func (s *Stream) Recv(ctx context.Context) ([]byte, error) {
	for {
		s.mu.Lock()
		if len(s.lines) > 0 {
			line := s.lines[0]
			s.lines = s.lines[1:]
			s.mu.Unlock()
			return []byte(line), nil
		}
		err := s.err
		s.mu.Unlock()
		if err != nil {
			return nil, err
		}
		select {
		case <-s.ready:
		case <-ctx.Done():
			return nil, ctx.Err()
		}
	}
}

// HasBinding reports whether the Worker has a binding of that name.
func HasBinding(name string) bool {
	v := cloudflare.GetBinding(name)
	return !v.IsUndefined() && !v.IsNull()
}
