//go:build !js

package worker

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"maps"
	"net/http"
	"net/http/httptest"
	"net/http/httputil"
	"net/url"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/lpedge/lpedge/liveperson/connector"
	"github.com/lpedge/lpedge/liveperson/lptest"
	"github.com/lpedge/lpedge/proxy"
	"github.com/lpedge/lpedge/proxy/enginetest"
	"github.com/lpedge/lpedge/proxy/proxytest"
)

// The proxy's state on Workers: Durable Objects (state.mjs) that every
// isolate shares, called through proxy.ObjectEngine. Two Worker services
// built from the same module run in one workerd, each in its own isolate
// with its own Go instance, bound to one namespace: "A" and "B".

// objectCaller calls the state objects of the workerd at base through its
// test hook, from this process: the engine's Go code runs natively, the
// objects in workerd. prefix keeps each engine's objects apart.
func objectCaller(base, prefix string) proxy.ObjectCaller {
	return func(ctx context.Context, object, op string, body []byte) ([]byte, error) {
		u := base + "/__worker/objects/" + url.PathEscape(prefix+object) + "/" + op
		req, err := http.NewRequestWithContext(ctx, http.MethodPost, u, bytes.NewReader(body))
		if err != nil {
			return nil, err
		}
		resp, err := client.Do(req)
		if err != nil {
			return nil, err
		}
		defer resp.Body.Close()
		b, err := io.ReadAll(resp.Body)
		if err == nil && resp.StatusCode != http.StatusOK {
			err = errors.New(resp.Status + ": " + string(b))
		}
		return b, err
	}
}

// TestObjectEngine runs the engines' conformance table against the state
// objects in workerd: each method from this process through the test
// hook, Once (one object request held open across the call) in the Worker.
func TestObjectEngine(t *testing.T) {
	t.Parallel() // each has its own workerd and lptest
	w := startWorkerd(t, warmEntry, proxyVars(newLP(t)))
	calls := newCallbacks(t)
	var n atomic.Int64
	enginetest.Run(t, func(t *testing.T) proxy.Engine {
		prefix := fmt.Sprintf("run%d-", n.Add(1))
		return &hookEngine{proxy.NewObjectEngine(objectCaller(w.URL, prefix), proxy.ObjectOptions{}), w.URL, prefix, calls}
	})
}

// A hookEngine is the object engine whose Once runs in the Worker (the
// test hook /__worker/objects/once, which streams to the object as the
// proxy does), calling back here for the call's answer.
type hookEngine struct {
	*proxy.ObjectEngine
	base, prefix string
	calls        *callbacks
}

// Once implements proxy.OnceEngine.
func (e *hookEngine) Once(ctx context.Context, k proxy.IdemKey, sum [32]byte, token string, lease, ttl time.Duration, call func() (proxy.Answer, error)) (*proxy.Answer, error) {
	id, outcome := e.calls.add(call)
	in := map[string]any{"Prefix": e.prefix, "Scope": k.Scope, "Key": k.Key, "Sum": fmt.Sprintf("%x", sum), "Token": token,
		"Lease": lease.Milliseconds(), "TTL": ttl.Milliseconds(), "Callback": e.calls.URL + "/" + id}
	if dl, ok := ctx.Deadline(); ok {
		in["Wait"] = max(time.Until(dl).Milliseconds(), 1)
	}
	b, _ := json.Marshal(in)
	// Not under ctx: the Worker ends the run at ctx's deadline itself.
	resp, err := client.Post(e.base+"/__worker/objects/once", "application/json", bytes.NewReader(b))
	if err != nil {
		return nil, err
	}
	defer resp.Body.Close()
	var out struct {
		Answer *struct {
			Status int
			Body   string
		}
		Kind, Error string
	}
	if err := json.NewDecoder(resp.Body).Decode(&out); err != nil || resp.StatusCode != http.StatusOK {
		return nil, fmt.Errorf("POST /__worker/objects/once: %s (%v)", resp.Status, err)
	}
	var a *proxy.Answer
	if out.Answer != nil {
		a = &proxy.Answer{Status: out.Answer.Status, Body: []byte(out.Answer.Body)}
	}
	switch out.Kind {
	case "":
		return a, nil
	case "call": // the call's own error, or its panic again
		r := outcome()
		if r.panicked {
			panic(r.panic)
		}
		return nil, r.err
	case "lost":
		return a, proxy.ErrClaimLost
	case "reused":
		return nil, proxy.ErrKeyReused
	case "ctx":
		<-ctx.Done()
		return nil, ctx.Err()
	}
	return a, errors.New(out.Error)
}

