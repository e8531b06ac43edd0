package proxy

import (
	"context"
	"errors"
	"slices"
	"strconv"
	"time"
)

// An Engine keeps the proxy's conversation state: idempotency records
// (the answers of conversation calls by Idempotency-Key), each consumer's
// open conversation (learnt from LivePerson's conversation webhooks, so
// that a create whose answer was lost can be answered with it) and each
// conversation's event log (what its consumer's page reads). The
// handlers make every decision; an engine stores, bounds and wakes.
//
// The default is a [MemoryEngine], which one process holds; natively a
// [BoltEngine] keeps the same in a file across restarts; on Workers a
// Durable Object engine is shared by every isolate. The methods group by
// what a shared engine keeps together, so that each call touches one
// object: the idempotency methods one scope's (a consumer's) records, the
// log methods one conversation's, the open-conversation methods one
// LivePerson consumer's.
//
// The handlers claim, call and store through [RunOnce], which an engine
// that can do it in one operation provides ([OnceEngine]: the Durable
// Object engine, in one object request).
//
// Methods are safe for concurrent use and honour ctx; their errors are
// failures of the engine itself (a webhook is then answered 503, so that
// LivePerson retries), except [ErrKeyReused] and ctx's.
type Engine interface {
	// Claim looks up k's record for a request whose body has SHA-256 sum:
	//   - an answer stored for sum: it returns that answer (replay it);
	//   - a record (stored or claimed) for another sum: ErrKeyReused;
	//   - no record, an expired one, or a claim whose lease has ended:
	//     the caller claims k under token (nil, nil): it makes the call,
	//     then calls Complete or Release with the same token within lease
	//     (a claim by the same token again renews its lease);
	//   - a live claim for sum by another token: Claim waits, without
	//     polling, until that claimant completes (its answer is returned),
	//     releases or its lease ends (then one of the waiters claims, as
	//     above), or ctx ends (ctx.Err()).
	Claim(ctx context.Context, k IdemKey, sum [32]byte, token string, lease time.Duration) (*Answer, error)
	// Complete stores a as k's answer for ttl and wakes k's waiters, if
	// token still holds the claim; else it returns ErrClaimLost and
	// stores nothing (the lease ended and another claimed k).
	Complete(ctx context.Context, k IdemKey, token string, a Answer, ttl time.Duration) error
	// Release drops token's claim on k (the call failed: a failure is not
	// remembered) and wakes k's waiters; a claim token no longer holds is
	// left alone.
	Release(ctx context.Context, k IdemKey, token string) error

	// Append adds evs to conv's log in order, drops those whose Key the
	// log has seen (LivePerson retries and duplicates webhooks), assigns
	// the others Seq = last+1, last+2, ... and wakes conv's readers. It
	// returns how many it added. Seqs only grow, also across restarts and
	// logs dropped for their bounds: a reader resumes after the last seq
	// it saw and must get what came since.
	Append(ctx context.Context, conv string, evs []Event) (added int, err error)
	// Read returns a copy of conv's events with Seq > after, oldest
	// first, and the Seq of the log's last event (0 when it has none).
	// One answer holds the first of those events and then as many more
	// as keep their Data within ReadBytes together: when the last event
	// returned is below last, more are stored, and the caller reads
	// again after it, without waiting (see [Partial]).
	// When there are none and wait > 0, it first waits up to wait for
	// one to be appended, without polling; it may return none before
	// wait (the caller reads again), and returns ctx.Err() if ctx ends.
	Read(ctx context.Context, conv string, after int64, wait time.Duration) (evs []Event, last int64, err error)

	// SetOpen records that conv is consumer's open conversation (open),
	// or that conv closed (it is then forgotten if it was consumer's).
	// consumer is LivePerson's consumer id (a ConsumerJWS's
	// lp_consumer_id, a conversation's CONSUMER participant). A
	// LivePerson conversation never opens again once closed, but its
	// webhooks come retried and out of order: the engine remembers the
	// last ClosedKept conversations of each consumer seen closing (with
	// the open one, in the same record or object) and ignores an open
	// for any of them, also once another conversation has opened.
	SetOpen(ctx context.Context, consumer, conv string, open bool) error
	// OpenConversation returns consumer's open conversation, waiting up
	// to wait for one to be recorded; "" when none is known by then.
	OpenConversation(ctx context.Context, consumer string, wait time.Duration) (string, error)
}

// ReadBytes bounds the Data of the events one [Engine.Read] answer holds
// (beyond its first event), so that a shared engine's answer stays well
// within what one call may carry (a Worker reads at most 8 MiB of an
// answer; a log of 500 long messages can be more).
const ReadBytes = 1 << 20

// Partial reports whether a Read answer of evs and last left events out
// for its bound: the caller reads again after the last of evs at once.
func Partial(evs []Event, last int64) bool {
	return len(evs) > 0 && evs[len(evs)-1].Seq < last
}

// withinReadBytes returns how many of evs, from the first, one Read
// answer holds: at least one, then as many as keep their Data within
// ReadBytes.
func withinReadBytes(evs []Event) int {
	n := 0
	for i := range evs {
		if n += len(evs[i].Data); i > 0 && n > ReadBytes {
			return i
		}
	}
	return len(evs)
}

// ClosedKept is how many of a consumer's conversations seen closing an
// engine remembers (the most recent), so that a late or retried open of
// one of them is ignored (see [Engine.SetOpen]). LivePerson retries a
// webhook for a limited time; a consumer who opens and closes more than
// this many conversations meanwhile is not expected.
const ClosedKept = 16

// openState is what an engine keeps per consumer for SetOpen: the open
// conversation ("" for none) and those seen closing, oldest first.
type openState struct {
	conv   string
	closed []string
}

// set applies SetOpen(conv, open) and reports whether to record s.
func (s *openState) set(conv string, open bool) bool {
	switch {
	case slices.Contains(s.closed, conv):
		return false // closed for good: a late open is ignored
	case open: // (again, too: recorded anew, as it was before)
		s.conv = conv
		return true
	}
	if s.conv == conv {
		s.conv = ""
	}
	if len(s.closed) >= ClosedKept {
		s.closed = slices.Delete(s.closed, 0, len(s.closed)-ClosedKept+1)
	}
	s.closed = append(s.closed, conv)
	return true
}

// An IdemKey names one idempotency record.
type IdemKey struct {
	// Scope is the consumer the record belongs to (the body's
	// consumerId): two consumers who pick the same key never meet. A
	// shared engine keeps a scope's records together (one Durable Object).
	Scope string
	// Key is unique within Scope: the route's name, the conversation id
	// ("" for a create) and the Idempotency-Key, joined by NUL bytes.
	Key string
}

// An Answer is a stored answer to replay: the status and JSON body.
type Answer struct {
	Status int
	Body   []byte
}

var (
	// ErrKeyReused is Claim's error for a key already used with another
	// body.
	ErrKeyReused = errors.New("the idempotency key was used with another body")
	// ErrClaimLost is Complete's error for a claim whose lease ended and
	// that another took over.
	ErrClaimLost = errors.New("the idempotency claim's lease ended first")
)

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
