package lptest

import (
	"errors"
	"net/http/httptest"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/golang-jwt/jwt/v5"

	"github.com/lpedge/lpedge/internal/jsonv"
	"github.com/lpedge/lpedge/liveperson"
	"github.com/lpedge/lpedge/liveperson/connector"
	"github.com/lpedge/lpedge/liveperson/monitoring"
)

func TestDecodeFaultRequest(t *testing.T) {
	tests := []struct {
		body  string
		route Route
		fault Fault
		add   bool
		err   string // the error contains it; "" for success
	}{
		{body: `{"route":"report","status":503}`, route: RouteReport, fault: Fault{Status: 503}},
		{body: `{"route":"send","status":429,"count":3,"retryAfter":"5","add":true}`, route: RouteSend, fault: Fault{Status: 429, Count: 3, RetryAfter: "5"}, add: true},
		{body: `{"route":"token","delay":"1.5s"}`, route: RouteToken, fault: Fault{Delay: 1500 * time.Millisecond}},
		{body: `{"route":"domain","drop":true,"count":-1}`, route: RouteDomain, fault: Fault{Drop: true, Count: Always}},
		{body: `{"route":"engagement","status":502,"body":"<html>"}`, route: RouteEngagement, fault: Fault{Status: 502, Body: "<html>"}},
		{body: ``, err: "EOF"},
		{body: `null`, err: "route"},
		{body: `{"route":"report"}`, err: "does nothing"},
		{body: `{"route":"other","status":500}`, err: "not one of"},
		{body: `{"status":500}`, err: "not one of"},
		{body: `{"route":"report","status":"500"}`, err: "status"},
		{body: `{"route":"report","status":700}`, err: "between 200 and 599"},
		{body: `{"route":"report","status":500,"count":-5}`, err: "negative"},
		{body: `{"route":"report","delay":"-1s"}`, err: "delay"},
		{body: `{"route":"report","delay":"2h"}`, err: "delay"},
		{body: `{"route":"report","delay":"soon"}`, err: "delay"},
		{body: `{"route":"report","delay":5}`, err: "delay"},
		{body: `{"route":"report","drop":true,"status":500}`, err: "no status"},
		{body: `{"route":"report","delay":"1s","body":"x"}`, err: "needs a status"},
		{body: `{"route":"report","status":429,"retryAfter":"1\n2"}`, err: "header value"},
		{body: `{"route":"report","status":500,"x":1}`, err: "unknown field"},
		{body: `{"route":"report","status":500}{}`, err: "more after it"},
		{body: `[{"route":"report","status":500}]`, err: "cannot unmarshal"},
	}
	for _, tt := range tests {
		route, f, add, err := decodeFaultRequest([]byte(tt.body))
		if tt.err != "" {
			if err == nil || !strings.Contains(err.Error(), tt.err) {
				t.Errorf("%s: err %v, want one with %q", tt.body, err, tt.err)
			}
			continue
		}
		if err != nil || route != tt.route || f != tt.fault || add != tt.add {
			t.Errorf("%s: %q %+v %v %v, want %q %+v %v", tt.body, route, f, add, err, tt.route, tt.fault, tt.add)
		}
	}
}

func FuzzDecodeFaultRequest(f *testing.F) {
	for _, s := range []string{`{"route":"report","status":503,"count":2,"retryAfter":"5"}`, `{"route":"token","delay":"1.5s","add":true}`,
		`{"route":"send","drop":true}`, `{"route":"report","status":500,"body":"x"}`, `{`, `[]`} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		route, fault, _, err := decodeFaultRequest(data)
		if err != nil {
			return
		}
		// Whatever it accepts, SetFault accepts.
		if checkRoute(route) != nil || fault.check() != nil {
			t.Fatalf("accepted %q: %q %+v", data, route, fault)
		}
		s := NewUnstartedServer()
		s.SetFault(route, fault)
		if got := s.Faults()[route]; len(got) != 1 {
			t.Fatalf("%q: pending %+v", data, got)
		}
	})
}

