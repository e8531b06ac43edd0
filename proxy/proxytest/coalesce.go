package proxytest

import (
	"io"
	"net/http"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/lpedge/lpedge/liveperson/lptest"
)

// CheckCoalescing sends n identical creates with one Idempotency-Key at
// once while lptest holds the CONVERSATION call: all must get 201 with
// the same conversationId, for exactly one upstream CONVERSATION. The
// proxy at baseURL must be configured with Env(lp); lp is reset.
func CheckCoalescing(t *testing.T, baseURL string, lp *lptest.Server, n int) {
	t.Helper()
	client := &http.Client{Timeout: 30 * time.Second}
	run := newRunID()
	call := func(path, body string, header map[string]string) (int, string) {
		req, err := http.NewRequest("POST", baseURL+path, strings.NewReader(body))
		if err != nil {
			t.Error(err)
			return 0, ""
		}
		req.Header.Set("Origin", Origin)
		req.Header.Set("Content-Type", "application/json")
		for k, v := range header {
			req.Header.Set(k, v)
		}
		resp, err := client.Do(req)
		if err != nil {
			t.Error(err)
			return 0, ""
		}
		defer resp.Body.Close()
		b, _ := io.ReadAll(resp.Body)
		return resp.StatusCode, string(b)
	}
	lp.Reset()
	status, body := call("/v1/engagement", engagementBody, nil)
	vars := map[string]string{"run": run, "consumer": "coalesce"}
	for name, re := range map[string]string{"vid": `"visitorId":"([^"]+)"`, "sid": `"sessionId":"([^"]+)"`, "ctx": `"contextId":"([^"]+)"`} {
		m := regexp.MustCompile(re).FindStringSubmatch(body)
		if status != 201 || m == nil {
			t.Fatalf("engagement: %d %s", status, body)
		}
		vars[name] = m[1]
	}
	create := expand(createBody, vars, same)
	// Warm the caches, so that the duplicates meet only the stalled call.
	if status, body := call("/v1/conversations", create, nil); status != 201 {
		t.Fatalf("warm-up create: %d %s", status, body)
	}
	lp.Reset() // closes nothing upstream, but forgets the open conversation
	lp.SetFault(lptest.RouteConversation, lptest.Fault{Delay: 300 * time.Millisecond})
	key := map[string]string{"Idempotency-Key": "coalesce-" + run}
	answers := make([]string, n)
	var wg sync.WaitGroup
	for i := range n {
		wg.Go(func() {
			status, body := call("/v1/conversations", create, key)
			if status != 201 {
				t.Errorf("duplicate %d: %d %s", i, status, body)
			}
			answers[i] = body
		})
	}
	wg.Wait()
	for _, a := range answers {
		if a != answers[0] {
			t.Fatalf("answers differ: %q", answers)
		}
	}
	if got := lp.CallCount(lptest.RouteConversation); got != 1 {
		t.Errorf("%d CONVERSATION calls for %d concurrent duplicates, want 1", got, n)
	}
}
