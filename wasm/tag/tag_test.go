package tag

import (
	"reflect"
	"sort"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/lpedge/lpedge/liveperson"
)

const viewed = `["Product Viewed",{"sku":"A1","name":"Shoe","price":9.5}]`

func TestParseConfig(t *testing.T) {
	tests := []struct {
		attrs   map[string]string
		want    Config
		wantErr string
	}{
		{map[string]string{"account": "123", "app": "a-1", "domain": "va.v.liveperson.net"},
			Config{Account: "123", App: "a-1", Domain: "va.v.liveperson.net", Scheme: "https"}, ""},
		{map[string]string{"account": "123", "app": "a-1", "domain": "http://127.0.0.1:8080/", "consent": "required", "debug": "true"},
			Config{Account: "123", App: "a-1", Domain: "127.0.0.1:8080", Scheme: "http", ConsentRequired: true, Debug: true}, ""},
		{map[string]string{"account": "123", "proxy": "https://edge.example/"},
			Config{Account: "123", Proxy: "https://edge.example", Scheme: "https"}, ""},
		{map[string]string{"app": "a", "domain": "x.example"}, Config{}, "data-account"},
		{map[string]string{"account": "1 2", "domain": "x.example", "app": "a"}, Config{}, "data-account"},
		{map[string]string{"account": "123"}, Config{}, "data-domain (the Monitoring host) or data-proxy"},
		{map[string]string{"account": "123", "domain": "x.example"}, Config{}, "data-app"},
		{map[string]string{"account": "123", "domain": "x.example/path", "app": "a"}, Config{}, "data-domain"},
		{map[string]string{"account": "123", "domain": "ftp://x.example", "app": "a"}, Config{}, "data-domain"},
		{map[string]string{"account": "123", "proxy": "edge.example"}, Config{}, "data-proxy"},
		// The proxy's URLs carry data-app as it is: a byte a query would
		// change is refused.
		{map[string]string{"account": "123", "proxy": "https://e.example", "app": "a&account=1"}, Config{}, "lpedge: data-app: "},
		{map[string]string{"account": "123", "proxy": "https://e.example", "app": "a+b/c="},
			Config{Account: "123", App: "a+b/c=", Proxy: "https://e.example", Scheme: "https"}, ""},
		{map[string]string{"account": "123", "proxy": "https://e.example", "consent": "yes"}, Config{}, "data-consent"},
	}
	for _, tt := range tests {
		got, err := ParseConfig(tt.attrs)
		if tt.wantErr != "" {
			if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
				t.Errorf("ParseConfig(%v) = %v, want an error about %s", tt.attrs, err, tt.wantErr)
			}
			continue
		}
		if err != nil || !reflect.DeepEqual(got, tt.want) {
			t.Errorf("ParseConfig(%v) = %+v, %v; want %+v", tt.attrs, got, err, tt.want)
		}
	}
}

// A burst in one tick is one request; LivePerson's own ids come back and
// are kept for the next request.
func TestBurstIsOneRequest(t *testing.T) {
	h := newHarness(t, direct)
	for i := 0; i < 100; i++ {
		h.call("track", `["Product Viewed",{"sku":"A`+strconv.Itoa(i)+`","name":"Shoe"}]`)
	}
	if len(h.tr.all) != 0 {
		t.Fatalf("sent before the tick ended: %d requests", len(h.tr.all))
	}
	h.clock.tick()
	if len(h.tr.all) != 1 {
		t.Fatalf("100 track calls in one tick made %d requests, want 1", len(h.tr.all))
	}
	r := h.tr.answer(t, 201, answer1)
	if n := len(attrs(t, r)); n != 100 {
		t.Errorf("the request carries %d attributes, want 100", n)
	}
	if r.Method != "POST" || header(r, "X-HTTP-Method-Override") != "PUT" || header(r, "Content-Type") != "application/json" || !r.Keepalive {
		t.Errorf("request %s %v keepalive=%v, want POST with X-HTTP-Method-Override: PUT and JSON, keepalive", r.Method, r.Header, r.Keepalive)
	}
	if !strings.HasPrefix(r.URL, "https://smt.example/api/account/12345678/app/app-1/report?v=1.1&vid=V0&sid=S0") {
		t.Errorf("first URL %s, want the report URL with the stored ids", r.URL)
	}
	if eps := body(t, r)["entryPoints"].([]any); len(eps) != 1 || eps[0] != "https://shop.example/p/1" {
		t.Errorf("entryPoints %v, want the page's URL", eps)
	}
	h.call("track", viewed)
	h.clock.tick()
	r = h.tr.answer(t, 200, answer1)
	if q := query(t, r); q.Get("vid") != "V1" || q.Get("sid") != "S1" {
		t.Errorf("second URL %s, want vid=V1&sid=S1 from the first answer (201: a new session)", r.URL)
	}
	if h.local[h.key("vid")] != "V1" || h.session[h.key("sid")] != "S1" {
		t.Errorf("stored ids %v %v, want vid in localStorage and sid in sessionStorage", h.local, h.session)
	}
}

// Requests go one at a time, in order; what waits meanwhile goes next in
// one request.
func TestOneInFlight(t *testing.T) {
	h := newHarness(t, direct)
	h.call("track", viewed)
	h.clock.tick()
	for i := 0; i < 3; i++ {
		h.call("sdes.push", `[{"type":"searchInfo","keywords":["k`+strconv.Itoa(i)+`"]}]`)
		h.clock.tick()
	}
	if len(h.tr.all) != 1 {
		t.Fatalf("%d requests in flight, want 1", len(h.tr.all))
	}
	h.tr.answer(t, 200, answer1)
	if len(h.tr.all) != 2 {
		t.Fatalf("after the answer: %d requests, want 2", len(h.tr.all))
	}
	if a := attrs(t, h.tr.answer(t, 200, answer1)); len(a) != 3 || a[0].(map[string]any)["keywords"].([]any)[0] != "k0" {
		t.Errorf("the waiting attributes went as %v, want the 3 in order", a)
	}
}

func TestProxyRequest(t *testing.T) {
	h := newHarness(t, viaProxy, fresh)
	h.call("identify", `["c-42",{"firstName":"Ann"}]`)
	h.clock.tick()
	r := h.tr.answer(t, 200, answer1)
	if r.URL != "https://edge.example/v1/report?"+claim || header(r, "X-HTTP-Method-Override") != "" {
		t.Errorf("request %s %v, want the proxy's /v1/report without the override", r.URL, r.Header)
	}
	b := body(t, r)
	if _, ok := b["visitorId"]; ok {
		t.Errorf("first body has a visitorId: %v", b)
	}
	ids := b["identities"].([]any)[0].(map[string]any)
	if ids["sub"] != "c-42" || ids["acr"] != "0" || ids["iss"] != "https://shop.example" {
		t.Errorf("identities %v, want sub c-42, acr 0 (no marketing consent), iss the origin", ids)
	}
	h.call("consent", `[{"marketing":true}]`)
	h.call("track", viewed)
	h.clock.tick()
	b = body(t, h.tr.answer(t, 200, answer1))
	if b["visitorId"] != "V1" || b["sessionId"] != "S1" || b["identities"].([]any)[0].(map[string]any)["acr"] != "loa1" {
		t.Errorf("second body %v, want the ids in the body and acr loa1 after marketing consent", b)
	}
}

