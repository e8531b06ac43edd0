package connector

import (
	"strconv"

	"github.com/lpedge/lpedge/internal/jsonv"
)

// Values of SEND bodies.
const (
	EventContent           = "ContentEvent"           // event.type of a message
	EventRichContent       = "RichContentEvent"       // event.type of structured content (agents send it)
	EventAcceptStatus      = "AcceptStatusEvent"      // event.type of a receipt
	EventChatState         = "ChatStateEvent"         // event.type of a typing or presence state
	ContentTypeText        = "text/plain"             // event.contentType of a text message
	FieldConversationState = "ConversationStateField" // conversationField.field of a close
	StateClose             = "CLOSE"                  // conversationField.conversationState of a close
)

// Chat states (ChatStateEvent.chatState). After ChatStateComposing
// another state must follow, or the agent keeps seeing "typing".
const (
	ChatStateActive    = "ACTIVE"
	ChatStateInactive  = "INACTIVE"
	ChatStateGone      = "GONE"
	ChatStateComposing = "COMPOSING"
	ChatStatePause     = "PAUSE"
)

// ChatStates are the chat states SEND takes.
var ChatStates = []string{ChatStateActive, ChatStateInactive, ChatStateGone, ChatStateComposing, ChatStatePause}

// Accept statuses (AcceptStatusEvent.status): receipts for the other
// side's messages, named by their sequences.
const (
	AcceptStatusAccept = "ACCEPT" // received
	AcceptStatusRead   = "READ"
	AcceptStatusAccess = "ACCESS"
	AcceptStatusNack   = "NACK"
	AcceptStatusAction = "ACTION"
)

// AcceptStatuses are the statuses SEND takes.
var AcceptStatuses = []string{AcceptStatusAccept, AcceptStatusRead, AcceptStatusAccess, AcceptStatusNack, AcceptStatusAction}

// MaxSequences bounds an AcceptStatus's sequence list. LivePerson
// documents no limit; lpedge keeps receipts small, well within MaxChars.
const MaxSequences = 100

// A SendRequest is the body of one SEND call: a *Message, *ChatState,
// *AcceptStatus or *Close.
type SendRequest interface {
	// RequestID is the envelope id, which the answer's reqId echoes.
	RequestID() string
	// AppendJSON validates the request and appends its body.
	AppendJSON(b []byte) ([]byte, error)
	sendRequest()
}

// A Message is an ms.PublishEvent carrying a text message from the
// consumer.
type Message struct {
	ID       string // envelope id; "1" when empty
	DialogID string // the conversationId (its MAIN dialog has the same id); required
	// ConversationID is written next to dialogId when set, as the devassist
	// guide's example does; LivePerson's reference sends dialogId only.
	ConversationID string
	Text           string // the message; required, and the body must stay within MaxChars
}

// A ChatState is an ms.PublishEvent carrying the consumer's chat state:
// COMPOSING while typing, then ACTIVE or PAUSE.
type ChatState struct {
	ID       string // envelope id; "1" when empty
	DialogID string // required
	State    string // one of ChatStates; required
}

// An AcceptStatus is an ms.PublishEvent carrying the consumer's receipt
// for the agent's messages.
type AcceptStatus struct {
	ID        string  // envelope id; "1" when empty
	DialogID  string  // required
	Status    string  // one of AcceptStatuses; required
	Sequences []int64 // sequenceList: the messages meant; 1 to MaxSequences, each >= 0
}

// A Close is a cm.UpdateConversationField that closes a conversation.
type Close struct {
	ID             string // envelope id; "1" when empty
	ConversationID string // required
}

// RequestID is the envelope id written: ID, or "1".
func (m *Message) RequestID() string { return orDefault(m.ID, "1") }

// RequestID is the envelope id written: ID, or "1".
func (c *Close) RequestID() string { return orDefault(c.ID, "1") }

// RequestID is the envelope id written: ID, or "1".
func (c *ChatState) RequestID() string { return orDefault(c.ID, "1") }

