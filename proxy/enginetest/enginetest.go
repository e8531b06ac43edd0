// Package enginetest is the conformance test of [proxy.Engine]: one
// table of behaviours that every engine runs (the memory engine, the
// state file, the Durable Object engine through workerd), so that the
// handlers can rely on the same answers from each. It makes no servers
// and compiles for js/wasm.
//
// The cases use short real waits (leases and TTLs of tens of
// milliseconds, not fake clocks, which a shared engine cannot take) and
// assert outcomes, never durations.
package enginetest

import (
	"bytes"
	"context"
	"crypto/sha256"
	"errors"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/lpedge/lpedge/proxy"
)

// A Case is one behaviour, checked on a fresh engine.
type Case struct {
	Name  string
	Check func(t *testing.T, e proxy.Engine)
}

// Run runs every case of Cases on an engine newEngine makes for it (with
// its own storage; newEngine registers its cleanup with t).
func Run(t *testing.T, newEngine func(t *testing.T) proxy.Engine) {
	for _, c := range Cases {
		t.Run(c.Name, func(t *testing.T) { c.Check(t, newEngine(t)) })
	}
}

// RunRestart writes state through one engine, ends it, opens another on
// the same storage and checks that nothing was lost: an idempotency
// answer, an open conversation and a log, whose seqs go on above those
// seen, and the closed conversations. (Whether a live claim outlives a restart is the engine's: a
// state file's claims end with their process, which held them.) open returns an engine and a function that
// ends it.
func RunRestart(t *testing.T, open func(t *testing.T) (proxy.Engine, func())) {
	ctx := context.Background()
	e, end := open(t)
	k := proxy.IdemKey{Scope: "consumer-1", Key: "conversation.create\x00\x00k1"}
	answer := proxy.Answer{Status: 201, Body: []byte(`{"conversationId":"c1"}`)}
	must(t, claim(t, e, k, "b", "t1", time.Minute), nil)
	if err := e.Complete(ctx, k, "t1", answer, time.Hour); err != nil {
		t.Fatal(err)
	}
	for _, o := range []struct {
		conv string
		open bool
	}{{"c0", true}, {"c0", false}, {"c1", true}} {
		if err := e.SetOpen(ctx, "lp-1", o.conv, o.open); err != nil {
			t.Fatal(err)
		}
	}
	if _, err := e.Append(ctx, "c1", evs("a", "b")); err != nil {
		t.Fatal(err)
	}
	_, seen, _ := e.Read(ctx, "c1", 0, 0)
	end()

	e, end = open(t)
	defer end()
	if a := claim(t, e, k, "b", "t3", time.Minute); a == nil || a.Status != 201 || !bytes.Equal(a.Body, answer.Body) {
		t.Errorf("after the restart the key's answer is %+v, want %+v", a, answer)
	}
	if c, err := e.OpenConversation(ctx, "lp-1", 0); c != "c1" || err != nil {
		t.Errorf("after the restart the open conversation is %q, %v", c, err)
	}
	if err := e.SetOpen(ctx, "lp-1", "c0", true); err != nil { // closed before the restart
		t.Fatal(err)
	}
	if c, _ := e.OpenConversation(ctx, "lp-1", 0); c != "c1" {
		t.Errorf("after the restart a late open of a closed conversation replaced the open one: %q", c)
	}
	got, last, err := e.Read(ctx, "c1", 0, 0)
	if err != nil || keys(got) != "a,b" || last != seen {
		t.Errorf("after the restart the log is %s last %d (%v), want a,b last %d", keys(got), last, err, seen)
	}
	if n, _ := e.Append(ctx, "c1", evs("b", "c")); n != 1 {
		t.Errorf("after the restart a duplicate was added again (%d added, want 1)", n)
	}
	if got, _, _ := e.Read(ctx, "c1", seen, 0); keys(got) != "c" || got[0].Seq != seen+1 {
		t.Errorf("resuming after %d: %s", seen, seqsOf(got))
	}
}