// callbacks runs the calls of hookEngine.Once when the Worker asks: POST
// /{id} answers the call's answer, or 500 when it failed or panicked.
type callbacks struct {
	*httptest.Server
	mu    sync.Mutex
	next  int
	calls map[string]*callback
}

// A callback is one call and, once run, its outcome.
type callback struct {
	call     func() (proxy.Answer, error)
	err      error
	panicked bool
	panic    any
}

func newCallbacks(t *testing.T) *callbacks {
	c := &callbacks{calls: map[string]*callback{}}
	c.Server = httptest.NewServer(http.HandlerFunc(c.serve))
	t.Cleanup(c.Close)
	return c
}

// add registers call; outcome returns what its run gave once the Worker
// has answered.
func (c *callbacks) add(call func() (proxy.Answer, error)) (id string, outcome func() *callback) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.next++
	id = strconv.Itoa(c.next)
	cb := &callback{call: call}
	c.calls[id] = cb
	return id, func() *callback {
		c.mu.Lock()
		defer c.mu.Unlock()
		return cb
	}
}

func (c *callbacks) serve(w http.ResponseWriter, r *http.Request) {
	c.mu.Lock()
	cb := c.calls[strings.TrimPrefix(r.URL.Path, "/")]
	c.mu.Unlock()
	if cb == nil {
		http.Error(w, "no such call", http.StatusNotFound)
		return
	}
	var a proxy.Answer
	var err error
	panicked, v := func() (panicked bool, v any) {
		defer func() {
			if v = recover(); v != nil {
				panicked = true
			}
		}()
		a, err = cb.call()
		return false, nil
	}()
	c.mu.Lock()
	cb.err, cb.panicked, cb.panic = err, panicked, v
	c.mu.Unlock()
	if err != nil || panicked {
		http.Error(w, "the call failed", http.StatusInternalServerError)
		return
	}
	b, _ := json.Marshal(map[string]any{"Status": a.Status, "Body": string(a.Body)})
	w.Write(b)
}

