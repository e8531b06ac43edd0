// Command lpedge is the browser tag's WebAssembly module. jsglue's
// lpedge.js loads it; built for the host, it only says so.
//
//	GOOS=js GOARCH=wasm go build -trimpath -ldflags="-s -w" -gcflags=github.com/lpedge/lpedge/...=-l -o lpedge.wasm ./wasm/cmd/lpedge
package main

import "github.com/lpedge/lpedge/wasm/browser"

func main() {
	// println, not fmt or os: each would cost the module tens of KB.
	if err := browser.Run(); err != nil {
		println(err.Error())
	}
}
