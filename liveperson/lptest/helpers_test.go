package lptest_test

import (
	"io"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/lpedge/lpedge/liveperson/connector"
	"github.com/lpedge/lpedge/liveperson/lptest"
	"github.com/lpedge/lpedge/liveperson/monitoring"
)

// client bounds every test request: a hung server fails the test instead
// of hanging it.
var client = &http.Client{Timeout: 30 * time.Second}

// do sends one request; header is "Name: value" lines.
func do(t testing.TB, method, url string, body string, header ...string) (*http.Response, []byte) {
	t.Helper()
	req, err := http.NewRequest(method, url, strings.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	for _, h := range header {
		k, v, ok := strings.Cut(h, ": ")
		if !ok {
			t.Fatalf("bad header %q", h)
		}
		req.Header.Add(k, v)
	}
	res, err := client.Do(req)
	if err != nil {
		t.Fatalf("%s %s: %v", method, url, err)
	}
	defer res.Body.Close()
	b, err := io.ReadAll(res.Body)
	if err != nil {
		t.Fatal(err)
	}
	return res, b
}

// monURL is a Monitoring method's URL on srv for the default account/app.
func monURL(t testing.TB, srv *lptest.Server, m monitoring.Method, vid, sid string) string {
	t.Helper()
	c := monitoring.Call{Scheme: "http", Domain: srv.Host(), Account: lptest.DefaultAccount, App: lptest.DefaultApp,
		VisitorID: vid, SessionID: sid}
	u, err := c.URL(m)
	if err != nil {
		t.Fatal(err)
	}
	return u
}

const jsonCT = "Content-Type: application/json"

// identified is a report body with an identity and one valid SDE.
const identified = `{"identities":[{"iss":"https://shop.example","acr":"loa1","sub":"c0ffee"}],` +
	`"engagementAttributes":[{"type":"cart","total":12.5,"numItems":1}]}`

// report sends a report as a browser does (POST + override) and returns
// the answer, failing unless the status is want.
func report(t testing.TB, srv *lptest.Server, vid, sid, body string, want int) *monitoring.Answer {
	t.Helper()
	res, b := do(t, "POST", monURL(t, srv, monitoring.Report, vid, sid), body, jsonCT, "X-HTTP-Method-Override: PUT")
	return answerOf(t, res, b, want)
}

// engagement sends an engagement call and returns the answer.
func engagement(t testing.TB, srv *lptest.Server, vid, sid, body string, want int) *monitoring.Answer {
	t.Helper()
	res, b := do(t, "POST", monURL(t, srv, monitoring.Engagement, vid, sid), body, jsonCT)
	return answerOf(t, res, b, want)
}

func answerOf(t testing.TB, res *http.Response, b []byte, want int) *monitoring.Answer {
	t.Helper()
	if res.StatusCode != want {
		t.Fatalf("status %d, want %d: %s", res.StatusCode, want, b)
	}
	a, err := monitoring.DecodeAnswer(b)
	if err != nil {
		t.Fatalf("answer %s: %v", b, err)
	}
	return a
}

// tokens gets an AppJWT and a ConsumerJWS through Sentinel and IDP.
func tokens(t testing.TB, srv *lptest.Server, consumer string) (appJWT, consumerJWS string) {
	t.Helper()
	ep := connector.Endpoint{Scheme: "http", Domain: srv.Host(), Account: lptest.DefaultAccount}
	u, err := ep.TokenURL()
	if err != nil {
		t.Fatal(err)
	}
	body := connector.TokenRequest{ClientID: lptest.DefaultClientID, ClientSecret: lptest.DefaultClientSecret}.Encode()
	res, b := do(t, "POST", u, body, "Content-Type: "+connector.ContentTypeForm)
	if res.StatusCode != 200 {
		t.Fatalf("token: %d %s", res.StatusCode, b)
	}
	tok, err := connector.DecodeToken(b)
	if err != nil {
		t.Fatal(err)
	}
	if u, err = ep.ConsumerURL(); err != nil {
		t.Fatal(err)
	}
	res, b = do(t, "POST", u, `{"ext_consumer_id":"`+consumer+`"}`, jsonCT, "Authorization: "+tok.AccessToken)
	if res.StatusCode != 201 {
		t.Fatalf("consumer: %d %s", res.StatusCode, b)
	}
	jws, err := connector.DecodeConsumerToken(b)
	if err != nil {
		t.Fatal(err)
	}
	return tok.AccessToken, jws.Token
}

// conversationBody is a valid CONVERSATION batch for the default account.
func conversationBody(t testing.TB, edit func(*connector.Conversation)) string {
	t.Helper()
	c, _ := connector.NewConversation(lptest.DefaultAccount, nil)
	if edit != nil {
		edit(c)
	}
	b, err := c.AppendJSON(nil)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

func connURL(srv *lptest.Server, send bool) string {
	p := connector.ConversationPath(lptest.DefaultAccount)
	if send {
		p = connector.SendPath(lptest.DefaultAccount)
	}
	return srv.URL + p + "?v=3"
}

// open opens a conversation for consumer and returns its id and tokens.
func open(t testing.TB, srv *lptest.Server, consumer string) (id, appJWT, consumerJWS string) {
	t.Helper()
	appJWT, consumerJWS = tokens(t, srv, consumer)
	res, b := do(t, "POST", connURL(srv, false), conversationBody(t, nil), jsonCT,
		"Authorization: "+appJWT, "X-LP-ON-BEHALF: "+consumerJWS)
	if res.StatusCode != 200 {
		t.Fatalf("CONVERSATION: %d %s", res.StatusCode, b)
	}
	id, err := connector.ReadConversation(b, "2")
	if err != nil {
		t.Fatal(err)
	}
	return id, appJWT, consumerJWS
}

// fakeClock is a clock tests move by hand.
type fakeClock struct {
	ch chan time.Time // holds the time; a channel so that the race detector sees no shared variable
}

func newFakeClock() *fakeClock {
	c := &fakeClock{ch: make(chan time.Time, 1)}
	c.ch <- time.Date(2026, 3, 14, 9, 26, 53, 0, time.UTC)
	return c
}

func (c *fakeClock) Now() time.Time { t := <-c.ch; c.ch <- t; return t }

func (c *fakeClock) Add(d time.Duration) { t := <-c.ch; c.ch <- t.Add(d) }
