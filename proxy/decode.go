package proxy

import (
	"errors"
	"math"
	"net/http"
	"slices"
	"strconv"
	"strings"

	"github.com/lpedge/lpedge/internal/jsonv"
	"github.com/lpedge/lpedge/internal/text"
	"github.com/lpedge/lpedge/liveperson"
	"github.com/lpedge/lpedge/liveperson/connector"
	"github.com/lpedge/lpedge/liveperson/monitoring"
)

// The request bodies of the /v1 routes are read here, strictly: unknown
// members, wrong types and bad ids are 400 errors that name the member,
// and nothing goes upstream. Bodies are parsed with jsonv.ParseStrict
// (the Go parser, on Workers too): a key given twice and a number a
// double does not hold exactly are refused, not silently resolved, since
// what the proxy forwards would not be what the client sent.

// decodeMonitoring reads a /v1/report or /v1/engagement body with the
// Monitoring model, which carries visitorId and sessionId in the body on
// these routes.
func decodeMonitoring(body []byte, m monitoring.Method) (*monitoring.Request, error) {
	req, err := monitoring.DecodeRequest(body, monitoring.DecodeOptions{Method: m, IDsInBody: true, Strict: true})
	if err != nil {
		return nil, invalid(err)
	}
	return req, nil
}

// invalid turns a parse or validation error into a 400.
func invalid(err error) *apiError {
	var se *jsonv.SyntaxError
	if errors.As(err, &se) {
		return badRequest("the body is not valid JSON: " + err.Error())
	}
	return badRequest(err.Error())
}

// A createRequest is the body of POST /v1/conversations: the consumer and
// the Monitoring session and engagement the conversation comes from.
type createRequest struct {
	ConsumerID   string           // the tag's stable random id: IDP's ext_consumer_id; required
	VisitorID    string           // Monitoring visitorId; required
	SessionID    string           // Monitoring sessionId; required
	CampaignID   string           // engagement's campaignId, decimal; required
	EngagementID string           // engagement's engagementId, decimal; required
	ContextID    string           // engagement's contextId (interactionContextId); required
	Lang         string           // e.g. "en-US"; optional
	TimeZone     string           // IANA name for Client-Properties; optional (else the X-Time-Zone header)
	SDEs         []liveperson.SDE // optional; only ctmrinfo and personal go to LivePerson
}

// A messageRequest is the body of POST /v1/conversations/{id}/messages.
type messageRequest struct {
	ConsumerID string // the consumer the conversation was created for
	Text       string // the message, non-empty
	TimeZone   string
}

// A closeRequest is the body of POST /v1/conversations/{id}/close.
type closeRequest struct {
	ConsumerID string
	TimeZone   string
}

// Limits of proxy ids. The consumer id becomes ext_consumer_id; 128
// characters hold any UUID or hash the tag makes.
const (
	maxConsumerID = 128
	maxSessionID  = 128
	maxContextID  = 64
	maxTimeZone   = 64
)

func decodeCreate(body []byte) (*createRequest, error) {
	o, err := parseObject(body)
	if err != nil {
		return nil, err
	}
	if err := o.only("consumerId", "visitorId", "sessionId", "campaignId", "engagementId", "contextId", "lang", "timeZone", "sdes"); err != nil {
		return nil, err
	}
	req := &createRequest{}
	ids := []struct {
		name string
		dst  *string
		max  int
		num  bool // also an integer, as engagementDetails carries it
	}{
		{"consumerId", &req.ConsumerID, maxConsumerID, false},
		{"visitorId", &req.VisitorID, maxSessionID, false},
		{"sessionId", &req.SessionID, maxSessionID, false},
		{"campaignId", &req.CampaignID, 19, true},
		{"engagementId", &req.EngagementID, 19, true},
		{"contextId", &req.ContextID, maxContextID, true},
	}
	for _, f := range ids {
		if *f.dst, err = o.id(f.name, f.max, f.num, true); err != nil {
			return nil, err
		}
	}
	if !text.IsDigits(req.CampaignID) {
		return nil, badRequest("campaignId: want decimal digits, got " + strconv.Quote(req.CampaignID))
	}
	if !text.IsDigits(req.EngagementID) {
		return nil, badRequest("engagementId: want decimal digits, got " + strconv.Quote(req.EngagementID))
	}
	if req.Lang, err = o.str("lang", 35); err != nil {
		return nil, err
	}
	if req.TimeZone, err = o.timeZone(); err != nil {
		return nil, err
	}
	if v, ok := o.m["sdes"]; ok && v != nil {
		if req.SDEs, err = liveperson.ParseSDEs(v); err != nil {
			return nil, badRequest(err.Error())
		}
	}
	return req, nil
}

