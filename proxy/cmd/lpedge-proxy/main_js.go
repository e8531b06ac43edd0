//go:build js && wasm

// The Workers main: the proxy served by jsglue/worker, one Go instance per
// isolate (jsglue/worker/entry.mjs), configured from the Worker's vars and
// secrets (proxy.ConfigFromEnv's; LOG_LEVEL: debug, info, warn or error,
// default info; STATE_STREAM: on or off, default on). Build it with `make worker`, which first writes the tag's build
// into ./tag, embedded here: the Worker serves lpedge.js and the module as
// the native proxy does from -assets.

package main

import (
	"bytes"
	"cmp"
	"context"
	"embed"
	"encoding/hex"
	"encoding/json"
	"errors"
	"io"
	"io/fs"
	"log/slog"
	"net/http"
	"os"
	"strconv"
	"sync"
	"sync/atomic"
	"time"

	"github.com/syumai/workers/cloudflare"

	"github.com/lpedge/lpedge/jsglue/worker"
	"github.com/lpedge/lpedge/proxy"
)

// tag holds the tag's build output; in a fresh clone only .gitkeep, which
// the proxy's asset loader skips.
//
//go:embed all:tag
var tag embed.FS

func main() {
	h, o := handler()
	worker.Serve(h, o)
}

func handler() (http.Handler, worker.Options) {
	cfg, err := proxy.ConfigFromEnv(cloudflare.Getenv)
	if err == nil {
		err = setLogLevel(cloudflare.Getenv("LOG_LEVEL"))
	}
	stream := true
	if err == nil {
		// Checked with or without the binding, as the other settings are.
		switch v := cloudflare.Getenv("STATE_STREAM"); v {
		case "", "on":
		case "off":
			stream = false
		default:
			err = errors.New("STATE_STREAM: want on or off, got " + strconv.Quote(v))
		}
	}
	var h http.Handler
	var objects *countedObjects
	if err == nil {
		cfg.Upstream = worker.Client{}
		cfg.Assets, err = fs.Sub(tag, "tag")
		// The conversation state lives in Durable Objects when the Worker
		// binds their namespace; without it, in this isolate's memory
		// (and each isolate asks LivePerson for its own tokens).
		if worker.HasBinding(stateBinding) {
			objects = &countedObjects{o: worker.Objects{Binding: stateBinding}}
			if cloudflare.Getenv("LPEDGE_WORKER_TEST_HOOKS") == "1" {
				objects.n = map[string]int{} // counted for the tests only
			}
			// A keyed call's claim and answer go in one object request
			// (Open), unless STATE_STREAM=off: a way back to two
			// requests should a platform not stream both ways at once.
			var open proxy.ObjectOpener
			if stream {
				open = objects.open
			}
			// The settings are 0 when not set (New defaults them).
			cfg.Engine = proxy.NewObjectEngine(objects.call, proxy.ObjectOptions{Events: cfg.EventLogEvents, Open: open,
				TTL: max(cmp.Or(cfg.EventLogTTL, proxy.DefaultEventLogTTL), cmp.Or(cfg.IdempotencyTTL, proxy.DefaultIdempotencyTTL))})
			// A cold isolate reuses the AppJWT and Domain answers.
			cfg.SharedCache = proxy.NewObjectCache(objects.call)
		}
	}
	if err == nil {
		h, err = proxy.New(cfg)
	}
	if err != nil {
		// Exiting would only make every request start an instance that
		// fails the same way; answer that the proxy needs configuring.
		slog.Error("lpedge-proxy: configuration", "err", err)
		return misconfigured{}, worker.Options{}
	}
	if cloudflare.Getenv("LPEDGE_WORKER_TEST_HOOKS") == "1" {
		h = testHooks(h, objects)
	}
	// The entry reads up to the larger of the proxy's two body limits; the
	// proxy holds each route to its own.
	limit, webhookLimit := cfg.MaxBodyBytes, cfg.WebhookMaxBodyBytes
	if limit <= 0 {
		limit = proxy.DefaultMaxBodyBytes
	}
	if webhookLimit <= 0 {
		webhookLimit = proxy.DefaultWebhookMaxBodyBytes
	}
	o := worker.Options{MaxBodyBytes: max(limit, webhookLimit)}
	// The proxy bounds a request's upstream work by RequestTimeout; the
	// worker's deadline leaves it room to answer first.
	o.Deadline = cfg.RequestTimeout
	if o.Deadline <= 0 {
		o.Deadline = proxy.DefaultRequestTimeout
	}
	o.Deadline += 5 * time.Second
	return h, o
}

