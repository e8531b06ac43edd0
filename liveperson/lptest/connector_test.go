package lptest_test

import (
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/lpedge/lpedge/liveperson"
	"github.com/lpedge/lpedge/liveperson/connector"
	"github.com/lpedge/lpedge/liveperson/lptest"
)

// TestConnectorHappyPath drives Domain API, Sentinel, IDP, Monitoring and
// the Connector as the proxy does: engagement, then a conversation with
// the engagement's ids, messages, close.
func TestConnectorHappyPath(t *testing.T) {
	srv := lptest.NewServer(lptest.WithEngagement(lptest.DemoEngagements()...))
	defer srv.Close()
	eng := engagement(t, srv, "", "", `{"entryPoints":["sec://shoes"],"engagementAttributes":[{"type":"prodView","products":[{"product":{"name":"Boot","sku":"b1","price":89}}]}]}`, 201)
	d := eng.Engagements[0]
	appJWT, jws := tokens(t, srv, "consumer-1")

	sdes, err := liveperson.DecodeSDEs([]byte(`[{"type":"ctmrinfo","info":{"ctype":"vip","customerId":"c-1"}},{"type":"personal","personal":{"firstname":"Ann"}},{"type":"cart","total":1,"numItems":1}]`))
	if err != nil {
		t.Fatal(err)
	}
	conv, dropped := connector.NewConversation(lptest.DefaultAccount, sdes)
	if len(dropped) != 2 {
		t.Fatalf("dropped %v", dropped)
	}
	conv.CampaignID, conv.EngagementID = "1003", "2003"
	conv.Context = &connector.Context{VisitorID: eng.VisitorID, SessionID: eng.SessionID, InteractionContextID: d.ContextID, Lang: "en-US"}
	body, err := conv.AppendJSON(nil)
	if err != nil {
		t.Fatal(err)
	}
	props, _ := (&connector.ClientProperties{AppID: "lpedge", Integration: "BRAND_SDK", Features: []string{"MULTI_DIALOG"}}).Header()
	headers := []string{jsonCT, "Authorization: " + appJWT, "X-LP-ON-BEHALF: " + jws, "Client-Properties: " + props}
	res, b := do(t, "POST", connURL(srv, false), string(body), headers...)
	id, err := connector.ReadConversation(b, conv.RequestID)
	if res.StatusCode != 200 || err != nil {
		t.Fatalf("CONVERSATION: %d %s %v", res.StatusCode, b, err)
	}
	items, _ := connector.DecodeResponses(b)
	if len(items) != 2 || items[0].Code != "OK" || items[0].ReqID != "1" || items[0].Msg() == "" {
		t.Errorf("answer items %+v", items)
	}

	for i, text := range []string{"Hi", "Do you have size 42?"} {
		msg, _ := (&connector.Message{ID: "m" + text[:1], DialogID: id, Text: text}).AppendJSON(nil)
		res, b = do(t, "POST", connURL(srv, true), string(msg), headers...)
		r, err := connector.DecodeResponse(b)
		seq, ok := r.Sequence()
		if res.StatusCode != 200 || err != nil || r.Err() != nil || !ok || seq != int64(i) || r.ReqID != "m"+text[:1] {
			t.Fatalf("SEND %q: %d %s %v", text, res.StatusCode, b, err)
		}
	}
	// The engagement method now reports the open conversation.
	a := engagement(t, srv, eng.VisitorID, eng.SessionID, `{}`, 200)
	if len(a.Engagements) != 1 || a.Engagements[0].ConversationID != id || a.Engagements[0].Status != "conversation" ||
		a.Engagements[0].CampaignID != 1003 || a.Engagements[0].ContextID != d.ContextID {
		t.Errorf("engagement during the conversation: %+v", a.Engagements)
	}

	c, ok := srv.Conversation(id)
	if !ok || c.State != lptest.StateOpen || c.ConsumerID != "consumer-1" || c.App != lptest.DefaultClientID ||
		c.CampaignID != "1003" || c.Context.VisitorID != eng.VisitorID || len(c.SDEs) != 2 || len(c.Messages) != 2 ||
		c.Messages[1].Text != "Do you have size 42?" || c.ClientProperties.AppID != "lpedge" {
		t.Errorf("conversation %+v", c)
	}
	if _, has := c.SDEs[0]["info"].(map[string]any)["customerId"]; has {
		t.Error("customerId reached lp_sdes")
	}

	closeBody, _ := (&connector.Close{ConversationID: id}).AppendJSON(nil)
	res, b = do(t, "POST", connURL(srv, true), string(closeBody), headers[:3]...) // Client-Properties is optional
	if r, err := connector.DecodeResponse(b); res.StatusCode != 200 || err != nil || r.Err() != nil {
		t.Fatalf("close: %d %s %v", res.StatusCode, b, err)
	}
	if c, _ = srv.Conversation(id); c.State != lptest.StateClosed || c.Closed.IsZero() {
		t.Errorf("after close: %+v", c)
	}
	if a = engagement(t, srv, eng.VisitorID, eng.SessionID, `{}`, 200); a.Engagements[0].Status != "expose" {
		t.Errorf("engagement after close: %+v", a.Engagements)
	}
	// Closed: the consumer may open another.
	res, b = do(t, "POST", connURL(srv, false), string(body), headers...)
	if id2, err := connector.ReadConversation(b, conv.RequestID); res.StatusCode != 200 || err != nil || id2 == id {
		t.Errorf("second conversation: %d %s %v", res.StatusCode, b, err)
	}
}

