package proxy

import (
	"errors"
	"io/fs"
	"log/slog"
	"net"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"
)

// Upstream sends the proxy's requests to LivePerson. Natively it defaults
// to a keep-alive *http.Client; on Cloudflare Workers, where *http.Client
// adds about 4.8 MB to the module and http.DefaultClient panics, the
// Workers main passes [github.com/lpedge/lpedge/jsglue/worker.Client],
// which runs each fetch in the execution context of the request it serves.
//
// Do must honour the request's context (every call carries a deadline)
// and must not follow redirects: LivePerson's APIs do not redirect, and a
// redirect would lead past the host allow-list.
type Upstream interface {
	Do(*http.Request) (*http.Response, error)
}

// Config configures a proxy. [ConfigFromEnv] reads it from environment
// variables (the names are given with each field); the zero value of an
// optional field selects the default stated with it.
type Config struct {
	// Account is the LivePerson account (site) id. LP_ACCOUNT_ID; required.
	Account string
	// AppInstallationID is the Monitoring app installation id that
	// /v1/report and /v1/engagement use. LP_APP_INSTALLATION_ID; without
	// it those routes answer 503 not_configured.
	AppInstallationID string
	// ClientID and ClientSecret are the Connector app's credentials for
	// the AppJWT (Sentinel). LP_CLIENT_ID, LP_CLIENT_SECRET; without them
	// the conversation routes answer 503 not_configured. The secret is
	// sent only in the token request's form body and never logged.
	ClientID, ClientSecret string

	// DomainAPI is the Domain API (CSDS) host. LP_DOMAIN_API; default
	// "api.liveperson.net", called over https. A value with a scheme is a
	// URL: "http://127.0.0.1:8080" is accepted only for a loopback host
	// (tests against lptest), and then hosts under TestDomain are called
	// over http too.
	DomainAPI string
	// TestDomain is a host (or a domain: subdomains match too) that the
	// Domain API may answer besides hosts under liveperson.net, e.g.
	// "127.0.0.1" for lptest. LP_TEST_DOMAIN; default none. Hosts under
	// liveperson.net are always called over https and without a port.
	TestDomain string

	// AllowedOrigins are the origins whose pages may call the /v1 routes,
	// like "https://shop.example" or "https://*.shop.example" (one
	// wildcard, as rs/cors takes it), or "*" for any. ALLOWED_ORIGINS,
	// comma-separated; required. A request with a disallowed Origin gets
	// 403 and nothing goes upstream; requests without Origin (curl, server
	// to server) are let through, as an Origin check cannot stop them.
	AllowedOrigins []string

	// ClientProperties are the Client-Properties defaults sent on every
	// CONVERSATION and SEND; the request's User-Agent and time zone are
	// added per request. LP_APP_ID (default "lpedge"), LP_INTEGRATION
	// (default "BRAND_SDK"), LP_INTEGRATION_VERSION (default "1.0.0"),
	// LP_FEATURES (comma-separated; default
	// "RICH_CONTENT,QUICK_REPLIES,MULTI_DIALOG").
	ClientProperties ClientDefaults

	// Upstream sends requests to LivePerson. Default: a keep-alive
	// *http.Client (natively); required under js/wasm.
	Upstream Upstream
	// UpstreamTimeout bounds one upstream call. LP_UPSTREAM_TIMEOUT (a Go
	// duration); default 10s.
	UpstreamTimeout time.Duration
	// RequestTimeout bounds all upstream work for one request, retries
	// included, so that a request never hangs. LP_REQUEST_TIMEOUT;
	// default 25s.
	RequestTimeout time.Duration
	// DomainTTL is how long a Domain API answer is reused. LP_DOMAIN_TTL;
	// default 1h.
	DomainTTL time.Duration
	// ConsumerCacheSize bounds the ConsumerJWS cache (LRU, one entry per
	// consumer id). LP_CONSUMER_CACHE; default 10000.
	ConsumerCacheSize int
	// IdempotencyTTL and IdempotencyEntries bound the Idempotency-Key
	// store. IDEMPOTENCY_TTL, default 24h; IDEMPOTENCY_ENTRIES, default
	// 10000.
	IdempotencyTTL     time.Duration
	IdempotencyEntries int

	// RateLimit is the sustained requests per second one client (IP
	// address) may make to the /v1 routes, with bursts up to RateBurst.
	// RATE_LIMIT, default 10, "0" turns the limit off (a negative
	// RateLimit in a Config); RATE_BURST, default 40. Clients are tracked
	// in an LRU of 10000 addresses.
	RateLimit float64
	RateBurst int
	// ClientIPHeader names the header that carries the client's address
	// when the proxy runs behind a trusted one ("X-Forwarded-For": the
	// last entry is taken, the one the nearest proxy added).
	// CLIENT_IP_HEADER; default none: the request's RemoteAddr, which on
	// Workers is CF-Connecting-IP already. Never set it when clients reach
	// the proxy directly: they could pick their own rate-limit key. A
	// request with no address at all is not rate limited.
	ClientIPHeader string

	// MaxBodyBytes bounds request bodies; larger ones get 413 unread.
	// MAX_BODY_BYTES; default 65536. Conversation bodies are held to
	// LivePerson's 5000 characters besides.
	MaxBodyBytes int64

	// WebhookMaxBodyBytes bounds the bodies of LivePerson's webhooks
	// (POST /webhooks/liveperson); larger ones get 413 unread.
	// WEBHOOK_MAX_BODY_BYTES; default 262144 (256 KB): a notification
	// carries at most a few events of LivePerson's 5000 characters each,
	// or one conversation's details.
	WebhookMaxBodyBytes int64

	// Engine keeps the idempotency records, the conversations' event
	// logs and each consumer's open conversation. Default: a
	// [MemoryEngine] bounded by IdempotencyEntries and the four settings
	// below (which a custom Engine ignores). The native command's -state
	// FILE (STATE_FILE; default none: in memory) gives it a [BoltEngine]
	// instead (see [OpenStateFile]), so that a restart loses nothing.
	Engine Engine
	// SharedCache, when set, shares the AppJWT and the Domain API's
	// answers between instances (on Workers, isolates): an instance that
	// starts cold reads them there instead of asking LivePerson. Default
	// none: each instance asks for its own.
	SharedCache SharedCache
	// EventLogEvents is how many events a conversation's log keeps; older
	// ones are dropped first. EVENT_LOG_EVENTS; default 500.
	EventLogEvents int
	// EventLogConversations bounds how many conversations have a log (and
	// consumers an open conversation); the least recently used go first.
	// EVENT_LOG_CONVERSATIONS; default 10000.
	EventLogConversations int
	// EventLogTTL drops a conversation's log this long after its last
	// event. EVENT_LOG_TTL; default 24h.
	EventLogTTL time.Duration
	// EventLogBytes bounds the memory of all logs together (events, their
	// keys and bookkeeping, estimated); over it, the least recently used
	// logs go first. Without it the other bounds allow 1.5 GB.
	// EVENT_LOG_BYTES; default 67108864 (64 MiB).
	EventLogBytes int64
	// Heartbeat is how often an idle event stream gets a ": ping"
	// comment, which keeps proxies and load balancers from closing it and
	// finds readers that went away; at most MaxHeartbeat, as the tag
	// takes a stream silent for 40 s for dead. SSE_HEARTBEAT; default 15s.
	Heartbeat time.Duration
	// OpenConversationWait bounds how long a create that LivePerson
	// refuses because the consumer has an open conversation waits for the
	// webhook that names it (the webhook may come after the retry), before
	// it is answered 409. Without webhooks, set it low (1ms).
	// OPEN_CONVERSATION_WAIT; default 2s.
	OpenConversationWait time.Duration

	// Assets holds the tag's build output (lpedge.js, lpedge.<hash>.wasm
	// and their .br/.gz siblings), served at the root. nil serves none.
	Assets fs.FS

	// Logger receives structured logs; default slog.Default(). Secrets,
	// tokens and message texts are never logged.
	Logger *slog.Logger
	// Now is the clock for token expiry and caches; default time.Now.
	Now func() time.Time
}

