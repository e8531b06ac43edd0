package proxy

import (
	"context"
	"errors"
	"io"
	"log/slog"
	"mime"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"sync/atomic"
	"time"

	"github.com/rs/cors"
)

// A Handler is the proxy: the /v1 API, LivePerson's webhooks, /healthz
// and the tag's assets. It is safe for concurrent use; its caches
// (domains, tokens, rate limits) live as long as it does, the
// idempotency records and event logs as long as its state [Engine].
type Handler struct {
	cfg        Config
	log        *slog.Logger
	cors       *cors.Cors // the POST routes
	eventsCORS *cors.Cors // GET /v1/conversations/{id}/events
	mux        *http.ServeMux
	lp         *lpClient
	assets     *assets
	limiter    *limiter // nil when rate limiting is off
	props      *clientProps
	tokens     tokenKey
	state      Engine
	version    string // the build's, for the root
}

// New checks cfg, fills in defaults and returns the handler.
func New(cfg Config) (*Handler, error) {
	cfg, err := cfg.withDefaults()
	if err != nil {
		return nil, err
	}
	h := &Handler{cfg: cfg, log: cfg.Logger, tokens: newTokenKey(cfg.ClientSecret), state: cfg.Engine, version: version()}
	if h.lp, err = newLPClient(&h.cfg); err != nil {
		return nil, err
	}
	if h.props, err = newClientProps(cfg.ClientProperties); err != nil {
		return nil, err
	}
	if h.assets, err = loadAssets(cfg.Assets); err != nil {
		return nil, err
	}
	if cfg.RateLimit > 0 {
		if h.limiter, err = newLimiter(cfg.RateLimit, cfg.RateBurst, rateLimitClients, cfg.Now); err != nil {
			return nil, err
		}
	}
	if h.state == nil {
		h.state = NewMemoryEngine(cfg.engineOptions())
	}
	h.cors = cors.New(cors.Options{
		AllowedOrigins: cfg.AllowedOrigins,
		AllowedMethods: []string{http.MethodPost},
		AllowedHeaders: []string{"Content-Type", headerIdempotencyKey, headerTimeZone},
		ExposedHeaders: []string{headerRetryAfter},
		MaxAge:         600,
	})
	h.eventsCORS = cors.New(cors.Options{
		AllowedOrigins: cfg.AllowedOrigins,
		AllowedMethods: []string{http.MethodGet},
		AllowedHeaders: []string{"Authorization", headerLastEventID},
		ExposedHeaders: []string{headerRetryAfter},
		MaxAge:         600,
	})
	h.mux = h.routes()
	return h, nil
}

// A route is one /v1 endpoint that takes a JSON body.
type route struct {
	name      string // for logs: "report", "conversation.create", ...
	pattern   string // ServeMux path pattern; {id} is a conversation id
	textPlain bool   // also takes text/plain bodies (navigator.sendBeacon)
	idempot   bool   // honours Idempotency-Key
	serve     func(h *Handler, ctx context.Context, r *http.Request, body []byte, id string) (int, []byte, error)
	// finish, if set, completes an answer after it was stored for its
	// Idempotency-Key (or made without one): what must not be stored.
	finish func(h *Handler, status int, body []byte) []byte
}

var apiRoutes = []*route{
	{name: "report", pattern: "/v1/report", textPlain: true, serve: (*Handler).report},
	{name: "engagement", pattern: "/v1/engagement", serve: (*Handler).engagement},
	{name: "conversation.create", pattern: "/v1/conversations", idempot: true, serve: (*Handler).createConversation, finish: (*Handler).addToken},
	{name: "conversation.message", pattern: "/v1/conversations/{id}/messages", idempot: true, serve: (*Handler).sendMessage},
	{name: "conversation.close", pattern: "/v1/conversations/{id}/close", idempot: true, serve: (*Handler).closeConversation},
	{name: "conversation.typing", pattern: "/v1/conversations/{id}/typing", serve: (*Handler).sendTyping},
	{name: "conversation.read", pattern: "/v1/conversations/{id}/read", serve: (*Handler).sendRead},
}

// Paths of the routes that are not apiRoutes.
const (
	pathEvents  = "/v1/conversations/{id}/events"
	pathWebhook = "/webhooks/liveperson"
	pathHealth  = "/healthz"
)

