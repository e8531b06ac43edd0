package tag

import (
	"errors"
	"strconv"

	"github.com/lpedge/lpedge/internal/jsonv"
	"github.com/lpedge/lpedge/internal/text"
	"github.com/lpedge/lpedge/liveperson"
	"github.com/lpedge/lpedge/liveperson/monitoring"
)

// A Conversation is the visitor's messaging conversation through the
// proxy: its id and event token, the stream of the agent's side (see
// listen.go), history dedupe, typing and read receipts. The Tag hands it
// the page API's conversation calls; it reaches the Tag only through
// chatHost.
type Conversation struct {
	h   chatHost
	env chatEnv

	engagement *monitoring.EngagementDetail // the last engagement offered
	starting   bool
	id, token  string // the open conversation; sessionStorage
	last       int64  // seq of the last event handled
	history    int64  // events up to this seq were an earlier page's (restored)
	readNext   int64  // 1 + the highest log seq of a message acknowledged read

	stop    func()      // aborts the open stream
	gen     int         // streams opened: an older stream's callbacks are ignored
	idle    func() bool // stops the open stream's watch (alive)
	retry   func() bool
	attempt int  // reconnects since the last event
	carried bool // the open stream brought an event or a ping

	typing, typingSent, typingBusy bool       // wanted, last sent, a POST in flight
	reads, unread                  [][2]int64 // {log seq, sequence} to acknowledge, until the proxy took them; shown while hidden
	readBusy                       bool       // a send of reads planned or in flight
}

// chatHost is what a Conversation needs of the Tag that holds it.
type chatHost interface {
	lock()          // the Tag's mutex, around every entry point from the host
	unlock()        // releases it, then runs what reply queued
	reply(f func()) // runs f (page callbacks) once the mutex is released
	consumerID() string
	randomHex(n int) string
	logf(msg string)
	save(record string) // sessionStorage "conversation" when consent allows; "" removes it
	saved() string
}

// chatEnv is the part of the Env a Conversation uses, and the proxy.
type chatEnv struct {
	Clock     Clock
	Transport Transport
	Console   Console
	Page      Page
	Stream    Streamer
	Emit      func(event, data string, own bool, delivered func(listeners int))
	Proxy     string
	Claim     string // the query of the proxy's URLs: "account=...&app=..." (see New)
}

func newConversation(env chatEnv, h chatHost) *Conversation {
	return &Conversation{h: h, env: env}
}

// tagChat is the Tag as the Conversation's chatHost.
type tagChat Tag

func (t *tagChat) lock()                  { t.mu.Lock() }
func (t *tagChat) unlock()                { (*Tag)(t).unlock() }
func (t *tagChat) reply(f func())         { (*Tag)(t).reply(f) }
func (t *tagChat) consumerID() string     { return (*Tag)(t).consumerID() }
func (t *tagChat) logf(msg string)        { (*Tag)(t).logf(msg) }
func (t *tagChat) randomHex(n int) string { return (*Tag)(t).randomHex(n) }
func (t *tagChat) saved() string          { s, _ := t.session.Get((*Tag)(t).key("conversation")); return s }
func (t *tagChat) save(record string) {
	if record == "" {
		t.session.Remove((*Tag)(t).key("conversation"))
		return
	}
	(*Tag)(t).store(t.session, "conversation", record)
}

// persist stores what a reload needs: "id token last readNext" (an older
// tag stored the id alone).
func (c *Conversation) persist() {
	if c.id == "" {
		return
	}
	c.h.save(c.id + " " + c.token + " " + strconv.FormatInt(c.last, 10) + " " + strconv.FormatInt(c.readNext, 10))
}

// restore reopens the conversation an earlier page of this tab left
// open. Its stream starts from the beginning, so that the page's
// listeners get the history once; the stored seq marks what was history.
func (c *Conversation) restore() {
	s := c.h.saved()
	var f [4]string
	for i := range f {
		f[i], s, _ = text.Cut(s, " ")
	}
	c.id, c.token = f[0], f[1]
	c.history, _ = text.ParseInt(f[2])
	c.readNext, _ = text.ParseInt(f[3])
	c.listen()
}

// forget drops the conversation: closed by either side.
func (c *Conversation) forget() {
	c.halt()
	*c = Conversation{h: c.h, env: c.env, engagement: c.engagement, gen: c.gen, idle: c.idle}
	c.h.save("")
}

// open creates the conversation with the proxy and sends o.Message.
func (c *Conversation) open(o StartOptions, ctx Context, done func(string, error)) {
	kept, dropped := liveperson.ForMessaging(o.SDEs)
	if len(dropped) > 0 {
		c.env.Console.Warn("lpedge: conversation.start: a conversation carries only ctmrinfo and personal, without customerId; left out: " + joinComma(dropped))
	}
	b := jsonv.AppendString([]byte(`{"consumerId":`), c.h.consumerID())
	for _, kv := range [...][2]string{{"visitorId", ctx.VisitorID}, {"sessionId", ctx.SessionID}, {"contextId", ctx.ContextID}, {"lang", o.Lang},
		{"timeZone", c.env.Page.TimeZone()}} {
		if kv[1] != "" {
			b = append(b, `,"`+kv[0]+`":`...)
			b = jsonv.AppendString(b, kv[1])
		}
	}
	b = strconv.AppendInt(append(b, `,"campaignId":`...), ctx.CampaignID, 10)
	b = strconv.AppendInt(append(b, `,"engagementId":`...), ctx.EngagementID, 10)
	if len(kept) > 0 {
		b = liveperson.AppendSDEs(append(b, `,"sdes":`...), kept)
	}
	c.starting = true
	// The key makes a create the proxy already ran answer the first result
	// instead of opening a second conversation.
	req := Request{Method: "POST", URL: c.env.Proxy + "/v1/conversations?" + c.env.Claim, Body: string(append(b, '}')),
		Header: [][2]string{{"Content-Type", "application/json"}, {"Idempotency-Key", c.h.randomHex(16)}}}
	c.h.logf("conversation: POST " + req.URL + " " + req.Body)
	c.env.Transport.Do(req, func(resp Response) {
		c.h.lock()
		c.opened(o, resp, done)
		c.h.unlock()
	})
}

