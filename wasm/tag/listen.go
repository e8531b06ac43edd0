package tag

import (
	"strconv"

	"github.com/lpedge/lpedge/internal/jsonv"
)

// The agent's side reaches the page through the proxy's
// GET /v1/conversations/{id}/events, as Server-Sent Events read by the
// host's Streamer with the conversation's token (each event's data is
// {"seq":N,"type":"message"|"typing"|"read"|"state",...}). The tag
// decides the rest: events are handed to the page's listeners once each
// (by seq), a broken stream is resumed after the last seq with growing
// pauses, and so is one silent for streamIdle (the host reports the
// proxy's ": ping" comments as events with no data); a refused one (401,
// 403, 404) is given up with a console error, and a closed conversation
// ends it. A stream that ends normally (200) after an event or a ping is
// resumed at once: where the proxy cannot flush (Cloudflare Workers) each
// stream is a long poll that ends after its first write, and a pause
// there would hold the agent's next message back.

// Reconnect pauses, in ms: the first, doubling up to the last.
const (
	streamRetry    = 1000
	streamRetryMax = 30000
	// maxReadList is the most sequences one read receipt carries
	// (AcceptStatusEvent's sequenceList); a tick's older ones beyond it
	// are implied by the newer.
	maxReadList = 100
	// streamIdle is how long an open stream may stay silent, in ms,
	// before it is taken for dead and resumed: the proxy sends a ": ping"
	// every 15 s (SSE_HEARTBEAT) on an idle stream, so 40 s is about 2.5
	// of its beats, room for one late or lost. A connection left half
	// open by a network switch or a laptop's sleep ends no other way: no
	// error comes, and the browser's online event need not fire.
	streamIdle = 40000
)

// listen opens the event stream, after the last event handled.
func (c *Conversation) listen() {
	if c.id == "" || c.token == "" || c.stop != nil || c.retry != nil || c.env.Stream == nil {
		return
	}
	c.gen++
	gen := c.gen
	url := c.env.Proxy + "/v1/conversations/" + c.id + "/events?after=" + strconv.FormatInt(c.last, 10) + "&" + c.env.Claim
	c.h.logf("conversation events: GET " + url)
	c.carried = false
	c.alive()
	c.stop = c.env.Stream.Stream(url, c.token, func(data string) {
		c.h.lock()
		if c.gen == gen {
			c.attempt, c.carried = 0, true
			c.alive()
			c.readSoon()
			c.event(data) // "" is a ping: not JSON, ignored
		}
		c.h.unlock()
	}, func(resp Response) {
		c.h.lock()
		if c.gen == gen {
			c.stop = nil
			c.ended(resp)
		}
		c.h.unlock()
	})
}

// alive (re)starts the watch of the open stream: silent for streamIdle,
// it is aborted and resumed as a broken one is. A new watch stops the
// last, so a watch that fires with no stream open is an old one.
func (c *Conversation) alive() {
	if c.idle != nil {
		c.idle()
	}
	c.idle = c.env.Clock.After(streamIdle, c.silent)
}

func (c *Conversation) silent() {
	c.h.lock()
	if c.stop != nil {
		c.halt()
		c.ended(Response{})
	}
	c.h.unlock()
}

// halt stops the stream and a planned reconnect.
func (c *Conversation) halt() {
	c.gen++
	if c.stop != nil {
		c.stop()
		c.stop = nil
	}
	if c.retry != nil {
		c.retry()
		c.retry = nil
	}
}

// refused says whether the proxy refused for good: a 4xx other than 408
// and 429, which asking again does not change.
func refused(status int) bool { return status >= 400 && status < 500 && status != 408 && status != 429 }

// ended decides what follows the end of a stream: nothing after a
// refusal, a reconnect at once after a long poll's normal end, else a
// reconnect after a pause.
func (c *Conversation) ended(resp Response) {
	if c.id == "" {
		return
	}
	if refused(resp.Status) {
		if err, said := explain(c.env.Console, c.env.Proxy, "conversation.on", resp, false); !said {
			c.env.Console.Error(err.Error() + " The agent's side of conversation " + c.id +
				" is not shown (401: the token is missing or not this proxy's; 403: it is another conversation's).")
		}
		return
	}
	wait := min(int64(streamRetry)<<min(c.attempt, 5), streamRetryMax)
	if resp.Status == 200 && c.carried {
		wait = 0 // the attempts stay at 0: a failure next waits streamRetry
	} else {
		c.attempt++
	}
	c.retry = c.env.Clock.After(wait, func() {
		c.h.lock()
		c.retry = nil
		c.listen()
		c.h.unlock()
	})
}