func decodeMessage(body []byte) (*messageRequest, error) {
	o, err := parseObject(body)
	if err != nil {
		return nil, err
	}
	if err := o.only("consumerId", "text", "timeZone"); err != nil {
		return nil, err
	}
	req := &messageRequest{}
	if req.ConsumerID, err = o.id("consumerId", maxConsumerID, false, true); err != nil {
		return nil, err
	}
	// The 5000-character limit of the whole SEND body is checked when it
	// is built; here the text only has to exist.
	if req.Text, err = o.str("text", math.MaxInt); err != nil {
		return nil, err
	}
	if strings.TrimSpace(req.Text) == "" {
		return nil, badRequest("text: is required (a non-empty message)")
	}
	if req.TimeZone, err = o.timeZone(); err != nil {
		return nil, err
	}
	return req, nil
}

// A typingRequest is the body of POST /v1/conversations/{id}/typing.
type typingRequest struct {
	ConsumerID string
	Typing     bool // true: ChatStateEvent COMPOSING; false: ACTIVE
	TimeZone   string
}

// A readRequest is the body of POST /v1/conversations/{id}/read.
type readRequest struct {
	ConsumerID string
	Sequences  []int64 // the agent's messages read: 1 to connector.MaxSequences
	TimeZone   string
}

func decodeTyping(body []byte) (*typingRequest, error) {
	o, err := parseObject(body)
	if err != nil {
		return nil, err
	}
	if err := o.only("consumerId", "typing", "timeZone"); err != nil {
		return nil, err
	}
	req := &typingRequest{}
	if req.ConsumerID, err = o.id("consumerId", maxConsumerID, false, true); err != nil {
		return nil, err
	}
	switch v := o.m["typing"].(type) {
	case bool:
		req.Typing = v
	case nil:
		return nil, badRequest("typing: is required (true or false)")
	default:
		return nil, badRequest("typing: want true or false, got " + jsonv.Describe(v))
	}
	if req.TimeZone, err = o.timeZone(); err != nil {
		return nil, err
	}
	return req, nil
}

func decodeRead(body []byte) (*readRequest, error) {
	o, err := parseObject(body)
	if err != nil {
		return nil, err
	}
	if err := o.only("consumerId", "sequences", "timeZone"); err != nil {
		return nil, err
	}
	req := &readRequest{}
	if req.ConsumerID, err = o.id("consumerId", maxConsumerID, false, true); err != nil {
		return nil, err
	}
	list, ok := o.m["sequences"].([]any)
	switch {
	case o.m["sequences"] == nil:
		return nil, badRequest("sequences: is required (the sequences of the messages read)")
	case !ok:
		return nil, badRequest("sequences: want an array of sequences, got " + jsonv.Describe(o.m["sequences"]))
	case len(list) == 0 || len(list) > connector.MaxSequences:
		return nil, badRequest("sequences: want 1 to " + strconv.Itoa(connector.MaxSequences) + " sequences, got " + strconv.Itoa(len(list)))
	}
	for i, v := range list {
		n, isNum := v.(float64)
		if !isNum || n < 0 || n != math.Trunc(n) || n > 1<<53 {
			return nil, badRequest("sequences[" + strconv.Itoa(i) + "]: want a non-negative integer, got " + jsonv.Describe(v))
		}
		req.Sequences = append(req.Sequences, int64(n))
	}
	if req.TimeZone, err = o.timeZone(); err != nil {
		return nil, err
	}
	return req, nil
}

func decodeClose(body []byte) (*closeRequest, error) {
	o, err := parseObject(body)
	if err != nil {
		return nil, err
	}
	if err := o.only("consumerId", "timeZone"); err != nil {
		return nil, err
	}
	req := &closeRequest{}
	if req.ConsumerID, err = o.id("consumerId", maxConsumerID, false, true); err != nil {
		return nil, err
	}
	if req.TimeZone, err = o.timeZone(); err != nil {
		return nil, err
	}
	return req, nil
}

// object is a decoded body object.
type object struct{ m map[string]any }

func parseObject(body []byte) (object, error) {
	v, err := jsonv.ParseStrict(body)
	if err != nil {
		return object{}, invalid(err)
	}
	m, ok := v.(map[string]any)
	if !ok {
		return object{}, badRequest("the body must be a JSON object")
	}
	return object{m}, nil
}

