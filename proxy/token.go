package proxy

import (
	"crypto/hmac"
	"crypto/sha256"
	"encoding/base64"
	"net/http"
	"strings"
)

// Conversation tokens: the create answer's "token", which GET
// /v1/conversations/{id}/events wants as "Authorization: Bearer". A token
// is
//
//	base64url(conversationId) "." base64url(HMAC-SHA256(key, tokenLabel + conversationId))
//
// without padding, where key = HMAC-SHA256(LP_CLIENT_SECRET, keyLabel):
// stateless, so every instance and isolate sharing the secret accepts it,
// after restarts too, and an idempotent replay of a create returns the
// same token. Changing LP_CLIENT_SECRET invalidates every token. The
// labels keep the key apart from any other use of the secret (LivePerson's
// own webhook signatures are HMACs keyed with it directly).
const (
	keyLabel   = "lpedge/conversation-token/key/v1"
	tokenLabel = "lpedge/conversation-token/v1\x00"
)

// tokenKey is the derived key; nil without a client secret, when no
// conversation can be created and no token is accepted.
type tokenKey []byte

func newTokenKey(secret string) tokenKey {
	if secret == "" {
		return nil
	}
	m := hmac.New(sha256.New, []byte(secret))
	m.Write([]byte(keyLabel))
	return m.Sum(nil)
}

func (k tokenKey) mac(conv string) []byte {
	m := hmac.New(sha256.New, k)
	m.Write([]byte(tokenLabel))
	m.Write([]byte(conv))
	return m.Sum(nil)
}

// token returns the token of conversation conv.
func (k tokenKey) token(conv string) string {
	enc := base64.RawURLEncoding
	return enc.EncodeToString([]byte(conv)) + "." + enc.EncodeToString(k.mac(conv))
}

// maxToken bounds what is decoded of a presented token: a 64-byte id and
// a 32-byte MAC take 130 characters.
const maxToken = 200

// verify checks a presented token for conversation conv: nil when it is
// that conversation's, 401 when it is missing or not a token this proxy
// made, 403 when it is another conversation's. The MAC is compared in
// constant time; the answer never repeats the token.
func (k tokenKey) verify(tok, conv string) *apiError {
	if tok == "" {
		return unauthorized("the Authorization header is missing; want Bearer and the token of the create answer")
	}
	enc := base64.RawURLEncoding
	idPart, macPart, ok := strings.Cut(tok, ".")
	if !ok || len(tok) > maxToken || k == nil {
		return unauthorized("the token is not valid")
	}
	id, err1 := enc.DecodeString(idPart)
	sum, err2 := enc.DecodeString(macPart)
	if err1 != nil || err2 != nil || !isUUID(string(id)) {
		return unauthorized("the token is not valid")
	}
	if !hmac.Equal(sum, k.mac(string(id))) {
		return unauthorized("the token is not valid")
	}
	if string(id) != conv {
		return &apiError{Status: http.StatusForbidden, Code: CodeForbidden, Message: "the token is for another conversation"}
	}
	return nil
}

// bearer reads "Authorization: Bearer <token>"; "" when there is none.
func bearer(h http.Header) (string, *apiError) {
	vs := h.Values("Authorization")
	switch len(vs) {
	case 0:
		return "", nil
	case 1:
	default:
		return "", unauthorized("the Authorization header is given more than once")
	}
	scheme, tok, ok := strings.Cut(strings.TrimSpace(vs[0]), " ")
	if !ok || !strings.EqualFold(scheme, "Bearer") {
		return "", unauthorized("the Authorization header: want Bearer and the token of the create answer")
	}
	return strings.TrimSpace(tok), nil
}

func unauthorized(msg string) *apiError {
	return &apiError{Status: http.StatusUnauthorized, Code: CodeUnauthorized, Message: msg}
}
