package proxy

import (
	"context"
	"crypto/subtle"
	"errors"
	"io"
	"log/slog"
	"net/http"
	"strconv"

	"github.com/lpedge/lpedge/internal/jsonv"
	"github.com/lpedge/lpedge/liveperson"
	"github.com/lpedge/lpedge/liveperson/connector"
)

// The webhook intake: POST /webhooks/liveperson, where LivePerson
// delivers the agent's side (see the package doc for the facts and their
// sources). Server to server: no CORS, no Origin check, no rate limit;
// its own body limit (WebhookMaxBodyBytes). A call is answered only after
// its events are in the Engine, which for the memory engine is a few
// microseconds: LivePerson counts only 200/201, and a webhook answered
// before it is stored could be lost by a crash in between.

// serveWebhook checks, decodes and stores one webhook call.
func (h *Handler) serveWebhook(w http.ResponseWriter, r *http.Request) {
	setRoute(r, "webhook")
	if err := h.webhook(w, r); err != nil {
		h.writeError(w, r, "webhook", err)
	}
}

func (h *Handler) webhook(w http.ResponseWriter, r *http.Request) error {
	if h.cfg.ClientSecret == "" {
		return &apiError{Status: http.StatusServiceUnavailable, Code: CodeNotConfigured,
			Message: "this proxy has no LivePerson client credentials (LP_CLIENT_ID, LP_CLIENT_SECRET) to check webhooks with"}
	}
	limit := h.cfg.WebhookMaxBodyBytes
	if r.ContentLength > limit {
		return tooLarge(limit)
	}
	body, err := io.ReadAll(http.MaxBytesReader(w, r.Body, limit))
	if err != nil {
		if _, ok := errors.AsType[*http.MaxBytesError](err); ok {
			return tooLarge(limit)
		}
		return badRequest("reading the body failed: " + err.Error())
	}
	if err := h.checkWebhook(r.Header, body); err != nil {
		h.log.LogAttrs(r.Context(), slog.LevelWarn, "webhook refused", slog.String("error", err.Message))
		return err
	}
	n, err := connector.DecodeNotification(body)
	if err != nil {
		return badRequest("the notification is not usable: " + err.Error())
	}
	// What could not be read is left out with a warning, and the rest is
	// stored and answered 200: a refusal would be retried, and with
	// ordered retries would hold up every later notification of the app.
	// The log names where, never the values (they may be message text).
	for _, e := range n.Skipped {
		where := "?"
		if ve, ok := errors.AsType[*liveperson.ValidationError](e); ok {
			where = ve.Field
		}
		h.log.LogAttrs(r.Context(), slog.LevelWarn, "webhook change left out", slog.String("type", clip(n.Type, 100)), slog.String("at", clip(where, 100)))
	}
	// Stored whole even if LivePerson hangs up meanwhile: it retries, and
	// the retry is dropped as a duplicate.
	ctx, cancel := context.WithTimeout(context.WithoutCancel(r.Context()), h.cfg.RequestTimeout)
	defer cancel()
	added, err := h.intake(ctx, n)
	if err != nil {
		return unavailable("the event log is not available; retry", 0, err)
	}
	h.log.LogAttrs(r.Context(), slog.LevelDebug, "webhook stored", slog.String("type", n.Type),
		slog.Int("changes", len(n.Events)+len(n.Conversations)), slog.Int("added", added))
	writeJSON(w, http.StatusOK, []byte("{\"status\":\"ok\"}\n"))
	return nil
}

// checkWebhook verifies the signature over the raw body and that the call
// is for this proxy's account and client. The messages name the header,
// never the secret or the values expected.
func (h *Handler) checkWebhook(hdr http.Header, body []byte) *apiError {
	if err := connector.VerifySignature(hdr.Get(connector.HeaderSignature), h.cfg.ClientSecret, body); err != nil {
		return unauthorized(err.Error())
	}
	for _, c := range []struct{ name, want string }{
		{connector.HeaderAccountID, h.cfg.Account},
		{connector.HeaderClientID, h.cfg.ClientID},
	} {
		if subtle.ConstantTimeCompare([]byte(hdr.Get(c.name)), []byte(c.want)) != 1 {
			return unauthorized(c.name + ": is missing or not this proxy's")
		}
	}
	return nil
}

