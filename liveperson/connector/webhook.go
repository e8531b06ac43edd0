package connector

import (
	"strconv"

	"github.com/lpedge/lpedge/internal/jsonv"
)

// Webhooks: how the agent's side reaches a connector. LivePerson POSTs a
// notification to each endpoint the connector app's manifest lists
// (capabilities.webhooks.<event type>.endpoint, HTTPS), signed with the
// app's client secret ([Sign], [VerifySignature]). Only 200 and 201 count;
// connection and read time out after 5 s, and an endpoint slower than
// 2.5 s for two minutes may be disabled. Retries follow
// capabilities.webhooks.retry.retention_time (2 s to 259,200 s; pauses 2,
// 4, 8 s up to 5 min; order kept per conversation), which wins over the
// older max_retries (at most 5, 30 s apart, no order, duplicates possible).
// Sources: LivePerson developer-center ConnectorAPI/Webhooks/{overview,
// configuration,events,notification-protocol,retry-policy,
// webhooks-examples}.md.

// The headers of a webhook call.
const (
	HeaderAccountID = "X-Liveperson-Account-Id"
	HeaderClientID  = "X-Liveperson-Client-Id"
	HeaderSignature = "X-Liveperson-Signature"
)

// Notification types. Endpoints are registered per event type
// (NotificationMessaging + ".ContentEvent", ".RichContentEvent",
// ".AcceptStatusEvent", ".ChatStateEvent"); the examples' bodies carry the
// bare NotificationMessaging, and [DecodeNotification] takes both.
const (
	NotificationMessaging    = "ms.MessagingEventNotification"
	NotificationConversation = "cqm.ExConversationChangeNotification"
)

// Originator roles (originatorMetadata.role, participants[].role); others,
// such as MANAGER or CONTROLLER, are passed on as they come.
const (
	RoleConsumer      = "CONSUMER"
	RoleAssignedAgent = "ASSIGNED_AGENT"
)

// Message audiences (messageAudience): only AudienceAll may be shown to
// the consumer.
const (
	AudienceAll    = "ALL"
	AudienceAgents = "AGENTS_AND_MANAGERS"
)

// Conversation changes: change types, and conversationDetails.state and
// .stage values.
const (
	ChangeUpsert      = "UPSERT"
	ChangeDelete      = "DELETE"
	ConversationOpen  = "OPEN"
	ConversationClose = "CLOSE"
)

// A Notification is the body of a webhook call:
// {"kind":"notification","type":...,"body":{"changes":[...]}}.
type Notification struct {
	Type          string               // "type" as sent
	Events        []MessagingEvent     // the changes of a messaging notification
	Conversations []ConversationChange // the changes of a conversation notification
	// Skipped says why changes were left out: each could not be read (an
	// error naming its JSONPath), or the type is not one lpedge knows, in
	// which case no change is read. The other changes are.
	Skipped []error
}

// A MessagingEvent is one change of a messaging notification: an event
// published in a dialog by the consumer, an agent or the system.
type MessagingEvent struct {
	Sequence        int64 // the event's place in its dialog, shared by both sides
	HasSequence     bool  // false for chat states, which carry none
	OriginatorID    string
	Role            string // originatorMetadata.role
	ServerTimestamp int64  // ms since the epoch; 0 when absent
	ConversationID  string // "conversationId", when sent
	DialogID        string
	Audience        string // messageAudience; "" when absent, which means AudienceAll
	Event           Event
}

// Conversation is the conversation the event belongs to: ConversationID,
// or DialogID when only that is sent (a MAIN dialog has the
// conversation's id).
func (e *MessagingEvent) Conversation() string {
	if e.ConversationID != "" {
		return e.ConversationID
	}
	return e.DialogID
}

// Visible reports whether the consumer may see the event.
func (e *MessagingEvent) Visible() bool { return e.Audience == "" || e.Audience == AudienceAll }

// An Event is what a MessagingEvent carries; Type says which members are
// set.
type Event struct {
	Type         string  // EventContent, EventRichContent, EventAcceptStatus or EventChatState
	ContentType  string  // ContentEvent: "text/plain", ...
	Message      string  // ContentEvent
	Content      []byte  // RichContentEvent: "content" as raw JSON
	Status       string  // AcceptStatusEvent: AcceptStatusAccept, AcceptStatusRead, ...
	SequenceList []int64 // AcceptStatusEvent: the events it is about
	ChatState    string  // ChatStateEvent: ChatStateComposing, ...
}

// A ConversationChange is one change of a conversation notification:
// the conversation as it is now.
type ConversationChange struct {
	Type           string // ChangeUpsert or ChangeDelete
	ConversationID string // result.convId
	State          string // conversationDetails.state: ConversationOpen or ConversationClose
	Stage          string // conversationDetails.stage
	Participants   []Participant
	StartTs        int64 // ms since the epoch
	UpdatedTs      int64 // metaDataLastUpdateTs, ms since the epoch
	CloseReason    string
}

