package lptest

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"slices"
	"strconv"
	"sync"
	"time"

	"github.com/lpedge/lpedge/liveperson/connector"
)

// Webhook delivery defaults (see [WithWebhookRetry]).
const (
	// DefaultWebhookFirstRetry is the first retry's wait; each next one
	// doubles it (2, 4, 8 s ...), as LivePerson's retention policy does.
	DefaultWebhookFirstRetry = 2 * time.Second
	// DefaultWebhookMaxRetry caps the wait between retries (LivePerson: 5 min).
	DefaultWebhookMaxRetry = 5 * time.Minute
	// DefaultWebhookRetention is how long lptest keeps trying to deliver a
	// notification before dropping it. LivePerson's retention_time is set
	// per app (2 s to 259,200 s) and documents no default; 10 minutes is
	// lptest's choice, so a demo left without its proxy does not retry for
	// days.
	DefaultWebhookRetention = 10 * time.Minute
	// WebhookTimeout bounds one delivery attempt (LivePerson: 5 s connect
	// and read timeouts).
	WebhookTimeout = 5 * time.Second
)

// A Delivery is one webhook attempt, as the inspector keeps it. It never
// holds the signature.
type Delivery struct {
	Seq  int       `json:"seq"` // 1, 2, ... in attempt order; Reset restarts it
	Time time.Time `json:"time"`
	// Notification numbers the notification (1, 2, ... in the order
	// changes happened): its retries and duplicates share it.
	Notification int    `json:"notification"`
	Conversation string `json:"conversation"`
	// Event is the webhook event type: "cqm.ExConversationChangeNotification"
	// or "ms.MessagingEventNotification." + the event's type.
	Event     string `json:"event"`
	Attempt   int    `json:"attempt"`         // 1 for the first try of a notification
	Status    int    `json:"status"`          // the endpoint's answer; 0 when there was none
	Delivered bool   `json:"delivered"`       // 200 or 201: the only answers LivePerson counts as delivered
	Error     string `json:"error,omitempty"` // why there was no answer, or "dropped: ..." when retention ended
	Fault     string `json:"fault,omitempty"` // the webhook fault it met
	Body      string `json:"body"`            // exactly the bytes sent (and signed)
}

// WebhookFaultKind names what a [WebhookFault] does.
type WebhookFaultKind string

// The webhook faults.
const (
	// WebhookDuplicate delivers the notification a second time right after
	// it was delivered (the same bytes and signature), as LivePerson's
	// older max_retries mode may.
	WebhookDuplicate WebhookFaultKind = "duplicate"
	// WebhookReorder swaps the notification with the next one of its
	// conversation: it waits for that one (at most Delay, 5 s when zero)
	// and is delivered after it.
	WebhookReorder WebhookFaultKind = "reorder"
	// WebhookDelay holds the notification Delay before its first attempt
	// (and the conversation's later ones behind it, as order is kept).
	WebhookDelay WebhookFaultKind = "delay"
	// WebhookFail makes the notification's first attempt fail without
	// reaching the endpoint, as a refused connection would; it is retried
	// by the retention policy.
	WebhookFail WebhookFaultKind = "fail"
)

var webhookFaultKinds = []WebhookFaultKind{WebhookDuplicate, WebhookReorder, WebhookDelay, WebhookFail}

// A WebhookFault disturbs the next webhook notifications.
type WebhookFault struct {
	Kind WebhookFaultKind
	// Count is how many notifications it applies to: 0 means 1, [Always]
	// every one until [Server.ClearWebhookFaults].
	Count int
	// Delay is WebhookDelay's wait and WebhookReorder's longest wait for
	// the next notification.
	Delay time.Duration
	// Event limits the fault to notifications of one webhook event type
	// (e.g. "ms.MessagingEventNotification.ContentEvent"); "" is any.
	Event string
}

const defaultReorderWait = 5 * time.Second

