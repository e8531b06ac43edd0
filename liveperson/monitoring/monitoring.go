// Package monitoring models LivePerson's Monitoring API (service "smt"):
// the report and engagement methods' URLs, request bodies, answers, error
// bodies and retry policy. It does no I/O, and the browser tag links it, so
// it imports neither encoding/json, fmt, net/http, net/url, regexp, time
// nor strings: times are milliseconds, as in JavaScript.
//
// A report call, as the tag makes it from a browser (POST with the
// override header, because LivePerson's CORS allow-list lacks PUT):
//
//	call := monitoring.Call{Domain: "va.v.liveperson.net", Account: "12345678",
//		App: "8de29e3d-25b1-4d08-b713-8331ab222bfa", VisitorID: vid, SessionID: sid}
//	url, err := call.URL(monitoring.Report)
//	body := (&monitoring.Request{SDEs: sdes, EntryPoints: []string{"https://shop.example/p/1"}}).AppendJSON(nil)
//	// POST url, headers: Content-Type: application/json, X-HTTP-Method-Override: PUT
//	// then: answer, err := monitoring.DecodeAnswer(respBody) and
//	// monitoring.Classify(status, body, retryAfter, attempt, nowMillis) on
//	// failure, whose Wait is in milliseconds.
package monitoring

import (
	"strconv"

	"github.com/lpedge/lpedge/internal/jsonv"
	"github.com/lpedge/lpedge/internal/text"
)

// Method is a Monitoring API method.
type Method string

// The Monitoring API methods.
const (
	Report     Method = "report"     // PUT; accepts every SDE type, impressions included
	Engagement Method = "engagement" // POST; answers engagementDetails; no impressions
)

// HTTPMethod is the method the API documents for m. A browser must send
// report as POST with [OverrideHeader]: PUT instead.
func (m Method) HTTPMethod() string {
	if m == Report {
		return "PUT"
	}
	return "POST"
}

// Header names and values used by Monitoring calls.
const (
	OverrideHeader = "X-HTTP-Method-Override" // a request header, not a query parameter (spec 1.5)
	Version        = "1.1"                    // the API version lpedge speaks: it has 202 "loading account"
	ServiceName    = "smt"                    // the Domain API service name
)

// Internal codes of Monitoring error bodies (overview "error table").
const (
	CodeInvalidData      = 5  // 400: missing or invalid data
	CodeInternal         = 18 // 500: internal server error; also 404: invalid appInstallationId
	CodeAccountNotLoaded = 20 // 500: account not loaded or timeout (v1.0 loading account)
	CodeIllegalVersion   = 33 // 400
	CodeInvalidVisitor   = 37 // 404: invalid visitorId
	CodeLoadingAccount   = 38 // 202: loading account (v1.1)
	CodeInvalidSession   = 39 // 404: invalid sessionId
)

// A Call addresses one Monitoring method for one visitor.
type Call struct {
	Domain    string // smt host from the Domain API, e.g. "va.v.liveperson.net"; no scheme
	Account   string // LivePerson account (site) id
	App       string // app installation id
	VisitorID string // vid; empty on the first call
	SessionID string // sid; empty on the first call
	OnBehalf  bool   // obh=true: a server calls for the visitor, so LivePerson keeps the visitor's geo-location
	Scheme    string // "https" when empty; tests against a loopback lptest use "http"
}

// URL returns the method's URL, or an error naming the bad part of c.
func (c *Call) URL(m Method) (string, error) {
	if err := CheckHost(c.Domain); err != nil {
		return "", err
	}
	if err := CheckAccount(c.Account); err != nil {
		return "", err
	}
	if err := CheckID("app installation id", c.App, 64); err != nil {
		return "", err
	}
	scheme := c.Scheme
	if scheme == "" {
		scheme = "https"
	}
	u := scheme + "://" + c.Domain + Path(c.Account, c.App, m) + "?v=" + Version
	// The ids are left out until LivePerson has made them. Of the bytes
	// CheckID lets through, '+', '/' and '=' are percent-encoded.
	for _, id := range [...]struct{ param, name, value string }{
		{"&vid=", "visitorId", c.VisitorID}, {"&sid=", "sessionId", c.SessionID}} {
		if id.value == "" {
			continue
		}
		if err := CheckID(id.name, id.value, 128); err != nil {
			return "", err
		}
		u += id.param
		for s := id.value; ; {
			i := badByte(s, "-_.~")
			if i < 0 {
				u += s
				break
			}
			const hex = "0123456789ABCDEF"
			b := s[i]
			u += s[:i] + "%" + hex[b>>4:b>>4+1] + hex[b&15:b&15+1]
			s = s[i+1:]
		}
	}
	if c.OnBehalf {
		u += "&obh=true"
	}
	return u, nil
}

// Path is the URL path of method m; account and app must have passed
// [CheckAccount] and [CheckID].
func Path(account, app string, m Method) string {
	return "/api/account/" + account + "/app/" + app + "/" + string(m)
}

// CheckAccount reports whether s is a LivePerson account id: 1 to 20
// letters, digits or underscores (the reference's ^[a-zA-Z0-9_]{1,20}$).
func CheckAccount(s string) error {
	if s == "" || len(s) > 20 || badByte(s, "_") >= 0 {
		return fieldErr("account", "want 1 to 20 letters, digits or '_', got "+jsonv.Quote(s))
	}
	return nil
}

// CheckID reports whether s is a usable opaque id (app installation id,
// vid, sid, page id): 1 to max bytes of letters, digits and "-_.~+/=",
// which covers UUIDs and LivePerson's base64 ids and needs no escaping in
// a path.
func CheckID(name, s string, max int) error {
	var problem string
	if s == "" || len(s) > max {
		problem = "want 1 to " + strconv.Itoa(max) + " characters, got " + strconv.Itoa(len(s))
	} else if i := badByte(s, "-_.~+/="); i >= 0 {
		problem = "has a character that is not allowed: " + jsonv.QuoteByte(s[i])
	} else {
		return nil
	}
	return fieldErr(name, problem)
}

// CheckHost reports whether s is a bare host name (optionally with a
// port), as the Domain API returns: no scheme, path, user info or spaces.
func CheckHost(s string) error {
	problem := "want a host name, got "
	if s != "" && len(s) <= 253 {
		if badByte(s, "-.:") < 0 {
			return nil
		}
		problem = "want a bare host name, got "
	}
	return fieldErr("domain", problem+jsonv.Quote(s))
}

// badByte returns the index of the first byte of s that is neither an
// ASCII letter or digit nor one of extra, or -1 when there is none.
func badByte(s, extra string) int {
	for i := 0; i < len(s); i++ {
		c := s[i]
		if !('a' <= c && c <= 'z' || 'A' <= c && c <= 'Z' || '0' <= c && c <= '9' || text.Index(extra, s[i:i+1]) >= 0) {
			return i
		}
	}
	return -1
}

// An Identity is one entry of a request's identities: who the consumer is.
type Identity struct {
	_   [0]func() // not comparable: no generated equality function in the tag (make size)
	Iss string    // issuer: the brand's URL for authenticated consumers
	Acr string    // assurance: "loa1" (the only value the table allows; the example also shows "0")
	Sub string    // stable, unguessable consumer id
}

// Assurance levels of an [Identity].
const (
	ACRAuthenticated = "loa1"
	ACRNone          = "0"
)
