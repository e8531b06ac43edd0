package proxy

import (
	"errors"
	"net/http"
	"slices"
	"strings"
	"testing"
	"time"
)

func TestConfigFromEnv(t *testing.T) {
	env := map[string]string{
		"LP_ACCOUNT_ID":       " 12345678 ",
		"ALLOWED_ORIGINS":     "https://a.example, https://*.b.example,",
		"LP_FEATURES":         "AUTO_MESSAGES,MULTI_DIALOG",
		"LP_UPSTREAM_TIMEOUT": "3s",
		"RATE_LIMIT":          "0",
		"MAX_BODY_BYTES":      "1000",
		// The conversation settings.
		"WEBHOOK_MAX_BODY_BYTES":  "2000",
		"EVENT_LOG_EVENTS":        "50",
		"EVENT_LOG_CONVERSATIONS": "60",
		"EVENT_LOG_TTL":           "2h",
		"EVENT_LOG_BYTES":         "1048576",
		"SSE_HEARTBEAT":           "20s",
		"OPEN_CONVERSATION_WAIT":  "1s",
	}
	c, err := ConfigFromEnv(func(k string) string { return env[k] })
	if err != nil {
		t.Fatal(err)
	}
	if c.Account != "12345678" || !slices.Equal(c.AllowedOrigins, []string{"https://a.example", "https://*.b.example"}) ||
		!slices.Equal(c.ClientProperties.Features, []string{"AUTO_MESSAGES", "MULTI_DIALOG"}) ||
		c.UpstreamTimeout != 3*time.Second || c.RateLimit >= 0 || c.MaxBodyBytes != 1000 ||
		c.WebhookMaxBodyBytes != 2000 || c.EventLogEvents != 50 || c.EventLogConversations != 60 || c.EventLogTTL != 2*time.Hour ||
		c.EventLogBytes != 1<<20 || c.Heartbeat != 20*time.Second || c.OpenConversationWait != time.Second {
		t.Errorf("ConfigFromEnv = %+v", c)
	}
	d, err := c.withDefaults()
	if err != nil {
		t.Fatal(err)
	}
	if d.DomainAPI != DefaultDomainAPI || d.RequestTimeout != DefaultRequestTimeout || d.RateLimit >= 0 ||
		d.ClientProperties.AppID != DefaultAppID || d.ConsumerCacheSize != DefaultConsumerCacheSize {
		t.Errorf("withDefaults = %+v", d)
	}
	d, err = Config{Account: "1", AllowedOrigins: []string{"*"}}.withDefaults()
	if err != nil {
		t.Fatal(err)
	}
	if d.WebhookMaxBodyBytes != DefaultWebhookMaxBodyBytes || d.EventLogEvents != DefaultEventLogEvents ||
		d.EventLogConversations != DefaultEventLogConversations || d.EventLogTTL != DefaultEventLogTTL ||
		d.EventLogBytes != DefaultEventLogBytes || d.Heartbeat != DefaultHeartbeat || d.OpenConversationWait != DefaultOpenConversationWait {
		t.Errorf("withDefaults = %+v", d)
	}
}

