package connector

import (
	"github.com/lpedge/lpedge/internal/jsonv"
)

// Values of SEND bodies.
const (
	EventContent           = "ContentEvent"           // event.type of a message
	ContentTypeText        = "text/plain"             // event.contentType of a text message
	FieldConversationState = "ConversationStateField" // conversationField.field of a close
	StateClose             = "CLOSE"                  // conversationField.conversationState of a close
)

// A SendRequest is the body of one SEND call: a *Message or a *Close.
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

// A Close is a cm.UpdateConversationField that closes a conversation.
type Close struct {
	ID             string // envelope id; "1" when empty
	ConversationID string // required
}

// RequestID is the envelope id written: ID, or "1".
func (m *Message) RequestID() string { return orDefault(m.ID, "1") }

// RequestID is the envelope id written: ID, or "1".
func (c *Close) RequestID() string { return orDefault(c.ID, "1") }

func (*Message) sendRequest() {}
func (*Close) sendRequest()   {}

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

// DecodeSend reads and validates a SEND body the way LivePerson would: a
// text ms.PublishEvent or a closing cm.UpdateConversationField, within
// [MaxChars], with only known members. Other events (chat states,
// receipts, files) are errors: lpedge does not send them.
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
	if typ == TypePublishEvent {
		r = &Message{ID: id}
	} else {
		r = &Close{ID: id}
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