func TestConnectorAuth(t *testing.T) {
	clock := newFakeClock()
	srv := lptest.NewServer(lptest.WithClock(clock.Now))
	defer srv.Close()
	body := conversationBody(t, nil)
	jws := srv.ConsumerJWS(lptest.DefaultAccount, "c")
	for _, send := range []bool{false, true} {
		for _, tt := range authCases(t, srv, clock) {
			t.Run(tt.name, func(t *testing.T) {
				h := []string{jsonCT, "X-LP-ON-BEHALF: " + jws}
				if tt.auth != "" {
					h = append(h, "Authorization: "+tt.auth)
				}
				res, b := do(t, "POST", connURL(srv, send), body, h...)
				checkAuthError(t, res.StatusCode, b, tt.code)
			})
		}
	}
	app := srv.AppJWT(lptest.DefaultAccount, lptest.DefaultClientID)
	tests := []struct {
		name, onBehalf string
		code           int
	}{
		{"no ConsumerJWS", "", connector.ErrorMissingConsumerJWS},
		{"garbage ConsumerJWS", "x.y.z", connector.ErrorInvalidConsumerJWS},
		{"ConsumerJWS of another account", srv.ConsumerJWS("87654321", "c"), connector.ErrorInvalidConsumerJWS},
		{"AppJWT as ConsumerJWS", app, connector.ErrorInvalidConsumerJWS},
		{"unsecured ConsumerJWS", connector.ConsumerClaims{AccountID: lptest.DefaultAccount, ExtConsumerID: "c",
			LPConsumerID: lptest.LPConsumerID(lptest.DefaultAccount, "c")}.Unsecured(), connector.ErrorInvalidConsumerJWS},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			h := []string{jsonCT, "Authorization: " + app}
			if tt.onBehalf != "" {
				h = append(h, "X-LP-ON-BEHALF: "+tt.onBehalf)
			}
			res, b := do(t, "POST", connURL(srv, false), body, h...)
			checkAuthError(t, res.StatusCode, b, tt.code)
		})
	}
	// The AppJWT expires after an hour; the ConsumerJWS does not.
	clock.Add(59 * time.Minute)
	if res, b := do(t, "POST", connURL(srv, false), body, jsonCT, "Authorization: "+app, "X-LP-ON-BEHALF: "+jws); res.StatusCode != 200 {
		t.Fatalf("59 minutes on: %d %s", res.StatusCode, b)
	}
	clock.Add(2 * time.Minute)
	res, b := do(t, "POST", connURL(srv, true), `{}`, jsonCT, "Authorization: "+app, "X-LP-ON-BEHALF: "+jws)
	checkAuthError(t, res.StatusCode, b, connector.ErrorInvalidAppJWT)
}