func TestUnauthenticatedSendsNoIdentities(t *testing.T) {
	h := newHarness(t, direct)
	h.call("track", viewed)
	h.clock.tick()
	b := body(t, h.tr.answer(t, 200, answer1))
	if _, ok := b["identities"]; ok {
		t.Errorf("an anonymous visitor's report has identities: %v", b)
	}
	if _, ok := b["consumerId"]; ok {
		t.Errorf("report has a consumerId: %v", b)
	}
}

func TestRetryPolicy(t *testing.T) {
	tests := []struct {
		name       string
		status     int
		body       string
		retryAfter string
		wait       time.Duration // 0: not retried
		console    string        // in the error when not retried
	}{
		{"503", 503, "", "", 3 * time.Second, ""},
		{"network", 0, "", "", 3 * time.Second, ""},
		{"loading account", 202, `{"time":1,"message":"Loading account: 1, vid: V9","internalCode":38}`, "", 3 * time.Second, ""},
		{"429", 429, "", "7", 7 * time.Second, ""},
		{"400", 400, `{"time":1,"message":"engagementAttributes","internalCode":5}`, "", 0, `"engagementAttributes"`},
		{"404", 404, `{"time":1,"message":"bad app","internalCode":18}`, "", 0, "data-domain"},
		{"401", 401, "", "", 0, "authenticated monitoring"},
		{"403", 403, "", "", 0, "authenticated monitoring"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			h := newHarness(t, direct)
			h.call("track", viewed)
			h.clock.tick()
			h.tr.answer(t, tt.status, tt.body, tt.retryAfter)
			if tt.wait == 0 {
				if len(h.console.errors) != 1 || !strings.Contains(h.console.errors[0], tt.console) || !strings.Contains(h.console.errors[0], "1 engagement attribute(s) were dropped") {
					t.Errorf("console errors %q, want one that mentions %s and the dropped attribute", h.console.errors, tt.console)
				}
				h.clock.advance(time.Hour)
				if len(h.tr.all) != 1 {
					t.Errorf("a %d was retried", tt.status)
				}
				if _, ok := h.local[h.key("queue:"+h.tab)]; ok {
					t.Errorf("a dropped request stays stored: %v", h.local)
				}
				return
			}
			h.clock.advance(tt.wait - time.Millisecond)
			if len(h.tr.all) != 1 {
				t.Fatalf("retried before %v", tt.wait)
			}
			h.clock.advance(time.Millisecond)
			if len(h.tr.all) != 2 {
				t.Fatalf("not retried after %v", tt.wait)
			}
			r := h.tr.answer(t, 200, answer1)
			if len(attrs(t, r)) != 1 {
				t.Errorf("the retry lost the attribute: %s", r.Body)
			}
			if tt.status == 202 && query(t, r).Get("vid") != "V9" {
				t.Errorf("retry after loading account: %s, want vid=V9 from the message", r.URL)
			}
			if len(h.console.errors) != 0 {
				t.Errorf("console errors on a retried failure: %q", h.console.errors)
			}
		})
	}
}

// Pauses grow: 3 s, 10 s, 30 s, ...
func TestBackoffGrows(t *testing.T) {
	h := newHarness(t, direct)
	h.call("track", viewed)
	h.clock.tick()
	for i, wait := range []time.Duration{3 * time.Second, 10 * time.Second, 30 * time.Second, 90 * time.Second} {
		h.tr.answer(t, 500, "")
		h.clock.advance(wait - time.Millisecond)
		if len(h.tr.all) != i+1 {
			t.Fatalf("retry %d came before %v", i+1, wait)
		}
		h.clock.advance(time.Millisecond)
		if len(h.tr.all) != i+2 {
			t.Fatalf("retry %d did not come after %v", i+1, wait)
		}
	}
}

// A first visit without lpTag opens the session with an engagement call:
// LivePerson refuses a report that carries no vid and no identity.
func TestOpenSession(t *testing.T) {
	h := newHarness(t, direct, fresh)
	h.call("track", viewed)
	h.clock.tick()
	r := h.tr.answer(t, 503, "")
	if !strings.Contains(r.URL, "/engagement?v=1.1") || query(t, r).Has("vid") || len(attrs(t, r)) != 0 {
		t.Fatalf("first request %s %s, want an engagement call without ids or attributes", r.URL, r.Body)
	}
	h.clock.advance(3 * time.Second)
	h.tr.answer(t, 201, engaged)
	r = h.tr.answer(t, 200, answer1)
	if q := query(t, r); !strings.Contains(r.URL, "/report?") || q.Get("vid") != "V1" || len(attrs(t, r)) != 1 {
		t.Errorf("then %s %s, want the report with the session's ids", r.URL, r.Body)
	}
	if h.chat.engagement == nil || h.chat.engagement.CampaignID != 11 {
		t.Errorf("the session's engagement was not kept: %+v", h.chat.engagement)
	}
	h = newHarness(t, direct, fresh)
	h.call("track", viewed)
	h.clock.tick()
	h.tr.answer(t, 404, `{"time":1,"message":"invalid appInstallationId","internalCode":18}`)
	if len(h.console.errors) != 1 || !strings.Contains(h.console.errors[0], "data-app") || len(h.queue) != 0 {
		t.Errorf("a 404 opening the session: %q, queue %d", h.console.errors, len(h.queue))
	}
}

func TestNewSession(t *testing.T) {
	h := newHarness(t, direct)
	h.local[h.key("vid")] = "OLD"
	h.session[h.key("sid")] = "OLDS"
	h.start()
	h.call("track", viewed)
	h.clock.tick()
	r := h.tr.answer(t, 404, `{"time":1,"message":"invalid sid","internalCode":39}`)
	if query(t, r).Get("vid") != "OLD" {
		t.Fatalf("first request %s, want the stored vid", r.URL)
	}
	if len(h.tr.all) != 2 {
		t.Fatalf("stale ids: %d requests, want an immediate resend", len(h.tr.all))
	}
	r = h.tr.answer(t, 201, `{"visitorId":"NEW","sessionId":"NEWS"}`)
	if q := query(t, r); !strings.Contains(r.URL, "/engagement?") || q.Has("vid") || q.Has("sid") {
		t.Errorf("after stale ids: %s, want a new session opened without ids", r.URL)
	}
	r = h.tr.answer(t, 200, `{"visitorId":"NEW","sessionId":"NEWS"}`)
	if q := query(t, r); q.Get("vid") != "NEW" || q.Get("sid") != "NEWS" || len(attrs(t, r)) != 1 {
		t.Errorf("resend %s %s, want the new ids and the attribute", r.URL, r.Body)
	}
	if h.local[h.key("vid")] != "NEW" || h.session[h.key("sid")] != "NEWS" {
		t.Errorf("stored %v %v, want the new ids", h.local, h.session)
	}
	if len(h.console.errors) != 0 {
		t.Errorf("console errors: %q", h.console.errors)
	}
}

