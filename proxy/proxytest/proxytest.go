// Package proxytest is the proxy's specification as a table of HTTP
// exchanges, and a runner that plays it against any running proxy: the
// native handler under httptest, or the Workers build in workerd. Both run
// against an lptest server, and the runner checks each answer and how
// many upstream calls it cost.
//
// A proxy under test must be configured with [Env] (its variables, for
// ConfigFromEnv or a Worker's bindings); [AssetCases] also need it to
// serve [StandInAssets]. [CheckCoalescing] checks concurrent duplicates.
//
//	lp := proxytest.NewLP()
//	defer lp.Close()
//	cfg, _ := proxy.ConfigFromEnv(func(k string) string { return proxytest.Env(lp)[k] })
//	h, _ := proxy.New(cfg)
//	srv := httptest.NewServer(h)
//	defer srv.Close()
//	proxytest.Run(t, srv.URL, lp, proxytest.Cases)
//
// Cases run in order against one proxy, whose caches carry over: the
// first cases find them cold, later ones warm, and a case that counts
// calls warms what it needs first. Before each case the runner resets lp
// (calls, visitors, conversations, faults; tokens stay valid).
package proxytest

import (
	"bufio"
	"crypto/rand"
	"encoding/hex"
	"io"
	"net"
	"net/http"
	"net/url"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/lpedge/lpedge/liveperson/lptest"
)

// Origins the cases use: Env allows Origin, not Foreign.
const (
	Origin  = "https://shop.example"
	Foreign = "https://evil.example"
)

// Upstream timing of a proxy under test: a stalled upstream call (a
// [lptest.Fault] Delay of StallDelay) outlasts UpstreamTimeout.
const (
	UpstreamTimeout = time.Second
	StallDelay      = 3 * time.Second
)

// Engagement is the lptest engagement the conversation cases open
// conversations for; it is offered to every visitor.
var Engagement = lptest.Engagement{Name: "proxytest", CampaignID: 1001, EngagementID: 2001}

// NewLP starts the lptest server the cases expect: the default account,
// app and client, and [Engagement].
func NewLP(opts ...lptest.Option) *lptest.Server {
	return lptest.NewServer(append([]lptest.Option{lptest.WithEngagement(Engagement)}, opts...)...)
}

// Env returns the environment of a proxy under test against lp: lp's
// account, app and client, its Domain API over loopback http, 127.0.0.1 as
// the test domain, [Origin] allowed, rate limiting off and a short
// upstream timeout.
func Env(lp *lptest.Server) map[string]string {
	return map[string]string{
		"LP_ACCOUNT_ID":          lptest.DefaultAccount,
		"LP_APP_INSTALLATION_ID": lptest.DefaultApp,
		"LP_CLIENT_ID":           lptest.DefaultClientID,
		"LP_CLIENT_SECRET":       lptest.DefaultClientSecret,
		"LP_DOMAIN_API":          lp.URL,
		"LP_TEST_DOMAIN":         "127.0.0.1",
		"ALLOWED_ORIGINS":        Origin,
		"RATE_LIMIT":             "0",
		"LP_UPSTREAM_TIMEOUT":    UpstreamTimeout.String(),
		"LP_REQUEST_TIMEOUT":     "10s",
	}
}

// A Case is a named sequence of exchanges with one lptest setup.
type Case struct {
	Name  string
	Setup func(lp *lptest.Server) // faults to inject after the reset; nil for none
	Steps []Step
}

// A Step is one request and what its answer must be. Path, Body and
// Header values may name captured values as {{name}}; {{run}} is a random
// id per Run, so consumer ids differ between runs against one lptest.
type Step struct {
	Name string
	// Setup runs just before the request: faults for this step only.
	Setup  func(lp *lptest.Server)
	Method string // POST when empty
	Path   string
	Header map[string]string // Origin is Origin unless given ("" sends none)
	Body   string
	// Sign, when set, returns headers to add, computed over the body as
	// sent ({{name}} placeholders filled in): a webhook's signature.
	// Header entries win over them.
	Sign func(body []byte) map[string]string
	// Raw, when set, is sent as is over TCP instead (for what net/http
	// refuses to send, like a CR in a header); Method, Path, Header and
	// Body are unused. "\n" is sent as "\r\n".
	Raw  string
	Want Want
}

