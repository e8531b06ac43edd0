// Package browser binds the tag ([github.com/lpedge/lpedge/wasm/tag]) to
// the browser: localStorage and sessionStorage (every access guarded, as
// a sandboxed frame or Safari's private mode throws), setTimeout, fetch,
// the console, window.lpTag, location and crypto.getRandomValues. It
// reaches them through small JavaScript functions of the loader (its
// host object), which are cheaper than the same steps through syscall/js
// in the module, and holds one Go callback for the life of the page. The
// bindings are thin on purpose: every decision is the tag's, tested on
// the host.
//
// The same API builds for the host (files tagged !js), where [Env] is
// memory storage, Go timers and net/http, so a Go program or test can run
// the tag against a LivePerson stand-in without a browser:
//
//	env := browser.Env()
//	t := tag.New(cfg, env)
//	t.Call("track", []byte(`["Product Viewed",{"sku":"A1","name":"Shoe"}]`), nil)
//
// In the browser, the loader (jsglue's lpedge.js) sets
// globalThis.__lpedgeBoot = {attrs: [name, value, ...] (the script tag's
// data attributes), ready: function(call, error) {...}, host:
// function(go) {...}} and runs the module. [Run] calls host with the
// module's one callback and gets the functions that do the DOM mechanics
// (storage, timers, fetch, the conversation's Server-Sent Events stream
// and its listeners, console, lpTag's events), starts the tag, hands
// ready the function the page API calls (call(method, argsJSON, settle)),
// and keeps the module alive.
//
// The module runs the same in a dedicated Web Worker (the loader's
// default) and on the page's thread (data-thread="main", or where there
// is no worker). In the worker the host reads storage, location and lpTag
// from copies the page keeps current, and has the page do the rest
// (requests but the conversation's event stream, console, storage
// writes, DOM events, listeners), so that the page knows all that was
// sent; since the worker may be gone when the
// page goes away, the host there also takes plans: after an entry point
// (the page API's calls: after the timer that ends their tick) the module
// hands the page what Hide(true) would send and store now
// ([tag.Tag.PlanHide]) and how many of the page's calls that reflects,
// which the page's thread does itself at pagehide, keeping the calls the
// plan does not reflect for the next page (the tag's journal).
package browser
