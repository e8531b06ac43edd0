package monitoring_test

import (
	"encoding/json"
	"errors"
	"reflect"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/lpedge/lpedge/internal/jsonv"
	"github.com/lpedge/lpedge/liveperson"
	"github.com/lpedge/lpedge/liveperson/monitoring"
)

func TestCallURL(t *testing.T) {
	base := monitoring.Call{Domain: "va.v.liveperson.net", Account: "62895560", App: "8de29e3d-25b1-4d08-b713-8331ab222bfa"}
	tests := []struct {
		name   string
		edit   func(c *monitoring.Call)
		method monitoring.Method
		want   string // URL, or "error: <field>"
	}{
		{"first call", func(c *monitoring.Call) {}, monitoring.Report,
			"https://va.v.liveperson.net/api/account/62895560/app/8de29e3d-25b1-4d08-b713-8331ab222bfa/report?v=1.1"},
		{"ids and obh", func(c *monitoring.Call) {
			c.VisitorID, c.SessionID, c.OnBehalf = "I2NzQ2YzBkZGEzZDMzYjIx", "NJIm1tJFT5SV6dTEkmNAjA", true
		}, monitoring.Engagement,
			"https://va.v.liveperson.net/api/account/62895560/app/8de29e3d-25b1-4d08-b713-8331ab222bfa/engagement?v=1.1&vid=I2NzQ2YzBkZGEzZDMzYjIx&sid=NJIm1tJFT5SV6dTEkmNAjA&obh=true"},
		{"base64 ids are escaped", func(c *monitoring.Call) { c.VisitorID = "a+b/c=" }, monitoring.Report,
			"https://va.v.liveperson.net/api/account/62895560/app/8de29e3d-25b1-4d08-b713-8331ab222bfa/report?v=1.1&vid=a%2Bb%2Fc%3D"},
		{"loopback lptest", func(c *monitoring.Call) { c.Scheme, c.Domain = "http", "127.0.0.1:8081" }, monitoring.Report,
			"http://127.0.0.1:8081/api/account/62895560/app/8de29e3d-25b1-4d08-b713-8331ab222bfa/report?v=1.1"},
		{"scheme in domain", func(c *monitoring.Call) { c.Domain = "https://x" }, monitoring.Report, "error: domain"},
		{"path in domain", func(c *monitoring.Call) { c.Domain = "x/y" }, monitoring.Report, "error: domain"},
		{"empty domain", func(c *monitoring.Call) { c.Domain = "" }, monitoring.Report, "error: domain"},
		{"bad account", func(c *monitoring.Call) { c.Account = "12/../3" }, monitoring.Report, "error: account"},
		{"long account", func(c *monitoring.Call) { c.Account = strings.Repeat("1", 21) }, monitoring.Report, "error: account"},
		{"empty app", func(c *monitoring.Call) { c.App = "" }, monitoring.Report, "error: app installation id"},
		{"app with query", func(c *monitoring.Call) { c.App = "a?x=1" }, monitoring.Report, "error: app installation id"},
		{"vid with newline", func(c *monitoring.Call) { c.VisitorID = "a\nb" }, monitoring.Report, "error: visitorId"},
		{"sid with space", func(c *monitoring.Call) { c.SessionID = "a b" }, monitoring.Report, "error: sessionId"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c := base
			tt.edit(&c)
			got, err := c.URL(tt.method)
			if field, ok := strings.CutPrefix(tt.want, "error: "); ok {
				var ve *liveperson.ValidationError
				if !errors.As(err, &ve) || ve.Field != field {
					t.Fatalf("URL() = %q, %v; want an error on %s", got, err, field)
				}
				return
			}
			if err != nil || got != tt.want {
				t.Fatalf("URL() = %q, %v; want %q", got, err, tt.want)
			}
		})
	}
	if monitoring.Report.HTTPMethod() != "PUT" || monitoring.Engagement.HTTPMethod() != "POST" {
		t.Error("HTTPMethod: report is PUT, engagement POST")
	}
}

