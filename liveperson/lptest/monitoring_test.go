package lptest_test

import (
	"net/http"
	"strings"
	"testing"

	"github.com/lpedge/lpedge/liveperson/lptest"
	"github.com/lpedge/lpedge/liveperson/monitoring"
)

// TestMonitoringRefusals covers every documented Monitoring error, and the
// ones lptest adds where the reference is silent.
func TestMonitoringRefusals(t *testing.T) {
	srv := lptest.NewServer()
	defer srv.Close()
	base := srv.URL + monitoring.Path(lptest.DefaultAccount, lptest.DefaultApp, monitoring.Report)
	eng := srv.URL + monitoring.Path(lptest.DefaultAccount, lptest.DefaultApp, monitoring.Engagement)
	override := "X-HTTP-Method-Override: PUT"
	tests := []struct {
		name        string
		method, url string
		header      []string
		body        string
		status      int
		code        int
		message     string // the error message contains it
	}{
		{"report POST without override", "POST", base + "?v=1.1", []string{jsonCT}, identified, 405, 5, "POST with X-HTTP-Method-Override: PUT"},
		{"report GET", "GET", base + "?v=1.1", nil, "", 405, 5, "got GET"},
		{"report POST override DELETE", "POST", base + "?v=1.1", []string{jsonCT, "X-HTTP-Method-Override: DELETE"}, identified, 405, 5, "DELETE"},
		{"engagement PUT", "PUT", eng + "?v=1.1", []string{jsonCT}, `{}`, 405, 5, "engagement takes POST"},
		{"engagement POST override PUT", "POST", eng + "?v=1.1", []string{jsonCT, override}, `{}`, 405, 5, "engagement takes POST"},
		{"no version", "PUT", base, []string{jsonCT}, identified, 400, 33, "illegal API version"},
		{"version 2.0", "PUT", base + "?v=2.0", []string{jsonCT}, identified, 400, 33, `"2.0"`},
		{"unknown account", "PUT", srv.URL + monitoring.Path("999", lptest.DefaultApp, monitoring.Report) + "?v=1.1", []string{jsonCT}, identified, 404, 18, "invalid account"},
		{"unknown app", "PUT", srv.URL + monitoring.Path(lptest.DefaultAccount, "nope", monitoring.Report) + "?v=1.1", []string{jsonCT}, identified, 404, 18, "invalid appInstallationId"},
		{"malformed vid", "PUT", base + "?v=1.1&vid=a%20b", []string{jsonCT}, identified, 404, 37, "invalid visitorId"},
		{"malformed sid", "PUT", base + "?v=1.1&vid=V&sid=a%3Cb", []string{jsonCT}, identified, 404, 39, "invalid sessionId"},
		{"obh not boolean", "PUT", base + "?v=1.1&obh=yes", []string{jsonCT}, identified, 400, 5, "obh"},
		{"text/plain body", "POST", base + "?v=1.1", []string{"Content-Type: text/plain", override}, identified, 415, 5, "application/json"},
		{"no content type", "PUT", base + "?v=1.1", nil, identified, 415, 5, "application/json"},
		{"bad JSON", "PUT", base + "?v=1.1", []string{jsonCT}, `{"engagementAttributes":[`, 400, 5, ""},
		{"body not an object", "PUT", base + "?v=1.1", []string{jsonCT}, `[]`, 400, 5, "want a JSON object"},
		{"report without SDEs", "PUT", base + "?v=1.1&vid=V1", []string{jsonCT}, `{}`, 400, 5, "engagementAttributes: is required"},
		{"invalid SDE", "PUT", base + "?v=1.1&vid=V1", []string{jsonCT}, `{"engagementAttributes":[{"type":"cart","numItems":1}]}`, 400, 5, "engagementAttributes[0]: cart.total: is required"},
		{"unknown SDE type", "PUT", base + "?v=1.1&vid=V1", []string{jsonCT}, `{"engagementAttributes":[{"type":"basket"}]}`, 400, 5, `"basket" is not an engagement attribute type`},
		{"second SDE invalid", "PUT", base + "?v=1.1&vid=V1", []string{jsonCT},
			`{"engagementAttributes":[{"type":"searchInfo","keywords":["a"]},{"type":"personal","personal":{"gender":"X"}}]}`, 400, 5, "engagementAttributes[1]: personal.personal.gender"},
		{"unknown member", "PUT", base + "?v=1.1&vid=V1", []string{jsonCT}, `{"engagementAttributes":[],"foo":1}`, 400, 5, "foo"},
		{"visitorId in body", "PUT", base + "?v=1.1", []string{jsonCT}, `{"visitorId":"V","engagementAttributes":[]}`, 400, 5, "query string"},
		{"no identification", "PUT", base + "?v=1.1", []string{jsonCT}, `{"engagementAttributes":[{"type":"cart","total":1,"numItems":1}]}`, 400, 5, "consumerId"},
		{"identity without sub", "PUT", base + "?v=1.1", []string{jsonCT}, `{"identities":[{"iss":"x","acr":"loa1"}],"engagementAttributes":[]}`, 400, 5, "identities[0].sub"},
		{"consumerId not a string", "PUT", base + "?v=1.1", []string{jsonCT}, `{"consumerId":7,"engagementAttributes":[]}`, 400, 5, "consumerId"},
		{"impression in engagement", "POST", eng + "?v=1.1", []string{jsonCT},
			`{"engagementAttributes":[{"type":"impDisplay","campaign":1,"engId":2}]}`, 400, 5, "impression event"},
		{"impression never offered", "PUT", base + "?v=1.1&vid=V1", []string{jsonCT},
			`{"engagementAttributes":[{"type":"impDisplay","campaign":1,"engId":2}]}`, 400, 5, "not offered that engagement"},
		{"clientProperties on report", "PUT", base + "?v=1.1&vid=V1", []string{jsonCT}, `{"clientProperties":{},"engagementAttributes":[]}`, 400, 5, "clientProperties"},
		{"clientProperties bad os", "POST", eng + "?v=1.1", []string{jsonCT}, `{"clientProperties":{"os":"OSX"}}`, 400, 5, "clientProperties.os"},
		{"clientProperties bad ip", "POST", eng + "?v=1.1", []string{jsonCT}, `{"clientProperties":{"ipAddress":"::1"}}`, 400, 5, "IPv4"},
		{"clientProperties unknown member", "POST", eng + "?v=1.1", []string{jsonCT}, `{"clientProperties":{"platform":"x"}}`, 400, 5, "platform"},
		{"clientProperties not an object", "POST", eng + "?v=1.1", []string{jsonCT}, `{"clientProperties":"x"}`, 400, 5, "want an object"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			res, b := do(t, tt.method, tt.url, tt.body, tt.header...)
			if res.StatusCode != tt.status {
				t.Fatalf("status %d, want %d: %s", res.StatusCode, tt.status, b)
			}
			e := monitoring.DecodeError(b)
			if e == nil {
				t.Fatalf("not an error body: %s", b)
			}
			if e.InternalCode != tt.code || !strings.Contains(e.Message, tt.message) || e.Time == 0 {
				t.Errorf("error %+v; want internal code %d, message with %q", e, tt.code, tt.message)
			}
			if ct := res.Header.Get("Content-Type"); ct != lptest.MonitoringContentType {
				t.Errorf("Content-Type %q", ct)
			}
		})
	}
	if n := len(srv.Visitors()); n != 0 {
		t.Errorf("refused calls made %d visitors", n)
	}
}