// Want is what a step's answer must be.
type Want struct {
	Status int
	// Body is a regular expression the answer body must match ({{name}}
	// placeholders are replaced, quoted, first).
	Body string
	// Header maps header names to regular expressions their values must
	// match; "^$" requires the header to be absent.
	Header map[string]string
	// Calls are the upstream calls the step must cost, per lptest route;
	// routes not listed must see none. nil skips the check; an empty map
	// means no upstream call at all.
	Calls map[lptest.Route]int
	// Upstream, when set, checks the calls the step made (their method,
	// query, headers and bodies); it returns a description of what is
	// wrong, or "". expand fills in {{name}} placeholders.
	Upstream func(calls []lptest.Call, expand func(string) string) string
	// Capture names values for later steps: a regular expression with one
	// group, matched against the body.
	Capture map[string]string
	// CaptureHeader names header values for later steps: name -> header.
	CaptureHeader map[string]string
}

// Run plays cases against the proxy at baseURL, which must be configured
// with Env(lp). Each case is a subtest.
func Run(t *testing.T, baseURL string, lp *lptest.Server, cases []Case) {
	t.Helper()
	vars := map[string]string{"run": newRunID()}
	client := &http.Client{Timeout: 30 * time.Second}
	for _, c := range cases {
		t.Run(c.Name, func(t *testing.T) {
			lp.Reset()
			if c.Setup != nil {
				c.Setup(lp)
			}
			for i, s := range c.Steps {
				name := s.Name
				if name == "" {
					name = "step " + strconv.Itoa(i+1)
				}
				if !runStep(t, client, baseURL, lp, s, vars) {
					t.Fatalf("%s: stopping the case", name)
				}
			}
		})
	}
}

func newRunID() string {
	b := make([]byte, 6)
	rand.Read(b)
	return hex.EncodeToString(b)
}

var placeholder = regexp.MustCompile(`\{\{([a-zA-Z0-9_]+)\}\}`)

func expand(s string, vars map[string]string, quote func(string) string) string {
	return placeholder.ReplaceAllStringFunc(s, func(m string) string {
		v, ok := vars[m[2:len(m)-2]]
		if !ok {
			return m
		}
		return quote(v)
	})
}

func same(s string) string { return s }

// runStep sends one request and checks its answer; false stops the case.
func runStep(t *testing.T, client *http.Client, baseURL string, lp *lptest.Server, s Step, vars map[string]string) bool {
	t.Helper()
	label := s.Name
	if label == "" {
		label = s.Method + " " + s.Path
	}
	if s.Setup != nil {
		s.Setup(lp)
	}
	seq := len(lp.Calls())
	before := countCalls(lp)
	var resp *http.Response
	var err error
	if s.Raw != "" {
		resp, err = sendRaw(baseURL, expand(s.Raw, vars, same))
	} else {
		resp, err = send(client, baseURL, s, vars)
	}
	if err != nil {
		t.Errorf("%s: %v", label, err)
		return false
	}
	body, err := io.ReadAll(resp.Body)
	resp.Body.Close()
	if err != nil {
		t.Errorf("%s: reading the answer: %v", label, err)
		return false
	}
	ok := true
	if resp.StatusCode != s.Want.Status {
		t.Errorf("%s: status %d, want %d; body %s", label, resp.StatusCode, s.Want.Status, body)
		ok = false
	}
	if s.Want.Body != "" {
		re, err := regexp.Compile(expand(s.Want.Body, vars, regexp.QuoteMeta))
		if err != nil {
			t.Fatalf("%s: bad Want.Body: %v", label, err)
		}
		if !re.Match(body) {
			t.Errorf("%s: body %s does not match %s", label, body, re)
			ok = false
		}
	}
	for name, pattern := range s.Want.Header {
		re := regexp.MustCompile(expand(pattern, vars, regexp.QuoteMeta))
		if v := resp.Header.Get(name); !re.MatchString(v) {
			t.Errorf("%s: header %s is %q, want a match of %s", label, name, v, re)
			ok = false
		}
	}
	for name, pattern := range s.Want.Capture {
		m := regexp.MustCompile(pattern).FindSubmatch(body)
		if m == nil {
			t.Errorf("%s: nothing to capture as %s with %s in %s", label, name, pattern, body)
			return false
		}
		vars[name] = string(m[1])
	}
	for name, header := range s.Want.CaptureHeader {
		vars[name] = resp.Header.Get(header)
	}
	if s.Want.Calls != nil && !checkCalls(t, label, lp, before, s.Want.Calls) {
		ok = false
	}
	if s.Want.Upstream != nil {
		fill := func(s string) string { return expand(s, vars, same) }
		if problem := s.Want.Upstream(lp.Calls()[seq:], fill); problem != "" {
			t.Errorf("%s: upstream calls: %s", label, problem)
			ok = false
		}
	}
	return ok
}