// Unsent attributes survive a reload and go out on the next page.
func TestReloadKeepsUnsent(t *testing.T) {
	h := newHarness(t, direct)
	h.call("track", viewed)
	h.clock.tick()
	h.tr.answer(t, 503, "")
	h.call("sdes.push", `[{"type":"searchInfo","keywords":["boots"]}]`)
	h.clock.tick() // waits behind the retry
	h.reload()
	h.clock.advance(claimWait)
	if len(h.tr.all) != 2 {
		t.Fatalf("the new page sent %d requests, want the restored ones at once", len(h.tr.all)-1)
	}
	a := attrs(t, h.tr.answer(t, 200, answer1))
	if len(a) != 2 || a[0].(map[string]any)["type"] != "prodView" || a[1].(map[string]any)["type"] != "searchInfo" {
		t.Errorf("restored attributes %v, want prodView then searchInfo", a)
	}
	if _, ok := h.local[h.key("queue:"+h.tab)]; ok {
		t.Errorf("the queue stays stored after delivery: %v", h.local[h.key("queue:"+h.tab)])
	}
}

// What is in flight at pagehide is not stored (keepalive delivers it;
// storing it would send it twice); what was never sent goes at hide.
func TestHide(t *testing.T) {
	h := newHarness(t, direct)
	h.call("track", viewed)
	h.clock.tick()
	h.tr.answer(t, 200, answer1)
	h.call("track", viewed)
	h.clock.tick() // in flight
	h.call("sdes.push", `[{"type":"searchInfo","keywords":["a"]}]`)
	h.Hide(false) // the tick has not ended: hide closes it and sends it beside
	if len(h.tr.all) != 3 || !h.tr.all[2].Keepalive || len(attrs(t, h.tr.all[2])) != 1 {
		t.Fatalf("at hide: %d requests, want a third keepalive request with the searchInfo", len(h.tr.all))
	}
	if q, ok := h.local[h.key("queue:"+h.tab)]; ok {
		t.Errorf("requests in flight were stored: %s", q)
	}
	// The page stays (visibilitychange, not pagehide): the extra request fails and is kept.
	h.tr.answer(t, 200, answer1)
	h.tr.answer(t, 503, "")
	if !strings.Contains(h.local[h.key("queue:"+h.tab)], "searchInfo") {
		t.Errorf("a failed request at hide is not stored: %v", h.local)
	}
	// Retried, it stays stored while in flight: a reload then resends it.
	h.clock.advance(3 * time.Second)
	if len(h.tr.waiting) != 1 {
		t.Fatalf("no retry in flight")
	}
	h.reload()
	h.clock.advance(claimWait)
	if len(h.tr.waiting) != 1 || !strings.Contains(h.tr.reqs[0].Body, "searchInfo") {
		t.Errorf("a retry in flight at pagehide was not resent by the next page")
	}
}

func TestQueueCap(t *testing.T) {
	h := newHarness(t, direct)
	h.page.offline = true
	for i := 0; i < MaxBatches+20; i++ {
		h.call("track", viewed)
		h.clock.tick()
	}
	if len(h.tr.all) != 0 {
		t.Fatalf("sent while offline")
	}
	if len(h.queue) != MaxBatches || len(h.console.warns) == 0 || !strings.Contains(h.console.warns[0], "dropped") {
		t.Errorf("queue %d, warnings %q; want %d and a warning", len(h.queue), h.console.warns, MaxBatches)
	}
	q, err := decodeQueue([]byte(h.local[h.key("queue:"+h.tab)]))
	if err != nil || len(q) != MaxBatches {
		t.Errorf("stored queue: %d, %v; want %d", len(q), err, MaxBatches)
	}
	h.page.offline = false
	h.Online()
	if len(h.tr.all) != 1 || len(attrs(t, h.tr.all[0])) != MaxBatches {
		t.Errorf("online: %d requests, want one with all %d attributes", len(h.tr.all), MaxBatches)
	}
}

func TestOnlineSkipsThePause(t *testing.T) {
	h := newHarness(t, direct)
	h.call("track", viewed)
	h.clock.tick()
	h.tr.answer(t, 0, "")
	h.Online()
	if len(h.tr.all) != 2 {
		t.Errorf("the online event did not send at once: %d requests", len(h.tr.all))
	}
}

func TestStorageFallback(t *testing.T) {
	h := newHarness(t, direct, fresh)
	h.Tag = New(direct, Env{Local: failingStorage{}, Session: failingStorage{}, Clock: h.clock, Transport: h.tr,
		Console: h.console, Page: h.page, Random: func([]byte) {}})
	h.call("track", viewed)
	h.clock.tick()
	h.tr.answer(t, 201, answer1) // the session
	h.tr.answer(t, 200, answer1)
	h.call("track", viewed)
	h.clock.tick()
	if r := h.tr.answer(t, 200, answer1); query(t, r).Get("vid") != "V1" {
		t.Errorf("with storage refused, the ids were not kept in memory: %s", r.URL)
	}
	if len(h.console.warns) != 1 || !strings.Contains(h.console.warns[0], "in memory") {
		t.Errorf("warnings %q, want one about memory", h.console.warns)
	}
}

