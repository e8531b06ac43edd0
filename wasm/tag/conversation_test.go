package tag

import (
	"strings"
	"testing"

	"github.com/lpedge/lpedge/internal/jsonv"
	"github.com/lpedge/lpedge/liveperson/monitoring"
)

const engaged = `{"visitorId":"V1","sessionId":"S1","pageId":"P","engagementDetails":[{"campaignId":11,"engagementId":22,"engagementRevision":3,"contextId":"7","connectorId":4,"status":"expose"}]}`

// promise calls a Promise method and returns what it settled with.
func (h *harness) promise(method, args string) func() (string, error) {
	var res []byte
	var err error
	settled := false
	h.Call(method, []byte(args), func(r []byte, e error) { res, err, settled = r, e, true })
	return func() (string, error) {
		if !settled {
			return "<pending>", nil
		}
		return string(res), err
	}
}

func TestEngagement(t *testing.T) {
	for _, cfg := range []Config{direct, viaProxy} {
		h := newHarness(t, cfg)
		p := h.promise("engagement", `[{"sections":["checkout"],"sdes":[{"type":"cart","total":5,"numItems":1}]}]`)
		r := h.tr.answer(t, 201, engaged)
		res, err := p()
		if err != nil || !strings.Contains(res, `"campaignId":11`) || !strings.Contains(res, `"contextId":"7"`) || !strings.Contains(res, `"engagementId":22`) {
			t.Errorf("%s: engagement resolved %s, %v", r.URL, res, err)
		}
		if cfg.Direct() && (!strings.Contains(r.URL, "/engagement?v=1.1") || header(r, "X-HTTP-Method-Override") != "") {
			t.Errorf("engagement request %s %v", r.URL, r.Header)
		}
		if !cfg.Direct() && r.URL != "https://edge.example/v1/engagement?"+claim {
			t.Errorf("engagement through the proxy: %s", r.URL)
		}
		b := body(t, r)
		if eps := b["entryPoints"].([]any); len(eps) != 2 || eps[1] != "sec://checkout" || len(attrs(t, r)) != 1 {
			t.Errorf("engagement body %s", r.Body)
		}
		p = h.promise("engagement", `[]`)
		h.tr.answer(t, 200, answer1)
		if res, err := p(); res != "null" || err != nil {
			t.Errorf("no engagement: %s, %v; want null", res, err)
		}
		p = h.promise("engagement", `[]`)
		h.tr.answer(t, 404, `{"time":1,"message":"no app","internalCode":18}`)
		if _, err := p(); err == nil {
			t.Errorf("a 404 resolved")
		}
	}
}

