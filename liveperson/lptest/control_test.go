package lptest_test

import (
	"encoding/json"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/lpedge/lpedge/liveperson/connector"
	"github.com/lpedge/lpedge/liveperson/lptest"
)

func getJSON(t *testing.T, url string, v any) int {
	t.Helper()
	res, b := do(t, "GET", url, "")
	if res.StatusCode == 200 {
		if err := json.Unmarshal(b, v); err != nil {
			t.Fatalf("%s: %v in %s", url, err, b)
		}
	}
	return res.StatusCode
}

func TestInspector(t *testing.T) {
	srv := lptest.NewServer(lptest.WithEngagement(lptest.DemoEngagements()...))
	defer srv.Close()
	a := report(t, srv, "", "", `{"identities":[{"iss":"https://shop.example","acr":"loa1","sub":"s-1"}],"entryPoints":["sec://shoes"],`+
		`"engagementAttributes":[{"type":"ctmrinfo","info":{"ctype":"vip","registrationDate":{"day":2,"month":3,"year":2024}}},`+
		`{"type":"cart","total":150,"numItems":2,"products":[{"product":{"name":"Trail boot","sku":"tb-1","price":75,"category":"shoes"},"quantity":2}]},`+
		`{"type":"personal","personal":{"firstname":"Ann","contacts":[{"email":"ann@example.com","phoneType":"mobile"}]}}]}`, 201)
	e := engagement(t, srv, a.VisitorID, a.SessionID, `{"engagementAttributes":[{"type":"searchInfo","keywords":["boots","waterproof"]}]}`, 200)
	id, app, jws := open(t, srv, "ann")
	msg, _ := (&connector.Message{DialogID: id, Text: "Where is my <order>?"}).AppendJSON(nil)
	do(t, "POST", connURL(srv, true), string(msg), jsonCT, "Authorization: "+app, "X-LP-ON-BEHALF: "+jws)

	// Calls: everything, filtered.
	var calls []lptest.Call
	if getJSON(t, srv.URL+"/lptest/calls", &calls) != 200 || len(calls) != len(srv.Calls()) || len(calls) < 6 {
		t.Fatalf("calls: %d", len(calls))
	}
	first := calls[0]
	if first.Seq != 1 || first.Route != lptest.RouteReport || first.Method != "POST" || first.Override != "PUT" ||
		first.Status != 201 || first.Visitor != a.VisitorID || first.Session != a.SessionID ||
		first.Header["Content-Type"] != "application/json" || !strings.Contains(first.Body, "Trail boot") ||
		!strings.Contains(first.Answer, a.VisitorID) || !strings.Contains(first.Query, "v=1.1") {
		t.Errorf("first call %+v", first)
	}
	if getJSON(t, srv.URL+"/lptest/calls?visitor="+a.VisitorID, &calls) != 200 || len(calls) != 2 || calls[1].Route != lptest.RouteEngagement {
		t.Errorf("by visitor: %+v", calls)
	}
	if getJSON(t, srv.URL+"/lptest/calls?conversation="+id, &calls) != 200 || len(calls) != 2 || calls[1].Header["X-LP-ON-BEHALF"] != jws {
		t.Errorf("by conversation: %+v", calls)
	}
	if getJSON(t, srv.URL+"/lptest/calls?route=token", &calls) != 200 || len(calls) != 1 || !strings.Contains(calls[0].Body, "client_secret=REDACTED") {
		t.Errorf("token calls: %+v", calls)
	}
	if getJSON(t, srv.URL+"/lptest/calls?since=3", &calls) != 200 || calls[0].Seq != 4 {
		t.Errorf("since=3 starts at %+v", calls[0])
	}
	if res, _ := do(t, "GET", srv.URL+"/lptest/calls?since=x", ""); res.StatusCode != 400 {
		t.Errorf("since=x: %d", res.StatusCode)
	}
	if n := srv.CallCount(lptest.RouteConsumer); n != 1 {
		t.Errorf("consumer calls %d", n)
	}

	// Visitors and conversations.
	var visitors []lptest.Visitor
	if getJSON(t, srv.URL+"/lptest/visitors", &visitors) != 200 || len(visitors) != 1 || visitors[0].ID != a.VisitorID {
		t.Errorf("visitors %+v", visitors)
	}
	var v struct {
		lptest.Visitor
		Attributes []map[string]any `json:"attributes"`
	}
	if getJSON(t, srv.URL+"/lptest/visitors/"+a.VisitorID, &v) != 200 || len(v.Sessions) != 1 || len(v.Attributes) != 4 ||
		len(v.Sessions[0].Offered) != 1 || v.Sessions[0].Offered[0].CampaignID != e.Engagements[0].CampaignID {
		t.Errorf("visitor %+v", v)
	}
	if getJSON(t, srv.URL+"/lptest/visitors/nope", &v) != 404 {
		t.Error("unknown visitor found")
	}
	var conv lptest.Conversation
	if getJSON(t, srv.URL+"/lptest/conversations/"+id, &conv) != 200 || conv.ID != id || conv.State != "OPEN" || len(conv.Messages) != 1 {
		t.Errorf("conversation %+v", conv)
	}
	var convs []lptest.Conversation
	if getJSON(t, srv.URL+"/lptest/conversations", &convs) != 200 || len(convs) != 1 {
		t.Errorf("conversations %+v", convs)
	}
	if getJSON(t, srv.URL+"/lptest/conversations/nope", &conv) != 404 {
		t.Error("unknown conversation found")
	}
	var cfg lptest.Config
	if getJSON(t, srv.URL+"/lptest/config", &cfg) != 200 || cfg.Host != srv.Host() || cfg.Clients[lptest.DefaultClientID] != lptest.DefaultClientSecret ||
		len(cfg.Engagements) != 3 || cfg.Accounts[lptest.DefaultAccount][0] != lptest.DefaultApp {
		t.Errorf("config %+v", cfg)
	}

	// Reset over HTTP.
	if res, _ := do(t, "POST", srv.URL+"/lptest/reset", ""); res.StatusCode != 204 {
		t.Errorf("reset: %d", res.StatusCode)
	}
	if len(srv.Visitors()) != 0 || len(srv.Conversations()) != 0 || len(srv.Calls()) != 0 {
		t.Errorf("after reset: %d visitors, %d conversations, %d calls", len(srv.Visitors()), len(srv.Conversations()), len(srv.Calls()))
	}
	// Tokens survive a reset, and the consumer may open a conversation again.
	if res, b := do(t, "POST", connURL(srv, false), conversationBody(t, nil), jsonCT, "Authorization: "+app, "X-LP-ON-BEHALF: "+jws); res.StatusCode != 200 {
		t.Errorf("after reset: %d %s", res.StatusCode, b)
	}
}