func TestLpTag(t *testing.T) {
	t.Run("ids", func(t *testing.T) {
		h := newHarness(t, direct, func(h *harness) { h.lp = &fakeLpTag{sections: []string{"shoes"}}; h.lp.set("LV", "LS") })
		h.call("track", viewed)
		h.clock.tick()
		r := h.tr.answer(t, 201, answer1)
		if q := query(t, r); q.Get("vid") != "LV" || q.Get("sid") != "LS" {
			t.Errorf("URL %s, want lpTag's ids", r.URL)
		}
		if eps := body(t, r)["entryPoints"].([]any); len(eps) != 2 || eps[1] != "sec://shoes" {
			t.Errorf("entryPoints %v, want lpTag.section as sec://shoes", eps)
		}
		if h.local[h.key("vid")] != "V0" {
			t.Errorf("the answer's ids replaced the tag's own while lpTag's were in use: %v", h.local)
		}
	})
	t.Run("late", func(t *testing.T) {
		h := newHarness(t, direct, func(h *harness) { h.lp = &fakeLpTag{present: true} })
		h.call("track", viewed)
		h.clock.tick()
		if len(h.tr.all) != 0 {
			t.Fatalf("sent before lpTag had ids")
		}
		h.lp.set("LV", "LS")
		h.lp.fire()
		if len(h.tr.all) != 1 || query(t, h.tr.all[0]).Get("vid") != "LV" {
			t.Fatalf("after lpTag's event: %v", h.tr.all)
		}
	})
	t.Run("never", func(t *testing.T) {
		h := newHarness(t, direct, func(h *harness) { h.lp = &fakeLpTag{present: true} })
		h.call("track", viewed)
		h.clock.tick()
		h.clock.advance(LpTagWait * time.Millisecond)
		if len(h.tr.all) != 1 || query(t, h.tr.all[0]).Get("vid") != "V0" {
			t.Errorf("after %v without lpTag ids: %v, want one request with the tag's own", LpTagWait, h.tr.all)
		}
	})
	t.Run("stale", func(t *testing.T) {
		h := newHarness(t, direct, func(h *harness) { h.lp = &fakeLpTag{}; h.lp.set("LV", "LS") })
		h.call("track", viewed)
		h.clock.tick()
		h.tr.answer(t, 404, `{"time":1,"message":"x","internalCode":37}`)
		r := h.tr.answer(t, 201, answer1)
		if query(t, r).Get("vid") != "V0" {
			t.Errorf("resend after lpTag's ids were refused: %s, want the tag's own", r.URL)
		}
		h.call("track", viewed)
		h.clock.tick()
		if r := h.tr.answer(t, 200, answer1); query(t, r).Get("vid") != "V1" {
			t.Errorf("then: %s, want the tag's own ids", r.URL)
		}
		h.lp.set("LV2", "LS2")
		h.lp.fire()
		h.call("track", viewed)
		h.clock.tick()
		if r := h.tr.answer(t, 200, answer1); query(t, r).Get("vid") != "LV2" {
			t.Errorf("after lpTag changed ids: %s, want LV2", r.URL)
		}
	})
}

func TestConsent(t *testing.T) {
	required := direct
	required.ConsentRequired = true
	h := newHarness(t, required, fresh)
	h.call("identify", `["c-1"]`)
	h.call("track", viewed)
	h.clock.tick()
	h.Hide(true)
	if len(h.tr.all) != 0 || len(h.local) != 0 || len(h.session) != 0 {
		t.Fatalf("before consent: %d requests, storage %v %v", len(h.tr.all), h.local, h.session)
	}
	h.Show() // back from the back/forward cache: a released page sends nothing
	h.call("consent", `[{"marketing":true}]`)
	if len(h.tr.all) != 1 || len(attrs(t, h.tr.all[0])) != 2 {
		t.Fatalf("after consent: %v, want what waited in one request", h.tr.all)
	}
	h.tr.answer(t, 200, answer1)
	if h.local[h.key("consent")] != "1" || h.local[h.key("vid")] != "V1" || h.session[h.key("customer")] != "c-1" {
		t.Errorf("after consent, storage %v %v", h.local, h.session)
	}
	// The next page remembers the consent.
	h.start()
	h.call("track", viewed)
	h.clock.tick()
	if len(h.tr.all) != 2 {
		t.Fatalf("the next page waits for consent again")
	}
	h.tr.answer(t, 200, answer1)
	h.call("consent", `[{"marketing":false}]`)
	h.call("track", viewed)
	h.clock.tick()
	if len(h.tr.all) != 2 || len(h.local) != 0 || len(h.session) != 0 {
		t.Errorf("after refusal: %d requests, storage %v %v", len(h.tr.all), h.local, h.session)
	}
}

func TestCartSurvivesReload(t *testing.T) {
	h := newHarness(t, direct)
	h.call("track", `["Product Added",{"sku":"A","name":"Shoe","price":10,"quantity":2}]`)
	h.clock.tick()
	h.tr.answer(t, 200, answer1)
	h.reload()
	h.call("track", `["Product Added",{"sku":"B","name":"Hat","price":5}]`)
	h.clock.tick()
	cart := attrs(t, h.tr.answer(t, 200, answer1))[0].(map[string]any)
	if cart["numItems"] != 3.0 || cart["total"] != 25.0 {
		t.Errorf("cart after reload %v, want 3 items, 25", cart)
	}
}

func TestPage(t *testing.T) {
	h := newHarness(t, direct)
	h.call("page", `["https://shop.example/c/shoes",{"sections":["shoes","sale"]}]`)
	h.call("track", viewed)
	h.clock.tick()
	r := h.tr.answer(t, 200, answer1)
	b := body(t, r)
	if eps := b["entryPoints"].([]any); len(eps) != 3 || eps[0] != "https://shop.example/c/shoes" || eps[2] != "sec://sale" {
		t.Errorf("entryPoints %v", eps)
	}
	if len(attrs(t, r)) != 1 {
		t.Errorf("page then track in one tick: %s, want one request with the attribute", r.Body)
	}
	h.call("page", `[]`)
	h.clock.tick()
	if r := h.tr.answer(t, 200, answer1); len(attrs(t, r)) != 0 || body(t, r)["entryPoints"].([]any)[0] != "https://shop.example/p/1" {
		t.Errorf("page(): %s, want a report of the location with no attributes", r.Body)
	}
}

func TestCallErrors(t *testing.T) {
	// One format: "lpedge: " the call, as the page wrote it (track's with
	// its event), ": " the argument or property, ": " what is wrong. The
	// exact messages: a prefix doubled or lost is a failure.
	tests := []struct{ method, args, want string }{
		{"track", `[]`, "lpedge: track: event: is required"},
		{"track", `[3]`, "lpedge: track: event: want a string, got 3"},
		{"track", `["Product Viewed","x"]`, `lpedge: track("Product Viewed"): properties: want an object, got a string ("x")`},
		{"track", `["Product Viewed",{"sku":"A","price":"9"}]`, `lpedge: track("Product Viewed"): price: want a number, got a string ("9")`},
		{"track", `["product viewed",{"sku":"A","price":true}]`, `lpedge: track("product viewed"): price: want a number, got true`},
		{"track", `["Order Completed",{"products":[{"sku":"B","quantity":1.5}]}]`, `lpedge: track("Order Completed"): products[0].quantity: want an integer, got 1.5`},
		{"track", `["Nope",{}]`, `lpedge: track("Nope"): event: the retail preset maps none of this name; want one of Product Viewed, `},
		{"identify", `[]`, "lpedge: identify: customerId: is required (or traits)"},
		{"identify", `[true]`, "lpedge: identify: customerId: want a string, got true"},
		{"identify", `["c-1",{"firstName":1}]`, "lpedge: identify: firstName: want a string, got 1"},
		{"page", `[1]`, "lpedge: page: url: want a string, got 1"},
		{"page", `["u",{"sections":[1]}]`, "lpedge: page: sections[0]: want a string, got 1"},
		{"sdes.push", `[]`, "lpedge: sdes.push: want an engagement attribute or an array of them, got nothing"},
		{"sdes.push", `[[{"type":"cart","numItems":1}]]`, "lpedge: sdes.push: sdes[0]: cart.total: is required"},
		{"sdes.push", `[{"type":"carts"}]`, `lpedge: sdes.push: sdes[0]: type: "carts" is not an engagement attribute type`},
		{"consent", `[{"marketing":"yes"}]`, `lpedge: consent: marketing: want true or false, got a string ("yes")`},
		{"consent", `[]`, "lpedge: consent: want {marketing: true} or {marketing: false}"},
		{"debug", `["x"]`, `lpedge: debug: want true or false, got a string ("x")`},
		{"track", `{`, "lpedge: track: arguments are not JSON"},
	}
	for _, tt := range tests {
		h := newHarness(t, direct)
		h.call(tt.method, tt.args)
		h.clock.tick()
		if len(h.console.errors) != 1 || !strings.HasPrefix(h.console.errors[0], tt.want) {
			t.Errorf("%s(%s): console %q, want %q", tt.method, tt.args, h.console.errors, tt.want)
		}
		if len(h.tr.all) != 0 {
			t.Errorf("%s(%s): sent %s", tt.method, tt.args, h.tr.all[0].Body)
		}
	}
	h := newHarness(t, direct)
	var got error
	h.Call("nope", []byte(`[]`), func(_ []byte, err error) { got = err })
	if got == nil || !strings.Contains(got.Error(), `no method "nope"`) {
		t.Errorf("unknown method: %v", got)
	}
}

