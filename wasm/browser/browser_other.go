//go:build !js

package browser

import (
	"bufio"
	"context"
	"crypto/rand"
	"errors"
	"io"
	"log"
	"net/http"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/lpedge/lpedge/wasm/tag"
)

// Env returns a host environment for the tag: storage in memory, Go
// timers, net/http (also for the conversation's event stream), the log
// package for the console, no lpTag, a visible page at http://localhost/
// and no conversation listeners (set Env.Emit to have some).
func Env() tag.Env {
	return tag.Env{
		Local:     &lockedMemory{m: tag.Memory{}},
		Session:   &lockedMemory{m: tag.Memory{}},
		Clock:     clock{},
		Transport: transport{client: http.DefaultClient},
		Stream:    transport{client: http.DefaultClient},
		Console:   console{},
		Page:      page{},
		Random:    func(b []byte) { rand.Read(b) },
	}
}

// Run fails on the host: the tag's page API lives in a browser.
func Run() error {
	return errors.New("lpedge: the tag runs in a browser: build it with GOOS=js GOARCH=wasm")
}

type lockedMemory struct {
	mu sync.Mutex
	m  tag.Memory
}

func (s *lockedMemory) Get(k string) (string, bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.m.Get(k)
}
func (s *lockedMemory) Set(k, v string) error { s.mu.Lock(); defer s.mu.Unlock(); return s.m.Set(k, v) }
func (s *lockedMemory) Remove(k string)       { s.mu.Lock(); defer s.mu.Unlock(); s.m.Remove(k) }
func (s *lockedMemory) Keys(p string) []string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.m.Keys(p)
}

type clock struct{}

func (clock) Now() int64 { return time.Now().UnixMilli() }

func (clock) After(ms int64, f func()) func() bool {
	return time.AfterFunc(time.Duration(ms)*time.Millisecond, f).Stop
}

type transport struct{ client *http.Client }

func (t transport) Do(req tag.Request, done func(tag.Response)) {
	go func() {
		r, err := http.NewRequest(req.Method, req.URL, strings.NewReader(req.Body))
		if err != nil {
			done(tag.Response{Err: err})
			return
		}
		for _, h := range req.Header {
			r.Header.Set(h[0], h[1])
		}
		resp, err := t.client.Do(r)
		if err != nil {
			done(tag.Response{Err: err})
			return
		}
		defer resp.Body.Close()
		body, err := io.ReadAll(io.LimitReader(resp.Body, 1<<20))
		done(tag.Response{Status: resp.StatusCode, Body: body, RetryAfter: resp.Header.Get("Retry-After"), Err: err})
	}()
}

type console struct{}

func (console) Error(msg string) { log.Print("console.error: ", msg) }
func (console) Warn(msg string)  { log.Print("console.warn: ", msg) }
func (console) Log(msg string)   { log.Print("console.log: ", msg) }

type page struct{}

func (page) URL() string      { return "http://localhost/" }
func (page) Origin() string   { return "http://localhost" }
func (page) Online() bool     { return true }
func (page) TimeZone() string { return "" }
func (page) Visible() bool    { return true }

// Stream reads Server-Sent Events as the loader's host does: data lines
// joined, each comment an event with no data (a ping), other fields
// skipped.
func (t transport) Stream(url, token string, event func(string), end func(tag.Response)) func() {
	ctx, cancel := context.WithCancel(context.Background())
	// Not held while f runs: f takes the tag's lock, under which stop may
	// be called. The tag ignores a stopped stream's late callback.
	var stopped atomic.Bool
	call := func(f func()) {
		if !stopped.Load() {
			f()
		}
	}
	go func() {
		r, err := http.NewRequestWithContext(ctx, "GET", url, nil)
		if err != nil {
			call(func() { end(tag.Response{Err: err}) })
			return
		}
		r.Header.Set("Authorization", "Bearer "+token)
		r.Header.Set("Accept", "text/event-stream")
		resp, err := t.client.Do(r)
		if err != nil {
			call(func() { end(tag.Response{Err: err}) })
			return
		}
		defer resp.Body.Close()
		if resp.StatusCode < 200 || resp.StatusCode > 299 {
			body, _ := io.ReadAll(io.LimitReader(resp.Body, 1<<20))
			call(func() { end(tag.Response{Status: resp.StatusCode, Body: body}) })
			return
		}
		sc := bufio.NewScanner(resp.Body)
		sc.Buffer(nil, 1<<20)
		var data []string
		for sc.Scan() {
			line := sc.Text()
			switch {
			case line == "":
				if len(data) > 0 {
					d := strings.Join(data, "\n")
					call(func() { event(d) })
				}
				data = nil
			case line[0] == ':':
				call(func() { event("") })
			case line == "data" || strings.HasPrefix(line, "data:"):
				data = append(data, strings.TrimPrefix(strings.TrimPrefix(line, "data"), ":"))
				if d := data[len(data)-1]; strings.HasPrefix(d, " ") {
					data[len(data)-1] = d[1:]
				}
			}
		}
		if err := sc.Err(); err != nil {
			call(func() { end(tag.Response{Err: err}) })
			return
		}
		call(func() { end(tag.Response{Status: resp.StatusCode}) })
	}()
	return func() {
		stopped.Store(true)
		cancel()
	}
}
