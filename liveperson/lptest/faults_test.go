package lptest_test

import (
	"encoding/json"
	"net/http"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/lpedge/lpedge/liveperson/connector"
	"github.com/lpedge/lpedge/liveperson/lptest"
	"github.com/lpedge/lpedge/liveperson/monitoring"
)

func TestFaultStatuses(t *testing.T) {
	srv := lptest.NewServer()
	defer srv.Close()
	app := srv.AppJWT(lptest.DefaultAccount, lptest.DefaultClientID)
	jws := srv.ConsumerJWS(lptest.DefaultAccount, "c")
	conv := []string{jsonCT, "Authorization: " + app, "X-LP-ON-BEHALF: " + jws}
	tokenURL, _ := connector.Endpoint{Scheme: "http", Domain: srv.Host(), Account: lptest.DefaultAccount}.TokenURL()
	tests := []struct {
		name   string
		route  lptest.Route
		fault  lptest.Fault
		call   func() (*http.Response, []byte)
		status int
		check  func(t *testing.T, res *http.Response, b []byte)
	}{
		{"report 503", lptest.RouteReport, lptest.Fault{Status: 503},
			func() (*http.Response, []byte) {
				return do(t, "POST", monURL(t, srv, monitoring.Report, "", ""), identified, jsonCT, "X-HTTP-Method-Override: PUT", "Origin: https://shop.example")
			}, 503,
			func(t *testing.T, res *http.Response, b []byte) {
				if e := monitoring.DecodeError(b); e == nil || e.InternalCode != monitoring.CodeInternal {
					t.Errorf("body %s", b)
				}
				if res.Header.Get("Access-Control-Allow-Origin") != "https://shop.example" || res.Header.Get("Content-Type") != lptest.MonitoringContentType {
					t.Errorf("headers %v", res.Header)
				}
				if d := monitoring.Classify(res.StatusCode, b, "", 0, time.Now().UnixMilli()); d.Outcome != monitoring.Retry {
					t.Errorf("a client would %v", d)
				}
			}},
		{"engagement 500", lptest.RouteEngagement, lptest.Fault{Status: 500},
			func() (*http.Response, []byte) {
				return do(t, "POST", monURL(t, srv, monitoring.Engagement, "", ""), `{}`, jsonCT)
			}, 500,
			func(t *testing.T, res *http.Response, b []byte) {
				if e := monitoring.DecodeError(b); e == nil || e.InternalCode != monitoring.CodeInternal {
					t.Errorf("body %s", b)
				}
			}},
		{"report 429 with Retry-After", lptest.RouteReport, lptest.Fault{Status: 429, RetryAfter: "7"},
			func() (*http.Response, []byte) {
				return do(t, "PUT", monURL(t, srv, monitoring.Report, "V", "S"), identified, jsonCT)
			}, 429,
			func(t *testing.T, res *http.Response, b []byte) {
				if d := monitoring.Classify(res.StatusCode, b, res.Header.Get("Retry-After"), 0, time.Now().UnixMilli()); d.Wait != 7000 {
					t.Errorf("a client would wait %d ms", d.Wait)
				}
			}},
		{"conversation 429", lptest.RouteConversation, lptest.Fault{Status: 429, RetryAfter: "1"},
			func() (*http.Response, []byte) {
				return do(t, "POST", connURL(srv, false), conversationBody(t, nil), conv...)
			}, 429,
			func(t *testing.T, res *http.Response, b []byte) {
				if res.Header.Get("Retry-After") != "1" || !strings.Contains(string(b), "Too many requests") {
					t.Errorf("%v %s", res.Header, b)
				}
			}},
		{"conversation 401", lptest.RouteConversation, lptest.Fault{Status: 401},
			func() (*http.Response, []byte) {
				return do(t, "POST", connURL(srv, false), conversationBody(t, nil), conv...)
			}, 401,
			func(t *testing.T, res *http.Response, b []byte) {
				checkAuthError(t, res.StatusCode, b, connector.ErrorInvalidAppJWT)
			}},
		{"consumer 401", lptest.RouteConsumer, lptest.Fault{Status: 401},
			func() (*http.Response, []byte) {
				return do(t, "POST", srv.URL+connector.ConsumerPath(lptest.DefaultAccount)+"?v=1.0", `{"ext_consumer_id":"c"}`, jsonCT, "Authorization: "+app)
			}, 401,
			func(t *testing.T, res *http.Response, b []byte) {
				checkAuthError(t, res.StatusCode, b, connector.ErrorInvalidAppJWT)
			}},
		{"send 503", lptest.RouteSend, lptest.Fault{Status: 503},
			func() (*http.Response, []byte) { return do(t, "POST", connURL(srv, true), `{}`, conv...) }, 503,
			func(t *testing.T, res *http.Response, b []byte) {
				if string(b) != "Service Unavailable\n" {
					t.Errorf("body %q", b)
				}
			}},
		{"token 500", lptest.RouteToken, lptest.Fault{Status: 500},
			func() (*http.Response, []byte) {
				return do(t, "POST", tokenURL, "client_id="+lptest.DefaultClientID+"&client_secret="+lptest.DefaultClientSecret, "Content-Type: "+connector.ContentTypeForm)
			}, 500, nil},
		{"domain 503", lptest.RouteDomain, lptest.Fault{Status: 503},
			func() (*http.Response, []byte) {
				return do(t, "GET", srv.URL+"/api/account/"+lptest.DefaultAccount+"/service/smt/baseURI.json?version=1.0", "")
			}, 503, nil},
		{"body override", lptest.RouteEngagement, lptest.Fault{Status: 502, Body: "<html>bad gateway</html>"},
			func() (*http.Response, []byte) {
				return do(t, "POST", monURL(t, srv, monitoring.Engagement, "", ""), `{}`, jsonCT)
			}, 502,
			func(t *testing.T, res *http.Response, b []byte) {
				if string(b) != "<html>bad gateway</html>" {
					t.Errorf("body %q", b)
				}
			}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			srv.SetFault(tt.route, tt.fault)
			res, b := tt.call()
			if res.StatusCode != tt.status {
				t.Fatalf("status %d %s, want %d", res.StatusCode, b, tt.status)
			}
			if tt.fault.RetryAfter != "" && res.Header.Get("Retry-After") != tt.fault.RetryAfter {
				t.Errorf("Retry-After %q", res.Header.Get("Retry-After"))
			}
			if tt.check != nil {
				tt.check(t, res, b)
			}
			if res, b = tt.call(); res.StatusCode == tt.status {
				t.Errorf("the fault outlived its count: %d %s", res.StatusCode, b)
			}
			calls := srv.Calls()
			if c := calls[len(calls)-2]; c.Route != tt.route || c.Fault != tt.fault.String() || c.Status != tt.status {
				t.Errorf("recorded %+v", c)
			}
		})
	}
}

