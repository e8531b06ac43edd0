//go:build js && wasm

package worker

import (
	"bytes"
	"errors"
	"io"
	"net/http"
	"strconv"
	"syscall/js"

	"github.com/syumai/workers/cloudflare/fetch"
)

// Client sends HTTP requests with the Workers fetch API. It does not follow
// redirects, and it honours the request's context: when the context ends,
// the fetch is aborted and Do returns the context's error.
//
// The request's context must carry an incoming request (be derived from
// the handler's r.Context(), or come from [WaitUntil]): the fetch then runs
// in that request, and its answer is read whole (up to
// [Options.MaxUpstreamBytes]) before Do returns. Under syumai's per-request
// entry, Do uses syumai's cloudflare/fetch client instead.
//
// Client uses no *http.Client, which would add megabytes to the module.
type Client struct{}

// Do sends r and returns the answer, or an error if none came.
func (Client) Do(r *http.Request) (*http.Response, error) {
	c, err := callOf(r)
	if c == nil && err == nil {
		return stockDo(r)
	}
	if err != nil {
		return nil, err
	}
	return c.fetch(r, js.Undefined(), js.Undefined())
}

// callOf returns the request that r's context carries: nil and no error
// under syumai's per-request entry, an error when the context carries none
// under entry.mjs.
func callOf(r *http.Request) (*call, error) {
	c := callFrom(r.Context())
	if c == nil && served {
		return nil, errors.New("worker: fetch " + r.URL.Redacted() + ": the context carries no request (derive it from the handler's r.Context() or WaitUntil's)")
	}
	return c, nil
}

// fetch has the request's loop send r, to r.URL or, with binding, to the
// Durable Object named name of the namespace env[binding], and reads the
// answer whole.
func (c *call) fetch(r *http.Request, binding, name js.Value) (*http.Response, error) {
	ctx := r.Context()
	var body js.Value = js.Null()
	if r.Body != nil && r.Body != http.NoBody {
		b, err := io.ReadAll(r.Body)
		r.Body.Close()
		if err != nil {
			return nil, errors.New("worker: fetch " + r.URL.Redacted() + ": reading the request body: " + err.Error())
		}
		body = bytesToJS(b)
	}
	type result struct {
		resp *http.Response
		err  error
	}
	done := make(chan result, 1)
	var cb js.Func
	cb = js.FuncOf(func(_ js.Value, a []js.Value) any {
		cb.Release()
		if !a[0].IsNull() {
			done <- result{err: errors.New("worker: fetch " + r.URL.Redacted() + ": " + a[0].String())}
			return nil
		}
		h, err := parseHeaderLines(a[2].String())
		if err != nil {
			done <- result{err: errors.New("worker: fetch " + r.URL.Redacted() + ": answer " + err.Error())}
			return nil
		}
		var b []byte
		if v := a[3]; !v.IsNull() {
			b = make([]byte, v.Length())
			js.CopyBytesToGo(b, v)
		}
		status := a[1].Int()
		done <- result{resp: &http.Response{
			Status:        strconv.Itoa(status) + " " + http.StatusText(status),
			StatusCode:    status,
			Proto:         "HTTP/1.1",
			ProtoMajor:    1,
			ProtoMinor:    1,
			Header:        h,
			Body:          io.NopCloser(bytes.NewReader(b)),
			ContentLength: int64(len(b)),
			Request:       r,
		}}
		return nil
	})
	lines := string(appendHeaderLines(nil, r.Header, "Host", "Content-Length"))
	id := c.value().Call("fetch", r.Method, r.URL.String(), lines, body, cb, binding, name).Int()
	if id == 0 {
		cb.Release()
		return nil, errors.New("worker: fetch " + r.URL.Redacted() + ": the request it belongs to has ended (use WaitUntil for work after the answer)")
	}
	select {
	case res := <-done:
		return res.resp, res.err
	case <-ctx.Done():
		c.value().Call("abort", id)
		return nil, ctx.Err()
	}
}

// stockDo fetches with syumai's client, for the per-request entry where
// every JS object belongs to the one request.
func stockDo(r *http.Request) (*http.Response, error) {
	type result struct {
		resp *http.Response
		err  error
	}
	done := make(chan result, 1)
	go func() {
		resp, err := fetch.NewClient().Do(&fetch.Request{Request: r}, &fetch.RequestInit{Redirect: fetch.RedirectModeManual})
		done <- result{resp, err}
	}()
	select {
	case res := <-done:
		return res.resp, res.err
	case <-r.Context().Done():
		return nil, r.Context().Err()
	}
}