func TestConversation(t *testing.T) {
	h := newHarness(t, viaProxy)
	start := h.promise("conversation.start", `[{"message":"Hi","lang":"en-US","sdes":[{"type":"ctmrinfo","info":{"customerId":"c","ctype":"vip"}},{"type":"cart","total":1,"numItems":1}]}]`)
	h.tr.answer(t, 200, engaged) // the engagement it asks for first
	create := h.tr.answer(t, 201, `{"conversationId":"conv-1","token":"t1"}`)
	if create.URL != "https://edge.example/v1/conversations?"+claim || header(create, "Idempotency-Key") == "" {
		t.Fatalf("create %s %v", create.URL, create.Header)
	}
	b := body(t, create)
	for k, want := range map[string]any{"visitorId": "V1", "sessionId": "S1", "campaignId": 11.0, "engagementId": 22.0, "contextId": "7", "lang": "en-US", "timeZone": "America/New_York"} {
		if b[k] != want {
			t.Errorf("create body %s = %v, want %v", k, b[k], want)
		}
	}
	if c, _ := b["consumerId"].(string); len(c) != 32 || h.local[h.key("consumer")] != c {
		t.Errorf("consumerId %q, want 32 hex digits, stored (%v)", c, h.local)
	}
	if sdes := b["sdes"].([]any); len(sdes) != 1 || strings.Contains(create.Body, "customerId") {
		t.Errorf("create sdes %v, want ctmrinfo only, without customerId", sdes)
	}
	if len(h.console.warns) != 1 || !strings.Contains(h.console.warns[0], "cart") {
		t.Errorf("warnings %q, want one naming what was left out", h.console.warns)
	}
	msg := h.tr.answer(t, 200, `{}`)
	if msg.URL != "https://edge.example/v1/conversations/conv-1/messages?"+claim || body(t, msg)["text"] != "Hi" || body(t, msg)["consumerId"] != b["consumerId"] {
		t.Errorf("first message %s %s", msg.URL, msg.Body)
	}
	if res, err := start(); res != `{"conversationId":"conv-1"}` || err != nil {
		t.Errorf("start resolved %s, %v", res, err)
	}
	if c := h.stream.live(); c == nil || c.url != "https://edge.example/v1/conversations/conv-1/events?after=0&"+claim || c.token != "t1" ||
		h.session[h.key("conversation")] != "conv-1 t1 0 0" {
		t.Fatalf("after start: stream %+v, stored %q", c, h.session[h.key("conversation")])
	}
	h.stream.live().send(`{"seq":1,"type":"message","role":"ASSIGNED_AGENT","sequence":1,"text":"hello"}`)
	if len(h.emit.got) != 1 || !strings.HasPrefix(h.emit.got[0], `message {"seq":1`) {
		t.Errorf("the page got %q", h.emit.got)
	}
	// A reload finds the conversation and its history again.
	h.reload()
	if c := h.stream.live(); c == nil || c.url != "https://edge.example/v1/conversations/conv-1/events?after=0&"+claim {
		t.Fatalf("after a reload: stream %+v", c)
	}
	h.call("conversation.typing", `[true]`)
	if r := h.tr.answer(t, 200, `{}`); r.URL != "https://edge.example/v1/conversations/conv-1/typing?"+claim || r.Body != `{"consumerId":"`+b["consumerId"].(string)+`","typing":true}` {
		t.Errorf("typing %s %s", r.URL, r.Body)
	}
	h.call("conversation.typing", `["yes"]`)
	if len(h.console.errors) != 1 || !strings.Contains(h.console.errors[0], "conversation.typing: want true or false") {
		t.Errorf("typing(\"yes\"): %q", h.console.errors)
	}
	send := h.promise("conversation.send", `["more"]`)
	h.tr.answer(t, 200, `{}`)
	if _, err := send(); err != nil {
		t.Errorf("send: %v", err)
	}
	if r := h.tr.answer(t, 200, `{}`); !strings.HasSuffix(r.URL, "/typing?"+claim) || !strings.Contains(r.Body, `"typing":false`) {
		t.Errorf("after a message sent while typing: %s %s, want typing false", r.URL, r.Body)
	}
	closed := h.promise("conversation.close", `[]`)
	if r := h.tr.answer(t, 200, `{}`); r.URL != "https://edge.example/v1/conversations/conv-1/close?"+claim {
		t.Errorf("close %s", r.URL)
	}
	if _, err := closed(); err != nil || h.session[h.key("conversation")] != "" {
		t.Errorf("close: %v, stored %v", err, h.session)
	}
	if _, err := h.promise("conversation.send", `["again"]`)(); err == nil || !strings.Contains(err.Error(), "no conversation is open") {
		t.Errorf("send after close: %v", err)
	}
}

func TestConnectorClick(t *testing.T) {
	h := newHarness(t, viaProxy)
	p := h.promise("connectorClick", `[{"svid":"SV","ssid":"SS","scid":"9","cid":"123","eid":456}]`)
	r := h.tr.answer(t, 201, `{"conversationId":"c2","token":"t2"}`)
	b := body(t, r)
	if b["visitorId"] != "SV" || b["sessionId"] != "SS" || b["contextId"] != "9" || b["campaignId"] != 123.0 || b["engagementId"] != 456.0 {
		t.Errorf("connectorClick create body %s", r.Body)
	}
	if res, err := p(); res != `{"conversationId":"c2"}` || err != nil {
		t.Errorf("connectorClick resolved %s, %v", res, err)
	}
	if _, err := h.promise("connectorClick", `[{"svid":"SV"}]`)(); err == nil || !strings.Contains(err.Error(), "cid: is required") {
		t.Errorf("method object without cid: %v", err)
	}
}

func TestConversationErrors(t *testing.T) {
	h := newHarness(t, direct)
	if _, err := h.promise("conversation.start", `[]`)(); err == nil || !strings.Contains(err.Error(), "data-proxy") {
		t.Errorf("start without a proxy: %v", err)
	}
	h = newHarness(t, viaProxy)
	p := h.promise("conversation.start", `[]`)
	h.tr.answer(t, 200, answer1)
	if _, err := p(); err == nil || !strings.Contains(err.Error(), "no engagement") {
		t.Errorf("start without an engagement: %v", err)
	}
	p = h.promise("conversation.start", `[]`)
	h.tr.answer(t, 200, engaged)
	h.tr.answer(t, 409, `{"error":{"code":"conversation_open","message":"the consumer has an open conversation"}}`)
	if _, err := p(); err == nil || !strings.Contains(err.Error(), "conversation_open") {
		t.Errorf("a 409: %v", err)
	}
	long := strings.Repeat("x", MaxText+1)
	if _, err := h.promise("conversation.start", `[{"message":"`+long+`"}]`)(); err == nil || !strings.Contains(err.Error(), "longer than 5000") {
		t.Errorf("a long message: %v", err)
	}
	required := viaProxy
	required.ConsentRequired = true
	h = newHarness(t, required)
	if _, err := h.promise("engagement", `[]`)(); err == nil || !strings.Contains(err.Error(), "consent") {
		t.Errorf("engagement before consent: %v", err)
	}
}