// TestObjectEngineRecords: a scope's object keeps at most Records
// idempotency records, dropping the oldest answers first and never a live
// claim.
func TestObjectEngineRecords(t *testing.T) {
	t.Parallel() // each has its own workerd and lptest
	w := startWorkerd(t, warmEntry, proxyVars(newLP(t)))
	const keep, answered = 5, 8
	e := proxy.NewObjectEngine(objectCaller(w.URL, ""), proxy.ObjectOptions{Records: keep})
	ctx := context.Background()
	key := func(i int) proxy.IdemKey { return proxy.IdemKey{Scope: "consumer-1", Key: "k" + strconv.Itoa(i)} }
	sum := sha256.Sum256([]byte("body"))
	claim := func(i int, token string) *proxy.Answer {
		t.Helper()
		a, err := e.Claim(ctx, key(i), sum, token, time.Minute)
		if err != nil {
			t.Fatalf("Claim(k%d): %v", i, err)
		}
		return a
	}
	// The oldest record, a live claim, then answered keys 1..8.
	if a := claim(0, "live"); a != nil {
		t.Fatalf("the first claim: %+v", a)
	}
	for i := 1; i <= answered; i++ {
		if a := claim(i, "t"); a != nil {
			t.Fatalf("Claim(k%d) = %+v, want the claim", i, a)
		}
		if err := e.Complete(ctx, key(i), "t", proxy.Answer{Status: 201, Body: []byte(strconv.Itoa(i))}, time.Hour); err != nil {
			t.Fatal(err)
		}
	}
	// Kept: the live claim and the newest keep-1 answers.
	for i := answered; i > answered-(keep-1); i-- {
		if a := claim(i, "replay"); a == nil || string(a.Body) != strconv.Itoa(i) {
			t.Errorf("k%d: %+v, want its answer replayed", i, a)
		}
	}
	cctx, cancel := context.WithTimeout(ctx, 50*time.Millisecond)
	defer cancel()
	if _, err := e.Claim(cctx, key(0), sum, "other", time.Minute); !errors.Is(err, context.DeadlineExceeded) {
		t.Errorf("another's Claim on the live claim: %v, want to wait for it (the context's error)", err)
	}
	// Dropped: the oldest answers, whose keys are claimed afresh.
	for i := 1; i <= answered-(keep-1); i++ {
		if a := claim(i, "again"); a != nil {
			t.Errorf("k%d: %+v, want it dropped for the bound (a new claim)", i, a)
		}
	}
}

// TestObjectEngineRestart: what the objects hold survives a restart of
// workerd on the same localDisk storage.
func TestObjectEngineRestart(t *testing.T) {
	t.Parallel() // each has its own workerd and lptest
	vars := proxyVars(newLP(t))
	dir := t.TempDir()
	enginetest.RunRestart(t, func(t *testing.T) (proxy.Engine, func()) {
		w := startWorkerdSetup(t, workerdSetup{Entry: warmEntry, Vars: vars, StateDir: dir})
		return proxy.NewObjectEngine(objectCaller(w.URL, ""), proxy.ObjectOptions{}), w.stop
	})
}

// A pair is a workerd running two isolates of the proxy, A and B, on one
// namespace of state objects, and an lptest whose webhooks go to A.
type pair struct {
	*workerd
	lp       *lptest.Server
	webhooks atomic.Int64 // webhook deliveries forwarded to A
	changes  atomic.Int64 // of which conversation changes
	target   atomic.Pointer[url.URL]
}

// startPair starts lptest and a pair; with dir, the objects are kept on
// disk there.
func startPair(t *testing.T, dir string) *pair {
	p := &pair{}
	// lptest is configured before workerd picks its ports: its webhooks go
	// through a forwarder that learns A's address later.
	fwd := httptest.NewServer(&httputil.ReverseProxy{Rewrite: func(r *httputil.ProxyRequest) {
		body, _ := io.ReadAll(r.In.Body)
		r.Out.Body = io.NopCloser(bytes.NewReader(body))
		p.webhooks.Add(1)
		if bytes.Contains(body, []byte(connector.NotificationConversation)) {
			p.changes.Add(1)
		}
		r.SetURL(p.target.Load())
	}})
	t.Cleanup(fwd.Close)
	p.lp = proxytest.NewLP(lptest.WithWebhooks(fwd.URL+"/webhooks/liveperson"),
		lptest.WithWebhookRetry(50*time.Millisecond, 200*time.Millisecond, 10*time.Second))
	t.Cleanup(p.lp.Close)
	p.restart(t, dir)
	return p
}

// restart starts workerd (again, after stop) on dir's storage.
func (p *pair) restart(t *testing.T, dir string) {
	vars := proxyVars(p.lp)
	// proxytest's 1s fails upstream calls when hundreds of conversations
	// share the 2 cores (the soak).
	vars["LP_UPSTREAM_TIMEOUT"] = "10s"
	vars["LP_REQUEST_TIMEOUT"] = "25s"
	p.workerd = startWorkerdSetup(t, workerdSetup{Entry: warmEntry, Vars: vars, Services: 2, StateDir: dir})
	u, err := url.Parse(p.URLs[0])
	if err != nil {
		t.Fatal(err)
	}
	p.target.Store(u)
}

