package proxy

import (
	"context"
	"crypto/rand"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"log/slog"
	"net/http"
	"time"
)

// Idempotency: the answers of conversation calls are remembered by their
// Idempotency-Key in the state engine, so that a browser that retries a
// create (it timed out, the tab reconnected) gets the first conversation
// back instead of opening a second one: same key, same answer, no
// upstream call, also after a restart (state file) or in another isolate
// (Durable Object). Concurrent requests with one key are coalesced into
// one upstream call: the first claims the key, the others wait for its
// answer. Only successes are remembered; after a failure a waiter (or a
// retry) makes the call itself. The key is scoped to the consumer (two
// consumers who pick the same key never meet), the route and the
// conversation id, and bound to the body: the same key with another body
// is refused (422).

var errKeyReused = &apiError{Status: http.StatusUnprocessableEntity, Code: CodeIdempotencyMismatch,
	Message: "this Idempotency-Key was used with a different request body; use a new key for a new request", cause: ErrKeyReused}

// claimLease is how long a claim outlives the request timeout before
// another request with its key may take it over (its claimant died).
const claimLease = 5 * time.Second

// errInProgress answers a request that waited for another with its key
// until its own time was up.
var errInProgress = unavailable("another request with this Idempotency-Key is still in progress; retry with the same key", 2*time.Second, nil)

// idempotent answers with k's stored answer, or runs call once for k and
// body and stores its answer. ctx bounds the wait for another claimant
// and call together: a request whose time went by waiting is answered
// 503 rather than starting the call late.
func (h *Handler) idempotent(ctx context.Context, k IdemKey, body []byte, call func() (int, []byte, error)) (int, []byte, error) {
	ran := false
	var callErr error
	a, err := RunOnce(ctx, h.state, k, sha256.Sum256(body), newClaimToken(), h.cfg.RequestTimeout+claimLease, h.cfg.IdempotencyTTL,
		func() (Answer, error) {
			ran = true
			status, resp, err := call()
			callErr = err
			return Answer{Status: status, Body: resp}, err
		})
	switch {
	case callErr != nil:
		if err != callErr {
			h.log.LogAttrs(ctx, slog.LevelWarn, "idempotency release failed", slog.String("error", err.Error()))
		}
		return 0, nil, callErr
	case ran:
		if err != nil {
			// The call took effect: its answer is given all the same; a
			// retry may then make it again.
			h.log.LogAttrs(ctx, slog.LevelWarn, "idempotency answer not stored", slog.String("error", err.Error()))
		}
	case errors.Is(err, ErrKeyReused):
		return 0, nil, errKeyReused
	case err != nil && ctx.Err() != nil:
		return 0, nil, errInProgress
	case err != nil:
		return 0, nil, unavailable("the idempotency records are not available; retry", 0, err)
	}
	return a.Status, a.Body, nil
}

// A OnceEngine is an [Engine] that runs a keyed call under its claim in
// one operation, where Claim and then Complete or Release are two round
// trips: the Durable Object engine holds one request to the scope's
// object open across the call. [RunOnce] uses it when an engine has it.
type OnceEngine interface {
	Engine
	// Once does what RunOnce does.
	Once(ctx context.Context, k IdemKey, sum [32]byte, token string, lease, ttl time.Duration, call func() (Answer, error)) (*Answer, error)
}

// RunOnce answers with k's answer stored for sum, or claims k under token
// for lease (as [Engine.Claim] does: waiting for another claimant,
// ErrKeyReused for another sum), runs call, which returns before Once
// does, and stores its answer for ttl (Complete). When call fails or
// panics, it releases the claim (a failure is not remembered) and returns
// call's error, joined with the release's when that failed too. When call
// succeeded but its answer was not stored (ErrClaimLost: the lease ended
// first; or the engine failed), it returns call's answer and that error.
// ctx bounds the wait for another claimant; the store or release after
// call are bounded by lease, also when ctx ended meanwhile.
func RunOnce(ctx context.Context, e Engine, k IdemKey, sum [32]byte, token string, lease, ttl time.Duration, call func() (Answer, error)) (*Answer, error) {
	if o, ok := e.(OnceEngine); ok {
		return o.Once(ctx, k, sum, token, lease, ttl, call)
	}
	return claimCall(ctx, e, k, sum, token, lease, ttl, call)
}

// claimCall is RunOnce with Claim, then Complete or Release.
func claimCall(ctx context.Context, e Engine, k IdemKey, sum [32]byte, token string, lease, ttl time.Duration, call func() (Answer, error)) (*Answer, error) {
	if a, err := e.Claim(ctx, k, sum, token, lease); a != nil || err != nil {
		return a, err
	}
	return underClaim(ctx, lease, call,
		func(sctx context.Context, a Answer) error { return e.Complete(sctx, k, token, a, ttl) },
		func(sctx context.Context) error { return e.Release(sctx, k, token) })
}

// underClaim runs call under a claim, then store with its answer, or
// release when it failed or panicked (so that waiters are woken and the
// key can be used again), each within afterCall's bound.
func underClaim(ctx context.Context, lease time.Duration, call func() (Answer, error),
	store func(context.Context, Answer) error, release func(context.Context) error) (_ *Answer, err error) {
	done := false
	defer func() {
		if !done {
			sctx, cancel := afterCall(ctx, lease)
			defer cancel()
			if rerr := release(sctx); rerr != nil {
				err = errors.Join(err, rerr)
			}
		}
	}()
	a, err := call()
	if err != nil {
		return nil, err
	}
	done = true
	sctx, cancel := afterCall(ctx, lease)
	defer cancel()
	return &a, store(sctx, a)
}

// afterCall is the context of RunOnce's store or release after its call:
// ctx's values, not its end, for lease.
func afterCall(ctx context.Context, lease time.Duration) (context.Context, context.CancelFunc) {
	return context.WithTimeout(context.WithoutCancel(ctx), lease)
}

// newClaimToken returns 128 random bits in hex: a claimant's identity.
func newClaimToken() string {
	var b [16]byte
	rand.Read(b[:])
	return hex.EncodeToString(b[:])
}

// bodyConsumer is the consumerId of a conversation call's body, which
// scopes its Idempotency-Key; "" when the body has none that is valid (the
// route then refuses the body itself).
func bodyConsumer(body []byte) string {
	o, err := parseObject(body)
	if err != nil {
		return ""
	}
	id, err := o.id("consumerId", maxConsumerID, false, true)
	if err != nil {
		return ""
	}
	return id
}
