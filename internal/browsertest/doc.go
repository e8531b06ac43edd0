// Package browsertest runs end-to-end tests in Debian's headless Chromium,
// driven over the DevTools protocol by github.com/chromedp/chromedp.
//
// [New] starts one browser for a test and returns the context of its tab; the
// test's cleanup closes it. Where a package's tests share one browser,
// TestMain starts it with [Start], and [Browser.Tab] gives each test a tab in
// a BrowserContext of its own (storage, cookies, HTTP cache), which its
// cleanup closes. [RecordConsole] keeps what the page writes to its
// console, uncaught exceptions included, and [RecordNetwork] keeps the HTTP
// requests the page makes (method, URL, request headers, status), both with a
// Wait that blocks until a matching entry arrives. [Screenshot] saves the
// viewport as a PNG, in [OutputDir] to keep it after the test.
//
// Chromium is /usr/bin/chromium, or the binary that LPEDGE_CHROMIUM names.
// A test that finds none fails and says to run `make deps`: a browser test
// never skips, so a machine without a browser cannot pass for a green run.
//
// Usage:
//
//	func TestCheckout(t *testing.T) {
//		ctx := browsertest.New(t) // fails the test when Chromium is missing
//		console := browsertest.RecordConsole(t, ctx)
//		network := browsertest.RecordNetwork(t, ctx)
//		if err := chromedp.Do(ctx, chromedp.Navigate(shop.URL)); err != nil {
//			t.Fatal(err)
//		}
//		wctx, cancel := context.WithTimeout(ctx, 10*time.Second)
//		defer cancel()
//		req, err := network.Wait(wctx, func(r browsertest.Request) bool {
//			return r.Done && r.Method == "POST" && strings.HasSuffix(r.URL, "/report")
//		})
//		if err != nil {
//			t.Fatal(err)
//		}
//		if req.Status != 200 {
//			t.Errorf("report: %v", req)
//		}
//		if errs := console.Errors(); len(errs) > 0 {
//			t.Errorf("console errors: %v", errs)
//		}
//	}
package browsertest
