// Package worker serves an http.Handler on Cloudflare Workers from one Go
// instance per isolate, and sends its outbound requests through the
// Workers fetch API.
//
// github.com/syumai/workers' stock entry module starts a fresh Go instance
// for every request, which costs 8-15 ms of CPU each time. The entry module
// next to this package (entry.mjs) starts one instance on an isolate's
// first request and hands it every later request; [Serve] is the Go half.
//
// # Usage
//
// The Workers main of a command (built with GOOS=js GOARCH=wasm):
//
//	func main() {
//		h := newHandler()                // any http.Handler
//		worker.Serve(h, worker.Options{}) // never returns
//	}
//
// and handlers send upstream requests with [Client], passing the incoming
// request's context:
//
//	req, _ := http.NewRequestWithContext(r.Context(), "GET", url, nil)
//	resp, err := worker.Client{}.Do(req)
//
// The build directory holds entry.mjs as the Worker's main module, next to
// wasm_exec.js from `go run github.com/syumai/workers/cmd/workers-assets-gen
// -mode=go` and the program as app.wasm (scripts/worker.sh does this).
// syumai's generated worker.mjs still works as the main module of the same
// build: Serve registers the handler with syumai's runtime too.
//
// # Requests interleave
//
// workerd binds every I/O object, timer and fetch to the request that
// created it, while Go's scheduler runs whichever goroutine is ready
// whenever any request's callback enters the instance. So Go never touches
// a JavaScript I/O object here: the entry module reads the request body into
// bytes (up to [Options.MaxBodyBytes] plus one), the handler's answer is
// buffered and sent back whole, and a [Client] fetch is performed, and its
// answer read whole, by the entry module in the context of the request whose
// context.Context the Go request carries. [WaitUntil] extends that request.
// Go's timers are re-armed in another live request when the request that
// armed them ends; between requests, timers of background goroutines wait
// for the next request. syumai's binding packages (cloudflare/kv, r2, d1,
// ...) await JavaScript promises from Go and are not safe under this entry;
// cloudflare.Getenv is (the variables are the same for every request).
// [Objects] calls Durable Objects as [Client] fetches: in the request's
// own loop; so do its streams ([Objects.Open]), whose body and answer
// stay open both ways, a line at a time.
//
// # State
//
// state.mjs, next to the entry module, is the Durable Object class
// LpedgeState that entry.mjs exports: the proxy's shared state
// (proxy.ObjectEngine, proxy.ObjectCache), when the Worker binds a
// namespace of it as LPEDGE_STATE (examples/wrangler.toml).
//
// The Worker's compatibility date must be 2024-10-14 or later: the entry
// module relies on workerd settling a promise in the request that created
// it, whichever request resolves it.
//
// Serve sends the log package's output, and so slog's default logger, to
// console.log one line per call, without the log package's date and time
// (the runtime stamps each line): Go's own path for os.Stderr costs a JS
// callback per write.
//
// # Failures
//
// A handler that panics is answered 500 internal_error, and the instance is
// retired: requests in flight finish on it, new ones go to a fresh instance.
// When the Go program exits (a panic in another goroutine, os.Exit), the
// requests in flight are answered 503 worker_restarting with Retry-After: 1
// and the next request starts a fresh instance. A request not answered
// within [Options.Deadline] gets 503 worker_timeout and retires the
// instance. These answers use the proxy's error shape,
// {"error":{"code":"...","message":"..."}}.
//
// With the Worker variable LPEDGE_WORKER_DEBUG=1, every answer carries
// X-Lpedge-Instance: the instance's number in the isolate and the request's
// number on that instance, "1/42"; and X-Lpedge-Js-Calls: how many
// syscall/js calls into JS the instance has made so far.
package worker
