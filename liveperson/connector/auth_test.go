package connector_test

import (
	"errors"
	"net/url"
	"reflect"
	"testing"
	"time"

	"github.com/lpedge/lpedge/liveperson/connector"
)

// The tokens of LivePerson's authorization page.
const (
	docAppJWT = "eyJraWQiOiJhcHBqd3QtMTMtMDUtMTciLCJ0eXAiOiJKV1QiLCJhbGciOiJSUzI1NiJ9.eyJhdWQiOiJsZTgxODIzMTE4IiwiYXpwIjoiNzU1ODhlMTgtMDIxMy00ZTMzLTgxNzQtODgzYWNhYzdlM2M0Iiwic2NvcGUiOiJtc2cuY29uc3VtZXIiLCJpc3MiOiJTZW50aW5lbCIsImV4cCI6MTUyNDY0NjI3MCwiaWF0IjoxNTI0NjQyNjcwfQ.aC1EbVQDIKJkrMgfoqhDqo5KZVMILTGP5UnK_4lUJQIfpFcrymvQKU9E6zt_WDhWmM2SOOcr1sz4u5xVZ9rMWZciDW_9KofEM2NDgVw1EVBxAIgGYeO0sbE9o--HKjk9DHZvukJkQFhYaHMDnj6ay4BNUqTJpDn6y3XQY7eh7rM"
	docJWS    = "eyJraWQiOiJhcHBqd3QtMTMtMDUtMTciLCJ0eXAiOiJKV1QiLCJhbGciOiJSUzI1NiJ9.eyJhY2NvdW50X2lkIjoibGUzMTQ1Nzc4MCIsImV4dF9jb25zdW1lcl9pZCI6InJhbmRvbV9pZDAuMTczMDc3OTY4NzUiLCJscF9jb25zdW1lcl9pZCI6IjI5Y2FmMGMxMTQ4Njk5NmQ5Mzg3ZTNhNDRlYzM0MjI5ZDEyNzMwNGRiNDk2NmQ3NzUyNzE2YmNlYjUzOGZhMjQifQ.TAJgP31rmpHvGKqb_yLP9yzVi_7tu7YoRfoqQ3RfuXGwR_AOV7DWL5Njy1m2YpC5kd9L_oRmytjFwfckwyuFJewwPGYxeZAY1q1jR5tPdb0nsvRyrMdKzO1_AFWUJtD013H9fjyjxHvxwV_Q2xe6Xp00J0T_-I6d6BkUpUFSPww"
)

func TestTokenRequest(t *testing.T) {
	r := connector.TokenRequest{ClientID: "app id", ClientSecret: "s&cr=t"}
	body := r.Encode()
	if body != "client_id=app+id&client_secret=s%26cr%3Dt" {
		t.Errorf("Encode %q", body)
	}
	form, err := url.ParseQuery(body + "&v=1.0&grant_type=client_credentials")
	if err != nil {
		t.Fatal(err)
	}
	if got, err := connector.ParseTokenRequest(form); err != nil || got != r {
		t.Errorf("ParseTokenRequest %+v, %v", got, err)
	}
	for _, tt := range []struct{ form, want string }{
		{"client_id=a&client_secret=b", "grant_type: is required"},
		{"grant_type=password&client_id=a&client_secret=b", `grant_type: want client_credentials, got "password"`},
		{"grant_type=client_credentials&client_secret=b", "client_id: is required"},
		{"grant_type=client_credentials&client_id=&client_secret=b", "client_id: is required"},
		{"grant_type=client_credentials&client_id=a", "client_secret: is required"},
		{"grant_type=client_credentials&client_id=a&client_secret=b&client_secret=c", "client_secret: is given 2 times"},
	} {
		form, _ := url.ParseQuery(tt.form)
		if got, err := connector.ParseTokenRequest(form); err == nil || err.Error() != tt.want {
			t.Errorf("%s: %+v, %v; want error %s", tt.form, got, err, tt.want)
		}
	}
}