func TestMonitoringSessions(t *testing.T) {
	srv := lptest.NewServer()
	defer srv.Close()

	// First call: no ids, identified by identities: 201 with new ids.
	first := report(t, srv, "", "", identified, 201)
	if first.VisitorID == "" || first.SessionID == "" || first.PageID == "" {
		t.Fatalf("first answer %+v", first)
	}
	for _, id := range []string{first.VisitorID, first.SessionID, first.PageID} {
		if err := monitoring.CheckID("id", id, 128); err != nil {
			t.Errorf("answer id %q: %v", id, err)
		}
	}
	// The same pair: 200, same ids, a new page.
	again := report(t, srv, first.VisitorID, first.SessionID, identified, 200)
	if again.VisitorID != first.VisitorID || again.SessionID != first.SessionID || again.PageID == first.PageID {
		t.Errorf("same session: %+v after %+v", again, first)
	}
	// A real PUT works the same.
	res, b := do(t, "PUT", monURL(t, srv, monitoring.Report, first.VisitorID, first.SessionID), identified, jsonCT)
	answerOf(t, res, b, 200)
	// Known vid, no or unknown sid: a new session for the same visitor.
	for _, sid := range []string{"", "unknownSid"} {
		a := report(t, srv, first.VisitorID, sid, identified, 201)
		if a.VisitorID != first.VisitorID || a.SessionID == first.SessionID {
			t.Errorf("sid %q: %+v", sid, a)
		}
	}
	// Unknown vid: a new visitor.
	if a := engagement(t, srv, "unknownVid", "unknownSid", `{}`, 201); a.VisitorID == "unknownVid" || a.VisitorID == first.VisitorID {
		t.Errorf("unknown vid answered %+v", a)
	}
	// A report with a vid needs no other identification.
	report(t, srv, first.VisitorID, first.SessionID, `{"engagementAttributes":[]}`, 200)
	// The deprecated consumerId identifies too, and is recorded.
	a := report(t, srv, "", "", `{"consumerId":"c-1","engagementAttributes":[]}`, 201)
	v, ok := srv.Visitor(a.VisitorID)
	if !ok || v.Sessions[0].ConsumerID != "c-1" {
		t.Errorf("consumerId not recorded: %+v", v)
	}
	// A pageId in the body names the page; the same pageId again adds to it.
	a = report(t, srv, first.VisitorID, first.SessionID, `{"pageId":"4743822558","entryPoints":["https://shop.example/a"],"engagementAttributes":[]}`, 200)
	b2 := report(t, srv, first.VisitorID, first.SessionID, `{"pageId":"4743822558","entryPoints":["sec://shoes"],"engagementAttributes":[]}`, 200)
	if a.PageID != "4743822558" || b2.PageID != a.PageID {
		t.Errorf("page ids %q %q", a.PageID, b2.PageID)
	}

	v, _ = srv.Visitor(first.VisitorID)
	if len(v.Sessions) != 3 || v.Account != lptest.DefaultAccount || v.App != lptest.DefaultApp {
		t.Fatalf("visitor %+v", v)
	}
	s := v.Sessions[0]
	if len(s.SDEs) != 3 || len(s.Identities) != 1 || s.Identities[0].Sub != "c0ffee" {
		t.Errorf("session %+v", s)
	}
	last := s.Pages[len(s.Pages)-1]
	if last.ID != "4743822558" || strings.Join(last.EntryPoints, " ") != "https://shop.example/a sec://shoes" {
		t.Errorf("last page %+v", last)
	}
	// A vid of another account is unknown there.
	other := lptest.NewServer(lptest.WithAccount("777", "app-7"), lptest.WithAccount(lptest.DefaultAccount))
	defer other.Close()
	o := report(t, other, "", "", identified, 201)
	c := monitoring.Call{Scheme: "http", Domain: other.Host(), Account: "777", App: "app-7", VisitorID: o.VisitorID, SessionID: o.SessionID}
	u, _ := c.URL(monitoring.Report)
	res, b = do(t, "PUT", u, identified, jsonCT)
	if x := answerOf(t, res, b, 201); x.VisitorID == o.VisitorID {
		t.Errorf("vid crossed accounts: %+v", x)
	}
	if x := report(t, other, o.VisitorID, o.SessionID, identified, 200); x.VisitorID != o.VisitorID {
		t.Errorf("own account: %+v", x)
	}
}