func TestLoadingAccount(t *testing.T) {
	srv := lptest.NewServer()
	defer srv.Close()
	srv.SetFault(lptest.RouteEngagement, lptest.Fault{Status: 202})
	res, b := do(t, "POST", monURL(t, srv, monitoring.Engagement, "", ""), `{}`, jsonCT)
	e := monitoring.DecodeError(b)
	if res.StatusCode != 202 || e == nil || e.InternalCode != monitoring.CodeLoadingAccount || !strings.HasPrefix(e.Message, "Loading account: 12345678, vid: ") {
		t.Fatalf("%d %s", res.StatusCode, b)
	}
	if d := monitoring.Classify(res.StatusCode, b, "", 0, time.Now().UnixMilli()); d.Outcome != monitoring.Retry || d.Wait != 3000 {
		t.Errorf("a client would %+v", d)
	}
	vid := monitoring.LoadingAccountVisitorID(e.Message)
	if vid == "" {
		t.Fatalf("no vid in %q", e.Message)
	}
	// The retry with that vid gets it back, in a new session.
	if a := engagement(t, srv, vid, "", `{}`, 201); a.VisitorID != vid {
		t.Errorf("retry answered vid %q, want %q", a.VisitorID, vid)
	}
	// With a vid in the query, the message carries that one.
	srv.SetFault(lptest.RouteReport, lptest.Fault{Status: 202})
	_, b = do(t, "PUT", monURL(t, srv, monitoring.Report, vid, "S"), identified, jsonCT)
	if e = monitoring.DecodeError(b); e == nil || monitoring.LoadingAccountVisitorID(e.Message) != vid {
		t.Errorf("with vid: %s", b)
	}
	// API version 1.0 says it with a 500 and internal code 20.
	srv.SetFault(lptest.RouteReport, lptest.Fault{Status: 202})
	res, b = do(t, "PUT", srv.URL+monitoring.Path(lptest.DefaultAccount, lptest.DefaultApp, monitoring.Report)+"?v=1.0&vid="+vid, identified, jsonCT)
	if e = monitoring.DecodeError(b); res.StatusCode != 500 || e == nil || e.InternalCode != monitoring.CodeAccountNotLoaded || !strings.Contains(e.Message, "Loading account") {
		t.Errorf("v1.0: %d %s", res.StatusCode, b)
	}
}