// stateBinding is the Durable Object namespace binding of the proxy's
// state (examples/wrangler.toml).
const stateBinding = "LPEDGE_STATE"

// countedObjects calls the state objects and counts the calls by
// operation.
type countedObjects struct {
	o  worker.Objects
	mu sync.Mutex
	n  map[string]int
}

func (c *countedObjects) count(op string) {
	if c.n != nil {
		c.mu.Lock()
		c.n[op]++
		c.mu.Unlock()
	}
}

func (c *countedObjects) call(ctx context.Context, name, op string, body []byte) ([]byte, error) {
	c.count(op)
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, "https://lpedge-state/"+op, bytes.NewReader(body))
	if err != nil {
		return nil, err
	}
	req.Header.Set("Content-Type", "application/json")
	resp, err := c.o.Do(name, req)
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

// open starts a stream to a state object (proxy.ObjectOpener).
func (c *countedObjects) open(ctx context.Context, name, op string, first []byte) (proxy.ObjectStream, error) {
	s, err := c.o.Open(ctx, name, "https://lpedge-state/"+op, first)
	if err != nil {
		return nil, err // (unsupported: no request made)
	}
	c.count(op)
	return s, nil
}

// setLogLevel sets the level of the default logger, which the proxy logs
// to, from LOG_LEVEL (debug, info, warn or error; default info). At warn,
// the line per request is left out: Cloudflare's own invocation log has
// the method, URL and status, and the line is a tenth to a third of a
// warm /healthz's CPU (README, Performance).
func setLogLevel(v string) error {
	if v == "" {
		return nil
	}
	var l slog.Level
	if err := l.UnmarshalText([]byte(v)); err != nil {
		return errors.New("LOG_LEVEL: want debug, info, warn or error, got " + strconv.Quote(v))
	}
	slog.SetLogLoggerLevel(l)
	return nil
}

type misconfigured struct{}

func (misconfigured) ServeHTTP(w http.ResponseWriter, _ *http.Request) {
	w.Header().Set("Content-Type", "application/json; charset=utf-8")
	w.WriteHeader(http.StatusServiceUnavailable)
	w.Write([]byte(`{"error":{"code":"` + proxy.CodeNotConfigured + `","message":"the proxy's configuration is invalid; see the Worker's log"}}`))
}

