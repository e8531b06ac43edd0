package proxytest

import (
	"bufio"
	"errors"
	"fmt"
	"math"
	"net/http"
	"slices"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/lpedge/lpedge/liveperson/lptest"
)

// SoakResult is what a [Soak] saw.
type SoakResult struct {
	Messages   int // agent messages sent
	Lost       int // never read by their stream
	Duplicated int // read more than once
	// Reconnects counts stream answers that ended before the closed state
	// and were read again from their last id (a Worker sends a stream
	// whole, after its first write; a native proxy never ends one early).
	Reconnects int
	// InjectedDuplicates and InjectedReorders are the webhook faults
	// injected.
	InjectedDuplicates, InjectedReorders int
	P50, P99                             time.Duration // delivery: the agent's action to the stream's read
}

// Soak runs convs conversations of msgs agent messages each, every page's
// stream open, through lp's signed webhooks with duplicates and reorders
// injected (lp must send its webhooks to the proxy), and reports what the
// streams read. The pages engage and create through create; their streams
// read from stream: another instance of the proxy (a Worker's other
// isolate) or the same. A stream answer that ends before the closed state
// is read again at once from its last event's id (as an EventSource
// does, without its retry pause). The proxy must not rate-limit the test's
// client.
func Soak(t testing.TB, create, stream string, lp *lptest.Server, convs, msgs int) SoakResult {
	t.Helper()
	client := &http.Client{Timeout: 2 * time.Minute, Transport: &http.Transport{MaxIdleConnsPerHost: convs}}
	body := soakEngage(t, client, create)
	ids, tokens := make([]string, convs), make([]string, convs)
	parallel(convs, func(i int) {
		b := strings.Replace(body, `"consumerId":""`, `"consumerId":"soak-`+strconv.Itoa(i)+`"`, 1)
		// As the tag does: a create whose outcome is unknown (a 5xx,
		// LivePerson slow on a loaded machine) is sent again with its
		// Idempotency-Key.
		var a string
		var err error
		for try := 0; try < 3; try++ {
			var he *httpError
			if a, err = post(client, create+"/v1/conversations", b, "soak-create-"+strconv.Itoa(i)); !errors.As(err, &he) || he.code < 500 {
				break
			}
		}
		if err != nil {
			t.Errorf("create %d: %v", i, err)
			return
		}
		ids[i], tokens[i] = Member(a, "conversationId"), Member(a, "token")
	})
	if t.Failed() {
		t.FailNow()
	}
	type arrival struct {
		text string
		at   time.Time
	}
	got := make([][]arrival, convs)
	var delivered atomic.Int64  // messages read, each once
	var reconnects atomic.Int64 // stream answers read again
	var streams, opened sync.WaitGroup
	for i := range convs {
		opened.Add(1)
		streams.Go(func() {
			seen := map[string]bool{}
			first := true
			err := ReadEvents(client, stream+"/v1/conversations/"+ids[i]+"/events", tokens[i], math.MaxInt, &reconnects, func() {
				if first {
					first = false
					opened.Done()
				}
			}, func(data string) {
				if _, rest, ok := strings.Cut(data, `"text":"`); ok {
					text, _, _ := strings.Cut(rest, `"`)
					got[i] = append(got[i], arrival{text, time.Now()})
					if !seen[text] {
						seen[text] = true
						delivered.Add(1)
					}
				}
			})
			if first {
				opened.Done()
			}
			if err != nil {
				t.Errorf("conversation %d's stream: %v", i, err)
			}
		})
	}
	opened.Wait()
	sent := make([]map[string]time.Time, convs)
	var sentMu sync.Mutex
	r := SoakResult{Messages: convs * msgs}
	// Rounds of two messages per conversation back to back (so that a
	// reorder has a next one to swap with); each round is read by every
	// stream before the next starts, so the delay is the pipeline's, not
	// a queue of rounds.
	for m := 0; m < msgs; m += 2 {
		dup, reorder := max(1, convs/5), max(1, convs/10)
		lp.AddWebhookFault(lptest.WebhookFault{Kind: lptest.WebhookDuplicate, Count: dup})
		lp.AddWebhookFault(lptest.WebhookFault{Kind: lptest.WebhookReorder, Count: reorder, Delay: time.Second})
		r.InjectedDuplicates, r.InjectedReorders = r.InjectedDuplicates+dup, r.InjectedReorders+reorder
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
		for deadline := time.Now().Add(time.Minute); delivered.Load() < want && time.Now().Before(deadline); {
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
	case <-time.After(2 * time.Minute):
		t.Fatal("streams still open two minutes after the closes")
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
				r.Duplicated++
			}
		}
		for text := range sent[i] {
			if seen[text] == 0 {
				r.Lost++
			}
		}
	}
	r.Reconnects = int(reconnects.Load())
	slices.Sort(lat)
	if len(lat) > 0 {
		r.P50, r.P99 = lat[len(lat)/2], lat[len(lat)*99/100]
	}
	return r
}