func TestFaultCounts(t *testing.T) {
	srv := lptest.NewServer()
	defer srv.Close()
	statuses := func(n int) []int {
		var out []int
		for range n {
			res, _ := do(t, "POST", monURL(t, srv, monitoring.Engagement, "", ""), `{}`, jsonCT)
			out = append(out, res.StatusCode)
		}
		return out
	}
	srv.SetFault(lptest.RouteEngagement, lptest.Fault{Status: 503, Count: 2})
	if got := statuses(3); !slices.Equal(got, []int{503, 503, 201}) {
		t.Errorf("count 2: %v", got)
	}
	srv.SetFault(lptest.RouteEngagement, lptest.Fault{Status: 500, Count: lptest.Always})
	if got := statuses(4); !slices.Equal(got, []int{500, 500, 500, 500}) {
		t.Errorf("always: %v", got)
	}
	if f := srv.Faults()[lptest.RouteEngagement]; len(f) != 1 || f[0].Count != lptest.Always {
		t.Errorf("pending %+v", f)
	}
	srv.ClearFaults(lptest.RouteEngagement)
	if got := statuses(1); !slices.Equal(got, []int{201}) {
		t.Errorf("cleared: %v", got)
	}
	// Queued: 503, then loading account twice, then success.
	srv.AddFault(lptest.RouteEngagement, lptest.Fault{Status: 503})
	srv.AddFault(lptest.RouteEngagement, lptest.Fault{Status: 202, Count: 2})
	if f := srv.Faults()[lptest.RouteEngagement]; len(f) != 2 || f[1].Count != 2 {
		t.Errorf("pending %+v", f)
	}
	if got := statuses(4); !slices.Equal(got, []int{503, 202, 202, 201}) {
		t.Errorf("queued: %v", got)
	}
	// SetFault replaces the queue.
	srv.AddFault(lptest.RouteEngagement, lptest.Fault{Status: 503})
	srv.SetFault(lptest.RouteEngagement, lptest.Fault{Status: 500})
	if got := statuses(2); !slices.Equal(got, []int{500, 201}) {
		t.Errorf("replaced: %v", got)
	}
	// A preflight does not use up a fault.
	srv.SetFault(lptest.RouteReport, lptest.Fault{Status: 503})
	if res, _ := do(t, "OPTIONS", monURL(t, srv, monitoring.Report, "", ""), "", "Origin: https://a.example", "Access-Control-Request-Method: POST"); res.StatusCode != 200 {
		t.Errorf("preflight %d", res.StatusCode)
	}
	if res, _ := do(t, "PUT", monURL(t, srv, monitoring.Report, "", ""), identified, jsonCT); res.StatusCode != 503 {
		t.Errorf("after the preflight: %d", res.StatusCode)
	}
	// ClearFaults without routes clears all; Reset too.
	srv.SetFault(lptest.RouteToken, lptest.Fault{Status: 500})
	srv.SetFault(lptest.RouteSend, lptest.Fault{Status: 500})
	srv.ClearFaults()
	if f := srv.Faults(); len(f) != 0 {
		t.Errorf("after ClearFaults: %v", f)
	}
	srv.SetFault(lptest.RouteToken, lptest.Fault{Status: 500})
	srv.Reset()
	if f := srv.Faults(); len(f) != 0 || len(srv.Calls()) != 0 || len(srv.Visitors()) != 0 {
		t.Errorf("after Reset: %v, %d calls", f, len(srv.Calls()))
	}
}