func TestConfigErrors(t *testing.T) {
	base := map[string]string{"LP_ACCOUNT_ID": "123", "ALLOWED_ORIGINS": "https://a.example"}
	for _, tc := range []struct {
		set, setting string
	}{
		{"LP_UPSTREAM_TIMEOUT=ten", "LP_UPSTREAM_TIMEOUT"},
		{"LP_DOMAIN_TTL=-1s", "LP_DOMAIN_TTL"},
		{"RATE_LIMIT=-2", "RATE_LIMIT"},
		{"RATE_BURST=0", "RATE_BURST"},
		{"MAX_BODY_BYTES=1e6", "MAX_BODY_BYTES"},
		{"EVENT_LOG_BYTES=0", "EVENT_LOG_BYTES"},
		{"EVENT_LOG_EVENTS=-1", "EVENT_LOG_EVENTS"},
		{"SSE_HEARTBEAT=soon", "SSE_HEARTBEAT"},
		{"SSE_HEARTBEAT=31s", "SSE_HEARTBEAT"},
		{"WEBHOOK_MAX_BODY_BYTES=big", "WEBHOOK_MAX_BODY_BYTES"},
		{"LP_ACCOUNT_ID=12-34", "LP_ACCOUNT_ID"},
		{"LP_ACCOUNT_ID=", "LP_ACCOUNT_ID"},
		{"ALLOWED_ORIGINS=", "ALLOWED_ORIGINS"},
		{"ALLOWED_ORIGINS=shop.example", "ALLOWED_ORIGINS"},
		{"LP_CLIENT_ID=x", "LP_CLIENT_ID"},
		{"LP_DOMAIN_API=http://api.liveperson.net", "LP_DOMAIN_API"},
		{"LP_DOMAIN_API=ftp://127.0.0.1", "LP_DOMAIN_API"},
		{"LP_DOMAIN_API=https://api.liveperson.net/x", "LP_DOMAIN_API"},
		{"LP_FEATURES=TELEPORT", "LP_APP_ID, LP_INTEGRATION, LP_INTEGRATION_VERSION, LP_FEATURES"},
		{"LP_INTEGRATION=APP", "LP_APP_ID, LP_INTEGRATION, LP_INTEGRATION_VERSION, LP_FEATURES"},
	} {
		env := map[string]string{}
		for k, v := range base {
			env[k] = v
		}
		k, v, _ := strings.Cut(tc.set, "=")
		env[k] = v
		c, err := ConfigFromEnv(func(k string) string { return env[k] })
		if err == nil {
			_, err = New(c)
		}
		var ce *ConfigError
		if !errors.As(err, &ce) || ce.Setting != tc.setting {
			t.Errorf("%s: error %v, want one about %s", tc.set, err, tc.setting)
		}
	}
}

// TestHostGuard is the SSRF table: which hosts the Domain API may name.
func TestHostGuard(t *testing.T) {
	prod, err := newHosts("api.liveperson.net", "")
	if err != nil {
		t.Fatal(err)
	}
	test, err := newHosts("http://127.0.0.1:8081", "127.0.0.1")
	if err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		h      hosts
		host   string
		scheme string // "" means refused
	}{
		{prod, "va.v.liveperson.net", "https"},
		{prod, "VA.V.LivePerson.NET", "https"},
		{prod, "liveperson.net", "https"},
		{prod, "va.v.liveperson.net:8443", ""},
		{prod, "liveperson.net.evil.example", ""},
		{prod, "evilliveperson.net", ""},
		{prod, "169.254.169.254", ""},
		{prod, "127.0.0.1:8081", ""},
		{prod, "va.v.liveperson.net/path", ""},
		{prod, "user@va.v.liveperson.net", ""},
		{prod, "va..liveperson.net", ""},
		{prod, "", ""},
		{test, "127.0.0.1:8081", "http"},
		{test, "127.0.0.1", "http"},
		{test, "va.v.liveperson.net", "https"},
		{test, "127.0.0.2:80", ""},
		{test, "127.0.0.1:0", ""},
		{test, "127.0.0.1:99999", ""},
		{test, "[::1]:80", ""},
	} {
		scheme, err := tc.h.scheme(tc.host)
		if scheme != tc.scheme || (err == nil) != (tc.scheme != "") {
			t.Errorf("scheme(%q) with test domain %q = %q, %v; want %q", tc.host, tc.h.testDomain, scheme, err, tc.scheme)
		}
	}
	if h, err := newHosts("https://127.0.0.1:8443", "127.0.0.1"); err != nil || h.testInsecure {
		t.Errorf("https Domain API: %+v %v; want https for the test domain", h, err)
	}
}

func TestAccepts(t *testing.T) {
	for _, tc := range []struct {
		header, coding string
		want           bool
	}{
		{"gzip, deflate, br", "br", true},
		{"gzip, deflate, br", "gzip", true},
		{"gzip", "br", false},
		{"br;q=0, gzip", "br", false},
		{"br;q=0.0, gzip", "br", false},
		{"br;q=0.5", "br", true},
		{"BR", "br", true},
		{"*", "gzip", true},
		{"*;q=0", "gzip", false},
		{"gzip;q=0, *", "gzip", false},
		{"identity", "gzip", false},
		{"", "gzip", false},
	} {
		if got := accepts(tc.header, tc.coding); got != tc.want {
			t.Errorf("accepts(%q, %q) = %v, want %v", tc.header, tc.coding, got, tc.want)
		}
	}
}