func mustSDEs(t testing.TB, s string) []liveperson.SDE {
	t.Helper()
	sdes, err := liveperson.DecodeSDEs([]byte(s))
	if err != nil {
		t.Fatal(err)
	}
	return sdes
}

func TestRequestRoundTrip(t *testing.T) {
	r := &monitoring.Request{
		VisitorID:   "V1",
		SessionID:   "S1",
		Identities:  []monitoring.Identity{{Iss: "https://brand.example", Acr: "loa1", Sub: "c0ffee"}},
		EntryPoints: []string{"https://shop.example/p/42", "sec://shoes"},
		SDEs:        mustSDEs(t, `[{"type":"prodView","products":[{"product":{"name":"Shoe","sku":"42","price":9.5}}]}]`),
		PageID:      "123",
	}
	var lp map[string]any
	if err := json.Unmarshal(r.AppendJSON(nil), &lp); err != nil {
		t.Fatalf("AppendJSON: %v", err)
	}
	want := map[string]any{
		"identities":           []any{map[string]any{"iss": "https://brand.example", "acr": "loa1", "sub": "c0ffee"}},
		"entryPoints":          []any{"https://shop.example/p/42", "sec://shoes"},
		"pageId":               "123",
		"engagementAttributes": []any{map[string]any{"type": "prodView", "products": []any{map[string]any{"product": map[string]any{"name": "Shoe", "sku": "42", "price": 9.5}}}}},
	}
	if !reflect.DeepEqual(lp, want) {
		t.Errorf("LivePerson body = %#v\nwant %#v", lp, want)
	}
	back, err := monitoring.DecodeRequest(r.AppendJSON(nil), monitoring.DecodeOptions{Method: monitoring.Report})
	if err != nil {
		t.Fatal(err)
	}
	r2 := *r
	r2.VisitorID, r2.SessionID = "", ""
	if !reflect.DeepEqual(back, &r2) {
		t.Errorf("DecodeRequest = %#v, want %#v", back, &r2)
	}
	back, err = monitoring.DecodeRequest(r.AppendProxyJSON(nil), monitoring.DecodeOptions{Method: monitoring.Report, IDsInBody: true})
	if err != nil || !reflect.DeepEqual(back, r) {
		t.Errorf("proxy body round trip = %#v, %v", back, err)
	}
	if got := string((&monitoring.Request{}).AppendJSON(nil)); got != `{"engagementAttributes":[]}` {
		t.Errorf("empty request = %s", got)
	}
}