func TestDebugLog(t *testing.T) {
	h := newHarness(t, direct)
	h.call("debug", `[true]`)
	h.call("track", viewed)
	h.clock.tick()
	h.tr.answer(t, 503, "")
	log := strings.Join(h.console.logs, "\n")
	for _, want := range []string{"report: POST https://smt.example/", `"prodView"`, "report answer: 503", "retrying in 3s"} {
		if !strings.Contains(log, want) {
			t.Errorf("debug log lacks %q:\n%s", want, log)
		}
	}
	h.call("debug", `[false]`)
	n := len(h.console.logs)
	h.clock.advance(3 * time.Second)
	if len(h.console.logs) != n {
		t.Errorf("logged after debug(false): %q", h.console.logs[n:])
	}
}

// panicLog is a console whose Log panics: a bug inside an entry point.
type panicLog struct{ *fakeConsole }

func (panicLog) Log(string) { panic("boom") }

// The entry points release the Tag's lock on each way out, not with
// defer (the module's size): after a panic inside one, the lock stays
// held until the host that recovered it calls Release, which also runs
// the callbacks queued before the panic; then the Tag goes on.
func TestReleaseAfterPanic(t *testing.T) {
	h := newHarness(t, direct)
	h.Tag.env.Console = panicLog{h.console}
	ran := false
	h.Tag.reply(func() { ran = true })
	func() {
		defer func() {
			if r := recover(); r != "boom" {
				t.Fatalf("SetDebug(true) with a panicking console: recovered %v, want the panic", r)
			}
		}()
		h.SetDebug(true)
	}()
	if h.Tag.mu.TryLock() {
		t.Fatal("the panic left the lock free: Release would have nothing to undo")
	}
	h.Release()
	if !ran {
		t.Error("Release did not run the callback queued before the panic")
	}
	if !h.Tag.mu.TryLock() {
		t.Fatal("the lock is still held after Release")
	}
	h.Tag.mu.Unlock()
	h.Tag.env.Console = h.console
	h.call("debug", `[false]`)
	h.call("track", viewed)
	h.clock.tick()
	if len(h.tr.all) != 1 {
		t.Fatalf("after Release, track made %d requests, want 1", len(h.tr.all))
	}
	h.Release() // the lock free: it stays free
	if !h.Tag.mu.TryLock() {
		t.Error("Release with the lock free left it held")
	}
}

func TestTooLarge(t *testing.T) {
	h := newHarness(t, direct)
	big := strings.Repeat("x", 400)
	kw := make([]string, 100)
	for i := range kw {
		kw[i] = strconv.Quote(big)
	}
	h.call("sdes.push", `[{"type":"searchInfo","keywords":[`+strings.Join(kw, ",")+`]}]`)
	if len(h.console.errors) != 1 || !strings.Contains(h.console.errors[0], "more than 32768") {
		t.Errorf("a 40 KB attribute: %q", h.console.errors)
	}
	// 40 attributes of ~4 KB: more than one request's budget, so two.
	kw = kw[:10]
	for i := 0; i < 40; i++ {
		h.call("sdes.push", `[{"type":"searchInfo","keywords":[`+strings.Join(kw, ",")+`]}]`)
	}
	h.clock.tick()
	r := h.tr.answer(t, 200, answer1)
	if len(r.Body) > MaxBody || len(h.tr.all) != 2 {
		t.Errorf("burst of 160 KB: first body %d bytes, %d requests; want at most %d bytes, a second request", len(r.Body), len(h.tr.all), MaxBody)
	}
}

// Tabs of one site share localStorage: each keeps its own unsent batches
// there beside the others', a tab that starts takes over what a tab gone
// without pagehide left only after QueueLease, and a tab whose batches
// were taken over does not send them too.
func TestTabsShareTheQueue(t *testing.T) {
	local := Memory{"lpedge:v1:12345678:vid": "V0"}
	tab := func(seed byte, offline bool) *harness {
		return newHarness(t, direct, func(h *harness) {
			h.local, h.session, h.randCount, h.page.offline = local, Memory{"lpedge:v1:12345678:sid": "S0"}, seed, offline
		})
	}
	a, b := tab(100, true), tab(200, true)
	a.call("track", viewed)
	a.clock.tick()
	b.call("sdes.push", `[{"type":"searchInfo","keywords":["b"]}]`)
	b.clock.tick()
	if q, err := storedQueue(local); err != nil || len(q) != 2 {
		t.Fatalf("two offline tabs stored %d batches (%v), want both: %v", len(q), err, local)
	}

	// A is closed. A tab that opens now leaves both to their tabs.
	c := tab(50, false)
	if len(c.tr.all) != 0 || len(c.queue) != 0 {
		t.Fatalf("a new tab took over live tabs' batches: %d requests, %d batches", len(c.tr.all), len(c.queue))
	}
	c.call("track", viewed)
	c.clock.tick()
	c.tr.answer(t, 200, answer1)
	if q, _ := storedQueue(local); len(q) != 2 {
		t.Errorf("a tab that sent its own lost the others' stored batches: %d left", len(q))
	}

	// Later, a new tab takes over both: A's is abandoned, and B, offline,
	// has not stored its queue again.
	d := tab(150, false)
	d.clock.now = a.clock.now.Add(QueueLease*time.Millisecond + time.Second)
	d.start()
	d.clock.advance(claimWait)
	if len(d.tr.all) != 1 || len(attrs(t, d.tr.all[0])) != 2 {
		t.Fatalf("after the lease the new tab sent %d requests, want one with both batches", len(d.tr.all))
	}
	// B comes back: its batch is D's to send now.
	b.page.offline = false
	b.Online()
	b.clock.tick()
	if len(b.tr.all) != 0 {
		t.Errorf("the tab whose batch was taken over sent it too: %s", b.tr.all[0].Body)
	}
	d.tr.answer(t, 200, answer1)
	if q, _ := storedQueue(local); len(q) != 0 {
		t.Errorf("delivered batches are still stored: %v", local)
	}
}

