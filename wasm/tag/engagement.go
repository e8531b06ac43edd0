package tag

import (
	"errors"
	"strconv"

	"github.com/lpedge/lpedge/liveperson"
	"github.com/lpedge/lpedge/liveperson/monitoring"
)

// MaxText is the longest message LivePerson's Connector API takes, in
// characters.
const MaxText = 5000

// A Context is where a conversation comes from: the Monitoring session
// and the engagement the visitor clicked. It is what LivePerson hands a
// custom connector's JS method (svid, ssid, scid, cid, eid).
type Context struct {
	_                    [0]func() // not comparable: no generated equality function in the tag (make size)
	VisitorID, SessionID string
	ContextID            string // interactionContextId
	CampaignID           int64
	EngagementID         int64
}

// StartOptions are lpedge.conversation.start's.
type StartOptions struct {
	Message string           // first message; none when empty
	SDEs    []liveperson.SDE // ctmrinfo and personal go along (others are left out with a warning)
	Lang    string           // e.g. "en-US"
	Context *Context         // nil: the last engagement, asked for when there is none
}

// unlock releases mu and then runs the replies queued meanwhile, so that
// a caller's callback may call the Tag again.
//
// The entry points call it on each way out, not with defer: a deferred
// unlock in each of them made the module 3.6 KB brotli larger (README,
// "The tag's size budget"). A panic therefore leaves mu held; the host
// that recovers it calls [Tag.Release].
func (t *Tag) unlock() {
	r := t.replies
	t.replies = nil
	t.mu.Unlock()
	for _, f := range r {
		f()
	}
}

// unlocked is unlock, returning err.
func (t *Tag) unlocked(err error) error {
	t.unlock()
	return err
}

// Release undoes what a panic in one of the Tag's entry points left
// undone: it releases the Tag's lock, if held, and runs the callbacks
// queued meanwhile, as a deferred unlock would have. A host that
// recovers a panic from the Tag calls it (in the browser, the module's
// guard), so that the Tag goes on working; only then, as no other call
// may be inside the Tag.
func (t *Tag) Release() {
	t.mu.TryLock()
	t.unlock()
}

// reply queues f to run once mu is released.
func (t *Tag) reply(f func()) { t.replies = append(t.replies, f) }

// allowed says why a call that sends data cannot go now.
func (t *Tag) allowed(what string) error {
	switch {
	case t.consent == consentDenied:
		return errors.New("lpedge: " + what + ": the visitor refused consent")
	case t.consent != consentGranted:
		return errors.New("lpedge: " + what + ": waits for lpedge.consent({marketing: true}) (data-consent=\"required\")")
	}
	return nil
}

// Engagement asks LivePerson whether an engagement (a campaign's
// invitation to chat) is available to the visitor, targeted by the
// page's sections plus sections and by sdes. done gets the first one
// offered, or nil when none is.
func (t *Tag) Engagement(sections []string, sdes []liveperson.SDE, done func(*monitoring.EngagementDetail, error)) {
	t.mu.Lock()
	t.engagement(sections, sdes, done, false)
	t.unlock()
}

func (t *Tag) engagement(sections []string, sdes []liveperson.SDE, done func(*monitoring.EngagementDetail, error), retried bool) {
	if err := t.allowed("engagement"); err != nil {
		t.refuse(done, err)
		return
	}
	for _, s := range sdes {
		if liveperson.LookupType(s.Type()).Impression {
			err := errors.New("lpedge: engagement: sdes: " + s.Type() + " is an impression event, which only report accepts")
			t.refuse(done, err)
			return
		}
	}
	vid, sid, fromLpTag := t.ids()
	if vid == "" && (t.opening || t.inflight > 0) {
		// Without ids this call would start a second session beside the
		// one the answer in flight brings.
		t.logf("engagement waits for the visitor id of the Monitoring call in flight")
		t.idWait = append(t.idWait, func() { t.engagement(sections, sdes, done, retried) })
		return
	}
	eps := append([]string(nil), t.entryPoints()...)
	for _, s := range sections {
		if ep := monitoring.SectionEntryPoint(s); s != "" && !contains(eps, ep) {
			eps = append(eps, ep)
		}
	}
	r := &monitoring.Request{VisitorID: vid, SessionID: sid, Identities: t.identities(), EntryPoints: limitEntry(eps), SDEs: sdes}
	if r.SDEs == nil {
		r.SDEs = []liveperson.SDE{}
	}
	req, err := t.monitoringRequest(monitoring.Engagement, r)
	if err != nil {
		t.refuse(done, err)
		return
	}
	req.Keepalive = false
	t.logf("engagement: " + req.Method + " " + req.URL + " " + req.Body)
	t.env.Transport.Do(req, func(resp Response) {
		t.mu.Lock()
		t.logf("engagement answer: " + describeResponse(resp))
		switch d := monitoring.Classify(resp.Status, resp.Body, resp.RetryAfter, 0, t.env.Clock.Now()); d.Outcome {
		case monitoring.Done:
			a, err := monitoring.DecodeAnswer(resp.Body)
			if err != nil {
				t.refuse(done, errors.New("lpedge: engagement: unreadable answer: "+err.Error()))
				break
			}
			t.adoptIDs(a.VisitorID, a.SessionID, fromLpTag)
			var det *monitoring.EngagementDetail
			if len(a.Engagements) > 0 {
				det = &a.Engagements[0]
				t.chat.engagement = det
			}
			t.reply(func() { done(det, nil) })
		case monitoring.NewSession:
			if !retried && (vid != "" || sid != "") {
				t.dropIDs(vid, sid, fromLpTag)
				t.engagement(sections, sdes, done, true)
				break
			}
			fallthrough
		default:
			err, _ := t.explain("engagement", resp)
			t.refuse(done, err)
		}
		t.unlock()
	})
}