func (f WebhookFault) check() error {
	switch {
	case !slices.Contains(webhookFaultKinds, f.Kind):
		return fmt.Errorf("kind %q is not one of %v", f.Kind, webhookFaultKinds)
	case f.Count < Always:
		return errors.New("count " + strconv.Itoa(f.Count) + " is negative (use -1 for always)")
	case f.Delay < 0 || f.Delay > maxDelay:
		return errors.New("delay " + f.Delay.String() + " is not between 0 and " + maxDelay.String())
	case f.Kind == WebhookDelay && f.Delay == 0:
		return errors.New("delay: a delay fault needs one")
	case f.Delay != 0 && f.Kind != WebhookDelay && f.Kind != WebhookReorder:
		return errors.New("delay: only delay and reorder take one")
	case f.Event != "" && !slices.Contains(webhookEvents, f.Event):
		return fmt.Errorf("event %q is not one of %v", f.Event, webhookEvents)
	}
	return nil
}

// webhookEvents are the webhook event types lptest sends.
var webhookEvents = []string{
	connector.NotificationConversation,
	connector.NotificationMessaging + "." + connector.EventContent,
	connector.NotificationMessaging + "." + connector.EventAcceptStatus,
	connector.NotificationMessaging + "." + connector.EventChatState,
}

// String describes the fault, e.g. "reorder" or "delay 1s".
func (f WebhookFault) String() string {
	s := string(f.Kind)
	if f.Delay > 0 {
		s += " " + f.Delay.String()
	}
	return s
}

// SetWebhookFault makes the next webhook notifications meet f, replacing
// the faults pending. It panics on an invalid fault.
func (s *Server) SetWebhookFault(f WebhookFault) { s.hooks.setFault(f, false) }

// AddWebhookFault queues f after the webhook faults pending.
func (s *Server) AddWebhookFault(f WebhookFault) { s.hooks.setFault(f, true) }

// ClearWebhookFaults removes the webhook faults pending.
func (s *Server) ClearWebhookFaults() {
	s.hooks.mu.Lock()
	defer s.hooks.mu.Unlock()
	s.hooks.faults = nil
}

// WebhookFaults returns the webhook faults pending; Count says how many
// notifications each still applies to.
func (s *Server) WebhookFaults() []WebhookFault {
	s.hooks.mu.Lock()
	defer s.hooks.mu.Unlock()
	return slices.Clone(s.hooks.faults)
}

// Deliveries returns every webhook attempt, oldest first (at most [MaxCalls]).
func (s *Server) Deliveries() []Delivery {
	s.hooks.mu.Lock()
	defer s.hooks.mu.Unlock()
	return slices.Clone(s.hooks.deliveries)
}

// PendingWebhooks is how many notifications are queued or being
// delivered: neither delivered nor dropped yet.
func (s *Server) PendingWebhooks() int {
	s.hooks.mu.Lock()
	defer s.hooks.mu.Unlock()
	n := 0
	for _, q := range s.hooks.queues {
		n += len(q.hooks)
	}
	return n
}

// webhooks delivers notifications, one queue (and goroutine) per
// conversation, so that a conversation's changes arrive in order and one
// slow conversation does not hold up the others.
type webhooks struct {
	url                    string
	first, most, retention time.Duration
	client                 *http.Client
	now                    func() time.Time
	ctx                    context.Context // ends when the server closes
	stop                   context.CancelFunc
	wg                     sync.WaitGroup

	mu         sync.Mutex
	queues     map[string]*hookQueue // by conversation
	faults     []WebhookFault
	deliveries []Delivery
	seq        int // of deliveries
	n          int // of notifications
}

type hookQueue struct {
	hooks []*hook
	wake  chan struct{} // signalled when a notification is queued
}

// A hook is one notification on its way.
type hook struct {
	n                            int
	conv, event                  string
	account, client, secret, alg string
	body                         []byte
	queued                       time.Time // wall clock: retention runs in real time
	seen                         bool      // it met the faults when it first reached its queue's head
	fault                        *WebhookFault
	reordered                    bool // it waited for the next one already
}

func (w *webhooks) setFault(f WebhookFault, add bool) {
	if err := f.check(); err != nil {
		panic("lptest: webhook fault: " + err.Error())
	}
	if f.Count == 0 {
		f.Count = 1
	}
	w.mu.Lock()
	defer w.mu.Unlock()
	if !add {
		w.faults = nil
	}
	w.faults = append(w.faults, f)
}

