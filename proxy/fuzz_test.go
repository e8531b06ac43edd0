package proxy

import (
	"errors"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/lpedge/lpedge/internal/jsonv"
	"github.com/lpedge/lpedge/internal/text"
	"github.com/lpedge/lpedge/liveperson/monitoring"
)

// Every request decoder either accepts its input or answers a 4xx
// apiError; none panics, and what is accepted is within the limits that
// keep it safe to put in URLs, headers and bodies.

func want4xx(t *testing.T, err error) {
	t.Helper()
	var ae *apiError
	if !errors.As(err, &ae) || ae.Status < 400 || ae.Status > 499 || ae.Message == "" {
		t.Fatalf("error %v is not a 4xx apiError with a message", err)
	}
}

func safeID(t *testing.T, name, s string, max int, required bool) {
	t.Helper()
	if s == "" && !required {
		return
	}
	if monitoring.CheckID(name, s, max) != nil {
		t.Fatalf("%s %q was accepted", name, s)
	}
}

func FuzzDecodeCreate(f *testing.F) {
	f.Add([]byte(`{"consumerId":"c","visitorId":"v","sessionId":"s","campaignId":"1","engagementId":2,"contextId":"1","lang":"en-US","timeZone":"UTC","sdes":[{"type":"personal","personal":{"firstname":"A"}}]}`))
	f.Add([]byte(`{"consumerId":"c\r\n","visitorId":1}`))
	f.Add([]byte(`{"sdes":{"type":"cart"}}`))
	f.Add([]byte(`[]`))
	f.Fuzz(func(t *testing.T, body []byte) {
		req, err := decodeCreate(body)
		if err != nil {
			want4xx(t, err)
			return
		}
		safeID(t, "consumerId", req.ConsumerID, maxConsumerID, true)
		safeID(t, "visitorId", req.VisitorID, maxSessionID, true)
		safeID(t, "contextId", req.ContextID, maxContextID, true)
		if !text.IsDigits(req.CampaignID) || !text.IsDigits(req.EngagementID) {
			t.Fatalf("campaign %q engagement %q accepted", req.CampaignID, req.EngagementID)
		}
		if req.TimeZone != "" && !validTimeZone(req.TimeZone) {
			t.Fatalf("timeZone %q accepted", req.TimeZone)
		}
	})
}

func FuzzDecodeMessage(f *testing.F) {
	f.Add([]byte(`{"consumerId":"c","text":"hi","timeZone":"Europe/Berlin"}`))
	f.Add([]byte(`{"consumerId":"c","text":""}`))
	f.Add([]byte(`{"text":"\u0000"}`))
	f.Fuzz(func(t *testing.T, body []byte) {
		req, err := decodeMessage(body)
		if err != nil {
			want4xx(t, err)
			return
		}
		safeID(t, "consumerId", req.ConsumerID, maxConsumerID, true)
		if strings.TrimSpace(req.Text) == "" {
			t.Fatal("empty text accepted")
		}
	})
}

func FuzzDecodeClose(f *testing.F) {
	f.Add([]byte(`{"consumerId":"c"}`))
	f.Add([]byte(`{"consumerId":"c","timeZone":"/x"}`))
	f.Fuzz(func(t *testing.T, body []byte) {
		req, err := decodeClose(body)
		if err != nil {
			want4xx(t, err)
			return
		}
		safeID(t, "consumerId", req.ConsumerID, maxConsumerID, true)
	})
}

func FuzzDecodeMonitoring(f *testing.F) {
	f.Add([]byte(`{"visitorId":"v","sessionId":"s","entryPoints":["sec://shoes"],"engagementAttributes":[{"type":"cart","total":1,"numItems":1}]}`), true)
	f.Add([]byte(`{"engagementAttributes":[{"type":"impDisplay","campaign":1,"engId":2,"revision":1}]}`), false)
	f.Add([]byte(`{"identities":[{"iss":"x","acr":"loa1","sub":"s"}],"engagementAttributes":[]}`), true)
	f.Fuzz(func(t *testing.T, body []byte, report bool) {
		m := monitoring.Engagement
		if report {
			m = monitoring.Report
		}
		req, err := decodeMonitoring(body, m)
		if err != nil {
			want4xx(t, err)
			return
		}
		safeID(t, "visitorId", req.VisitorID, 128, false)
		safeID(t, "sessionId", req.SessionID, 128, false)
		if report && req.SDEs == nil {
			t.Fatal("a report without engagementAttributes was accepted")
		}
	})
}

func FuzzIdempotencyKey(f *testing.F) {
	f.Add("k-1")
	f.Add("a\r\nb")
	f.Fuzz(func(t *testing.T, key string) {
		k, err := idempotencyKey(http.Header{headerIdempotencyKey: {key}})
		if err != nil {
			want4xx(t, err)
			return
		}
		if k != key || k == "" || len(k) > 128 || strings.ContainsAny(k, " \t\r\n") {
			t.Fatalf("key %q accepted as %q", key, k)
		}
	})
}

func FuzzContentType(f *testing.F) {
	f.Add("application/json; charset=utf-8", false)
	f.Add("text/plain;charset=UTF-8", true)
	f.Add("application/json; charset=\"", false)
	f.Fuzz(func(t *testing.T, v string, textPlain bool) {
		if err := checkContentType(v, textPlain); err != nil {
			want4xx(t, err)
		}
	})
}