// refuse replies err to an engagement call (see reply).
func (t *Tag) refuse(done func(*monitoring.EngagementDetail, error), err error) {
	t.reply(func() { done(nil, err) })
}

// Start opens a messaging conversation through the proxy, carrying the
// Monitoring session and engagement it comes from, and sends
// o.Message. An open conversation is reused. done gets its id.
func (t *Tag) Start(o StartOptions, done func(conversationID string, err error)) {
	t.mu.Lock()
	t.start(o, done)
	t.unlock()
}

func (t *Tag) start(o StartOptions, done func(conversationID string, err error)) {
	c := t.chat
	fail := func(msg string) { t.reply(func() { done("", errors.New("lpedge: conversation.start: "+msg)) }) }
	if err := t.allowed("conversation.start"); err != nil {
		t.reply(func() { done("", err) })
		return
	}
	if t.cfg.Proxy == "" {
		fail("conversations go through the lpedge proxy: set data-proxy on the script tag")
		return
	}
	if len([]rune(o.Message)) > MaxText {
		fail("message: is longer than " + strconv.Itoa(MaxText) + " characters")
		return
	}
	if c.starting {
		fail("a conversation is being started already")
		return
	}
	if id := c.id; id != "" {
		t.logf("conversation " + id + " is open: reusing it")
		c.afterStart(o.Message, done)
		return
	}
	if o.Context != nil {
		c.open(o, *o.Context, done)
		return
	}
	if e := c.engagement; e != nil {
		c.open(o, t.context(e), done)
		return
	}
	c.starting = true
	t.engagement(nil, nil, func(e *monitoring.EngagementDetail, err error) {
		t.mu.Lock()
		c.starting = false
		if err == nil && e == nil {
			err = errors.New("lpedge: conversation.start: LivePerson offers this visitor no engagement: check the campaign's targeting (sections, engagement attributes) and that its engagement uses a custom connector")
		}
		if err != nil {
			t.reply(func() { done("", err) })
		} else {
			c.open(o, t.context(e), done)
		}
		t.unlock()
	}, false)
}

// context is where a conversation from engagement e comes from.
func (t *Tag) context(e *monitoring.EngagementDetail) Context {
	vid, sid, _ := t.ids()
	return Context{VisitorID: vid, SessionID: sid, ContextID: e.ContextID, CampaignID: e.CampaignID, EngagementID: e.EngagementID}
}

// Send sends a text message to the open conversation.
func (t *Tag) Send(text string, done func(error)) {
	t.mu.Lock()
	t.chat.send(text, done)
	t.unlock()
}

// Close closes the open conversation.
func (t *Tag) Close(done func(error)) {
	t.mu.Lock()
	t.chat.close(done)
	t.unlock()
}

// Typing tells the agent whether the visitor is writing.
func (t *Tag) Typing(on bool) {
	t.mu.Lock()
	t.chat.setTyping(on)
	t.unlock()
}

// consumerID is the visitor's ext_consumer_id for the Connector API: 128
// random bits, kept in localStorage so the visitor finds their
// conversation again; unguessable, so no one else can take it over.
func (t *Tag) consumerID() string {
	if t.consumer == "" {
		if id, ok := t.local.Get(t.key("consumer")); ok && len(id) == 32 {
			t.consumer = id
		} else {
			t.consumer = t.randomHex(16)
			t.store(t.local, "consumer", t.consumer)
		}
	}
	return t.consumer
}

func (t *Tag) randomHex(n int) string {
	const digits = "0123456789abcdef"
	b := make([]byte, n)
	t.env.Random(b)
	out := make([]byte, 2*n)
	for i, c := range b {
		out[2*i], out[2*i+1] = digits[c>>4], digits[c&15]
	}
	return string(out)
}

func contains(list []string, s string) bool {
	for _, e := range list {
		if e == s {
			return true
		}
	}
	return false
}

func joinComma(list []string) string {
	s := ""
	for i, e := range list {
		if i > 0 {
			s += ", "
		}
		s += e
	}
	return s
}
