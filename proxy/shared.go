package proxy

import (
	"context"
	"log/slog"
	"sync"
	"time"
)

// A SharedCache keeps what every instance of the proxy may reuse, so that
// an instance that starts cold (on Workers, each new isolate) does not ask
// LivePerson again: the AppJWT and the Domain API's answers. An AppJWT is
// a credential: the cache must be private to the deployment. Errors are
// logged and the instance asks LivePerson instead.
type SharedCache interface {
	// Get returns key's value and when it expires; nil when there is
	// none.
	Get(ctx context.Context, key string) (value []byte, expires time.Time, err error)
	// Put stores value under key until expires.
	Put(ctx context.Context, key string, value []byte, expires time.Time) error
}

// sharedGet reads key from the shared cache, if there is one: ok when it
// holds a value that has not expired.
func (c *lpClient) sharedGet(ctx context.Context, key string) (value string, expires time.Time, ok bool) {
	if c.cfg.SharedCache == nil {
		return "", time.Time{}, false
	}
	v, exp, err := c.cfg.SharedCache.Get(ctx, key)
	if err != nil {
		c.log.Warn("shared cache", slog.String("key", key), slog.String("error", err.Error()))
		return "", time.Time{}, false
	}
	return string(v), exp, v != nil && c.now().Before(exp)
}

// sharedPut stores key in the shared cache, if there is one.
func (c *lpClient) sharedPut(ctx context.Context, key, value string, expires time.Time) {
	if c.cfg.SharedCache == nil {
		return
	}
	if err := c.cfg.SharedCache.Put(ctx, key, []byte(value), expires); err != nil {
		c.log.Warn("shared cache", slog.String("key", key), slog.String("error", err.Error()))
	}
}

// An ObjectCache is a [SharedCache] in the Durable Object "shared" (see
// [ObjectEngine]). A cold instance reads all its entries in one call and
// keeps them; a key missing or expired there is read again, as another
// instance may have renewed it.
type ObjectCache struct {
	call    ObjectCaller
	mu      sync.Mutex
	entries map[string]objEntry
}

type objEntry struct {
	Value   string `json:"value"`
	Expires int64  `json:"expires"` // ms since the epoch
}

// NewObjectCache returns a cache that calls the object with call.
func NewObjectCache(call ObjectCaller) *ObjectCache {
	return &ObjectCache{call: call}
}

const sharedObject = "shared"

// Get implements [SharedCache].
func (c *ObjectCache) Get(ctx context.Context, key string) ([]byte, time.Time, error) {
	c.mu.Lock()
	e, ok := c.entries[key]
	c.mu.Unlock()
	if !ok || time.Now().UnixMilli() >= e.Expires {
		var out struct {
			Entries map[string]objEntry `json:"entries"`
		}
		if err := callObject(ctx, c.call, sharedObject, "entries", struct{}{}, &out); err != nil {
			return nil, time.Time{}, err
		}
		c.mu.Lock()
		c.entries = out.Entries
		c.mu.Unlock()
		if e, ok = out.Entries[key]; !ok {
			return nil, time.Time{}, nil
		}
	}
	return []byte(e.Value), time.UnixMilli(e.Expires), nil
}

// Put implements [SharedCache].
func (c *ObjectCache) Put(ctx context.Context, key string, value []byte, expires time.Time) error {
	e := objEntry{Value: string(value), Expires: expires.UnixMilli()}
	in := struct {
		Key string `json:"key"`
		objEntry
	}{key, e}
	if err := callObject(ctx, c.call, sharedObject, "put", &in, &struct{}{}); err != nil {
		return err
	}
	c.mu.Lock()
	if c.entries == nil {
		c.entries = map[string]objEntry{}
	}
	c.entries[key] = e
	c.mu.Unlock()
	return nil
}
