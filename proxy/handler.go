package proxy

import (
	"context"
	"errors"
	"io"
	"log/slog"
	"mime"
	"net/http"
	"strconv"
	"strings"
	"sync/atomic"
	"time"

	"github.com/rs/cors"
)

// A Handler is the proxy: the /v1 API, /healthz and the tag's assets. It
// is safe for concurrent use; its caches (domains, tokens, idempotency
// results, rate limits) live as long as it does.
type Handler struct {
	cfg     Config
	log     *slog.Logger
	cors    *cors.Cors
	lp      *lpClient
	assets  *assets
	limiter *limiter // nil when rate limiting is off
	idem    *idempotency
	props   *clientProps
}

// New checks cfg, fills in defaults and returns the handler.
func New(cfg Config) (*Handler, error) {
	cfg, err := cfg.withDefaults()
	if err != nil {
		return nil, err
	}
	h := &Handler{cfg: cfg, log: cfg.Logger}
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
	if h.idem, err = newIdempotency(cfg.IdempotencyEntries, cfg.IdempotencyTTL, cfg.Now); err != nil {
		return nil, err
	}
	h.cors = cors.New(cors.Options{
		AllowedOrigins: cfg.AllowedOrigins,
		AllowedMethods: []string{http.MethodPost},
		AllowedHeaders: []string{"Content-Type", headerIdempotencyKey, headerTimeZone},
		ExposedHeaders: []string{headerRetryAfter},
		MaxAge:         600,
	})
	return h, nil
}

// A route is one /v1 endpoint.
type route struct {
	name      string // for logs: "report", "conversation.create", ...
	textPlain bool   // also takes text/plain bodies (navigator.sendBeacon)
	idempot   bool   // honours Idempotency-Key
	serve     func(h *Handler, ctx context.Context, r *http.Request, body []byte, id string) (int, []byte, error)
}

var (
	routeReport     = &route{name: "report", textPlain: true, serve: (*Handler).report}
	routeEngagement = &route{name: "engagement", serve: (*Handler).engagement}
	routeCreate     = &route{name: "conversation.create", idempot: true, serve: (*Handler).createConversation}
	routeMessage    = &route{name: "conversation.message", idempot: true, serve: (*Handler).sendMessage}
	routeClose      = &route{name: "conversation.close", idempot: true, serve: (*Handler).closeConversation}
)

// matchAPI maps a /v1 path to its route and the conversation id in it.
func matchAPI(path string) (rt *route, id string) {
	switch path {
	case "/v1/report":
		return routeReport, ""
	case "/v1/engagement":
		return routeEngagement, ""
	case "/v1/conversations":
		return routeCreate, ""
	}
	rest, ok := strings.CutPrefix(path, "/v1/conversations/")
	if !ok {
		return nil, ""
	}
	i := strings.LastIndexByte(rest, '/')
	if i <= 0 {
		return nil, ""
	}
	switch rest[i+1:] {
	case "messages":
		return routeMessage, rest[:i]
	case "close":
		return routeClose, rest[:i]
	}
	return nil, ""
}

// ServeHTTP implements http.Handler.
func (h *Handler) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	start := time.Now()
	rec := &recorder{ResponseWriter: w}
	var calls atomic.Int32
	r = r.WithContext(context.WithValue(r.Context(), callsKey{}, &calls))
	name := h.serve(rec, r)
	if rec.status == 0 {
		rec.status = http.StatusOK
	}
	level := slog.LevelInfo
	if rec.status >= 500 {
		level = slog.LevelWarn
	}
	h.log.LogAttrs(r.Context(), level, "request",
		slog.String("route", name),
		slog.String("method", r.Method),
		slog.Int("status", rec.status),
		slog.Int("upstream_calls", int(calls.Load())),
		slog.Duration("duration", time.Since(start)))
}

