package lptest

import (
	"crypto/rand"
	"crypto/rsa"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/golang-jwt/jwt/v5"

	"github.com/lpedge/lpedge/internal/jsonv"
	"github.com/lpedge/lpedge/liveperson"
	"github.com/lpedge/lpedge/liveperson/connector"
)

// AppJWTLifetime is how long an AppJWT is valid (exp - iat), as Sentinel's.
const AppJWTLifetime = time.Hour

// AppJWT claim values, as Sentinel writes them.
const (
	AppJWTIssuer = "Sentinel"
	AppJWTScope  = "msg.consumer"
)

// signingKey signs every AppJWT and ConsumerJWS (RS256, as LivePerson's).
// It is 1024 bits because the reference's sample tokens carry 128-byte
// signatures, so lptest's tokens are as long as real ones; one key per
// process keeps a test binary that starts many servers fast.
var signingKey = sync.OnceValue(func() *rsa.PrivateKey {
	k, err := rsa.GenerateKey(rand.Reader, 1024)
	if err != nil {
		panic("lptest: generating the signing key: " + err.Error())
	}
	return k
})

// PublicKey is the key that verifies the tokens lptest issues.
func PublicKey() *rsa.PublicKey { return &signingKey().PublicKey }

// sign makes a compact RS256 JWS whose kid is "appjwt-" and the issue
// date, like LivePerson's ("appjwt-13-05-17").
func sign(claims jwt.MapClaims, issued time.Time) string {
	t := jwt.NewWithClaims(jwt.SigningMethodRS256, claims)
	t.Header["kid"] = "appjwt-" + issued.UTC().Format("02-01-06")
	s, err := t.SignedString(signingKey())
	if err != nil {
		panic("lptest: signing a token: " + err.Error())
	}
	return s
}

// AppJWT issues an AppJWT for account and clientID as Sentinel would,
// without a call: tests use it to reach the Connector directly.
func (s *Server) AppJWT(account, clientID string) string {
	now := s.now()
	return sign(jwt.MapClaims{"aud": account, "azp": clientID, "scope": AppJWTScope, "iss": AppJWTIssuer,
		"exp": now.Add(AppJWTLifetime).Unix(), "iat": now.Unix()}, now)
}

// ConsumerJWS issues the ConsumerJWS IDP gives for extConsumerID in
// account. It has no exp: it stays valid.
func (s *Server) ConsumerJWS(account, extConsumerID string) string {
	return sign(jwt.MapClaims{"account_id": account, "ext_consumer_id": extConsumerID,
		"lp_consumer_id": LPConsumerID(account, extConsumerID)}, s.now())
}

// LPConsumerID is LivePerson's consumer id for extConsumerID in account,
// as lptest derives it: a SHA-256 in hex, the shape of the real one.
func LPConsumerID(account, extConsumerID string) string {
	h := sha256.Sum256([]byte(account + "\x00" + extConsumerID))
	return hex.EncodeToString(h[:])
}

// token serves Sentinel: client credentials in a form body (or, as older
// samples send them, in the query string) give an AppJWT.
func (s *Server) token(r *http.Request, body []byte) answer {
	account := r.PathValue("account")
	q := r.URL.Query()
	if r.Method != http.MethodPost {
		return oauthError(http.StatusMethodNotAllowed, "invalid_request", "the token endpoint takes POST, not "+r.Method)
	}
	if v := q.Get("v"); v != connector.VersionSentinel {
		return oauthError(http.StatusBadRequest, "invalid_request", "v must be "+connector.VersionSentinel+", got "+strconv.Quote(v))
	}
	if len(body) > 0 && mediaType(r) != connector.ContentTypeForm {
		return oauthError(http.StatusBadRequest, "invalid_request", "Content-Type must be "+connector.ContentTypeForm+", got "+strconv.Quote(r.Header.Get("Content-Type")))
	}
	form, err := url.ParseQuery(string(body))
	if err != nil {
		return oauthError(http.StatusBadRequest, "invalid_request", "form body: "+err.Error())
	}
	for k, vs := range q {
		form[k] = append(form[k], vs...)
	}
	delete(form, "v")
	req, err := connector.ParseTokenRequest(form)
	if err != nil {
		var ve *liveperson.ValidationError
		if errors.As(err, &ve) && ve.Field == "grant_type" && ve.Problem != "is required" {
			return oauthError(http.StatusBadRequest, "unsupported_grant_type", err.Error())
		}
		if errors.As(err, &ve) && ve.Field != "grant_type" && ve.Problem == "is required" {
			return oauthError(http.StatusUnauthorized, "invalid_client", err.Error())
		}
		return oauthError(http.StatusBadRequest, "invalid_request", err.Error())
	}
	secret, known := s.cfg.clients[req.ClientID]
	switch {
	case !known || secret != req.ClientSecret:
		return oauthError(http.StatusUnauthorized, "invalid_client", "wrong client_id or client_secret")
	case s.cfg.accounts[account] == nil:
		return oauthError(http.StatusUnauthorized, "invalid_client", "the client is not installed on account "+strconv.Quote(account))
	}
	t := connector.Token{AccessToken: s.AppJWT(account, req.ClientID), TokenType: connector.TokenTypeBearer}
	return newAnswer(http.StatusOK, "application/json;charset=utf-8", t.AppendJSON(nil))
}