// Keys lists each key once, whether the browser's storage or the memory
// fallback holds it.
func TestFallbackKeys(t *testing.T) {
	for _, tc := range []struct {
		name string
		f    *Fallback
		set  []string
		want string
	}{
		{"browser", &Fallback{Primary: Memory{"p:1": "a", "x": "b"}}, []string{"p:2"}, "p:1 p:2"},
		{"refused", &Fallback{Primary: failingStorage{}}, []string{"p:2", "q"}, "p:2"},
		{"both", &Fallback{Primary: Memory{"p:1": "a", "p:3": "c"}, mem: Memory{"p:1": "m"}}, nil, "p:1 p:3"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			for _, k := range tc.set {
				tc.f.Set(k, "v") // refused writes are kept in memory
			}
			keys := tc.f.Keys("p:")
			sort.Strings(keys)
			if got := strings.Join(keys, " "); got != tc.want {
				t.Errorf("Keys = %q, want %q", got, tc.want)
			}
		})
	}
}

// storeQueue stores one batch of a searchInfo attribute with keywords kw
// under key, as a page with info would.
func storeQueue(local Memory, key string, info queueInfo, kw string) {
	b := &batch{sdes: []liveperson.SDE{{"type": "searchInfo", "keywords": []any{kw}}}}
	local[key] = string(encodeQueue([]*batch{b}, info))
}

// holdsQueue says whether key holds a stored queue (not a taker's note).
func holdsQueue(local Memory, key string) bool {
	s, ok := local[key]
	_, info, err := readQueue([]byte(s))
	return ok && err == nil && !info.note
}

// sentKeywords lists the searchInfo keywords of every request sent.
func sentKeywords(t *testing.T, h *harness) string {
	var kw []string
	for _, r := range h.tr.all {
		for _, a := range attrs(t, r) {
			if m := a.(map[string]any); m["type"] == "searchInfo" {
				kw = append(kw, m["keywords"].([]any)[0].(string))
			}
		}
	}
	sort.Strings(kw)
	return strings.Join(kw, " ")
}

// Which stored queues a starting page takes over: its own key is the
// only one it writes; another page's it takes when released at pagehide,
// an older tag's, or silent for QueueLease since it was stored and since
// the end of the retry pause stored with it.
func TestTakeOver(t *testing.T) {
	now := time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC).UnixMilli() // the harness's clock
	const lease = QueueLease
	for _, tc := range []struct {
		name  string
		key   string
		info  queueInfo
		taken bool
	}{
		{"live", "queue:t1", queueInfo{saved: now - lease + 1000}, false},
		{"silent for the lease", "queue:t1", queueInfo{saved: now - lease}, true},
		{"waiting for its retry", "queue:t1", queueInfo{saved: now - 1000, retry: now + 2000}, false},
		{"waited for its retry", "queue:t1", queueInfo{saved: now - 2*lease, retry: now - lease + 1000}, false},
		{"waiting for a long Retry-After", "queue:t1", queueInfo{saved: now - 2*lease, retry: now + 3600000}, false},
		{"silent past its retry", "queue:t1", queueInfo{saved: now - 3*lease, retry: now - lease}, true},
		{"released at pagehide", "queue:t1", queueInfo{saved: now, released: true}, true},
		{"stored a second ahead (clock stepped back)", "queue:t1", queueInfo{saved: now + 1000}, false},
		{"stored in the future (clock set back)", "queue:t1", queueInfo{saved: now + 120000}, true},
		{"an older tag's", "queue", queueInfo{saved: now}, true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			h := newHarness(t, direct, func(h *harness) { storeQueue(h.local, direct.key(tc.key), tc.info, "k") })
			h.clock.advance(claimWait)
			still := holdsQueue(h.local, direct.key(tc.key))
			if got := sentKeywords(t, h); (got == "k") != tc.taken || still == tc.taken {
				t.Errorf("sent %q, key kept %v; want taken %v", got, still, tc.taken)
			}
		})
	}
	for _, bad := range []string{`{"v":1,"r":true,"q":[{"a":[{"type":"nope"}]}]}`, `{"v":1,"q":[`, `{"v":7}`} {
		t.Run("unreadable "+bad, func(t *testing.T) {
			h := newHarness(t, direct, func(h *harness) { h.local[direct.key("queue:t1")] = bad })
			if still := holdsQueue(h.local, direct.key("queue:t1")); still || len(h.console.warns) != 1 {
				t.Errorf("kept %v, warnings %q; want dropped with a warning", still, h.console.warns)
			}
		})
	}
	t.Run("capped with a warning", func(t *testing.T) {
		h := newHarness(t, direct, func(h *harness) {
			h.page.offline = true
			for i := range MaxBatches/2 + 10 {
				for _, tab := range []string{"t1", "t2"} {
					storeQueue(h.local, direct.key("queue:"+tab+"-"+strconv.Itoa(i)), queueInfo{released: true}, tab)
				}
			}
		})
		h.clock.advance(claimWait)
		if len(h.queue) != MaxBatches || len(h.console.warns) != 1 || !strings.Contains(h.console.warns[0], "dropped") {
			t.Errorf("took over %d batches, warnings %q; want %d and a warning", len(h.queue), h.console.warns, MaxBatches)
		}
	})
}

// A page that leaves releases its stored queue: a tab that starts then
// takes it at once, which it does not while the page is only hidden. A
// live tab takes what another released once LivePerson answers it, or
// when it is back online.
func TestReleaseAtPagehide(t *testing.T) {
	local := Memory{"lpedge:v1:12345678:vid": "V0"}
	tab := func(seed byte, offline bool) *harness {
		return newHarness(t, direct, func(h *harness) {
			h.local, h.session, h.randCount, h.page.offline = local, Memory{"lpedge:v1:12345678:sid": "S0"}, seed, offline
		})
	}
	leave := func(kw string) {
		a := tab(100, true)
		a.call("sdes.push", `[{"type":"searchInfo","keywords":["`+kw+`"]}]`)
		a.clock.tick()
		a.Hide(false)
		if c := tab(50, false); len(c.tr.all) != 0 {
			t.Fatalf("a tab took the queue of a page that is only hidden: %s", c.tr.all[0].Body)
		}
		a.Hide(true)
	}
	b, c := tab(200, false), tab(150, true)
	leave("a1")
	b.call("track", viewed)
	b.clock.tick()
	b.tr.answer(t, 200, answer1)
	b.clock.advance(claimWait)
	if got := sentKeywords(t, b); got != "a1" {
		t.Errorf("the live tab sent %q after LivePerson answered it, want the left page's a1", got)
	}
	leave("a2")
	c.page.offline = false
	c.Online()
	c.clock.advance(claimWait)
	if got := sentKeywords(t, c); got != "a2" {
		t.Errorf("the tab back online sent %q, want the left page's a2", got)
	}
}

