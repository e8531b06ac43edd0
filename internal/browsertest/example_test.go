package browsertest_test

import (
	"context"
	"fmt"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
	"github.com/lpedge/lpedge/internal/browsertest"
)

// A browser test: open a page, wait for the request it makes, check the
// console and keep a screenshot. This example has no Output: New needs the
// *testing.T of a running test, and examples have none.
func ExampleNew() {
	var t *testing.T // in a real test: func TestShop(t *testing.T)
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		fmt.Fprint(w, `<script>fetch("/report", {method: "POST", body: "{}"})</script>`)
	}))
	defer srv.Close()

	ctx := browsertest.New(t, browsertest.WithTimeout(30*time.Second))
	console := browsertest.RecordConsole(t, ctx)
	network := browsertest.RecordNetwork(t, ctx)
	if err := chromedp.Do(ctx, chromedp.Navigate(srv.URL)); err != nil {
		t.Fatal(err)
	}

	wctx, cancel := context.WithTimeout(ctx, 10*time.Second)
	defer cancel()
	report, err := network.Wait(wctx, func(r browsertest.Request) bool {
		return r.Done && r.Method == "POST" && r.URL == srv.URL+"/report"
	})
	if err != nil {
		t.Fatal(err) // lists every request seen
	}
	if report.Status != http.StatusOK {
		t.Errorf("report: %v", report)
	}
	if errs := console.Errors(); len(errs) > 0 {
		t.Errorf("console errors: %v", errs)
	}
	if err := browsertest.Screenshot(ctx, filepath.Join(browsertest.OutputDir(t), "shop.png")); err != nil {
		t.Error(err)
	}
}