// serve answers r and returns the route name for the log.
func (h *Handler) serve(w http.ResponseWriter, r *http.Request) string {
	path := r.URL.Path
	switch {
	case path == "/healthz":
		if r.Method != http.MethodGet && r.Method != http.MethodHead {
			methodNotAllowed(w, "GET, HEAD")
			return "healthz"
		}
		writeJSON(w, http.StatusOK, []byte("{\"status\":\"ok\"}\n"))
		return "healthz"
	case strings.HasPrefix(path, "/v1/"):
		return h.serveAPI(w, r)
	}
	if a := h.assets.lookup(path); a != nil {
		if r.Method != http.MethodGet && r.Method != http.MethodHead {
			methodNotAllowed(w, "GET, HEAD")
		} else {
			a.serve(w, r)
		}
		return "asset"
	}
	(&apiError{Status: http.StatusNotFound, Code: CodeNotFound, Message: "no route or asset " + strconv.Quote(path)}).write(w)
	return "none"
}

func methodNotAllowed(w http.ResponseWriter, allow string) {
	w.Header().Set("Allow", allow)
	(&apiError{Status: http.StatusMethodNotAllowed, Code: CodeMethodNotAllowed, Message: "use " + allow}).write(w)
}

func (h *Handler) serveAPI(w http.ResponseWriter, r *http.Request) string {
	rt, id := matchAPI(r.URL.Path)
	if rt == nil {
		(&apiError{Status: http.StatusNotFound, Code: CodeNotFound, Message: "no route " + strconv.Quote(r.URL.Path)}).write(w)
		return "none"
	}
	// The allow-list is enforced here, not only by the browser: a page
	// from another origin gets 403 and nothing goes upstream.
	if origin := r.Header.Get("Origin"); origin != "" && !h.cors.OriginAllowed(r) {
		h.log.LogAttrs(r.Context(), slog.LevelDebug, "origin refused", slog.String("route", rt.name), slog.String("origin", clip(origin, 100)))
		(&apiError{Status: http.StatusForbidden, Code: CodeForbiddenOrigin, Message: "origin " + strconv.Quote(clip(origin, 100)) + " may not call this proxy"}).write(w)
		return rt.name
	}
	// rs/cors answers preflights itself and adds the headers to the rest.
	h.cors.ServeHTTP(w, r, func(w http.ResponseWriter, r *http.Request) {
		if err := h.serveRoute(w, r, rt, id); err != nil {
			ae := asAPIError(err)
			if ae.Status >= 500 {
				h.log.LogAttrs(r.Context(), slog.LevelWarn, "request failed", slog.String("route", rt.name),
					slog.String("code", ae.Code), slog.String("error", ae.Error()))
			}
			ae.write(w)
		}
	})
	return rt.name
}

func (h *Handler) serveRoute(w http.ResponseWriter, r *http.Request, rt *route, id string) error {
	if r.Method != http.MethodPost {
		w.Header().Set("Allow", "POST, OPTIONS")
		return &apiError{Status: http.StatusMethodNotAllowed, Code: CodeMethodNotAllowed, Message: "use POST"}
	}
	// A request with no address to key it by (a Worker without
	// CF-Connecting-IP) is not limited rather than sharing one bucket.
	if ip := clientIP(r, h.cfg.ClientIPHeader); h.limiter != nil && ip != "" {
		if wait, ok := h.limiter.allow(ip); !ok {
			return &apiError{Status: http.StatusTooManyRequests, Code: CodeRateLimited,
				Message: "too many requests from this client", RetryAfter: wait}
		}
	}
	if id != "" {
		if err := checkConversationID(id); err != nil {
			return err
		}
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
	run := func() (int, []byte, error) {
		ctx, cancel := context.WithTimeout(parent, h.cfg.RequestTimeout)
		defer cancel()
		return rt.serve(h, ctx, r, body, id)
	}
	var status int
	var resp []byte
	if key != "" {
		status, resp, err = h.idem.do(rt.name+"\x00"+id+"\x00"+key, body, run)
	} else {
		status, resp, err = run()
	}
	if err != nil {
		return err
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

// callsKey holds the request's upstream call counter in its context.
type callsKey struct{}

func countCall(ctx context.Context) {
	if n, ok := ctx.Value(callsKey{}).(*atomic.Int32); ok {
		n.Add(1)
	}
}
