// Package jsglue holds the tag's hand-written JavaScript and builds what a
// site serves:
//
//   - stub.js: the inline snippet (under 1 KB minified) that defines
//     window.lpedge with methods that queue their calls;
//   - loader.js: the loader, bundled after Go's wasm_exec.js into
//     lpedge.js, one function (__lpedgeBundle) that the loader runs
//     again as the module's Web Worker, from a Blob URL, unless the page
//     asks for its own thread (data-thread="main") or cannot have one;
//   - lpedge.d.ts: TypeScript declarations of the page API.
//
// [Build] compiles the module (GOOS=js GOARCH=wasm with [WasmFlags]: no
// symbol table, no Go build ID, and no inlining in lpedge's packages), names it lpedge.<hash>.wasm, bundles and minifies
// lpedge.js with the module's name and the retail preset's lists of the
// members it reads baked in (github.com/tdewolff/minify),
// writes .br and .gz siblings of both, and returns the snippet with a
// Subresource Integrity hash of lpedge.js. The output directory is what
// the proxy serves. The command jsglue/cmd/build runs it:
//
//	go run ./jsglue/cmd/build -o dist/tag -url https://edge.example.com/lpedge.js
//
// (jsglue/worker is the Cloudflare Workers entry, a separate piece.)
package jsglue
