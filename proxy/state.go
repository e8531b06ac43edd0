package proxy

import (
	"context"
	"strconv"
	"time"
)

// An Engine keeps the proxy's conversation state: each conversation's
// event log (what its consumer's page reads) and each consumer's open
// conversation (learnt from LivePerson's conversation webhooks, so that a
// create whose answer was lost can be answered with it). The webhook
// intake writes to it and the events route reads from it.
//
// The default is a [MemoryEngine], which one process holds; an engine
// that instances share (a Durable Object per conversation on Workers)
// implements the same methods. Methods are safe for concurrent use and
// honour ctx; their errors are failures of the engine itself (the
// webhook is then answered 503, so that LivePerson retries).
type Engine interface {
	// Append adds evs to conv's log in order, drops those whose Key the
	// log has seen (LivePerson retries and duplicates webhooks), assigns
	// the others Seq = last+1, last+2, ... and wakes conv's waiters. It
	// returns how many it added. Seqs only grow, also across restarts and
	// logs dropped for their bounds: a reader resumes after the last seq
	// it saw and must get what came since.
	Append(ctx context.Context, conv string, evs []Event) (added int, err error)
	// Read returns a copy of conv's events with Seq > after, oldest
	// first, and the Seq of the log's last event (0 when it has none).
	Read(ctx context.Context, conv string, after int64) (evs []Event, last int64, err error)
	// Wait returns when conv's log has an event with Seq > after (nil at
	// once if it has), or when ctx ends (ctx.Err()). It may return nil
	// early, after which the caller reads again: the memory engine does so
	// when it drops the log. It must not poll.
	Wait(ctx context.Context, conv string, after int64) error
	// SetOpen records that conv is consumer's open conversation (open),
	// or that conv closed (it is then forgotten if it was consumer's).
	// consumer is LivePerson's consumer id (a ConsumerJWS's
	// lp_consumer_id, a conversation's CONSUMER participant).
	SetOpen(ctx context.Context, consumer, conv string, open bool) error
	// OpenConversation returns consumer's open conversation, waiting up
	// to wait for one to be recorded; "" when none is known by then.
	OpenConversation(ctx context.Context, consumer string, wait time.Duration) (string, error)
}

// An Event is one entry of a conversation's log.
type Event struct {
	// Seq is the event's position in its log, one more than the event
	// before; Append assigns it.
	Seq int64
	// Key identifies the event for dropping duplicates ("" never is
	// dropped): the dialog and LivePerson sequence of a messaging event,
	// the state of a state event.
	Key string
	// Data is the event's JSON object without its braces and seq, e.g.
	// `"type":"message","sequence":0,...`; [Event.AppendJSON] writes the
	// whole object.
	Data []byte
	// Closed marks the state event "closed": event streams end after it.
	Closed bool
}

// AppendJSON appends the event's JSON object, {"seq":N,...}.
func (e *Event) AppendJSON(b []byte) []byte {
	b = append(b, `{"seq":`...)
	b = strconv.AppendInt(b, e.Seq, 10)
	if len(e.Data) > 0 {
		b = append(b, ',')
		b = append(b, e.Data...)
	}
	return append(b, '}')
}
