package proxy

import (
	"errors"
	"net/http"
	"strconv"
	"time"

	"github.com/lpedge/lpedge/internal/jsonv"
)

// Error codes of the proxy's error bodies, {"error":{"code","message"}}.
// A client switches on the code; the message is for people.
const (
	CodeBadRequest           = "bad_request"            // 400: malformed or invalid body, header or path
	CodeAccountMismatch      = "account_mismatch"       // 400: the tag's ?account= or ?app= (its data-account, data-app) is not this proxy's
	CodeUnauthorized         = "unauthorized"           // 401: missing or forged token; a webhook's signature or headers do not match
	CodeForbiddenOrigin      = "origin_not_allowed"     // 403: Origin not in ALLOWED_ORIGINS
	CodeForbidden            = "forbidden"              // 403: a token of another conversation
	CodeNotFound             = "not_found"              // 404: no such route or asset
	CodeMethodNotAllowed     = "method_not_allowed"     // 405: see the Allow header
	CodeConflict             = "conversation_open"      // 409: the consumer already has an open conversation
	CodeUnknownEngagement    = "unknown_engagement"     // 400: LivePerson refused the create: campaignId and engagementId are no engagement of the account
	CodeCreateRefused        = "create_refused"         // 400: LivePerson refused the create for another reason (its reason is in the message)
	CodeInvalidData          = "invalid_data"           // 400: Monitoring refused the body (its internal code 5, e.g. an impression of an engagement this session was not offered)
	CodeNotYours             = "not_your_conversation"  // 403: LivePerson refused a SEND: the conversation is another consumer's
	CodeConversationNotFound = "conversation_not_found" // 404: LivePerson refused a SEND: no such conversation in the account
	CodeConversationClosed   = "conversation_closed"    // 409: LivePerson refused a SEND: the conversation is closed
	CodeSendRefused          = "conversation_refused"   // 409: LivePerson refused a SEND for another reason (e.g. a receipt naming no message of the conversation)
	CodeTooLarge             = "body_too_large"         // 413: over the body limit or LivePerson's 5000 characters
	CodeUnsupportedType      = "unsupported_media"      // 415: Content-Type not accepted on the route
	CodeIdempotencyMismatch  = "idempotency_mismatch"   // 422: Idempotency-Key reused with another request
	CodeRateLimited          = "rate_limited"           // 429: per-client limit; see Retry-After
	CodeUpstream             = "upstream_error"         // 502: LivePerson answered something the proxy cannot use
	CodeUnavailable          = "upstream_unavailable"   // 503: LivePerson is busy, failing or unreachable; see Retry-After
	CodeNotConfigured        = "not_configured"         // 503: the route needs configuration this proxy lacks
	CodeLoadingAccount       = "loading_account"        // 503: Monitoring is loading the account; retry with error.visitorId
	CodeInternal             = "internal_error"         // 500: a bug; details are in the log only
)

const (
	retryAfterDefault = 5 * time.Second   // LivePerson's first 5xx pause (spec 5)
	retryAfterMax     = 120 * time.Second // cap on an upstream Retry-After passed on to browsers

	headerRetryAfter     = "Retry-After"     // whole seconds
	headerIdempotencyKey = "Idempotency-Key" // see idempotency.go
	headerTimeZone       = "X-Time-Zone"     // IANA zone name, when the body has no timeZone
	headerLastEventID    = "Last-Event-ID"   // an event stream's resume point

	contentTypeJSON = "application/json; charset=utf-8"
)

// An apiError is an answer the client gets instead of a result.
type apiError struct {
	Status     int
	Code       string
	Message    string
	RetryAfter time.Duration // written as Retry-After (whole seconds, at least 1) when set
	VisitorID  string        // for loading_account: the vid LivePerson wants on the retry
	cause      error         // logged, never sent
}

func (e *apiError) Error() string {
	s := strconv.Itoa(e.Status) + " " + e.Code + ": " + e.Message
	if e.cause != nil {
		s += " (" + e.cause.Error() + ")"
	}
	return s
}

func (e *apiError) Unwrap() error { return e.cause }

func badRequest(msg string) *apiError {
	return &apiError{Status: http.StatusBadRequest, Code: CodeBadRequest, Message: msg}
}

// unavailable is a 503 that tells the browser when to try again.
func unavailable(msg string, retryAfter time.Duration, cause error) *apiError {
	if retryAfter <= 0 {
		retryAfter = retryAfterDefault
	}
	return &apiError{Status: http.StatusServiceUnavailable, Code: CodeUnavailable, Message: msg,
		RetryAfter: min(retryAfter, retryAfterMax), cause: cause}
}

func upstreamError(msg string, cause error) *apiError {
	return &apiError{Status: http.StatusBadGateway, Code: CodeUpstream, Message: msg, cause: cause}
}

// asAPIError turns any error into the answer to send; errors that are not
// *apiError are bugs and become a 500 without details.
func asAPIError(err error) *apiError {
	var ae *apiError
	if errors.As(err, &ae) {
		return ae
	}
	return &apiError{Status: http.StatusInternalServerError, Code: CodeInternal, Message: "internal error", cause: err}
}

// appendJSON writes the error body.
func (e *apiError) appendJSON(b []byte) []byte {
	b = append(b, `{"error":{"code":`...)
	b = jsonv.AppendString(b, e.Code)
	b = append(b, `,"message":`...)
	b = jsonv.AppendString(b, e.Message)
	if e.VisitorID != "" {
		b = append(b, `,"visitorId":`...)
		b = jsonv.AppendString(b, e.VisitorID)
	}
	return append(b, "}}\n"...)
}

// write sends e; headers set before (CORS, Allow) are kept.
func (e *apiError) write(w http.ResponseWriter) {
	h := w.Header()
	h.Set("Content-Type", contentTypeJSON)
	h.Set("Cache-Control", "no-store")
	h.Set("X-Content-Type-Options", "nosniff")
	if e.RetryAfter > 0 {
		h.Set(headerRetryAfter, strconv.Itoa(retryAfterSeconds(e.RetryAfter)))
	}
	w.WriteHeader(e.Status)
	w.Write(e.appendJSON(nil))
}

// retryAfterSeconds rounds up, so that a browser never retries early.
func retryAfterSeconds(d time.Duration) int {
	s := int((d + time.Second - 1) / time.Second)
	return max(s, 1)
}

// writeJSON sends a successful JSON answer.
func writeJSON(w http.ResponseWriter, status int, body []byte) {
	h := w.Header()
	h.Set("Content-Type", contentTypeJSON)
	h.Set("Cache-Control", "no-store")
	h.Set("X-Content-Type-Options", "nosniff")
	w.WriteHeader(status)
	w.Write(body)
}