// intake turns a notification into log events and open conversations and
// stores them; it returns how many events were added (duplicates are
// not).
func (h *Handler) intake(ctx context.Context, n *connector.Notification) (int, error) {
	now := h.cfg.Now().UnixMilli()
	var order []string
	batches := map[string][]Event{}
	add := func(conv string, e Event) {
		if _, ok := batches[conv]; !ok {
			order = append(order, conv)
		}
		batches[conv] = append(batches[conv], e)
	}
	for i := range n.Events {
		me := &n.Events[i]
		conv := me.Conversation()
		if checkConversationID(conv) != nil {
			continue
		}
		if e, ok := messagingEvent(me, now); ok {
			add(conv, e)
		}
	}
	for i := range n.Conversations {
		c := &n.Conversations[i]
		if checkConversationID(c.ConversationID) != nil {
			continue
		}
		closed := c.Closed() || c.Type == connector.ChangeDelete
		if consumer := c.Consumer(); consumer != "" {
			if err := h.state.SetOpen(ctx, consumer, c.ConversationID, !closed); err != nil {
				return 0, err
			}
		}
		if c.Type == connector.ChangeDelete {
			continue // no details; the UPSERT that closed it says so
		}
		for _, e := range stateEvents(c, now) {
			add(c.ConversationID, e)
		}
	}
	added := 0
	for _, conv := range order {
		k, err := h.state.Append(ctx, conv, batches[conv])
		added += k
		if err != nil {
			return added, err
		}
	}
	return added, nil
}

// Event states of the log's state events.
const (
	stateOpen     = "open"
	stateAccepted = "accepted"
	stateClosed   = "closed"
)

// stateEvents are a conversation change's state events: open (until an
// agent is assigned), accepted (an agent is), closed. Each is logged once
// per conversation, however often LivePerson repeats the details.
func stateEvents(c *connector.ConversationChange, now int64) []Event {
	t := c.UpdatedTs
	if t == 0 {
		t = now
	}
	if c.Closed() {
		return []Event{stateEvent(stateClosed, t)}
	}
	evs := []Event{stateEvent(stateOpen, t)}
	if c.Agent() != "" {
		evs = append(evs, stateEvent(stateAccepted, t))
	}
	return evs
}

func stateEvent(state string, t int64) Event {
	b := append([]byte(`"type":"state","state":`), jsonv.AppendString(nil, state)...)
	b = append(b, `,"time":`...)
	b = strconv.AppendInt(b, t, 10)
	return Event{Key: "state:" + state, Data: b, Closed: state == stateClosed}
}

// messagingEvent is the log event of a messaging change, if the consumer
// is to see it: messages of every role (the consumer's own come back as
// LivePerson echoes them), and the other side's receipts (ACCEPT, READ)
// and typing. Agent-only events (messageAudience AGENTS_AND_MANAGERS) are
// never logged.
func messagingEvent(me *connector.MessagingEvent, now int64) (Event, bool) {
	if !me.Visible() {
		return Event{}, false
	}
	t := me.ServerTimestamp
	if t == 0 {
		t = now
	}
	var b []byte
	ev := &me.Event
	switch ev.Type {
	case connector.EventContent, connector.EventRichContent:
		if !me.HasSequence {
			return Event{}, false
		}
		b = append(b, `"type":"message","sequence":`...)
		b = strconv.AppendInt(b, me.Sequence, 10)
		b = appendTimeRole(b, t, me.Role)
		if ev.Type == connector.EventRichContent {
			if len(ev.Content) == 0 {
				return Event{}, false
			}
			b = append(b, `,"content":`...)
			b = append(b, ev.Content...)
		} else {
			if ev.ContentType != "" && ev.ContentType != connector.ContentTypeText {
				return Event{}, false // files and the like: not shown yet
			}
			b = append(b, `,"text":`...)
			b = jsonv.AppendString(b, ev.Message)
		}
	case connector.EventAcceptStatus:
		if me.Role == connector.RoleConsumer || len(ev.SequenceList) == 0 ||
			ev.Status != connector.AcceptStatusAccept && ev.Status != connector.AcceptStatusRead {
			return Event{}, false
		}
		b = append(b, `"type":"read"`...)
		b = appendTimeRole(b, t, me.Role)
		b = append(b, `,"status":`...)
		b = jsonv.AppendString(b, ev.Status)
		b = append(b, `,"sequences":[`...)
		for i, s := range ev.SequenceList {
			if i > 0 {
				b = append(b, ',')
			}
			b = strconv.AppendInt(b, s, 10)
		}
		b = append(b, ']')
	case connector.EventChatState:
		if me.Role == connector.RoleConsumer {
			return Event{}, false
		}
		b = append(b, `"type":"typing"`...)
		b = appendTimeRole(b, t, me.Role)
		b = append(b, `,"typing":`...)
		b = strconv.AppendBool(b, ev.ChatState == connector.ChatStateComposing)
	default:
		return Event{}, false
	}
	e := Event{Data: b}
	if me.HasSequence {
		// LivePerson's sequences are per dialog; a retried or duplicated
		// delivery carries the same pair.
		e.Key = me.DialogID + ":" + strconv.FormatInt(me.Sequence, 10)
	}
	return e, true
}

func appendTimeRole(b []byte, t int64, role string) []byte {
	b = append(b, `,"time":`...)
	b = strconv.AppendInt(b, t, 10)
	b = append(b, `,"role":`...)
	return jsonv.AppendString(b, role)
}
