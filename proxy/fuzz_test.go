package proxy

import (
	"errors"
	"net/http"
	"strings"
	"testing"

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
	f.Fuzz(func(t *testing.T, path string) {
		rt, id := matchAPI(path)
		if rt == nil || id == "" {
			return
		}
		if err := checkConversationID(id); err == nil && strings.ContainsAny(id, "\r\n /?#%") {
			t.Fatalf("conversation id %q from %q accepted", id, path)
		}
	})
}

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