// opCounts are object calls by operation (claim, complete, append, ...).
type opCounts map[string]int

// minus is c's calls made since before.
func (c opCounts) minus(before opCounts) opCounts {
	d := opCounts{}
	for op, n := range c {
		if n != before[op] {
			d[op] = n - before[op]
		}
	}
	return d
}

func (c opCounts) total() int {
	n := 0
	for _, v := range c {
		n += v
	}
	return n
}

// objectCalls is how many calls the isolates at bases (default: both)
// made to the state objects.
func (p *pair) objectCalls(t *testing.T, bases ...string) opCounts {
	t.Helper()
	if len(bases) == 0 {
		bases = p.URLs
	}
	sum := opCounts{}
	for _, base := range bases {
		a := get(base + "/__worker/objects/calls")
		var c opCounts
		if err := json.Unmarshal([]byte(a.body), &c); a.status != http.StatusOK || err != nil {
			t.Fatalf("GET /__worker/objects/calls: %v (%v)", a, err)
		}
		for op, n := range c {
			sum[op] += n
		}
	}
	return sum
}

// call sends a JSON body from the proxytest page with an optional
// Idempotency-Key and headers h (name, value, ...).
func call(method, u, body, key string, h ...string) answer {
	if key != "" {
		h = append(h, "Idempotency-Key", key)
	}
	return do(method, u, proxytest.Origin, body, h...)
}

// engageOn starts a Monitoring session through base; it returns the body
// of a create for consumer in it.
func engageOn(t *testing.T, base, consumer string) string {
	t.Helper()
	a := call(http.MethodPost, base+"/v1/engagement", `{"entryPoints":["https://shop.example/"],"engagementAttributes":[]}`, "")
	if a.status != http.StatusCreated {
		t.Fatalf("POST /v1/engagement: %v", a)
	}
	return `{"consumerId":"` + consumer + `","visitorId":"` + proxytest.Field(t, a.body, "visitorId") + `","sessionId":"` +
		proxytest.Field(t, a.body, "sessionId") + `","campaignId":"1001","engagementId":"2001","contextId":"` +
		proxytest.Field(t, a.body, "contextId") + `"}`
}

// pollEvents reads the log through base as JSON.
func pollEvents(base, conv, token string, after int64) answer {
	return call(http.MethodGet, base+"/v1/conversations/"+conv+"/events?after="+strconv.FormatInt(after, 10), "", "",
		"Accept", "application/json", "Authorization", "Bearer "+token)
}

// pollUntil polls through base until the log holds want.
func pollUntil(t *testing.T, base, conv, token, want string) string {
	t.Helper()
	for deadline := time.Now().Add(30 * time.Second); ; time.Sleep(20 * time.Millisecond) {
		a := pollEvents(base, conv, token, 0)
		if a.status == http.StatusOK && strings.Contains(a.body, want) {
			return a.body
		}
		if time.Now().After(deadline) {
			t.Fatalf("the log never held %s: %v", want, a)
		}
	}
}

// readStream reads conv's event stream through base as an EventSource
// does (proxytest.ReadEvents) and returns every event's data line.
func readStream(base, conv, token string) ([]string, error) {
	var got []string
	err := proxytest.ReadEvents(client, base+"/v1/conversations/"+conv+"/events", token, 100, nil, nil, func(data string) { got = append(got, data) })
	return got, err
}

