//go:build !js

package e2e

import (
	"net/http/httptest"
	"os"
	"strings"
	"testing"

	"github.com/lpedge/lpedge/liveperson/lptest"
	"github.com/lpedge/lpedge/proxy"
)

// newProxy is the edge proxy in front of lp, serving the built tag.
func newProxy(t *testing.T, lp *lptest.Server) *httptest.Server {
	t.Helper()
	h, err := proxy.New(proxy.Config{
		Account: lptest.DefaultAccount, AppInstallationID: lptest.DefaultApp,
		ClientID: lptest.DefaultClientID, ClientSecret: lptest.DefaultClientSecret,
		DomainAPI: lp.URL, TestDomain: "127.0.0.1", AllowedOrigins: []string{"*"},
		RateLimit: -1, Assets: os.DirFS(assets),
	})
	if err != nil {
		t.Fatal(err)
	}
	srv := httptest.NewServer(h)
	t.Cleanup(srv.Close)
	return srv
}

// A page that names only the proxy: the tag comes from the proxy, reports
// go through /v1/report, and a conversation opens through /v1/conversations
// with the Monitoring session and engagement it came from.
func TestThroughProxy(t *testing.T) {
	lp := lptest.NewServer(lptest.WithEngagement(lptest.Engagement{CampaignID: 1001, EngagementID: 2001}))
	defer lp.Close()
	px := newProxy(t, lp)
	s := site(t, map[string]page{"shop": {Loader: px.URL + "/lpedge.js",
		Attrs:  map[string]string{"account": lptest.DefaultAccount, "proxy": px.URL, "debug": "true"},
		Script: `lpedge.identify("cust-9", {firstName: "Ann"}); lpedge.track("Product Viewed", {sku: "A1", name: "Boot"})`}})
	ctx, console := newBrowser(t)
	open(t, ctx, s.URL+"/shop")
	eventually(t, "the report through the proxy", func() bool { return len(received(lp)) == 3 })
	if r := reports(lp)[0]; r.Method != "PUT" || !strings.Contains(r.Query, "obh=true") {
		t.Errorf("the proxy's report %s ?%s, want PUT with obh=true", r.Method, r.Query)
	}
	res := eval[map[string]string](t, ctx, `lpedge.conversation.start({message: "Do these boots run small?", lang: "en-US",
		sdes: [{type: "personal", personal: {firstname: "Ann"}}]})`)
	convs := lp.Conversations()
	if len(convs) != 1 || res["conversationId"] != convs[0].ID {
		t.Fatalf("conversation.start resolved %v; lptest has %+v", res, convs)
	}
	c := convs[0]
	v := lp.Visitors()
	if c.CampaignID != "1001" || c.EngagementID != "2001" || c.Context == nil || len(v) != 1 || c.Context.VisitorID != v[0].ID ||
		c.Context.SessionID != v[0].Sessions[0].ID || c.Context.InteractionContextID == "" || len(c.SDEs) != 1 {
		t.Errorf("conversation %+v context %+v, want campaign 1001, engagement 2001, the visitor's session %+v, one SDE", c, c.Context, v)
	}
	tz := eval[string](t, ctx, `Intl.DateTimeFormat().resolvedOptions().timeZone`)
	if c.ClientProperties == nil || tz == "" || c.ClientProperties.TimeZone != tz || c.ClientProperties.Browser == "" {
		t.Errorf("Client-Properties %+v, want the browser's time zone %q and its browser", c.ClientProperties, tz)
	}
	if len(c.Messages) != 1 || c.Messages[0].Text != "Do these boots run small?" {
		t.Errorf("messages %+v, want the first message", c.Messages)
	}
	consumer := eval[string](t, ctx, `localStorage.getItem("lpedge:v1:`+lptest.DefaultAccount+`:consumer")`)
	if len(consumer) != 32 || c.ConsumerID != consumer {
		t.Errorf("ext_consumer_id %q, stored consumer id %q: want the same 128-bit id", c.ConsumerID, consumer)
	}
	eval[any](t, ctx, `lpedge.conversation.send("size 42?")`)
	eval[any](t, ctx, `lpedge.conversation.close()`)
	if c, _ := lp.Conversation(c.ID); len(c.Messages) != 2 || c.State != lptest.StateClosed {
		t.Errorf("after send and close: %d messages, state %s", len(c.Messages), c.State)
	}
	// connectorClick: LivePerson's method object names the context.
	vid, sid := v[0].ID, v[0].Sessions[0].ID
	res = eval[map[string]string](t, ctx, `lpedge.connectorClick({svid: "`+vid+`", ssid: "`+sid+`", scid: "`+c.Context.InteractionContextID+`", cid: 1001, eid: "2001"})`)
	if c2, ok := lp.Conversation(res["conversationId"]); !ok || c2.ID == c.ID || c2.Context.VisitorID != vid {
		t.Errorf("connectorClick resolved %v: %+v", res, c2)
	}
	if errs := console.Errors(); len(errs) > 0 {
		t.Errorf("console errors: %v", errs)
	}
}
