package browsertest

import (
	"context"
	"errors"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/cdproto/network"
)

type item string

func (i item) String() string { return string(i) }

func TestEventsWait(t *testing.T) {
	errGone := errors.New("browser gone")
	for _, c := range []struct {
		name    string
		items   []item
		fail    error
		match   string
		want    item
		wantErr []string // parts of the error; nil when a match is wanted
	}{
		{name: "first match", items: []item{"a1", "b", "a2"}, match: "a", want: "a1"},
		{name: "none, timeout", items: []item{"x", "y"}, match: "a",
			wantErr: []string{"no matching thing", context.DeadlineExceeded.Error(), "seen 2:", "0: x", "1: y"}},
		{name: "none, empty", match: "a", wantErr: []string{"seen 0:"}},
		{name: "stopped", items: []item{"x"}, fail: errGone, match: "a",
			wantErr: []string{"recording stopped: browser gone", "0: x"}},
		{name: "match before stop", items: []item{"a"}, fail: errGone, match: "a", want: "a"},
	} {
		t.Run(c.name, func(t *testing.T) {
			e := newEvents[item]("thing")
			e.update(func([]item) []item { return c.items })
			if c.fail != nil {
				e.fail(c.fail)
			}
			ctx, cancel := context.WithTimeout(context.Background(), 50*time.Millisecond)
			defer cancel()
			got, err := e.wait(ctx, func(i item) bool { return strings.HasPrefix(string(i), c.match) })
			if c.wantErr == nil {
				if err != nil || got != c.want {
					t.Fatalf("wait = %q, %v; want %q", got, err, c.want)
				}
				return
			}
			if err == nil {
				t.Fatalf("wait = %q, want an error", got)
			}
			for _, part := range c.wantErr {
				if !strings.Contains(err.Error(), part) {
					t.Errorf("error %q misses %q", err, part)
				}
			}
			if c.fail != nil && !errors.Is(err, c.fail) {
				t.Errorf("error %v does not wrap %v", err, c.fail)
			}
		})
	}
}

// TestEventsWaitWakes checks that a waiter sees an entry that arrives, or
// changes, after it started to wait.
func TestEventsWaitWakes(t *testing.T) {
	e := newEvents[item]("thing")
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	got := make(chan item)
	go func() {
		i, err := e.wait(ctx, func(i item) bool { return i == "done" })
		if err != nil {
			t.Error(err)
		}
		got <- i
	}()
	e.update(func(is []item) []item { return append(is, "loading") })
	e.update(func(is []item) []item { is[0] = "done"; return is })
	if i := <-got; i != "done" {
		t.Errorf("wait = %q", i)
	}
	if s := e.snapshot(nil); len(s) != 1 {
		t.Errorf("snapshot = %q", s)
	}
}

func TestHeader(t *testing.T) {
	got := header(network.Headers{"content-type": "text/plain", "set-cookie": "a=1\nb=2", "x-n": 3.0})
	want := http.Header{"Content-Type": {"text/plain"}, "Set-Cookie": {"a=1", "b=2"}, "X-N": {"3"}}
	if len(got) != len(want) {
		t.Fatalf("header = %v, want %v", got, want)
	}
	for k, v := range want {
		if strings.Join(got[k], "|") != strings.Join(v, "|") {
			t.Errorf("%s = %q, want %q", k, got[k], v)
		}
	}
}

func TestRequestString(t *testing.T) {
	for _, c := range []struct {
		r    Request
		want string
	}{
		{Request{Method: "GET", URL: "http://a/", Type: "Document"}, "GET http://a/ (Document) -> pending"},
		{Request{Method: "GET", URL: "http://a/", Type: "Document", Status: 200}, "GET http://a/ (Document) -> 200, loading"},
		{Request{Method: "POST", URL: "http://b/", Type: "Fetch", Status: 200, Done: true}, "POST http://b/ (Fetch) -> 200"},
		{Request{Method: "OPTIONS", URL: "http://b/", Type: "Other", Preflight: true, Status: 204, Done: true}, "OPTIONS http://b/ (preflight) -> 204"},
		{Request{Method: "PUT", URL: "http://b/", Type: "Fetch", Error: "net::ERR_FAILED", CORSError: "PreflightDisallowedMethod", Done: true},
			"PUT http://b/ (Fetch) -> failed net::ERR_FAILED CORS PreflightDisallowedMethod"},
		{Request{Method: "GET", URL: "http://b/", Type: "Fetch", Error: "net::ERR_FAILED", CORSError: "MissingAllowOriginHeader", Status: 200, Done: true},
			"GET http://b/ (Fetch) -> failed net::ERR_FAILED CORS MissingAllowOriginHeader after status 200"},
	} {
		if got := c.r.String(); got != c.want {
			t.Errorf("String() = %q, want %q", got, c.want)
		}
	}
}