// TestTwoIsolates: the idempotency records, the open conversation and the
// event logs hold across the two isolates, each operation costing at most
// the counted object calls.
func TestTwoIsolates(t *testing.T) {
	t.Parallel() // each has its own workerd and lptest
	p := startPair(t, "")
	a, b := p.URLs[0], p.URLs[1]
	if ia, ib := get(a+"/healthz"), get(b+"/healthz"); ia.status != 200 || ib.status != 200 {
		t.Fatalf("GET /healthz: A %v, B %v", ia, ib)
	}

	// A create with key K through A and its retry through B: one
	// conversation, the same answer.
	body := engageOn(t, a, "consumer-k")
	convs := p.lp.CallCount(lptest.RouteConversation)
	calls := p.objectCalls(t)
	first := call(http.MethodPost, a+"/v1/conversations", body, "key-K")
	created, callsB := p.objectCalls(t), p.objectCalls(t, b)
	retry := call(http.MethodPost, b+"/v1/conversations", body, "key-K")
	replayed := p.objectCalls(t, b).minus(callsB)
	created = created.minus(calls)
	if first.status != http.StatusCreated || retry.status != first.status || retry.body != first.body {
		t.Fatalf("create through A: %v; its retry through B: %v, want the same 201", first, retry)
	}
	if n := p.lp.CallCount(lptest.RouteConversation) - convs; n != 1 {
		t.Errorf("LivePerson saw %d CONVERSATION calls for a create and its retry, want 1", n)
	}
	// A keyed create claims the key and stores the answer in one object
	// request; a replay reads it in one. (The conversation's webhooks,
	// which come to A meanwhile, append and set the open conversation.)
	if created["once"] != 1 || created["claim"]+created["complete"]+created["release"] != 0 || !maps.Equal(replayed, opCounts{"once": 1}) {
		t.Errorf("object calls: %v for a keyed create, %v for its replay; want one once each (and no claim, complete or release)", created, replayed)
	}
	t.Logf("object calls: keyed create %v (webhooks meanwhile included), replay %v", created, replayed)
	conv, token := proxytest.Field(t, first.body, "conversationId"), proxytest.Field(t, first.body, "token")

	// B starts cold (its /healthz asked LivePerson nothing): the AppJWT
	// and the Domain API's answers that A got are shared.
	sentinel, domains := p.lp.CallCount(lptest.RouteToken), p.lp.CallCount(lptest.RouteDomain)
	if sentinel != 1 {
		t.Errorf("Sentinel calls after A's first create: %d, want 1", sentinel)
	}

	// 10 concurrent creates with one key, spread over A and B.
	body2 := engageOn(t, b, "consumer-10")
	convs = p.lp.CallCount(lptest.RouteConversation)
	answers := make([]answer, 10)
	var wg sync.WaitGroup
	for i := range answers {
		wg.Go(func() { answers[i] = call(http.MethodPost, p.URLs[i%2]+"/v1/conversations", body2, "key-10") })
	}
	wg.Wait()
	for i, an := range answers {
		if an.status != http.StatusCreated || an.body != answers[0].body {
			t.Errorf("create %d through %s: %v, want the same 201 as the first: %v", i, serviceName(i%2), an, answers[0])
		}
	}
	if n := p.lp.CallCount(lptest.RouteConversation) - convs; n != 1 {
		t.Errorf("LivePerson saw %d CONVERSATION calls for 10 creates with one key, want 1", n)
	}
	if s, d := p.lp.CallCount(lptest.RouteToken)-sentinel, p.lp.CallCount(lptest.RouteDomain)-domains; s != 0 || d != 0 {
		t.Errorf("B, started cold, made %d Sentinel and %d Domain API calls, want none (A's are shared)", s, d)
	}

	// On the warm path, through B (the webhooks go to A): a keyed create
	// costs one object request; a send none without a key, one with a
	// key, and one for its replay.
	body3 := engageOn(t, b, "consumer-w")
	callsB = p.objectCalls(t, b)
	if an := call(http.MethodPost, b+"/v1/conversations", body3, "key-W"); an.status != http.StatusCreated {
		t.Fatalf("create through B: %v", an)
	}
	if d := p.objectCalls(t, b).minus(callsB); !maps.Equal(d, opCounts{"once": 1}) {
		t.Errorf("a keyed create through a warm B made object calls %v, want one once", d)
	}
	sends := p.lp.CallCount(lptest.RouteSend)
	for _, step := range []struct {
		key  string
		want opCounts
	}{{"", opCounts{}}, {"send-key", opCounts{"once": 1}}, {"send-key", opCounts{"once": 1}}} {
		callsB = p.objectCalls(t, b)
		if an := call(http.MethodPost, b+"/v1/conversations/"+conv+"/messages", `{"consumerId":"consumer-k","text":"hello `+step.key+`"}`, step.key); an.status != http.StatusOK {
			t.Fatalf("send (key %q): %v", step.key, an)
		}
		d := p.objectCalls(t, b).minus(callsB)
		if !maps.Equal(d, step.want) {
			t.Errorf("a send with key %q made object calls %v, want %v", step.key, d, step.want)
		}
		t.Logf("object calls: send with key %q %v", step.key, d)
	}
	if n := p.lp.CallCount(lptest.RouteSend) - sends; n != 2 {
		t.Errorf("LivePerson saw %d SEND calls for a send, a keyed send and its replay, want 2", n)
	}

	// A webhook posted to A reaches a stream opened on B and a poll on B,
	// once each, while LivePerson duplicates it.
	pollUntil(t, b, conv, token, "hello send-key") // the webhooks so far are in
	streamed := make(chan []string, 1)
	streamErr := make(chan error, 1)
	go func() {
		got, err := readStream(b, conv, token)
		streamed <- got
		streamErr <- err
	}()
	hooks, changes, callsA := p.webhooks.Load(), p.changes.Load(), p.objectCalls(t, a)
	p.lp.SetWebhookFault(lptest.WebhookFault{Kind: lptest.WebhookDuplicate, Count: lptest.Always})
	const reply = "Size 42 is in stock"
	if _, err := p.lp.AgentMessage(conv, reply); err != nil {
		t.Fatal(err)
	}
	log := pollUntil(t, b, conv, token, reply)
	p.lp.ClearWebhookFaults()
	if n := strings.Count(log, reply); n != 1 {
		t.Errorf("the poll on B holds the reply %d times: %s", n, log)
	}
	// Each delivery appends to the conversation's log once; a conversation
	// change also sets the consumer's open conversation (another object).
	delivered, changed := int(p.webhooks.Load()-hooks), int(p.changes.Load()-changes)
	d := p.objectCalls(t, a).minus(callsA)
	if delivered < 2 || d["append"] > delivered || d["setopen"] > changed || d.total() != d["append"]+d["setopen"] {
		t.Errorf("%d webhook deliveries (%d conversation changes) made object calls %v in A, want at least 2 deliveries "+
			"(duplicates), at most one append each and one setopen per change", delivered, changed, d)
	}
	t.Logf("%d webhook deliveries (%d conversation changes, duplicates included): object calls %v", delivered, changed, d)
	if _, err := p.lp.AgentClose(conv); err != nil {
		t.Fatal(err)
	}
	select {
	case got := <-streamed:
		if err := <-streamErr; err != nil {
			t.Errorf("the stream on B: %v; got %q", err, got)
		}
		if n := strings.Count(strings.Join(got, "\n"), reply); n != 1 {
			t.Errorf("the stream on B carried the reply %d times: %q", n, got)
		}
	case <-time.After(time.Minute):
		t.Fatal("the stream on B did not end after the close")
	}
}