// testHooks adds routes under /__worker/ that the tests of jsglue/worker
// use to break the instance on purpose. The Worker variable
// LPEDGE_WORKER_TEST_HOOKS=1 turns them on; never set it in a deployment.
func testHooks(next http.Handler, objects *countedObjects) http.Handler {
	mux := http.NewServeMux()
	mux.Handle("/", next)
	if objects != nil {
		// The state objects' calls so far from this isolate, by
		// operation: {"append":3,...}.
		mux.HandleFunc("/__worker/objects/calls", func(w http.ResponseWriter, _ *http.Request) {
			objects.mu.Lock()
			b, _ := json.Marshal(objects.n)
			objects.mu.Unlock()
			w.Write(b)
		})
		// One operation on a state object, for the engine's tests run
		// natively against the real object: POST /__worker/objects/{name}/{op}.
		mux.HandleFunc("POST /__worker/objects/{name}/{op}", func(w http.ResponseWriter, r *http.Request) {
			body, _ := io.ReadAll(r.Body)
			out, err := objects.call(r.Context(), r.PathValue("name"), r.PathValue("op"), body)
			if err != nil {
				http.Error(w, err.Error(), http.StatusBadGateway)
				return
			}
			w.Write(out)
		})
		mux.HandleFunc("POST /__worker/objects/once", objects.onceHook)
	}
	// A handler panic: answered 500, the instance retired.
	mux.HandleFunc("/__worker/panic", func(http.ResponseWriter, *http.Request) {
		panic("test hook: handler panic")
	})
	// A panic outside any handler kills the Go program.
	mux.HandleFunc("/__worker/crash", func(w http.ResponseWriter, r *http.Request) {
		go func() { panic("test hook: goroutine panic") }()
		select {}
	})
	mux.HandleFunc("/__worker/exit", func(http.ResponseWriter, *http.Request) {
		os.Exit(3)
	})
	// An answer the runtime refuses: Go allows any 3-digit status, a
	// Workers Response only 200-599.
	mux.HandleFunc("/__worker/badstatus", func(w http.ResponseWriter, _ *http.Request) {
		w.WriteHeader(999)
	})
	// How many requests wait in /__worker/sleep or /__worker/gate/wait,
	// so that a test knows when they are in flight.
	var waiting atomic.Int64
	mux.HandleFunc("/__worker/waiting", func(w http.ResponseWriter, _ *http.Request) {
		w.Write([]byte(strconv.FormatInt(waiting.Load(), 10)))
	})
	// The request's body and X-Echo header, answered back: with a long
	// body, request and answer take entry.mjs's way for bytes that do not
	// fit its shared buffer.
	mux.HandleFunc("POST /__worker/echo", func(w http.ResponseWriter, r *http.Request) {
		body, _ := io.ReadAll(r.Body)
		w.Header().Set("X-Echo", r.Header.Get("X-Echo"))
		w.Write(body)
	})
	// Go timers: sleep ms milliseconds, then answer.
	mux.HandleFunc("/__worker/sleep", func(w http.ResponseWriter, r *http.Request) {
		ms, _ := strconv.Atoi(r.URL.Query().Get("ms"))
		waiting.Add(1)
		time.Sleep(time.Duration(ms) * time.Millisecond)
		waiting.Add(-1)
		w.Write([]byte("slept " + strconv.Itoa(ms) + "ms\n"))
	})
	// One request's goroutine woken by another's: /__worker/gate/wait
	// blocks until /__worker/gate/open, then fetches url. The fetch must
	// run in the waiting request although another one woke it.
	var mu sync.Mutex
	gate := make(chan struct{})
	mux.HandleFunc("/__worker/gate/wait", func(w http.ResponseWriter, r *http.Request) {
		mu.Lock()
		g := gate
		mu.Unlock()
		waiting.Add(1)
		<-g
		waiting.Add(-1)
		relay(w, r, r.URL.Query().Get("url"))
	})
	mux.HandleFunc("/__worker/gate/open", func(w http.ResponseWriter, _ *http.Request) {
		mu.Lock()
		close(gate)
		gate = make(chan struct{})
		mu.Unlock()
		w.Write([]byte("opened\n"))
	})
	// WaitUntil: answer at once, then fetch url after ms milliseconds.
	mux.HandleFunc("/__worker/later", func(w http.ResponseWriter, r *http.Request) {
		ms, _ := strconv.Atoi(r.URL.Query().Get("ms"))
		url := r.URL.Query().Get("url")
		worker.WaitUntil(r.Context(), func(ctx context.Context) {
			time.Sleep(time.Duration(ms) * time.Millisecond)
			req, err := http.NewRequestWithContext(ctx, http.MethodGet, url, nil)
			if err == nil {
				var resp *http.Response
				if resp, err = (worker.Client{}).Do(req); err == nil {
					resp.Body.Close()
				}
			}
			if err != nil {
				slog.Error("test hook: later", "err", err)
			}
		})
		w.WriteHeader(http.StatusAccepted)
	})
	return mux
}

// hookAnswer is a proxy.Answer in onceHook's JSON.
type hookAnswer struct {
	Status int
	Body   string
}