func send(client *http.Client, baseURL string, s Step, vars map[string]string) (*http.Response, error) {
	method := s.Method
	if method == "" {
		method = http.MethodPost
	}
	var body io.Reader
	raw := expand(s.Body, vars, same)
	if s.Body != "" {
		body = strings.NewReader(raw)
	}
	req, err := http.NewRequest(method, baseURL+expand(s.Path, vars, same), body)
	if err != nil {
		return nil, err
	}
	req.Header.Set("Origin", Origin)
	if s.Body != "" {
		req.Header.Set("Content-Type", "application/json")
	}
	if s.Sign != nil {
		for k, v := range s.Sign([]byte(raw)) {
			req.Header.Set(k, v)
		}
	}
	for k, v := range s.Header {
		if v == "" {
			req.Header.Del(k)
		} else {
			req.Header.Set(k, expand(v, vars, same))
		}
	}
	return client.Do(req)
}

// sendRaw writes a request over a new connection and reads one answer.
func sendRaw(baseURL, raw string) (*http.Response, error) {
	u, err := url.Parse(baseURL)
	if err != nil {
		return nil, err
	}
	conn, err := net.DialTimeout("tcp", u.Host, 5*time.Second)
	if err != nil {
		return nil, err
	}
	conn.SetDeadline(time.Now().Add(10 * time.Second))
	raw = strings.ReplaceAll(raw, "{{host}}", u.Host)
	if _, err := io.WriteString(conn, strings.ReplaceAll(raw, "\n", "\r\n")); err != nil {
		conn.Close()
		return nil, err
	}
	resp, err := http.ReadResponse(bufio.NewReader(conn), nil)
	if err != nil {
		conn.Close()
		return nil, err
	}
	resp.Body = struct {
		io.Reader
		io.Closer
	}{resp.Body, conn}
	return resp, nil
}

func countCalls(lp *lptest.Server) map[lptest.Route]int {
	n := map[lptest.Route]int{}
	for _, c := range lp.Calls() {
		n[c.Route]++
	}
	return n
}

// checkCalls compares the calls made since before with want. A stalled
// call is recorded when the proxy gives up on it, which may come just
// after the proxy answers, so a shortfall is looked at again for a while.
func checkCalls(t *testing.T, label string, lp *lptest.Server, before, want map[lptest.Route]int) bool {
	t.Helper()
	var got map[lptest.Route]int
	for wait := 0; ; wait++ {
		got = map[lptest.Route]int{}
		for r, n := range countCalls(lp) {
			if d := n - before[r]; d != 0 {
				got[r] = d
			}
		}
		short := false
		for r, n := range want {
			if got[r] < n {
				short = true
			}
		}
		if !short || wait == 100 {
			break
		}
		time.Sleep(20 * time.Millisecond)
	}
	ok := true
	for _, r := range append(slices.Clone(lptest.Routes), lptest.RouteOther) {
		if got[r] != want[r] {
			t.Errorf("%s: %d upstream %s calls, want %d (all: %v)", label, got[r], r, want[r], got)
			ok = false
		}
	}
	return ok
}