// RequestID is the envelope id written: ID, or "1".
func (a *AcceptStatus) RequestID() string { return orDefault(a.ID, "1") }

func (*Message) sendRequest()      {}
func (*ChatState) sendRequest()    {}
func (*AcceptStatus) sendRequest() {}
func (*Close) sendRequest()        {}

func (c *ChatState) check() error {
	if c.DialogID == "" {
		return bad("$.body.dialogId", "is required")
	}
	return oneOf("$.body.event.chatState", c.State, ChatStates)
}

func (a *AcceptStatus) check() error {
	if a.DialogID == "" {
		return bad("$.body.dialogId", "is required")
	}
	if err := oneOf("$.body.event.status", a.Status, AcceptStatuses); err != nil {
		return err
	}
	switch n := len(a.Sequences); {
	case n == 0:
		return bad("$.body.event.sequenceList", "is empty")
	case n > MaxSequences:
		return bad("$.body.event.sequenceList", "has "+strconv.Itoa(n)+" entries; at most "+strconv.Itoa(MaxSequences))
	}
	for i, seq := range a.Sequences {
		if seq < 0 || seq > maxSequence {
			return bad("$.body.event.sequenceList["+strconv.Itoa(i)+"]", "want a sequence from 0 to 2^53, got "+strconv.FormatInt(seq, 10))
		}
	}
	return nil
}

// maxSequence is the largest sequence JSON carries exactly.
const maxSequence = 1 << 53

func (m *Message) check() error {
	if m.DialogID == "" {
		return bad("$.body.dialogId", "is required")
	}
	if m.Text == "" {
		return bad("$.body.event.message", "is empty")
	}
	return nil
}

func (c *Close) check() error {
	if c.ConversationID == "" {
		return bad("$.body.conversationId", "is required")
	}
	return nil
}

// AppendJSON validates m and appends the SEND body. A body over
// [MaxChars] is an [ErrTooLarge] error.
func (m *Message) AppendJSON(b []byte) ([]byte, error) {
	if err := m.check(); err != nil {
		return b, err
	}
	return appendSend(b, m.RequestID(), TypePublishEvent, func(body *obj) {
		body.str("dialogId", m.DialogID)
		body.optStr("conversationId", m.ConversationID)
		ev := body.open("event")
		ev.str("type", EventContent)
		ev.str("contentType", ContentTypeText)
		ev.str("message", m.Text)
		body.end(ev)
	})
}

// AppendJSON validates c and appends the SEND body.
func (c *ChatState) AppendJSON(b []byte) ([]byte, error) {
	if err := c.check(); err != nil {
		return b, err
	}
	return appendSend(b, c.RequestID(), TypePublishEvent, func(body *obj) {
		body.str("dialogId", c.DialogID)
		ev := body.open("event")
		ev.str("type", EventChatState)
		ev.str("chatState", c.State)
		body.end(ev)
	})
}

// AppendJSON validates a and appends the SEND body.
func (a *AcceptStatus) AppendJSON(b []byte) ([]byte, error) {
	if err := a.check(); err != nil {
		return b, err
	}
	return appendSend(b, a.RequestID(), TypePublishEvent, func(body *obj) {
		body.str("dialogId", a.DialogID)
		ev := body.open("event")
		ev.str("type", EventAcceptStatus)
		ev.str("status", a.Status)
		ev.ints("sequenceList", a.Sequences)
		body.end(ev)
	})
}

// AppendJSON validates c and appends the SEND body.
func (c *Close) AppendJSON(b []byte) ([]byte, error) {
	if err := c.check(); err != nil {
		return b, err
	}
	return appendSend(b, c.RequestID(), TypeUpdateConversationField, func(body *obj) {
		body.str("conversationId", c.ConversationID)
		f := body.open("conversationField")
		f.str("field", FieldConversationState)
		f.str("conversationState", StateClose)
		body.end(f)
	})
}

func appendSend(b []byte, id, typ string, writeBody func(*obj)) ([]byte, error) {
	start := len(b)
	b = appendRequest(b, id, typ, writeBody)
	if err := checkSize(b[start:]); err != nil {
		return b[:start], err
	}
	return b, nil
}