func TestFaultDelayAndDrop(t *testing.T) {
	srv := lptest.NewServer()
	defer srv.Close()
	u := monURL(t, srv, monitoring.Engagement, "", "")

	// A short delay, then the normal answer.
	srv.SetFault(lptest.RouteEngagement, lptest.Fault{Delay: time.Millisecond})
	if res, b := do(t, "POST", u, `{}`, jsonCT); res.StatusCode != 201 {
		t.Errorf("after a delay: %d %s", res.StatusCode, b)
	}
	// A delay longer than the client waits: the client times out.
	srv.SetFault(lptest.RouteEngagement, lptest.Fault{Delay: time.Minute, Status: 500})
	impatient := &http.Client{Timeout: 100 * time.Millisecond}
	req, _ := http.NewRequest("POST", u, strings.NewReader(`{}`))
	req.Header.Set("Content-Type", "application/json")
	if res, err := impatient.Do(req); err == nil {
		res.Body.Close()
		t.Fatalf("a stalled call answered %d", res.StatusCode)
	}
	waitCall(t, srv, func(c lptest.Call) bool { return c.Fault == "delay 1m0s 500" && c.Status == 0 })

	// A dropped connection: no answer at all.
	srv.SetFault(lptest.RouteEngagement, lptest.Fault{Drop: true})
	req, _ = http.NewRequest("POST", u, strings.NewReader(`{}`))
	req.Header.Set("Content-Type", "application/json")
	if res, err := client.Do(req); err == nil {
		res.Body.Close()
		t.Fatalf("a dropped call answered %d", res.StatusCode)
	}
	waitCall(t, srv, func(c lptest.Call) bool { return c.Fault == "drop" && c.Status == 0 })
	if res, _ := do(t, "POST", u, `{}`, jsonCT); res.StatusCode != 201 {
		t.Errorf("after the drop: %d", res.StatusCode)
	}

	// A lost answer: the work is done (a visitor is made), the answer
	// never arrives.
	before := len(srv.Visitors())
	srv.SetFault(lptest.RouteEngagement, lptest.Fault{Lose: true})
	req, _ = http.NewRequest("POST", u, strings.NewReader(`{}`))
	req.Header.Set("Content-Type", "application/json")
	if res, err := client.Do(req); err == nil {
		res.Body.Close()
		t.Fatalf("a lost call answered %d", res.StatusCode)
	}
	waitCall(t, srv, func(c lptest.Call) bool { return c.Fault == "lose the answer" && c.Status == 201 })
	if after := len(srv.Visitors()); after != before+1 {
		t.Errorf("a lost call did no work: %d visitors, want %d", after, before+1)
	}

	// Close ends a stalled call at once.
	srv.SetFault(lptest.RouteEngagement, lptest.Fault{Delay: 5 * time.Minute})
	done := make(chan error, 1)
	go func() {
		req, _ := http.NewRequest("POST", u, strings.NewReader(`{}`))
		req.Header.Set("Content-Type", "application/json")
		res, err := client.Do(req)
		if err == nil {
			res.Body.Close()
		}
		done <- err
	}()
	for i := 0; len(srv.Faults()) > 0; i++ { // once the call has taken the fault, it is stalling
		if i == 10000 {
			t.Fatal("the call never reached the server")
		}
		time.Sleep(time.Millisecond)
	}
	srv.Close()
	select {
	case err := <-done:
		if err == nil {
			t.Error("the stalled call was answered")
		}
	case <-time.After(20 * time.Second):
		t.Fatal("Close left a stalled call hanging")
	}
}

// waitCall waits (boundedly) for a recorded call that matches: the server
// records a dropped or abandoned call after the client has seen it fail.
func waitCall(t *testing.T, srv *lptest.Server, match func(lptest.Call) bool) {
	t.Helper()
	for range 2000 {
		for _, c := range srv.Calls() {
			if match(c) {
				return
			}
		}
		time.Sleep(5 * time.Millisecond)
	}
	t.Fatalf("no matching call in %+v", srv.Calls())
}