// TestTargeting follows seeds/000 "Test - Targeting": engagements by SDE
// and by section or entry point, found through the engagement method.
func TestTargeting(t *testing.T) {
	srv := lptest.NewServer(lptest.WithEngagement(append(lptest.DemoEngagements(),
		lptest.Engagement{Name: "Checkout", CampaignID: 1004, EngagementID: 2004, EntryPoint: "https://shop.example/checkout",
			Revision: 7, ConnectorID: 99, Language: "de-DE"},
		lptest.Engagement{Name: "Electronics shoppers", CampaignID: 1005, EngagementID: 2005,
			SDEs: []lptest.Condition{{Type: "prodView", Field: "products.product.category", Value: "electronics"}}},
		lptest.Engagement{Name: "Cheap carts", CampaignID: 1006, EngagementID: 2006,
			SDEs: []lptest.Condition{{Type: "cartStatus", Field: "total", Op: lptest.Below, Value: 5}}},
		lptest.Engagement{Name: "Leads", CampaignID: 1007, EngagementID: 2007,
			SDEs: []lptest.Condition{{Type: "lead", Field: "lead.topic", Op: lptest.Present}}},
		lptest.Engagement{Name: "Resolved errors", CampaignID: 1008, EngagementID: 2008,
			SDEs: []lptest.Condition{{Type: "error", Field: "error.resolved", Value: true}}},
		lptest.Engagement{Name: "Two items", CampaignID: 1009, EngagementID: 2009,
			SDEs: []lptest.Condition{{Type: "cart", Field: "numItems", Value: 2}}},
	)...))
	defer srv.Close()
	tests := []struct {
		name     string
		body     string // engagement body
		campaign int64  // 0: no engagement
	}{
		{"nothing known", `{}`, 0},
		{"other section", `{"entryPoints":["sec://hats"]}`, 0},
		{"shoes section", `{"entryPoints":["https://shop.example/p/1","sec://Shoes"]}`, 1003},
		{"vip by SDE, case-insensitive", `{"engagementAttributes":[{"type":"ctmrinfo","info":{"ctype":"VIP"}}]}`, 1001},
		{"gold is not vip", `{"engagementAttributes":[{"type":"ctmrinfo","info":{"ctype":"gold"}}]}`, 0},
		{"big cart", `{"engagementAttributes":[{"type":"cart","total":150,"numItems":3}]}`, 1002},
		{"cart of exactly 100 is not big", `{"engagementAttributes":[{"type":"cart","total":100,"numItems":3}]}`, 0},
		{"vip outranks big cart", `{"engagementAttributes":[{"type":"cart","total":150,"numItems":3},{"type":"ctmrinfo","info":{"ctype":"vip"}}]}`, 1001},
		{"entry point prefix", `{"entryPoints":["https://shop.example/checkout/step2"]}`, 1004},
		{"a section is not an entry point", `{"entryPoints":["sec://https://shop.example/checkout"]}`, 0},
		{"SDE inside an array", `{"engagementAttributes":[{"type":"prodView","products":[{"product":{"category":"books"}},{"product":{"category":"Electronics"}}]}]}`, 1005},
		{"below, through an alias", `{"engagementAttributes":[{"type":"cart","total":4.99,"numItems":1}]}`, 1006},
		{"present", `{"engagementAttributes":[{"type":"lead","lead":{"topic":"test drive"}}]}`, 1007},
		{"boolean", `{"engagementAttributes":[{"type":"error","error":{"resolved":true}}]}`, 1008},
		{"boolean false", `{"engagementAttributes":[{"type":"error","error":{"resolved":false}}]}`, 0},
		{"integer", `{"engagementAttributes":[{"type":"cart","total":10,"numItems":2}]}`, 1009},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			a := engagement(t, srv, "", "", tt.body, 201)
			if tt.campaign == 0 {
				if len(a.Engagements) != 0 {
					t.Fatalf("offered %+v", a.Engagements)
				}
				return
			}
			if len(a.Engagements) != 1 {
				t.Fatalf("offered %+v, want campaign %d", a.Engagements, tt.campaign)
			}
			d := a.Engagements[0]
			if d.CampaignID != tt.campaign || d.EngagementID != tt.campaign+1000 || d.ContextID != "1" || d.Status != "expose" {
				t.Errorf("offered %+v, want campaign %d, context 1", d, tt.campaign)
			}
		})
	}
	a := engagement(t, srv, "", "", `{"entryPoints":["https://shop.example/checkout"]}`, 201)
	if d := a.Engagements[0]; d.EngagementRevision != 7 || d.ConnectorID != "99" || d.Language != "de-DE" {
		t.Errorf("engagement fields %+v", d)
	}
	if d := engagement(t, srv, "", "", `{"entryPoints":["sec://shoes"]}`, 201).Engagements[0]; d.EngagementRevision != 1 || d.ConnectorID != "1" || d.Language != "en-US" {
		t.Errorf("defaults %+v", d)
	}
}

