package lptest

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"slices"
	"strconv"
	"strings"
	"time"
)

// A Fault makes the next calls of a route fail the way a troubled
// LivePerson does. Faults do not apply to CORS preflights (OPTIONS).
type Fault struct {
	// Status answers this HTTP status with the route's error body:
	// Monitoring's {"time","message","internalCode"} (202 is "Loading
	// account" with internal code 38, or 500 with code 20 when the call
	// asked for v=1.0; other statuses get code 18), the Connector's and
	// IDP's authorization failure for 401 (errorCode 40102, so a client
	// refreshes its AppJWT), and plain text otherwise. 0 answers normally,
	// after Delay.
	Status int
	// Count is how many calls the fault applies to: 0 means 1, [Always]
	// means every call until [Server.ClearFaults].
	Count int
	// RetryAfter, when set, is sent as the Retry-After header (with 429,
	// "5" or an HTTP date).
	RetryAfter string
	// Delay stalls the call this long before it is answered (or dropped).
	// A client that gives up first sees a timeout.
	Delay time.Duration
	// Drop closes the connection without an answer, and without doing
	// what the call asked.
	Drop bool
	// Lose does what the call asked and then closes the connection
	// without the answer: the hardest real failure, in which the client
	// cannot tell whether a conversation was opened or a message sent.
	// It applies to every route; the inspector's Call keeps the answer
	// that was lost. (Go's http.Transport sends a GET again by itself when
	// a reused connection closes without an answer, so a Domain API call
	// that meets Drop or Lose may be seen to succeed at once.)
	Lose bool
	// Body, when set, replaces the route's error body.
	Body string
}

// Always is the [Fault.Count] of a fault that lasts until cleared.
const Always = -1

// maxDelay bounds Fault.Delay: a stalled call must end within a test.
const maxDelay = 10 * time.Minute

func (f Fault) check() error {
	switch {
	case f.Status != 0 && (f.Status < 200 || f.Status > 599):
		return errors.New("status " + strconv.Itoa(f.Status) + " is not between 200 and 599")
	case f.Count < Always:
		return errors.New("count " + strconv.Itoa(f.Count) + " is negative (use -1 for always)")
	case f.Delay < 0 || f.Delay > maxDelay:
		return errors.New("delay " + f.Delay.String() + " is not between 0 and " + maxDelay.String())
	case (f.Drop || f.Lose) && f.Status != 0:
		return errors.New("a dropped or lost call has no status")
	case f.Drop && f.Lose:
		return errors.New("drop and lose exclude each other: a dropped call does nothing, a lost one does its work")
	case !printable(f.RetryAfter):
		return errors.New("retry-after " + strconv.Quote(f.RetryAfter) + " is not a header value")
	case f.Body != "" && f.Status == 0:
		return errors.New("a body needs a status")
	case f.Status == 0 && f.Delay == 0 && !f.Drop && !f.Lose:
		return errors.New("the fault does nothing: set a status, a delay, drop or lose")
	}
	return nil
}

// String describes the fault for the inspector, e.g. "503 Retry-After 5 x2".
func (f Fault) String() string {
	var s []string
	if f.Delay > 0 {
		s = append(s, "delay "+f.Delay.String())
	}
	if f.Drop {
		s = append(s, "drop")
	}
	if f.Lose {
		s = append(s, "lose the answer")
	}
	if f.Status != 0 {
		s = append(s, strconv.Itoa(f.Status))
	}
	if f.RetryAfter != "" {
		s = append(s, "Retry-After "+f.RetryAfter)
	}
	return strings.Join(s, " ")
}

func checkRoute(route Route) error {
	if !slices.Contains(Routes, route) {
		return fmt.Errorf("route %q is not one of %v", route, Routes)
	}
	return nil
}

// SetFault makes the next calls of route fail as f says, replacing any
// fault pending on route. It panics on an invalid route or fault.
func (s *Server) SetFault(route Route, f Fault) {
	s.setFault(route, f, false)
}

// AddFault queues f after the faults pending on route: the next calls
// meet them in order (e.g. 503, then 202 loading account, then success).
func (s *Server) AddFault(route Route, f Fault) {
	s.setFault(route, f, true)
}

func (s *Server) setFault(route Route, f Fault, add bool) {
	if err := checkRoute(route); err != nil {
		panic("lptest: " + err.Error())
	}
	if err := f.check(); err != nil {
		panic("lptest: fault on " + string(route) + ": " + err.Error())
	}
	if f.Count == 0 {
		f.Count = 1
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if !add {
		s.st.faults[route] = nil
	}
	s.st.faults[route] = append(s.st.faults[route], f)
}

// ClearFaults removes the faults pending on the routes, on every route
// when none is given.
func (s *Server) ClearFaults(routes ...Route) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if len(routes) == 0 {
		routes = Routes
	}
	for _, r := range routes {
		delete(s.st.faults, r)
	}
}

// Faults returns the faults pending on each route; Count says how many
// calls each still applies to.
func (s *Server) Faults() map[Route][]Fault {
	s.mu.Lock()
	defer s.mu.Unlock()
	out := map[Route][]Fault{}
	for r, fs := range s.st.faults {
		if len(fs) > 0 {
			out[r] = slices.Clone(fs)
		}
	}
	return out
}

// takeFault returns the fault the current call of route meets, if any.
func (s *Server) takeFault(route Route) *Fault {
	s.mu.Lock()
	defer s.mu.Unlock()
	fs := s.st.faults[route]
	if len(fs) == 0 {
		return nil
	}
	f := fs[0]
	if f.Count != Always {
		if fs[0].Count--; fs[0].Count == 0 {
			s.st.faults[route] = fs[1:]
		}
	}
	return &f
}

// faultRequest is the JSON body of POST /lptest/faults.
type faultRequest struct {
	Route      Route  `json:"route"`
	Status     int    `json:"status,omitempty"`
	Count      int    `json:"count,omitempty"`
	RetryAfter string `json:"retryAfter,omitempty"`
	Delay      string `json:"delay,omitempty"` // a Go duration: "250ms", "2s"
	Drop       bool   `json:"drop,omitempty"`
	Lose       bool   `json:"lose,omitempty"`
	Body       string `json:"body,omitempty"`
	Add        bool   `json:"add,omitempty"` // queue after the pending faults instead of replacing them
}

// decodeFaultRequest reads and validates the body of POST /lptest/faults.
func decodeFaultRequest(data []byte) (Route, Fault, bool, error) {
	var req faultRequest
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&req); err != nil {
		return "", Fault{}, false, fmt.Errorf("fault: %w", err)
	}
	if _, err := dec.Token(); err != io.EOF {
		return "", Fault{}, false, errors.New("fault: want one JSON object, got more after it")
	}
	if err := checkRoute(req.Route); err != nil {
		return "", Fault{}, false, fmt.Errorf("fault: %w", err)
	}
	f := Fault{Status: req.Status, Count: req.Count, RetryAfter: req.RetryAfter, Drop: req.Drop, Lose: req.Lose, Body: req.Body}
	if req.Delay != "" {
		d, err := time.ParseDuration(req.Delay)
		if err != nil {
			return "", Fault{}, false, fmt.Errorf("fault: delay: %w", err)
		}
		f.Delay = d
	}
	if err := f.check(); err != nil {
		return "", Fault{}, false, fmt.Errorf("fault: %w", err)
	}
	return req.Route, f, req.Add, nil
}

// printable reports whether s is printable ASCII, as a header value must be.
func printable(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] < ' ' || s[i] > '~' {
			return false
		}
	}
	return true
}
