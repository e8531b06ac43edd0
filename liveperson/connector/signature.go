package connector

import (
	"crypto/hmac"
	"crypto/sha1"
	"crypto/sha256"
	"encoding/base64"
	"errors"
	"hash"
	"strings"
)

// Signature algorithms of [HeaderSignature]: LivePerson signs with
// HMAC-SHA1 by default and with HMAC-SHA256 for accounts that ask for it.
const (
	SignatureSHA1   = "sha1"
	SignatureSHA256 = "sha256"
)

// ErrSignature is matched (errors.Is) by every error of [VerifySignature].
var ErrSignature = errors.New("webhook signature")

type signatureError string

func (e signatureError) Error() string        { return "webhook signature: " + string(e) }
func (e signatureError) Is(target error) bool { return target == ErrSignature }

// Sign returns the x-liveperson-signature of body: alg, "=", and the
// standard base64 of the HMAC of the raw bytes keyed with the app's client
// secret. alg is SignatureSHA1 or SignatureSHA256; it panics on another,
// a programming error.
func Sign(alg, secret string, body []byte) string {
	return alg + "=" + base64.StdEncoding.EncodeToString(mac(newHash(alg), secret, body))
}

// VerifySignature checks a x-liveperson-signature header against the raw
// body, in constant time. It must see the bytes as received: LivePerson's
// own demo app re-serialised the body before checking, and emoji broke
// it. Errors say what is wrong, never the secret or the expected value.
func VerifySignature(header, secret string, body []byte) error {
	if header == "" {
		return signatureError("the " + HeaderSignature + " header is missing")
	}
	alg, sig, ok := strings.Cut(header, "=")
	if !ok {
		return signatureError("want sha1=<base64> or sha256=<base64>")
	}
	var h func() hash.Hash
	switch alg {
	case SignatureSHA1, SignatureSHA256:
		h = newHash(alg)
	default:
		return signatureError("unknown algorithm (want sha1 or sha256)")
	}
	got, err := base64.StdEncoding.DecodeString(sig)
	if err != nil {
		return signatureError("the value is not base64")
	}
	if !hmac.Equal(got, mac(h, secret, body)) {
		return signatureError("does not match the body")
	}
	return nil
}

func newHash(alg string) func() hash.Hash {
	switch alg {
	case SignatureSHA1:
		return sha1.New
	case SignatureSHA256:
		return sha256.New
	}
	panic("connector: unknown signature algorithm " + alg)
}

func mac(h func() hash.Hash, secret string, body []byte) []byte {
	m := hmac.New(h, []byte(secret))
	m.Write(body)
	return m.Sum(nil)
}