// takeFault returns the fault a notification of event meets. w.mu is held.
func (w *webhooks) takeFault(event string) *WebhookFault {
	for i, f := range w.faults {
		if f.Event != "" && f.Event != event {
			continue
		}
		if f.Count != Always {
			if w.faults[i].Count--; w.faults[i].Count == 0 {
				w.faults = slices.Delete(w.faults, i, i+1)
			}
		}
		return &f
	}
	return nil
}

// reset forgets queued notifications, faults and deliveries; the
// goroutines of dropped queues end on their own.
func (w *webhooks) reset() {
	w.mu.Lock()
	defer w.mu.Unlock()
	w.queues, w.faults, w.deliveries, w.seq, w.n = map[string]*hookQueue{}, nil, nil, 0, 0
}

// enqueue queues a notification for its conversation. Called with the
// server's mutex held, so queue order is the order changes happened.
func (w *webhooks) enqueue(h *hook) {
	w.mu.Lock()
	defer w.mu.Unlock()
	w.n++
	h.n = w.n
	h.queued = time.Now()
	q := w.queues[h.conv]
	if q == nil {
		q = &hookQueue{wake: make(chan struct{}, 1)}
		w.queues[h.conv] = q
		w.wg.Add(1)
		go w.run(h.conv, q)
	}
	q.hooks = append(q.hooks, h)
	select {
	case q.wake <- struct{}{}:
	default:
	}
}

// run delivers a conversation's notifications in order; it ends when the
// queue is empty, reset or the server closes.
func (w *webhooks) run(conv string, q *hookQueue) {
	defer w.wg.Done()
	for {
		w.mu.Lock()
		if w.queues[conv] != q || len(q.hooks) == 0 {
			if w.queues[conv] == q {
				delete(w.queues, conv)
			}
			w.mu.Unlock()
			return
		}
		h := q.hooks[0]
		if !h.seen {
			h.seen = true
			h.fault = w.takeFault(h.event)
		}
		w.mu.Unlock()

		f := h.fault
		if f != nil && f.Kind == WebhookReorder && !h.reordered && !w.reorder(conv, q, h, f) {
			continue // swapped: the next one is now at the head
		}
		if f != nil && f.Kind == WebhookDelay && !w.sleep(f.Delay) {
			return
		}
		if !w.deliver(conv, q, h) {
			return
		}
		w.mu.Lock()
		if w.queues[conv] == q && len(q.hooks) > 0 && q.hooks[0] == h {
			q.hooks = q.hooks[1:]
		}
		w.mu.Unlock()
	}
}

// reorder waits for a notification behind h and swaps them; it reports
// whether h is still at the head (none came, or it was swapped before).
func (w *webhooks) reorder(conv string, q *hookQueue, h *hook, f *WebhookFault) bool {
	h.reordered = true
	wait := f.Delay
	if wait == 0 {
		wait = defaultReorderWait
	}
	deadline := time.NewTimer(wait)
	defer deadline.Stop()
	for {
		w.mu.Lock()
		if w.queues[conv] != q {
			w.mu.Unlock()
			return true // reset: deliver finds nothing to remove
		}
		if len(q.hooks) >= 2 && q.hooks[0] == h {
			q.hooks[0], q.hooks[1] = q.hooks[1], h
			w.mu.Unlock()
			return false
		}
		w.mu.Unlock()
		select {
		case <-q.wake:
		case <-deadline.C:
			return true
		case <-w.ctx.Done():
			return true
		}
	}
}

// live reports whether q is still conv's queue: Reset drops queues, and
// their notifications are neither retried nor recorded after it.
func (w *webhooks) live(conv string, q *hookQueue) bool {
	w.mu.Lock()
	defer w.mu.Unlock()
	return w.queues[conv] == q
}