func must(t *testing.T, a *proxy.Answer, want *proxy.Answer) {
	t.Helper()
	if (a == nil) != (want == nil) || a != nil && (a.Status != want.Status || !bytes.Equal(a.Body, want.Body)) {
		t.Fatalf("Claim = %+v, want %+v", a, want)
	}
}

// claim claims k for body under token, failing t on an error.
func claim(t *testing.T, e proxy.Engine, k proxy.IdemKey, body, token string, lease time.Duration) *proxy.Answer {
	t.Helper()
	a, err := e.Claim(context.Background(), k, sha256.Sum256([]byte(body)), token, lease)
	if err != nil {
		t.Fatalf("Claim(%q, %q): %v", k.Key, body, err)
	}
	return a
}

// evs are events with the keys given ("" is keyless).
func evs(keys ...string) []proxy.Event {
	out := make([]proxy.Event, len(keys))
	for i, k := range keys {
		out[i] = proxy.Event{Key: k, Data: []byte(`"type":"x","k":"` + k + `"`), Closed: k == "closed"}
	}
	return out
}

func keys(evs []proxy.Event) string {
	s := make([]string, len(evs))
	for i, e := range evs {
		s[i] = e.Key
	}
	return strings.Join(s, ",")
}

// seqsOf lists the events as seq=key, the seqs relative to the first.
func seqsOf(evs []proxy.Event) string {
	s := make([]string, len(evs))
	for i, e := range evs {
		s[i] = strconv.FormatInt(e.Seq, 10) + "=" + e.Key
	}
	return strings.Join(s, ",")
}

var k1 = proxy.IdemKey{Scope: "consumer-1", Key: "conversation.create\x00\x00k1"}

var answer1 = &proxy.Answer{Status: 201, Body: []byte(`{"conversationId":"c1"}` + "\n")}

