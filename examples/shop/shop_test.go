package shop

import (
	"io"
	"io/fs"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
)

const snippet = `<script>/*stub*/</script><script async src="http://127.0.0.1:8080/lpedge.js" data-account="12345678"></script>`

func newShop(t *testing.T) *httptest.Server {
	t.Helper()
	h, err := Handler(Config{Snippet: snippet, LPTest: "http://127.0.0.1:8081/", Account: "12345678", App: "app-1"})
	if err != nil {
		t.Fatal(err)
	}
	srv := httptest.NewServer(h)
	t.Cleanup(srv.Close)
	return srv
}

func TestHandler(t *testing.T) {
	srv := newShop(t)
	for _, c := range []struct {
		method, path string
		status       int
		ctype        string
		has          []string
	}{
		{"GET", "/", 200, "text/html; charset=utf-8", []string{snippet, `data-page="home"`, `<script src="/shop.js"></script>`}},
		{"GET", "/index.html", 200, "text/html; charset=utf-8", []string{`data-page="home"`}},
		{"GET", "/product.html?sku=NP-HB-205", 200, "text/html; charset=utf-8", []string{`data-page="product"`, snippet}},
		{"GET", "/shoes.html", 200, "text/html; charset=utf-8", []string{`<script src="/standin-lptag.js"></script>`, snippet}},
		{"GET", "/shop.js", 200, "text/javascript; charset=utf-8", []string{"lpedge event log"}},
		{"GET", "/shop.css", 200, "text/css; charset=utf-8", []string{".evp"}},
		{"GET", "/favicon.svg", 200, "image/svg+xml", []string{"<svg"}},
		{"GET", "/config.js", 200, "text/javascript; charset=utf-8",
			[]string{`window.SHOP_CONFIG = {"account":"12345678","app":"app-1","lptest":"http://127.0.0.1:8081"};`}},
		{"GET", "/nope.html", 404, "text/html; charset=utf-8", []string{`data-page="notfound"`, snippet}},
		{"GET", "/static/shop.js", 404, "text/html; charset=utf-8", nil},
		{"POST", "/", 405, "text/plain; charset=utf-8", []string{"method not allowed"}},
		{"HEAD", "/cart.html", 200, "text/html; charset=utf-8", nil},
	} {
		req, _ := http.NewRequest(c.method, srv.URL+c.path, nil)
		res, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		body, _ := io.ReadAll(res.Body)
		res.Body.Close()
		if res.StatusCode != c.status || res.Header.Get("Content-Type") != c.ctype {
			t.Errorf("%s %s: %d %q, want %d %q", c.method, c.path, res.StatusCode, res.Header.Get("Content-Type"), c.status, c.ctype)
		}
		for _, h := range c.has {
			if !strings.Contains(string(body), h) {
				t.Errorf("%s %s lacks %q", c.method, c.path, h)
			}
		}
		if c.method == "HEAD" && len(body) > 0 {
			t.Errorf("HEAD %s has a body", c.path)
		}
		if c.status == 405 && res.Header.Get("Allow") != "GET, HEAD" {
			t.Errorf("%s %s: Allow %q", c.method, c.path, res.Header.Get("Allow"))
		}
	}
}

// Every page carries the snippet once, in its head, after the shop's
// script (whose event panel must see the tag's log from the start); the
// page instrumented only with GA4 dataLayer pushes has data-capture on
// the loader tag.
func TestEveryPageHasTheSnippet(t *testing.T) {
	srv := newShop(t)
	pages, err := fs.Glob(static, "static/*.html")
	if err != nil || len(pages) < 9 {
		t.Fatalf("pages %v, %v", pages, err)
	}
	for _, p := range pages {
		name := strings.TrimPrefix(p, "static")
		res, err := http.Get(srv.URL + name)
		if err != nil {
			t.Fatal(err)
		}
		b, _ := io.ReadAll(res.Body)
		res.Body.Close()
		page := string(b)
		head, _, _ := strings.Cut(page, "</head>")
		want := snippet
		if name == "/ga4.html" {
			want = `<script>/*stub*/</script><script async data-capture="datalayer" src="http://127.0.0.1:8080/lpedge.js" data-account="12345678"></script>`
		}
		if strings.Count(page, want) != 1 || !strings.Contains(head, want) || strings.Contains(page, "<!--lpedge-snippet") {
			t.Errorf("%s: want the snippet once, in the head, and no marker:\n%s", name, page)
		}
		if strings.Index(head, `src="/shop.js"`) > strings.Index(head, want) {
			t.Errorf("%s: shop.js comes after the snippet", name)
		}
	}
}

// A page that asks for zero-code capture needs a loader tag to put it on.
func TestCaptureMarkerNeedsTheLoaderTag(t *testing.T) {
	_, err := Handler(Config{Snippet: `<script src="/lpedge.js"></script>`, LPTest: "http://127.0.0.1:8081", Account: "1", App: "a"})
	if err == nil || !strings.Contains(err.Error(), "ga4.html") {
		t.Errorf("Handler with a snippet without <script async: %v, want an error naming ga4.html", err)
	}
}

func TestHandlerConfig(t *testing.T) {
	full := Config{Snippet: snippet, LPTest: "http://127.0.0.1:8081", Account: "1", App: "a"}
	for _, c := range []func(*Config){
		func(c *Config) { c.Snippet = "" },
		func(c *Config) { c.LPTest = "" },
		func(c *Config) { c.Account = "" },
		func(c *Config) { c.App = "" },
	} {
		cfg := full
		c(&cfg)
		if _, err := Handler(cfg); err == nil || !strings.Contains(err.Error(), "Config needs") {
			t.Errorf("Handler(%+v): %v", cfg, err)
		}
	}
	if _, err := Handler(full); err != nil {
		t.Errorf("Handler(%+v): %v", full, err)
	}
}