func FuzzDecodeMonitoringBody(f *testing.F) {
	for _, s := range []string{identifiedBody, `{"consumerId":"c","engagementAttributes":[]}`,
		`{"clientProperties":{"os":"MAC_OSX","ipAddress":"10.0.0.1"},"entryPoints":["sec://a"]}`,
		`{"consumerId":null,"clientProperties":null}`, `{"engagementAttributes":[{"type":"impDisplay","campaign":1,"engId":2}]}`, `[`} {
		f.Add([]byte(s), true)
		f.Add([]byte(s), false)
	}
	f.Fuzz(func(t *testing.T, data []byte, isReport bool) {
		m := monitoring.Engagement
		if isReport {
			m = monitoring.Report
		}
		req, consumerID, err := decodeMonitoringBody(data, m)
		if err != nil {
			return
		}
		// What it accepts is a valid request: written out, it decodes again.
		again, err := monitoring.DecodeRequest(req.AppendJSON(nil), monitoring.DecodeOptions{Method: m})
		if err != nil || len(again.SDEs) != len(req.SDEs) {
			t.Fatalf("%q accepted as %+v, which does not decode again: %v", data, req, err)
		}
		if consumerID != "" && !strings.Contains(string(data), "consumerId") {
			t.Fatalf("%q: consumerId %q from nowhere", data, consumerID)
		}
	})
}

const identifiedBody = `{"identities":[{"iss":"https://shop.example","acr":"loa1","sub":"c0ffee"}],` +
	`"engagementAttributes":[{"type":"cart","total":12.5,"numItems":1}]}`

func TestReqIDAt(t *testing.T) {
	errAt := func(path string) error { return &liveperson.ValidationError{Index: -1, Field: path, Problem: "x"} }
	batch := `[{"kind":"req","id":"p1","type":"a"},{"kind":"req","id":7,"type":"b"}]`
	tests := []struct {
		body string
		err  error
		want string
	}{
		{batch, errAt("$[0].type"), "p1"},
		{batch, errAt("$[1].body.brandId"), "7"},
		{batch, errAt("$[2].body"), ""},
		{batch, errAt("$[x]"), ""},
		{batch, errAt("$"), ""},
		{`{"kind":"req","id":"s1"}`, errAt("$.body.dialogId"), "s1"},
		{`{`, errAt("$.body"), ""},
		{batch, errors.New("plain"), ""},
	}
	for _, tt := range tests {
		if got := reqIDAt([]byte(tt.body), tt.err); got != tt.want {
			t.Errorf("reqIDAt(%s, %v) = %q, want %q", tt.body, tt.err, got, tt.want)
		}
	}
}

func FuzzReqIDAt(f *testing.F) {
	f.Add([]byte(`[{"id":"a"},{"id":2}]`), "$[1].body")
	f.Add([]byte(`{"id":"s"}`), "$.body")
	f.Fuzz(func(t *testing.T, body []byte, path string) {
		id := reqIDAt(body, &liveperson.ValidationError{Index: -1, Field: path})
		if id != "" && !strings.Contains(string(body), "id") {
			t.Fatalf("id %q from %q", id, body)
		}
	})
}