func TestToken(t *testing.T) {
	doc := `{ "access_token": "` + docAppJWT + `", "token_type": "Bearer" }`
	tok, err := connector.DecodeToken([]byte(doc))
	if err != nil || tok.AccessToken != docAppJWT || tok.TokenType != connector.TokenTypeBearer {
		t.Fatalf("DecodeToken: %+v, %v", tok, err)
	}
	b := connector.Token{AccessToken: "a.b.c", TokenType: "Bearer"}.AppendJSON(nil)
	if string(b) != `{"access_token":"a.b.c","token_type":"Bearer"}` {
		t.Errorf("AppendJSON %s", b)
	}
	if tok, err := connector.DecodeToken([]byte(`{"access_token":"x","expires_in":3600}`)); err != nil || tok.AccessToken != "x" {
		t.Errorf("with expires_in: %+v, %v", tok, err)
	}
	for _, tt := range []struct{ in, want string }{
		{`{"token_type":"Bearer"}`, "$.access_token: is required"},
		{`{"access_token":""}`, "$.access_token: is required"},
		{`{"access_token":1}`, "$.access_token: want a string, got 1"},
		{`{"access_token":"x","token_type":false}`, "$.token_type: want a string, got false"},
		{`"x"`, `$: want an object, got a string ("x")`},
		{`{`, "invalid JSON at byte 1: want a string key"},
	} {
		if tok, err := connector.DecodeToken([]byte(tt.in)); err == nil || err.Error() != tt.want {
			t.Errorf("%s: %+v, %v; want error %s", tt.in, tok, err, tt.want)
		}
	}
}

func TestReadAppJWT(t *testing.T) {
	c, err := connector.ReadAppJWT(docAppJWT)
	if err != nil {
		t.Fatal(err)
	}
	want := connector.AppClaims{Audience: "le81823118", AuthorizedParty: "75588e18-0213-4e33-8174-883acac7e3c4", Scope: "msg.consumer",
		Issuer: "Sentinel", ExpiresAt: time.Unix(1524646270, 0), IssuedAt: time.Unix(1524642670, 0)}
	if !reflect.DeepEqual(c, want) {
		t.Errorf("got %+v\nwant %+v", c, want)
	}
	if life := c.ExpiresAt.Sub(c.IssuedAt); life != time.Hour {
		t.Errorf("lifetime %v, want the documented hour", life)
	}
	back, err := connector.ReadAppJWT(want.Unsecured())
	if err != nil || !reflect.DeepEqual(back, want) {
		t.Errorf("Unsecured round trip: %+v, %v", back, err)
	}
	if tok := (connector.AppClaims{ExpiresAt: time.Unix(10, 0)}).Unsecured(); tok != "eyJhbGciOiJub25lIiwidHlwIjoiSldUIn0.eyJleHAiOjEwfQ." {
		t.Errorf("Unsecured %s", tok)
	}
	frac, err := connector.ReadAppJWT("x." + b64(`{"exp":1.5}`) + ".")
	if err != nil || !frac.ExpiresAt.Equal(time.Unix(1, 5e8)) || !frac.IssuedAt.IsZero() {
		t.Errorf("fractional exp: %+v, %v", frac, err)
	}
	padded, err := connector.ReadAppJWT("x." + b64(`{"exp":2}`) + "==.sig")
	if err != nil || padded.ExpiresAt.Unix() != 2 {
		t.Errorf("padded: %+v, %v", padded, err)
	}
	odd, err := connector.ReadAppJWT("x." + b64(`{"exp":3,"aud":["a"],"iss":1}`) + ".")
	if err != nil || odd.Audience != "" || odd.Issuer != "" {
		t.Errorf("claims of other types are left empty: %+v, %v", odd, err)
	}
	for _, tt := range []struct{ in, want string }{
		{"", "AppJWT: want 3 parts separated by dots, got 1"},
		{"a.b", "AppJWT: want 3 parts separated by dots, got 2"},
		{"a.b.c.d", "AppJWT: want 3 parts separated by dots, got 4"},
		{"a.!!.c", "AppJWT: claims are not base64url: illegal base64 data at input byte 0"},
		{"a." + b64(`{"exp":`) + ".c", "AppJWT: claims are not JSON: invalid JSON at byte 7: unexpected end of input"},
		{"a." + b64(`[]`) + ".c", "AppJWT claims: want an object, got an array"},
		{"a." + b64(`{"iat":1}`) + ".c", "AppJWT claims.exp: is required"},
		{"a." + b64(`{"exp":"1"}`) + ".c", `AppJWT claims.exp: want seconds since 1970, got a string ("1")`},
		{"a." + b64(`{"exp":1e300}`) + ".c", "AppJWT claims.exp: want seconds since 1970, got 1e+300"},
		{"a." + b64(`{"exp":1,"iat":true}`) + ".c", "AppJWT claims.iat: want seconds since 1970, got true"},
	} {
		if c, err := connector.ReadAppJWT(tt.in); err == nil || err.Error() != tt.want {
			t.Errorf("%q: %+v, %v\nwant error %s", tt.in, c, err, tt.want)
		}
	}
}

