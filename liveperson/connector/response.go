package connector

import (
	"errors"
	"math"
	"strconv"
	"strings"

	"github.com/lpedge/lpedge/internal/jsonv"
)

// Codes of answer items.
const (
	CodeOK         = "OK"
	CodeBadRequest = "BAD_REQUEST"
)

// ErrOpenConversation is matched (errors.Is) by the [*ResponseError] of a
// ConsumerRequestConversation refused because the consumer already has an
// open conversation: LivePerson allows one per consumer and leaves
// tracking its id to the connector.
var ErrOpenConversation = errors.New("the consumer already has an open conversation")

// openConversationText is what identifies that refusal in the item's msg
// ("Consumer request conversation failed: User <id> already has open
// conversation. Can't open another one.", devassist guide).
const openConversationText = "already has open conversation"

// Refusals whose wording LivePerson does not document (its pages document
// only the open conversation's): the phrases are lptest's guesses, which
// a client matches to name the cause. A refusal that matches none is
// still a refusal, of a cause not told apart.
var (
	// ErrConversationNotFound: a SEND names a conversation that does not exist.
	ErrConversationNotFound = errors.New("the conversation does not exist")
	// ErrNotConsumersConversation: a SEND names another consumer's conversation.
	ErrNotConsumersConversation = errors.New("the conversation is another consumer's")
	// ErrConversationClosed: a SEND into a closed conversation.
	ErrConversationClosed = errors.New("the conversation is closed")
	// ErrUnknownEngagement: a ConsumerRequestConversation's campaignInfo
	// names no engagement of the account.
	ErrUnknownEngagement = errors.New("the campaign and engagement are not the account's")
)

// refusals pairs each refusal with the phrase that identifies it in an
// item's msg.
var refusals = []struct {
	err  error
	text string
}{
	{ErrOpenConversation, openConversationText},
	{ErrConversationNotFound, "does not exist"},
	{ErrNotConsumersConversation, "is not the consumer's"},
	{ErrConversationClosed, "is closed"},
	{ErrUnknownEngagement, "is not an engagement of this account"},
}

// RefusedResponse refuses a request for reason, one of the errors
// [ResponseError.Is] matches other than [ErrOpenConversation] (see
// [OpenConversationResponse]), with subject (e.g. `conversation "<id>"`)
// and detail (may be "") around the phrase: lptest's wording.
func RefusedResponse(reqID string, reason error, subject, detail string) Response {
	for _, r := range refusals {
		if r.err == reason {
			msg := subject + " " + r.text
			if detail != "" {
				msg += " " + detail
			}
			return BadRequestResponse(reqID, msg)
		}
	}
	panic("connector: RefusedResponse of an unknown reason: " + reason.Error())
}

// A Response is one answer item: {"code","body","reqId"}. CONVERSATION
// answers with an array of them, one per request in the same order; SEND
// with one.
type Response struct {
	ReqID string // the request's envelope id
	Code  string // CodeOK, CodeBadRequest, ...
	Body  any    // decoded JSON, usually an object: {msg}, {conversationId}, {sequence}
}

// Msg is body.msg, or the body itself when it is a string.
func (r Response) Msg() string {
	if s, ok := r.Body.(string); ok {
		return s
	}
	s, _ := r.member("msg").(string)
	return s
}

// ConversationID is body.conversationId: set in the item answering a
// ConsumerRequestConversation.
func (r Response) ConversationID() string {
	s, _ := r.member("conversationId").(string)
	return s
}

// Sequence is body.sequence, the number LivePerson gave a published
// message; ok is false when there is none.
func (r Response) Sequence() (seq int64, ok bool) {
	n, isNum := r.member("sequence").(float64)
	if !isNum || n != math.Trunc(n) || math.Abs(n) > 1<<53 {
		return 0, false
	}
	return int64(n), true
}

func (r Response) member(k string) any {
	m, _ := r.Body.(map[string]any)
	return m[k]
}

// Err is nil when the item's code is OK, and a *ResponseError otherwise.
func (r Response) Err() error {
	if r.Code == CodeOK {
		return nil
	}
	return &ResponseError{ReqID: r.ReqID, Code: r.Code, Msg: r.Msg()}
}

// A ResponseError is an answer item whose code is not OK.
type ResponseError struct {
	ReqID string
	Code  string // e.g. CodeBadRequest
	Msg   string // body.msg
}

func (e *ResponseError) Error() string {
	s := "LivePerson answered request " + strconv.Quote(e.ReqID) + " with " + e.Code
	if e.Msg != "" {
		s += ": " + e.Msg
	}
	return s
}

// Is matches the refusal its Msg names: [ErrOpenConversation],
// [ErrConversationNotFound], [ErrNotConsumersConversation],
// [ErrConversationClosed] or [ErrUnknownEngagement].
func (e *ResponseError) Is(target error) bool {
	for _, r := range refusals {
		if r.err == target {
			return e.Code == CodeBadRequest && strings.Contains(e.Msg, r.text)
		}
	}
	return false
}

// AppendJSON appends r in LivePerson's member order; a nil Body is left out.
func (r Response) AppendJSON(b []byte) []byte {
	o := openObj(b)
	o.str("code", r.Code)
	if r.Body != nil {
		o.key("body")
		o.b = jsonv.Append(o.b, r.Body)
	}
	o.str("reqId", r.ReqID)
	return o.close()
}

