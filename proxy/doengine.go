package proxy

import (
	"context"
	"encoding/hex"
	"encoding/json"
	"errors"
	"time"
)

// An ObjectCaller sends one operation to the Durable Object named object,
// a POST of body (JSON) to /op, and returns the object's JSON answer. On
// Workers it is a jsglue/worker.Objects call; see [ObjectEngine].
type ObjectCaller func(ctx context.Context, object, op string, body []byte) ([]byte, error)

// ObjectOptions bound an [ObjectEngine]; zero values select the Default*
// constants of the same names (DefaultEventLogEvents, ...,
// DefaultScopeRecords for Records).
type ObjectOptions struct {
	Events int // events kept per conversation, oldest dropped first
	// Records bounds the idempotency records of one scope's (consumer's)
	// object: past it, ended claims and expired answers go first, then
	// the oldest answers; a live claim never does.
	Records int
	TTL     time.Duration // an object is emptied this long after its last write (its alarm)
	Now     func() time.Time
}

// DefaultScopeRecords is ObjectOptions.Records' default: a consumer's
// keyed creates, sends and closes within IdempotencyTTL, which a page
// retries for minutes, not hours (a record is a few hundred bytes).
const DefaultScopeRecords = 1000

// An ObjectEngine is an [Engine] kept in Durable Objects: the class
// LpedgeState of jsglue/worker/state.mjs, which the Worker's entry module
// exports. Every isolate of the Worker shares it, and it survives
// restarts. Each method calls one object once, unless it waits longer than
// one held request lasts: "i:"+scope holds a scope's idempotency records,
// "l:"+conv a conversation's log, "o:"+consumer a consumer's open
// conversation. Readers and claimants wait in the object, which answers
// them when a write comes; nothing polls.
//
// The objects apply Events, Records (per scope) and TTL; IdempotencyEntries and the engine-wide
// bounds of the memory engine (conversations, bytes) do not apply, as each
// object holds one scope's or conversation's state. A new log numbers its
// events from the caller's clock in microseconds, as the memory engine's
// do, so seqs grow across an object emptied for its TTL.
type ObjectEngine struct {
	call ObjectCaller
	opts ObjectOptions
}

// maxHold bounds one held request to an object; a longer wait asks again.
// A Worker's request must answer within its deadline (30 s by default).
const maxHold = 20 * time.Second

// NewObjectEngine returns an engine that calls objects with call.
func NewObjectEngine(call ObjectCaller, o ObjectOptions) *ObjectEngine {
	if o.Events <= 0 {
		o.Events = DefaultEventLogEvents
	}
	if o.TTL <= 0 {
		o.TTL = DefaultEventLogTTL
	}
	if o.Records <= 0 {
		o.Records = DefaultScopeRecords
	}
	if o.Now == nil {
		o.Now = time.Now
	}
	return &ObjectEngine{call: call, opts: o}
}

// do sends in to object's op and decodes the answer into out.
func (e *ObjectEngine) do(ctx context.Context, object, op string, in, out any) error {
	return callObject(ctx, e.call, object, op, in, out)
}

// callObject sends in to object's op with call and decodes the answer
// into out.
func callObject(ctx context.Context, call ObjectCaller, object, op string, in, out any) error {
	b, err := json.Marshal(in)
	if err != nil {
		return err
	}
	if b, err = call(ctx, object, op, b); err != nil {
		if ctx.Err() != nil {
			return ctx.Err()
		}
		return errors.New("state object " + op + ": " + err.Error())
	}
	if err := json.Unmarshal(b, out); err != nil {
		return errors.New("state object " + op + ": its answer is not usable: " + err.Error())
	}
	return nil
}

// hold is how long one request may wait in an object: up to wait, within
// maxHold and ctx's deadline, in milliseconds; cut reports that ctx's
// deadline bounds it, so that nothing will come in time after it.
func hold(ctx context.Context, wait time.Duration) (ms int64, cut bool) {
	wait = min(wait, maxHold)
	if dl, ok := ctx.Deadline(); ok {
		if left := time.Until(dl); left <= wait {
			wait, cut = left, true
		}
	}
	return max(wait, 0).Milliseconds(), cut
}

// expire waits for ctx's end, which is due: the object's hold, bounded by
// it, has ended first. It returns ctx's error.
func expire(ctx context.Context) error {
	<-ctx.Done()
	return ctx.Err()
}

type objAnswer struct {
	Status int    `json:"status"`
	Body   string `json:"body"`
}

