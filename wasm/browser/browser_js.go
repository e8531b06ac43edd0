//go:build js && wasm

package browser

import (
	"errors"

	"syscall/js"

	"github.com/lpedge/lpedge/internal/jsonv"
	"github.com/lpedge/lpedge/wasm/tag"
)

// Env returns the browser's environment for the tag.
func Env() tag.Env {
	return tag.Env{
		Local:     storage("localStorage"),
		Session:   storage("sessionStorage"),
		Clock:     clock{},
		Transport: transport{},
		Console:   console{},
		LpTag:     &lpTag{},
		Page:      page{},
		Random:    random,
	}
}

// Run starts the tag from the loader's globalThis.__lpedgeBoot and never
// returns: the module must stay alive to answer the page.
func Run() error {
	// Give the page's event loop a turn between the Go runtime's start and
	// the tag's, so that neither makes a long main-thread task.
	turn := make(chan struct{})
	clock{}.After(0, func() { close(turn) })
	<-turn
	if _, err := Start(js.Global().Get("__lpedgeBoot")); err != nil {
		return err
	}
	select {}
}

// Start reads the boot object's data attributes, starts the tag with the
// browser's Env, listens to pagehide, visibilitychange and online, and
// hands boot.ready the page API's call function. On a configuration
// error it calls boot.ready(null, message) instead.
func Start(boot js.Value) (*tag.Tag, error) {
	if boot.Type() != js.TypeObject {
		return nil, errors.New("lpedge: no boot object: load the module through lpedge.js")
	}
	js.Global().Delete("__lpedgeBoot")
	ready := boot.Get("ready")
	cfg, err := tag.ParseConfig(attrs(boot.Get("attrs")))
	if err != nil {
		ready.Invoke(js.Null(), err.Error())
		return nil, err
	}
	t := tag.New(cfg, Env())
	listen(t)
	ready.Invoke(serve(t))
	return t, nil
}

// attrs decodes the JSON object of data attributes; what is not a string
// is left out, and ParseConfig names what is missing.
func attrs(v js.Value) map[string]string {
	out := map[string]string{}
	if v.Type() != js.TypeString {
		return out
	}
	parsed, _ := jsonv.Parse([]byte(v.String()))
	m, _ := parsed.(map[string]any)
	for k, e := range m {
		if s, ok := e.(string); ok {
			out[k] = s
		}
	}
	return out
}

// serve returns call(method, argsJSON, resolve?, reject?): resolve gets
// the result's JSON text ("" for undefined), reject an Error.
func serve(t *tag.Tag) js.Func {
	return js.FuncOf(func(_ js.Value, a []js.Value) any {
		if len(a) < 2 || a[0].Type() != js.TypeString || a[1].Type() != js.TypeString {
			return nil
		}
		var reply tag.Reply
		if len(a) >= 4 && a[2].Type() == js.TypeFunction {
			resolve, reject := a[2], a[3]
			reply = func(result []byte, err error) {
				if err != nil {
					reject.Invoke(js.Global().Get("Error").New(err.Error()))
					return
				}
				resolve.Invoke(string(result))
			}
		}
		method, args := a[0].String(), []byte(a[1].String())
		if depth > 0 {
			// The page called lpedge from inside a function the tag called
			// (a wrapped console or fetch): run it once the tag is done.
			clock{}.After(0, func() { t.Call(method, args, reply) })
			return nil
		}
		guard(func() { t.Call(method, args, reply) })
		return nil
	})
}

// depth counts the tag's entry points running now. JavaScript has one
// thread, so depth > 0 when the page API is called means the call came
// from inside the tag's own call out to JavaScript.
var depth int

// guard runs an entry point of the tag: it counts depth, and keeps a bug
// in the tag from stopping the module (a panic that escaped would end the
// Go program, and every later call would throw).
func guard(f func()) {
	depth++
	defer func() {
		depth--
		if r := recover(); r != nil {
			msg := "lpedge: internal error"
			if e, ok := r.(error); ok {
				msg += ": " + e.Error()
			} else if s, ok := r.(string); ok {
				msg += ": " + s
			}
			js.Global().Get("console").Call("error", msg)
		}
	}()
	f()
}

func listen(t *tag.Tag) {
	win, doc := js.Global(), js.Global().Get("document")
	on := func(target js.Value, event string, f func()) {
		if target.Type() == js.TypeObject && target.Get("addEventListener").Type() == js.TypeFunction {
			target.Call("addEventListener", event, js.FuncOf(func(js.Value, []js.Value) any { guard(f); return nil }))
		}
	}
	on(win, "pagehide", t.Hide)
	on(doc, "visibilitychange", func() {
		if doc.Get("visibilityState").String() == "hidden" {
			t.Hide()
		}
	})
	on(win, "online", t.Online)
}

// try runs f and turns a JavaScript exception into an error.
func try(f func()) (err error) {
	defer func() {
		if r := recover(); r != nil {
			if e, ok := r.(error); ok {
				err = e
			} else {
				err = errors.New("a JavaScript exception")
			}
		}
	}()
	f()
	return nil
}

