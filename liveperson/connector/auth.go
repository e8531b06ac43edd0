package connector

import (
	"encoding/base64"
	"math"
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/lpedge/lpedge/internal/jsonv"
)

// The Connector API authenticates every call with two tokens: the AppJWT
// from Sentinel (the app's OAuth2 client credentials) in Authorization,
// and the ConsumerJWS from IDP (one per consumer) in X-LP-ON-BEHALF.

// GrantType is the only grant_type Sentinel's token endpoint takes.
const GrantType = "client_credentials"

// TokenTypeBearer is the token_type Sentinel answers. The token still goes
// into Authorization raw, without "Bearer ", as every public sample does.
const TokenTypeBearer = "Bearer"

// A TokenRequest holds the app's credentials for Sentinel.
type TokenRequest struct {
	ClientID     string
	ClientSecret string
}

// Encode returns the form body, client_id=...&client_secret=...: the body
// keeps the secret out of URLs (older samples put it in the query).
func (r TokenRequest) Encode() string {
	return url.Values{"client_id": {r.ClientID}, "client_secret": {r.ClientSecret}}.Encode()
}

// ParseTokenRequest reads a token request's parameters, query and body
// together (net/http's Request.Form): Sentinel accepts the credentials in
// either. grant_type must be client_credentials; client_id and
// client_secret must each be given once.
func ParseTokenRequest(form url.Values) (TokenRequest, error) {
	var r TokenRequest
	for _, p := range []struct {
		name string
		dst  *string
	}{{"grant_type", nil}, {"client_id", &r.ClientID}, {"client_secret", &r.ClientSecret}} {
		vs := form[p.name]
		switch {
		case len(vs) == 0 || vs[0] == "":
			return TokenRequest{}, bad(p.name, "is required")
		case len(vs) > 1:
			return TokenRequest{}, bad(p.name, "is given "+strconv.Itoa(len(vs))+" times")
		case p.dst != nil:
			*p.dst = vs[0]
		case vs[0] != GrantType:
			return TokenRequest{}, bad(p.name, "want "+GrantType+", got "+strconv.Quote(vs[0]))
		}
	}
	return r, nil
}

// A Token is Sentinel's answer: {"access_token","token_type"}.
type Token struct {
	AccessToken string // the AppJWT
	TokenType   string // TokenTypeBearer
}

// AppendJSON appends t as Sentinel writes it.
func (t Token) AppendJSON(b []byte) []byte {
	o := openObj(b)
	o.str("access_token", t.AccessToken)
	o.str("token_type", t.TokenType)
	return o.close()
}

// DecodeToken reads Sentinel's answer. access_token is required; other
// members (an undocumented expires_in) are ignored: the AppJWT's own exp
// says when it expires ([ReadAppJWT]).
func DecodeToken(data []byte) (Token, error) {
	o, err := decodeObject(data)
	if err != nil {
		return Token{}, err
	}
	var t Token
	if t.AccessToken, err = o.str("access_token"); err == nil && t.AccessToken == "" {
		err = bad(o.at("access_token"), "is required")
	}
	if err != nil {
		return Token{}, err
	}
	if t.TokenType, err = o.str("token_type"); err != nil {
		return Token{}, err
	}
	return t, nil
}

// AppClaims are an AppJWT's claims, e.g. aud "le81823118", azp the app
// installation id, scope "msg.consumer", iss "Sentinel"; it lives an hour.
type AppClaims struct {
	Audience        string    // aud: the account
	AuthorizedParty string    // azp: the app installation id
	Scope           string    // scope
	Issuer          string    // iss
	ExpiresAt       time.Time // exp; required
	IssuedAt        time.Time // iat; zero when absent
}

// ReadAppJWT returns an AppJWT's claims without verifying its signature:
// the proxy only needs exp, to refresh the token before it runs out. exp is
// required; other claims of unexpected types are left empty.
func ReadAppJWT(token string) (AppClaims, error) {
	o, err := readClaims("AppJWT", token)
	if err != nil {
		return AppClaims{}, err
	}
	var c AppClaims
	c.Audience, _ = o.m["aud"].(string)
	c.AuthorizedParty, _ = o.m["azp"].(string)
	c.Scope, _ = o.m["scope"].(string)
	c.Issuer, _ = o.m["iss"].(string)
	if c.ExpiresAt, err = numericDate(o, "exp"); err == nil && c.ExpiresAt.IsZero() {
		err = bad(o.at("exp"), "is required")
	}
	if err != nil {
		return AppClaims{}, err
	}
	if c.IssuedAt, err = numericDate(o, "iat"); err != nil {
		return AppClaims{}, err
	}
	return c, nil
}

