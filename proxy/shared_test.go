package proxy_test

import (
	"context"
	"errors"
	"sync"
	"testing"
	"time"

	"github.com/lpedge/lpedge/liveperson/lptest"
	"github.com/lpedge/lpedge/proxy"
)

// mapCache is a SharedCache in a map, failing every call while broken.
type mapCache struct {
	mu     sync.Mutex
	m      map[string]string
	exp    map[string]time.Time
	broken bool
}

func (c *mapCache) Get(_ context.Context, key string) ([]byte, time.Time, error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.broken {
		return nil, time.Time{}, errors.New("broken")
	}
	v, ok := c.m[key]
	if !ok {
		return nil, time.Time{}, nil
	}
	return []byte(v), c.exp[key], nil
}

func (c *mapCache) Put(_ context.Context, key string, v []byte, exp time.Time) error {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.broken {
		return errors.New("broken")
	}
	c.m[key], c.exp[key] = string(v), exp
	return nil
}

// TestSharedCache: a second instance that starts cold takes the AppJWT
// and the Domain API's answers from the shared cache; a broken cache only
// costs the calls it would have saved.
func TestSharedCache(t *testing.T) {
	for _, broken := range []bool{false, true} {
		lp := newLP(t)
		cache := &mapCache{m: map[string]string{}, exp: map[string]time.Time{}, broken: broken}
		share := func(c *proxy.Config) { c.SharedCache = cache }
		first, _ := newProxy(t, lp, share)
		vid, sid, ctx := engage(t, first.URL)
		createConversation(t, first.URL, "shared-1", vid, sid, ctx, "")
		tokens, domains := lp.CallCount(lptest.RouteToken), lp.CallCount(lptest.RouteDomain)

		second, _ := newProxy(t, lp, share)
		createConversation(t, second.URL, "shared-2", vid, sid, ctx, "")
		dt, dd := lp.CallCount(lptest.RouteToken)-tokens, lp.CallCount(lptest.RouteDomain)-domains
		if broken && (dt != 1 || dd == 0) || !broken && (dt != 0 || dd != 0) {
			t.Errorf("broken cache %v: the cold instance made %d Sentinel and %d Domain API calls", broken, dt, dd)
		}
	}
}