// Claim implements [Engine].
func (e *ObjectEngine) Claim(ctx context.Context, k IdemKey, sum [32]byte, token string, lease time.Duration) (*Answer, error) {
	in := struct {
		Key   string `json:"key"`
		Sum   string `json:"sum"`
		Token string `json:"token"`
		Lease int64  `json:"lease"`
		Keep  int    `json:"keep"`
		Wait  int64  `json:"wait"`
	}{Key: k.Key, Sum: hex.EncodeToString(sum[:]), Token: token, Lease: lease.Milliseconds(), Keep: e.opts.Records}
	for {
		var cut bool
		in.Wait, cut = hold(ctx, lease)
		var out struct {
			Answer  *objAnswer `json:"answer"`
			Claimed bool       `json:"claimed"`
			Reused  bool       `json:"reused"`
		}
		if err := e.do(ctx, "i:"+k.Scope, "claim", &in, &out); err != nil {
			return nil, err
		}
		switch {
		case out.Answer != nil:
			return &Answer{Status: out.Answer.Status, Body: []byte(out.Answer.Body)}, nil
		case out.Reused:
			return nil, ErrKeyReused
		case out.Claimed:
			return nil, nil
		}
		// Still claimed by another when the hold ended: ask again.
		if cut {
			return nil, expire(ctx)
		}
	}
}

// Complete implements [Engine].
func (e *ObjectEngine) Complete(ctx context.Context, k IdemKey, token string, a Answer, ttl time.Duration) error {
	in := struct {
		Key    string    `json:"key"`
		Token  string    `json:"token"`
		Answer objAnswer `json:"answer"`
		TTL    int64     `json:"ttl"`
		Keep   int       `json:"keep"`
	}{k.Key, token, objAnswer{a.Status, string(a.Body)}, ttl.Milliseconds(), e.opts.Records}
	var out struct {
		Lost bool `json:"lost"`
	}
	if err := e.do(ctx, "i:"+k.Scope, "complete", &in, &out); err != nil {
		return err
	}
	if out.Lost {
		return ErrClaimLost
	}
	return nil
}

// Release implements [Engine].
func (e *ObjectEngine) Release(ctx context.Context, k IdemKey, token string) error {
	in := struct {
		Key   string `json:"key"`
		Token string `json:"token"`
	}{k.Key, token}
	return e.do(ctx, "i:"+k.Scope, "release", &in, &struct{}{})
}

// An objEvent is an Event in an object; Size is len(Data) in bytes, which
// the object counts against a read's bound (JavaScript's string length
// counts UTF-16 units).
type objEvent struct {
	Seq    int64  `json:"seq,omitempty"`
	Key    string `json:"key"`
	Data   string `json:"data"`
	Size   int    `json:"size"`
	Closed bool   `json:"closed"`
}

// Append implements [Engine].
func (e *ObjectEngine) Append(ctx context.Context, conv string, evs []Event) (int, error) {
	if len(evs) == 0 {
		return 0, nil
	}
	in := struct {
		Events []objEvent `json:"events"`
		Floor  int64      `json:"floor"`
		Keep   int        `json:"keep"`
		TTL    int64      `json:"ttl"`
	}{make([]objEvent, len(evs)), e.opts.Now().UnixMicro(), e.opts.Events, e.opts.TTL.Milliseconds()}
	for i, ev := range evs {
		in.Events[i] = objEvent{Key: ev.Key, Data: string(ev.Data), Size: len(ev.Data), Closed: ev.Closed}
	}
	var out struct {
		Added int `json:"added"`
	}
	err := e.do(ctx, "l:"+conv, "append", &in, &out)
	return out.Added, err
}

// Read implements [Engine].
func (e *ObjectEngine) Read(ctx context.Context, conv string, after int64, wait time.Duration) ([]Event, int64, error) {
	ms, cut := hold(ctx, wait)
	in := struct {
		After int64 `json:"after"`
		Wait  int64 `json:"wait"`
		Bytes int   `json:"bytes"`
	}{after, ms, ReadBytes}
	var out struct {
		Events []objEvent `json:"events"`
		Last   int64      `json:"last"`
	}
	if err := e.do(ctx, "l:"+conv, "read", &in, &out); err != nil {
		return nil, 0, err
	}
	if len(out.Events) == 0 && wait > 0 && cut {
		return nil, 0, expire(ctx)
	}
	evs := make([]Event, len(out.Events))
	for i, ev := range out.Events {
		evs[i] = Event{Seq: ev.Seq, Key: ev.Key, Data: []byte(ev.Data), Closed: ev.Closed}
	}
	return evs, out.Last, nil
}

// SetOpen implements [Engine].
func (e *ObjectEngine) SetOpen(ctx context.Context, consumer, conv string, open bool) error {
	in := struct {
		Conv   string `json:"conv"`
		Open   bool   `json:"open"`
		Closed int    `json:"closed"`
		TTL    int64  `json:"ttl"`
	}{conv, open, ClosedKept, e.opts.TTL.Milliseconds()}
	return e.do(ctx, "o:"+consumer, "setopen", &in, &struct{}{})
}

// OpenConversation implements [Engine].
func (e *ObjectEngine) OpenConversation(ctx context.Context, consumer string, wait time.Duration) (string, error) {
	ms, _ := hold(ctx, wait)
	in := struct {
		Wait int64 `json:"wait"`
	}{ms}
	var out struct {
		Conv string `json:"conv"`
	}
	err := e.do(ctx, "o:"+consumer, "open", &in, &out)
	return out.Conv, err
}