// Unsecured returns c as an unsecured JWT (RFC 7519 section 6: alg
// "none", no signature), for a fake Sentinel. The exp and iat claims are
// written in whole seconds.
func (c AppClaims) Unsecured() string {
	o := openObj(nil)
	o.optStr("aud", c.Audience)
	o.optStr("azp", c.AuthorizedParty)
	o.optStr("scope", c.Scope)
	o.optStr("iss", c.Issuer)
	for _, d := range []struct {
		name string
		t    time.Time
	}{{"exp", c.ExpiresAt}, {"iat", c.IssuedAt}} {
		if !d.t.IsZero() {
			o.key(d.name)
			o.b = strconv.AppendInt(o.b, d.t.Unix(), 10)
		}
	}
	return unsecuredJWT(o.close())
}

// ConsumerClaims are a ConsumerJWS's claims. It has no exp: it does not
// expire, so a proxy caches one per consumer.
type ConsumerClaims struct {
	AccountID     string // account_id
	ExtConsumerID string // ext_consumer_id: the id the connector gave
	LPConsumerID  string // lp_consumer_id: LivePerson's consumer id
}

// ReadConsumerJWS returns a ConsumerJWS's claims without verifying its
// signature; all three are required.
func ReadConsumerJWS(token string) (ConsumerClaims, error) {
	o, err := readClaims("ConsumerJWS", token)
	if err != nil {
		return ConsumerClaims{}, err
	}
	var c ConsumerClaims
	for _, f := range []struct {
		name string
		dst  *string
	}{{"account_id", &c.AccountID}, {"ext_consumer_id", &c.ExtConsumerID}, {"lp_consumer_id", &c.LPConsumerID}} {
		if *f.dst, err = o.str(f.name); err == nil && *f.dst == "" {
			err = bad(o.at(f.name), "is required")
		}
		if err != nil {
			return ConsumerClaims{}, err
		}
	}
	return c, nil
}

// Unsecured returns c as an unsecured JWT, for a fake IDP.
func (c ConsumerClaims) Unsecured() string {
	o := openObj(nil)
	o.str("account_id", c.AccountID)
	o.str("ext_consumer_id", c.ExtConsumerID)
	o.str("lp_consumer_id", c.LPConsumerID)
	return unsecuredJWT(o.close())
}

var unsecuredHeader = base64.RawURLEncoding.EncodeToString([]byte(`{"alg":"none","typ":"JWT"}`))

func unsecuredJWT(claims []byte) string {
	return unsecuredHeader + "." + base64.RawURLEncoding.EncodeToString(claims) + "."
}

// readClaims decodes the claims (the middle part) of a compact JWS.
func readClaims(name, token string) (object, error) {
	parts := strings.Split(token, ".")
	if len(parts) != 3 {
		return object{}, bad(name, "want 3 parts separated by dots, got "+strconv.Itoa(len(parts)))
	}
	raw, err := base64.RawURLEncoding.DecodeString(strings.TrimRight(parts[1], "="))
	if err != nil {
		return object{}, bad(name, "claims are not base64url: "+err.Error())
	}
	v, err := jsonv.Parse(raw)
	if err != nil {
		return object{}, bad(name, "claims are not JSON: "+err.Error())
	}
	return asObject(name+" claims", v)
}

// numericDate reads a JWT NumericDate (seconds since 1970, maybe with a
// fraction); absent is the zero time.
func numericDate(o object, key string) (time.Time, error) {
	v, ok := o.get(key)
	if !ok {
		return time.Time{}, nil
	}
	n, isNum := v.(float64)
	if !isNum || math.Abs(n) > 1<<53 {
		return time.Time{}, bad(o.at(key), "want seconds since 1970, got "+jsonv.Describe(v))
	}
	sec, frac := math.Modf(n)
	return time.Unix(int64(sec), int64(frac*1e9)), nil
}

// A ConsumerRequest asks IDP for a consumer's ConsumerJWS:
// {"ext_consumer_id"}.
type ConsumerRequest struct {
	ExtConsumerID string // the connector's stable id for the consumer; required
}

// AppendJSON validates r and appends it.
func (r ConsumerRequest) AppendJSON(b []byte) ([]byte, error) {
	if r.ExtConsumerID == "" {
		return b, bad("$.ext_consumer_id", "is required")
	}
	o := openObj(b)
	o.str("ext_consumer_id", r.ExtConsumerID)
	return o.close(), nil
}

// DecodeConsumerRequest reads and validates a ConsumerJWS request for a
// fake IDP: an object with a non-empty ext_consumer_id and nothing else.
func DecodeConsumerRequest(data []byte) (ConsumerRequest, error) {
	o, err := decodeObject(data)
	if err != nil {
		return ConsumerRequest{}, err
	}
	if err := o.only("ext_consumer_id"); err != nil {
		return ConsumerRequest{}, err
	}
	var r ConsumerRequest
	if r.ExtConsumerID, err = o.str("ext_consumer_id"); err != nil {
		return ConsumerRequest{}, err
	}
	if _, err := r.AppendJSON(nil); err != nil {
		return ConsumerRequest{}, err
	}
	return r, nil
}

// A ConsumerToken is IDP's answer (HTTP 201): {"token"}.
type ConsumerToken struct {
	Token string // the ConsumerJWS
}

