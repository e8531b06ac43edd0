// Package wasm holds the browser tag's Go side, in three packages:
//
//   - [github.com/lpedge/lpedge/wasm/tag]: the page API's logic (argument
//     checks, mapping through the retail preset, one request per tick,
//     the persisted queue, LivePerson's retry policy, visitor ids,
//     consent, engagement and conversations), plain Go behind interfaces
//     for storage, timers, HTTP, the console and lpTag.
//   - [github.com/lpedge/lpedge/wasm/browser]: those interfaces over
//     syscall/js and the loader's host functions (and over memory, Go
//     timers and net/http on the host).
//   - wasm/cmd/lpedge: the module's main, built with
//     GOOS=js GOARCH=wasm go build with [github.com/lpedge/lpedge/jsglue.WasmFlags].
//
// Nothing here imports encoding/json, fmt, net/http, net/url, regexp,
// reflect, time, strings or unicode in the browser build (liveperson's
// TestTagDependencies checks): each costs the module kilobytes.
package wasm