// TestTargetingState checks that targeting follows the visitor: SDEs from
// earlier reports count, the current page is the latest with entry
// points, context ids count up per session and stay for an engagement.
func TestTargetingState(t *testing.T) {
	srv := lptest.NewServer(lptest.WithEngagement(lptest.DemoEngagements()...))
	defer srv.Close()
	a := engagement(t, srv, "", "", `{"entryPoints":["sec://shoes"]}`, 201)
	vid, sid := a.VisitorID, a.SessionID
	if a.Engagements[0].CampaignID != 1003 || a.Engagements[0].ContextID != "1" {
		t.Fatalf("shoes: %+v", a.Engagements)
	}
	// A report on the same page keeps the section current.
	report(t, srv, vid, sid, `{"engagementAttributes":[{"type":"searchInfo","keywords":["boots"]}]}`, 200)
	if a = engagement(t, srv, vid, sid, `{}`, 200); a.Engagements[0].CampaignID != 1003 || a.Engagements[0].ContextID != "1" {
		t.Fatalf("shoes again: %+v", a.Engagements)
	}
	// A reported cart over 100 makes the big-cart engagement the first match: a new context id.
	report(t, srv, vid, sid, `{"engagementAttributes":[{"type":"cart","total":250,"numItems":2}]}`, 200)
	if a = engagement(t, srv, vid, sid, `{}`, 200); a.Engagements[0].CampaignID != 1002 || a.Engagements[0].ContextID != "2" {
		t.Fatalf("big cart: %+v", a.Engagements)
	}
	// The cart is replaced, not merged: a small cart ends it.
	report(t, srv, vid, sid, `{"engagementAttributes":[{"type":"cart","total":20,"numItems":1}]}`, 200)
	if a = engagement(t, srv, vid, sid, `{"entryPoints":["https://shop.example/"]}`, 200); len(a.Engagements) != 0 {
		t.Fatalf("small cart, other page: %+v", a.Engagements)
	}
	// SDEs follow the visitor into a new session; context ids start again.
	report(t, srv, vid, sid, `{"engagementAttributes":[{"type":"ctmrinfo","info":{"ctype":"vip"}}]}`, 200)
	a = engagement(t, srv, vid, "", `{}`, 201)
	if a.SessionID == sid || a.Engagements[0].CampaignID != 1001 || a.Engagements[0].ContextID != "1" {
		t.Fatalf("vip in new session: %+v", a)
	}
	v, _ := srv.Visitor(vid)
	if n := len(v.Sessions[0].Offered); n != 2 {
		t.Errorf("first session offered %d engagements, want 2", n)
	}
}

