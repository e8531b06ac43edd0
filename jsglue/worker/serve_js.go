//go:build js && wasm

package worker

import (
	"bytes"
	"context"
	"fmt"
	"log"
	"net/http"
	"os"
	"runtime/debug"
	"sync"
	"syscall/js"

	"github.com/syumai/workers"
	"github.com/syumai/workers/cloudflare"
)

// Serve serves h to the Workers runtime and never returns. It must be the
// last thing main does: the entry module waits for it before sending the
// first request.
func Serve(h http.Handler, o Options) {
	o = o.withDefaults()
	// Go writes os.Stdout and os.Stderr through its fs emulation, a call
	// into JS and a callback event per write: in a CPU profile of a warm
	// /healthz, its one log line took 23% that way and 14% direct.
	// wasm_exec.js ends up in console.log either way.
	log.SetOutput(console{})
	// syumai's stock worker.mjs, which starts an instance per request,
	// calls the handler through its own binding.
	workers.ServeNonBlock(h)
	b := &bridge{h: h}
	shared.v = uint8Array.New(sharedBytes)
	binding = js.ValueOf(map[string]any{
		"serve":            js.FuncOf(b.serve),
		"buf":              shared.v,
		"maxBodyBytes":     o.MaxBodyBytes,
		"maxUpstreamBytes": o.MaxUpstreamBytes,
		"deadlineMs":       o.Deadline.Milliseconds(),
	})
	js.Global().Get("context").Get("binding").Set("lpedge", binding)
	workers.Ready()
	select {}
}

var (
	consoleObj = js.Global().Get("console")
	uint8Array = js.Global().Get("Uint8Array")
	// binding is the object entry.mjs calls Go through; it adds log.
	binding js.Value
)

// sharedBytes is the size of shared's buffer.
const sharedBytes = 64 << 10

// shared is a Uint8Array that Go and entry.mjs pass bytes through: a
// request's head and body, an answer, a log line. A JS string or a new
// Uint8Array made from Go costs a crossing to make it, a finalizer, and a
// crossing when the finalizer drops it; in a CPU profile of a warm
// /healthz, those were a fifth of Go's time. Bytes that do not fit take
// the slower way. Whoever fills the buffer calls the other side before
// it yields, so one buffer serves every request.
var shared struct {
	mu  sync.Mutex
	v   js.Value
	out []byte // an answer's bytes, kept for the next
}

// withShared runs f holding the shared buffer. The unlock is deferred: a
// JS call that throws panics in f, and handle's recovery then answers
// 500 through respond, which takes the lock again.
func withShared(f func()) {
	shared.mu.Lock()
	defer shared.mu.Unlock()
	f()
}

// console writes log lines to console.log with one call each.
type console struct{}

func (console) Write(p []byte) (int, error) {
	line := bytes.TrimSuffix(p, []byte("\n"))
	// Under syumai's stock entry, which never sends a request here,
	// binding has no log.
	if served && len(line) <= sharedBytes {
		withShared(func() {
			js.CopyBytesToJS(shared.v, line)
			binding.Call("log", len(line))
		})
		return len(p), nil
	}
	consoleObj.Call("log", string(line))
	return len(p), nil
}

// bridge takes requests from entry.mjs.
type bridge struct {
	h http.Handler
}

// served is set once entry.mjs has sent a request: from then on, a fetch
// without a request's context has no request to run in.
var served bool

// A call is one request from entry.mjs, the JS Call object; see entry.mjs
// for the methods Go calls on it.
type call struct {
	v    js.Value
	head []byte // the request's head, when it came through shared
	body []byte // and its body
	// whole: head and body came through shared (else, read them from v).
	whole bool
}

type callKey struct{}

func callFrom(ctx context.Context) *call {
	c, _ := ctx.Value(callKey{}).(*call)
	return c
}

// idle hands requests to handler goroutines that have finished one: a
// fresh goroutine per request grows its stack anew every time, which
// measured 6% of a warm /healthz's CPU. There are as many handler
// goroutines as requests have been in flight at once.
var idle = make(chan *call)

// serve takes a Call as this, and the lengths of its head and body in
// shared, or -1 when they did not fit. It copies them before it returns:
// entry.mjs fills shared for the next request once Go yields.
func (b *bridge) serve(this js.Value, args []js.Value) any {
	served = true
	c := &call{v: this}
	if n, m := args[0].Int(), args[1].Int(); n >= 0 {
		buf := make([]byte, n+m)
		withShared(func() { js.CopyBytesToGo(buf, shared.v) })
		c.head, c.body, c.whole = buf[:n:n], buf[n:], true
	}
	select {
	case idle <- c:
	default:
		go b.handler(c)
	}
	return nil
}