// A tab whose stored batches another page took over leaves them to it,
// but keeps and sends a failed request sent at hide (it was not in the
// stored queue any more) and what it had not stored.
func TestTakenOverKeepsTheRest(t *testing.T) {
	h := newHarness(t, direct)
	push := func(kw string) { h.call("sdes.push", `[{"type":"searchInfo","keywords":["`+kw+`"]}]`) }
	push("n1")
	h.clock.tick()
	h.tr.answer(t, 503, "")
	h.clock.advance(3 * time.Second) // n1's retry in flight, n1 stored
	push("n2")
	h.clock.tick()
	h.Hide(false)                          // n2 goes beside, with keepalive; the stored queue: n1
	delete(h.local, h.key("queue:"+h.tab)) // another page took n1
	push("n3")
	h.tr.answerNewest(t, 503, "") // n2 failed before n1's retry was answered
	h.clock.tick()
	h.tr.answer(t, 200, answer1) // n1's retry
	for len(h.tr.waiting) > 0 {
		h.tr.answer(t, 200, answer1)
	}
	if got := sentKeywords(t, h); got != "n1 n1 n2 n2 n3" {
		t.Errorf("sent %q, want n1 and its retry, n2 at hide and again, n3", got)
	}

	h = newHarness(t, direct, func(h *harness) { h.page.offline = true })
	push("s1")
	h.clock.tick()                         // s1 stored
	delete(h.local, h.key("queue:"+h.tab)) // another page took s1
	push("s2")
	h.clock.tick()
	h.page.offline = false
	h.Online()
	if got := sentKeywords(t, h); got != "s2" {
		t.Errorf("sent %q, want s2 only: s1 is the other page's", got)
	}
}

// Withdrawn consent removes every page's stored queue.
func TestConsentWithdrawnClearsEveryQueue(t *testing.T) {
	required := direct
	required.ConsentRequired = true
	h := newHarness(t, required, func(h *harness) {
		h.local[required.key("consent")] = "1"
		storeQueue(h.local, required.key("queue:other"), queueInfo{saved: h.clock.Now()}, "k")
	})
	h.call("consent", `[{"marketing":false}]`)
	if q, _ := storedQueue(h.local); len(q) != 0 {
		t.Errorf("queues stored after consent was withdrawn: %v", h.local)
	}
}

// The taker leaves a note naming the write it took: the page keeps what
// it stored later (the taker may have read an older write: tabs see each
// other's writes late), takes nothing back before reading the note, and
// stores with each queue when its retry pause ends.
func TestTakerNote(t *testing.T) {
	push := func(h *harness, kw string) {
		h.call("sdes.push", `[{"type":"searchInfo","keywords":["`+kw+`"]}]`)
		h.clock.tick()
	}
	t.Run("a later write stays", func(t *testing.T) {
		h := newHarness(t, direct, func(h *harness) { h.page.offline = true })
		push(h, "x2")
		push(h, "x3")
		// An older tag's note (no "by"), read when the key held x2 only.
		h.local[h.key("queue:"+h.tab)] = `{"v":1,"t":` + strconv.FormatInt(h.clock.Now(), 10) + `,"taken":1}`
		h.page.offline = false
		h.Online()
		if got := sentKeywords(t, h); got != "x3" {
			t.Errorf("sent %q, want x3 only: x2 is the taker's", got)
		}
	})
	t.Run("the note is read before the key is written again", func(t *testing.T) {
		local := Memory{"lpedge:v1:12345678:vid": "V0"}
		tab := func(seed byte, offline bool) *harness {
			return newHarness(t, direct, func(h *harness) {
				h.local, h.session, h.randCount, h.page.offline = local, Memory{"lpedge:v1:12345678:sid": "S0"}, seed, offline
			})
		}
		a := tab(100, true)
		push(a, "x2") // stored
		a.Hide(true)
		b := tab(200, false) // takes x2
		b.clock.advance(claimWait)
		storeQueue(local, direct.key("queue:r"), queueInfo{released: true}, "r")
		a.Show() // back from the back/forward cache: a released page sends nothing
		a.page.offline = false
		a.Online() // a takes r, and must not send x2 again
		a.clock.advance(claimWait)
		for len(a.tr.waiting) > 0 {
			a.tr.answer(t, 200, answer1)
		}
		if got, other := sentKeywords(t, a), sentKeywords(t, b); got != "r" || other != "x2" {
			t.Errorf("a sent %q, b %q; want r, and x2", got, other)
		}
	})
	t.Run("a batch stored again after a failed attempt", func(t *testing.T) {
		h := newHarness(t, direct, func(h *harness) { h.page.offline = true })
		push(h, "x1")
		h.call("page", `["https://shop.example/p/2"]`)
		push(h, "x2") // another request: other entry points
		h.page.offline = false
		h.Online()                                                                         // x1 in flight and out of the stored queue, x2 stored
		h.tr.answer(t, 503, "")                                                            // x1 stored again
		h.local[h.key("queue:"+h.tab)] = string(encodeTaken(h.gen-1, h.clock.Now(), "t9")) // a taker read the write without x1
		h.clock.advance(time.Minute)
		for len(h.tr.waiting) > 0 {
			h.tr.answer(t, 200, answer1)
		}
		if got := sentKeywords(t, h); got != "x1 x1" {
			t.Errorf("sent %q, want x1 twice (it failed once) and not x2 (the taker's)", got)
		}
	})
	t.Run("back from the back/forward cache", func(t *testing.T) {
		h := newHarness(t, direct, func(h *harness) { h.page.offline = true })
		push(h, "x1")
		h.Hide(true)
		h.Show()
		_, info, _ := readQueue([]byte(h.local[h.key("queue:"+h.tab)]))
		if info.released {
			t.Errorf("the stored queue stays released after pageshow")
		}
	})
	t.Run("retry pause", func(t *testing.T) {
		h := newHarness(t, direct)
		push(h, "x1")
		h.tr.answer(t, 503, "")
		_, info, _ := readQueue([]byte(h.local[h.key("queue:"+h.tab)]))
		if info.retry != h.clock.Now()+3000 {
			t.Errorf("stored retry end %d, want now + 3 s", info.retry-h.clock.Now())
		}
	})
	t.Run("a first attempt an answer starts is not stored", func(t *testing.T) {
		h := newHarness(t, direct)
		push(h, "x1")
		push(h, "x2") // stored, behind x1
		h.tr.answer(t, 200, answer1)
		if len(h.tr.waiting) != 1 || holdsQueue(h.local, h.key("queue:"+h.tab)) {
			t.Errorf("x2 in flight (keepalive delivers it) is still stored: %v", h.local)
		}
	})
}