func TestImpressions(t *testing.T) {
	srv := lptest.NewServer(lptest.WithEngagement(lptest.DemoEngagements()...))
	defer srv.Close()
	a := engagement(t, srv, "", "", `{"entryPoints":["sec://shoes"]}`, 201)
	imp := func(typ, ctx string) string {
		s := `{"engagementAttributes":[{"type":"` + typ + `","campaign":1003,"engId":2003,"revision":1`
		if ctx != "" {
			s += `,"eContext":[{"type":"engagementContext","id":"` + ctx + `"}]`
		}
		return s + `}]}`
	}
	for _, typ := range []string{"impDisplay", "impAccept"} {
		report(t, srv, a.VisitorID, a.SessionID, imp(typ, "1"), 200)
	}
	for _, typ := range []string{"impExpanded", "impTimeout", "impClose"} {
		report(t, srv, a.VisitorID, a.SessionID, imp(typ, ""), 200)
	}
	refuse := func(name, vid, sid, body, message string) {
		t.Helper()
		res, b := do(t, "PUT", monURL(t, srv, monitoring.Report, vid, sid), body, jsonCT)
		if e := monitoring.DecodeError(b); res.StatusCode != 400 || e == nil || e.InternalCode != 5 || !strings.Contains(e.Message, message) {
			t.Errorf("%s: %d %s; want 400, code 5, %q", name, res.StatusCode, b, message)
		}
	}
	refuse("wrong context id", a.VisitorID, a.SessionID, imp("impDisplay", "2"), `eContext id "2"`)
	refuse("another session", a.VisitorID, "", imp("impDisplay", "1"), "not offered")
	refuse("another engagement", a.VisitorID, a.SessionID,
		`{"engagementAttributes":[{"type":"impDisplay","campaign":1001,"engId":2001}]}`, "campaign 1001 engagement 2001")
	v, _ := srv.Visitor(a.VisitorID)
	if len(v.Sessions) != 1 || len(v.Sessions[0].SDEs) != 5 {
		t.Errorf("visitor after refusals: %+v", v)
	}
	if len(v.Attributes()) != 0 {
		t.Errorf("impressions are not attributes: %v", v.Attributes())
	}
}