// TestRestartKeepsState: workerd restarted on its localDisk storage: the
// same key returns the first conversation, and the open conversation and
// its events are still there.
func TestRestartKeepsState(t *testing.T) {
	t.Parallel() // each has its own workerd and lptest
	dir := t.TempDir()
	p := startPair(t, dir)
	a := p.URLs[0]
	body := engageOn(t, a, "consumer-r")
	first := call(http.MethodPost, a+"/v1/conversations", body, "key-R")
	if first.status != http.StatusCreated {
		t.Fatalf("create: %v", first)
	}
	conv, token := proxytest.Field(t, first.body, "conversationId"), proxytest.Field(t, first.body, "token")
	const reply = "kept across the restart"
	if _, err := p.lp.AgentMessage(conv, reply); err != nil {
		t.Fatal(err)
	}
	pollUntil(t, p.URLs[1], conv, token, reply)

	p.stop()
	p.restart(t, dir)
	a, b := p.URLs[0], p.URLs[1]
	convs := p.lp.CallCount(lptest.RouteConversation)
	if retry := call(http.MethodPost, b+"/v1/conversations", body, "key-R"); retry.status != first.status || retry.body != first.body {
		t.Errorf("the retry after the restart: %v, want %v", retry, first)
	}
	if n := p.lp.CallCount(lptest.RouteConversation) - convs; n != 0 {
		t.Errorf("the retry after the restart made %d CONVERSATION calls, want 0", n)
	}
	if log := pollEvents(a, conv, token, 0); log.status != http.StatusOK || strings.Count(log.body, reply) != 1 {
		t.Errorf("the log after the restart: %v, want the reply once", log)
	}
	// A create with a new key: LivePerson refuses it (the consumer has an
	// open conversation), and the proxy answers with the one it recorded.
	if again := call(http.MethodPost, a+"/v1/conversations", body, "key-R2"); again.status != http.StatusCreated ||
		proxytest.Field(t, again.body, "conversationId") != conv {
		t.Errorf("a create with another key after the restart: %v, want the open conversation %s", again, conv)
	}
}