func (o object) only(names ...string) error {
	var unknown []string
	for k := range o.m {
		if !slices.Contains(names, k) {
			unknown = append(unknown, k)
		}
	}
	if len(unknown) > 0 {
		k := slices.Min(unknown) // the same error for the same body
		return badRequest(strconv.Quote(clip(k, 40)) + ": is not a member of this body (want " + strings.Join(names, ", ") + ")")
	}
	return nil
}

// str reads an optional string member of at most max bytes; null is absent.
func (o object) str(name string, max int) (string, error) {
	v, ok := o.m[name]
	if !ok || v == nil {
		return "", nil
	}
	s, ok := v.(string)
	if !ok {
		return "", badRequest(name + ": want a string, got " + jsonv.Describe(v))
	}
	if len(s) > max {
		return "", badRequest(name + ": is longer than " + strconv.Itoa(max) + " bytes")
	}
	return s, nil
}

// id reads an identifier: 1 to max letters, digits or "-_.~+/=" (no
// spaces, no control characters: ids go into URLs, headers and bodies);
// num also takes a non-negative integer.
func (o object) id(name string, max int, num, required bool) (string, error) {
	v, ok := o.m[name]
	if !ok || v == nil {
		if required {
			return "", badRequest(name + ": is required")
		}
		return "", nil
	}
	s, isStr := v.(string)
	if n, isNum := v.(float64); isNum && num {
		if n < 0 || n != math.Trunc(n) || n > 1<<53 {
			return "", badRequest(name + ": want a non-negative integer or a string, got " + jsonv.Describe(v))
		}
		s, isStr = strconv.FormatInt(int64(n), 10), true
	}
	if !isStr {
		want := "a string"
		if num {
			want = "a string or an integer"
		}
		return "", badRequest(name + ": want " + want + ", got " + jsonv.Describe(v))
	}
	if err := monitoring.CheckID(name, s, max); err != nil {
		return "", badRequest(err.Error())
	}
	return s, nil
}

func (o object) timeZone() (string, error) {
	tz, err := o.str("timeZone", maxTimeZone)
	if err != nil {
		return "", err
	}
	return checkTimeZone("timeZone", tz)
}

// checkConversationID validates a conversation id: the {id} of a
// conversation route, and ids LivePerson answers or its webhooks name.
// LivePerson's conversation ids are UUIDs (the CONVERSATION answer the
// devassist guide quotes: "cbf6e739-dfe6-4e3c-a544-2504afbe8747"; lptest
// makes them so too), so "-", "_", a made-up name and
// %0d%0a end here, before any upstream call.
func checkConversationID(id string) error {
	if !isUUID(id) {
		return badRequest("the path's conversation id: want the conversationId of the create answer (a UUID), got " + strconv.Quote(clip(id, 40)))
	}
	return nil
}

// isUUID says whether s is a UUID in its text form: 32 hex digits in
// groups of 8-4-4-4-12, in either case.
func isUUID(s string) bool {
	if len(s) != 36 {
		return false
	}
	for i := 0; i < len(s); i++ {
		c := s[i]
		if i == 8 || i == 13 || i == 18 || i == 23 {
			if c != '-' {
				return false
			}
			continue
		}
		if !(c >= '0' && c <= '9' || c >= 'a' && c <= 'f' || c >= 'A' && c <= 'F') {
			return false
		}
	}
	return true
}

// idempotencyKey returns the request's Idempotency-Key: absent, or 1 to
// 128 printable ASCII characters without spaces.
func idempotencyKey(h http.Header) (string, error) {
	vs := h.Values(headerIdempotencyKey)
	switch len(vs) {
	case 0:
		return "", nil
	case 1:
	default:
		return "", badRequest("Idempotency-Key: is given " + strconv.Itoa(len(vs)) + " times")
	}
	k := vs[0]
	if k == "" || len(k) > 128 {
		return "", badRequest("Idempotency-Key: want 1 to 128 characters, got " + strconv.Itoa(len(k)))
	}
	for i := 0; i < len(k); i++ {
		if k[i] <= ' ' || k[i] > '~' {
			return "", badRequest("Idempotency-Key: has a character that is not allowed at byte " + strconv.Itoa(i) + " (want printable ASCII without spaces)")
		}
	}
	return k, nil
}

// headerTimeZoneValue reads X-Time-Zone, the time zone of clients that do
// not put it in the body.
func headerTimeZoneValue(h http.Header) (string, error) {
	return checkTimeZone(headerTimeZone, h.Get(headerTimeZone))
}