func TestDecodeRequestErrors(t *testing.T) {
	report := monitoring.DecodeOptions{Method: monitoring.Report}
	engagement := monitoring.DecodeOptions{Method: monitoring.Engagement}
	tests := []struct {
		body  string
		opt   monitoring.DecodeOptions
		field string
		want  string
	}{
		{`[]`, report, "body", "want a JSON object"},
		{`{}`, report, "engagementAttributes", "is required"},
		{`{"engagementAttributes":{}}`, report, "engagementAttributes", "want an array"},
		{`{"engagementAttributes":[{"type":"lead"},{"type":"cart","total":1}]}`, report, "engagementAttributes[1]", "cart.numItems: is required"},
		{`{"engagementAttributes":[{"type":"impClose","campaign":1,"engId":2}]}`, engagement, "engagementAttributes[0]", "impression event"},
		{`{"engagementAttributes":[],"visitorId":"V"}`, report, "visitorId", "query string"},
		{`{"engagementAttributes":[],"consumerId":""}`, report, "consumerId", "1 to 256"},
		{`{"engagementAttributes":[],"consumerId":5}`, report, "consumerId", "1 to 256"},
		{`{"engagementAttributes":[],"clientProperties":{}}`, report, "clientProperties", "engagement body only"},
		{`{"clientProperties":[]}`, engagement, "clientProperties", "want an object"},
		{`{"clientProperties":{"os":"OSX"}}`, engagement, "clientProperties.os", `"OSX" is not one of WINDOWS, MAC_OSX`},
		{`{"clientProperties":{"osName":"MACOS"}}`, engagement, "clientProperties.osName", "is not one of"},
		{`{"clientProperties":{"deviceFamily":"OTHER"}}`, engagement, "clientProperties.deviceFamily", "is not one of DESKTOP, TABLET, MOBILE"},
		{`{"clientProperties":{"ipAddress":"10.0.0.256"}}`, engagement, "clientProperties.ipAddress", "want an IPv4"},
		{`{"clientProperties":{"ipAddress":"::1"}}`, engagement, "clientProperties.ipAddress", "want an IPv4"},
		{`{"clientProperties":{"ipAddress":"01.2.3.4"}}`, engagement, "clientProperties.ipAddress", "want an IPv4"},
		{`{"clientProperties":{"appVersion":7}}`, engagement, "clientProperties.appVersion", "want a string"},
		{`{"clientProperties":{"browser":"x"}}`, engagement, "clientProperties.browser", "not a member of clientProperties"},
		{`{"engagementAttributes":[],"extra":1}`, report, "extra", "is not a member of a report body"},
		{`{"identities":{}}`, engagement, "identities", "want an array"},
		{`{"identities":[{"iss":"x","acr":"loa1"}]}`, engagement, "identities[0].sub", "is required"},
		{`{"identities":[{"iss":"x","acr":"loa2","sub":"s"}]}`, engagement, "identities[0].acr", `got "loa2"`},
		{`{"identities":[{"iss":1,"acr":"loa1","sub":"s"}]}`, engagement, "identities[0].iss", "want a string"},
		{`{"identities":[{"x":"1"}]}`, engagement, "identities[0].x", "not a member of an identity"},
		{`{"entryPoints":"https://x"}`, engagement, "entryPoints", "want an array"},
		{`{"entryPoints":[""]}`, engagement, "entryPoints[0]", "non-empty"},
		{`{"pageId":5,"engagementAttributes":[]}`, report, "pageId", "want a string"},
		{`{"visitorId":"a b","engagementAttributes":[]}`, monitoring.DecodeOptions{Method: monitoring.Report, IDsInBody: true}, "visitorId", "not allowed"},
	}
	for _, tt := range tests {
		t.Run(tt.body, func(t *testing.T) {
			_, err := monitoring.DecodeRequest([]byte(tt.body), tt.opt)
			var ve *liveperson.ValidationError
			if !errors.As(err, &ve) || ve.Field != tt.field || !strings.Contains(ve.Problem, tt.want) {
				t.Fatalf("error = %v; want field %q with %q", err, tt.field, tt.want)
			}
		})
	}
	if _, err := monitoring.DecodeRequest([]byte(`{"engagementAttributes":[`), report); err == nil {
		t.Error("truncated JSON accepted")
	}
	many := `{"engagementAttributes":[` + strings.Repeat(`{"type":"lead"},`, monitoring.MaxSDEs) + `{"type":"lead"}]}`
	if _, err := monitoring.DecodeRequest([]byte(many), report); err == nil || !strings.Contains(err.Error(), "more than 500") {
		t.Errorf("oversized list: %v", err)
	}
}

func TestDecodeRequestDeprecatedAndDevice(t *testing.T) {
	// The engagement reference's example sends osName; consumerId is
	// deprecated but still accepted.
	body := `{"consumerId":"c-1","clientProperties":{"appVersion":"1.2","deviceFamily":"MOBILE","ipAddress":"192.168.1.10","osName":"MAC_OSX","osVersion":"14"}}`
	r, err := monitoring.DecodeRequest([]byte(body), monitoring.DecodeOptions{Method: monitoring.Engagement})
	if err != nil {
		t.Fatal(err)
	}
	want := &monitoring.ClientProperties{AppVersion: "1.2", DeviceFamily: "MOBILE", IPAddress: "192.168.1.10", OS: "MAC_OSX", OSVersion: "14"}
	if r.ConsumerID != "c-1" || !reflect.DeepEqual(r.ClientProperties, want) {
		t.Fatalf("DecodeRequest = %+v, %+v", r, r.ClientProperties)
	}
	got := string(r.AppendJSON(nil))
	if wantJSON := `{"consumerId":"c-1","clientProperties":{"appVersion":"1.2","deviceFamily":"MOBILE","ipAddress":"192.168.1.10","os":"MAC_OSX","osVersion":"14"},"engagementAttributes":[]}`; got != wantJSON {
		t.Errorf("AppendJSON = %s\nwant %s", got, wantJSON)
	}
}