// A Participant is one of a conversation's participants.
type Participant struct {
	ID   string // for the consumer, LivePerson's lp_consumer_id
	Role string
}

// Consumer is the id of the consumer participant, "" when there is none.
func (c *ConversationChange) Consumer() string { return c.participant(RoleConsumer) }

// Agent is the id of the assigned agent, "" while there is none.
func (c *ConversationChange) Agent() string { return c.participant(RoleAssignedAgent) }

func (c *ConversationChange) participant(role string) string {
	for _, p := range c.Participants {
		if p.Role == role {
			return p.ID
		}
	}
	return ""
}

// Closed reports whether the conversation is closed.
func (c *ConversationChange) Closed() bool {
	return c.State == ConversationClose || c.Stage == ConversationClose
}

// DecodeNotification reads a webhook body. It is lenient with members it
// does not read, as LivePerson asks clients to accept new attributes, and
// strict with those it reads. One change it cannot read (a wrong type, a
// missing conversation id or event type) does not cost the others: it is
// left out and named in Skipped, as is a notification type it does not
// know (a receiver answers LivePerson 200 either way: a refusal is retried
// and, with ordered retries, holds up every later notification). Only a
// body that is no notification at all is an error.
func DecodeNotification(data []byte) (*Notification, error) {
	o, err := decodeObject(data)
	if err != nil {
		return nil, err
	}
	if err := o.is("kind", "notification"); err != nil {
		return nil, err
	}
	n := &Notification{}
	if n.Type, err = o.str("type"); err != nil {
		return nil, err
	}
	body, err := o.reqObj("body")
	if err != nil {
		return nil, err
	}
	v, _ := body.get("changes")
	changes, ok := v.([]any)
	if !ok {
		return nil, bad(body.at("changes"), "want an array, got "+jsonv.Describe(v))
	}
	kind := notificationKind(n.Type)
	if kind == "" {
		n.Skipped = []error{bad(o.at("type"), "want "+NotificationMessaging+"[.<event type>] or "+NotificationConversation+", got "+strconv.Quote(n.Type))}
		return n, nil
	}
	for i, c := range changes {
		co, err := asObject(body.at("changes")+"["+strconv.Itoa(i)+"]", c)
		if err == nil && kind == NotificationConversation {
			var ch ConversationChange
			if err = ch.read(co); err == nil {
				n.Conversations = append(n.Conversations, ch)
			}
		} else if err == nil {
			var ev MessagingEvent
			if err = ev.read(co); err == nil {
				n.Events = append(n.Events, ev)
			}
		}
		if err != nil {
			n.Skipped = append(n.Skipped, err)
		}
	}
	return n, nil
}

// notificationKind is NotificationMessaging (also for the types of event
// types it does not know yet) or NotificationConversation, "" for another
// type.
func notificationKind(typ string) string {
	switch {
	case typ == NotificationConversation, typ == NotificationMessaging:
		return typ
	case len(typ) > len(NotificationMessaging)+1 && typ[:len(NotificationMessaging)+1] == NotificationMessaging+".":
		return NotificationMessaging
	}
	return ""
}

func (e *MessagingEvent) read(o object) (err error) {
	if e.Sequence, e.HasSequence, err = o.int64("sequence"); err != nil {
		return err
	}
	if e.ServerTimestamp, _, err = o.int64("serverTimestamp"); err != nil {
		return err
	}
	for _, f := range []struct {
		key string
		dst *string
	}{{"originatorId", &e.OriginatorID}, {"conversationId", &e.ConversationID}, {"dialogId", &e.DialogID}, {"messageAudience", &e.Audience}} {
		if *f.dst, err = o.str(f.key); err != nil {
			return err
		}
	}
	if e.Conversation() == "" {
		return bad(o.at("dialogId"), "is required")
	}
	if meta, ok, err := o.obj("originatorMetadata"); err != nil {
		return err
	} else if ok {
		if e.Role, err = meta.str("role"); err != nil {
			return err
		}
	}
	ev, err := o.reqObj("event")
	if err != nil {
		return err
	}
	return e.Event.read(ev)
}

func (e *Event) read(o object) (err error) {
	if e.Type, err = o.str("type"); err != nil {
		return err
	}
	switch e.Type {
	case EventContent:
		if e.ContentType, err = o.str("contentType"); err != nil {
			return err
		}
		// A file's message is an object; keep text only.
		if v, _ := o.get("message"); v != nil {
			if s, ok := v.(string); ok {
				e.Message = s
			} else if e.ContentType == ContentTypeText {
				return bad(o.at("message"), "want a string, got "+jsonv.Describe(v))
			}
		}
	case EventRichContent:
		if v, ok := o.get("content"); ok {
			e.Content = jsonv.Append(nil, v)
		}
	case EventAcceptStatus:
		if e.Status, err = o.str("status"); err != nil {
			return err
		}
		if e.SequenceList, err = o.ints("sequenceList"); err != nil {
			return err
		}
	case EventChatState:
		if e.ChatState, err = o.str("chatState"); err != nil {
			return err
		}
	case "":
		return bad(o.at("type"), "is required")
	}
	// Other event types (files, ...) pass with their Type only.
	return nil
}