var soakFull = flag.Bool("soak", false, "run TestWorkerdSoak at full size (500 conversations of 10 agent messages)")

// TestWorkerdSoak: conversations created through A, their pages' streams
// read from B, agent messages through signed webhooks to A with duplicates
// and reorders injected (proxytest.Soak): every message reaches its
// stream exactly once. The delivery p50/p99 and the object calls per
// message are logged with -v. make test runs 20 conversations of 4
// messages; -soak the full 500 of 10.
func TestWorkerdSoak(t *testing.T) {
	t.Parallel() // each has its own workerd and lptest
	convs, msgs := 20, 4
	if *soakFull {
		convs, msgs = 500, 10
	}
	p := startPair(t, "")
	for _, base := range p.URLs {
		if a := get(base + "/healthz"); a.status != http.StatusOK {
			t.Fatalf("GET /healthz: %v", a)
		}
	}
	before := p.objectCalls(t)
	r := proxytest.Soak(t, p.URLs[0], p.URLs[1], p.lp, convs, msgs)
	calls := p.objectCalls(t).minus(before)
	if r.Lost != 0 || r.Duplicated != 0 {
		t.Errorf("%d of %d messages lost, %d duplicated", r.Lost, r.Messages, r.Duplicated)
	}
	// Nothing polls: each stream answer waited in the object with one
	// read, which an append (or the heartbeat) ended.
	if answers := convs + r.Reconnects; calls["read"] != answers {
		t.Errorf("%d object reads for %d stream answers, want one each", calls["read"], answers)
	}
	t.Logf("workerd soak, two isolates: %d conversations x %d messages, %d duplicate and %d reordered deliveries injected, "+
		"%d stream answers read again: delivery p50 %v, p99 %v; object calls %v, %.1f per message (all of the soak's calls)",
		convs, msgs, r.InjectedDuplicates, r.InjectedReorders, r.Reconnects, r.P50, r.P99, calls,
		float64(calls.total())/float64(r.Messages))
}