// ClientDefaults are the configured Client-Properties members.
type ClientDefaults struct {
	AppID              string   // appId, at most 64 characters
	Integration        string   // WEB_SDK, MOBILE_SDK or BRAND_SDK
	IntegrationVersion string   // at most 64 characters
	Features           []string // e.g. AUTO_MESSAGES, MULTI_DIALOG
}

// Defaults of the optional settings.
const (
	DefaultDomainAPI             = "api.liveperson.net"
	DefaultUpstreamTimeout       = 10 * time.Second
	DefaultRequestTimeout        = 25 * time.Second
	DefaultDomainTTL             = time.Hour
	DefaultConsumerCacheSize     = 10000
	DefaultIdempotencyTTL        = 24 * time.Hour
	DefaultIdempotencyEntries    = 10000
	DefaultRateLimit             = 10
	DefaultRateBurst             = 40
	DefaultMaxBodyBytes          = 64 << 10
	DefaultWebhookMaxBodyBytes   = 256 << 10
	DefaultEventLogEvents        = 500
	DefaultEventLogConversations = 10000
	DefaultEventLogTTL           = 24 * time.Hour
	DefaultEventLogBytes         = 64 << 20
	DefaultHeartbeat             = 15 * time.Second
	MaxHeartbeat                 = 30 * time.Second
	DefaultOpenConversationWait  = 2 * time.Second
	DefaultAppID                 = "lpedge"
	DefaultIntegration           = "BRAND_SDK"
	DefaultIntegrationVersion    = "1.0.0"
	rateLimitClients             = 10000
)