func TestNameHash(t *testing.T) {
	for name, want := range map[string]string{
		"lpedge.0123abcd.wasm": "0123abcd", "lpedge.0123ABCDEF99.js": "0123ABCDEF99", "lpedge.js": "",
		"lpedge.0123abc.wasm": "", "lpedge.0123abcg.wasm": "", "0123abcd.wasm": "",
	} {
		if got := nameHash(name); got != want {
			t.Errorf("nameHash(%q) = %q, want %q", name, got, want)
		}
	}
}

func TestClientProperties(t *testing.T) {
	p, err := newClientProps(ClientDefaults{AppID: "shop", Integration: "BRAND_SDK", IntegrationVersion: "2.0", Features: []string{"AUTO_MESSAGES"}})
	if err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		ua, tz string
		want   []string
	}{
		{"Mozilla/5.0 (Macintosh; Intel Mac OS X 10_15_7) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.4 Safari/605.1.15", "America/New_York",
			[]string{`"type":".ClientProperties"`, `"appId":"shop"`, `"deviceFamily":"DESKTOP"`, `"os":"OSX"`, `"browser":"SAFARI"`, `"browserVersion":"17.4"`, `"timeZone":"America/New_York"`, `"features":["AUTO_MESSAGES"]`}},
		{"Mozilla/5.0 (iPhone; CPU iPhone OS 17_4 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.4 Mobile/15E148 Safari/604.1", "",
			[]string{`"deviceFamily":"MOBILE"`, `"os":"IOS"`}},
		{"Mozilla/5.0 (Linux; Android 14; SM-X710) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/124.0.0.0 Safari/537.36", "",
			[]string{`"os":"ANDROID"`, `"browser":"CHROME"`}},
		{"", "UTC", []string{`"timeZone":"UTC"`}},
		{"curl/8.5.0", "", []string{`"deviceFamily":"OTHER"`}},
		{"Mozilla/5.0 (X11; Linux x86_64) Firefox/\u00e9\u00e9", "", []string{`"integration":"BRAND_SDK"`}},
	} {
		h := p.header(tc.ua, tc.tz)
		for _, w := range tc.want {
			if !strings.Contains(h, w) {
				t.Errorf("header(%.40q, %q) = %s; lacks %s", tc.ua, tc.tz, h, w)
			}
		}
		for i := 0; i < len(h); i++ {
			if h[i] < ' ' || h[i] > '~' {
				t.Errorf("header(%.40q) has byte %#x: not a header value", tc.ua, h[i])
				break
			}
		}
	}
}

func TestIdempotencyKey(t *testing.T) {
	for _, tc := range []struct {
		values []string
		ok     bool
	}{
		{nil, true}, {[]string{"abc-123_:."}, true}, {[]string{strings.Repeat("k", 128)}, true},
		{[]string{""}, false}, {[]string{strings.Repeat("k", 129)}, false}, {[]string{"a b"}, false},
		{[]string{"a\r\nb"}, false}, {[]string{"a\tb"}, false}, {[]string{"ключ"}, false}, {[]string{"a", "b"}, false},
	} {
		_, err := idempotencyKey(http.Header{headerIdempotencyKey: tc.values})
		if (err == nil) != tc.ok {
			t.Errorf("idempotencyKey(%q): %v, want ok=%v", tc.values, err, tc.ok)
		}
	}
}

func TestClientIP(t *testing.T) {
	r, _ := http.NewRequest("GET", "/", nil)
	r.RemoteAddr = "192.0.2.9:5555"
	if got := clientIP(r, ""); got != "192.0.2.9" {
		t.Errorf("remote address: %q", got)
	}
	r.Header.Set("X-Forwarded-For", "10.0.0.1, 203.0.113.5")
	if got := clientIP(r, ""); got != "192.0.2.9" {
		t.Errorf("header not trusted: %q", got)
	}
	if got := clientIP(r, "X-Forwarded-For"); got != "203.0.113.5" {
		t.Errorf("trusted header: %q, want the last entry", got)
	}
	r.RemoteAddr = "198.51.100.4" // as syumai/workers sets it: CF-Connecting-IP, no port
	if got := clientIP(r, ""); got != "198.51.100.4" {
		t.Errorf("address without port: %q", got)
	}
}