// routes builds the mux. Each path has a method pattern that serves it
// and a method-less one that answers preflights (CORS routes) and 405
// with Allow, in the proxy's JSON, which ServeMux's own 405 is not.
func (h *Handler) routes() *http.ServeMux {
	mux := http.NewServeMux()
	for _, rt := range apiRoutes {
		mux.Handle(http.MethodPost+" "+rt.pattern, h.api(rt.name, h.cors, func(w http.ResponseWriter, r *http.Request) error {
			return h.serveRoute(w, r, rt)
		}))
		mux.Handle(rt.pattern, h.api(rt.name, h.cors, func(w http.ResponseWriter, r *http.Request) error {
			w.Header().Set("Allow", "POST, OPTIONS")
			return &apiError{Status: http.StatusMethodNotAllowed, Code: CodeMethodNotAllowed, Message: "use POST"}
		}))
	}
	mux.Handle(http.MethodGet+" "+pathEvents, h.api("conversation.events", h.eventsCORS, h.serveEvents))
	mux.Handle(pathEvents, h.api("conversation.events", h.eventsCORS, func(w http.ResponseWriter, r *http.Request) error {
		w.Header().Set("Allow", "GET, OPTIONS")
		return &apiError{Status: http.StatusMethodNotAllowed, Code: CodeMethodNotAllowed, Message: "use GET"}
	}))
	mux.HandleFunc(http.MethodPost+" "+pathWebhook, h.serveWebhook)
	mux.HandleFunc(pathWebhook, func(w http.ResponseWriter, r *http.Request) {
		setRoute(r, "webhook")
		methodNotAllowed(w, "POST")
	})
	mux.HandleFunc(http.MethodGet+" "+pathHealth, func(w http.ResponseWriter, r *http.Request) { // GET takes HEAD too
		setRoute(r, "healthz")
		writeJSON(w, http.StatusOK, []byte("{\"status\":\"ok\"}\n"))
	})
	mux.HandleFunc(pathHealth, func(w http.ResponseWriter, r *http.Request) {
		setRoute(r, "healthz")
		methodNotAllowed(w, "GET, HEAD")
	})
	mux.HandleFunc("/v1/", func(w http.ResponseWriter, r *http.Request) {
		notFound(w, "no route "+strconv.Quote(r.URL.Path))
	})
	mux.HandleFunc(http.MethodGet+" /{$}", h.serveIndex)
	mux.HandleFunc("/", h.serveAsset)
	return mux
}

// ServeHTTP implements http.Handler.
func (h *Handler) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	start := time.Now()
	rec := &recorder{ResponseWriter: w}
	info := &requestInfo{route: "none"}
	r = r.WithContext(context.WithValue(r.Context(), requestInfoKey{}, info))
	if !cleanPath(r.URL.Path) {
		// ServeMux would redirect to the cleaned path; an API has no
		// such paths.
		notFound(rec, "no route or asset "+strconv.Quote(r.URL.Path))
	} else {
		h.mux.ServeHTTP(rec, r)
	}
	if rec.status == 0 {
		rec.status = http.StatusOK
	}
	level := slog.LevelInfo
	if rec.status >= 500 {
		level = slog.LevelWarn
	}
	ctx := r.Context()
	if !h.log.Enabled(ctx, level) {
		return
	}
	// The record is made here rather than by LogAttrs, which would walk
	// the stack for a source line (ServeHTTP's, which says nothing): a
	// tenth of the log line's cost under wasm, where each request is
	// logged. Its time is also the end of the duration: one clock
	// reading less.
	now := time.Now()
	rc := slog.NewRecord(now, level, "request", 0)
	rc.AddAttrs(
		slog.String("route", info.route),
		slog.String("method", r.Method),
		slog.Int("status", rec.status),
		slog.Int("upstream_calls", int(info.calls.Load())),
		slog.Duration("duration", now.Sub(start)))
	h.log.Handler().Handle(ctx, rc)
}

// cleanPath reports whether p is in the canonical form ServeMux serves
// without redirecting: rooted, no empty, "." or ".." segments.
func cleanPath(p string) bool {
	if p == "" || p[0] != '/' {
		return false
	}
	return !strings.Contains(p, "//") && !strings.Contains(p, "/./") && !strings.Contains(p, "/../") &&
		!strings.HasSuffix(p, "/.") && !strings.HasSuffix(p, "/..")
}

// serveAsset serves the tag's files at the root, or 404.
func (h *Handler) serveAsset(w http.ResponseWriter, r *http.Request) {
	a := h.assets.lookup(r.URL.Path)
	if a == nil {
		notFound(w, "no route or asset "+strconv.Quote(r.URL.Path))
		return
	}
	setRoute(r, "asset")
	if r.Method != http.MethodGet && r.Method != http.MethodHead {
		methodNotAllowed(w, "GET, HEAD")
		return
	}
	a.serve(w, r)
}

func notFound(w http.ResponseWriter, msg string) {
	(&apiError{Status: http.StatusNotFound, Code: CodeNotFound, Message: msg}).write(w)
}

