package proxy

import (
	"bytes"
	"context"
	"errors"
	"io"
	"log/slog"
	"net/http"
	"strconv"
	"strings"
	"sync"
	"time"

	lru "github.com/hashicorp/golang-lru/v2"
	"golang.org/x/sync/singleflight"

	"github.com/lpedge/lpedge/internal/jsonv"
	"github.com/lpedge/lpedge/liveperson/connector"
	"github.com/lpedge/lpedge/liveperson/monitoring"
)

// lpClient makes the proxy's LivePerson calls and keeps their caches:
// Domain API answers (TTL), the AppJWT (until 5 minutes before it
// expires) and ConsumerJWSs (LRU per consumer id; they do not expire).
// Concurrent misses of one entry share one upstream call.
type lpClient struct {
	cfg   *Config
	hosts hosts
	up    Upstream
	log   *slog.Logger
	now   func() time.Time

	flights singleflight.Group // keys: "domain:<service>", "appjwt", "jws:<consumer>"

	domainMu sync.Mutex
	domains  map[string]domainEntry // by service name

	jwtMu     sync.Mutex
	jwt       string
	refreshAt time.Time

	jws *lru.Cache[string, string] // consumer id -> ConsumerJWS
}

type domainEntry struct {
	host    string // as the Domain API answered it, checked by hosts.scheme
	scheme  string // "https", or "http" for a loopback test domain
	expires time.Time
}

func (d domainEntry) endpoint(account string) connector.Endpoint {
	return connector.Endpoint{Domain: d.host, Account: account, Scheme: d.scheme}
}

// appJWTLead is how long before its exp the AppJWT is replaced, as
// LivePerson's connector guide advises.
const appJWTLead = 5 * time.Minute

// appJWTLifetime is assumed when a token carries no readable exp: the
// documented lifetime is one hour.
const appJWTLifetime = time.Hour

// maxAnswer bounds what is read of an upstream answer.
const maxAnswer = 1 << 20

func newLPClient(cfg *Config) (*lpClient, error) {
	h, err := newHosts(cfg.DomainAPI, cfg.TestDomain)
	if err != nil {
		return nil, err
	}
	jws, err := lru.New[string, string](cfg.ConsumerCacheSize)
	if err != nil {
		return nil, err
	}
	return &lpClient{cfg: cfg, hosts: h, up: cfg.Upstream, log: cfg.Logger, now: cfg.Now,
		domains: map[string]domainEntry{}, jws: jws}, nil
}

// An answer is an upstream response, read whole.
type answer struct {
	status     int
	body       []byte
	retryAfter string
	jws        string // the ConsumerJWS a Connector call was made with
}

// call makes one upstream request within UpstreamTimeout. A non-nil error
// means no answer came (network error, timeout, dropped connection).
func (c *lpClient) call(ctx context.Context, method, url string, header http.Header, body []byte) (answer, error) {
	ctx, cancel := context.WithTimeout(ctx, c.cfg.UpstreamTimeout)
	defer cancel()
	var rd io.Reader
	if body != nil {
		rd = bytes.NewReader(body)
	}
	req, err := http.NewRequestWithContext(ctx, method, url, rd)
	if err != nil {
		return answer{}, err
	}
	for k, v := range header {
		req.Header[k] = v
	}
	req.Header.Set("Accept", "application/json")
	countCall(ctx)
	resp, err := c.up.Do(req)
	if err != nil {
		return answer{}, err
	}
	defer resp.Body.Close()
	data, err := io.ReadAll(io.LimitReader(resp.Body, maxAnswer))
	if err != nil {
		return answer{}, err
	}
	return answer{status: resp.StatusCode, body: data, retryAfter: resp.Header.Get(headerRetryAfter)}, nil
}

// Pauses between attempts of the calls that may be retried (Domain API,
// Sentinel, IDP): short, because a browser waits for the answer; the long
// pauses LivePerson advises are the browser's to take, after the 503 and
// Retry-After the proxy answers once these are used up.
var retryPauses = []time.Duration{100 * time.Millisecond, 400 * time.Millisecond}

// retryable says whether an answer (or its absence) may be retried.
func retryable(a answer, err error) bool {
	return err != nil || a.status == http.StatusTooManyRequests || a.status >= 500
}

// callRetrying makes an idempotent call, retrying network errors, 429
// and 5xx after retryPauses (at least 1 s after a 429, LivePerson's
// minimum, or its Retry-After) while the request's deadline allows.
func (c *lpClient) callRetrying(ctx context.Context, method, url string, header http.Header, body []byte) (answer, error) {
	for attempt := 0; ; attempt++ {
		a, err := c.call(ctx, method, url, header, body)
		if !retryable(a, err) || attempt == len(retryPauses) || ctx.Err() != nil {
			return a, err
		}
		pause := retryPauses[attempt]
		if a.status == http.StatusTooManyRequests {
			pause = max(time.Second, retryAfter(a.retryAfter, c.now()))
		}
		if dl, ok := ctx.Deadline(); ok && time.Until(dl) < pause+c.cfg.UpstreamTimeout/10 {
			return a, err // no time left for a useful attempt
		}
		t := time.NewTimer(pause)
		select {
		case <-ctx.Done():
			t.Stop()
			return a, err
		case <-t.C:
		}
	}
}