func TestEngagementClientPropertiesAndIdentities(t *testing.T) {
	srv := lptest.NewServer()
	defer srv.Close()
	body := `{"clientProperties":{"osName":"MAC_OSX","os":"MAC_OSX","osVersion":"1.2","appVersion":"1.0","deviceFamily":"MOBILE","ipAddress":"192.168.5.2"},` +
		`"consumerId":"uniqueIdInBrand","identities":[{"iss":"LivePerson","acr":"0","sub":"identifierForNoAuth"},{"iss":"TMO","acr":"loa1","sub":"identifierForAuth"}],` +
		`"entryPoints":["tel://972737004000","http://www.liveperson.com","sec://Sport","lang://English"],` +
		`"engagementAttributes":[{"type":"personal","personal":{"contacts":[{"email":"user123@gmail.com","phone":"12345678"}],` +
		`"age":{"age":30.0,"year":1985,"month":7,"day":22},"firstname":"test","lastname":"test2","gender":"FEMALE","company":"liveperson"}}]}`
	a := engagement(t, srv, "", "", body, 201) // the reference's own example
	v, _ := srv.Visitor(a.VisitorID)
	s := v.Sessions[0]
	if s.ConsumerID != "uniqueIdInBrand" || len(s.Identities) != 2 || len(s.Pages[0].EntryPoints) != 4 || len(s.SDEs) != 1 {
		t.Errorf("session %+v", s)
	}
}

func TestMonitoringVersions(t *testing.T) {
	srv := lptest.NewServer()
	defer srv.Close()
	u := srv.URL + monitoring.Path(lptest.DefaultAccount, lptest.DefaultApp, monitoring.Engagement)
	for _, v := range []string{"1.0", "1.1"} {
		res, b := do(t, "POST", u+"?v="+v+"&obh=true", `{}`, jsonCT)
		answerOf(t, res, b, 201)
		if res.Header.Get("Server") != "ws" {
			t.Errorf("Server header %q", res.Header.Get("Server"))
		}
	}
}

