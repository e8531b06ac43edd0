// Package demo wires lpedge's demo together on loopback: lptest (an
// in-memory LivePerson with the demo's campaigns), the proxy (the native
// net/http handler, serving the tag's files) and the Northpeak shop
// (package examples/shop), each on its own port, so that the shop's
// pages, the proxy and LivePerson are three origins as in production.
// The demo command (examples/cmd/demo) and the acceptance browser test
// both start it.
//
//	tag, err := demo.BuildTag(dir, false) // GOOS=js GOARCH=wasm build of ./wasm/cmd/lpedge, lpedge.js, the stub
//	d, err := demo.Start(demo.Options{Tag: tag}) // free ports; the command passes 127.0.0.1:8000, :8080, :8081
//	defer d.Close()
//	fmt.Println(d.ShopURL, d.LPTestURL+"/lptest/")
//
// The proxy is configured the way an operator configures it, through
// proxy.ConfigFromEnv: LP_ACCOUNT_ID, LP_APP_INSTALLATION_ID, LP_CLIENT_ID
// and LP_CLIENT_SECRET of lptest's defaults, LP_DOMAIN_API pointing at
// lptest, LP_TEST_DOMAIN=127.0.0.1 and ALLOWED_ORIGINS the shop's origins
// ([Demo].ProxyEnv has them). With [Options].ProxyURL the demo uses a
// proxy that runs elsewhere, such as the Worker under `wrangler dev`
// (make dev-worker), and the shop serves the tag's files itself.
package demo