func TestFaultPanics(t *testing.T) {
	srv := lptest.NewUnstartedServer()
	for name, f := range map[string]func(){
		"unknown route":   func() { srv.SetFault("nope", lptest.Fault{Status: 500}) },
		"other route":     func() { srv.SetFault(lptest.RouteOther, lptest.Fault{Status: 500}) },
		"empty fault":     func() { srv.SetFault(lptest.RouteReport, lptest.Fault{}) },
		"status 99":       func() { srv.AddFault(lptest.RouteReport, lptest.Fault{Status: 99}) },
		"drop and 500":    func() { srv.SetFault(lptest.RouteReport, lptest.Fault{Status: 500, Drop: true}) },
		"lose and 500":    func() { srv.SetFault(lptest.RouteReport, lptest.Fault{Status: 500, Lose: true}) },
		"drop and lose":   func() { srv.SetFault(lptest.RouteReport, lptest.Fault{Drop: true, Lose: true}) },
		"negative count":  func() { srv.SetFault(lptest.RouteReport, lptest.Fault{Status: 500, Count: -2}) },
		"header break":    func() { srv.SetFault(lptest.RouteReport, lptest.Fault{Status: 429, RetryAfter: "1\r\nX: y"}) },
		"body, no status": func() { srv.SetFault(lptest.RouteReport, lptest.Fault{Delay: time.Second, Body: "x"}) },
	} {
		t.Run(name, func(t *testing.T) {
			defer func() {
				if recover() == nil {
					t.Error("no panic")
				}
			}()
			f()
		})
	}
}

func TestFaultControlEndpoint(t *testing.T) {
	srv := lptest.NewServer()
	defer srv.Close()
	post := func(body string) (*http.Response, []byte) {
		return do(t, "POST", srv.URL+"/lptest/faults", body, jsonCT, "Origin: https://shop.example")
	}
	res, b := post(`{"route":"report","status":503,"count":2,"retryAfter":"5"}`)
	if res.StatusCode != 200 || res.Header.Get("Access-Control-Allow-Origin") != "*" {
		t.Fatalf("%d %s %v", res.StatusCode, b, res.Header)
	}
	if res, b = post(`{"route":"report","delay":"250ms","add":true}`); res.StatusCode != 200 ||
		!strings.Contains(string(b), `"status": 503`) || !strings.Contains(string(b), `"delay": "250ms"`) {
		t.Fatalf("add: %d %s", res.StatusCode, b)
	}
	want := []lptest.Fault{{Status: 503, Count: 2, RetryAfter: "5"}, {Delay: 250 * time.Millisecond, Count: 1}}
	if got := srv.Faults()[lptest.RouteReport]; len(got) != 2 || got[0] != want[0] || got[1] != want[1] {
		t.Errorf("pending %+v, want %+v", got, want)
	}
	res, b = do(t, "GET", srv.URL+"/lptest/faults", "")
	var listed map[string][]map[string]any
	if res.StatusCode != 200 || json.Unmarshal(b, &listed) != nil || len(listed["report"]) != 2 || listed["report"][1]["delay"] != "250ms" {
		t.Errorf("GET: %d %s", res.StatusCode, b)
	}
	res, b = do(t, "PUT", monURL(t, srv, monitoring.Report, "", ""), identified, jsonCT)
	if res.StatusCode != 503 || res.Header.Get("Retry-After") != "5" {
		t.Errorf("report under the fault: %d %v", res.StatusCode, res.Header)
	}
	post(`{"route":"token","status":500}`)
	if res, _ = do(t, "DELETE", srv.URL+"/lptest/faults?route=report", ""); res.StatusCode != 204 {
		t.Errorf("DELETE: %d", res.StatusCode)
	}
	if f := srv.Faults(); len(f) != 1 || f[lptest.RouteToken] == nil {
		t.Errorf("after DELETE ?route=report: %v", f)
	}
	if res, _ = do(t, "DELETE", srv.URL+"/lptest/faults?route=nope", ""); res.StatusCode != 400 {
		t.Errorf("DELETE unknown route: %d", res.StatusCode)
	}
	if res, _ = do(t, "DELETE", srv.URL+"/lptest/faults", ""); res.StatusCode != 204 || len(srv.Faults()) != 0 {
		t.Errorf("DELETE all: %d %v", res.StatusCode, srv.Faults())
	}
	for _, body := range []string{``, `{`, `{"route":"report"}`, `{"route":"x","status":500}`, `{"route":"report","status":500,"extra":1}`,
		`{"route":"report","delay":"soon"}`, `{"route":"report","status":500} {}`, `[]`} {
		if res, b := post(body); res.StatusCode != 400 || !strings.Contains(string(b), "fault") {
			t.Errorf("POST %s: %d %s", body, res.StatusCode, b)
		}
	}
	// A browser's preflight for the JSON POST passes.
	res, _ = do(t, "OPTIONS", srv.URL+"/lptest/faults", "", "Origin: https://shop.example", "Access-Control-Request-Method: POST",
		"Access-Control-Request-Headers: content-type")
	if res.StatusCode != 204 || !preflightPasses(res.Header, "*", "POST", "Content-Type") {
		t.Errorf("preflight: %d %v", res.StatusCode, res.Header)
	}
}