func methodNotAllowed(w http.ResponseWriter, allow string) {
	w.Header().Set("Allow", allow)
	(&apiError{Status: http.StatusMethodNotAllowed, Code: CodeMethodNotAllowed, Message: "use " + allow}).write(w)
}

// api wraps a /v1 handler: the origin check, CORS (rs/cors answers
// preflights itself and adds the headers to the rest) and error answers.
func (h *Handler) api(name string, c *cors.Cors, serve func(http.ResponseWriter, *http.Request) error) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		setRoute(r, name)
		// The allow-list is enforced here, not only by the browser: a page
		// from another origin gets 403 and nothing goes upstream.
		if origin := r.Header.Get("Origin"); origin != "" && !c.OriginAllowed(r) {
			h.log.LogAttrs(r.Context(), slog.LevelDebug, "origin refused", slog.String("route", name), slog.String("origin", clip(origin, 100)))
			(&apiError{Status: http.StatusForbidden, Code: CodeForbiddenOrigin, Message: "origin " + strconv.Quote(clip(origin, 100)) + " may not call this proxy"}).write(w)
			return
		}
		c.ServeHTTP(w, r, func(w http.ResponseWriter, r *http.Request) {
			if err := serve(w, r); err != nil {
				h.writeError(w, r, name, err)
			}
		})
	})
}

// writeError answers err, logging what is the proxy's or LivePerson's
// fault.
func (h *Handler) writeError(w http.ResponseWriter, r *http.Request, name string, err error) {
	ae := asAPIError(err)
	if ae.Status >= 500 {
		h.log.LogAttrs(r.Context(), slog.LevelWarn, "request failed", slog.String("route", name),
			slog.String("code", ae.Code), slog.String("error", ae.Error()))
	}
	ae.write(w)
}

// checkRate takes a token of the client's rate limit.
func (h *Handler) checkRate(r *http.Request) error {
	// A request with no address to key it by (a Worker without
	// CF-Connecting-IP) is not limited rather than sharing one bucket.
	if ip := clientIP(r, h.cfg.ClientIPHeader); h.limiter != nil && ip != "" {
		if wait, ok := h.limiter.allow(ip); !ok {
			return &apiError{Status: http.StatusTooManyRequests, Code: CodeRateLimited,
				Message: "too many requests from this client", RetryAfter: wait}
		}
	}
	return nil
}

// checkClaim compares the account and app the tag believes in (its
// data-account and data-app, sent as ?account= and ?app=: a query needs
// no CORS allowance, and an older proxy ignores it) with this proxy's:
// without it, a page with a mistyped data-account would be answered
// with another account's engagements and report to it in silence. A
// request without them (server to server, an older tag) passes. A "+"
// is itself: the tag sends the ids unescaped, and an app installation id
// may hold one.
func (h *Handler) checkClaim(r *http.Request) error {
	q, err := url.ParseQuery(strings.ReplaceAll(r.URL.RawQuery, "+", "%2B"))
	if err != nil {
		// ParseQuery leaves out what it cannot read: a mangled ?account=
		// must not pass unchecked.
		return badRequest("the query (?account= and ?app= are the page's data-account and data-app): " + err.Error())
	}
	for _, c := range [...]struct{ param, attr, ours, setting string }{
		{"account", "data-account", h.cfg.Account, "LP_ACCOUNT_ID"},
		{"app", "data-app", h.cfg.AppInstallationID, "LP_APP_INSTALLATION_ID"},
	} {
		if v, ok := q[c.param]; ok && c.ours != "" && (len(v) != 1 || v[0] != c.ours) {
			return &apiError{Status: http.StatusBadRequest, Code: CodeAccountMismatch,
				Message: c.attr + ": the page names " + strconv.Quote(clip(strings.Join(v, ","), 80)) + ", but this proxy serves " +
					strconv.Quote(c.ours) + " (its " + c.setting + "): fix the one that is wrong"}
		}
	}
	return nil
}

