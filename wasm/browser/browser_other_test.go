//go:build !js

package browser_test

import (
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/lpedge/lpedge/liveperson"
	"github.com/lpedge/lpedge/liveperson/lptest"
	"github.com/lpedge/lpedge/wasm/browser"
	"github.com/lpedge/lpedge/wasm/tag"
)

// On the host, Env runs the tag over net/http and Go timers: here
// against lptest, with real concurrency for the race detector.
func TestHostEnvAgainstLptest(t *testing.T) {
	srv := lptest.NewServer()
	defer srv.Close()
	srv.SetFault(lptest.RouteReport, lptest.Fault{Status: 503})
	cfg := tag.Config{Account: lptest.DefaultAccount, App: lptest.DefaultApp, Domain: srv.Host(), Scheme: "http"}
	tg := tag.New(cfg, browser.Env())
	for i := 0; i < 20; i++ {
		tg.Call("sdes.push", []byte(`[{"type":"searchInfo","keywords":["k`+strings.Repeat("x", i)+`"]}]`), nil)
	}
	deadline := time.Now().Add(20 * time.Second)
	var got []liveperson.SDE
	for time.Now().Before(deadline) {
		got = nil
		for _, v := range srv.Visitors() {
			for _, s := range v.Sessions {
				got = append(got, s.SDEs...)
			}
		}
		if len(got) >= 20 {
			break
		}
		time.Sleep(50 * time.Millisecond)
	}
	if len(got) != 20 {
		t.Fatalf("lptest received %d attributes, want the 20 sent (after a 503 and the 3 s retry)", len(got))
	}
	for _, c := range srv.Calls() {
		if c.Route == lptest.RouteReport && (c.Method != "POST" || c.Override != "PUT") {
			t.Errorf("report call %s with override %q, want POST with X-HTTP-Method-Override: PUT", c.Method, c.Override)
		}
	}
}

func TestRunOnHost(t *testing.T) {
	if err := browser.Run(); err == nil || !strings.Contains(err.Error(), "GOOS=js") {
		t.Errorf("Run on the host: %v", err)
	}
}

// The host's Streamer reads Server-Sent Events as the loader does: a
// comment (the proxy's ": ping") is an event with no data.
func TestHostStream(t *testing.T) {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Header.Get("Authorization") != "Bearer tok" {
			w.WriteHeader(401)
			return
		}
		io.WriteString(w, ": ping\n\nid: 1\ndata: {\"seq\":1}\n\nretry: 5\n\n")
	}))
	defer srv.Close()
	var mu sync.Mutex
	var got []string
	done := make(chan tag.Response, 1)
	browser.Env().Stream.Stream(srv.URL, "tok", func(d string) {
		mu.Lock()
		got = append(got, d)
		mu.Unlock()
	}, func(r tag.Response) { done <- r })
	select {
	case r := <-done:
		mu.Lock()
		defer mu.Unlock()
		if strings.Join(got, "|") != `|{"seq":1}` || r.Status != 200 || r.Err != nil {
			t.Errorf("events %q, end %+v; want a ping, then seq 1, then 200", got, r)
		}
	case <-time.After(10 * time.Second):
		t.Fatal("the stream did not end")
	}
}