// TestFaultLoseEveryRoute: on every route, a lost call does its work and
// the client gets no answer; the work is then seen (a session, a token
// that works, an open conversation, a message).
func TestFaultLoseEveryRoute(t *testing.T) {
	srv := lptest.NewServer()
	defer srv.Close()
	ep := connector.Endpoint{Scheme: "http", Domain: srv.Host(), Account: lptest.DefaultAccount}
	tokenURL, _ := ep.TokenURL()
	consumerURL, _ := ep.ConsumerURL()
	app, jws := tokens(t, srv, "lose-c")
	vid := engagement(t, srv, "", "", `{}`, 201).VisitorID
	conv, convApp, convJWS := open(t, srv, "lose-s")
	sid := func() string { v, _ := srv.Visitor(vid); return v.Sessions[0].ID }()

	tests := []struct {
		route             lptest.Route
		method, url, body string
		header            []string
		status            int                                      // what LivePerson answered, recorded by the inspector
		done              func(t *testing.T, answer string) string // "" when the work is seen
	}{
		{route: lptest.RouteDomain, method: "GET", url: srv.URL + "/api/account/" + lptest.DefaultAccount + "/service/smt/baseURI.json?version=1.0",
			status: 200, done: func(_ *testing.T, answer string) string {
				if !strings.Contains(answer, `"baseURI":"`+srv.Host()+`"`) {
					return "the answer lost is " + answer
				}
				return ""
			}},
		{route: lptest.RouteEngagement, method: "POST", url: monURL(t, srv, monitoring.Engagement, "", ""), body: `{}`, header: []string{jsonCT},
			status: 201, done: func(t *testing.T, answer string) string {
				a, err := monitoring.DecodeAnswer([]byte(answer))
				if err != nil {
					return err.Error()
				}
				if _, ok := srv.Visitor(a.VisitorID); !ok {
					return "no visitor " + a.VisitorID
				}
				return ""
			}},
		{route: lptest.RouteReport, method: "PUT", url: monURL(t, srv, monitoring.Report, vid, sid), header: []string{jsonCT},
			body:   `{"engagementAttributes":[{"type":"cart","total":12.5,"numItems":1}]}`,
			status: 200, done: func(t *testing.T, _ string) string {
				v, _ := srv.Visitor(vid)
				if sdes := v.Sessions[0].SDEs; len(sdes) != 1 || sdes[0].Type() != "cart" {
					return "the session's SDEs are " + jsonOf(t, sdes)
				}
				return ""
			}},
		{route: lptest.RouteToken, method: "POST", url: tokenURL, header: []string{"Content-Type: " + connector.ContentTypeForm},
			body:   connector.TokenRequest{ClientID: lptest.DefaultClientID, ClientSecret: lptest.DefaultClientSecret}.Encode(),
			status: 200, done: func(t *testing.T, answer string) string {
				tok, err := connector.DecodeToken([]byte(answer))
				if err != nil {
					return err.Error()
				}
				if res, b := do(t, "POST", consumerURL, `{"ext_consumer_id":"x"}`, jsonCT, "Authorization: "+tok.AccessToken); res.StatusCode != 201 {
					return "the lost AppJWT does not work: " + string(b)
				}
				return ""
			}},
		{route: lptest.RouteConsumer, method: "POST", url: consumerURL, body: `{"ext_consumer_id":"lose-j"}`, header: []string{jsonCT, "Authorization: " + app},
			status: 201, done: func(t *testing.T, answer string) string {
				tok, err := connector.DecodeConsumerToken([]byte(answer))
				if err != nil {
					return err.Error()
				}
				if res, b := do(t, "POST", connURL(srv, false), conversationBody(t, nil), jsonCT, "Authorization: "+app, "X-LP-ON-BEHALF: "+tok.Token); res.StatusCode != 200 {
					return "the lost ConsumerJWS does not work: " + string(b)
				}
				return ""
			}},
		{route: lptest.RouteConversation, method: "POST", url: connURL(srv, false), body: conversationBody(t, nil),
			header: []string{jsonCT, "Authorization: " + app, "X-LP-ON-BEHALF: " + jws},
			status: 200, done: func(t *testing.T, answer string) string {
				id, err := connector.ReadConversation([]byte(answer), "2")
				if err != nil {
					return err.Error()
				}
				if c, ok := srv.Conversation(id); !ok || c.State != lptest.StateOpen || c.ConsumerID != "lose-c" {
					return "conversation " + id + " is not open for lose-c: " + jsonOf(t, c)
				}
				return ""
			}},
		{route: lptest.RouteSend, method: "POST", url: connURL(srv, true), header: []string{jsonCT, "Authorization: " + convApp, "X-LP-ON-BEHALF: " + convJWS},
			body:   messageBody(t, conv, "is it in stock?"),
			status: 200, done: func(t *testing.T, _ string) string {
				c, _ := srv.Conversation(conv)
				if len(c.Messages) != 1 || c.Messages[0].Text != "is it in stock?" {
					return "the conversation's messages are " + jsonOf(t, c.Messages)
				}
				return ""
			}},
	}
	if len(tests) != len(lptest.Routes) {
		t.Fatalf("%d cases for %d routes", len(tests), len(lptest.Routes))
	}
	for _, tt := range tests {
		t.Run(string(tt.route), func(t *testing.T) {
			before := srv.CallCount(tt.route)
			srv.SetFault(tt.route, lptest.Fault{Lose: true})
			req, err := http.NewRequest(tt.method, tt.url, strings.NewReader(tt.body))
			if err != nil {
				t.Fatal(err)
			}
			for _, h := range tt.header {
				k, v, _ := strings.Cut(h, ": ")
				req.Header.Set(k, v)
			}
			// A new connection: on a reused one, net/http would send a lost
			// GET again by itself.
			fresh := &http.Client{Timeout: client.Timeout, Transport: &http.Transport{DisableKeepAlives: true}}
			if res, err := fresh.Do(req); err == nil {
				res.Body.Close()
				t.Fatalf("a lost call answered %d", res.StatusCode)
			}
			if n := srv.CallCount(tt.route); n != before+1 {
				t.Errorf("%d calls of the route, want %d", n, before+1)
			}
			var lost lptest.Call
			waitCall(t, srv, func(c lptest.Call) bool {
				lost = c
				return c.Route == tt.route && c.Fault == "lose the answer"
			})
			if lost.Status != tt.status {
				t.Errorf("LivePerson's answer was %d, want %d: %s", lost.Status, tt.status, lost.Answer)
			}
			if msg := tt.done(t, lost.Answer); msg != "" {
				t.Error("the lost call did not do its work: " + msg)
			}
		})
	}
}

// messageBody is a SEND of a text message into conv.
func messageBody(t testing.TB, conv, text string) string {
	t.Helper()
	b, err := (&connector.Message{DialogID: conv, Text: text}).AppendJSON(nil)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

func jsonOf(t testing.TB, v any) string {
	t.Helper()
	b, err := json.Marshal(v)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}
