//go:build js && wasm

package worker

import (
	"bytes"
	"context"
	"encoding/binary"
	"fmt"
	"log"
	"net/http"
	"os"
	"runtime/debug"
	"sync"
	"sync/atomic"
	"syscall/js"
	"unsafe"

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
	// Without the date and time: the Workers runtime stamps every
	// console.log line with its own (and its clock stands still while
	// code runs).
	log.SetFlags(0)
	// syumai's stock worker.mjs, which starts an instance per request,
	// calls the handler through its own binding.
	workers.ServeNonBlock(h)
	b := &bridge{h: h}
	binding = js.ValueOf(map[string]any{
		"inAddr":           int(uintptr(unsafe.Pointer(&in))),
		"outAddr":          int(uintptr(unsafe.Pointer(&out.q))),
		"bufBytes":         sharedBytes,
		"maxBodyBytes":     o.MaxBodyBytes,
		"maxUpstreamBytes": o.MaxUpstreamBytes,
		"deadlineMs":       o.Deadline.Milliseconds(),
	})
	js.Global().Get("context").Get("binding").Set("lpedge", binding)
	go b.handler()
	workers.Ready()
	select {}
}

var (
	consoleObj = js.Global().Get("console")
	uint8Array = js.Global().Get("Uint8Array")
	// binding is the object entry.mjs and Go share; entry.mjs adds the
	// functions Go calls on it: call, retire, takeOut.
	binding js.Value
)

// sharedBytes is the size of in's and out's buffers.
const sharedBytes = 64 << 10

// A request and its answer pass between entry.mjs and Go as bytes in Go's
// own memory, which entry.mjs reads and writes directly: in a CPU profile
// of a warm /healthz, syscall/js's callback protocol (its event object, 8
// crossings and 3 values with finalizers per call), a JS value for the
// request's Call and one JS call per answer and per log line cost a sixth
// of the worker's time. A request whose head and body do not fit, or an
// answer or line that does not, takes the slower way: JS strings and
// arrays through syscall/js.

// in is where entry.mjs writes a request's head and body. It sets busy
// when it writes them, and writes no other request until the handler
// that takes them has copied them out and cleared it.
var in struct {
	busy uint32
	data [sharedBytes]byte
}

// out queues answers and log lines, which entry.mjs takes each time a call
// into Go returns (and when Go asks, to make room), setting q.n to 0. A
// record is 5 little-endian uint32s (kind, the Call's id, status, the
// lengths of the two parts) and its two parts: an answer's header lines
// and body, or a log line.
var out struct {
	mu sync.Mutex
	q  struct {
		n    uint32 // bytes queued
		data [sharedBytes]byte
	}
	takeOut js.Value // entry.mjs's, asked for once
}

// Kinds of out's records.
const (
	outAnswer = 1
	outLog    = 2
)

// queue appends a record to out, and reports whether it fits there. A
// record that does not fit is for the slower way: it first has entry.mjs
// take what is queued, so that log lines keep their order.
func queue(kind, id, status uint32, a, b []byte) bool {
	size := 20 + len(a) + len(b)
	// The unlock is deferred: a JS call that throws panics here, and
	// handle's recovery then answers 500 through respond, which takes the
	// lock again.
	out.mu.Lock()
	defer out.mu.Unlock()
	if int(out.q.n)+size > len(out.q.data) {
		if out.takeOut.IsUndefined() {
			out.takeOut = binding.Get("takeOut")
		}
		out.takeOut.Invoke()
		if size > len(out.q.data) {
			return false
		}
	}
	// Nothing here may block: entry.mjs may take the queue whenever Go
	// yields, and sets q.n to 0.
	d := out.q.data[out.q.n:]
	for i, v := range [...]uint32{kind, id, status, uint32(len(a)), uint32(len(b))} {
		binary.LittleEndian.PutUint32(d[4*i:], v)
	}
	copy(d[20+copy(d[20:], a):], b)
	out.q.n += uint32(size)
	return true
}

// console writes log lines to console.log, through out under entry.mjs.
type console struct{}

func (console) Write(p []byte) (int, error) {
	line := bytes.TrimSuffix(p, []byte("\n"))
	// Under syumai's stock entry, which never sends a request here, no
	// one takes out's records.
	if !served || !queue(outLog, 0, 0, line, nil) {
		consoleObj.Call("log", string(line))
	}
	return len(p), nil
}

// bridge takes requests from entry.mjs.
type bridge struct {
	h http.Handler
}

