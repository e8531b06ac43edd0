package lptest_test

import (
	"crypto/rand"
	"crypto/rsa"
	"encoding/base64"
	"encoding/json"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/golang-jwt/jwt/v5"

	"github.com/lpedge/lpedge/liveperson/connector"
	"github.com/lpedge/lpedge/liveperson/lptest"
)

func TestDomainAPI(t *testing.T) {
	srv := lptest.NewServer(lptest.WithAccount("le81823118", "a1"), lptest.WithAccount(lptest.DefaultAccount))
	defer srv.Close()
	base := srv.URL + "/api/account/"
	for _, service := range lptest.Services {
		for _, suffix := range []string{"baseURI.json", "baseURI"} { // botium drops the .json
			res, b := do(t, "GET", base+"le81823118/service/"+service+"/"+suffix+"?version=1.0", "")
			var got map[string]string
			if res.StatusCode != 200 || json.Unmarshal(b, &got) != nil {
				t.Fatalf("%s: %d %s", service, res.StatusCode, b)
			}
			if want := (map[string]string{"service": service, "account": "le81823118", "baseURI": srv.Host()}); !equalMaps(got, want) {
				t.Errorf("%s: %v, want %v", service, got, want)
			}
		}
	}
	res, b := do(t, "GET", base+lptest.DefaultAccount+"/service/baseURI.json?version=1.0", "")
	var all struct {
		BaseURIs []map[string]string `json:"baseURIs"`
	}
	if res.StatusCode != 200 || json.Unmarshal(b, &all) != nil || len(all.BaseURIs) != len(lptest.Services) {
		t.Fatalf("all services: %d %s", res.StatusCode, b)
	}
	for i, s := range all.BaseURIs {
		if s["service"] != lptest.Services[i] || s["baseURI"] != srv.Host() || s["account"] != lptest.DefaultAccount {
			t.Errorf("baseURIs[%d] = %v", i, s)
		}
	}
	tests := []struct {
		name, method, path string
		status             int
	}{
		{"no version", "GET", "le81823118/service/smt/baseURI.json", 400},
		{"version 2.0", "GET", "le81823118/service/smt/baseURI.json?version=2.0", 400},
		{"unknown account", "GET", "999/service/smt/baseURI.json?version=1.0", 401},
		{"unknown account, all services", "GET", "999/service/baseURI.json?version=1.0", 401},
		{"service names are case sensitive", "GET", "le81823118/service/SMT/baseURI.json?version=1.0", 404},
		{"a service lptest does not serve", "GET", "le81823118/service/swift/baseURI.json?version=1.0", 404},
		{"POST", "POST", "le81823118/service/smt/baseURI.json?version=1.0", 405},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if res, b := do(t, tt.method, base+tt.path, ""); res.StatusCode != tt.status {
				t.Errorf("%d %s, want %d", res.StatusCode, b, tt.status)
			}
		})
	}
	if res, _ := do(t, "GET", srv.URL+"/nothing/here", ""); res.StatusCode != 404 {
		t.Errorf("unknown path: %d", res.StatusCode)
	}
	calls := srv.Calls()
	if last := calls[len(calls)-1]; last.Route != lptest.RouteOther || last.Status != 404 {
		t.Errorf("unknown path recorded as %+v", last)
	}
}

func equalMaps(a, b map[string]string) bool {
	if len(a) != len(b) {
		return false
	}
	for k, v := range a {
		if b[k] != v {
			return false
		}
	}
	return true
}