func TestInspectorReturnsCopies(t *testing.T) {
	srv := lptest.NewServer()
	defer srv.Close()
	a := report(t, srv, "", "", identified, 201)
	v, _ := srv.Visitor(a.VisitorID)
	v.Sessions[0].ID = "changed"
	v.Sessions[0].Pages[0].EntryPoints = append(v.Sessions[0].Pages[0].EntryPoints, "x")
	calls := srv.Calls()
	calls[0].Header["Origin"] = "changed"
	if v2, _ := srv.Visitor(a.VisitorID); v2.Sessions[0].ID != a.SessionID || len(v2.Sessions[0].Pages[0].EntryPoints) != 0 {
		t.Errorf("the server's visitor changed: %+v", v2)
	}
	if srv.Calls()[0].Header["Origin"] != "" {
		t.Error("the server's call changed")
	}
}

func TestAgentView(t *testing.T) {
	srv := lptest.NewServer(lptest.WithEngagement(lptest.DemoEngagements()...))
	defer srv.Close()
	a := report(t, srv, "", "", `{"identities":[{"iss":"https://shop.example","acr":"loa1","sub":"s-1"}],"entryPoints":["https://shop.example/p/1","sec://shoes"],`+
		`"engagementAttributes":[{"type":"ctmrinfo","info":{"ctype":"vip","registrationDate":{"day":2,"month":3,"year":2024}}},`+
		`{"type":"cart","total":150,"numItems":2,"products":[{"product":{"name":"Trail boot","sku":"tb-1","price":75,"category":"shoes"},"quantity":2}]},`+
		`{"type":"personal","personal":{"firstname":"Ann","contacts":[{"email":"ann@example.com","phoneType":"mobile"}]}},`+
		`{"type":"searchInfo","keywords":["boots","waterproof"]}]}`, 201)
	// Two more reports: their prodView and searchInfo merge into the
	// cards of their type, as LivePerson's consumer-info widget shows them.
	report(t, srv, a.VisitorID, a.SessionID, `{"engagementAttributes":[{"type":"prodView","products":[{"product":{"name":"Trail boot","sku":"tb-1","price":75}}]}]}`, 200)
	report(t, srv, a.VisitorID, a.SessionID, `{"engagementAttributes":[{"type":"prodView","products":[{"product":{"name":"Rain shell","sku":"rs-2","price":120}}]},`+
		`{"type":"prodView","products":[{"product":{"name":"Trail boot","sku":"tb-1","price":69}}]},{"type":"searchInfo","keywords":["shell"]}]}`, 200)
	eng := engagement(t, srv, a.VisitorID, a.SessionID, `{}`, 200)
	app, jws := tokens(t, srv, "ann")
	body := conversationBody(t, func(c *connector.Conversation) {
		c.CampaignID, c.EngagementID = "1001", "2001"
		c.Context = &connector.Context{VisitorID: a.VisitorID, SessionID: a.SessionID, InteractionContextID: eng.Engagements[0].ContextID}
	})
	body = strings.Replace(body, `"body":{}`, `"body":{"authenticatedData":{"lp_sdes":[{"type":"personal","personal":{"lastname":"Lee"}}]}}`, 1)
	res, b := do(t, "POST", connURL(srv, false), body, jsonCT, "Authorization: "+app, "X-LP-ON-BEHALF: "+jws)
	id, err := connector.ReadConversation(b, "2")
	if err != nil {
		t.Fatalf("%d %s %v", res.StatusCode, b, err)
	}
	msg, _ := (&connector.Message{DialogID: id, Text: "Where is my <order>?"}).AppendJSON(nil)
	do(t, "POST", connURL(srv, true), string(msg), jsonCT, "Authorization: "+app, "X-LP-ON-BEHALF: "+jws)

	page := func(query string) string {
		t.Helper()
		res, b := do(t, "GET", srv.URL+"/lptest/"+query, "")
		if res.StatusCode != 200 || !strings.HasPrefix(res.Header.Get("Content-Type"), "text/html") {
			t.Fatalf("%s: %d %v", query, res.StatusCode, res.Header)
		}
		return string(b)
	}
	mustHave := func(name, html string, want ...string) {
		t.Helper()
		for _, w := range want {
			if !strings.Contains(html, w) {
				t.Errorf("%s lacks %q", name, w)
			}
		}
	}
	index := page("")
	mustHave("index", index, a.VisitorID, id, "Pick a visitor or a conversation")

	visitor := page("?visitor=" + a.VisitorID)
	mustHave("visitor view", visitor, "Customer Info", "Customer type", "vip", "Registration date", "2024-03-02",
		"Cart", "Number of items", "Trail boot", "tb-1", "75", "Personal Info", "First name", "Ann", "Contacts 1 email",
		"ann@example.com", "MOBILE", "Searched Content", "Keywords</td><td>shell<", "sec://shoes", "https://shop.example/p/1",
		"Offered campaign <code>1001</code>", "s-1", id, "Viewed Products", "Rain shell", "<td>tb-1</td><td>69</td>")
	for _, card := range []string{"Customer Info", "Cart", "Personal Info", "Searched Content", "Viewed Products"} {
		if n := strings.Count(visitor, "<h3>"+card+"</h3>"); n != 1 {
			t.Errorf("the visitor view shows %d %s cards, want one", n, card)
		}
	}
	if n := strings.Count(visitor, "<td>Trail boot</td>"); n != 2 { // the cart's and the viewed one
		t.Errorf("Trail boot is listed %d times, want once in the cart and once viewed", n)
	}

	conversation := page("?conversation=" + id)
	// Nothing says the Connector's consumer authenticated: its lp_sdes
	// come with SetUserProfile, authenticated or not.
	if strings.Contains(conversation, "authenticated") {
		t.Error("the conversation view calls an unauthenticated conversation authenticated")
	}
	mustHave("conversation view", conversation, "Lee", "Consumer info (the conversation's lp_sdes)",
		"Engagement attributes of the visitor", "vip", "Where is my &lt;order&gt;?", "1001 / 2001", a.VisitorID, "OPEN", "ann")
	if strings.Contains(conversation, "<order>") {
		t.Error("a message is not escaped")
	}
	mustHave("missing", page("?visitor=nope"), "No visitor nope")
}