func TestDecodeAnswer(t *testing.T) {
	// The engagement reference's example, with connectorId as a number.
	body := `{"sessionId":"S2","visitorId":"V2","pageId":"123","engagementDetails":[{"campaignId":1,"engagementId":2,"engagementRevision":3,"contextId":"1","connectorId":4,"status":"expose","extra":true}],"future":1}`
	a, err := monitoring.DecodeAnswer([]byte(body))
	if err != nil {
		t.Fatal(err)
	}
	want := &monitoring.Answer{SessionID: "S2", VisitorID: "V2", PageID: "123", Engagements: []monitoring.EngagementDetail{
		{CampaignID: 1, EngagementID: 2, EngagementRevision: 3, ContextID: "1", ConnectorID: "4", Status: "expose"}}}
	if !reflect.DeepEqual(a, want) {
		t.Fatalf("DecodeAnswer = %#v, want %#v", a, want)
	}
	again, err := monitoring.DecodeAnswer(a.AppendJSON(nil))
	if err != nil || !reflect.DeepEqual(again, a) {
		t.Errorf("round trip = %#v, %v", again, err)
	}
	// The report table's sid/vid names, and string ids.
	a, err = monitoring.DecodeAnswer([]byte(`{"sid":"S","vid":"V","engagementDetails":[{"campaignId":"7","connectorId":"x","conversationId":"c","status":"conversation"}]}`))
	if err != nil || a.SessionID != "S" || a.VisitorID != "V" || a.Engagements[0].CampaignID != 7 || a.Engagements[0].ConnectorID != "x" || a.Engagements[0].ConversationID != "c" {
		t.Errorf("sid/vid answer = %#v, %v", a, err)
	}
	for _, bad := range []string{`[]`, `{"sessionId":"S"}`, `{"sessionId":"S","visitorId":"V","engagementDetails":[1]}`, `{`} {
		if _, err := monitoring.DecodeAnswer([]byte(bad)); err == nil {
			t.Errorf("DecodeAnswer(%s) succeeded", bad)
		}
	}
}

func TestErrorBody(t *testing.T) {
	e := monitoring.DecodeError([]byte(`{"time":1501074704502,"message":"Loading account: ta3hWd4IgG, vid: myVisitorId","internalCode":38}`))
	if e == nil || e.InternalCode != 38 || e.Time != 1501074704502 {
		t.Fatalf("DecodeError = %#v", e)
	}
	if vid := monitoring.LoadingAccountVisitorID(e.Message); vid != "myVisitorId" {
		t.Errorf("LoadingAccountVisitorID = %q", vid)
	}
	if vid := monitoring.LoadingAccountVisitorID("Loading account: x"); vid != "" {
		t.Errorf("LoadingAccountVisitorID without vid = %q", vid)
	}
	if back := monitoring.DecodeError(e.AppendJSON(nil)); !reflect.DeepEqual(back, e) {
		t.Errorf("round trip = %#v", back)
	}
	for _, notErr := range []string{`{"sessionId":"S"}`, `<html>`, `[]`} {
		if e := monitoring.DecodeError([]byte(notErr)); e != nil {
			t.Errorf("DecodeError(%s) = %#v", notErr, e)
		}
	}
	if got := (&monitoring.ErrorBody{Message: "consumerId", InternalCode: 5}).Error(); got != "monitoring: consumerId (internal code 5)" {
		t.Errorf("Error() = %q", got)
	}
}

// ms is d in the package's unit, milliseconds.
func ms(d time.Duration) int64 { return d.Milliseconds() }