func TestSentinel(t *testing.T) {
	clock := newFakeClock()
	srv := lptest.NewServer(lptest.WithClock(clock.Now), lptest.WithClient("app-1", "s1"), lptest.WithClient("app-2", "s2"))
	defer srv.Close()
	ep := connector.Endpoint{Scheme: "http", Domain: srv.Host(), Account: lptest.DefaultAccount}
	tokenURL, _ := ep.TokenURL()
	path := srv.URL + connector.TokenPath(lptest.DefaultAccount)
	form := "Content-Type: " + connector.ContentTypeForm

	// The documented form: credentials in the body.
	res, b := do(t, "POST", tokenURL, "client_id=app-1&client_secret=s1", form)
	tok, err := connector.DecodeToken(b)
	if res.StatusCode != 200 || err != nil || tok.TokenType != "Bearer" {
		t.Fatalf("token: %d %s %v", res.StatusCode, b, err)
	}
	claims, err := connector.ReadAppJWT(tok.AccessToken)
	if err != nil {
		t.Fatal(err)
	}
	want := connector.AppClaims{Audience: lptest.DefaultAccount, AuthorizedParty: "app-1", Scope: "msg.consumer", Issuer: "Sentinel",
		ExpiresAt: clock.Now().Add(time.Hour), IssuedAt: clock.Now()}
	if !claims.ExpiresAt.Equal(want.ExpiresAt) || !claims.IssuedAt.Equal(want.IssuedAt) {
		t.Errorf("exp/iat %v %v, want %v %v", claims.ExpiresAt, claims.IssuedAt, want.ExpiresAt, want.IssuedAt)
	}
	claims.ExpiresAt, claims.IssuedAt, want.ExpiresAt, want.IssuedAt = time.Time{}, time.Time{}, time.Time{}, time.Time{}
	if claims != want {
		t.Errorf("claims %+v, want %+v", claims, want)
	}
	header := jwtHeader(t, tok.AccessToken)
	if header["alg"] != "RS256" || header["kid"] != "appjwt-14-03-26" {
		t.Errorf("header %v", header)
	}
	if _, err := jwt.Parse(tok.AccessToken, func(*jwt.Token) (any, error) { return lptest.PublicKey(), nil },
		jwt.WithTimeFunc(clock.Now)); err != nil {
		t.Errorf("signature: %v", err)
	}
	// The older form: credentials in the query string.
	if res, b = do(t, "POST", tokenURL+"&client_id=app-2&client_secret=s2", "", form); res.StatusCode != 200 {
		t.Errorf("query-string credentials: %d %s", res.StatusCode, b)
	}

	tests := []struct {
		name, method, url, body, contentType string
		status                               int
		oauth                                string
	}{
		{"wrong secret", "POST", tokenURL, "client_id=app-1&client_secret=s2", form, 401, "invalid_client"},
		{"unknown client", "POST", tokenURL, "client_id=app-3&client_secret=s1", form, 401, "invalid_client"},
		{"no secret", "POST", tokenURL, "client_id=app-1", form, 401, "invalid_client"},
		{"no client id", "POST", tokenURL, "client_secret=s1", form, 401, "invalid_client"},
		{"unknown account", "POST", srv.URL + connector.TokenPath("999") + "?v=1.0&grant_type=client_credentials", "client_id=app-1&client_secret=s1", form, 401, "invalid_client"},
		{"no grant_type", "POST", path + "?v=1.0", "client_id=app-1&client_secret=s1", form, 400, "invalid_request"},
		{"password grant", "POST", path + "?v=1.0&grant_type=password", "client_id=app-1&client_secret=s1", form, 400, "unsupported_grant_type"},
		{"no version", "POST", path + "?grant_type=client_credentials", "client_id=app-1&client_secret=s1", form, 400, "invalid_request"},
		{"JSON body", "POST", tokenURL, `{"client_id":"app-1","client_secret":"s1"}`, jsonCT, 400, "invalid_request"},
		{"client id twice", "POST", tokenURL + "&client_id=app-1", "client_id=app-1&client_secret=s1", form, 400, "invalid_request"},
		{"bad form", "POST", tokenURL, "client_id=%zz", form, 400, "invalid_request"},
		{"GET", "GET", tokenURL + "&client_id=app-1&client_secret=s1", "", form, 405, "invalid_request"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			res, b := do(t, tt.method, tt.url, tt.body, tt.contentType)
			var e struct {
				Error       string `json:"error"`
				Description string `json:"error_description"`
			}
			if res.StatusCode != tt.status || json.Unmarshal(b, &e) != nil || e.Error != tt.oauth || e.Description == "" {
				t.Errorf("%d %s, want %d %s", res.StatusCode, b, tt.status, tt.oauth)
			}
		})
	}
	for _, c := range srv.Calls() {
		if strings.Contains(c.Body+c.Query, "s1") || strings.Contains(c.Body+c.Query, "s2") {
			t.Errorf("a client secret is in the inspector: %+v", c)
		}
	}
}

