// Command lpedge is the browser tag's WebAssembly module. jsglue's
// lpedge.js loads it; built for the host, it only says so.
//
// The release build is go run ./jsglue/cmd/build, with jsglue.WasmFlags.
package main

import "github.com/lpedge/lpedge/wasm/browser"

func main() {
	// println, not fmt or os: each would cost the module tens of KB.
	if err := browser.Run(); err != nil {
		println(err.Error())
	}
}