func TestClassify(t *testing.T) {
	now := time.Date(2026, 11, 21, 12, 0, 0, 0, time.UTC)
	stale := []byte(`{"time":1,"message":"invalid visitorId","internalCode":37}`)
	tests := []struct {
		name       string
		status     int
		body       []byte
		retryAfter string
		attempt    int
		want       monitoring.Decision
	}{
		{"200", 200, nil, "", 0, monitoring.Decision{Outcome: monitoring.Done}},
		{"201 new session", 201, nil, "", 0, monitoring.Decision{Outcome: monitoring.Done}},
		{"202 loading account", 202, nil, "", 0, monitoring.Decision{Outcome: monitoring.Retry, Wait: ms(3 * time.Second)}},
		{"500 second retry", 500, nil, "", 1, monitoring.Decision{Outcome: monitoring.Retry, Wait: ms(10 * time.Second)}},
		{"503 fourth retry", 503, nil, "", 3, monitoring.Decision{Outcome: monitoring.Retry, Wait: ms(90 * time.Second)}},
		{"network error after schedule", 0, nil, "", 4, monitoring.Decision{Outcome: monitoring.Retry, Wait: ms(2 * time.Minute)}},
		{"long outage is capped", 502, nil, "", 40, monitoring.Decision{Outcome: monitoring.Retry, Wait: monitoring.MaxWait}},
		{"429 seconds", 429, nil, "7", 0, monitoring.Decision{Outcome: monitoring.Retry, Wait: ms(7 * time.Second)}},
		{"429 date", 429, nil, "Sat, 21 Nov 2026 12:00:30 GMT", 0, monitoring.Decision{Outcome: monitoring.Retry, Wait: ms(30 * time.Second)}},
		{"429 without header waits 1s", 429, nil, "", 0, monitoring.Decision{Outcome: monitoring.Retry, Wait: ms(time.Second)}},
		{"400 never", 400, nil, "", 0, monitoring.Decision{Outcome: monitoring.Fail}},
		{"404 app", 404, []byte(`{"internalCode":18}`), "", 0, monitoring.Decision{Outcome: monitoring.Fail}},
		{"404 stale vid", 404, stale, "", 0, monitoring.Decision{Outcome: monitoring.NewSession}},
		{"404 stale sid", 404, []byte(`{"internalCode":39}`), "", 0, monitoring.Decision{Outcome: monitoring.NewSession}},
		{"403", 403, nil, "", 0, monitoring.Decision{Outcome: monitoring.Fail}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := monitoring.Classify(tt.status, tt.body, tt.retryAfter, tt.attempt, now.UnixMilli()); got != tt.want {
				t.Errorf("Classify = %+v, want %+v", got, tt.want)
			}
		})
	}
}

func TestParseRetryAfter(t *testing.T) {
	now := time.Date(2026, 11, 21, 12, 0, 0, 0, time.UTC)
	for in, want := range map[string]time.Duration{"": 0, "3": 3 * time.Second, " 120 ": 2 * time.Minute, "-1": 0,
		"soon": 0, "Sat, 21 Nov 2026 11:00:00 GMT": 0, "Sun, 22 Nov 2026 12:00:00 GMT": 24 * time.Hour, "999999": 0,
		"Sat, 21 Nov 2026 12:01:05 GMT": 65 * time.Second, "Sat, 21 Nov 2026 12:01:05 UTC": 0, "Sat, 21 Nop 2026 12:01:05 GMT": 0,
		"Sat, 31 Feb 2027 12:01:05 GMT": 0, "Sat, 21 Nov 2026 24:01:05 GMT": 0, "Sat, 21 Nov 2026 1a:01:05 GMT": 0,
		"Sat, 21 Nov 2026 12:-1:05 GMT": 0, "Sat,  21 Nov 2026 12:01:05 GMT": 0} {
		if got := monitoring.ParseRetryAfter(in, now.UnixMilli()); got != ms(want) {
			t.Errorf("ParseRetryAfter(%q) = %v, want %v", in, got, want)
		}
	}
}

func TestSections(t *testing.T) {
	eps := []string{"https://x", monitoring.SectionEntryPoint("shoes"), "sec://", "lang://en", "sec://sale"}
	if got := monitoring.Sections(eps); !reflect.DeepEqual(got, []string{"shoes", "sale"}) {
		t.Errorf("Sections = %v", got)
	}
}

