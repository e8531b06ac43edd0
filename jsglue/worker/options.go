package worker

import "time"

// Options tune [Serve]. The zero value selects the defaults stated with
// each field.
type Options struct {
	// MaxBodyBytes bounds how much of a request body is read: the handler
	// sees at most MaxBodyBytes+1 bytes, so that its own limit can tell an
	// over-long body from one of the right size. Default
	// DefaultMaxBodyBytes.
	MaxBodyBytes int64
	// MaxUpstreamBytes bounds the body of an answer to a [Client] request;
	// a longer one fails the request. Default DefaultMaxUpstreamBytes.
	MaxUpstreamBytes int64
	// Deadline bounds one request: one not answered in time gets 503
	// worker_timeout, and the instance is retired. A deadline also bounds
	// the WaitUntil work of a request. Default DefaultDeadline.
	Deadline time.Duration
}

// Defaults of [Options].
const (
	DefaultMaxBodyBytes     = 1 << 20
	DefaultMaxUpstreamBytes = 8 << 20
	DefaultDeadline         = 30 * time.Second
)

func (o Options) withDefaults() Options {
	if o.MaxBodyBytes <= 0 {
		o.MaxBodyBytes = DefaultMaxBodyBytes
	}
	if o.MaxUpstreamBytes <= 0 {
		o.MaxUpstreamBytes = DefaultMaxUpstreamBytes
	}
	if o.Deadline <= 0 {
		o.Deadline = DefaultDeadline
	}
	return o
}