func TestUnstartedHandler(t *testing.T) {
	srv := lptest.NewUnstartedServer()
	if srv.Host() != "" || srv.URL != "" {
		t.Errorf("unstarted: %q %q", srv.Host(), srv.URL)
	}
	req := httptest.NewRequest("GET", "http://lp.test:9/api/account/"+lptest.DefaultAccount+"/service/smt/baseURI.json?version=1.0", nil)
	rec := httptest.NewRecorder()
	srv.Handler().ServeHTTP(rec, req)
	if rec.Code != 200 || !strings.Contains(rec.Body.String(), `"baseURI":"lp.test:9"`) {
		t.Errorf("served by another listener: %d %s", rec.Code, rec.Body.String())
	}
	srv.Close() // closing an unstarted server is fine
}

func TestMergeAndConditions(t *testing.T) {
	srv := lptest.NewServer()
	defer srv.Close()
	a := report(t, srv, "", "", identified, 201) // a cart of 12.5
	report(t, srv, a.VisitorID, a.SessionID, `{"engagementAttributes":[{"type":"cart","total":2,"numItems":2},{"type":"prodView","currency":"EUR"},{"type":"prodView","currency":"USD"}]}`, 200)
	v, _ := srv.Visitor(a.VisitorID)
	got := v.Attributes()
	if len(got) != 3 || got[0].Type() != "cart" || got[0]["total"] != 2.0 || got[1]["currency"] != "EUR" || got[2]["currency"] != "USD" {
		t.Errorf("merged %v", got)
	}
	if s := (lptest.Engagement{CampaignID: 1, EngagementID: 2, Name: "x", Sections: []string{"a", "b"}, EntryPoint: "https://e/",
		SDEs: []lptest.Condition{{Type: "cart", Field: "total", Op: lptest.Above, Value: 5}, {Type: "lead", Field: "lead", Op: lptest.Present}}}).String(); s !=
		`1/2 "x": section a or b, entry point https://e/*, cart total > 5, lead lead exists` {
		t.Errorf("String() = %s", s)
	}
	engagement := func(e lptest.Engagement) func() {
		return func() { lptest.NewUnstartedServer(lptest.WithEngagement(e)) }
	}
	for name, f := range map[string]func(){
		"no ids":       engagement(lptest.Engagement{Name: "x"}),
		"unknown type": engagement(lptest.Engagement{CampaignID: 1, EngagementID: 1, SDEs: []lptest.Condition{{Type: "basket", Field: "x"}}}),
		"no field":     engagement(lptest.Engagement{CampaignID: 1, EngagementID: 1, SDEs: []lptest.Condition{{Type: "cart"}}}),
		"above string": engagement(lptest.Engagement{CampaignID: 1, EngagementID: 1, SDEs: []lptest.Condition{{Type: "cart", Field: "total", Op: lptest.Above, Value: "5"}}}),
		"unknown op":   engagement(lptest.Engagement{CampaignID: 1, EngagementID: 1, SDEs: []lptest.Condition{{Type: "cart", Field: "total", Op: "~"}}}),
		"bad account":  func() { lptest.NewUnstartedServer(lptest.WithAccount("a/b")) },
		"bad app":      func() { lptest.NewUnstartedServer(lptest.WithAccount("1", "a b")) },
		"no client id": func() { lptest.NewUnstartedServer(lptest.WithClient("", "x")) },
	} {
		t.Run(name, func(t *testing.T) {
			defer func() {
				if recover() == nil {
					t.Error("no panic")
				}
			}()
			f()
		})
	}
}