// An engagement asked for while the first Monitoring call of a visitor
// without ids is in flight waits for that call's ids: sent at once, it
// would open a second session, and a conversation from it would carry
// neither the visitor's attributes nor its session.
func TestEngagementWaitsForIDs(t *testing.T) {
	for _, tc := range []struct {
		name  string
		setup func(h *harness)
		first string // the request in flight when engagement is called
	}{
		{"identified: the first report", func(h *harness) { h.call("identify", `["c-42"]`); h.call("track", viewed) }, "/report?"},
		{"anonymous: the session's engagement", func(h *harness) { h.call("track", viewed) }, "/engagement?"},
	} {
		h := newHarness(t, direct, fresh)
		tc.setup(h)
		h.clock.tick()
		p := h.promise("engagement", `[]`)
		if len(h.tr.reqs) != 1 {
			t.Fatalf("%s: %d requests in flight, want the first Monitoring call alone", tc.name, len(h.tr.reqs))
		}
		if r := h.tr.answer(t, 201, answer1); !strings.Contains(r.URL, tc.first) || query(t, r).Has("vid") {
			t.Fatalf("%s: first request %s", tc.name, r.URL)
		}
		var eng *Request
		for len(h.tr.reqs) > 0 {
			r := h.tr.answer(t, 200, engaged)
			if strings.Contains(r.URL, "/engagement?") {
				eng = &r
			}
		}
		if eng == nil || query(t, *eng).Get("vid") != "V1" || query(t, *eng).Get("sid") != "S1" {
			t.Fatalf("%s: engagement request %+v, want it with the first answer's vid V1 and sid S1", tc.name, eng)
		}
		if res, err := p(); err != nil || !strings.Contains(res, `"campaignId":11`) {
			t.Errorf("%s: engagement resolved %s, %v", tc.name, res, err)
		}
	}
}

// appendDetail writes what jsonv.Append writes for the same members.
func TestAppendDetail(t *testing.T) {
	for _, d := range []*monitoring.EngagementDetail{
		{CampaignID: 11, EngagementID: 22, EngagementRevision: 3, ContextID: "7", ConnectorID: "4", Status: "expose"},
		{CampaignID: 1, EngagementID: 2, ConversationID: "c\"1", WindowID: "w", Language: "en-US"},
		{},
	} {
		m := map[string]any{"campaignId": float64(d.CampaignID), "engagementId": float64(d.EngagementID),
			"engagementRevision": float64(d.EngagementRevision), "contextId": d.ContextID}
		for k, v := range map[string]string{"connectorId": d.ConnectorID, "conversationId": d.ConversationID,
			"windowId": d.WindowID, "language": d.Language, "status": d.Status} {
			if v != "" {
				m[k] = v
			}
		}
		if got, want := string(appendDetail(nil, d)), string(jsonv.Append(nil, m)); got != want {
			t.Errorf("appendDetail = %s, want %s", got, want)
		}
	}
	if got := string(appendDetail(nil, nil)); got != "null" {
		t.Errorf("appendDetail(nil) = %s", got)
	}
}

// Typing with no conversation open sends nothing and, in debug mode,
// says so: nothing is dropped in silence.
func TestTypingWithoutConversation(t *testing.T) {
	h := newHarness(t, viaProxy)
	h.call("debug", `[true]`)
	before := len(h.tr.all)
	h.call("conversation.typing", `[true]`)
	if len(h.tr.all) != before {
		t.Errorf("typing without a conversation sent %d requests", len(h.tr.all)-before)
	}
	said := false
	for _, l := range h.console.logs {
		said = said || strings.Contains(l, "conversation.typing: no conversation is open")
	}
	if !said || len(h.console.errors) != 0 {
		t.Errorf("console logs %q, errors %q; want the debug note", h.console.logs, h.console.errors)
	}
}
