//go:build !js

package main

import (
	"io"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/lpedge/lpedge/proxy/proxytest"
)

// runAsProxy makes the test binary run the command instead of the tests
// when TestRestartWithState starts it as a child process.
const runAsProxy = "LPEDGE_TEST_RUN_PROXY"

func TestMain(m *testing.M) {
	if os.Getenv(runAsProxy) == "1" {
		main()
		return
	}
	os.Exit(m.Run())
}

// TestRestartWithState is the measured bug, as a user meets it: create a
// conversation with an Idempotency-Key, restart the lpedge-proxy process,
// retry the key. With STATE_FILE the retry gets the first answer and
// LivePerson is not called. Without a state file the retry opened a
// second conversation, or got 409 while the first was open. (The open
// conversation and the events across a restart: TestRestartStateFile in
// package proxy, which has webhooks.)
func TestRestartWithState(t *testing.T) {
	lp := proxytest.NewLP()
	defer lp.Close()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := ln.Addr().String()
	ln.Close() // the child listens there
	env := os.Environ()
	for k, v := range proxytest.Env(lp) {
		env = append(env, k+"="+v)
	}
	env = append(env, runAsProxy+"=1", "LISTEN_ADDR="+addr, "LOG_LEVEL=warn",
		"STATE_FILE="+filepath.Join(t.TempDir(), "state.db"))
	base := "http://" + addr
	start := func() *exec.Cmd {
		cmd := exec.Command(os.Args[0])
		cmd.Env = env
		cmd.Stderr = os.Stderr
		if err := cmd.Start(); err != nil {
			t.Fatal(err)
		}
		for deadline := time.Now().Add(20 * time.Second); ; time.Sleep(20 * time.Millisecond) {
			if resp, err := http.Get(base + "/healthz"); err == nil {
				resp.Body.Close()
				return cmd
			}
			if time.Now().After(deadline) {
				cmd.Process.Kill()
				cmd.Wait()
				t.Fatal("the proxy did not start")
			}
		}
	}
	stop := func(cmd *exec.Cmd) {
		cmd.Process.Signal(syscall.SIGTERM)
		if err := cmd.Wait(); err != nil {
			t.Errorf("the proxy exited with %v", err)
		}
	}
	post := func(path, body, key string) (int, string) {
		req, _ := http.NewRequest("POST", base+path, strings.NewReader(body))
		req.Header.Set("Origin", proxytest.Origin)
		req.Header.Set("Content-Type", "application/json")
		if key != "" {
			req.Header.Set("Idempotency-Key", key)
		}
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		b, _ := io.ReadAll(resp.Body)
		return resp.StatusCode, string(b)
	}
	member := proxytest.Member

	cmd := start()
	_, eng := post("/v1/engagement", `{"entryPoints":["https://shop.example/"],"engagementAttributes":[]}`, "")
	create := `{"consumerId":"restart","visitorId":"` + member(eng, "visitorId") + `","sessionId":"` + member(eng, "sessionId") +
		`","campaignId":"1001","engagementId":"2001","contextId":"` + member(eng, "contextId") + `"}`
	status, first := post("/v1/conversations", create, "k1")
	if status != http.StatusCreated {
		t.Fatalf("create: %d %s", status, first)
	}
	stop(cmd)

	cmd = start()
	defer stop(cmd)
	calls := len(lp.Calls())
	if status, again := post("/v1/conversations", create, "k1"); status != http.StatusCreated || again != first {
		t.Errorf("the retry after the restart: %d %s, want %s", status, again, first)
	}
	if n := len(lp.Calls()) - calls; n != 0 {
		t.Errorf("the retry after the restart made %d upstream calls, want 0", n)
	}
	if n := len(lp.Conversations()); n != 1 {
		t.Errorf("%d conversations upstream, want 1", n)
	}
}