func jwtHeader(t *testing.T, token string) map[string]any {
	t.Helper()
	h, _, _ := strings.Cut(token, ".")
	raw, err := base64.RawURLEncoding.DecodeString(h)
	var m map[string]any
	if err != nil || json.Unmarshal(raw, &m) != nil {
		t.Fatalf("JWT header %q: %v", h, err)
	}
	return m
}

// foreignToken is a well-formed RS256 token that lptest did not sign.
func foreignToken(t *testing.T, claims jwt.MapClaims) string {
	t.Helper()
	k, err := rsa.GenerateKey(rand.Reader, 1024)
	if err != nil {
		t.Fatal(err)
	}
	s, err := jwt.NewWithClaims(jwt.SigningMethodRS256, claims).SignedString(k)
	if err != nil {
		t.Fatal(err)
	}
	return s
}

// authCases are the AppJWT refusals IDP and the Connector share.
func authCases(t *testing.T, srv *lptest.Server, clock *fakeClock) []struct {
	name, auth string
	code       int
} {
	good := srv.AppJWT(lptest.DefaultAccount, lptest.DefaultClientID)
	now := clock.Now()
	return []struct {
		name, auth string
		code       int
	}{
		{"no AppJWT", "", connector.ErrorMissingAppJWT},
		{"garbage", "not-a-jwt", connector.ErrorInvalidAppJWT},
		{"Bearer prefix", "Bearer " + good, connector.ErrorInvalidAppJWT},
		{"other account", srv.AppJWT("87654321", lptest.DefaultClientID), connector.ErrorInvalidAppJWT},
		{"unknown client", srv.AppJWT(lptest.DefaultAccount, "someone-else"), connector.ErrorInvalidAppJWT},
		{"not signed by lptest", foreignToken(t, jwt.MapClaims{"aud": lptest.DefaultAccount, "azp": lptest.DefaultClientID,
			"scope": "msg.consumer", "iss": "Sentinel", "exp": now.Add(time.Hour).Unix(), "iat": now.Unix()}), connector.ErrorInvalidAppJWT},
		{"unsecured", connector.AppClaims{Audience: lptest.DefaultAccount, AuthorizedParty: lptest.DefaultClientID, Scope: "msg.consumer",
			Issuer: "Sentinel", ExpiresAt: now.Add(time.Hour), IssuedAt: now}.Unsecured(), connector.ErrorInvalidAppJWT},
		{"a ConsumerJWS", srv.ConsumerJWS(lptest.DefaultAccount, "c"), connector.ErrorMissingBrandID},
	}
}