// deliver tries h, of conv's queue q, until the endpoint answers 200 or
// 201 or retention ends; false when the server closed or was reset.
func (w *webhooks) deliver(conv string, q *hookQueue, h *hook) bool {
	wait := w.first
	fault := ""
	if h.fault != nil {
		fault = string(h.fault.Kind)
		if h.fault.Delay > 0 {
			fault = h.fault.String()
		}
	}
	for attempt := 1; ; attempt++ {
		if !w.live(conv, q) {
			return false
		}
		d := Delivery{Notification: h.n, Conversation: h.conv, Event: h.event, Attempt: attempt, Body: string(h.body), Fault: fault}
		if attempt == 1 && h.fault != nil && h.fault.Kind == WebhookFail {
			d.Error = "fault: the attempt failed before it reached the endpoint"
		} else {
			d.Status, d.Error = w.post(h)
			d.Delivered = d.Status == http.StatusOK || d.Status == http.StatusCreated
		}
		select {
		case <-w.ctx.Done():
			return false
		default:
		}
		if !w.live(conv, q) {
			return false
		}
		if d.Delivered {
			w.record(d)
			if h.fault != nil && h.fault.Kind == WebhookDuplicate && w.live(conv, q) {
				d.Attempt++
				d.Status, d.Error = w.post(h)
				d.Delivered = d.Status == http.StatusOK || d.Status == http.StatusCreated
				w.record(d) // a duplicate is not retried: the notification was delivered
			}
			return true
		}
		if time.Since(h.queued)+wait > w.retention {
			d.Error = joinErr(d.Error, "dropped: the retention time ("+w.retention.String()+") ends before the next retry")
			w.record(d)
			return true
		}
		w.record(d)
		if !w.sleep(wait) {
			return false
		}
		wait = min(2*wait, w.most)
	}
}

func joinErr(a, b string) string {
	if a == "" {
		return b
	}
	return a + "; " + b
}

// post makes one attempt: the status answered, or why there was none.
func (w *webhooks) post(h *hook) (int, string) {
	ctx, cancel := context.WithTimeout(w.ctx, WebhookTimeout)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, w.url, bytes.NewReader(h.body))
	if err != nil {
		return 0, err.Error()
	}
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set(connector.HeaderAccountID, h.account)
	req.Header.Set(connector.HeaderClientID, h.client)
	req.Header.Set(connector.HeaderSignature, connector.Sign(h.alg, h.secret, h.body))
	res, err := w.client.Do(req)
	if err != nil {
		return 0, err.Error()
	}
	io.Copy(io.Discard, io.LimitReader(res.Body, 64<<10))
	res.Body.Close()
	return res.StatusCode, ""
}

// sleep waits d; false when the server closed first.
func (w *webhooks) sleep(d time.Duration) bool {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-t.C:
		return true
	case <-w.ctx.Done():
		return false
	}
}

func (w *webhooks) record(d Delivery) {
	w.mu.Lock()
	defer w.mu.Unlock()
	w.seq++
	d.Seq, d.Time = w.seq, w.now()
	if len(w.deliveries) == MaxCalls {
		w.deliveries[0] = Delivery{}
		w.deliveries = w.deliveries[1:]
	}
	w.deliveries = append(w.deliveries, d)
}

// notify queues the notification n about c, when webhooks are on. s.mu
// is held.
func (s *Server) notify(c *Conversation, event string, n *connector.Notification) {
	if s.hooks.url == "" {
		return
	}
	s.hooks.enqueue(&hook{conv: c.ID, event: event, account: c.Account, client: c.App, secret: s.cfg.clients[c.App],
		alg: s.cfg.webhookAlg, body: n.AppendJSON(nil)})
}

// notifyConversation sends c's state as a cqm.ExConversationChangeNotification.
func (s *Server) notifyConversation(c *Conversation) {
	ch := connector.ConversationChange{Type: connector.ChangeUpsert, ConversationID: c.ID, State: c.State, Stage: c.Stage,
		StartTs: c.Opened.UnixMilli(), UpdatedTs: s.now().UnixMilli(), CloseReason: c.CloseReason}
	if c.Agent != "" {
		ch.Participants = append(ch.Participants, connector.Participant{ID: c.Agent, Role: connector.RoleAssignedAgent})
	}
	ch.Participants = append(ch.Participants, connector.Participant{ID: c.LPConsumerID, Role: connector.RoleConsumer})
	s.notify(c, connector.NotificationConversation, &connector.Notification{Type: connector.NotificationConversation,
		Conversations: []connector.ConversationChange{ch}})
}