// DefaultFeatures are the Client-Properties features sent by default:
// MULTI_DIALOG lets post-conversation surveys reach the consumer.
var DefaultFeatures = []string{"RICH_CONTENT", "QUICK_REPLIES", "MULTI_DIALOG"}

// ConfigFromEnv reads a Config from environment variables through getenv
// (os.Getenv natively; the Worker's vars and secrets on Cloudflare). Unset
// variables leave defaults; malformed ones are errors naming the variable.
// Upstream, Engine, Assets, Logger and Now are left for the caller.
func ConfigFromEnv(getenv func(string) string) (Config, error) {
	c := Config{
		Account:           strings.TrimSpace(getenv("LP_ACCOUNT_ID")),
		AppInstallationID: strings.TrimSpace(getenv("LP_APP_INSTALLATION_ID")),
		ClientID:          strings.TrimSpace(getenv("LP_CLIENT_ID")),
		ClientSecret:      getenv("LP_CLIENT_SECRET"),
		DomainAPI:         strings.TrimSpace(getenv("LP_DOMAIN_API")),
		TestDomain:        strings.TrimSpace(getenv("LP_TEST_DOMAIN")),
		AllowedOrigins:    splitList(getenv("ALLOWED_ORIGINS")),
		ClientIPHeader:    strings.TrimSpace(getenv("CLIENT_IP_HEADER")),
		ClientProperties: ClientDefaults{
			AppID:              strings.TrimSpace(getenv("LP_APP_ID")),
			Integration:        strings.TrimSpace(getenv("LP_INTEGRATION")),
			IntegrationVersion: strings.TrimSpace(getenv("LP_INTEGRATION_VERSION")),
			Features:           splitList(getenv("LP_FEATURES")),
		},
	}
	durations := []struct {
		name string
		dst  *time.Duration
	}{
		{"LP_UPSTREAM_TIMEOUT", &c.UpstreamTimeout},
		{"LP_REQUEST_TIMEOUT", &c.RequestTimeout},
		{"LP_DOMAIN_TTL", &c.DomainTTL},
		{"IDEMPOTENCY_TTL", &c.IdempotencyTTL},
		{"EVENT_LOG_TTL", &c.EventLogTTL},
		{"SSE_HEARTBEAT", &c.Heartbeat},
		{"OPEN_CONVERSATION_WAIT", &c.OpenConversationWait},
	}
	for _, d := range durations {
		if v := strings.TrimSpace(getenv(d.name)); v != "" {
			t, err := time.ParseDuration(v)
			if err != nil || t <= 0 {
				return Config{}, configError(d.name, "want a positive Go duration such as 10s, got "+strconv.Quote(v))
			}
			*d.dst = t
		}
	}
	ints := []struct {
		name string
		dst  *int
	}{
		{"LP_CONSUMER_CACHE", &c.ConsumerCacheSize},
		{"IDEMPOTENCY_ENTRIES", &c.IdempotencyEntries},
		{"RATE_BURST", &c.RateBurst},
		{"EVENT_LOG_EVENTS", &c.EventLogEvents},
		{"EVENT_LOG_CONVERSATIONS", &c.EventLogConversations},
	}
	for _, d := range ints {
		if v := strings.TrimSpace(getenv(d.name)); v != "" {
			n, err := strconv.Atoi(v)
			if err != nil || n <= 0 {
				return Config{}, configError(d.name, "want a positive integer, got "+strconv.Quote(v))
			}
			*d.dst = n
		}
	}
	for _, d := range []struct {
		name string
		dst  *int64
	}{{"MAX_BODY_BYTES", &c.MaxBodyBytes}, {"WEBHOOK_MAX_BODY_BYTES", &c.WebhookMaxBodyBytes}, {"EVENT_LOG_BYTES", &c.EventLogBytes}} {
		if v := strings.TrimSpace(getenv(d.name)); v != "" {
			n, err := strconv.ParseInt(v, 10, 64)
			if err != nil || n <= 0 {
				return Config{}, configError(d.name, "want a positive integer, got "+strconv.Quote(v))
			}
			*d.dst = n
		}
	}
	if v := strings.TrimSpace(getenv("RATE_LIMIT")); v != "" {
		r, err := strconv.ParseFloat(v, 64)
		if err != nil || r < 0 {
			return Config{}, configError("RATE_LIMIT", "want requests per second (0 turns the limit off), got "+strconv.Quote(v))
		}
		c.RateLimit = r
		if r == 0 {
			c.RateLimit = -1 // off, as opposed to unset
		}
	}
	return c, nil
}