func FuzzDecodeRequest(f *testing.F) {
	f.Add([]byte(`{"identities":[{"iss":"i","acr":"loa1","sub":"s"}],"entryPoints":["sec://a"],"pageId":"p","engagementAttributes":[{"type":"cart","total":1,"numItems":1}]}`), true, false)
	f.Add([]byte(`{"visitorId":"V","sessionId":"S","engagementAttributes":[{"type":"impClose","campaign":1,"engId":1}]}`), false, true)
	f.Fuzz(func(t *testing.T, data []byte, engagement, ids bool) {
		opt := monitoring.DecodeOptions{Method: monitoring.Report, IDsInBody: ids}
		if engagement {
			opt.Method = monitoring.Engagement
		}
		r, err := monitoring.DecodeRequest(data, opt)
		if err != nil {
			return
		}
		// What was accepted encodes to a body that is accepted again, unchanged.
		out := r.AppendJSON(nil)
		if ids {
			out = r.AppendProxyJSON(nil)
		}
		if !json.Valid(out) {
			t.Fatalf("invalid JSON %s", out)
		}
		again, err := monitoring.DecodeRequest(out, opt)
		if err != nil {
			t.Fatalf("re-decode of %s: %v", out, err)
		}
		if len(r.SDEs) == 0 && len(again.SDEs) == 0 {
			r.SDEs, again.SDEs = nil, nil // an absent list is written as []
		}
		if !reflect.DeepEqual(again, r) {
			t.Fatalf("round trip changed %#v to %#v", r, again)
		}
	})
}

// FuzzParseRetryAfter checks the hand-written date reader against
// time.Parse with the same layout: every date it accepts, time.Parse reads
// the same; and every date written in that layout (RFC 7231's
// IMF-fixdate), it reads. It is stricter than time.Parse, which also takes
// one-digit hours.
func FuzzParseRetryAfter(f *testing.F) {
	const layout = "Mon, 02 Jan 2006 15:04:05 GMT"
	f.Add("Sun, 22 Nov 2026 12:00:00 GMT", int64(3600))
	f.Add("30", int64(-5))
	now := time.Date(2026, 11, 21, 12, 0, 0, 0, time.UTC)
	f.Fuzz(func(t *testing.T, v string, offset int64) {
		got := time.Duration(monitoring.ParseRetryAfter(v, now.UnixMilli())) * time.Millisecond
		if got < 0 || got > 24*time.Hour {
			t.Fatalf("ParseRetryAfter(%q) = %v", v, got)
		}
		if _, err := strconv.Atoi(strings.TrimSpace(v)); err != nil && got > 0 {
			at, err := time.Parse(layout, strings.TrimSpace(v))
			if err != nil || min(at.Sub(now), 24*time.Hour) != got {
				t.Fatalf("ParseRetryAfter(%q) = %v, time.Parse: %v, %v", v, got, at, err)
			}
		}
		at := now.Add(time.Duration(offset%(48*3600)) * time.Second)
		want := time.Duration(0)
		if at.After(now) {
			want = min(at.Sub(now), 24*time.Hour)
		}
		if got := time.Duration(monitoring.ParseRetryAfter(at.Format(layout), now.UnixMilli())) * time.Millisecond; got != want {
			t.Fatalf("ParseRetryAfter(%q) = %v, want %v", at.Format(layout), got, want)
		}
	})
}

func FuzzDecodeAnswer(f *testing.F) {
	f.Add([]byte(`{"sessionId":"S2","visitorId":"V2","pageId":"123","engagementDetails":[{"campaignId":1,"engagementId":2,"contextId":"1","connectorId":4}]}`))
	f.Add([]byte(`{"time":1,"message":"m","internalCode":38}`))
	f.Fuzz(func(t *testing.T, data []byte) {
		if a, err := monitoring.DecodeAnswer(data); err == nil {
			if !json.Valid(a.AppendJSON(nil)) {
				t.Fatalf("invalid JSON %s", a.AppendJSON(nil))
			}
		}
		if e := monitoring.DecodeError(data); e != nil {
			if back := monitoring.DecodeError(e.AppendJSON(nil)); back == nil || back.InternalCode != e.InternalCode || back.Message != e.Message {
				t.Fatalf("error body round trip: %#v -> %#v", e, back)
			}
		}
	})
}