func TestIDP(t *testing.T) {
	clock := newFakeClock()
	srv := lptest.NewServer(lptest.WithClock(clock.Now))
	defer srv.Close()
	appJWT, jws := tokens(t, srv, "John_Doe_facebook12345")
	claims, err := connector.ReadConsumerJWS(jws)
	want := connector.ConsumerClaims{AccountID: lptest.DefaultAccount, ExtConsumerID: "John_Doe_facebook12345",
		LPConsumerID: lptest.LPConsumerID(lptest.DefaultAccount, "John_Doe_facebook12345")}
	if err != nil || claims != want || len(claims.LPConsumerID) != 64 {
		t.Fatalf("ConsumerJWS claims %+v %v, want %+v", claims, err, want)
	}
	if _, err = jwt.Parse(jws, func(*jwt.Token) (any, error) { return lptest.PublicKey(), nil }); err != nil {
		t.Errorf("ConsumerJWS signature: %v", err)
	}
	if p := jwtClaims(t, jws); len(p) != 3 {
		t.Errorf("ConsumerJWS claims %v: want exactly account_id, ext_consumer_id, lp_consumer_id (no exp)", p)
	}
	if other := lptest.LPConsumerID(lptest.DefaultAccount, "someone"); other == claims.LPConsumerID {
		t.Error("two consumers share an lp_consumer_id")
	}

	u := srv.URL + connector.ConsumerPath(lptest.DefaultAccount) + "?v=1.0"
	for _, tt := range authCases(t, srv, clock) {
		t.Run(tt.name, func(t *testing.T) {
			var h []string
			if tt.auth != "" {
				h = append(h, "Authorization: "+tt.auth)
			}
			res, b := do(t, "POST", u, `{"ext_consumer_id":"x"}`, append(h, jsonCT)...)
			checkAuthError(t, res.StatusCode, b, tt.code)
		})
	}
	tests := []struct {
		name, method, url, body, contentType string
		status                               int
	}{
		{"no ext_consumer_id", "POST", u, `{}`, jsonCT, 400},
		{"empty ext_consumer_id", "POST", u, `{"ext_consumer_id":""}`, jsonCT, 400},
		{"number ext_consumer_id", "POST", u, `{"ext_consumer_id":5}`, jsonCT, 400},
		{"unknown member", "POST", u, `{"ext_consumer_id":"x","y":1}`, jsonCT, 400},
		{"bad JSON", "POST", u, `{`, jsonCT, 400},
		{"form body", "POST", u, `ext_consumer_id=x`, "Content-Type: " + connector.ContentTypeForm, 400},
		{"no version", "POST", srv.URL + connector.ConsumerPath(lptest.DefaultAccount), `{"ext_consumer_id":"x"}`, jsonCT, 400},
		{"GET", "GET", u, "", jsonCT, 405},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if res, b := do(t, tt.method, tt.url, tt.body, tt.contentType, "Authorization: "+appJWT); res.StatusCode != tt.status {
				t.Errorf("%d %s, want %d", res.StatusCode, b, tt.status)
			}
		})
	}
	// An hour later the AppJWT has expired.
	clock.Add(time.Hour + time.Second)
	res, b := do(t, "POST", u, `{"ext_consumer_id":"x"}`, jsonCT, "Authorization: "+appJWT)
	checkAuthError(t, res.StatusCode, b, connector.ErrorInvalidAppJWT)
	// A new one works; the ConsumerJWS never expires.
	fresh, jws2 := tokens(t, srv, "John_Doe_facebook12345")
	if c2, _ := connector.ReadConsumerJWS(jws2); c2 != claims {
		t.Errorf("the same consumer got %+v, then %+v", claims, c2)
	}
	if fresh == appJWT {
		t.Error("Sentinel issued the same AppJWT an hour later")
	}
}

func jwtClaims(t *testing.T, token string) map[string]any {
	t.Helper()
	parts := strings.Split(token, ".")
	raw, err := base64.RawURLEncoding.DecodeString(parts[1])
	var m map[string]any
	if err != nil || json.Unmarshal(raw, &m) != nil {
		t.Fatalf("claims of %q: %v", token, err)
	}
	return m
}

// checkAuthError checks a Connector/IDP authorization failure body.
func checkAuthError(t *testing.T, status int, body []byte, code int) {
	t.Helper()
	e, err := connector.DecodeAuthError(body)
	if err != nil {
		t.Fatalf("%d %s: %v", status, body, err)
	}
	want := connector.NewAuthError(code)
	if status != want.Status || *e != *want {
		t.Errorf("%d %+v, want %d %+v", status, e, want.Status, want)
	}
	var raw map[string]any
	if json.Unmarshal(body, &raw) != nil || raw["kind"] != "resp" || raw["type"] != ".ReqBody$ErrorResp" {
		t.Errorf("envelope %s", body)
	}
	var ae *connector.AuthError
	if _, err := connector.DecodeResponses(body); !errors.As(err, &ae) || ae.ErrorCode != code {
		t.Errorf("a client reading the answer gets %v", err)
	}
}