// opened handles the proxy's answer to open.
func (c *Conversation) opened(o StartOptions, resp Response, done func(string, error)) {
	c.starting = false
	v, _ := jsonv.Parse(resp.Body)
	m, _ := v.(map[string]any)
	id, _ := m["conversationId"].(string)
	token, _ := m["token"].(string)
	// The token is a credential: never in the log (base64url and
	// ".", it is in the body as it is).
	logged := resp
	if before, after, ok := text.Cut(string(resp.Body), token); ok && token != "" {
		s := before + "…" + after
		logged.Body = []byte(s)
	}
	c.h.logf("conversation answer: " + describeResponse(logged))
	if resp.Status != 200 && resp.Status != 201 {
		err, _ := explain(c.env.Console, c.env.Proxy, "conversation.start", resp, false)
		c.h.reply(func() { done("", err) })
		return
	}
	if id == "" {
		c.h.reply(func() { done("", errors.New("lpedge: conversation.start: the proxy's answer has no conversationId")) })
		return
	}
	if token == "" {
		c.env.Console.Warn("lpedge: conversation.start: the proxy's answer carries no token, so the agent's side cannot reach the page: update the proxy")
	}
	c.forget()
	c.id, c.token = id, token
	c.persist()
	c.listen()
	c.afterStart(o.Message, done)
}

// afterStart sends the first message, if any, and answers done.
func (c *Conversation) afterStart(message string, done func(string, error)) {
	id := c.id
	if message == "" {
		c.h.reply(func() { done(id, nil) })
		return
	}
	c.send(message, func(err error) {
		if err != nil {
			err = errors.New("lpedge: conversation.start: conversation " + id + " is open, but its first message failed: " + err.Error())
		}
		done(id, err)
	})
}

// send sends a text message. Typing that was on is turned off after it,
// so that COMPOSING never sticks.
func (c *Conversation) send(text string, done func(error)) {
	fail := func(msg string) { c.h.reply(func() { done(errors.New("lpedge: conversation.send: " + msg)) }) }
	switch {
	case c.id == "":
		fail("no conversation is open: call lpedge.conversation.start first")
	case text == "":
		fail("text: is empty")
	case len([]rune(text)) > MaxText:
		fail("text: is longer than " + strconv.Itoa(MaxText) + " characters")
	default:
		b := c.body()
		b = jsonv.AppendString(append(b[:len(b)-1], `,"text":`...), text)
		c.post("messages", "conversation.send", append(b, '}'), false, false, func(_ int, err error) {
			c.typing = false
			c.sendTyping(false)
			c.h.reply(func() { done(err) })
		})
	}
}

// close closes the conversation; the page's state listeners hear
// "closed" at once.
func (c *Conversation) close(done func(error)) {
	if c.id == "" {
		c.h.reply(func() { done(errors.New("lpedge: conversation.close: no conversation is open")) })
		return
	}
	id := c.id
	c.post("close", "conversation.close", c.body(), false, false, func(_ int, err error) {
		if err == nil && c.id == id {
			c.forget()
			c.deliver("state", `{"type":"state","state":"closed"}`, true, [2]int64{}, false)
		}
		c.h.reply(func() { done(err) })
	})
}

// setTyping tells the agent whether the visitor is writing: one POST per
// change, in order (one in flight at a time); without a conversation,
// nothing but a debug note.
func (c *Conversation) setTyping(on bool) {
	if c.id == "" {
		c.h.logf("conversation.typing: no conversation is open")
		return
	}
	c.typing = on
	c.sendTyping(false)
}

func (c *Conversation) sendTyping(keepalive bool) {
	on := c.typing
	if c.id == "" || c.typingBusy || on == c.typingSent {
		return
	}
	c.typingBusy = true
	b := c.body()
	b = strconv.AppendBool(append(b[:len(b)-1], `,"typing":`...), on)
	c.post("typing", "conversation.typing", append(b, '}'), keepalive, true, func(int, error) {
		c.typingBusy = false
		c.typingSent = on // also when refused: retrying would not help
		c.sendTyping(false)
	})
}

// body is {"consumerId":"..."}.
func (c *Conversation) body() []byte {
	return append(jsonv.AppendString([]byte(`{"consumerId":`), c.h.consumerID()), '}')
}

// post sends body to /v1/conversations/{id}/{action}; done runs with the
// host locked. With warn, an error also goes to the console as a warning
// (once: explain may have written it).
func (c *Conversation) post(action, what string, body []byte, keepalive, warn bool, done func(status int, err error)) {
	req := Request{Method: "POST", URL: c.env.Proxy + "/v1/conversations/" + c.id + "/" + action + "?" + c.env.Claim, Body: string(body),
		Header: [][2]string{{"Content-Type", "application/json"}}, Keepalive: keepalive}
	c.h.logf(what + ": POST " + req.URL + " " + req.Body)
	c.env.Transport.Do(req, func(resp Response) {
		c.h.lock()
		c.h.logf(what + " answer: " + describeResponse(resp))
		var err error
		if resp.Status < 200 || resp.Status > 299 {
			var said bool
			if err, said = explain(c.env.Console, c.env.Proxy, what, resp, false); warn && !said {
				c.env.Console.Warn(err.Error())
			}
		}
		done(resp.Status, err)
		c.h.unlock()
	})
}