// BenchmarkReportBody encodes a typical report body: a product view, the
// cart and a search, with two entry points.
func BenchmarkReportBody(b *testing.B) {
	r := &monitoring.Request{
		EntryPoints: []string{"https://shop.example/products/widget", "sec://hardware"},
		SDEs: mustSDEs(b, `[{"type":"prodView","currency":"USD","products":[{"product":{"name":"Widget","category":"Hardware","sku":"SKU-A","price":49.99}}]},
			{"type":"cart","total":99.98,"currency":"USD","numItems":2,"products":[{"product":{"name":"Widget","sku":"SKU-A","price":49.99},"quantity":2}]},
			{"type":"searchInfo","keywords":["widget"]}]`),
	}
	buf := make([]byte, 0, 1024)
	b.ReportAllocs()
	for b.Loop() {
		buf = r.AppendJSON(buf[:0])
	}
	b.SetBytes(int64(len(buf)))
}

// TestAppendJSONExact pins the bytes of every member, in order: empty
// strings are left out but for an identity's, and an empty
// clientProperties is written as {}.
func TestAppendJSONExact(t *testing.T) {
	full := &monitoring.Request{
		VisitorID: "V", SessionID: "S", ConsumerID: "c\"1",
		ClientProperties: &monitoring.ClientProperties{DeviceFamily: "MOBILE", OS: "IOS"},
		Identities:       []monitoring.Identity{{Acr: "0", Sub: "a"}, {Iss: "https://b", Acr: "loa1", Sub: "b"}},
		EntryPoints:      []string{"https://x/", "sec://y"},
		SDEs:             mustSDEs(t, `[{"type":"lead"}]`),
		PageID:           "P",
	}
	tests := []struct {
		name  string
		r     *monitoring.Request
		proxy bool
		want  string
	}{
		{"full", full, false, `{"consumerId":"c\"1","clientProperties":{"deviceFamily":"MOBILE","os":"IOS"},"identities":[{"iss":"","acr":"0","sub":"a"},{"iss":"https://b","acr":"loa1","sub":"b"}],"entryPoints":["https://x/","sec://y"],"pageId":"P","engagementAttributes":[{"type":"lead"}]}`},
		{"full proxy", full, true, `{"visitorId":"V","sessionId":"S","consumerId":"c\"1","clientProperties":{"deviceFamily":"MOBILE","os":"IOS"},"identities":[{"iss":"","acr":"0","sub":"a"},{"iss":"https://b","acr":"loa1","sub":"b"}],"entryPoints":["https://x/","sec://y"],"pageId":"P","engagementAttributes":[{"type":"lead"}]}`},
		{"empty client properties", &monitoring.Request{ClientProperties: &monitoring.ClientProperties{}}, false, `{"clientProperties":{},"engagementAttributes":[]}`},
		{"proxy without ids", &monitoring.Request{SessionID: "S"}, true, `{"sessionId":"S","engagementAttributes":[]}`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			prefix := []byte("x")
			var got []byte
			if tt.proxy {
				got = tt.r.AppendProxyJSON(prefix)
			} else {
				got = tt.r.AppendJSON(prefix)
			}
			if string(got) != "x"+tt.want {
				t.Errorf("got  %s\nwant x%s", got, tt.want)
			}
		})
	}
}