// TestAppJWTMissingClaims needs tokens signed with lptest's key.
func TestAppJWTMissingClaims(t *testing.T) {
	s := NewUnstartedServer()
	now := s.now()
	full := jwt.MapClaims{"aud": DefaultAccount, "azp": DefaultClientID, "scope": AppJWTScope, "iss": AppJWTIssuer,
		"exp": now.Add(time.Hour).Unix(), "iat": now.Unix()}
	without := func(keys ...string) jwt.MapClaims {
		c := jwt.MapClaims{}
		for k, v := range full {
			c[k] = v
		}
		for _, k := range keys {
			delete(c, k)
		}
		return c
	}
	with := func(k string, v any) jwt.MapClaims { c := without(); c[k] = v; return c }
	tests := []struct {
		name   string
		claims jwt.MapClaims
		code   int // 0: accepted
	}{
		{"all claims", full, 0},
		{"iss lower case", with("iss", "sentinel"), 0},
		{"no aud", without("aud"), connector.ErrorMissingBrandID},
		{"no azp", without("azp"), connector.ErrorMissingBrandID},
		{"no scope", without("scope"), connector.ErrorMissingBrandID},
		{"no iss", without("iss"), connector.ErrorMissingBrandID},
		{"another iss", with("iss", "Someone"), connector.ErrorMissingBrandID},
		{"no exp", without("exp"), connector.ErrorMissingBrandID},
		{"another scope", with("scope", "msg.agent"), connector.ErrorInvalidAppJWT},
		{"issued in the future", with("iat", now.Add(time.Hour).Unix()), connector.ErrorInvalidAppJWT},
		{"expired", with("exp", now.Add(-time.Second).Unix()), connector.ErrorInvalidAppJWT},
		{"not yet valid", with("nbf", now.Add(time.Minute).Unix()), connector.ErrorInvalidAppJWT},
		{"aud list of another", with("aud", []any{"other"}), connector.ErrorMissingBrandID},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := httptest.NewRequest("POST", "/", nil)
			r.Header.Set("Authorization", sign(tt.claims, now))
			claims, fail := s.checkAppJWT(r, DefaultAccount)
			if tt.code == 0 {
				if fail != nil || claims.app != DefaultClientID {
					t.Fatalf("refused: %s", failBody(fail))
				}
				return
			}
			if fail == nil {
				t.Fatal("accepted")
			}
			e, err := connector.DecodeAuthError(fail.body)
			if err != nil || e.ErrorCode != tt.code || fail.status != e.Status {
				t.Errorf("%d %s, want errorCode %d", fail.status, fail.body, tt.code)
			}
		})
	}
	// An HS256 token made with the public key as the HMAC secret (the
	// classic algorithm confusion) is refused.
	hs, err := jwt.NewWithClaims(jwt.SigningMethodHS256, full).SignedString(jsonv.Append(nil, "k"))
	if err != nil {
		t.Fatal(err)
	}
	r := httptest.NewRequest("POST", "/", nil)
	r.Header.Set("Authorization", hs)
	if _, fail := s.checkAppJWT(r, DefaultAccount); fail == nil {
		t.Error("an HS256 token was accepted")
	}
}

func failBody(a *answer) string {
	if a == nil {
		return "<nil>"
	}
	return string(a.body)
}

func FuzzCheckTokens(f *testing.F) {
	s := NewUnstartedServer()
	f.Add(s.AppJWT(DefaultAccount, DefaultClientID), s.ConsumerJWS(DefaultAccount, "c"))
	f.Add("a.b.c", "x")
	f.Add("", "")
	f.Fuzz(func(t *testing.T, app, consumer string) {
		r := httptest.NewRequest("POST", "/", nil)
		r.Header["Authorization"] = []string{app}
		r.Header["X-Lp-On-Behalf"] = []string{consumer}
		if c, fail := s.checkAppJWT(r, DefaultAccount); fail == nil && c.app != DefaultClientID {
			t.Fatalf("accepted AppJWT %q for %q", app, c.app)
		} else if fail != nil {
			if _, err := connector.DecodeAuthError(fail.body); err != nil {
				t.Fatalf("AppJWT %q: failure body %s: %v", app, fail.body, err)
			}
		}
		if c, fail := s.checkConsumerJWS(r, DefaultAccount); fail == nil && c.lp != LPConsumerID(DefaultAccount, c.ext) {
			t.Fatalf("accepted ConsumerJWS %q as %+v", consumer, c)
		}
	})
}

func TestCallLogKeepsNewest(t *testing.T) {
	s := NewUnstartedServer()
	r := httptest.NewRequest("GET", "/api/account/1/service/smt/baseURI.json", nil)
	for i := range MaxCalls + 5 {
		s.record(RouteDomain, r, []byte(strconv.Itoa(i)), answer{status: 200}, nil)
	}
	calls := s.Calls()
	if len(calls) != MaxCalls {
		t.Fatalf("kept %d calls, want %d", len(calls), MaxCalls)
	}
	if first, last := calls[0].Body, calls[len(calls)-1].Body; first != "5" || last != strconv.Itoa(MaxCalls+4) {
		t.Errorf("kept calls %s..%s, want 5..%d", first, last, MaxCalls+4)
	}
}