func FuzzConversationPath(f *testing.F) {
	f.Add("/v1/conversations/abc/messages")
	f.Add("/v1/conversations//close")
	f.Add("/v1/conversations/a/b/close")
	f.Add("/v1/conversations/a%2Fb/typing")
	f.Add("/v1/conversations/c0ffee%0D%0AX:%201/read")
	// Without client credentials a conversation route that accepts the id
	// answers 503 not_configured before any upstream call.
	h, err := New(Config{Account: "1", AllowedOrigins: []string{"*"}, Upstream: noUpstream{}, Logger: slog.New(slog.DiscardHandler)})
	if err != nil {
		f.Fatal(err)
	}
	// The same patterns on a bare mux, to see the id the route gets.
	ids := http.NewServeMux()
	for _, rt := range apiRoutes {
		ids.HandleFunc(rt.pattern, func(w http.ResponseWriter, r *http.Request) { io.WriteString(w, r.PathValue("id")) })
	}
	f.Fuzz(func(t *testing.T, path string) {
		u, err := url.Parse(path)
		if err != nil || u.Path == "" || u.Path[0] != '/' || u.Host != "" {
			return
		}
		req := httptest.NewRequest("POST", "http://proxy.test/", strings.NewReader(`{"consumerId":"c","text":"x","typing":true}`))
		req.URL.Path, req.URL.RawPath = u.Path, u.RawPath
		req.Header.Set("Content-Type", "application/json")
		idw := httptest.NewRecorder()
		ids.ServeHTTP(idw, req.Clone(req.Context()))
		id := idw.Body.String()
		w := httptest.NewRecorder()
		h.ServeHTTP(w, req)
		if w.Code >= 500 && w.Code != http.StatusServiceUnavailable {
			t.Fatalf("%q: %d %s", path, w.Code, w.Body)
		}
		if idw.Code == http.StatusOK && id != "" && w.Code == http.StatusServiceUnavailable &&
			(checkConversationID(id) != nil || strings.ContainsAny(id, "\r\n /?#%")) {
			t.Fatalf("conversation id %q from %q accepted", id, path)
		}
	})
}

// noUpstream fails every call: the fuzzed routes must not make one.
type noUpstream struct{}

func (noUpstream) Do(*http.Request) (*http.Response, error) { panic("an upstream call") }

func FuzzClientProperties(f *testing.F) {
	f.Add("Mozilla/5.0 (Windows NT 10.0; Win64; x64) Chrome/126.0.0.0", "UTC")
	f.Add("\xff\xfe", "")
	p, err := newClientProps(ClientDefaults{AppID: "a", Integration: "BRAND_SDK", IntegrationVersion: "1", Features: []string{"AUTO_MESSAGES"}})
	if err != nil {
		f.Fatal(err)
	}
	f.Fuzz(func(t *testing.T, ua, tz string) {
		if !validTimeZone(tz) {
			tz = ""
		}
		h := p.header(ua, tz)
		if !strings.HasPrefix(h, `{"type":".ClientProperties"`) {
			t.Fatalf("header %q", h)
		}
		for i := 0; i < len(h); i++ {
			if h[i] < ' ' || h[i] > '~' {
				t.Fatalf("header %q has a byte a header value may not", h)
			}
		}
	})
}

func FuzzHostGuard(f *testing.F) {
	f.Add("va.v.liveperson.net")
	f.Add("127.0.0.1:8080")
	f.Add("liveperson.net.evil")
	h, err := newHosts("http://127.0.0.1:1", "127.0.0.1")
	if err != nil {
		f.Fatal(err)
	}
	f.Fuzz(func(t *testing.T, host string) {
		scheme, err := h.scheme(host)
		if err != nil {
			return
		}
		name := strings.ToLower(host)
		if i := strings.LastIndexByte(name, ':'); i >= 0 {
			name = name[:i]
		}
		if !under(name, "liveperson.net") && !under(name, "127.0.0.1") || monitoring.CheckHost(host) != nil {
			t.Fatalf("host %q accepted with %s", host, scheme)
		}
	})
}

func discardLogger() *slog.Logger { return slog.New(slog.DiscardHandler) }

func validJSON(b []byte) bool {
	v, err := jsonv.Parse(b)
	_, ok := v.(map[string]any)
	return err == nil && ok && !strings.ContainsAny(string(b), "\r\n")
}

// FuzzTimeZone: a zone validTimeZone takes is one time.LoadLocation
// loads, never "Local" (the proxy's own) nor a path.
func FuzzTimeZone(f *testing.F) {
	for _, s := range []string{"Europe/Berlin", "Etc/GMT+5", "UTC", "Local", "Etc/Unknown", "Europe/Berlinn", "../../etc/passwd", "/etc/localtime", "America/Argentina/Buenos_Aires"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, tz string) {
		if !validTimeZone(tz) {
			if z, err := checkTimeZone("timeZone", tz); z != "" || tz != "" && tz != unknownZone && err == nil {
				t.Fatalf("%q: refused, yet %q, %v", tz, z, err)
			}
			return
		}
		if _, err := time.LoadLocation(tz); err != nil || tz == "Local" || strings.Contains(tz, "..") || tz[0] == '/' {
			t.Fatalf("%q accepted: %v", tz, err)
		}
	})
}

// FuzzConversationID: an id the proxy takes is a UUID's text form, which
// needs no escaping in a URL, header or JSON string.
func FuzzConversationID(f *testing.F) {
	for _, s := range []string{"c0ffee00-0000-4000-8000-000000000000", "-", "_", "c0ffee", "C0FFEE00-0000-4000-8000-00000000000G", "c0ffee00-0000-4000-8000-000000000000\n"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, id string) {
		err := checkConversationID(id)
		if err != nil {
			want4xx(t, err)
			return
		}
		if len(id) != 36 || strings.Count(id, "-") != 4 || strings.Trim(strings.ToLower(id), "0123456789abcdef-") != "" {
			t.Fatalf("%q accepted", id)
		}
	})
}
