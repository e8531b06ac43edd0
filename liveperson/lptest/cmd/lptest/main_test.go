package main

import (
	"context"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/lpedge/lpedge/internal/syncbuf"
)

func TestRun(t *testing.T) {
	// A free port, so the test does not collide with a running demo.
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := l.Addr().String()
	l.Close()

	ctx, cancel := context.WithCancel(context.Background())
	out := &syncbuf.Buffer{}
	done := make(chan error, 1)
	rcv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {}))
	defer rcv.Close()
	go func() { done <- run(ctx, []string{"-addr", addr, "-webhooks", rcv.URL + "/webhooks/liveperson"}, out) }()
	for i := 0; !strings.Contains(out.String(), "Ctrl-C"); i++ {
		if i == 5000 {
			t.Fatalf("no banner: %q", out.String())
		}
		time.Sleep(2 * time.Millisecond)
	}
	banner := out.String()
	for _, want := range []string{"http://" + addr, "/api/account/12345678/service/baseURI.json?version=1.0",
		"8de29e3d-25b1-4d08-b713-8331ab222bfa", "3f5e2c1a-7b4d-4e8f-9a6c-0d1e2f3a4b5c", "lptest-client-secret",
		`1001/2001 "VIP customers": ctmrinfo info.ctype = "vip"`, `1002/2002 "Big cart": cart total > 100`,
		`1003/2003 "Shoes section": section shoes`, "agent view    http://" + addr + "/lptest/", "/lptest/calls", "webhooks      " + rcv.URL + "/webhooks/liveperson"} {
		if !strings.Contains(banner, want) {
			t.Errorf("the banner lacks %q:\n%s", want, banner)
		}
	}
	res, err := http.Get("http://" + addr + "/api/account/12345678/service/smt/baseURI.json?version=1.0")
	if err != nil {
		t.Fatal(err)
	}
	b, _ := io.ReadAll(res.Body)
	res.Body.Close()
	if res.StatusCode != 200 || !strings.Contains(string(b), `"baseURI":"`+addr+`"`) {
		t.Errorf("Domain API: %d %s", res.StatusCode, b)
	}
	// -webhooks reaches the server: the inspector names the endpoint.
	res, err = http.Get("http://" + addr + "/lptest/webhooks")
	if err != nil {
		t.Fatal(err)
	}
	b, _ = io.ReadAll(res.Body)
	res.Body.Close()
	if !strings.Contains(string(b), `"url": "`+rcv.URL+`/webhooks/liveperson"`) {
		t.Errorf("webhooks: %s", b)
	}
	cancel()
	select {
	case err := <-done:
		if err != nil || !strings.HasSuffix(out.String(), "lptest: stopped\n") {
			t.Errorf("run: %v, output %q", err, out.String())
		}
	case <-time.After(10 * time.Second):
		t.Fatal("run did not stop")
	}
	if _, err := http.Get("http://" + addr + "/lptest/"); err == nil {
		t.Error("still serving after it stopped")
	}
}

func TestRunErrors(t *testing.T) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	for _, args := range [][]string{{"-addr", l.Addr().String()}, {"-nope"}, {"-addr", "not an address"},
		{"-addr", "127.0.0.1:0", "-webhooks", "/relative"}, {"-addr", "127.0.0.1:0", "-webhooks", "ftp://x/"}} {
		if err := run(context.Background(), args, io.Discard); err == nil {
			t.Errorf("run %v: no error", args)
		}
	}
}
