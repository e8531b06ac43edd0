package lptest

import (
	"context"
	"crypto/rand"
	"encoding/base64"
	"encoding/binary"
	"io"
	"net"
	"net/http"
	"regexp"
	"strconv"
	"strings"
	"sync"
	"time"
)

// A Server is an in-memory LivePerson on a loopback address: the Domain
// API, Monitoring (smt), Sentinel, IDP and the Connector API
// (asyncMessagingEnt), all on one host, plus the control endpoints under
// /lptest/. It is safe for concurrent use.
type Server struct {
	// URL is the base URL, "http://127.0.0.1:PORT", once started.
	URL string
	// Listener is what Start serves on. NewUnstartedServer leaves it nil,
	// and Start then listens on 127.0.0.1:0; set it before Start to serve
	// elsewhere (the lptest command listens on a fixed port).
	Listener net.Listener

	cfg     config
	mux     *http.ServeMux
	http    *http.Server
	host    string
	closing chan struct{} // closed by Close: stalled calls end
	close   sync.Once

	mu sync.Mutex
	st state

	hooks webhooks
}

// MaxCalls is how many calls the inspector keeps; older ones are dropped
// so that a long-running lptest command does not grow without bound.
const MaxCalls = 10000

// maxBody bounds any request body lptest reads; the Connector's own limit
// (5000 characters) is checked by its decoders.
const maxBody = 1 << 20

// NewServer starts a server on 127.0.0.1 with a free port, configured by
// opts; it panics on a bad option, as net/http/httptest does on a failed
// listen. Close it when done.
func NewServer(opts ...Option) *Server {
	s := NewUnstartedServer(opts...)
	s.Start()
	return s
}

// NewUnstartedServer returns a server that is not listening yet: set
// Listener and call Start, or serve Handler yourself.
func NewUnstartedServer(opts ...Option) *Server {
	s := &Server{closing: make(chan struct{})}
	for _, o := range opts {
		o(&s.cfg)
	}
	if s.cfg.accounts == nil {
		WithAccount(DefaultAccount)(&s.cfg)
	}
	if s.cfg.clients == nil {
		WithClient(DefaultClientID, DefaultClientSecret)(&s.cfg)
	}
	if s.cfg.clock == nil {
		s.cfg.clock = time.Now
	}
	if s.cfg.webhookAlg == "" {
		s.cfg.webhookAlg = "sha1"
	}
	if s.cfg.retryFirst == 0 {
		s.cfg.retryFirst, s.cfg.retryMax, s.cfg.retention = DefaultWebhookFirstRetry, DefaultWebhookMaxRetry, DefaultWebhookRetention
	}
	s.hooks = webhooks{url: s.cfg.webhookURL, first: s.cfg.retryFirst, most: s.cfg.retryMax, retention: s.cfg.retention,
		client: &http.Client{Timeout: WebhookTimeout}, now: s.cfg.clock}
	s.hooks.ctx, s.hooks.stop = context.WithCancel(context.Background())
	s.hooks.reset()
	s.st.reset()
	s.mux = http.NewServeMux()
	s.routes()
	return s
}

// Start serves on Listener (127.0.0.1:0 when nil) in the background.
func (s *Server) Start() {
	if s.http != nil {
		panic("lptest: Start called twice")
	}
	if s.Listener == nil {
		l, err := net.Listen("tcp", "127.0.0.1:0")
		if err != nil {
			panic("lptest: listening on 127.0.0.1: " + err.Error())
		}
		s.Listener = l
	}
	s.host = s.Listener.Addr().String()
	s.URL = "http://" + s.host
	s.http = &http.Server{Handler: s.mux, ReadHeaderTimeout: 10 * time.Second}
	go s.http.Serve(s.Listener) //nolint:errcheck // Serve returns ErrServerClosed after Close
}

// Close stops the server: calls stalled by a fault end at once, open
// connections are closed, and webhook deliveries stop (attempts in
// flight are cancelled; what was not delivered is dropped).
func (s *Server) Close() {
	s.close.Do(func() {
		close(s.closing)
		s.hooks.stop()
		if s.http != nil {
			s.http.Close()
		} else if s.Listener != nil {
			s.Listener.Close()
		}
		s.hooks.wg.Wait()
	})
}

// Handler serves every route of the server. Served by something other
// than Start, the Domain API answers the Host the request came to.
func (s *Server) Handler() http.Handler { return s.mux }

// Host is "127.0.0.1:PORT": the baseURI the Domain API gives for every
// service. It is empty before Start.
func (s *Server) Host() string { return s.host }

// Reset forgets every call, visitor, conversation and pending fault,
// webhook notifications not yet delivered, webhook faults and
// deliveries. The configuration stays, and tokens already issued stay
// valid.
func (s *Server) Reset() {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.st.reset()
	s.hooks.reset()
}

func (s *Server) now() time.Time { return s.cfg.clock() }