// AppendJSON appends t as IDP writes it.
func (t ConsumerToken) AppendJSON(b []byte) []byte {
	o := openObj(b)
	o.str("token", t.Token)
	return o.close()
}

// DecodeConsumerToken reads IDP's answer; token is required, other
// members are ignored. An authorization failure body is returned as the
// *AuthError error.
func DecodeConsumerToken(data []byte) (ConsumerToken, error) {
	v, err := decodeAnswer(data)
	if err != nil {
		return ConsumerToken{}, err
	}
	o, err := asObject("$", v)
	if err != nil {
		return ConsumerToken{}, err
	}
	var t ConsumerToken
	if t.Token, err = o.str("token"); err == nil && t.Token == "" {
		err = bad(o.at("token"), "is required")
	}
	if err != nil {
		return ConsumerToken{}, err
	}
	return t, nil
}

// Error codes of authorization failures (errorCode), which LivePerson
// says will not change. The reference's own example gives 40104 for a
// missing AppJWT, against its table; the table is followed here.
const (
	ErrorMissingBrandID     = 40001 // brand id missing, or AppJWT claims missing
	ErrorInvalidAppJWT      = 40102 // AppJWT expired or invalid: refresh it and retry once
	ErrorInvalidConsumerJWS = 40103
	ErrorMissingConsumerJWS = 40104 // no X-LP-ON-BEHALF
	ErrorMissingAppJWT      = 40105 // no Authorization
)

// authTexts are the reference's title and details for each error code.
var authTexts = map[int][2]string{
	ErrorMissingBrandID:     {"Missing parameter", "Brand Id is missing"},
	ErrorInvalidAppJWT:      {"Invalid AppJWT", "AppJWT has expired or is invalid"},
	ErrorInvalidConsumerJWS: {"Invalid ConsumerJWS", "ConsumerJWS is invalid"},
	ErrorMissingConsumerJWS: {"ConsumerJWS is missing", "X_ON_BEHALF_HEADER is not present"},
	ErrorMissingAppJWT:      {"AppJWT is missing", "AUTHORIZATION header is not present"},
}

// authErrorType is the "type" of an authorization failure body.
const authErrorType = ".ReqBody$ErrorResp"

// An AuthError is an authorization failure body of the Connector API and
// IDP: {"kind":"resp","code":401,"body":{"title","details","errorCode"},
// "type":".ReqBody$ErrorResp"}.
type AuthError struct {
	Status    int // "code": the HTTP status
	Title     string
	Details   string
	ErrorCode int // one of the Error* constants; rely on it, not on the texts
}

// NewAuthError returns the failure for code with the reference's title
// and details. Its Status is the code's first three digits, as the
// reference defines them (so 400 for ErrorMissingBrandID, 401 for the
// others).
func NewAuthError(code int) *AuthError {
	t := authTexts[code]
	return &AuthError{Status: code / 100, Title: t[0], Details: t[1], ErrorCode: code}
}

func (e *AuthError) Error() string {
	return "LivePerson refused the credentials (" + strconv.Itoa(e.ErrorCode) + " " + e.Title + "): " + e.Details
}

// AppendJSON appends e as LivePerson writes it.
func (e *AuthError) AppendJSON(b []byte) []byte {
	o := openObj(b)
	o.str("kind", "resp")
	o.key("code")
	o.b = strconv.AppendInt(o.b, int64(e.Status), 10)
	body := o.open("body")
	body.str("title", e.Title)
	body.str("details", e.Details)
	body.key("errorCode")
	body.b = strconv.AppendInt(body.b, int64(e.ErrorCode), 10)
	o.end(body)
	o.str("type", authErrorType)
	return o.close()
}

// DecodeAuthError reads an authorization failure body. body.errorCode is
// required; other members are read when present.
func DecodeAuthError(data []byte) (*AuthError, error) {
	o, err := decodeObject(data)
	if err != nil {
		return nil, err
	}
	return readAuthError(o)
}

// isAuthError tells an authorization failure from an answer item: it has
// the ErrorResp type, or a body with an errorCode.
func isAuthError(m map[string]any) bool {
	if m["type"] == authErrorType {
		return true
	}
	body, _ := m["body"].(map[string]any)
	_, ok := body["errorCode"]
	return ok
}

func readAuthError(o object) (*AuthError, error) {
	e := &AuthError{}
	status, err := o.int("code")
	if err != nil {
		return nil, err
	}
	e.Status = status
	body, err := o.reqObj("body")
	if err != nil {
		return nil, err
	}
	if e.Title, err = body.str("title"); err != nil {
		return nil, err
	}
	if e.Details, err = body.str("details"); err != nil {
		return nil, err
	}
	if e.ErrorCode, err = body.int("errorCode"); err == nil && e.ErrorCode == 0 {
		err = bad(body.at("errorCode"), "is required")
	}
	if err != nil {
		return nil, err
	}
	return e, nil
}