func b64(s string) string {
	const enc = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_"
	var out []byte
	for i := 0; i < len(s); i += 3 {
		var n uint32
		k := min(3, len(s)-i)
		for j := range 3 {
			n <<= 8
			if j < k {
				n |= uint32(s[i+j])
			}
		}
		for j := range k + 1 {
			out = append(out, enc[n>>(18-6*j)&63])
		}
	}
	return string(out)
}

func TestReadConsumerJWS(t *testing.T) {
	c, err := connector.ReadConsumerJWS(docJWS)
	want := connector.ConsumerClaims{AccountID: "le31457780", ExtConsumerID: "random_id0.17307796875",
		LPConsumerID: "29caf0c11486996d9387e3a44ec34229d127304db4966d7752716bceb538fa24"}
	if err != nil || c != want {
		t.Fatalf("got %+v, %v", c, err)
	}
	if back, err := connector.ReadConsumerJWS(want.Unsecured()); err != nil || back != want {
		t.Errorf("Unsecured round trip: %+v, %v", back, err)
	}
	for _, tt := range []struct{ in, want string }{
		{"x", "ConsumerJWS: want 3 parts separated by dots, got 1"},
		{"a." + b64(`{"ext_consumer_id":"e","lp_consumer_id":"l"}`) + ".", "ConsumerJWS claims.account_id: is required"},
		{"a." + b64(`{"account_id":"a","lp_consumer_id":"l"}`) + ".", "ConsumerJWS claims.ext_consumer_id: is required"},
		{"a." + b64(`{"account_id":"a","ext_consumer_id":"e","lp_consumer_id":""}`) + ".", "ConsumerJWS claims.lp_consumer_id: is required"},
		{"a." + b64(`{"account_id":1}`) + ".", "ConsumerJWS claims.account_id: want a string, got 1"},
	} {
		if c, err := connector.ReadConsumerJWS(tt.in); err == nil || err.Error() != tt.want {
			t.Errorf("%q: %+v, %v\nwant error %s", tt.in, c, err, tt.want)
		}
	}
}

func TestConsumerRequest(t *testing.T) {
	b, err := connector.ConsumerRequest{ExtConsumerID: "John_Doe_facebook12345"}.AppendJSON(nil)
	if err != nil || string(b) != `{"ext_consumer_id":"John_Doe_facebook12345"}` {
		t.Fatalf("AppendJSON %s, %v", b, err)
	}
	if r, err := connector.DecodeConsumerRequest([]byte("{\n\t\"ext_consumer_id\":\"John_Doe_facebook12345\"\n}")); err != nil || r.ExtConsumerID != "John_Doe_facebook12345" {
		t.Errorf("the reference's request: %+v, %v", r, err)
	}
	if _, err := (connector.ConsumerRequest{}).AppendJSON(nil); err == nil || err.Error() != "$.ext_consumer_id: is required" {
		t.Errorf("empty: %v", err)
	}
	for _, tt := range []struct{ in, want string }{
		{`{}`, "$.ext_consumer_id: is required"},
		{`{"ext_consumer_id":""}`, "$.ext_consumer_id: is required"},
		{`{"ext_consumer_id":7}`, "$.ext_consumer_id: want a string, got 7"},
		{`{"ext_consumer_id":"a","lp_consumer_id":"b"}`, "$.lp_consumer_id: is not a member here (want ext_consumer_id)"},
		{`[]`, "$: want an object, got an array"},
	} {
		if r, err := connector.DecodeConsumerRequest([]byte(tt.in)); err == nil || err.Error() != tt.want {
			t.Errorf("%s: %+v, %v; want error %s", tt.in, r, err, tt.want)
		}
	}
}

