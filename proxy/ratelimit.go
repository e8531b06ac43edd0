package proxy

import (
	"net"
	"net/http"
	"strings"
	"sync"
	"time"

	lru "github.com/hashicorp/golang-lru/v2"
	"golang.org/x/time/rate"
)

// limiter is a token bucket per client address. The LRU bounds memory: a
// client evicted by 10000 newer ones starts again with a full bucket.
type limiter struct {
	mu      sync.Mutex // makes get-or-add atomic
	clients *lru.Cache[string, *rate.Limiter]
	limit   rate.Limit
	burst   int
	now     func() time.Time
}

func newLimiter(perSecond float64, burst, clients int, now func() time.Time) (*limiter, error) {
	c, err := lru.New[string, *rate.Limiter](clients)
	if err != nil {
		return nil, err
	}
	return &limiter{clients: c, limit: rate.Limit(perSecond), burst: burst, now: now}, nil
}

// allow takes a token for client; when there is none it returns how long
// until there will be one.
func (l *limiter) allow(client string) (wait time.Duration, ok bool) {
	l.mu.Lock()
	lim, found := l.clients.Get(client)
	if !found {
		lim = rate.NewLimiter(l.limit, l.burst)
		l.clients.Add(client, lim)
	}
	l.mu.Unlock()
	now := l.now()
	if lim.AllowN(now, 1) {
		return 0, true
	}
	r := lim.ReserveN(now, 1)
	wait = r.DelayFrom(now)
	r.CancelAt(now) // only asked how long; take nothing
	return max(wait, time.Second), false
}

// clientIP is the rate-limit key: the trusted header's address when one
// is configured and present, else the connection's remote address.
func clientIP(r *http.Request, header string) string {
	if header != "" {
		if v := r.Header.Get(header); v != "" {
			// Of a list (X-Forwarded-For), the last entry is the one the
			// nearest, trusted proxy added; the others are the client's word.
			if i := strings.LastIndexByte(v, ','); i >= 0 {
				v = v[i+1:]
			}
			return strings.TrimSpace(v)
		}
	}
	host, _, err := net.SplitHostPort(r.RemoteAddr)
	if err != nil {
		return r.RemoteAddr
	}
	return host
}
