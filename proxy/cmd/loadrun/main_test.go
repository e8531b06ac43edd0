package main

import (
	"bytes"
	"context"
	"net/http"
	"net/http/httptest"
	"regexp"
	"strings"
	"sync/atomic"
	"testing"
)

func TestRun(t *testing.T) {
	var hits atomic.Int64
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		hits.Add(1)
		if r.Method != "POST" || r.Header.Get("Origin") != "https://shop.example" {
			w.WriteHeader(400)
		}
	}))
	defer srv.Close()
	var out, errw bytes.Buffer
	err := run(context.Background(), []string{"-url", srv.URL + "/v1/report", "-n", "300", "-c", "4", "-warmup", "20",
		"-body", "{}", "-H", "Origin: https://shop.example"}, &out, &errw)
	if err != nil {
		t.Fatalf("run: %v (%s)", err, errw.String())
	}
	re := regexp.MustCompile(`^requests=300 errors=0 status=200:300 seconds=[0-9.]+ rps=[0-9]+ p50=\S+ms p90=\S+ms p99=\S+ms max=\S+ms\n$`)
	if !re.MatchString(out.String()) {
		t.Errorf("output %q", out.String())
	}
	if hits.Load() != 320 {
		t.Errorf("%d requests reached the server, want 320 (300 + 20 warm-up)", hits.Load())
	}

	// A wrong status fails the run.
	out.Reset()
	err = run(context.Background(), []string{"-url", srv.URL, "-n", "10", "-warmup", "0"}, &out, &errw)
	if err == nil || !strings.Contains(out.String(), "errors=10 status=400:10") {
		t.Errorf("GET answered 400: err %v, output %q", err, out.String())
	}
}

func TestBounds(t *testing.T) {
	for _, args := range [][]string{
		{"-url", "http://192.0.2.1:8080/"},
		{"-url", "http://example.com/"},
		{"-url", "ftp://127.0.0.1/"},
		{},
		{"-url", "http://127.0.0.1:1/", "-n", "0"},
		{"-url", "http://127.0.0.1:1/", "-n", "2000000"},
		{"-url", "http://127.0.0.1:1/", "-c", "1000"},
		{"-url", "http://127.0.0.1:1/", "-timeout", "1h"},
		{"-url", "http://127.0.0.1:1/", "-H", "no colon"},
	} {
		if _, err := parse(args, &bytes.Buffer{}); err == nil {
			t.Errorf("parse(%q) accepted", args)
		}
	}
	for _, u := range []string{"http://127.0.0.1:8080/", "http://127.9.9.9/", "http://[::1]:80/", "http://localhost:8787/"} {
		if _, err := parse([]string{"-url", u}, &bytes.Buffer{}); err != nil {
			t.Errorf("parse(%q): %v", u, err)
		}
	}
}