// DecodeSend reads and validates a SEND body the way LivePerson would: an
// ms.PublishEvent of a text message, a chat state or a receipt, or a
// closing cm.UpdateConversationField, within [MaxChars], with only known
// members. Other events (files, rich content) are errors: a consumer
// connector of lpedge's kind does not send them.
func DecodeSend(data []byte) (SendRequest, error) {
	if err := checkSize(data); err != nil {
		return nil, err
	}
	v, err := jsonv.Parse(data)
	if err != nil {
		return nil, err
	}
	id, typ, body, err := readRequest("$", v, TypePublishEvent, TypeUpdateConversationField)
	if err != nil {
		return nil, err
	}
	var r interface {
		SendRequest
		read(object) error
	}
	switch {
	case typ != TypePublishEvent:
		r = &Close{ID: id}
	default:
		switch eventType(body) {
		case EventChatState:
			r = &ChatState{ID: id}
		case EventAcceptStatus:
			r = &AcceptStatus{ID: id}
		default:
			r = &Message{ID: id}
		}
	}
	if err := r.read(body); err != nil {
		return nil, err
	}
	return r, nil
}

func (m *Message) read(body object) (err error) {
	if err = body.only("dialogId", "conversationId", "event"); err != nil {
		return err
	}
	if m.DialogID, err = body.str("dialogId"); err != nil {
		return err
	}
	if m.ConversationID, err = body.str("conversationId"); err != nil {
		return err
	}
	ev, err := body.reqObj("event")
	if err != nil {
		return err
	}
	if err = ev.only("type", "contentType", "message"); err != nil {
		return err
	}
	if err = ev.is("type", EventContent); err != nil {
		return err
	}
	if err = ev.is("contentType", ContentTypeText); err != nil {
		return err
	}
	if m.Text, err = ev.str("message"); err != nil {
		return err
	}
	return m.check()
}

// eventType is body.event.type when it is a string, for choosing the
// reader; the reader reports what is wrong with the event.
func eventType(body object) string {
	ev, _ := body.m["event"].(map[string]any)
	s, _ := ev["type"].(string)
	return s
}

// readEvent reads the dialogId and the event of a publish body whose event
// type is typ and whose event members are keys.
func readEvent(body object, typ string, keys ...string) (dialog string, ev object, err error) {
	if err = body.only("dialogId", "event"); err != nil {
		return "", ev, err
	}
	if dialog, err = body.str("dialogId"); err != nil {
		return "", ev, err
	}
	if ev, err = body.reqObj("event"); err != nil {
		return "", ev, err
	}
	if err = ev.only(append([]string{"type"}, keys...)...); err != nil {
		return "", ev, err
	}
	return dialog, ev, ev.is("type", typ)
}

func (c *ChatState) read(body object) (err error) {
	var ev object
	if c.DialogID, ev, err = readEvent(body, EventChatState, "chatState"); err != nil {
		return err
	}
	if c.State, err = ev.str("chatState"); err != nil {
		return err
	}
	return c.check()
}

func (a *AcceptStatus) read(body object) (err error) {
	var ev object
	if a.DialogID, ev, err = readEvent(body, EventAcceptStatus, "status", "sequenceList"); err != nil {
		return err
	}
	if a.Status, err = ev.str("status"); err != nil {
		return err
	}
	if a.Sequences, err = ev.ints("sequenceList"); err != nil {
		return err
	}
	return a.check()
}

func (c *Close) read(body object) (err error) {
	if err = body.only("conversationId", "conversationField"); err != nil {
		return err
	}
	if c.ConversationID, err = body.str("conversationId"); err != nil {
		return err
	}
	f, err := body.reqObj("conversationField")
	if err != nil {
		return err
	}
	if err = f.only("field", "conversationState"); err != nil {
		return err
	}
	if err = f.is("field", FieldConversationState); err != nil {
		return err
	}
	if err = f.is("conversationState", StateClose); err != nil {
		return err
	}
	return c.check()
}