// twoTabs returns a function that opens tabs (harnesses) on one shared
// localStorage, which holds the released queues of the pages owners names,
// one batch each of keyword k<i>: key "queue:"+owners[i-1].
func twoTabs(t *testing.T, owners ...string) (local Memory, tab func(seed byte, offline bool) *harness) {
	local = Memory{"lpedge:v1:12345678:vid": "V0"}
	for i, o := range owners {
		storeQueue(local, direct.key("queue:"+o), queueInfo{released: true, gen: 3}, "k"+strconv.Itoa(i+1))
	}
	return local, func(seed byte, offline bool) *harness {
		return newHarness(t, direct, func(h *harness) {
			h.local, h.session, h.randCount, h.page.offline = local, Memory{"lpedge:v1:12345678:sid": "S0"}, seed, offline
		})
	}
}

// Two tabs that take the same released queue in the same moment (each
// read it before the other's note reached it) hold it ClaimWait, then
// read the key again: the tab whose note is there, the last written,
// sends it, and the other leaves it. A page holding batches it took
// over takes no more, even if its copy of storage shows them released
// again.
func TestClaim(t *testing.T) {
	for _, tc := range []struct {
		name         string
		last         func(local Memory, a, b string) // the key o2's value once both notes landed
		wantA, wantB string
	}{
		{"b's note written last", func(Memory, string, string) {}, "k1", "k2"},
		{"a's note written last", func(local Memory, a, _ string) { local[direct.key("queue:o2")] = a }, "k1 k2", ""},
		{"an older tag's note written last (it sends)", func(local Memory, _, _ string) {
			local[direct.key("queue:o2")] = `{"v":1,"t":1,"taken":3}`
		}, "k1", ""},
	} {
		t.Run(tc.name, func(t *testing.T) {
			local, tab := twoTabs(t, "o1", "o2")
			o2 := direct.key("queue:o2")
			released := local[o2]
			a := tab(100, false) // takes o1 and o2
			noteA := local[o2]
			local[o2] = released // b read o2 before a's note reached it
			b := tab(200, false) // takes o2
			if len(a.tr.all)+len(b.tr.all) != 0 {
				t.Fatalf("sent before ClaimWait: %q %q", sentKeywords(t, a), sentKeywords(t, b))
			}
			tc.last(local, noteA, local[o2])
			a.clock.advance(claimWait)
			b.clock.advance(claimWait)
			if got, other := sentKeywords(t, a), sentKeywords(t, b); got != tc.wantA || other != tc.wantB {
				t.Errorf("a sent %q, b %q; want %q and %q", got, other, tc.wantA, tc.wantB)
			}
		})
	}
	t.Run("taken again while held", func(t *testing.T) {
		local, tab := twoTabs(t, "o1")
		released := local[direct.key("queue:o1")]
		a := tab(100, false)
		a.clock.advance(claimWait / 2)
		local[direct.key("queue:o1")] = released // a stale copy of storage
		a.Online()
		a.clock.advance(claimWait)
		if got := sentKeywords(t, a); got != "k1" {
			t.Errorf("sent %q, want k1 once", got)
		}
	})
	t.Run("the owner comes back", func(t *testing.T) {
		local, tab := twoTabs(t)
		o := tab(50, true)
		o.call("sdes.push", `[{"type":"searchInfo","keywords":["k1"]}]`)
		o.clock.tick() // stored
		o.Hide(true)   // released
		a := tab(100, false)
		if !strings.Contains(local[o.key("queue:"+o.tab)], `"by":"`+a.tab+`"`) {
			t.Fatalf("the taker's note does not name it: %q", local[o.key("queue:"+o.tab)])
		}
		o.Show() // back from the back/forward cache: k1 is a's
		o.call("sdes.push", `[{"type":"searchInfo","keywords":["k2"]}]`)
		o.clock.tick()
		o.page.offline = false
		o.Online()
		a.clock.advance(claimWait)
		if got, other := sentKeywords(t, a), sentKeywords(t, o); got != "k1" || other != "k2" {
			t.Errorf("the taker sent %q, the owner %q; want k1, and k2", got, other)
		}
	})
}

// A page that hides while it holds batches it took over settles them at
// once, not to lose them with the page: those it won go out with the
// rest (sent with keepalive, or stored released for the next page), and
// the plan for a hide in a worker counts them.
func TestClaimAcrossHide(t *testing.T) {
	for _, tc := range []struct {
		name    string
		leaving bool
		offline bool
		other   bool   // another tab's note lands before the hide
		sent    string // what the page sends, at hide and after ClaimWait
		stored  string // its stored queue's keywords after the hide
	}{
		{"pagehide", true, false, false, "k1", ""},
		{"hidden", false, false, false, "k1", ""},
		{"pagehide offline: stored for the next page", true, true, false, "", "k1"},
		{"another tab's note came first", true, false, true, "", ""},
	} {
		t.Run(tc.name, func(t *testing.T) {
			local, tab := twoTabs(t, "o1")
			a := tab(100, tc.offline)
			if tc.other {
				local[direct.key("queue:o1")] = string(encodeTaken(3, a.clock.Now(), "ffffffffffffffff"))
			}
			a.clock.advance(claimWait / 2)
			p := a.PlanHide()
			a.Hide(tc.leaving)
			if tc.leaving && !tc.offline && !tc.other && (len(a.tr.all) != 1 || a.tr.all[0].Body != p.Report.Body) {
				t.Errorf("Hide sent %d requests, want the planned one: %s", len(a.tr.all), p.Report.Body)
			}
			if tc.leaving {
				a.clock.timers = nil // the page is gone
			}
			a.clock.advance(claimWait)
			var stored []string
			if q, _, _ := readQueue([]byte(local[a.key("queue:"+a.tab)])); q != nil {
				for _, e := range q {
					b, _ := decodeBatch(e.(map[string]any), 0)
					stored = append(stored, b.sdes[0]["keywords"].([]any)[0].(string))
				}
			}
			if got := sentKeywords(t, a); got != tc.sent || strings.Join(stored, " ") != tc.stored {
				t.Errorf("sent %q, stored %q; want %q and %q", got, stored, tc.sent, tc.stored)
			}
			if tc.stored != "" {
				next := tab(200, false)
				next.clock.advance(claimWait)
				if got := sentKeywords(t, next); got != tc.stored {
					t.Errorf("the next page sent %q, want %q", got, tc.stored)
				}
			}
		})
	}
}
