//go:build js

package proxy

// defaultUpstream is nil under js/wasm: *http.Client adds megabytes to a
// Worker and http.DefaultClient panics on workerd, so the Workers main
// passes Config.Upstream (syumai's cloudflare/fetch).
func defaultUpstream() Upstream { return nil }
