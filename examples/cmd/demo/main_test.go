package main

import (
	"context"
	"io"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/lpedge/lpedge/internal/syncbuf"
)

// freeAddr is a loopback address nothing listens on, so that the test
// does not collide with a running demo.
func freeAddr(t *testing.T) string {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	return l.Addr().String()
}

// tagDir holds a stand-in for the tag's build output: run serves it as
// it is, without building.
func tagDir(t *testing.T) string {
	t.Helper()
	dir := t.TempDir()
	for name, data := range map[string]string{"lpedge.js": "/* lpedge.js */", "stub.min.js": "/*stub*/", "lpedge.0123456789ab.wasm": "\x00asm"} {
		if err := os.WriteFile(filepath.Join(dir, name), []byte(data), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	return dir
}

func TestRun(t *testing.T) {
	shop, proxy, lp := freeAddr(t), freeAddr(t), freeAddr(t)
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	out := &syncbuf.Buffer{}
	done := make(chan error, 1)
	go func() {
		done <- run(ctx, []string{"-tag", tagDir(t), "-shop", shop, "-proxy", proxy, "-lptest", lp}, out, io.Discard)
	}()
	for i := 0; !strings.Contains(out.String(), "Ctrl-C stops the demo."); i++ {
		select {
		case err := <-done:
			t.Fatalf("run ended early: %v\n%s", err, out.String())
		default:
		}
		if i == 5000 {
			t.Fatalf("no banner: %q", out.String())
		}
		time.Sleep(2 * time.Millisecond)
	}
	banner := out.String()
	for _, want := range []string{
		"http://" + shop + "/ ", "http://" + shop + "/shoes.html", "http://" + lp + "/lptest/ ", "http://" + lp + "/lptest/calls",
		"http://" + proxy + "/lpedge.js (and lpedge.0123456789ab.wasm beside it)", `1001/2001 "VIP customers"`, `1004/2004 "Everyone": every visitor`,
		"ALLOWED_ORIGINS=http://" + shop, "LP_DOMAIN_API=http://" + lp, "LP_TEST_DOMAIN=127.0.0.1",
		`<script async src="http://` + proxy + `/lpedge.js"`, "demo: starting lptest, the proxy and the shop...\n",
	} {
		if !strings.Contains(banner, want) {
			t.Errorf("the banner lacks %q:\n%s", want, banner)
		}
	}
	// Every address it prints opens: a GET answers 200, after redirects.
	urls := regexp.MustCompile(`https?://[^\s"'<>,)]+`).FindAllString(banner, -1)
	if len(urls) < 8 {
		t.Errorf("the banner names %d URLs: %q", len(urls), urls)
	}
	for _, u := range urls {
		res, err := http.Get(u)
		if err != nil {
			t.Fatal(err)
		}
		res.Body.Close()
		if res.StatusCode != 200 {
			t.Errorf("GET %s, printed by the demo: %d", u, res.StatusCode)
		}
	}
	cancel()
	select {
	case err := <-done:
		if err != nil || !strings.HasSuffix(out.String(), "demo: stopping\ndemo: stopped\n") {
			t.Errorf("run: %v, output %q", err, out.String())
		}
	case <-time.After(10 * time.Second):
		t.Fatal("run did not stop")
	}
	for _, u := range []string{"http://" + shop + "/", "http://" + proxy + "/healthz", "http://" + lp + "/lptest/"} {
		if res, err := http.Get(u); err == nil {
			res.Body.Close()
			t.Errorf("%s still answers after the demo stopped", u)
		}
	}
}

func TestRunErrors(t *testing.T) {
	busy, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer busy.Close()
	dir := tagDir(t)
	for _, c := range []struct {
		args []string
		want string
	}{
		{[]string{"-nope"}, "flag provided but not defined"},
		{[]string{"-tag", dir, "extra"}, `unexpected arguments ["extra"]`},
		{[]string{"-tag", t.TempDir()}, "no tag in"},
		{[]string{"-tag", dir, "-shop", busy.Addr().String(), "-proxy", freeAddr(t), "-lptest", freeAddr(t)}, "address already in use"},
	} {
		err := run(context.Background(), c.args, io.Discard, io.Discard)
		if err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("run %v: %v, want %q", c.args, err, c.want)
			continue
		}
		// What main prints names the command once ("demo: demo: " was
		// the demo package's prefix after main's).
		if line := errorLine(err); !strings.HasPrefix(line, "demo: ") || strings.Contains(line, "demo: demo:") {
			t.Errorf("run %v: main prints %q", c.args, line)
		}
	}
}

// TestProgress: a long step says, every interval, that it is still at
// work, and stops saying it when done.
func TestProgress(t *testing.T) {
	out := &syncbuf.Buffer{}
	done := progress(out, "demo: still building", time.Millisecond)
	for i := 0; strings.Count(out.String(), "\n") < 2; i++ {
		if i == 5000 {
			t.Fatalf("no progress: %q", out.String())
		}
		time.Sleep(time.Millisecond)
	}
	done()
	said := out.String()
	time.Sleep(10 * time.Millisecond)
	if out.String() != said {
		t.Errorf("progress went on after done: %q", out.String())
	}
	line := regexp.MustCompile(`^demo: still building \(\d+s\)\.\.\.$`)
	for _, l := range strings.Split(strings.TrimSuffix(said, "\n"), "\n") {
		if !line.MatchString(l) {
			t.Errorf("progress line %q", l)
		}
	}
}
