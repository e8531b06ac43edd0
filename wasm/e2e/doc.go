// Package e2e tests the tag end to end in headless Chromium
// (internal/browsertest): the built lpedge.js and module, served to pages
// from a loopback site, reporting to lptest directly or through the
// proxy. The tests are the package's; it has no API. Run with -v to see
// the performance figures TestPerformance logs:
//
//	go test -v -run Performance ./wasm/e2e
package e2e