// AppendResponses appends a CONVERSATION answer: the items as an array.
func AppendResponses(b []byte, items []Response) []byte {
	b = append(b, '[')
	for i, r := range items {
		if i > 0 {
			b = append(b, ',')
		}
		b = r.AppendJSON(b)
	}
	return append(b, ']')
}

func msgBody(code, reqID, msg string) Response {
	return Response{ReqID: reqID, Code: code, Body: map[string]any{"msg": msg}}
}

// ProfileSetResponse answers a SetUserProfile.
func ProfileSetResponse(reqID string) Response {
	return msgBody(CodeOK, reqID, "OK User Profile set successfully")
}

// CreatedResponse answers a ConsumerRequestConversation that opened
// conversationID.
func CreatedResponse(reqID, conversationID string) Response {
	return Response{ReqID: reqID, Code: CodeOK, Body: map[string]any{"conversationId": conversationID}}
}

// PublishedResponse answers a PublishEvent; sequence counts the
// conversation's messages from 0.
func PublishedResponse(reqID string, sequence int64) Response {
	return Response{ReqID: reqID, Code: CodeOK, Body: map[string]any{"sequence": float64(sequence)}}
}

// ClosedResponse answers the UpdateConversationField that closed a
// conversation.
func ClosedResponse(reqID string) Response {
	return msgBody(CodeOK, reqID, "OK Conversation resolved successfully")
}

// BadRequestResponse refuses a request; LivePerson sends it with HTTP 400
// (msg "Bad Request" for a body over MaxChars).
func BadRequestResponse(reqID, msg string) Response {
	return msgBody(CodeBadRequest, reqID, msg)
}

// OpenConversationResponse refuses a ConsumerRequestConversation because
// consumer (LivePerson's consumer id) already has an open conversation,
// in LivePerson's words; its Err matches [ErrOpenConversation].
func OpenConversationResponse(reqID, consumer string) Response {
	return BadRequestResponse(reqID, "Consumer request conversation failed: User "+consumer+" "+openConversationText+". Can't open another one.")
}

// DecodeResponse reads a SEND answer: one item. An authorization failure
// body (HTTP 401) is returned as the *AuthError error. Unknown members are
// ignored, as LivePerson asks of clients; the item's own outcome is
// [Response.Err].
func DecodeResponse(data []byte) (Response, error) {
	v, err := decodeAnswer(data)
	if err != nil {
		return Response{}, err
	}
	return readResponse("$", v)
}

// DecodeResponses reads a CONVERSATION answer: an array of items. A
// single item, as a whole-batch refusal may come, is taken as an array of
// one; an authorization failure is returned as the *AuthError error.
func DecodeResponses(data []byte) ([]Response, error) {
	v, err := decodeAnswer(data)
	if err != nil {
		return nil, err
	}
	list, ok := v.([]any)
	if !ok {
		list = []any{v}
	}
	items := make([]Response, len(list))
	for i, e := range list {
		if items[i], err = readResponse("$["+strconv.Itoa(i)+"]", e); err != nil {
			return nil, err
		}
	}
	return items, nil
}

// decodeAnswer parses an answer and turns an authorization failure body
// into its error.
func decodeAnswer(data []byte) (any, error) {
	v, err := jsonv.Parse(data)
	if err != nil {
		return nil, err
	}
	if m, ok := v.(map[string]any); ok && isAuthError(m) {
		e, err := readAuthError(object{"$", m})
		if err != nil {
			return nil, err
		}
		return nil, e
	}
	return v, nil
}

func readResponse(path string, v any) (Response, error) {
	o, err := asObject(path, v)
	if err != nil {
		return Response{}, err
	}
	var r Response
	if r.Code, err = o.id("code"); err == nil && r.Code == "" {
		err = bad(o.at("code"), "is required")
	}
	if err != nil {
		return Response{}, err
	}
	if r.ReqID, err = o.id("reqId"); err != nil {
		return Response{}, err
	}
	r.Body = o.m["body"]
	return r, nil
}

// ReadConversation reads a CONVERSATION answer and returns the id of the
// conversation opened by the request whose envelope id is reqID (the
// Conversation's RequestID). A refused request gives its *ResponseError
// (errors.Is(err, ErrOpenConversation) when the consumer already has one),
// an authorization failure its *AuthError.
func ReadConversation(data []byte, reqID string) (string, error) {
	items, err := DecodeResponses(data)
	if err != nil {
		return "", err
	}
	for i, r := range items {
		if r.ReqID != reqID {
			continue
		}
		if err := r.Err(); err != nil {
			return "", err
		}
		if id := r.ConversationID(); id != "" {
			return id, nil
		}
		return "", bad("$["+strconv.Itoa(i)+"].body.conversationId", "is missing from the answer to request "+strconv.Quote(reqID))
	}
	// A refusal of the whole batch need not carry our id.
	for _, r := range items {
		if err := r.Err(); err != nil {
			return "", err
		}
	}
	return "", bad("$", "no item answers request "+strconv.Quote(reqID))
}
