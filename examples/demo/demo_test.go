package demo

import (
	"bytes"
	"io"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/lpedge/lpedge/jsglue"
	"github.com/lpedge/lpedge/liveperson/lptest"
)

const fakeLoader = "/* lpedge.js */"

// fakeTag writes what LoadTag reads, without building anything.
func fakeTag(t *testing.T) *Tag {
	t.Helper()
	dir := t.TempDir()
	for name, data := range map[string]string{"lpedge.js": fakeLoader, "stub.min.js": "/*stub*/", "lpedge.0123456789ab.wasm": "\x00asm"} {
		if err := os.WriteFile(filepath.Join(dir, name), []byte(data), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	tag, err := LoadTag(dir)
	if err != nil {
		t.Fatal(err)
	}
	return tag
}

func get(t *testing.T, url string, header ...string) (int, http.Header, string) {
	t.Helper()
	req, _ := http.NewRequest("GET", url, nil)
	if len(header) == 2 {
		req.Header.Set(header[0], header[1])
	}
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer res.Body.Close()
	b, _ := io.ReadAll(res.Body)
	return res.StatusCode, res.Header, string(b)
}

func TestLoadTag(t *testing.T) {
	tag := fakeTag(t)
	if tag.Wasm != "lpedge.0123456789ab.wasm" || string(tag.Stub) != "/*stub*/" || tag.Integrity != jsglue.Integrity([]byte(fakeLoader)) {
		t.Errorf("LoadTag: %+v", tag)
	}
	for _, c := range []struct {
		name   string
		remove string
		add    string
		want   string
	}{
		{"no loader", "lpedge.js", "", "no tag in"},
		{"no stub", "stub.min.js", "", "no stub in"},
		{"no module", "lpedge.0123456789ab.wasm", "", "want one lpedge.<hash>.wasm"},
		{"two modules", "", "lpedge.ba9876543210.wasm", "want one lpedge.<hash>.wasm"},
	} {
		dir := fakeTag(t).Dir
		if c.remove != "" {
			os.Remove(filepath.Join(dir, c.remove))
		}
		if c.add != "" {
			os.WriteFile(filepath.Join(dir, c.add), nil, 0o644)
		}
		if _, err := LoadTag(dir); err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("%s: %v, want %q", c.name, err, c.want)
		}
	}
}

func TestStart(t *testing.T) {
	tag := fakeTag(t)
	d, err := Start(Options{Tag: tag})
	if err != nil {
		t.Fatal(err)
	}
	closed := false
	defer func() {
		if !closed {
			d.Close()
		}
	}()
	if d.LP == nil || d.LP.URL != d.LPTestURL || len(d.LP.Config().Engagements) != len(Engagements()) {
		t.Fatalf("lptest: %+v", d)
	}
	// The shop's pages carry the snippet: the loader from the proxy, with
	// its integrity, and the data attributes.
	for _, want := range []string{`<script>/*stub*/</script>`, `src="` + d.ProxyURL + `/lpedge.js"`, `integrity="` + tag.Integrity + `"`,
		`data-account="` + lptest.DefaultAccount + `"`, `data-app="` + lptest.DefaultApp + `"`, `data-proxy="` + d.ProxyURL + `"`, `data-debug="true"`} {
		if !strings.Contains(d.Snippet, want) {
			t.Errorf("snippet lacks %q: %s", want, d.Snippet)
		}
	}
	if status, _, page := get(t, d.ShopURL+"/cart.html"); status != 200 || !strings.Contains(page, d.Snippet) {
		t.Errorf("shop: %d\n%s", status, page)
	}
	if status, _, js := get(t, d.ShopURL+"/config.js"); status != 200 || !strings.Contains(js, `"lptest":"`+d.LPTestURL+`"`) {
		t.Errorf("config.js: %d %s", status, js)
	}
	// The proxy serves the tag, to any origin.
	if status, h, js := get(t, d.ProxyURL+"/lpedge.js"); status != 200 || js != fakeLoader || h.Get("Access-Control-Allow-Origin") != "*" {
		t.Errorf("proxy /lpedge.js: %d %v %q", status, h, js)
	}
	if status, h, _ := get(t, d.ProxyURL+"/"+tag.Wasm); status != 200 || h.Get("Content-Type") != "application/wasm" {
		t.Errorf("proxy %s: %d %v", tag.Wasm, status, h)
	}
	// ALLOWED_ORIGINS: the shop's origins, and no other.
	origins := origins(d.ShopURL)
	if d.ProxyEnv["ALLOWED_ORIGINS"] != strings.Join(origins, ",") || len(origins) != 2 || d.ProxyEnv["LP_DOMAIN_API"] != d.LPTestURL {
		t.Errorf("proxy env %v", d.ProxyEnv)
	}
	for origin, allowed := range map[string]bool{origins[0]: true, origins[1]: true, "http://evil.example": false} {
		req, _ := http.NewRequest("POST", d.ProxyURL+"/v1/report", strings.NewReader(`{}`))
		req.Header.Set("Origin", origin)
		req.Header.Set("Content-Type", "application/json")
		res, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		res.Body.Close()
		if (res.StatusCode != http.StatusForbidden) != allowed {
			t.Errorf("origin %s: %d, want allowed %v", origin, res.StatusCode, allowed)
		}
	}
	// The proxy reaches lptest: an engagement from the shop's origin.
	req, _ := http.NewRequest("POST", d.ProxyURL+"/v1/engagement", strings.NewReader(`{"entryPoints":["`+d.ShopURL+`/"],"engagementAttributes":[]}`))
	req.Header.Set("Origin", d.ShopURL)
	req.Header.Set("Content-Type", "application/json")
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	b, _ := io.ReadAll(res.Body)
	res.Body.Close()
	if res.StatusCode != 201 || !bytes.Contains(b, []byte(`"campaignId":1004`)) || d.LP.CallCount(lptest.RouteEngagement) != 1 {
		t.Errorf("engagement through the proxy: %d %s", res.StatusCode, b)
	}

	if err := d.Close(); err != nil {
		t.Error(err)
	}
	closed = true
	for _, u := range []string{d.ShopURL, d.ProxyURL + "/healthz", d.LPTestURL + "/lptest/"} {
		if res, err := http.Get(u); err == nil {
			res.Body.Close()
			t.Errorf("%s still answers after Close", u)
		}
	}
}

// With a proxy and an lptest that run elsewhere (make dev-worker), the
// shop serves the tag's files itself.
func TestStartWithExternalProxy(t *testing.T) {
	tag := fakeTag(t)
	lp := lptest.NewServer()
	defer lp.Close()
	d, err := Start(Options{Tag: tag, ProxyURL: "http://127.0.0.1:8787/", LPTestURL: lp.URL})
	if err != nil {
		t.Fatal(err)
	}
	defer d.Close()
	if d.LP != nil || d.ProxyEnv != nil || d.ProxyURL != "http://127.0.0.1:8787" || d.LPTestURL != lp.URL {
		t.Errorf("demo %+v", d)
	}
	if d.LoaderURL != d.ShopURL+"/tag/lpedge.js" {
		t.Errorf("LoaderURL %s", d.LoaderURL)
	}
	for _, want := range []string{`src="` + d.ShopURL + `/tag/lpedge.js"`, `data-proxy="http://127.0.0.1:8787"`} {
		if !strings.Contains(d.Snippet, want) {
			t.Errorf("snippet lacks %q: %s", want, d.Snippet)
		}
	}
	if status, _, js := get(t, d.ShopURL+"/tag/lpedge.js"); status != 200 || js != fakeLoader {
		t.Errorf("/tag/lpedge.js: %d %q", status, js)
	}
	if status, h, _ := get(t, d.ShopURL+"/tag/"+tag.Wasm); status != 200 || h.Get("Content-Type") != "application/wasm" {
		t.Errorf("/tag/%s: %d %v", tag.Wasm, status, h)
	}
	if status, _, page := get(t, d.ShopURL+"/"); status != 200 || !strings.Contains(page, d.Snippet) {
		t.Errorf("shop: %d", status)
	}
}

func TestStartErrors(t *testing.T) {
	if _, err := Start(Options{}); err == nil || !strings.Contains(err.Error(), "Options.Tag is required") {
		t.Errorf("no tag: %v", err)
	}
	busy, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer busy.Close()
	tag := fakeTag(t)
	for _, o := range []Options{
		{Tag: tag, ShopAddr: busy.Addr().String()},
		{Tag: tag, ProxyAddr: busy.Addr().String()},
		{Tag: tag, LPTestAddr: busy.Addr().String()},
	} {
		d, err := Start(o)
		if err == nil || !strings.Contains(err.Error(), "address already in use") {
			t.Errorf("Start(%+v): %v", o, err)
		}
		if d != nil && (d.LP != nil || len(d.servers) > 0) {
			t.Errorf("Start(%+v) left servers running", o)
		}
	}
}
