// Package browser binds the tag ([github.com/lpedge/lpedge/wasm/tag]) to
// the browser through syscall/js: localStorage and sessionStorage (every
// access guarded, as a sandboxed frame or Safari's private mode throws),
// setTimeout, fetch, the console, window.lpTag, location and
// crypto.getRandomValues. The bindings are thin on purpose: every
// decision is the tag's, tested on the host.
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
// globalThis.__lpedgeBoot = {attrs: "<JSON of the script tag's data
// attributes>", ready: function(call, error) {...}} and runs the module;
// [Run] starts the tag, hands ready the function the page API calls
// (call(method, argsJSON, resolve?, reject?)), and keeps the module alive.
package browser
