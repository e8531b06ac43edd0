package proxy

import (
	"context"
	"encoding/hex"
	"encoding/json"
	"errors"
	"io"
	"time"
)

// An ObjectCaller sends one operation to the Durable Object named object,
// a POST of body (JSON) to /op, and returns the object's JSON answer. On
// Workers it is a jsglue/worker.Objects call; see [ObjectEngine].
type ObjectCaller func(ctx context.Context, object, op string, body []byte) ([]byte, error)

// An ObjectOpener starts one operation on the Durable Object named object,
// a POST to /op whose body and answer stay open both ways, lines of JSON:
// first is the body's first line. On Workers it is a jsglue/worker.Objects
// stream; where there is none (syumai's per-request entry) it returns an
// error that is [errors.ErrUnsupported].
type ObjectOpener func(ctx context.Context, object, op string, first []byte) (ObjectStream, error)

// An ObjectStream is an operation that [ObjectOpener] started.
type ObjectStream interface {
	// Send adds a line to the body.
	Send(line []byte) error
	// Recv returns the answer's next line (without its newline), io.EOF
	// at its end, or ctx.Err() when ctx ends first.
	Recv(ctx context.Context) ([]byte, error)
	// Close ends the body. The operation runs on until the object ends
	// its answer, which Recv may still read.
	Close() error
}

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
	// Open, when set, makes [ObjectEngine.Once] one object request
	// instead of two (a claim, then a complete or a release).
	Open ObjectOpener
}

// DefaultScopeRecords is ObjectOptions.Records' default: a consumer's
// keyed creates, sends and closes within IdempotencyTTL, which a page
// retries for minutes, not hours (a record is a few hundred bytes).
const DefaultScopeRecords = 1000

// An ObjectEngine is an [Engine] kept in Durable Objects: the class
// LpedgeState of jsglue/worker/state.mjs, which the Worker's entry module
// exports. Every isolate of the Worker shares it, and it survives
// restarts. Each method calls one object once, unless it waits longer than
// one held request lasts; with ObjectOptions.Open, so does Once, a keyed
// call's claim and its answer together: "i:"+scope holds a scope's idempotency records,
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
		return objectError(ctx, op, err)
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

// claimIn is a claim's operation: Claim's, and the first line of Once's.
type claimIn struct {
	Key   string `json:"key"`
	Sum   string `json:"sum"`
	Token string `json:"token"`
	Lease int64  `json:"lease"`
	Keep  int    `json:"keep"`
	Wait  int64  `json:"wait"`
}

// claimOut is the object's answer to a claim.
type claimOut struct {
	Answer  *objAnswer `json:"answer"`
	Claimed bool       `json:"claimed"`
	Reused  bool       `json:"reused"`
}

func (e *ObjectEngine) claimIn(k IdemKey, sum [32]byte, token string, lease time.Duration) claimIn {
	return claimIn{Key: k.Key, Sum: hex.EncodeToString(sum[:]), Token: token, Lease: lease.Milliseconds(), Keep: e.opts.Records}
}

// result is Claim's result for out, and whether to ask again (the claim
// was still another's when the object's hold ended).
func (out *claimOut) result() (a *Answer, again bool, err error) {
	switch {
	case out.Answer != nil:
		return &Answer{Status: out.Answer.Status, Body: []byte(out.Answer.Body)}, false, nil
	case out.Reused:
		return nil, false, ErrKeyReused
	}
	return nil, !out.Claimed, nil
}

// Claim implements [Engine].
func (e *ObjectEngine) Claim(ctx context.Context, k IdemKey, sum [32]byte, token string, lease time.Duration) (*Answer, error) {
	in := e.claimIn(k, sum, token, lease)
	for {
		var cut bool
		in.Wait, cut = hold(ctx, lease)
		var out claimOut
		if err := e.do(ctx, "i:"+k.Scope, "claim", &in, &out); err != nil {
			return nil, err
		}
		a, again, err := out.result()
		if !again {
			return a, err
		}
		if cut {
			return nil, expire(ctx)
		}
	}
}