// preflightPasses applies the browser's CORS check (Fetch standard, CORS
// preflight) to a preflight answer: may a page at origin send method with
// the given non-safelisted headers?
func preflightPasses(h http.Header, origin, method string, headers ...string) bool {
	if h.Get("Access-Control-Allow-Origin") != origin {
		return false
	}
	list := func(v string) []string {
		var out []string
		for _, s := range strings.Split(v, ",") {
			out = append(out, strings.ToLower(strings.TrimSpace(s)))
		}
		return out
	}
	methods := list(h.Get("Access-Control-Allow-Methods"))
	if method != "GET" && method != "POST" && method != "HEAD" && !contains(methods, strings.ToLower(method)) {
		return false
	}
	allowed := list(h.Get("Access-Control-Allow-Headers"))
	for _, x := range headers {
		if !contains(allowed, strings.ToLower(x)) {
			return false
		}
	}
	return true
}

func contains(list []string, s string) bool {
	for _, e := range list {
		if e == s {
			return true
		}
	}
	return false
}

func TestCORS(t *testing.T) {
	srv := lptest.NewServer()
	defer srv.Close()
	const origin = "https://shop.example"
	preflight := func(method, headers string) http.Header {
		t.Helper()
		res, b := do(t, "OPTIONS", monURL(t, srv, monitoring.Report, "", ""), "", "Origin: "+origin,
			"Access-Control-Request-Method: "+method, "Access-Control-Request-Headers: "+headers)
		if res.StatusCode != 200 || len(b) != 0 {
			t.Fatalf("preflight: %d %q", res.StatusCode, b)
		}
		return res.Header
	}
	h := preflight("PUT", "content-type")
	want := map[string]string{
		"Access-Control-Allow-Methods":     "GET, POST, PATCH",
		"Access-Control-Allow-Headers":     "Origin, X-Requested-With, Content-Type, Accept, Authorization, X-HTTP-Method-Override, LP-DOMAIN-REFERER, LP-URL, ETag, ac-revision, X-LP-Last-Modified, If-Match, Authentication-Method, Credit-Card-Ref, Automation-Secret, Email-Token",
		"Access-Control-Allow-Credentials": "true",
		"Access-Control-Allow-Origin":      origin,
	}
	for k, v := range want {
		if h.Get(k) != v {
			t.Errorf("%s: %q, want %q", k, h.Get(k), v)
		}
	}
	if preflightPasses(h, origin, "PUT", "Content-Type") {
		t.Error("a preflight for PUT passes; LivePerson's does not")
	}
	if h = preflight("POST", "content-type,x-http-method-override"); !preflightPasses(h, origin, "POST", "Content-Type", "X-HTTP-Method-Override") {
		t.Errorf("a preflight for POST + override fails: %v", h)
	}
	// The answer to the call itself and to an error carry the headers too.
	res, _ := do(t, "POST", monURL(t, srv, monitoring.Report, "", ""), identified, jsonCT, "X-HTTP-Method-Override: PUT", "Origin: "+origin)
	if res.StatusCode != 201 || res.Header.Get("Access-Control-Allow-Origin") != origin || res.Header.Get("Access-Control-Allow-Credentials") != "true" {
		t.Errorf("call: %d %v", res.StatusCode, res.Header)
	}
	res, _ = do(t, "POST", monURL(t, srv, monitoring.Report, "", ""), "{", jsonCT, "X-HTTP-Method-Override: PUT", "Origin: "+origin)
	if res.StatusCode != 400 || res.Header.Get("Access-Control-Allow-Origin") != origin {
		t.Errorf("error: %d %v", res.StatusCode, res.Header)
	}
	// No Origin, no Allow-Origin (the reference's curl capture).
	if res, _ = do(t, "POST", monURL(t, srv, monitoring.Engagement, "", ""), "{}", jsonCT); res.Header.Get("Access-Control-Allow-Origin") != "" {
		t.Errorf("Allow-Origin without Origin: %v", res.Header)
	}
	if n := srv.CallCount(lptest.RouteReport); n != 4 {
		t.Errorf("report calls %d, want 4 (preflights count)", n)
	}
}