func TestCheckMessages(t *testing.T) {
	tests := []struct {
		err  error
		want string
	}{
		{monitoring.CheckAccount(""), `account: want 1 to 20 letters, digits or '_', got ""`},
		{monitoring.CheckAccount("a-b"), `account: want 1 to 20 letters, digits or '_', got "a-b"`},
		{monitoring.CheckAccount("Ab_9"), ""},
		{monitoring.CheckHost(""), `domain: want a host name, got ""`},
		{monitoring.CheckHost("a/b"), `domain: want a bare host name, got "a/b"`},
		{monitoring.CheckHost("Va-1.example:443"), ""},
		{monitoring.CheckID("pageId", "", 3), "pageId: want 1 to 3 characters, got 0"},
		{monitoring.CheckID("pageId", "abcd", 3), "pageId: want 1 to 3 characters, got 4"},
		{monitoring.CheckID("pageId", "a\x01", 3), `pageId: has a character that is not allowed: '\x01'`},
		{monitoring.CheckID("pageId", "a?", 3), `pageId: has a character that is not allowed: '?'`},
		{monitoring.CheckID("pageId", "Z-_.~+/=9", 9), ""},
	}
	for i, tt := range tests {
		got := ""
		if tt.err != nil {
			got = tt.err.Error()
		}
		if got != tt.want {
			t.Errorf("%d: error %q, want %q", i, got, tt.want)
		}
	}
	// Every byte: the sets are ASCII letters and digits plus a few marks.
	alnum := func(c byte) bool { return 'a' <= c && c <= 'z' || 'A' <= c && c <= 'Z' || '0' <= c && c <= '9' }
	for c := 0; c < 256; c++ {
		s := string([]byte{byte(c)})
		if got, want := monitoring.CheckAccount(s) == nil, alnum(byte(c)) || c == '_'; got != want {
			t.Errorf("CheckAccount(%q) accepts: %v", s, got)
		}
		if got, want := monitoring.CheckHost(s) == nil, alnum(byte(c)) || strings.IndexByte("-.:", byte(c)) >= 0; got != want {
			t.Errorf("CheckHost(%q) accepts: %v", s, got)
		}
		if got, want := monitoring.CheckID("id", s, 1) == nil, alnum(byte(c)) || strings.IndexByte("-_.~+/=", byte(c)) >= 0; got != want {
			t.Errorf("CheckID(%q) accepts: %v", s, got)
		}
	}
}

func TestLoadingAccountVisitorID(t *testing.T) {
	for msg, want := range map[string]string{
		"Loading account: a, vid: V1":         "V1",
		"vid: V2 ":                            "V2",
		"vid: A, vid: B":                      "B",
		"Loading account: a, vid: bad vid":    "",
		"vid: good, vid: ":                    "",
		"Loading account: a, vid:V3":          "",
		"vid: ":                               "",
		"vid:":                                "",
		"":                                    "",
		"Loading account: a, vid: a+b/c=\t\n": "a+b/c=",
	} {
		if got := monitoring.LoadingAccountVisitorID(msg); got != want {
			t.Errorf("LoadingAccountVisitorID(%q) = %q, want %q", msg, got, want)
		}
	}
}

func TestDecodeAnswerErrors(t *testing.T) {
	for body, want := range map[string]string{
		`[]`:                   "answer: want a JSON object",
		`"S"`:                  "answer: want a JSON object",
		`null`:                 "answer: want a JSON object",
		`{}`:                   "answer: has no sessionId or visitorId",
		`{"sid":"S","vid":""}`: "answer: has no sessionId or visitorId",
		`{"sid":"S","vid":"V","engagementDetails":[{},"x"]}`: "engagementDetails[1]: want an object",
	} {
		a, err := monitoring.DecodeAnswer([]byte(body))
		if err == nil || err.Error() != want {
			t.Errorf("DecodeAnswer(%s) = %v, %v; want error %q", body, a, err, want)
		}
	}
	// Not JSON: the parser's error, whose wording differs between the
	// native parser and the browser's JSON.parse (internal/jsonv).
	var se *jsonv.SyntaxError
	if a, err := monitoring.DecodeAnswer([]byte(`{"sid":"S",`)); !errors.As(err, &se) {
		t.Errorf("DecodeAnswer of cut JSON = %v, %v; want a *jsonv.SyntaxError", a, err)
	}
	// The first non-empty string wins; other types are skipped.
	a, err := monitoring.DecodeAnswer([]byte(`{"sessionId":"","sid":"S","visitorId":1,"vid":"V","pageId":7}`))
	if err != nil || a.SessionID != "S" || a.VisitorID != "V" || a.PageID != "" {
		t.Errorf("fallback ids: %#v, %v", a, err)
	}
}