// state is everything a server has recorded; guarded by Server.mu.
type state struct {
	seq           int
	calls         []Call
	faults        map[Route][]Fault
	visitors      map[string]*Visitor // by vid
	visitorOrder  []string
	conversations map[string]*Conversation
	convOrder     []string
	open          map[string]string // account "/" lp_consumer_id -> the consumer's open conversation
}

func (st *state) reset() {
	*st = state{
		faults:        map[Route][]Fault{},
		visitors:      map[string]*Visitor{},
		conversations: map[string]*Conversation{},
		open:          map[string]string{},
	}
}

// Route names one API method of the server, for faults and the inspector.
type Route string

// The routes. RouteOther is any path lptest does not serve.
const (
	RouteDomain       Route = "domain"       // GET /api/account/{account}/service/[{service}/]baseURI.json
	RouteReport       Route = "report"       // PUT (or POST + X-HTTP-Method-Override: PUT) .../app/{app}/report
	RouteEngagement   Route = "engagement"   // POST .../app/{app}/engagement
	RouteToken        Route = "token"        // POST /sentinel/api/account/{account}/app/token
	RouteConsumer     Route = "consumer"     // POST /api/account/{account}/consumer
	RouteConversation Route = "conversation" // POST .../messaging/consumer/conversation
	RouteSend         Route = "send"         // POST .../messaging/consumer/conversation/send
	RouteOther        Route = "other"
)

// Routes are the API routes faults can be set on.
var Routes = []Route{RouteDomain, RouteReport, RouteEngagement, RouteToken, RouteConsumer, RouteConversation, RouteSend}

// answer is what a route handler replies, and what the inspector records.
type answer struct {
	status int
	header http.Header
	body   []byte
	// visitor, session and conversation the call concerned, for the inspector
	visitor, session, conversation string
}

func newAnswer(status int, contentType string, body []byte) answer {
	h := http.Header{}
	if contentType != "" {
		h.Set("Content-Type", contentType)
	}
	return answer{status: status, header: h, body: body}
}

// plain is lptest's own answer where LivePerson documents no body.
func plain(status int, msg string) answer {
	return newAnswer(status, "text/plain; charset=utf-8", []byte(msg+"\n"))
}

type handler func(r *http.Request, body []byte) answer

func (s *Server) routes() {
	s.mux.Handle("/api/account/{account}/service/{service}/baseURI.json", s.api(RouteDomain, s.domain, nil))
	s.mux.Handle("/api/account/{account}/service/{service}/baseURI", s.api(RouteDomain, s.domain, nil))
	s.mux.Handle("/api/account/{account}/service/baseURI.json", s.api(RouteDomain, s.domains, nil))
	s.mux.Handle("/api/account/{account}/service/baseURI", s.api(RouteDomain, s.domains, nil))
	s.mux.Handle("/api/account/{account}/app/{app}/report", s.api(RouteReport, s.report, s.monitoringFault))
	s.mux.Handle("/api/account/{account}/app/{app}/engagement", s.api(RouteEngagement, s.engagement, s.monitoringFault))
	s.mux.Handle("/sentinel/api/account/{account}/app/token", s.api(RouteToken, s.token, nil))
	s.mux.Handle("/api/account/{account}/consumer", s.api(RouteConsumer, s.consumer, s.authFault))
	s.mux.Handle("/api/account/{account}/messaging/consumer/conversation", s.api(RouteConversation, s.conversation, s.authFault))
	s.mux.Handle("/api/account/{account}/messaging/consumer/conversation/send", s.api(RouteSend, s.send, s.authFault))
	s.mux.Handle("/", s.api(RouteOther, func(r *http.Request, _ []byte) answer {
		return plain(http.StatusNotFound, "lptest: no LivePerson API at "+r.URL.Path)
	}, nil))
	s.controlRoutes()
}

// api wraps a route handler: it reads the body, applies a pending fault
// (faultBody shapes its answer; nil means a plain text body), writes the
// answer and records the call.
func (s *Server) api(route Route, h handler, faultBody func(*http.Request, int) answer) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		body, err := io.ReadAll(http.MaxBytesReader(w, r.Body, maxBody))
		var a answer
		var fault *Fault
		if r.Method != http.MethodOptions { // a browser's preflight is not the call a fault is meant for
			fault = s.takeFault(route)
		}
		switch {
		case err != nil:
			a = plain(http.StatusRequestEntityTooLarge, "lptest: request body over "+strconv.Itoa(maxBody)+" bytes")
		case fault != nil:
			// Dropped, abandoned by the client, or cut by Close: no answer.
			if !s.stall(r, fault.Delay) || fault.Drop {
				s.record(route, r, body, answer{}, fault)
				panic(http.ErrAbortHandler) // net/http closes the connection without writing
			}
			if fault.Lose {
				// LivePerson did the work; its answer never arrives.
				s.record(route, r, body, h(r, body), fault)
				panic(http.ErrAbortHandler)
			}
			if fault.Status == 0 {
				a = h(r, body)
				break
			}
			if faultBody != nil {
				a = faultBody(r, fault.Status)
			} else {
				a = plain(fault.Status, http.StatusText(fault.Status))
			}
			if fault.Body != "" {
				a.body = []byte(fault.Body)
			}
			if fault.RetryAfter != "" {
				a.header.Set("Retry-After", fault.RetryAfter)
			}
		default:
			a = h(r, body)
		}
		if route == RouteReport || route == RouteEngagement {
			setCORS(a.header, r)
		}
		for k, v := range a.header {
			w.Header()[k] = v
		}
		w.WriteHeader(a.status)
		w.Write(a.body)
		s.record(route, r, body, a, fault)
	})
}