func (c *ConversationChange) read(o object) (err error) {
	if c.Type, err = o.str("type"); err != nil {
		return err
	}
	res, err := o.reqObj("result")
	if err != nil {
		return err
	}
	if c.ConversationID, err = res.str("convId"); err != nil {
		return err
	}
	if c.ConversationID == "" {
		return bad(res.at("convId"), "is required")
	}
	d, ok, err := res.obj("conversationDetails")
	if err != nil || !ok {
		return err // a DELETE may carry no details
	}
	for _, f := range []struct {
		key string
		dst *string
	}{{"state", &c.State}, {"stage", &c.Stage}, {"closeReason", &c.CloseReason}} {
		if *f.dst, err = d.str(f.key); err != nil {
			return err
		}
	}
	if c.StartTs, _, err = d.int64("startTs"); err != nil {
		return err
	}
	if c.UpdatedTs, _, err = d.int64("metaDataLastUpdateTs"); err != nil {
		return err
	}
	v, _ := d.get("participants")
	if v == nil {
		return nil
	}
	list, ok := v.([]any)
	if !ok {
		return bad(d.at("participants"), "want an array, got "+jsonv.Describe(v))
	}
	for i, p := range list {
		po, err := asObject(d.at("participants")+"["+strconv.Itoa(i)+"]", p)
		if err != nil {
			return err
		}
		var part Participant
		if part.ID, err = po.str("id"); err != nil {
			return err
		}
		if part.Role, err = po.str("role"); err != nil {
			return err
		}
		c.Participants = append(c.Participants, part)
	}
	return nil
}

// AppendJSON appends n as LivePerson sends it, members in the order of
// its examples: what a fake LivePerson posts.
func (n *Notification) AppendJSON(b []byte) []byte {
	env := openObj(b)
	env.str("kind", "notification")
	body := env.open("body")
	body.key("changes")
	body.b = append(body.b, '[')
	i := 0
	for _, e := range n.Events {
		body.b = e.appendJSON(comma(body.b, i))
		i++
	}
	for _, c := range n.Conversations {
		body.b = c.appendJSON(comma(body.b, i))
		i++
	}
	body.b = append(body.b, ']')
	env.end(body)
	env.str("type", n.Type)
	return env.close()
}

func comma(b []byte, i int) []byte {
	if i > 0 {
		return append(b, ',')
	}
	return b
}

func (e *MessagingEvent) appendJSON(b []byte) []byte {
	o := openObj(b)
	if e.HasSequence {
		o.int("sequence", e.Sequence)
	}
	o.optStr("originatorId", e.OriginatorID)
	if e.OriginatorID != "" || e.Role != "" {
		m := o.open("originatorMetadata")
		m.optStr("id", e.OriginatorID)
		m.optStr("role", e.Role)
		o.end(m)
	}
	if e.ServerTimestamp != 0 {
		o.int("serverTimestamp", e.ServerTimestamp)
	}
	ev := o.open("event")
	ev.str("type", e.Event.Type)
	switch e.Event.Type {
	case EventContent:
		ev.str("message", e.Event.Message)
		ev.optStr("contentType", e.Event.ContentType)
	case EventRichContent:
		ev.key("content")
		if len(e.Event.Content) > 0 {
			ev.b = append(ev.b, e.Event.Content...)
		} else {
			ev.b = append(ev.b, "null"...)
		}
	case EventAcceptStatus:
		ev.str("status", e.Event.Status)
		ev.ints("sequenceList", e.Event.SequenceList)
	case EventChatState:
		ev.str("chatState", e.Event.ChatState)
	}
	o.end(ev)
	o.optStr("conversationId", e.ConversationID)
	o.optStr("dialogId", e.DialogID)
	o.optStr("messageAudience", e.Audience)
	return o.close()
}

func (c *ConversationChange) appendJSON(b []byte) []byte {
	o := openObj(b)
	o.str("type", c.Type)
	res := o.open("result")
	res.str("convId", c.ConversationID)
	d := res.open("conversationDetails")
	d.key("participants")
	d.b = append(d.b, '[')
	for i, p := range c.Participants {
		po := openObj(comma(d.b, i))
		po.str("id", p.ID)
		po.str("role", p.Role)
		d.b = po.close()
	}
	d.b = append(d.b, ']')
	d.optStr("state", c.State)
	d.optStr("stage", c.Stage)
	d.optStr("closeReason", c.CloseReason)
	if c.StartTs != 0 {
		d.int("startTs", c.StartTs)
	}
	if c.UpdatedTs != 0 {
		d.int("metaDataLastUpdateTs", c.UpdatedTs)
	}
	res.end(d)
	o.end(res)
	return o.close()
}