// Cases are the behaviours every engine has.
var Cases = []Case{
	{"log: seqs are consecutive, duplicates and keyless events", func(t *testing.T, e proxy.Engine) {
		ctx := context.Background()
		for _, step := range []struct {
			add   []proxy.Event
			added int
		}{
			{evs("a", "b"), 2},
			{evs("b", "a", "c"), 1},
			{evs("d", "d"), 1},
			{evs("", ""), 2},
			{nil, 0},
		} {
			if n, err := e.Append(ctx, "c1", step.add); err != nil || n != step.added {
				t.Fatalf("Append(%s) = %d, %v, want %d", keys(step.add), n, err, step.added)
			}
		}
		got, last, err := e.Read(ctx, "c1", 0, 0)
		if err != nil || keys(got) != "a,b,c,d,," || len(got) != 6 {
			t.Fatalf("Read = %s, %v", seqsOf(got), err)
		}
		first := got[0].Seq
		for i, ev := range got {
			if ev.Seq != first+int64(i) {
				t.Errorf("seqs not consecutive: %s", seqsOf(got))
			}
		}
		if last != got[5].Seq || first < 1 || last > 1<<53 {
			t.Errorf("last %d, first %d: want the last event's seq, from 1 and within 2^53", last, first)
		}
		if !bytes.Equal(got[2].Data, evs("c")[0].Data) {
			t.Errorf("data %q", got[2].Data)
		}
		if after, _, _ := e.Read(ctx, "c1", got[3].Seq, 0); keys(after) != "," {
			t.Errorf("Read after d = %s", seqsOf(after))
		}
		if after, l, _ := e.Read(ctx, "c1", last+5, 0); len(after) != 0 || l != last {
			t.Errorf("Read after the last = %s last %d", seqsOf(after), l)
		}
	}},
	{"log: closed is kept; conversations are separate", func(t *testing.T, e proxy.Engine) {
		ctx := context.Background()
		e.Append(ctx, "c1", evs("a", "closed"))
		e.Append(ctx, "c2", evs("a"))
		got, _, _ := e.Read(ctx, "c1", 0, 0)
		if len(got) != 2 || got[0].Closed || !got[1].Closed {
			t.Errorf("c1 = %s, want a then closed (marked)", seqsOf(got))
		}
		if got, _, _ := e.Read(ctx, "c2", 0, 0); keys(got) != "a" {
			t.Errorf("c2 = %s", seqsOf(got))
		}
		if got, last, err := e.Read(ctx, "none", 0, 0); len(got) != 0 || last != 0 || err != nil {
			t.Errorf("an unknown conversation: %s last %d, %v", seqsOf(got), last, err)
		}
	}},
	{"log: a waiting Read is woken by an Append", func(t *testing.T, e proxy.Engine) {
		ctx := context.Background()
		e.Append(ctx, "c1", evs("a"))
		_, last, _ := e.Read(ctx, "c1", 0, 0)
		var wg sync.WaitGroup
		results := make([]string, 6)
		for i := range results {
			conv, after := "c1", last
			if i%2 == 1 {
				conv, after = "fresh", 0 // no log yet
			}
			wg.Go(func() {
				for {
					got, _, err := e.Read(ctx, conv, after, time.Minute)
					if err != nil || len(got) > 0 {
						results[i] = keys(got)
						return
					}
				}
			})
		}
		time.Sleep(50 * time.Millisecond) // let them wait; they must not return meanwhile
		e.Append(ctx, "c1", evs("b"))
		e.Append(ctx, "fresh", evs("x"))
		wg.Wait()
		for i, r := range results {
			if want := []string{"b", "x"}[i%2]; r != want {
				t.Errorf("reader %d got %q, want %q", i, r, want)
			}
		}
	}},
	{"log: a waiting Read ends with its wait or its context", func(t *testing.T, e proxy.Engine) {
		ctx := context.Background()
		e.Append(ctx, "c1", evs("a"))
		_, last, _ := e.Read(ctx, "c1", 0, 0)
		if got, l, err := e.Read(ctx, "c1", last, 30*time.Millisecond); len(got) != 0 || err != nil || l != last {
			t.Errorf("after the wait: %s last %d, %v", seqsOf(got), l, err)
		}
		cctx, cancel := context.WithTimeout(ctx, 30*time.Millisecond)
		defer cancel()
		if _, _, err := e.Read(cctx, "c1", last, time.Minute); !errors.Is(err, context.DeadlineExceeded) {
			t.Errorf("a Read whose context ended: %v", err)
		}
	}},
	{"log: an answer holds at most ReadBytes of data; the reader reads on", func(t *testing.T, e proxy.Engine) {
		// 90 events of 100 kB (an object stores a value of up to 128 KiB):
		// 9 MB, more than a Worker reads of one object's answer (8 MiB).
		ctx := context.Background()
		const n, size = 90, 100_000
		big := make([]proxy.Event, n)
		for i := range big {
			data := `"type":"message","text":"` + strings.Repeat(strconv.Itoa(i%10), size) + `"`
			big[i] = proxy.Event{Key: strconv.Itoa(i), Data: []byte(data)}
		}
		for i := 0; i < n; i += 2 { // two a call, as a webhook of at most 256 KiB brings them
			if added, err := e.Append(ctx, "c1", big[i:i+2]); added != 2 || err != nil {
				t.Fatalf("Append = %d, %v", added, err)
			}
		}
		var got []proxy.Event
		after, answers := int64(0), 0
		for answers < 2*n {
			part, last, err := e.Read(ctx, "c1", after, time.Minute) // events are stored: no wait
			if err != nil || len(part) == 0 {
				t.Fatalf("answer %d: %d events, %v", answers, len(part), err)
			}
			answers++
			sum := 0
			for _, ev := range part {
				sum += len(ev.Data)
			}
			if sum > proxy.ReadBytes && len(part) > 1 {
				t.Errorf("answer %d holds %d events of %d bytes, over ReadBytes", answers, len(part), sum)
			}
			got = append(got, part...)
			after = part[len(part)-1].Seq
			if !proxy.Partial(part, last) {
				break
			}
			if next := len(got); next < n && sum+len(big[next].Data) <= proxy.ReadBytes {
				t.Errorf("answer %d stopped at %d bytes, before event %d that fitted", answers, sum, next)
			}
		}
		if len(got) != n || answers < 9 {
			t.Fatalf("read %d events in %d answers, want %d in at least 9", len(got), answers, n)
		}
		for i, ev := range got {
			if ev.Key != big[i].Key || !bytes.Equal(ev.Data, big[i].Data) || i > 0 && ev.Seq != got[i-1].Seq+1 {
				t.Fatalf("event %d is %s (%d bytes), want %s: %s", i, ev.Key, len(ev.Data), big[i].Key, seqsOf(got))
			}
		}
	}},
	{"open: set, replaced, closed", func(t *testing.T, e proxy.Engine) {
		ctx := context.Background()
		for _, step := range []struct {
			conv string
			open bool
			want string
		}{
			{"c1", true, "c1"},
			{"c2", true, "c2"},
			{"c1", false, "c2"}, // an older conversation closing does not forget the open one
			{"c2", false, ""},
		} {
			if err := e.SetOpen(ctx, "lp-1", step.conv, step.open); err != nil {
				t.Fatal(err)
			}
			if got, err := e.OpenConversation(ctx, "lp-1", 0); got != step.want || err != nil {
				t.Errorf("after SetOpen(%s, %v): %q, %v, want %q", step.conv, step.open, got, err, step.want)
			}
		}
		if got, _ := e.OpenConversation(ctx, "lp-2", 0); got != "" {
			t.Errorf("another consumer's: %q", got)
		}
	}},
	{"open: a conversation seen closing never opens again", func(t *testing.T, e proxy.Engine) {
		// LivePerson retries and reorders webhooks: an open may come after
		// its conversation's close.
		ctx := context.Background()
		set := func(conv string, open bool, want string) {
			t.Helper()
			if err := e.SetOpen(ctx, "lp-1", conv, open); err != nil {
				t.Fatal(err)
			}
			if got, err := e.OpenConversation(ctx, "lp-1", 0); got != want || err != nil {
				t.Errorf("after SetOpen(%s, %v): %q, %v, want %q", conv, open, got, err, want)
			}
		}
		set("c1", true, "c1")
		set("c1", false, "")
		set("c1", true, "")   // late, after its close
		set("c2", true, "c2") // the consumer's next
		set("c1", true, "c2") // late, once another opened: it does not replace it
		set("c3", false, "c2")
		set("c3", true, "c2") // its close came first
		// The last ClosedKept closed are all remembered.
		for i := range proxy.ClosedKept {
			set("x"+strconv.Itoa(i), false, "c2")
		}
		for i := range proxy.ClosedKept {
			set("x"+strconv.Itoa(i), true, "c2")
		}
		set("c2", false, "")
	}},
	{"open: a wait is woken by SetOpen, or ends empty", func(t *testing.T, e proxy.Engine) {
		ctx := context.Background()
		got := make(chan string, 1)
		go func() { c, _ := e.OpenConversation(ctx, "lp-1", time.Minute); got <- c }()
		time.Sleep(30 * time.Millisecond)
		e.SetOpen(ctx, "lp-1", "c9", true)
		if c := <-got; c != "c9" {
			t.Errorf("woken with %q, want c9", c)
		}
		if c, err := e.OpenConversation(ctx, "nobody", 30*time.Millisecond); c != "" || err != nil {
			t.Errorf("nobody's: %q, %v", c, err)
		}
	}},
	{"idempotency: claim, complete, replay; another body is refused", func(t *testing.T, e proxy.Engine) {
		ctx := context.Background()
		must(t, claim(t, e, k1, "body", "t1", time.Minute), nil)
		if _, err := e.Claim(ctx, k1, sha256.Sum256([]byte("other")), "t2", time.Minute); !errors.Is(err, proxy.ErrKeyReused) {
			t.Errorf("another body while claimed: %v, want ErrKeyReused", err)
		}
		if err := e.Complete(ctx, k1, "t1", *answer1, time.Hour); err != nil {
			t.Fatal(err)
		}
		must(t, claim(t, e, k1, "body", "t3", time.Minute), answer1)
		if _, err := e.Claim(ctx, k1, sha256.Sum256([]byte("other")), "t4", time.Minute); !errors.Is(err, proxy.ErrKeyReused) {
			t.Errorf("another body once answered: %v, want ErrKeyReused", err)
		}
		if err := e.Complete(ctx, k1, "t1", proxy.Answer{Status: 500}, time.Hour); !errors.Is(err, proxy.ErrClaimLost) {
			t.Errorf("a second Complete: %v, want ErrClaimLost", err)
		}
		must(t, claim(t, e, k1, "body", "t5", time.Minute), answer1)
	}},
	{"idempotency: keys are scoped", func(t *testing.T, e proxy.Engine) {
		ctx := context.Background()
		must(t, claim(t, e, k1, "body", "t1", time.Minute), nil)
		e.Complete(ctx, k1, "t1", *answer1, time.Hour)
		other := proxy.IdemKey{Scope: "consumer-2", Key: k1.Key}
		must(t, claim(t, e, other, "another body", "t2", time.Minute), nil)
		route := proxy.IdemKey{Scope: k1.Scope, Key: "conversation.close\x00c1\x00k1"}
		must(t, claim(t, e, route, "body", "t3", time.Minute), nil)
	}},
	{"idempotency: released, the key is claimed again", func(t *testing.T, e proxy.Engine) {
		ctx := context.Background()
		must(t, claim(t, e, k1, "body", "t1", time.Minute), nil)
		if err := e.Release(ctx, k1, "t2"); err != nil { // not the claimant: left alone
			t.Fatal(err)
		}
		if err := e.Release(ctx, k1, "t1"); err != nil {
			t.Fatal(err)
		}
		must(t, claim(t, e, k1, "another body", "t3", time.Minute), nil)
		if err := e.Complete(ctx, k1, "t1", *answer1, time.Hour); !errors.Is(err, proxy.ErrClaimLost) {
			t.Errorf("Complete by the released claimant: %v, want ErrClaimLost", err)
		}
	}},
	{"idempotency: concurrent claims wait for the claimant's answer", func(t *testing.T, e proxy.Engine) {
		ctx := context.Background()
		must(t, claim(t, e, k1, "body", "first", time.Minute), nil)
		answers := make([]*proxy.Answer, 8)
		var wg sync.WaitGroup
		for i := range answers {
			wg.Go(func() {
				a, err := e.Claim(ctx, k1, sha256.Sum256([]byte("body")), "w"+strconv.Itoa(i), time.Minute)
				if err != nil {
					t.Error(err)
				}
				answers[i] = a
			})
		}
		time.Sleep(50 * time.Millisecond) // they wait
		if err := e.Complete(ctx, k1, "first", *answer1, time.Hour); err != nil {
			t.Fatal(err)
		}
		wg.Wait()
		for i, a := range answers {
			if a == nil || !bytes.Equal(a.Body, answer1.Body) {
				t.Errorf("waiter %d got %+v, want the claimant's answer", i, a)
			}
		}
	}},
	{"idempotency: after a release exactly one waiter claims", func(t *testing.T, e proxy.Engine) {
		ctx := context.Background()
		must(t, claim(t, e, k1, "body", "first", time.Minute), nil)
		var mu sync.Mutex
		claimed := 0
		var wg sync.WaitGroup
		for i := range 6 {
			wg.Go(func() {
				token := "w" + strconv.Itoa(i)
				a, err := e.Claim(ctx, k1, sha256.Sum256([]byte("body")), token, time.Minute)
				if err != nil {
					t.Error(err)
					return
				}
				if a == nil {
					mu.Lock()
					claimed++
					mu.Unlock()
					e.Complete(ctx, k1, token, *answer1, time.Hour)
				}
			})
		}
		time.Sleep(50 * time.Millisecond)
		e.Release(ctx, k1, "first")
		wg.Wait()
		if claimed != 1 {
			t.Errorf("%d waiters claimed after the release, want 1", claimed)
		}
	}},
	{"idempotency: a claimant that dies is taken over when its lease ends", func(t *testing.T, e proxy.Engine) {
		ctx := context.Background()
		must(t, claim(t, e, k1, "body", "dead", 40*time.Millisecond), nil)
		cctx, cancel := context.WithTimeout(ctx, time.Minute)
		defer cancel()
		a, err := e.Claim(cctx, k1, sha256.Sum256([]byte("body")), "next", time.Minute)
		if a != nil || err != nil {
			t.Fatalf("after the lease: %+v, %v, want the claim", a, err)
		}
		if err := e.Complete(ctx, k1, "dead", *answer1, time.Hour); !errors.Is(err, proxy.ErrClaimLost) {
			t.Errorf("the late claimant's Complete: %v, want ErrClaimLost", err)
		}
	}},
	{"idempotency: the claimant claiming again renews its lease", func(t *testing.T, e proxy.Engine) {
		must(t, claim(t, e, k1, "body", "first", 40*time.Millisecond), nil)
		must(t, claim(t, e, k1, "body", "first", time.Minute), nil)
		time.Sleep(60 * time.Millisecond) // past the first lease
		cctx, cancel := context.WithTimeout(context.Background(), 30*time.Millisecond)
		defer cancel()
		if _, err := e.Claim(cctx, k1, sha256.Sum256([]byte("body")), "other", time.Minute); !errors.Is(err, context.DeadlineExceeded) {
			t.Errorf("another's Claim after the renewal: %v, want to wait (the context's error)", err)
		}
		if err := e.Complete(context.Background(), k1, "first", *answer1, time.Hour); err != nil {
			t.Errorf("the renewed claimant's Complete: %v", err)
		}
	}},
	{"idempotency: a waiting claim ends with its context", func(t *testing.T, e proxy.Engine) {
		must(t, claim(t, e, k1, "body", "first", time.Minute), nil)
		cctx, cancel := context.WithTimeout(context.Background(), 30*time.Millisecond)
		defer cancel()
		if _, err := e.Claim(cctx, k1, sha256.Sum256([]byte("body")), "w", time.Minute); !errors.Is(err, context.DeadlineExceeded) {
			t.Errorf("Claim = %v, want the context's error", err)
		}
	}},
	{"idempotency: an answer expires", func(t *testing.T, e proxy.Engine) {
		ctx := context.Background()
		must(t, claim(t, e, k1, "body", "t1", time.Minute), nil)
		e.Complete(ctx, k1, "t1", *answer1, 30*time.Millisecond)
		time.Sleep(60 * time.Millisecond)
		must(t, claim(t, e, k1, "another body", "t2", time.Minute), nil)
	}},
	{"once: a new key runs the call and stores its answer; replays; another body is refused", func(t *testing.T, e proxy.Engine) {
		ctx := context.Background()
		calls := 0
		call := func() (proxy.Answer, error) { calls++; return *answer1, nil }
		for i, token := range []string{"t1", "t2"} { // the call, then a replay
			a, err := proxy.RunOnce(ctx, e, k1, sha256.Sum256([]byte("body")), token, time.Minute, time.Hour, call)
			if err != nil || calls != 1 {
				t.Fatalf("RunOnce %d: %+v, %v after %d calls, want one call", i, a, err, calls)
			}
			must(t, a, answer1)
		}
		if _, err := proxy.RunOnce(ctx, e, k1, sha256.Sum256([]byte("other")), "t3", time.Minute, time.Hour, call); !errors.Is(err, proxy.ErrKeyReused) || calls != 1 {
			t.Errorf("another body: %v (%d calls), want ErrKeyReused and no call", err, calls)
		}
		must(t, claim(t, e, k1, "body", "t4", time.Minute), answer1) // stored as Complete stores
	}},
	{"once: a failed call is not remembered", func(t *testing.T, e proxy.Engine) {
		ctx := context.Background()
		failed := errors.New("the upstream call failed")
		a, err := proxy.RunOnce(ctx, e, k1, sha256.Sum256([]byte("body")), "t1", time.Minute, time.Hour, func() (proxy.Answer, error) {
			return proxy.Answer{}, failed
		})
		if a != nil || !errors.Is(err, failed) {
			t.Fatalf("RunOnce = %+v, %v, want the call's error", a, err)
		}
		must(t, claim(t, e, k1, "another body", "t2", time.Minute), nil) // released: free for any body
	}},
	{"once: a call that panics releases its claim", func(t *testing.T, e proxy.Engine) {
		func() {
			defer func() {
				if v := recover(); v != "boom" {
					t.Errorf("recovered %v, want the call's panic", v)
				}
			}()
			proxy.RunOnce(context.Background(), e, k1, sha256.Sum256([]byte("body")), "t1", time.Minute, time.Hour, func() (proxy.Answer, error) {
				panic("boom")
			})
		}()
		must(t, claim(t, e, k1, "body", "t2", time.Minute), nil)
	}},
	{"once: concurrent calls with one key make one call; after a failure one more", func(t *testing.T, e proxy.Engine) {
		ctx := context.Background()
		var mu sync.Mutex
		calls := 0
		answers := make([]*proxy.Answer, 8)
		var wg sync.WaitGroup
		for i := range answers {
			wg.Go(func() {
				a, err := proxy.RunOnce(ctx, e, k1, sha256.Sum256([]byte("body")), "w"+strconv.Itoa(i), time.Minute, time.Hour, func() (proxy.Answer, error) {
					mu.Lock()
					calls++
					n := calls
					mu.Unlock()
					time.Sleep(50 * time.Millisecond) // the others wait meanwhile
					if n == 1 {
						return proxy.Answer{}, errors.New("the first call fails")
					}
					return *answer1, nil
				})
				if err == nil {
					answers[i] = a
				}
			})
		}
		wg.Wait()
		failed := 0
		for _, a := range answers {
			if a == nil {
				failed++
			} else if !bytes.Equal(a.Body, answer1.Body) {
				t.Errorf("answer %+v, want the second call's", a)
			}
		}
		if calls != 2 || failed != 1 {
			t.Errorf("%d calls, %d failed, want 2 calls: one failed, the other's answer for the other 7", calls, failed)
		}
	}},
	{"once: a call that outlives its lease is taken over; its answer is not stored", func(t *testing.T, e proxy.Engine) {
		ctx := context.Background()
		inCall, finish := make(chan struct{}), make(chan struct{})
		type result struct {
			a   *proxy.Answer
			err error
		}
		late := make(chan result, 1)
		go func() {
			a, err := proxy.RunOnce(ctx, e, k1, sha256.Sum256([]byte("body")), "slow", 40*time.Millisecond, time.Hour, func() (proxy.Answer, error) {
				close(inCall)
				<-finish
				return proxy.Answer{Status: 201, Body: []byte("late")}, nil
			})
			late <- result{a, err}
		}()
		<-inCall
		a, err := proxy.RunOnce(ctx, e, k1, sha256.Sum256([]byte("body")), "next", time.Minute, time.Hour, func() (proxy.Answer, error) {
			return *answer1, nil
		})
		close(finish)
		if err != nil {
			t.Fatalf("after the lease: %v, want its call run", err)
		}
		must(t, a, answer1)
		if r := <-late; !errors.Is(r.err, proxy.ErrClaimLost) || r.a == nil || string(r.a.Body) != "late" {
			t.Errorf("the slow claimant: %+v, %v, want its own answer and ErrClaimLost", r.a, r.err)
		}
		must(t, claim(t, e, k1, "body", "t3", time.Minute), answer1)
	}},
	{"once: a wait ends with its context; the claim stays its claimant's", func(t *testing.T, e proxy.Engine) {
		must(t, claim(t, e, k1, "body", "first", time.Minute), nil)
		cctx, cancel := context.WithTimeout(context.Background(), 30*time.Millisecond)
		defer cancel()
		called := false
		if _, err := proxy.RunOnce(cctx, e, k1, sha256.Sum256([]byte("body")), "w", time.Minute, time.Hour, func() (proxy.Answer, error) {
			called = true
			return *answer1, nil
		}); !errors.Is(err, context.DeadlineExceeded) || called {
			t.Errorf("RunOnce = %v (called %v), want the context's error and no call", err, called)
		}
		if err := e.Complete(context.Background(), k1, "first", *answer1, time.Hour); err != nil {
			t.Errorf("the claimant's Complete: %v", err)
		}
	}},
}