// Once implements [OnceEngine]: with ObjectOptions.Open, one request
// ("once") to k's scope's object stays open across call. Its first line
// claims k as Claim does, and the object's first line answers as to
// Claim; when k is claimed, the next line is call's answer to store (as
// Complete) or a release, which the object's second line acknowledges.
// A body that ends without either leaves the claim to its lease (its
// claimant died). Without Open, or where it is unsupported, Once is Claim
// and then Complete or Release.
func (e *ObjectEngine) Once(ctx context.Context, k IdemKey, sum [32]byte, token string, lease, ttl time.Duration, call func() (Answer, error)) (*Answer, error) {
	if e.opts.Open == nil {
		return claimCall(ctx, e, k, sum, token, lease, ttl, call)
	}
	in := e.claimIn(k, sum, token, lease)
	for {
		var cut bool
		in.Wait, cut = hold(ctx, lease)
		first, err := json.Marshal(&in)
		if err != nil {
			return nil, err
		}
		s, err := e.opts.Open(ctx, "i:"+k.Scope, "once", first)
		if errors.Is(err, errors.ErrUnsupported) {
			return claimCall(ctx, e, k, sum, token, lease, ttl, call)
		}
		if err != nil {
			return nil, objectError(ctx, "once", err)
		}
		var out claimOut
		if err := recvJSON(ctx, s, &out); err != nil {
			if ctx.Err() != nil {
				// Should the object claim k for this request after all,
				// the release that follows drops the claim at once.
				sendJSON(s, releaseLine)
			}
			s.Close()
			return nil, objectError(ctx, "once", err)
		}
		if out.Claimed {
			return e.onceClaimed(ctx, s, k, token, lease, ttl, call)
		}
		s.Close()
		a, again, err := out.result()
		if !again {
			return a, err
		}
		if cut {
			return nil, expire(ctx)
		}
	}
}

var releaseLine = struct {
	Release bool `json:"release"`
}{true}

// onceClaimed runs call under Once's claim on s, then stores its answer or
// releases the claim on s. Should s break meanwhile (the object was reset
// during the call: its claim is in its storage), the answer is stored, or
// the claim released, by a request of its own, as Complete and Release do.
func (e *ObjectEngine) onceClaimed(ctx context.Context, s ObjectStream, k IdemKey, token string, lease, ttl time.Duration, call func() (Answer, error)) (*Answer, error) {
	defer s.Close()
	var out struct {
		Lost bool `json:"lost"`
	}
	store := func(sctx context.Context, a Answer) error {
		in := struct {
			Answer objAnswer `json:"answer"`
			TTL    int64     `json:"ttl"`
		}{objAnswer{a.Status, string(a.Body)}, ttl.Milliseconds()}
		if err := exchange(sctx, s, &in, &out); err != nil {
			if sctx.Err() != nil {
				return objectError(sctx, "once", err)
			}
			return e.Complete(sctx, k, token, a, ttl)
		}
		if out.Lost {
			return ErrClaimLost
		}
		return nil
	}
	release := func(sctx context.Context) error {
		err := exchange(sctx, s, releaseLine, &out)
		if err != nil && sctx.Err() == nil {
			err = e.Release(sctx, k, token)
		}
		if err != nil {
			return objectError(sctx, "once", err)
		}
		return nil
	}
	return underClaim(ctx, lease, call, store, release)
}

// sendJSON sends v as a line on s.
func sendJSON(s ObjectStream, v any) error {
	b, err := json.Marshal(v)
	if err != nil {
		return err
	}
	return s.Send(b)
}

// recvJSON decodes s's next line into out.
func recvJSON(ctx context.Context, s ObjectStream, out any) error {
	b, err := s.Recv(ctx)
	if err == io.EOF {
		return errors.New("the object ended its answer early")
	}
	if err != nil {
		return err
	}
	if err := json.Unmarshal(b, out); err != nil {
		return errors.New("its answer is not usable: " + err.Error())
	}
	return nil
}

// exchange sends in on s and decodes the answer's next line into out.
func exchange(ctx context.Context, s ObjectStream, in, out any) error {
	if err := sendJSON(s, in); err != nil {
		return err
	}
	return recvJSON(ctx, s, out)
}

// objectError is op's error err, or ctx's when ctx ended.
func objectError(ctx context.Context, op string, err error) error {
	if ctx.Err() != nil {
		return ctx.Err()
	}
	return errors.New("state object " + op + ": " + err.Error())
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
