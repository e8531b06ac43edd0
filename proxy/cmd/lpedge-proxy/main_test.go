//go:build !js

package main

import (
	"bytes"
	"context"
	"io"
	"log/slog"
	"net"
	"net/http"
	"strings"
	"testing"
	"time"
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
	} {
		err := run(tc.args, func(k string) string { return tc.env[k] }, io.Discard)
		if err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("run(%q, %v) = %v, want an error about %s", tc.args, tc.env, err, tc.want)
		}
	}
}