// oauthError is Sentinel's refusal. LivePerson says Sentinel answers "in
// accordance with OAuth 2.0" and documents no error body, so this is the
// RFC 6749 one.
func oauthError(status int, code, description string) answer {
	b := []byte(`{"error":`)
	b = jsonv.AppendString(b, code)
	b = append(b, `,"error_description":`...)
	b = jsonv.AppendString(b, description)
	return newAnswer(status, "application/json;charset=utf-8", append(b, '}'))
}

// authError is the Connector's and IDP's authorization failure.
func authError(code int) answer {
	e := connector.NewAuthError(code)
	return newAnswer(e.Status, "application/json", e.AppendJSON(nil))
}

// authFault is the answer of a fault on IDP or the Connector: 401 is an
// invalid AppJWT (so the client refreshes it), 429 the Connector's "Too
// many requests", other statuses plain text.
func (s *Server) authFault(_ *http.Request, status int) answer {
	switch status {
	case http.StatusUnauthorized:
		return authError(connector.ErrorInvalidAppJWT)
	case http.StatusTooManyRequests:
		return plain(status, "Too many requests, please try again later.")
	}
	return plain(status, http.StatusText(status))
}

// appClaims are the claims of a verified AppJWT.
type appClaims struct {
	account, app string
}

// checkAppJWT verifies the Authorization header of an IDP or Connector
// call for account: a raw AppJWT (no "Bearer "), signed by lptest,
// unexpired, with Sentinel's claims for account and a known client.
// Missing claims are 40001, as LivePerson documents; anything else wrong
// is 40102.
func (s *Server) checkAppJWT(r *http.Request, account string) (appClaims, *answer) {
	fail := func(code int) (appClaims, *answer) { a := authError(code); return appClaims{}, &a }
	raw := r.Header.Get(connector.HeaderAuthorization)
	if raw == "" {
		return fail(connector.ErrorMissingAppJWT)
	}
	claims := jwt.MapClaims{}
	_, err := jwt.ParseWithClaims(raw, claims, keyFunc, jwt.WithValidMethods([]string{"RS256"}),
		jwt.WithTimeFunc(s.now), jwt.WithExpirationRequired(), jwt.WithIssuedAt())
	if errors.Is(err, jwt.ErrTokenRequiredClaimMissing) {
		return fail(connector.ErrorMissingBrandID)
	}
	if err != nil {
		return fail(connector.ErrorInvalidAppJWT) // also "Bearer <token>": the samples send the token raw
	}
	str := func(k string) string { v, _ := claims[k].(string); return v }
	for _, k := range []string{"aud", "azp", "scope", "iss"} {
		if str(k) == "" {
			return fail(connector.ErrorMissingBrandID)
		}
	}
	if !strings.EqualFold(str("iss"), AppJWTIssuer) {
		return fail(connector.ErrorMissingBrandID) // "or does not have the value sentinel"
	}
	if _, known := s.cfg.clients[str("azp")]; !known || str("aud") != account || str("scope") != AppJWTScope {
		return fail(connector.ErrorInvalidAppJWT)
	}
	return appClaims{account: account, app: str("azp")}, nil
}

// consumerClaims are those of a verified ConsumerJWS.
type consumerClaims struct {
	ext, lp string
}

// checkConsumerJWS verifies the X-LP-ON-BEHALF header of a Connector call
// for account: a ConsumerJWS lptest issued for that account.
func (s *Server) checkConsumerJWS(r *http.Request, account string) (consumerClaims, *answer) {
	fail := func(code int) (consumerClaims, *answer) { a := authError(code); return consumerClaims{}, &a }
	raw := r.Header.Get(connector.HeaderOnBehalf)
	if raw == "" {
		return fail(connector.ErrorMissingConsumerJWS)
	}
	claims := jwt.MapClaims{}
	if _, err := jwt.ParseWithClaims(raw, claims, keyFunc, jwt.WithValidMethods([]string{"RS256"}), jwt.WithTimeFunc(s.now)); err != nil {
		return fail(connector.ErrorInvalidConsumerJWS)
	}
	acc, _ := claims["account_id"].(string)
	ext, _ := claims["ext_consumer_id"].(string)
	lp, _ := claims["lp_consumer_id"].(string)
	if acc != account || ext == "" || lp != LPConsumerID(account, ext) {
		return fail(connector.ErrorInvalidConsumerJWS)
	}
	return consumerClaims{ext: ext, lp: lp}, nil
}

func keyFunc(*jwt.Token) (any, error) { return PublicKey(), nil }

// consumer serves IDP: a valid AppJWT and {"ext_consumer_id"} give the
// consumer's ConsumerJWS (201).
func (s *Server) consumer(r *http.Request, body []byte) answer {
	account := r.PathValue("account")
	if r.Method != http.MethodPost {
		return plain(http.StatusMethodNotAllowed, "IDP's consumer endpoint takes POST, not "+r.Method)
	}
	if v := r.URL.Query().Get("v"); v != connector.VersionIDP {
		return plain(http.StatusBadRequest, "v must be "+connector.VersionIDP+", got "+strconv.Quote(v))
	}
	if _, fail := s.checkAppJWT(r, account); fail != nil {
		return *fail
	}
	if mediaType(r) != connector.ContentTypeJSON {
		return plain(http.StatusBadRequest, "Content-Type must be application/json, got "+strconv.Quote(r.Header.Get("Content-Type")))
	}
	req, err := connector.DecodeConsumerRequest(body)
	if err != nil {
		return plain(http.StatusBadRequest, err.Error())
	}
	t := connector.ConsumerToken{Token: s.ConsumerJWS(account, req.ExtConsumerID)}
	return newAnswer(http.StatusCreated, "application/json", t.AppendJSON(nil))
}
