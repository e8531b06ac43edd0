//go:build !js

package proxy_test

import (
	"flag"
	"testing"

	"github.com/lpedge/lpedge/proxy"
	"github.com/lpedge/lpedge/proxy/proxytest"
)

var soakFull = flag.Bool("soak", false, "run TestSoak at full size (500 conversations of 10 agent messages)")

// TestSoak: conversations, each with its page's stream open, get agent
// messages through signed webhooks with duplicates and reorders injected
// (proxytest.Soak): every message reaches its stream exactly once, with
// either engine. The delivery p50/p99 is logged with -v. make test runs
// 100 conversations; -soak the full 500.
func TestSoak(t *testing.T) {
	convs, msgs := 100, 10
	if *soakFull {
		convs = 500
	}
	for _, tc := range []struct {
		name   string
		engine func(testing.TB) func(*proxy.Config)
	}{
		{"memory", func(testing.TB) func(*proxy.Config) { return nil }},
		{"state file", withStateFile},
	} {
		t.Run(tc.name, func(t *testing.T) {
			engine := tc.engine(t)
			srv, lp, _ := newTwoWay(t, func(c *proxy.Config) {
				c.RateLimit = -1 // one client makes every request
				if engine != nil {
					engine(c)
				}
			})
			r := proxytest.Soak(t, srv.URL, srv.URL, lp, convs, msgs)
			if r.Lost != 0 || r.Duplicated != 0 || r.Reconnects != 0 {
				t.Errorf("%d of %d messages lost, %d duplicated; %d streams ended early", r.Lost, r.Messages, r.Duplicated, r.Reconnects)
			}
			t.Logf("soak %s: %d conversations x %d messages, %d duplicate and %d reordered deliveries injected: delivery p50 %v, p99 %v",
				tc.name, convs, msgs, r.InjectedDuplicates, r.InjectedReorders, r.P50, r.P99)
		})
	}
}