func splitList(s string) []string {
	var out []string
	for _, e := range strings.Split(s, ",") {
		if e = strings.TrimSpace(e); e != "" {
			out = append(out, e)
		}
	}
	return out
}

// A ConfigError names the setting that is wrong.
type ConfigError struct {
	Setting string // the environment variable or Config field
	Problem string
}

func (e *ConfigError) Error() string { return "proxy: " + e.Setting + ": " + e.Problem }

func configError(setting, problem string) error {
	return &ConfigError{Setting: setting, Problem: problem}
}

// withDefaults returns c with defaults filled in, checked.
func (c Config) withDefaults() (Config, error) {
	if err := checkAccount(c.Account); err != nil {
		return c, err
	}
	if len(c.AllowedOrigins) == 0 {
		return c, configError("ALLOWED_ORIGINS", `is required: list the shop's origins, e.g. "https://shop.example" ("*" allows any)`)
	}
	for _, o := range c.AllowedOrigins {
		if o != "*" && !strings.HasPrefix(o, "https://") && !strings.HasPrefix(o, "http://") {
			return c, configError("ALLOWED_ORIGINS", "want origins like https://shop.example, got "+strconv.Quote(o))
		}
	}
	if c.DomainAPI == "" {
		c.DomainAPI = DefaultDomainAPI
	}
	if (c.ClientID == "") != (c.ClientSecret == "") {
		return c, configError("LP_CLIENT_ID", "LP_CLIENT_ID and LP_CLIENT_SECRET go together")
	}
	if c.Heartbeat > MaxHeartbeat {
		return c, configError("SSE_HEARTBEAT", "is "+c.Heartbeat.String()+"; at most "+MaxHeartbeat.String()+": the tag takes a stream silent for 40 s for dead")
	}
	setDefault(&c.UpstreamTimeout, DefaultUpstreamTimeout)
	setDefault(&c.RequestTimeout, DefaultRequestTimeout)
	setDefault(&c.DomainTTL, DefaultDomainTTL)
	setDefault(&c.IdempotencyTTL, DefaultIdempotencyTTL)
	setDefault(&c.ConsumerCacheSize, DefaultConsumerCacheSize)
	setDefault(&c.IdempotencyEntries, DefaultIdempotencyEntries)
	setDefault(&c.RateLimit, DefaultRateLimit)
	setDefault(&c.RateBurst, DefaultRateBurst)
	setDefault(&c.MaxBodyBytes, DefaultMaxBodyBytes)
	setDefault(&c.WebhookMaxBodyBytes, DefaultWebhookMaxBodyBytes)
	setDefault(&c.EventLogEvents, DefaultEventLogEvents)
	setDefault(&c.EventLogConversations, DefaultEventLogConversations)
	setDefault(&c.EventLogTTL, DefaultEventLogTTL)
	setDefault(&c.EventLogBytes, DefaultEventLogBytes)
	setDefault(&c.Heartbeat, DefaultHeartbeat)
	setDefault(&c.OpenConversationWait, DefaultOpenConversationWait)
	cp := &c.ClientProperties
	setDefault(&cp.AppID, DefaultAppID)
	setDefault(&cp.Integration, DefaultIntegration)
	setDefault(&cp.IntegrationVersion, DefaultIntegrationVersion)
	if cp.Features == nil {
		cp.Features = DefaultFeatures
	}
	if c.Logger == nil {
		c.Logger = slog.Default()
	}
	if c.Now == nil {
		c.Now = time.Now
	}
	if c.Upstream == nil {
		c.Upstream = defaultUpstream()
		if c.Upstream == nil {
			return c, configError("Upstream", "is required on this platform (pass the Workers fetch client)")
		}
	}
	return c, nil
}