// TestStockEntryObjects: under syumai's per-request entry (every request
// a fresh Go instance, nothing kept in memory) the proxy reaches the
// state objects through syumai's DurableObjectNamespace stub: a keyed
// create through the warm entry (A) and its retry through the stock entry
// (B) give one conversation; a keyed send through B and its retry through
// A one message.
func TestStockEntryObjects(t *testing.T) {
	t.Parallel() // its own workerd and lptest
	lp := newLP(t)
	w := startWorkerdSetup(t, workerdSetup{Entries: []string{warmEntry, stockEntry}, Vars: proxyVars(lp), Services: 2})
	a, b := w.URLs[0], w.URLs[1]
	body := engageOn(t, a, "consumer-stock")
	first := call(http.MethodPost, a+"/v1/conversations", body, "key-S")
	retry := call(http.MethodPost, b+"/v1/conversations", body, "key-S")
	if first.status != http.StatusCreated || retry.status != first.status || retry.body != first.body || retry.inst != 0 {
		t.Fatalf("create through A: %v; its retry through B (stock): %v, want the same 201 without X-Lpedge-Instance", first, retry)
	}
	if n := lp.CallCount(lptest.RouteConversation); n != 1 {
		t.Errorf("LivePerson saw %d CONVERSATION calls, want 1", n)
	}
	// The other way: a keyed send through B, its retry through A.
	conv := proxytest.Field(t, first.body, "conversationId")
	msg := `{"consumerId":"consumer-stock","text":"hello"}`
	sent := call(http.MethodPost, b+"/v1/conversations/"+conv+"/messages", msg, "key-M")
	again := call(http.MethodPost, a+"/v1/conversations/"+conv+"/messages", msg, "key-M")
	if sent.status != http.StatusOK || again.status != sent.status || again.body != sent.body {
		t.Errorf("send through B (stock): %v; its retry through A: %v, want the same 200", sent, again)
	}
	if n := lp.CallCount(lptest.RouteSend); n != 1 {
		t.Errorf("LivePerson saw %d SEND calls, want 1", n)
	}
}

// TestStateStream: STATE_STREAM=off puts a keyed create's claim and
// answer in two object requests instead of one held open both ways; a
// value it does not know is the configuration's error, named in the log,
// with the state binding or without.
func TestStateStream(t *testing.T) {
	t.Parallel() // each has its own workerd
	lp := newLP(t)
	for _, tc := range []struct {
		value string
		want  opCounts // of the keyed create's idempotency
	}{
		{"", opCounts{"once": 1}},
		{"on", opCounts{"once": 1}},
		{"off", opCounts{"claim": 1, "complete": 1}},
		{"half", nil},
	} {
		t.Run("STATE_STREAM="+tc.value, func(t *testing.T) {
			t.Parallel()
			vars := proxyVars(lp)
			if tc.value != "" {
				vars["STATE_STREAM"] = tc.value
			}
			// The unknown value without the binding: it is checked all
			// the same.
			w := startWorkerdSetup(t, workerdSetup{Entry: warmEntry, Vars: vars, NoState: tc.want == nil})
			if tc.want == nil {
				if a := get(w.URL + "/healthz"); a.status != http.StatusServiceUnavailable || !strings.Contains(a.body, proxy.CodeNotConfigured) {
					t.Errorf("GET /healthz: %v, want 503 %s", a, proxy.CodeNotConfigured)
				}
				if want := `STATE_STREAM: want on or off, got \"half\"`; !strings.Contains(w.Logs(), want) {
					t.Errorf("the log does not say %s:\n%s", want, w.Logs())
				}
				return
			}
			p := &pair{workerd: w}
			body := engageOn(t, w.URL, "consumer-stream-"+tc.value)
			before := p.objectCalls(t)
			if a := call(http.MethodPost, w.URL+"/v1/conversations", body, "key-1"); a.status != http.StatusCreated {
				t.Fatalf("create: %v", a)
			}
			got := opCounts{}
			for op, n := range p.objectCalls(t).minus(before) {
				if op == "once" || op == "claim" || op == "complete" || op == "release" {
					got[op] = n // (the webhooks' appends come meanwhile)
				}
			}
			if !maps.Equal(got, tc.want) {
				t.Errorf("a keyed create's idempotency made object calls %v, want %v", got, tc.want)
			}
		})
	}
}