func (b *bridge) handler(c *call) {
	for {
		b.handle(c)
		c = <-idle
	}
}

func (b *bridge) handle(c *call) {
	var req *http.Request
	defer func() {
		v := recover()
		if v == nil {
			return
		}
		where := "a request"
		if req != nil {
			where = req.Method + " " + req.URL.Path
		}
		msg := fmt.Sprint("panic serving ", where, ": ", v)
		fmt.Fprintf(os.Stderr, "lpedge worker: %s\n%s", msg, debug.Stack())
		c.v.Call("retire", msg)
		c.respondError(http.StatusInternalServerError, "internal_error", "the proxy failed on this request; details are in its log")
	}()
	req, err := c.request()
	if err != nil {
		c.respondError(http.StatusBadRequest, "bad_request", err.Error())
		return
	}
	w := &responseWriter{header: http.Header{}}
	b.h.ServeHTTP(w, req)
	c.respond(w.status, w.header, w.body)
}

func (c *call) request() (*http.Request, error) {
	head, body := string(c.head), c.body
	if !c.whole {
		if v := c.v.Get("body"); !v.IsNull() {
			body = make([]byte, v.Length())
			js.CopyBytesToGo(body, v)
		}
		head = c.v.Get("head").String()
	}
	c.head, c.body = nil, nil
	r, err := readRequest(head, body)
	if err != nil {
		return nil, err
	}
	return r.WithContext(context.WithValue(context.Background(), callKey{}, c)), nil
}

func (c *call) respond(status int, h http.Header, body []byte) {
	if status == 0 {
		status = http.StatusOK
	}
	var fits bool
	var lines string // when it does not fit
	withShared(func() {
		out := appendHeaderLines(shared.out[:0], h)
		n := len(out)
		if fits = n+len(body) <= sharedBytes; fits {
			out = append(out, body...)
			js.CopyBytesToJS(shared.v, out)
			c.v.Call("respondShared", status, n, len(body))
		} else {
			lines = string(out)
		}
		if cap(out) <= sharedBytes {
			shared.out = out
		}
	})
	if !fits {
		c.v.Call("respond", status, lines, bytesToJS(body))
	}
}

func (c *call) respondError(status int, code, msg string) {
	h := http.Header{"Content-Type": {"application/json; charset=utf-8"}, "Cache-Control": {"no-store"}}
	body := `{"error":{"code":` + jsonString(code) + `,"message":` + jsonString(msg) + `}}`
	c.respond(status, h, []byte(body))
}

func jsonString(s string) string {
	return js.Global().Get("JSON").Call("stringify", s).String()
}

// bytesToJS copies b into a new Uint8Array, or gives null for no bytes.
func bytesToJS(b []byte) js.Value {
	if len(b) == 0 {
		return js.Null()
	}
	a := uint8Array.New(len(b))
	js.CopyBytesToJS(a, b)
	return a
}

// responseWriter buffers an answer: it is sent whole when the handler
// returns.
type responseWriter struct {
	header http.Header
	status int
	body   []byte
}

func (w *responseWriter) Header() http.Header { return w.header }

func (w *responseWriter) WriteHeader(status int) {
	// Informational answers cannot be relayed; the final status counts.
	if w.status == 0 && status >= 200 {
		w.status = status
	}
}

func (w *responseWriter) Write(p []byte) (int, error) {
	w.WriteHeader(http.StatusOK)
	w.body = append(w.body, p...)
	return len(p), nil
}

// WaitUntil runs task in a new goroutine and keeps the request that ctx
// belongs to alive until task returns, after its answer has been sent (the
// Workers ctx.waitUntil). task gets a context that carries the request, so
// that its [Client] requests run in it, but is not cancelled with it. Work
// still going at [Options.Deadline] after the request began is abandoned.
// Without a request in ctx (syumai's per-request entry), it uses syumai's
// cloudflare.WaitUntil; with a ctx that carries no live request, it runs task
// without keeping anything alive.
func WaitUntil(ctx context.Context, task func(context.Context)) {
	ctx = context.WithoutCancel(ctx)
	c := callFrom(ctx)
	if c == nil && !served {
		cloudflare.WaitUntil(func() { task(ctx) })
		return
	}
	token := 0
	if c != nil {
		token = c.v.Call("waitUntil").Int()
	}
	if token == 0 {
		// No request to keep alive: it has ended, or ctx carries none.
		fmt.Fprintln(os.Stderr, "lpedge worker: WaitUntil without a live request; the task may be cut short")
		go task(ctx)
		return
	}
	go func() {
		defer c.v.Call("settle", token)
		task(ctx)
	}()
}