// notifyEvent sends a dialog event as an ms.MessagingEventNotification.
func (s *Server) notifyEvent(c *Conversation, e Event) {
	me := connector.MessagingEvent{OriginatorID: e.Originator, Role: e.Role, ConversationID: c.ID, DialogID: c.ID,
		Audience: connector.AudienceAll, Event: connector.Event{Type: e.Type}}
	if e.Sequence != NoSequence {
		me.Sequence, me.HasSequence, me.ServerTimestamp = e.Sequence, true, e.Time.UnixMilli()
	}
	switch e.Type {
	case connector.EventContent:
		me.Event.ContentType, me.Event.Message = connector.ContentTypeText, e.Text
	case connector.EventAcceptStatus:
		me.Event.Status, me.Event.SequenceList = e.Status, slices.Clone(e.Sequences)
	case connector.EventChatState:
		me.Event.ChatState = e.ChatState
	}
	s.notify(c, connector.NotificationMessaging+"."+e.Type, &connector.Notification{Type: connector.NotificationMessaging,
		Events: []connector.MessagingEvent{me}})
}

// webhookFaultRequest is the JSON of POST /lptest/webhooks/faults.
type webhookFaultRequest struct {
	Kind  WebhookFaultKind `json:"kind"`
	Count int              `json:"count,omitempty"`
	Delay string           `json:"delay,omitempty"`
	Event string           `json:"event,omitempty"`
	Add   bool             `json:"add,omitempty"`
}

func decodeWebhookFault(body []byte) (WebhookFault, bool, error) {
	var req webhookFaultRequest
	dec := json.NewDecoder(bytes.NewReader(body))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&req); err != nil {
		return WebhookFault{}, false, fmt.Errorf("webhook fault: %w", err)
	}
	if _, err := dec.Token(); err != io.EOF {
		return WebhookFault{}, false, errors.New("webhook fault: want one JSON object, got more after it")
	}
	f := WebhookFault{Kind: req.Kind, Count: req.Count, Event: req.Event}
	if req.Delay != "" {
		d, err := time.ParseDuration(req.Delay)
		if err != nil {
			return WebhookFault{}, false, fmt.Errorf("webhook fault: delay: %w", err)
		}
		f.Delay = d
	}
	if err := f.check(); err != nil {
		return WebhookFault{}, false, fmt.Errorf("webhook fault: %w", err)
	}
	return f, req.Add, nil
}

func webhookFaultsJSON(fs []WebhookFault) []webhookFaultRequest {
	out := make([]webhookFaultRequest, 0, len(fs))
	for _, f := range fs {
		j := webhookFaultRequest{Kind: f.Kind, Count: f.Count, Event: f.Event}
		if f.Delay > 0 {
			j.Delay = f.Delay.String()
		}
		out = append(out, j)
	}
	return out
}

// webhookRoutes serves the webhook inspector and faults under /lptest/.
func (s *Server) webhookRoutes(handle func(string, http.HandlerFunc)) {
	handle("GET /lptest/webhooks", func(w http.ResponseWriter, r *http.Request) {
		q := r.URL.Query()
		out := []Delivery{}
		for _, d := range s.Deliveries() {
			if !q.Has("conversation") || d.Conversation == q.Get("conversation") {
				out = append(out, d)
			}
		}
		writeJSON(w, http.StatusOK, map[string]any{"url": s.hooks.url, "pending": s.PendingWebhooks(), "deliveries": out})
	})
	handle("GET /lptest/webhooks/faults", func(w http.ResponseWriter, r *http.Request) {
		writeJSON(w, http.StatusOK, webhookFaultsJSON(s.WebhookFaults()))
	})
	handle("POST /lptest/webhooks/faults", func(w http.ResponseWriter, r *http.Request) {
		body, err := io.ReadAll(http.MaxBytesReader(w, r.Body, 64<<10))
		if err != nil {
			writeError(w, http.StatusRequestEntityTooLarge, err.Error())
			return
		}
		f, add, err := decodeWebhookFault(body)
		if err != nil {
			writeError(w, http.StatusBadRequest, err.Error())
			return
		}
		s.hooks.setFault(f, add)
		writeJSON(w, http.StatusOK, webhookFaultsJSON(s.WebhookFaults()))
	})
	handle("DELETE /lptest/webhooks/faults", func(w http.ResponseWriter, r *http.Request) {
		s.ClearWebhookFaults()
		w.WriteHeader(http.StatusNoContent)
	})
	handle("POST /lptest/conversations/{id}/agent", s.serveAgent)
}