// soakEngage starts a Monitoring session; it returns a create body for it
// with an empty consumerId.
func soakEngage(t testing.TB, client *http.Client, base string) string {
	t.Helper()
	a, err := post(client, base+"/v1/engagement", `{"entryPoints":["https://shop.example/"],"engagementAttributes":[]}`, "")
	if err != nil {
		t.Fatal(err)
	}
	return `{"consumerId":"","visitorId":"` + Member(a, "visitorId") + `","sessionId":"` + Member(a, "sessionId") +
		`","campaignId":"1001","engagementId":"2001","contextId":"` + Member(a, "contextId") + `"}`
}

// post sends a JSON body from the test page, with an Idempotency-Key
// unless key is "", and returns a 2xx answer.
func post(client *http.Client, url, body, key string) (string, error) {
	req, err := http.NewRequest(http.MethodPost, url, strings.NewReader(body))
	if err != nil {
		return "", err
	}
	req.Header.Set("Origin", Origin)
	req.Header.Set("Content-Type", "application/json")
	if key != "" {
		req.Header.Set("Idempotency-Key", key)
	}
	resp, err := client.Do(req)
	if err != nil {
		return "", err
	}
	defer resp.Body.Close()
	b := new(strings.Builder)
	if _, err := bufio.NewReader(resp.Body).WriteTo(b); err != nil {
		return "", err
	}
	if resp.StatusCode/100 != 2 {
		return "", &httpError{url, resp.StatusCode, resp.Status, b.String()}
	}
	return b.String(), nil
}

type httpError struct {
	url          string
	code         int
	status, body string
}

func (e *httpError) Error() string { return e.url + ": " + e.status + " " + e.body }

// Member is a string member of a flat JSON object (an answer of the
// proxy's), "" when missing.
func Member(body, name string) string {
	v, _ := member(body, name)
	return v
}

// Field is Member for a test that needs the member: missing is fatal.
func Field(t testing.TB, body, name string) string {
	t.Helper()
	v, ok := member(body, name)
	if !ok {
		t.Fatalf("no %s in %s", name, body)
	}
	return v
}

func member(body, name string) (string, bool) {
	_, rest, ok := strings.Cut(body, `"`+name+`":"`)
	v, _, ok2 := strings.Cut(rest, `"`)
	return v, ok && ok2
}

// ReadEvents reads the event stream at url (GET .../events) with token
// as an EventSource does: until its closed state event, reading it again
// with Last-Event-ID whenever an answer ends first (a Worker sends a
// stream when it ends), at most maxAnswers answers. It calls opened, if
// not nil, when an answer's header has come, and event per event's data
// line; reconnects, if not nil, counts the answers read again.
func ReadEvents(client *http.Client, url, token string, maxAnswers int, reconnects *atomic.Int64, opened func(), event func(data string)) error {
	last := ""
	for try := range maxAnswers {
		if try > 0 && reconnects != nil {
			reconnects.Add(1)
		}
		req, err := http.NewRequest(http.MethodGet, url, nil)
		if err != nil {
			return err
		}
		req.Header.Set("Authorization", "Bearer "+token)
		if last != "" {
			req.Header.Set("Last-Event-ID", last)
		}
		resp, err := client.Do(req)
		if err != nil {
			return err
		}
		if opened != nil {
			opened()
		}
		if resp.StatusCode != http.StatusOK {
			resp.Body.Close()
			return &httpError{url, resp.StatusCode, resp.Status, ""}
		}
		sc := bufio.NewScanner(resp.Body)
		closed := false
		for sc.Scan() {
			line := sc.Text()
			if id, ok := strings.CutPrefix(line, "id: "); ok {
				last = id
			}
			if data, ok := strings.CutPrefix(line, "data: "); ok {
				event(data)
				closed = closed || strings.Contains(data, `"state":"closed"`)
			}
		}
		resp.Body.Close()
		if closed {
			return nil
		}
	}
	return fmt.Errorf("%s: no closed state event in %d answers", url, maxAnswers)
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