// failure turns a failed upstream call into the proxy's answer: no answer,
// 429 and 5xx are 503 with Retry-After (LivePerson's, or 5 s); anything
// else LivePerson refused is 502. what names the call for the message.
func (c *lpClient) failure(what string, a answer, err error) *apiError {
	switch {
	case err != nil:
		return unavailable(what+" did not answer", 0, err)
	case a.status == http.StatusTooManyRequests || a.status >= 500:
		wait := retryAfter(a.retryAfter, c.now())
		if a.status == http.StatusTooManyRequests {
			wait = max(wait, time.Second)
		}
		return unavailable(what+" is unavailable (HTTP "+strconv.Itoa(a.status)+")", wait,
			errors.New("upstream "+strconv.Itoa(a.status)+": "+snippet(a.body)))
	}
	return upstreamError(what+" refused the request (HTTP "+strconv.Itoa(a.status)+")",
		errors.New("upstream "+strconv.Itoa(a.status)+": "+snippet(a.body)))
}

// snippet is the start of an upstream body, for the log: LivePerson's
// error bodies hold no secrets, and answers with tokens never get here.
func snippet(b []byte) string {
	return clip(strings.ToValidUTF8(string(b), "?"), 200)
}

// domain returns the base URL of a service for the account, from the
// Domain API or its cache.
func (c *lpClient) domain(ctx context.Context, service string) (domainEntry, error) {
	c.domainMu.Lock()
	e, ok := c.domains[service]
	c.domainMu.Unlock()
	if ok && c.now().Before(e.expires) {
		return e, nil
	}
	v, err, _ := c.flights.Do("domain:"+service, func() (any, error) {
		shared := "domain:" + c.cfg.Account + ":" + service
		if host, exp, ok := c.sharedGet(ctx, shared); ok {
			// Another instance asked; the SSRF guard applies all the same.
			if scheme, err := c.hosts.scheme(host); err == nil {
				return c.keepDomain(service, domainEntry{host: host, scheme: scheme, expires: exp}), nil
			}
		}
		url := c.hosts.domainAPI + "/api/account/" + c.cfg.Account + "/service/" + service + "/baseURI.json?version=1.0"
		a, err := c.callRetrying(ctx, http.MethodGet, url, nil, nil)
		if err != nil || a.status != http.StatusOK {
			return nil, c.failure("the Domain API ("+service+")", a, err)
		}
		host, err := readBaseURI(a.body)
		if err != nil {
			return nil, upstreamError("the Domain API answered no usable host for "+service, err)
		}
		scheme, err := c.hosts.scheme(host)
		if err != nil {
			// The SSRF guard: whatever the Domain API (or someone
			// between) says, only LivePerson's hosts are called.
			return nil, upstreamError("the Domain API answered a host the proxy may not call for "+service, err)
		}
		e := domainEntry{host: host, scheme: scheme, expires: c.now().Add(c.cfg.DomainTTL)}
		c.sharedPut(ctx, shared, host, e.expires)
		return c.keepDomain(service, e), nil
	})
	if err != nil {
		return domainEntry{}, err
	}
	return v.(domainEntry), nil
}

// keepDomain caches e as service's entry and returns it.
func (c *lpClient) keepDomain(service string, e domainEntry) domainEntry {
	c.domainMu.Lock()
	c.domains[service] = e
	c.domainMu.Unlock()
	return e
}

// readBaseURI reads {"baseURI":"host"} from a Domain API answer.
func readBaseURI(data []byte) (string, error) {
	v, err := jsonv.Parse(data)
	if err != nil {
		return "", err
	}
	m, _ := v.(map[string]any)
	host, _ := m["baseURI"].(string)
	if host == "" {
		return "", errors.New("no baseURI in " + snippet(data))
	}
	return host, nil
}