func TestConsumerToken(t *testing.T) {
	b := connector.ConsumerToken{Token: docJWS}.AppendJSON(nil)
	if string(b) != `{"token":"`+docJWS+`"}` {
		t.Errorf("AppendJSON %s", b)
	}
	if tok, err := connector.DecodeConsumerToken(b); err != nil || tok.Token != docJWS {
		t.Errorf("DecodeConsumerToken %+v, %v", tok, err)
	}
	_, err := connector.DecodeConsumerToken([]byte(connector.NewAuthError(connector.ErrorInvalidAppJWT).AppendJSON(nil)))
	var ae *connector.AuthError
	if !errors.As(err, &ae) || ae.ErrorCode != connector.ErrorInvalidAppJWT {
		t.Errorf("an IDP failure: %v", err)
	}
	for _, tt := range []struct{ in, want string }{
		{`{}`, "$.token: is required"},
		{`{"token":[]}`, "$.token: want a string, got an array"},
		{`null`, "$: want an object, got null"},
	} {
		if tok, err := connector.DecodeConsumerToken([]byte(tt.in)); err == nil || err.Error() != tt.want {
			t.Errorf("%s: %+v, %v; want error %s", tt.in, tok, err, tt.want)
		}
	}
}

func TestAuthError(t *testing.T) {
	for _, tt := range []struct {
		code                   int
		status                 int
		title, details, output string
	}{
		{connector.ErrorMissingBrandID, 400, "Missing parameter", "Brand Id is missing",
			`{"kind":"resp","code":400,"body":{"title":"Missing parameter","details":"Brand Id is missing","errorCode":40001},"type":".ReqBody$ErrorResp"}`},
		{connector.ErrorInvalidAppJWT, 401, "Invalid AppJWT", "AppJWT has expired or is invalid",
			`{"kind":"resp","code":401,"body":{"title":"Invalid AppJWT","details":"AppJWT has expired or is invalid","errorCode":40102},"type":".ReqBody$ErrorResp"}`},
		{connector.ErrorInvalidConsumerJWS, 401, "Invalid ConsumerJWS", "ConsumerJWS is invalid",
			`{"kind":"resp","code":401,"body":{"title":"Invalid ConsumerJWS","details":"ConsumerJWS is invalid","errorCode":40103},"type":".ReqBody$ErrorResp"}`},
		{connector.ErrorMissingConsumerJWS, 401, "ConsumerJWS is missing", "X_ON_BEHALF_HEADER is not present",
			`{"kind":"resp","code":401,"body":{"title":"ConsumerJWS is missing","details":"X_ON_BEHALF_HEADER is not present","errorCode":40104},"type":".ReqBody$ErrorResp"}`},
		{connector.ErrorMissingAppJWT, 401, "AppJWT is missing", "AUTHORIZATION header is not present",
			`{"kind":"resp","code":401,"body":{"title":"AppJWT is missing","details":"AUTHORIZATION header is not present","errorCode":40105},"type":".ReqBody$ErrorResp"}`},
	} {
		e := connector.NewAuthError(tt.code)
		if e.Status != tt.status || e.Title != tt.title || e.Details != tt.details || e.ErrorCode != tt.code {
			t.Errorf("NewAuthError(%d) = %+v", tt.code, e)
		}
		b := e.AppendJSON(nil)
		if string(b) != tt.output {
			t.Errorf("AppendJSON\n got %s\nwant %s", b, tt.output)
		}
		back, err := connector.DecodeAuthError(b)
		if err != nil || !reflect.DeepEqual(back, e) {
			t.Errorf("round trip %+v, %v", back, err)
		}
	}
	doc, err := connector.DecodeAuthError([]byte(answerAuth))
	if err != nil || doc.ErrorCode != 40104 || doc.Status != 401 || doc.Title != "AppJWT is missing" {
		t.Errorf("the reference's example: %+v, %v", doc, err)
	}
	for _, tt := range []struct{ in, want string }{
		{`{"kind":"resp","code":401,"body":{"title":"t"}}`, "$.body.errorCode: is required"},
		{`{"code":401}`, "$.body: is required"},
		{`{"code":"401","body":{"errorCode":40102}}`, `$.code: want an integer, got a string ("401")`},
		{`{"body":{"errorCode":40102,"title":5}}`, "$.body.title: want a string, got 5"},
		{`{"body":{"errorCode":40102,"details":[]}}`, "$.body.details: want a string, got an array"},
		{`{"body":{"errorCode":4e10}}`, "$.body.errorCode: want an integer, got 40000000000"},
	} {
		if e, err := connector.DecodeAuthError([]byte(tt.in)); err == nil || err.Error() != tt.want {
			t.Errorf("%s: %+v, %v; want error %s", tt.in, e, err, tt.want)
		}
	}
}