func setDefault[T comparable](p *T, def T) {
	var zero T
	if *p == zero {
		*p = def
	}
}

func checkAccount(s string) error {
	if s == "" || len(s) > 20 {
		return configError("LP_ACCOUNT_ID", "want 1 to 20 letters, digits or '_', got "+strconv.Quote(s))
	}
	for i := 0; i < len(s); i++ {
		if c := s[i]; !(c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || c == '_') {
			return configError("LP_ACCOUNT_ID", "want 1 to 20 letters, digits or '_', got "+strconv.Quote(s))
		}
	}
	return nil
}

// hosts decides which upstream hosts the proxy calls and how: the SSRF
// guard. Only the Domain API's own host and the hosts it answers are ever
// called, and those only when they lie under liveperson.net or the test
// domain.
type hosts struct {
	domainAPI    string // scheme://host[:port] of the Domain API
	testDomain   string // lower case, no port; "" for none
	testInsecure bool   // hosts under testDomain are called over http
}

func newHosts(domainAPI, testDomain string) (hosts, error) {
	h := hosts{testDomain: strings.ToLower(strings.TrimSuffix(testDomain, "."))}
	if !strings.Contains(domainAPI, "://") {
		domainAPI = "https://" + domainAPI
	}
	u, err := url.Parse(domainAPI)
	if err != nil || u.Host == "" || (u.Path != "" && u.Path != "/") || u.RawQuery != "" || u.User != nil {
		return h, configError("LP_DOMAIN_API", "want a host such as api.liveperson.net or http://127.0.0.1:PORT, got "+strconv.Quote(domainAPI))
	}
	switch u.Scheme {
	case "https":
	case "http":
		if !isLoopback(u.Hostname()) {
			return h, configError("LP_DOMAIN_API", "http is allowed only for a loopback host (tests), got "+strconv.Quote(u.Host))
		}
		h.testInsecure = true
	default:
		return h, configError("LP_DOMAIN_API", "want https (or http for loopback), got "+strconv.Quote(u.Scheme))
	}
	h.domainAPI = u.Scheme + "://" + u.Host
	return h, nil
}

func isLoopback(host string) bool {
	if host == "localhost" {
		return true
	}
	ip := net.ParseIP(host)
	return ip != nil && ip.IsLoopback()
}

// scheme returns the scheme to call a host the Domain API answered with,
// or an error when the host is not one the proxy may call.
func (h hosts) scheme(host string) (string, error) {
	name, port := host, ""
	if i := strings.LastIndexByte(host, ':'); i >= 0 && !strings.Contains(host[i:], "]") {
		name, port = host[:i], host[i+1:]
	}
	name = strings.ToLower(name)
	if !validHostName(name) || (port != "" && !validPort(port)) {
		return "", errors.New("host " + strconv.Quote(host) + " is not a bare host name")
	}
	if under(name, "liveperson.net") {
		if port != "" {
			return "", errors.New("host " + strconv.Quote(host) + " names a port; LivePerson hosts are called on 443 only")
		}
		return "https", nil
	}
	if h.testDomain != "" && under(name, h.testDomain) {
		if h.testInsecure {
			return "http", nil
		}
		return "https", nil
	}
	return "", errors.New("host " + strconv.Quote(host) + " is neither under liveperson.net nor the test domain")
}

// under reports whether name is domain or a subdomain of it.
func under(name, domain string) bool {
	return name == domain || strings.HasSuffix(name, "."+domain)
}

func validHostName(s string) bool {
	if s == "" || len(s) > 253 || s[0] == '.' || s[len(s)-1] == '.' || strings.Contains(s, "..") {
		return false
	}
	for i := 0; i < len(s); i++ {
		if c := s[i]; !(c >= 'a' && c <= 'z' || c >= '0' && c <= '9' || c == '-' || c == '.') {
			return false
		}
	}
	return true
}

func validPort(s string) bool {
	n, err := strconv.Atoi(s)
	return err == nil && n > 0 && n < 65536 && s[0] != '0'
}

// engineOptions are the bounds of a memory or state-file engine.
func (c *Config) engineOptions() EngineOptions {
	return EngineOptions{Records: c.IdempotencyEntries, Events: c.EventLogEvents, Conversations: c.EventLogConversations,
		TTL: c.EventLogTTL, Bytes: c.EventLogBytes, Now: c.Now}
}
