//go:build !js

package browser_test

import (
	"strings"
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