// TestConnectorRefusals covers every 400 of CONVERSATION and SEND.
func TestConnectorRefusals(t *testing.T) {
	srv := lptest.NewServer(lptest.WithEngagement(lptest.DemoEngagements()...))
	defer srv.Close()
	mine, app, jws := open(t, srv, "me")
	theirs, _, _ := open(t, srv, "them")
	closed, app2, jws2 := open(t, srv, "closer")
	closeBody, _ := (&connector.Close{ConversationID: closed}).AppendJSON(nil)
	if res, b := do(t, "POST", connURL(srv, true), string(closeBody), jsonCT, "Authorization: "+app2, "X-LP-ON-BEHALF: "+jws2); res.StatusCode != 200 {
		t.Fatalf("close: %d %s", res.StatusCode, b)
	}
	newConsumer := srv.ConsumerJWS(lptest.DefaultAccount, "new")
	msg := func(dialog, text string) string {
		b, err := (&connector.Message{ID: "7", DialogID: dialog, Text: text}).AppendJSON(nil)
		if err != nil {
			t.Fatal(err)
		}
		return string(b)
	}
	sdes := func(js string) func(*connector.Conversation) {
		return func(c *connector.Conversation) {
			s, err := liveperson.DecodeSDEs([]byte(js))
			if err != nil {
				t.Fatal(err)
			}
			c.SDEs = s
		}
	}
	// conversationBody validates; these bodies are built by hand to be wrong.
	valid := conversationBody(t, nil)
	tests := []struct {
		name     string
		send     bool
		url      string // "" is the route's URL with v=3
		jws      string // "" is newConsumer's
		header   []string
		body     string
		reqID    string // the refused item's reqId
		message  string // the item's msg contains it
		openConv bool   // the refusal is the open-conversation one
	}{
		{name: "v=2", url: srv.URL + connector.ConversationPath(lptest.DefaultAccount) + "?v=2", body: valid, message: "v must be 3"},
		{name: "no content type", header: []string{"Content-Type: text/plain"}, body: valid, message: "application/json"},
		{name: "Client-Properties not JSON", header: []string{"Client-Properties: {"}, body: valid, message: "Client-Properties"},
		{name: "Client-Properties bad os", header: []string{`Client-Properties: {"type":".ClientProperties","os":"MAC_OSX"}`}, body: valid, message: "$.os"},
		{name: "Client-Properties without type", header: []string{`Client-Properties: {"appId":"x"}`}, body: valid, message: "$.type"},
		{name: "Client-Properties twice", header: []string{`Client-Properties: {"type":".ClientProperties"}`, `Client-Properties: {"type":".ClientProperties"}`}, body: valid, message: "2 times"},
		{name: "not an array", body: `{}`, message: "want an array of 2"},
		{name: "wrong order", body: `[{"kind":"req","id":"a","type":"cm.ConsumerRequestConversation","body":{"brandId":"12345678"}},{"kind":"req","id":"b","type":"userprofile.SetUserProfile","body":{}}]`,
			reqID: "a", message: "$[0].type"},
		{name: "one request", body: `[{"kind":"req","id":"1","type":"userprofile.SetUserProfile","body":{}}]`, message: "want an array of 2"},
		{name: "same ids", body: `[{"kind":"req","id":"1","type":"userprofile.SetUserProfile","body":{}},{"kind":"req","id":"1","type":"cm.ConsumerRequestConversation","body":{"brandId":"12345678"}}]`,
			reqID: "1", message: "ids must differ"},
		{name: "kind resp", body: `[{"kind":"resp","id":"1","type":"userprofile.SetUserProfile","body":{}},{"kind":"req","id":"2","type":"cm.ConsumerRequestConversation","body":{"brandId":"12345678"}}]`,
			reqID: "1", message: "$[0].kind"},
		{name: "brand of another account", body: strings.Replace(valid, `"brandId":"12345678"`, `"brandId":"999"`, 1), reqID: "2", message: "brandId"},
		{name: "skillId beside body", body: strings.Replace(valid, `"kind":"req","id":"2"`, `"kind":"req","skillId":"-1","id":"2"`, 1), reqID: "2", message: "skillId"},
		{name: "cart in lp_sdes", body: strings.Replace(conversationBody(t, sdes(`[{"type":"personal","personal":{"firstname":"A"}}]`)),
			`{"type":"personal","personal":{"firstname":"A"}}`, `{"type":"cart","total":1,"numItems":1}`, 1), reqID: "1", message: "only ctmrinfo and personal"},
		{name: "customerId in lp_sdes", body: strings.Replace(conversationBody(t, sdes(`[{"type":"ctmrinfo","info":{"ctype":"vip"}}]`)),
			`"ctype":"vip"`, `"ctype":"vip","customerId":"c-1"`, 1), reqID: "1", message: "customerId"},
		{name: "storeZipCode in lp_sdes", body: strings.Replace(conversationBody(t, sdes(`[{"type":"ctmrinfo","info":{"ctype":"vip"}}]`)),
			`"ctype":"vip"`, `"ctype":"vip","storeZipCode":"12345"`, 1), reqID: "1", message: "storeZipCode"},
		{name: "invalid SDE in lp_sdes", body: strings.Replace(conversationBody(t, sdes(`[{"type":"personal","personal":{"firstname":"A"}}]`)),
			`"firstname":"A"`, `"firstname":1`, 1), reqID: "1", message: "firstname"},
		{name: "over 5000 characters", body: strings.Replace(conversationBody(t, sdes(`[{"type":"personal","personal":{"firstname":"A"}}]`)),
			`"firstname":"A"`, `"firstname":"`+strings.Repeat("é", 5000)+`"`, 1), message: "5000"},
		{name: "unknown campaign", body: conversationBody(t, func(c *connector.Conversation) { c.CampaignID, c.EngagementID = "1", "2" }),
			reqID: "2", message: "campaign 1 engagement 2"},
		{name: "already open", jws: jws, body: valid, reqID: "2", openConv: true},

		{name: "SEND v=1", send: true, url: srv.URL + connector.SendPath(lptest.DefaultAccount) + "?v=1", jws: jws, body: msg(mine, "x"), message: "v must be 3"},
		{name: "SEND into another's conversation", send: true, jws: jws, body: msg(theirs, "x"), reqID: "7", message: "not the consumer's"},
		{name: "SEND into an unknown conversation", send: true, jws: jws, body: msg("nope", "x"), reqID: "7", message: "does not exist"},
		{name: "SEND into a closed conversation", send: true, jws: jws2, body: msg(closed, "x"), reqID: "7", message: "is closed"},
		{name: "SEND with mismatched conversationId", send: true, jws: jws,
			body: strings.Replace(msg(mine, "x"), `"dialogId"`, `"conversationId":"`+theirs+`","dialogId"`, 1), reqID: "7", message: "is not the dialogId"},
		{name: "SEND an empty message", send: true, jws: jws, body: `{"kind":"req","id":"7","type":"ms.PublishEvent","body":{"dialogId":"` + mine + `","event":{"type":"ContentEvent","contentType":"text/plain","message":""}}}`,
			reqID: "7", message: "message"},
		{name: "SEND a chat state into another's conversation", send: true, jws: jws, body: `{"kind":"req","id":"7","type":"ms.PublishEvent","body":{"dialogId":"` + theirs + `","event":{"type":"ChatStateEvent","chatState":"COMPOSING"}}}`,
			reqID: "7", message: "not the consumer's"},
		{name: "SEND a receipt into a closed conversation", send: true, jws: jws2, body: `{"kind":"req","id":"7","type":"ms.PublishEvent","body":{"dialogId":"` + closed + `","event":{"type":"AcceptStatusEvent","status":"READ","sequenceList":[0]}}}`,
			reqID: "7", message: "is closed"},
		{name: "SEND a receipt for a sequence not given", send: true, jws: jws, body: `{"kind":"req","id":"7","type":"ms.PublishEvent","body":{"dialogId":"` + mine + `","event":{"type":"AcceptStatusEvent","status":"READ","sequenceList":[0]}}}`,
			reqID: "7", message: "no event 0"},
		{name: "SEND over 5000 characters", send: true, jws: jws, body: strings.Replace(msg(mine, "x"), `"message":"x"`, `"message":"`+strings.Repeat("x", 5000)+`"`, 1), message: "5000"},
		{name: "SEND a batch", send: true, jws: jws, body: "[" + msg(mine, "x") + "]", message: "want an object"},
		{name: "close with another state", send: true, jws: jws,
			body:  `{"kind":"req","id":"7","type":"cm.UpdateConversationField","body":{"conversationId":"` + mine + `","conversationField":{"field":"ConversationStateField","conversationState":"OPEN"}}}`,
			reqID: "7", message: "conversationState"},
		{name: "close another's conversation", send: true, jws: jws,
			body:  `{"kind":"req","id":"7","type":"cm.UpdateConversationField","body":{"conversationId":"` + theirs + `","conversationField":{"field":"ConversationStateField","conversationState":"CLOSE"}}}`,
			reqID: "7", message: "not the consumer's"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			u := tt.url
			if u == "" {
				u = connURL(srv, tt.send)
			}
			onBehalf := tt.jws
			if onBehalf == "" {
				onBehalf = newConsumer
			}
			h := append([]string{"Authorization: " + app, "X-LP-ON-BEHALF: " + onBehalf}, tt.header...)
			if len(tt.header) == 0 || !strings.HasPrefix(tt.header[0], "Content-Type") {
				h = append(h, jsonCT)
			}
			res, b := do(t, "POST", u, tt.body, h...)
			if res.StatusCode != 400 {
				t.Fatalf("status %d %s, want 400", res.StatusCode, b)
			}
			var items []connector.Response
			var err error
			if tt.send {
				var r connector.Response
				r, err = connector.DecodeResponse(b)
				items = []connector.Response{r}
			} else {
				items, err = connector.DecodeResponses(b)
			}
			if err != nil {
				t.Fatalf("answer %s: %v", b, err)
			}
			bad := items[len(items)-1]
			if bad.Code != connector.CodeBadRequest || bad.ReqID != tt.reqID || !strings.Contains(bad.Msg(), tt.message) {
				t.Errorf("refusal %+v (msg %q); want BAD_REQUEST for %q with %q", bad, bad.Msg(), tt.reqID, tt.message)
			}
			if tt.openConv {
				if _, err := connector.ReadConversation(b, tt.reqID); !errors.Is(err, connector.ErrOpenConversation) {
					t.Errorf("not the open-conversation refusal: %v", err)
				}
			}
		})
	}
	if res, b := do(t, "GET", connURL(srv, false), "", "Authorization: "+app, "X-LP-ON-BEHALF: "+jws); res.StatusCode != 405 {
		t.Errorf("GET: %d %s", res.StatusCode, b)
	}
	if n := len(srv.Conversations()); n != 3 {
		t.Errorf("%d conversations after refusals, want 3", n)
	}
	c, _ := srv.Conversation(mine)
	if len(c.Messages) != 0 || len(c.Events) != 0 || c.State != lptest.StateOpen {
		t.Errorf("refused SENDs changed %+v", c)
	}
}