// served is set once entry.mjs has sent a request: from then on, a fetch
// without a request's context has no request to run in.
var served bool

// A request is how entry.mjs hands one over: its Call's id, and the
// lengths of its head and body in in.data, or n = -1 when they are not
// there (the Call holds them).
type request struct{ id, n, m int32 }

// requests holds requests that no handler goroutine has taken yet; one is
// always waiting (handler), so it rarely holds any.
var requests = make(chan request, 64)

// waiting counts the handler goroutines waiting on requests.
var waiting atomic.Int32

// serveRequest is how entry.mjs sends a request, and then lets Go run
// (go._resume) so that a handler goroutine takes it. It answers 0, or -1
// when requests is full.
//
// An exported function runs on whichever goroutine Go paused on, outside
// the scheduler: it must not block, and so must not allocate either (an
// allocation may have to help the garbage collector, and wait for it).
// This one only queues. A syscall/js function instead would cost its
// event protocol, and a handler goroutine anyway (a handler may wait for
// JS, which cannot run while a callback does).
//
//go:wasmexport lpedge_serve
func serveRequest(id, n, m int32) int32 {
	served = true
	select {
	case requests <- request{id, n, m}:
		return 0
	default:
		return -1
	}
}

// A call is one request from entry.mjs, its JS Call; see entry.mjs for the
// methods Go calls on it.
type call struct {
	id int32
	v  js.Value // the Call, once asked for (value)
}

// value is the request's JS Call, asked of entry.mjs when Go first needs
// it (for a fetch, WaitUntil, or a request or answer that took the slower
// way); once the Call has ended, a stand-in that starts nothing.
func (c *call) value() js.Value {
	if c.v.IsUndefined() {
		c.v = binding.Call("call", c.id)
	}
	return c.v
}

type callKey struct{}

func callFrom(ctx context.Context) *call {
	c, _ := ctx.Value(callKey{}).(*call)
	return c
}

// handler serves requests; it starts another handler before it serves one
// when no other waits. A fresh goroutine per request would grow its stack
// anew every time, which measured 6% of a warm /healthz's CPU: there are
// as many handler goroutines as requests have been in flight at once, and
// one.
func (b *bridge) handler() {
	for {
		waiting.Add(1)
		r := <-requests
		if waiting.Add(-1) == 0 {
			go b.handler()
		}
		b.handle(r)
	}
}

func (b *bridge) handle(r request) {
	c := &call{id: r.id}
	var head string
	var body []byte
	if r.n >= 0 {
		// Copied before anything else: entry.mjs writes the next request
		// once in is free.
		head = string(in.data[:r.n])
		if r.m > 0 {
			body = bytes.Clone(in.data[r.n : r.n+r.m])
		}
		in.busy = 0
	}
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
		binding.Call("retire", msg)
		c.respondError(http.StatusInternalServerError, "internal_error", "the proxy failed on this request; details are in its log")
	}()
	if r.n < 0 {
		v := c.value()
		if b := v.Get("body"); !b.IsNull() {
			body = make([]byte, b.Length())
			js.CopyBytesToGo(body, b)
		}
		head = v.Get("head").String()
	}
	req, err := readRequest(context.WithValue(context.Background(), callKey{}, c), head, body)
	if err != nil {
		c.respondError(http.StatusBadRequest, "bad_request", err.Error())
		return
	}
	w := &responseWriter{header: http.Header{}}
	b.h.ServeHTTP(w, req)
	c.respond(w.status, w.header, w.body)
}

// lines is a buffer for an answer's header lines, kept for the next.
var lines = sync.Pool{New: func() any { return new([]byte) }}

func (c *call) respond(status int, h http.Header, body []byte) {
	if status == 0 {
		status = http.StatusOK
	}
	p := lines.Get().(*[]byte)
	defer lines.Put(p)
	*p = appendHeaderLines((*p)[:0], h)
	if !queue(outAnswer, uint32(c.id), uint32(status), *p, body) {
		c.value().Call("respond", status, string(*p), bytesToJS(body))
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
		token = c.value().Call("waitUntil").Int()
	}
	if token == 0 {
		// No request to keep alive: it has ended, or ctx carries none.
		fmt.Fprintln(os.Stderr, "lpedge worker: WaitUntil without a live request; the task may be cut short")
		go task(ctx)
		return
	}
	go func() {
		defer c.value().Call("settle", token)
		task(ctx)
	}()
}
