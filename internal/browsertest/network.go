package browsertest

import (
	"context"
	"fmt"
	"net/http"
	"strconv"
	"strings"
	"testing"

	"github.com/chromedp/cdproto/network"
	"github.com/chromedp/chromedp"
)

// Request is one HTTP request of a tab, as the DevTools Network domain reports
// it. A redirect makes a new Request with the same ID.
type Request struct {
	ID   string // Chromium's request id
	Type string // resource type: "Document", "Fetch", "XHR", "Script", "Other"...
	// Preflight marks a CORS preflight, which Chromium reports as a request
	// of its own, with the Type "Other" and the method OPTIONS.
	Preflight bool
	Method    string
	URL       string
	// Header holds the request headers as they went on the wire when
	// Chromium reports those (requestWillBeSentExtraInfo), else the headers
	// that the page and Chromium set before sending; a request that never
	// left, such as one that CORS refused, has only the latter.
	Header http.Header
	// Status is the HTTP status of the response, 0 while there is none or
	// when none came.
	Status         int
	ResponseHeader http.Header
	Error          string // why the load failed, such as "net::ERR_FAILED"; "" when it did not
	CORSError      string // the CORS check that refused it, such as "PreflightDisallowedMethod"; "" when none
	Done           bool   // the load finished or failed

	wire bool // Header came from requestWillBeSentExtraInfo
}

// String tells the request in one line, for test failures.
func (r Request) String() string {
	kind := r.Type
	if r.Preflight {
		kind = "preflight"
	}
	s := r.Method + " " + r.URL + " (" + kind + ") -> "
	switch {
	case r.Error != "":
		s += "failed " + r.Error
		if r.CORSError != "" {
			s += " CORS " + r.CORSError
		}
		if r.Status != 0 {
			s += " after status " + strconv.Itoa(r.Status)
		}
	case r.Status != 0:
		s += strconv.Itoa(r.Status)
		if !r.Done {
			s += ", loading"
		}
	default:
		s += "pending"
	}
	return s
}

// Network keeps the HTTP requests of a tab, in the order they started.
type Network struct {
	ev *events[Request]
	// The rest belongs to the update funcs, which run under ev's lock.
	last    map[network.RequestID]int             // id -> index of its latest Request
	pending map[network.RequestID]network.Headers // wire headers that came before their request
}

// RecordNetwork starts keeping the HTTP requests of the tab of ctx, a context
// from [New]. Requests that started before the call are not kept, so call it
// before the navigation or action whose requests the test checks. Recording
// ends with ctx.
func RecordNetwork(t testing.TB, ctx context.Context) *Network {
	t.Helper()
	n := &Network{
		ev:      newEvents[Request]("network request"),
		last:    make(map[network.RequestID]int),
		pending: make(map[network.RequestID]network.Headers),
	}
	// Listen, unlike chromedp.Events, keeps the order between event types,
	// which the pairing of a request with its response relies on.
	if err := chromedp.Listen(ctx, n.handle); err != nil {
		t.Fatalf("browsertest: RecordNetwork needs the context of a tab from New: %v", err)
	}
	return n
}

// handle runs in the tab's event loop: it must not block or send commands.
func (n *Network) handle(ev any) {
	switch ev := ev.(type) {
	case *network.EventRequestWillBeSent:
		n.ev.update(func(rs []Request) []Request {
			if i, ok := n.last[ev.RequestID]; ok && ev.RedirectResponse != nil {
				rs[i].Status = int(ev.RedirectResponse.Status)
				rs[i].ResponseHeader = header(ev.RedirectResponse.Headers)
				rs[i].Done = true
			}
			r := Request{
				ID:     string(ev.RequestID),
				Type:   string(ev.Type),
				Method: ev.Request.Method,
				URL:    ev.Request.URL + ev.Request.URLFragment,
				Header: header(ev.Request.Headers),
				Preflight: ev.Type == network.ResourceTypePreflight ||
					ev.Initiator != nil && ev.Initiator.Type == network.InitiatorTypePreflight,
			}
			if h, ok := n.pending[ev.RequestID]; ok {
				r.Header, r.wire = header(h), true
				delete(n.pending, ev.RequestID)
			}
			n.last[ev.RequestID] = len(rs)
			return append(rs, r)
		})
	case *network.EventRequestWillBeSentExtraInfo:
		n.ev.update(func(rs []Request) []Request {
			if i, ok := n.last[ev.RequestID]; ok && !rs[i].wire {
				rs[i].Header, rs[i].wire = header(ev.Headers), true
			} else {
				// Chromium may send the wire headers first, or those of
				// a redirect's next hop before the hop itself.
				n.pending[ev.RequestID] = ev.Headers
			}
			return rs
		})
	case *network.EventResponseReceived:
		n.ev.update(func(rs []Request) []Request {
			if i, ok := n.last[ev.RequestID]; ok {
				rs[i].Status = int(ev.Response.Status)
				rs[i].ResponseHeader = header(ev.Response.Headers)
			}
			return rs
		})
	case *network.EventResponseReceivedExtraInfo:
		// The only report of a status when CORS refuses the response.
		n.ev.update(func(rs []Request) []Request {
			if i, ok := n.last[ev.RequestID]; ok && rs[i].Status == 0 {
				rs[i].Status = int(ev.StatusCode)
				rs[i].ResponseHeader = header(ev.Headers)
			}
			return rs
		})
	case *network.EventLoadingFinished:
		n.ev.update(func(rs []Request) []Request {
			if i, ok := n.last[ev.RequestID]; ok {
				rs[i].Done = true
			}
			return rs
		})
	case *network.EventLoadingFailed:
		n.ev.update(func(rs []Request) []Request {
			if i, ok := n.last[ev.RequestID]; ok {
				rs[i].Done = true
				rs[i].Error = ev.ErrorText
				if ev.CorsErrorStatus != nil {
					rs[i].CORSError = string(ev.CorsErrorStatus.CorsError)
				}
			}
			return rs
		})
	}
}

// header converts the protocol's headers, where a repeated header is one key
// with its values joined by newlines.
func header(h network.Headers) http.Header {
	out := make(http.Header, len(h))
	for k, v := range h {
		for _, line := range strings.Split(fmt.Sprint(v), "\n") {
			out.Add(k, line)
		}
	}
	return out
}

// Requests returns the requests kept so far.
func (n *Network) Requests() []Request {
	return n.ev.snapshot(nil)
}

// Wait returns the first request kept that match accepts, waiting until ctx
// ends for one to come. A request changes as it loads, so match usually checks
// Done. match must not call n's methods. The error of a timeout lists every
// request seen.
func (n *Network) Wait(ctx context.Context, match func(Request) bool) (Request, error) {
	return n.ev.wait(ctx, match)
}