// appJWT returns the cached AppJWT, or a new one from Sentinel when there
// is none, it is within 5 minutes of exp, or stale names the token
// LivePerson just refused (40102).
func (c *lpClient) appJWT(ctx context.Context, stale string) (string, error) {
	c.jwtMu.Lock()
	if stale != "" && c.jwt == stale {
		c.jwt = ""
	}
	tok, at := c.jwt, c.refreshAt
	c.jwtMu.Unlock()
	if tok != "" && c.now().Before(at) {
		return tok, nil
	}
	v, err, _ := c.flights.Do("appjwt", func() (any, error) {
		if c.cfg.ClientID == "" {
			return nil, &apiError{Status: http.StatusServiceUnavailable, Code: CodeNotConfigured,
				Message: "this proxy has no LivePerson client credentials (LP_CLIENT_ID, LP_CLIENT_SECRET)"}
		}
		shared := "appjwt:" + c.cfg.Account + ":" + c.cfg.ClientID
		if tok, refresh, ok := c.sharedGet(ctx, shared); ok && tok != stale {
			return c.keepAppJWT(tok, refresh), nil
		}
		d, err := c.domain(ctx, connector.ServiceSentinel)
		if err != nil {
			return nil, err
		}
		url, err := d.endpoint(c.cfg.Account).TokenURL()
		if err != nil {
			return nil, upstreamError("the Sentinel URL is not usable", err)
		}
		body := connector.TokenRequest{ClientID: c.cfg.ClientID, ClientSecret: c.cfg.ClientSecret}.Encode()
		hdr := http.Header{"Content-Type": {connector.ContentTypeForm}}
		a, err := c.callRetrying(ctx, http.MethodPost, url, hdr, []byte(body))
		if err != nil || a.status != http.StatusOK {
			return nil, c.failure("Sentinel (AppJWT)", a, err)
		}
		t, err := connector.DecodeToken(a.body)
		if err != nil {
			return nil, upstreamError("Sentinel answered no usable token", err)
		}
		refresh := c.now().Add(appJWTLifetime - appJWTLead)
		if claims, err := connector.ReadAppJWT(t.AccessToken); err == nil {
			refresh = claims.ExpiresAt.Add(-appJWTLead)
		} else {
			c.log.Warn("AppJWT exp unreadable; assuming the documented hour", slog.String("error", err.Error()))
		}
		c.sharedPut(ctx, shared, t.AccessToken, refresh)
		return c.keepAppJWT(t.AccessToken, refresh), nil
	})
	if err != nil {
		return "", err
	}
	return v.(string), nil
}

// keepAppJWT caches tok until refresh and returns it.
func (c *lpClient) keepAppJWT(tok string, refresh time.Time) string {
	c.jwtMu.Lock()
	c.jwt, c.refreshAt = tok, refresh
	c.jwtMu.Unlock()
	return tok
}

// consumerJWS returns the consumer's ConsumerJWS, cached or from IDP.
// stale names a token LivePerson just refused (40103), which is dropped.
func (c *lpClient) consumerJWS(ctx context.Context, consumer, stale string) (string, error) {
	if tok, ok := c.jws.Get(consumer); ok {
		if tok != stale {
			return tok, nil
		}
		c.jws.Remove(consumer)
	}
	v, err, _ := c.flights.Do("jws:"+consumer, func() (any, error) {
		d, err := c.domain(ctx, connector.ServiceIDP)
		if err != nil {
			return nil, err
		}
		url, err := d.endpoint(c.cfg.Account).ConsumerURL()
		if err != nil {
			return nil, upstreamError("the IDP URL is not usable", err)
		}
		body, err := connector.ConsumerRequest{ExtConsumerID: consumer}.AppendJSON(nil)
		if err != nil {
			return nil, badRequest(err.Error())
		}
		var a answer
		var jwt string
		for try := 0; try < 2; try++ { // a second time only after refreshing a refused AppJWT
			if jwt, err = c.appJWT(ctx, jwt); err != nil {
				return nil, err
			}
			hdr := http.Header{"Content-Type": {connector.ContentTypeJSON}, connector.HeaderAuthorization: {jwt}}
			if a, err = c.callRetrying(ctx, http.MethodPost, url, hdr, body); err != nil || !isAppJWTRefused(a) {
				break
			}
		}
		if err != nil || a.status != http.StatusCreated && a.status != http.StatusOK {
			return nil, c.failure("IDP (ConsumerJWS)", a, err)
		}
		t, err := connector.DecodeConsumerToken(a.body)
		if err != nil {
			return nil, upstreamError("IDP answered no usable token", err)
		}
		c.jws.Add(consumer, t.Token)
		return t.Token, nil
	})
	if err != nil {
		return "", err
	}
	return v.(string), nil
}

// authCode is the errorCode of a 401 authorization failure, or 0.
func authCode(a answer) int {
	if a.status != http.StatusUnauthorized {
		return 0
	}
	e, err := connector.DecodeAuthError(a.body)
	if err != nil {
		return 0
	}
	return e.ErrorCode
}

func isAppJWTRefused(a answer) bool { return authCode(a) == connector.ErrorInvalidAppJWT }

// retryAfter reads a Retry-After header with monitoring's reader, which
// counts in milliseconds.
func retryAfter(v string, now time.Time) time.Duration {
	return millis(monitoring.ParseRetryAfter(v, now.UnixMilli()))
}

// millis turns monitoring's milliseconds into a Duration.
func millis(ms int64) time.Duration { return time.Duration(ms) * time.Millisecond }
