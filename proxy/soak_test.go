//go:build !js

package proxy_test

import (
	"bufio"
	"flag"
	"net/http"
	"slices"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/lpedge/lpedge/liveperson/lptest"
	"github.com/lpedge/lpedge/proxy"
)

var soakFull = flag.Bool("soak", false, "run TestSoak at full size (500 conversations of 10 agent messages)")

// TestSoak: conversations, each with its page's stream open, get agent
// messages through signed webhooks with duplicates and reorders injected:
// every message reaches its stream exactly once, with either engine. The
// delivery p50/p99 (agent action to the stream's read) is logged with -v.
// make test runs 100 conversations; -soak the full 500.
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
			r := soak(t, tc.engine(t), convs, msgs)
			if r.lost != 0 || r.dups != 0 {
				t.Errorf("%d of %d messages lost, %d duplicated", r.lost, convs*msgs, r.dups)
			}
			t.Logf("soak %s: %d conversations x %d messages, %d duplicate and %d reordered deliveries injected: delivery p50 %v, p99 %v",
				tc.name, convs, msgs, r.duplicated, r.reordered, r.p50, r.p99)
		})
	}
}

type soakResult struct {
	lost, dups            int
	duplicated, reordered int // faults injected
	p50, p99              time.Duration
}

// soak runs convs conversations of msgs agent messages each.
func soak(t testing.TB, engine func(*proxy.Config), convs, msgs int) soakResult {
	srv, lp, _ := newTwoWay(t, func(c *proxy.Config) {
		c.RateLimit = -1 // one client makes every request
		if engine != nil {
			engine(c)
		}
	})
	vid, sid, ctx := engage(t, srv.URL)
	ids, tokens := make([]string, convs), make([]string, convs)
	parallel(convs, func(i int) {
		ids[i], tokens[i] = createWithToken(t, srv.URL, "soak-"+strconv.Itoa(i), vid, sid, ctx)
	})
	// Every page's stream, open before the agent writes; each records
	// when it read each message.
	type arrival struct {
		text string
		at   time.Time
	}
	got := make([][]arrival, convs)
	var delivered atomic.Int64 // messages read, each once
	var streams, opened sync.WaitGroup
	client := &http.Client{Transport: &http.Transport{MaxIdleConnsPerHost: convs}}
	for i := range convs {
		opened.Add(1)
		streams.Go(func() {
			req, _ := http.NewRequest("GET", srv.URL+"/v1/conversations/"+ids[i]+"/events", nil)
			req.Header.Set("Authorization", "Bearer "+tokens[i])
			resp, err := client.Do(req)
			opened.Done()
			if err != nil {
				t.Error(err)
				return
			}
			defer resp.Body.Close()
			sc := bufio.NewScanner(resp.Body)
			seen := map[string]bool{}
			for sc.Scan() { // ends after the closed state
				if _, rest, ok := strings.Cut(sc.Text(), `"text":"`); ok {
					text, _, _ := strings.Cut(rest, `"`)
					got[i] = append(got[i], arrival{text, time.Now()})
					if !seen[text] {
						seen[text] = true
						delivered.Add(1)
					}
				}
			}
		})
	}
	opened.Wait()
	sent := make([]map[string]time.Time, convs)
	var sentMu sync.Mutex
	var r soakResult
	// Rounds of two messages per conversation back to back (so that a
	// reorder has a next one to swap with); each round is read by every
	// stream before the next starts, so the delay is the pipeline's, not
	// a queue of rounds.
	for m := 0; m < msgs; m += 2 {
		// Faults for the next notifications: some duplicated, some
		// delivered after the one that follows them.
		dup, reorder := max(1, convs/5), max(1, convs/10)
		lp.AddWebhookFault(lptest.WebhookFault{Kind: lptest.WebhookDuplicate, Count: dup})
		lp.AddWebhookFault(lptest.WebhookFault{Kind: lptest.WebhookReorder, Count: reorder, Delay: time.Second})
		r.duplicated, r.reordered = r.duplicated+dup, r.reordered+reorder
		parallel(convs, func(i int) {
			for j := m; j < min(m+2, msgs); j++ {
				text := "m" + strconv.Itoa(j) + "-" + strconv.Itoa(i)
				sentMu.Lock()
				if sent[i] == nil {
					sent[i] = map[string]time.Time{}
				}
				sent[i][text] = time.Now()
				sentMu.Unlock()
				if _, err := lp.AgentMessage(ids[i], text); err != nil {
					t.Error(err)
				}
			}
		})
		want := int64(convs * min(m+2, msgs))
		for deadline := time.Now().Add(30 * time.Second); delivered.Load() < want && time.Now().Before(deadline); {
			time.Sleep(2 * time.Millisecond)
		}
	}
	// The agent closes every conversation: the streams end after it.
	parallel(convs, func(i int) {
		if _, err := lp.AgentClose(ids[i]); err != nil {
			t.Error(err)
		}
	})
	done := make(chan struct{})
	go func() { streams.Wait(); close(done) }()
	select {
	case <-done:
	case <-time.After(60 * time.Second):
		t.Fatal("streams still open a minute after the closes")
	}
	if left := lp.WebhookFaults(); len(left) != 0 {
		t.Errorf("faults not applied: %+v", left)
	}
	var lat []time.Duration
	for i := range convs {
		seen := map[string]int{}
		for _, a := range got[i] {
			if seen[a.text]++; seen[a.text] == 1 {
				lat = append(lat, a.at.Sub(sent[i][a.text]))
			} else {
				r.dups++
			}
		}
		for text := range sent[i] {
			if seen[text] == 0 {
				r.lost++
			}
		}
	}
	slices.Sort(lat)
	if len(lat) > 0 {
		r.p50, r.p99 = lat[len(lat)/2], lat[len(lat)*99/100]
	}
	return r
}

// parallel calls f(0..n-1) from 16 goroutines.
func parallel(n int, f func(i int)) {
	next := make(chan int)
	var wg sync.WaitGroup
	for range 16 {
		wg.Go(func() {
			for i := range next {
				f(i)
			}
		})
	}
	for i := range n {
		next <- i
	}
	close(next)
	wg.Wait()
}