func (h *Handler) serveRoute(w http.ResponseWriter, r *http.Request, rt *route) error {
	if err := h.checkRate(r); err != nil {
		return err
	}
	if err := h.checkClaim(r); err != nil {
		return err
	}
	id := r.PathValue("id")
	if strings.Contains(rt.pattern, "{id}") {
		if err := checkConversationID(id); err != nil {
			return err
		}
	}
	// An X-Time-Zone that names no zone is refused on every route, also
	// where the body names one or the route has no use for it.
	if _, err := headerTimeZoneValue(r.Header); err != nil {
		return err
	}
	var key string
	if rt.idempot {
		var err error
		if key, err = idempotencyKey(r.Header); err != nil {
			return err
		}
	}
	body, err := h.readBody(w, r, rt.textPlain)
	if err != nil {
		return err
	}
	// Conversation calls are not cut short when the browser goes away: a
	// create abandoned halfway would leave its outcome unknown.
	parent := r.Context()
	if rt.idempot {
		parent = context.WithoutCancel(parent)
	}
	// One budget for all of it: waiting for another request with the
	// same Idempotency-Key and the call, so that the answer comes before
	// the server's or the Worker's deadline.
	ctx, cancel := context.WithTimeout(parent, h.cfg.RequestTimeout)
	defer cancel()
	run := func() (int, []byte, error) { return rt.serve(h, ctx, r, body, id) }
	var status int
	var resp []byte
	scope := ""
	if key != "" {
		scope = bodyConsumer(body) // only a keyed call reads its body twice
	}
	if scope != "" {
		k := IdemKey{Scope: scope, Key: rt.name + "\x00" + id + "\x00" + key}
		status, resp, err = h.idempotent(ctx, k, body, run)
	} else {
		status, resp, err = run()
	}
	if err != nil {
		return err
	}
	if rt.finish != nil {
		resp = rt.finish(h, status, resp)
	}
	writeJSON(w, status, resp)
	return nil
}

// readBody checks the content type and reads the body within the limit.
func (h *Handler) readBody(w http.ResponseWriter, r *http.Request, textPlain bool) ([]byte, error) {
	if err := checkContentType(r.Header.Get("Content-Type"), textPlain); err != nil {
		return nil, err
	}
	limit := h.cfg.MaxBodyBytes
	if r.ContentLength > limit {
		return nil, tooLarge(limit)
	}
	body, err := io.ReadAll(http.MaxBytesReader(w, r.Body, limit))
	if err != nil {
		if _, ok := errors.AsType[*http.MaxBytesError](err); ok {
			return nil, tooLarge(limit)
		}
		return nil, badRequest("reading the body failed: " + err.Error())
	}
	if len(body) == 0 {
		return nil, badRequest("the body is empty; want a JSON object")
	}
	return body, nil
}

func tooLarge(limit int64) *apiError {
	return &apiError{Status: http.StatusRequestEntityTooLarge, Code: CodeTooLarge,
		Message: "the body is larger than " + strconv.FormatInt(limit, 10) + " bytes"}
}

// checkContentType accepts application/json, and text/plain where
// textPlain (a beacon cannot send JSON without a preflight), in UTF-8.
func checkContentType(v string, textPlain bool) error {
	want := "application/json"
	if textPlain {
		want += " or text/plain"
	}
	if v == "" {
		return &apiError{Status: http.StatusUnsupportedMediaType, Code: CodeUnsupportedType, Message: "Content-Type is missing; want " + want}
	}
	mt, params, err := mime.ParseMediaType(v)
	if err != nil || !(mt == "application/json" || textPlain && mt == "text/plain") {
		return &apiError{Status: http.StatusUnsupportedMediaType, Code: CodeUnsupportedType,
			Message: "Content-Type " + strconv.Quote(clip(v, 80)) + " is not accepted here; want " + want}
	}
	if cs, ok := params["charset"]; ok && !strings.EqualFold(cs, "utf-8") {
		return &apiError{Status: http.StatusUnsupportedMediaType, Code: CodeUnsupportedType,
			Message: "charset " + strconv.Quote(clip(cs, 40)) + " is not accepted; want utf-8"}
	}
	return nil
}

// clip shortens s for an error message or a log.
func clip(s string, n int) string {
	if len(s) > n {
		return s[:n] + "..."
	}
	return s
}

// recorder remembers the status for the request log.
type recorder struct {
	http.ResponseWriter
	status int
}

func (r *recorder) WriteHeader(status int) {
	if r.status == 0 {
		r.status = status
	}
	r.ResponseWriter.WriteHeader(status)
}

func (r *recorder) Write(b []byte) (int, error) {
	if r.status == 0 {
		r.status = http.StatusOK
	}
	return r.ResponseWriter.Write(b)
}

// Unwrap lets http.ResponseController reach the connection.
func (r *recorder) Unwrap() http.ResponseWriter { return r.ResponseWriter }

// requestInfo is what the request log says of a request besides its
// method and status; the request's context carries it.
type requestInfo struct {
	route string       // set by the route's handler
	calls atomic.Int32 // upstream calls
}

type requestInfoKey struct{}

func setRoute(r *http.Request, name string) {
	if info, ok := r.Context().Value(requestInfoKey{}).(*requestInfo); ok {
		info.route = name
	}
}

func countCall(ctx context.Context) {
	if info, ok := ctx.Value(requestInfoKey{}).(*requestInfo); ok {
		info.calls.Add(1)
	}
}