// online reconnects at once, also a stream that looks open (its
// connection may be the old network's), and sends the read receipts
// that failed.
func (c *Conversation) online() {
	if c.retry != nil || c.stop != nil {
		c.halt()
		c.attempt = 0
		c.listen()
	}
	c.readSoon()
}

// hide at pagehide ends typing and the stream (a page with a request in
// flight is kept out of the back/forward cache); pageshow resumes it.
func (c *Conversation) hide(leaving bool) {
	if !leaving || c.id == "" {
		return
	}
	if c.typing || c.typingBusy {
		c.typingSent = true
	}
	c.typing, c.typingBusy = false, false
	c.sendTyping(true)
	c.halt()
}

// event handles one event of the stream: each seq once, in order.
func (c *Conversation) event(data string) {
	v, err := jsonv.Parse([]byte(data))
	m, _ := v.(map[string]any)
	seq, _ := m["seq"].(float64)
	if err != nil || m == nil || int64(seq) <= c.last {
		if data != "" && (err != nil || m == nil) {
			c.h.logf("conversation events: an event that is not the proxy's JSON was skipped")
		}
		return // not the proxy's (seqs are positive), or seen
	}
	c.last = int64(seq)
	own := m["role"] == "CONSUMER"
	// The proxy's object goes to the page as it is.
	switch m["type"] {
	case "message":
		n, ok := m["sequence"].(float64)
		c.deliver("message", data, own, [2]int64{c.last, int64(n)}, ok && !own)
	case "typing":
		// An earlier page's typing is over.
		if !own && c.last > c.history {
			c.deliver("typing", data, own, [2]int64{}, false)
		}
	case "read":
		// The visitor's own receipts are known (readNext).
		if !own {
			c.deliver("read", data, own, [2]int64{}, false)
		}
	case "state":
		c.deliver("state", data, own, [2]int64{}, false)
		if m["state"] == "closed" {
			c.forget()
			return
		}
	}
	c.persist()
}

// deliver hands an event to the page's listeners once the host's lock
// is released (a listener may call the page API). A message from the
// other side that a listener got is read once the page is visible.
func (c *Conversation) deliver(event, data string, own bool, msg [2]int64, ack bool) {
	c.h.reply(func() {
		if c.env.Emit == nil {
			return
		}
		c.env.Emit(event, data, own, func(n int) {
			if n > 0 && ack {
				c.h.lock()
				c.shown(msg)
				c.h.unlock()
			}
		})
	})
}

// shown marks a message, {log seq, sequence}, read: at the end of this
// tick when the page is visible, else when it becomes so. Each once: the
// mark is the log's seq, which grows in arrival order, not LivePerson's
// sequence, as a reordered webhook logs a lower sequence later.
func (c *Conversation) shown(msg [2]int64) {
	if c.id == "" || msg[0] < c.readNext {
		return
	}
	if !c.env.Page.Visible() {
		c.unread = append(c.unread, msg)
		return
	}
	c.reads = append(c.reads, msg)
	c.readSoon()
}

// readSoon sends the receipts waiting at the end of this tick, unless a
// send is planned or in flight.
func (c *Conversation) readSoon() {
	if len(c.reads) > 0 && !c.readBusy {
		c.readBusy = true
		c.env.Clock.After(0, c.sendReads)
	}
}

// visible reads what was shown while the page was hidden.
func (c *Conversation) visible() {
	u := c.unread
	c.unread = nil
	for _, s := range u {
		c.shown(s)
	}
}

// sendReads sends the waiting read receipts: the newest maxReadList.
// They wait until the proxy took them: a failed send is sent again on
// the next tick that shows a message, after the stream's next event and
// when the browser is back online.
func (c *Conversation) sendReads() {
	c.h.lock()
	id, end := c.id, len(c.reads)
	reads := c.reads[max(0, end-maxReadList):]
	if id == "" || end == 0 {
		c.readBusy = false
		c.h.unlock()
		return
	}
	b := c.body()
	b = append(b[:len(b)-1], `,"sequences":[`...)
	var next int64
	for i, m := range reads {
		if i > 0 {
			b = append(b, ',')
		}
		b = strconv.AppendInt(b, m[1], 10)
		next = max(next, m[0]+1)
	}
	c.post("read", "conversation.read", append(b, "]}"...), false, true, func(status int, err error) {
		if c.id != id {
			return
		}
		c.readBusy = false
		if err != nil && !refused(status) {
			return // sent again with the next ones
		}
		// Those sent and older are read, or refused for good (warned):
		// sending them again would be refused again. Those shown since wait.
		c.readNext = max(c.readNext, next)
		c.reads = c.reads[end:]
		c.persist()
		c.readSoon()
	})
	c.h.unlock()
}
