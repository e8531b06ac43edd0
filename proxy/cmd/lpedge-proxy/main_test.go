//go:build !js

package main

import (
	"bufio"
	"bytes"
	"context"
	"io"
	"log/slog"
	"net"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/lpedge/lpedge/proxy"
	"github.com/lpedge/lpedge/proxy/proxytest"
)

// TestGracefulShutdown: a request in flight when the signal comes is
// answered; then the server stops and serve returns nil.
func TestGracefulShutdown(t *testing.T) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	started, release := make(chan struct{}), make(chan struct{})
	h := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		close(started)
		<-release
		io.WriteString(w, "done")
	})
	ctx, cancel := context.WithCancel(context.Background())
	logs := &bytes.Buffer{}
	served := make(chan error, 1)
	go func() {
		served <- serve(ctx, ln, h, slog.New(slog.NewTextHandler(logs, nil)), 10*time.Second, time.Second)
	}()

	answer := make(chan string, 1)
	go func() {
		resp, err := http.Get("http://" + ln.Addr().String() + "/")
		if err != nil {
			answer <- "error: " + err.Error()
			return
		}
		b, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		answer <- string(b)
	}()
	<-started
	cancel() // as SIGTERM would
	// New connections are refused once shutdown has begun.
	deadline := time.Now().Add(5 * time.Second)
	for {
		c, err := net.Dial("tcp", ln.Addr().String())
		if err != nil {
			break
		}
		c.Close()
		if time.Now().After(deadline) {
			t.Fatal("the listener still accepts after shutdown began")
		}
		time.Sleep(10 * time.Millisecond)
	}
	close(release)
	if got := <-answer; got != "done" {
		t.Errorf("in-flight request got %q", got)
	}
	if err := <-served; err != nil {
		t.Errorf("serve: %v", err)
	}
	if !strings.Contains(logs.String(), "stopped") {
		t.Errorf("logs: %s", logs)
	}
}

func TestRunErrors(t *testing.T) {
	for _, tc := range []struct {
		args []string
		env  map[string]string
		want string
	}{
		{nil, map[string]string{}, "LP_ACCOUNT_ID"},
		{nil, map[string]string{"LP_ACCOUNT_ID": "1"}, "ALLOWED_ORIGINS"},
		{[]string{"-log-level", "loud"}, nil, "-log-level"},
		{[]string{"-log-format", "xml"}, nil, "-log-format"},
		{[]string{"extra"}, nil, "unexpected arguments"},
		{[]string{"-addr", "127.0.0.1:-1"}, map[string]string{"LP_ACCOUNT_ID": "1", "ALLOWED_ORIGINS": "https://a.example"}, "listen"},
		{[]string{"-state", "/nonexistent/dir/state.db"}, map[string]string{"LP_ACCOUNT_ID": "1", "ALLOWED_ORIGINS": "https://a.example"}, "-state"},
		{nil, map[string]string{"LP_ACCOUNT_ID": "1", "ALLOWED_ORIGINS": "https://a.example", "STATE_FILE": "/nonexistent/dir/state.db"}, "-state"},
	} {
		err := run(tc.args, func(k string) string { return tc.env[k] }, io.Discard)
		if err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("run(%q, %v) = %v, want an error about %s", tc.args, tc.env, err, tc.want)
		}
	}
}

// TestStreamOutlivesWriteTimeout: an event stream keeps going past the
// server's WriteTimeout (each write sets its own deadline).
func TestStreamOutlivesWriteTimeout(t *testing.T) {
	lp := proxytest.NewLP()
	defer lp.Close()
	env := proxytest.Env(lp)
	cfg, err := proxy.ConfigFromEnv(func(k string) string { return env[k] })
	if err != nil {
		t.Fatal(err)
	}
	cfg.Heartbeat = 50 * time.Millisecond
	cfg.Logger = slog.New(slog.DiscardHandler)
	h, err := proxy.New(cfg)
	if err != nil {
		t.Fatal(err)
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	served := make(chan error, 1)
	go func() { served <- serve(ctx, ln, h, slog.New(slog.DiscardHandler), time.Second, 200*time.Millisecond) }()
	base := "http://" + ln.Addr().String()
	postJSON := func(path, body string) string {
		resp, err := http.Post(base+path, "application/json", strings.NewReader(body))
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		b, _ := io.ReadAll(resp.Body)
		return string(b)
	}
	eng := postJSON("/v1/engagement", `{"engagementAttributes":[]}`)
	get := proxytest.Member
	created := postJSON("/v1/conversations", `{"consumerId":"wt","visitorId":"`+get(eng, "visitorId")+`","sessionId":"`+get(eng, "sessionId")+
		`","campaignId":"1001","engagementId":"2001","contextId":"`+get(eng, "contextId")+`"}`)
	// Bounded: a stalled stream fails the test rather than hanging it.
	rctx, rcancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer rcancel()
	req, _ := http.NewRequestWithContext(rctx, "GET", base+"/v1/conversations/"+get(created, "conversationId")+"/events", nil)
	req.Header.Set("Authorization", "Bearer "+get(created, "token"))
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	rd := bufio.NewReader(resp.Body)
	// Ten pings outlast the 200 ms WriteTimeout several times over.
	for pings := 0; pings < 10; {
		line, err := rd.ReadString('\n')
		if err != nil {
			t.Fatalf("the stream ended after %d pings: %v", pings, err)
		}
		if line == ": ping\n" {
			pings++
		}
	}
	// A shutdown ends the stream (the page resumes elsewhere) instead of
	// waiting out its grace for it.
	cancel()
	if err := <-served; err != nil {
		t.Errorf("shutdown with a stream open: %v", err)
	}
	ended := make(chan error, 1)
	go func() { _, err := io.ReadAll(rd); ended <- err }()
	select {
	case err := <-ended:
		if err != nil {
			t.Errorf("the stream did not end cleanly: %v", err)
		}
	case <-time.After(10 * time.Second):
		t.Error("the stream is still open after the shutdown")
	}
}

// TestErrorLine: the command names itself once, then the setting
// (no "lpedge-proxy: proxy: ").
func TestErrorLine(t *testing.T) {
	err := run(nil, func(string) string { return "" }, io.Discard)
	if err == nil {
		t.Fatal("run without configuration: no error")
	}
	got := errorLine(err)
	if !strings.HasPrefix(got, "lpedge-proxy: ") || strings.Count(got, "proxy: ") != 1 {
		t.Errorf("errorLine = %q, want one prefix, lpedge-proxy: SETTING: ...", got)
	}
}