// onceHook runs proxy.RunOnce on the state objects (named with a prefix)
// for the engine's tests run natively: its call asks the test, with a POST
// to callback, for the answer ({status, body}; any other status than 200
// fails the call). The answer: {answer, kind, error}, kind "" (stored or
// replayed), "lost", "reused", "ctx", "call" (the call failed) or "other".
func (c *countedObjects) onceHook(w http.ResponseWriter, r *http.Request) {
	var in struct {
		Prefix, Scope, Key, Sum, Token, Callback string
		Lease, TTL, Wait                         int64 // ms; Wait 0: no deadline
	}
	if err := json.NewDecoder(r.Body).Decode(&in); err != nil {
		http.Error(w, err.Error(), http.StatusBadRequest)
		return
	}
	var sum [32]byte
	if b, err := hex.DecodeString(in.Sum); err != nil || copy(sum[:], b) != len(sum) {
		http.Error(w, "sum: want 64 hex digits", http.StatusBadRequest)
		return
	}
	call := func(ctx context.Context, name, op string, body []byte) ([]byte, error) {
		return c.call(ctx, in.Prefix+name, op, body)
	}
	open := func(ctx context.Context, name, op string, first []byte) (proxy.ObjectStream, error) {
		return c.open(ctx, in.Prefix+name, op, first)
	}
	e := proxy.NewObjectEngine(call, proxy.ObjectOptions{Open: open})
	ctx := r.Context()
	if in.Wait > 0 {
		var cancel context.CancelFunc
		ctx, cancel = context.WithTimeout(ctx, time.Duration(in.Wait)*time.Millisecond)
		defer cancel()
	}
	var callErr error
	ms := func(n int64) time.Duration { return time.Duration(n) * time.Millisecond }
	a, err := proxy.RunOnce(ctx, e, proxy.IdemKey{Scope: in.Scope, Key: in.Key}, sum, in.Token, ms(in.Lease), ms(in.TTL), func() (proxy.Answer, error) {
		var a proxy.Answer
		req, err := http.NewRequestWithContext(r.Context(), http.MethodPost, in.Callback, nil)
		if err == nil {
			var resp *http.Response
			if resp, err = (worker.Client{}).Do(req); err == nil {
				b, _ := io.ReadAll(resp.Body)
				resp.Body.Close()
				if resp.StatusCode != http.StatusOK {
					err = errors.New("the call failed: " + resp.Status)
				} else {
					var out hookAnswer
					err = json.Unmarshal(b, &out)
					a = proxy.Answer{Status: out.Status, Body: []byte(out.Body)}
				}
			}
		}
		callErr = err
		return a, err
	})
	kind := ""
	switch {
	case callErr != nil:
		kind = "call"
	case errors.Is(err, proxy.ErrClaimLost):
		kind = "lost"
	case errors.Is(err, proxy.ErrKeyReused):
		kind = "reused"
	case err != nil && ctx.Err() != nil:
		kind = "ctx"
	case err != nil:
		kind = "other"
	}
	out := struct {
		Answer *hookAnswer `json:"answer"`
		Kind   string      `json:"kind"`
		Error  string      `json:"error"`
	}{Kind: kind}
	if a != nil {
		out.Answer = &hookAnswer{a.Status, string(a.Body)}
	}
	if err != nil {
		out.Error = err.Error()
	}
	b, _ := json.Marshal(out)
	w.Write(b)
}

// relay answers with what a GET of url answers.
func relay(w http.ResponseWriter, r *http.Request, url string) {
	req, err := http.NewRequestWithContext(r.Context(), http.MethodGet, url, nil)
	if err != nil {
		http.Error(w, err.Error(), http.StatusBadRequest)
		return
	}
	resp, err := worker.Client{}.Do(req)
	if err != nil {
		http.Error(w, err.Error(), http.StatusBadGateway)
		return
	}
	defer resp.Body.Close()
	w.WriteHeader(resp.StatusCode)
	io.Copy(w, resp.Body)
}