// storage is window.localStorage or sessionStorage. Reading the property
// itself throws where storage is blocked (a sandboxed frame, cookies
// disabled), so every access is guarded, and the property is read with
// Reflect.get: syscall/js turns an exception into a panic only in a call,
// while one in a plain property read would stop the module.
type storage string

func (s storage) object() js.Value {
	return js.Global().Get("Reflect").Call("get", js.Global(), string(s))
}

func (s storage) Get(key string) (value string, ok bool) {
	try(func() {
		v := s.object().Call("getItem", key)
		if v.Type() == js.TypeString {
			value, ok = v.String(), true
		}
	})
	return value, ok
}

func (s storage) Set(key, value string) error {
	return try(func() { s.object().Call("setItem", key, value) })
}

func (s storage) Remove(key string) {
	try(func() { s.object().Call("removeItem", key) })
}

type clock struct{}

func (clock) Now() int64 { return int64(js.Global().Get("Date").Call("now").Float()) }

func (clock) After(ms int64, f func()) func() bool {
	done := false
	var fn js.Func
	fn = js.FuncOf(func(js.Value, []js.Value) any {
		done = true
		fn.Release()
		guard(f)
		return nil
	})
	id := js.Global().Call("setTimeout", fn, ms)
	return func() bool {
		if done {
			return false
		}
		done = true
		js.Global().Call("clearTimeout", id)
		fn.Release()
		return true
	}
}

// transport is fetch. Credentials are omitted: LivePerson's API and the
// proxy need no cookies, and sending none keeps CORS simple.
type transport struct{}

func (transport) Do(req tag.Request, done func(tag.Response)) {
	obj := js.Global().Get("Object")
	opts, headers := obj.New(), obj.New()
	for _, h := range req.Header {
		headers.Set(h[0], h[1])
	}
	opts.Set("method", req.Method)
	opts.Set("headers", headers)
	opts.Set("credentials", "omit")
	opts.Set("keepalive", req.Keepalive)
	if req.Body != "" {
		opts.Set("body", req.Body)
	}
	var onResponse, onText, onError js.Func
	release := func() { onResponse.Release(); onText.Release(); onError.Release() }
	var resp tag.Response
	onError = js.FuncOf(func(_ js.Value, a []js.Value) any {
		release()
		msg := "fetch failed"
		if len(a) > 0 {
			msg = a[0].Call("toString").String()
		}
		guard(func() { done(tag.Response{Err: errors.New(msg)}) })
		return nil
	})
	onText = js.FuncOf(func(_ js.Value, a []js.Value) any {
		release()
		resp.Body = []byte(a[0].String())
		guard(func() { done(resp) })
		return nil
	})
	onResponse = js.FuncOf(func(_ js.Value, a []js.Value) any {
		r := a[0]
		resp.Status = r.Get("status").Int()
		if ra := r.Get("headers").Call("get", "Retry-After"); ra.Type() == js.TypeString {
			resp.RetryAfter = ra.String()
		}
		r.Call("text").Call("then", onText, onError)
		return nil
	})
	if err := try(func() {
		js.Global().Call("fetch", req.URL, opts).Call("then", onResponse, onError)
	}); err != nil {
		release()
		// Answer from the event loop, as fetch would.
		clock{}.After(0, func() { done(tag.Response{Err: err}) })
	}
}

type console struct{}

func (console) Error(msg string) { js.Global().Get("console").Call("error", msg) }
func (console) Warn(msg string)  { js.Global().Get("console").Call("warn", msg) }
func (console) Log(msg string)   { js.Global().Get("console").Call("log", msg) }

// page reads location and navigator; outside a browser (Node) they may
// be missing.
type page struct{}

func (page) URL() string    { return prop("location", "href") }
func (page) Origin() string { return prop("location", "origin") }
func (page) Online() bool {
	nav := js.Global().Get("navigator")
	return nav.Type() != js.TypeObject || nav.Get("onLine").Type() != js.TypeBoolean || nav.Get("onLine").Bool()
}

// TimeZone asks Intl, the only place a browser names its time zone.
func (page) TimeZone() string {
	intl := js.Global().Get("Intl")
	if intl.Type() != js.TypeObject {
		return ""
	}
	tz := intl.Call("DateTimeFormat").Call("resolvedOptions").Get("timeZone")
	if tz.Type() != js.TypeString {
		return ""
	}
	return tz.String()
}

func prop(object, name string) string {
	o := js.Global().Get(object)
	if o.Type() != js.TypeObject || o.Get(name).Type() != js.TypeString {
		return ""
	}
	return o.Get(name).String()
}

func random(b []byte) {
	a := js.Global().Get("Uint8Array").New(len(b))
	js.Global().Get("crypto").Call("getRandomValues", a)
	js.CopyBytesToGo(b, a)
}