// stall waits d; false when the request or the server ended first.
func (s *Server) stall(r *http.Request, d time.Duration) bool {
	if d <= 0 {
		return true
	}
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-t.C:
		return true
	case <-r.Context().Done():
	case <-s.closing:
	}
	return false
}

// headersOfNote are the request headers the inspector keeps.
var headersOfNote = []string{"Origin", "Content-Type", "Accept", "Authorization", "X-LP-ON-BEHALF", "Client-Properties",
	"X-HTTP-Method-Override", "Access-Control-Request-Method", "Access-Control-Request-Headers"}

func (s *Server) record(route Route, r *http.Request, body []byte, a answer, fault *Fault) {
	c := Call{
		Time:         s.now(),
		Route:        route,
		Method:       r.Method,
		Override:     r.Header.Get("X-HTTP-Method-Override"),
		Path:         r.URL.Path,
		Query:        r.URL.RawQuery,
		Body:         string(body),
		Status:       a.status,
		Answer:       string(a.body),
		Visitor:      a.visitor,
		Session:      a.session,
		Conversation: a.conversation,
	}
	if route == RouteToken {
		c.Query, c.Body = s.redactSecret(c.Query), s.redactSecret(c.Body)
	}
	for _, h := range headersOfNote {
		if v := r.Header.Get(h); v != "" {
			if c.Header == nil {
				c.Header = map[string]string{}
			}
			c.Header[h] = v
		}
	}
	if fault != nil {
		c.Fault = fault.String()
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	s.st.seq++
	c.Seq = s.st.seq
	if len(s.st.calls) == MaxCalls {
		// Advance the start rather than shift every call: append then
		// reallocates only now and then, so a long run stays linear.
		s.st.calls[0] = Call{}
		s.st.calls = s.st.calls[1:]
	}
	s.st.calls = append(s.st.calls, c)
}

// redactSecret hides client secrets in a query or body: the inspector
// shows where a secret was sent, never its value. It covers the form
// member, a JSON member (a client's mistake, still a secret) and every
// configured secret wherever it appears.
func (s *Server) redactSecret(text string) string {
	parts := strings.Split(text, "&")
	for i, p := range parts {
		if k, _, ok := strings.Cut(p, "="); ok && k == "client_secret" {
			parts[i] = k + "=REDACTED"
		}
	}
	text = jsonSecret.ReplaceAllString(strings.Join(parts, "&"), `"client_secret":"REDACTED"`)
	for _, secret := range s.cfg.clients {
		text = strings.ReplaceAll(text, secret, "REDACTED")
	}
	return text
}

var jsonSecret = regexp.MustCompile(`"client_secret"\s*:\s*"(?:[^"\\]|\\.)*"`)

// newID returns a random id of n base64url characters, the alphabet of
// LivePerson's visitor and session ids.
func newID(n int) string {
	b := make([]byte, (n*6+7)/8)
	rand.Read(b)
	return base64.RawURLEncoding.EncodeToString(b)[:n]
}

// newPageID returns a random decimal page id, as LivePerson's look.
func newPageID() string {
	var b [8]byte
	rand.Read(b[:])
	return strconv.FormatUint(binary.BigEndian.Uint64(b[:])%9_000_000_000+1_000_000_000, 10)
}

// newUUID returns a random (version 4) UUID, as conversation ids are.
func newUUID() string {
	var b [16]byte
	rand.Read(b[:])
	b[6] = b[6]&0x0f | 0x40
	b[8] = b[8]&0x3f | 0x80
	const hex = "0123456789abcdef"
	out := make([]byte, 0, 36)
	for i, c := range b {
		if i == 4 || i == 6 || i == 8 || i == 10 {
			out = append(out, '-')
		}
		out = append(out, hex[c>>4], hex[c&15])
	}
	return string(out)
}

// mediaType is a Content-Type without its parameters, lower case.
func mediaType(r *http.Request) string {
	t, _, _ := strings.Cut(r.Header.Get("Content-Type"), ";")
	return strings.ToLower(strings.TrimSpace(t))
}
