package proxytest

import (
	"strings"

	"github.com/lpedge/lpedge/liveperson/connector"
	"github.com/lpedge/lpedge/liveperson/lptest"
)

// The two-way routes: conversation tokens, LivePerson's webhooks and the
// events, typing and read routes. The webhooks here are signed by the
// cases themselves with lptest's client secret, so they run against any
// lptest; [CheckTwoWay] plays lptest's own deliveries.

// Webhook bodies as LivePerson sends them; {{conv}} is the conversation.
const (
	agentMessageHook = `{"kind":"notification","body":{"changes":[{"sequence":0,"originatorId":"agent-1",` +
		`"originatorMetadata":{"id":"agent-1","role":"ASSIGNED_AGENT"},"serverTimestamp":1700000000000,` +
		`"event":{"type":"ContentEvent","message":"Yes, size 42 is in stock 👟","contentType":"text/plain"},` +
		`"conversationId":"{{conv}}","dialogId":"{{conv}}","messageAudience":"ALL"}]},"type":"ms.MessagingEventNotification.ContentEvent"}`
	agentOnlyHook = `{"kind":"notification","body":{"changes":[{"sequence":1,"originatorId":"agent-1",` +
		`"originatorMetadata":{"id":"agent-1","role":"ASSIGNED_AGENT"},"serverTimestamp":1700000000100,` +
		`"event":{"type":"ContentEvent","message":"internal note","contentType":"text/plain"},` +
		`"conversationId":"{{conv}}","dialogId":"{{conv}}","messageAudience":"AGENTS_AND_MANAGERS"}]},"type":"ms.MessagingEventNotification.ContentEvent"}`
	agentTypingHook = `{"kind":"notification","body":{"changes":[{"originatorId":"agent-1",` +
		`"originatorMetadata":{"id":"agent-1","role":"ASSIGNED_AGENT"},"serverTimestamp":1700000000200,` +
		`"event":{"type":"ChatStateEvent","chatState":"COMPOSING"},` +
		`"conversationId":"{{conv}}","dialogId":"{{conv}}"}]},"type":"ms.MessagingEventNotification.ChatStateEvent"}`
	acceptedHook = `{"kind":"notification","body":{"changes":[{"type":"UPSERT","result":{"convId":"{{conv}}",` +
		`"conversationDetails":{"state":"OPEN","stage":"OPEN","startTs":1700000000000,"metaDataLastUpdateTs":1700000000050,` +
		`"participants":[{"id":"lp-consumer-{{run}}","role":"CONSUMER"},{"id":"agent-1","role":"ASSIGNED_AGENT"}]}}}]},` +
		`"type":"cqm.ExConversationChangeNotification"}`
	closedHook = `{"kind":"notification","body":{"changes":[{"type":"UPSERT","result":{"convId":"{{conv}}",` +
		`"conversationDetails":{"state":"CLOSE","stage":"CLOSE","closeReason":"AGENT","startTs":1700000000000,"metaDataLastUpdateTs":1700000000300,` +
		`"participants":[{"id":"lp-consumer-{{run}}","role":"CONSUMER"},{"id":"agent-1","role":"ASSIGNED_AGENT"}]}}}]},` +
		`"type":"cqm.ExConversationChangeNotification"}`
)

// signed signs a webhook as LivePerson does for lptest's account and
// client, with alg and secret.
func signed(alg, secret string) func([]byte) map[string]string {
	return func(body []byte) map[string]string {
		return map[string]string{
			connector.HeaderSignature: connector.Sign(alg, secret, body),
			connector.HeaderAccountID: lptest.DefaultAccount,
			connector.HeaderClientID:  lptest.DefaultClientID,
		}
	}
}

var signedByLP = signed(connector.SignatureSHA1, lptest.DefaultClientSecret)

// webhook is a step posting body to the webhook route, server to server.
func webhook(name, body string, sign func([]byte) map[string]string, header map[string]string, want Want) Step {
	h := map[string]string{"Origin": ""}
	for k, v := range header {
		h[k] = v
	}
	if want.Calls == nil {
		want.Calls = none
	}
	return Step{Name: name, Path: "/webhooks/liveperson", Body: body, Header: h, Sign: sign, Want: want}
}

// events reads the log as JSON with the Bearer token {{token}}.
func events(name, query, body string) Step {
	return Step{Name: name, Method: "GET", Path: "/v1/conversations/{{conv}}/events" + query,
		Header: map[string]string{"Authorization": "Bearer {{token}}", "Accept": "application/json"},
		Want:   Want{Status: 200, Body: body, Header: map[string]string{"Content-Type": "^application/json", "Cache-Control": "no-store"}, Calls: none}}
}

// capture makes s also capture name with pattern.
func capture(s Step, name, pattern string) Step {
	s.Want.Capture = map[string]string{name: pattern}
	return s
}

// createWithToken opens a conversation for consumer and captures its id
// and token as conv and token (or the names given).
func createWithToken(consumer, conv, token string) Step {
	s := create(consumer, Want{Body: `^\{"conversationId":"[^"]+","token":"` + tokenPattern + `"`})
	s.Want.Capture = map[string]string{conv: `"conversationId":"([^"]+)"`, token: `"token":"([^"]+)"`}
	return s
}

func twoWayCases() []Case {
	unauthorized := errorMatching("unauthorized")
	return []Case{
		{Name: "events: only the token of the create answer reads them", Steps: []Step{
			engage("e"),
			createWithToken("e2", "conv2", "token2"),
			{Name: "close for e2", Path: "/v1/conversations/{{conv2}}/close", Body: forConsumer(closeBody, "e2"),
				Want: Want{Status: 200, Calls: calls(lptest.RouteSend, 1)}},
			createWithToken("e", "conv", "token"),
			events("no events yet", "", `^\{"events":\[\],"last":0\}\n$`),
			{Name: "no token", Method: "GET", Path: "/v1/conversations/{{conv}}/events", Header: map[string]string{"Accept": "application/json"},
				Want: Want{Status: 401, Body: unauthorized, Header: map[string]string{"WWW-Authenticate": "^Bearer"}, Calls: none}},
			{Name: "forged token", Method: "GET", Path: "/v1/conversations/{{conv}}/events",
				Header: map[string]string{"Accept": "application/json", "Authorization": "Bearer {{token2}}x"},
				Want:   Want{Status: 401, Body: unauthorized, Calls: none}},
			{Name: "not a Bearer token", Method: "GET", Path: "/v1/conversations/{{conv}}/events",
				Header: map[string]string{"Accept": "application/json", "Authorization": "Basic {{token}}"},
				Want:   Want{Status: 401, Body: unauthorized, Calls: none}},
			{Name: "another conversation's token", Method: "GET", Path: "/v1/conversations/{{conv}}/events",
				Header: map[string]string{"Accept": "application/json", "Authorization": "Bearer {{token2}}"},
				Want:   Want{Status: 403, Body: errorMatching("forbidden"), Calls: none}},
			{Name: "bad conversation id", Method: "GET", Path: "/v1/conversations/a%20b/events",
				Header: map[string]string{"Accept": "application/json", "Authorization": "Bearer {{token}}"},
				Want:   Want{Status: 400, Body: errorMatching("bad_request"), Calls: none}},
			{Name: "bad after", Method: "GET", Path: "/v1/conversations/{{conv}}/events?after=-1",
				Header: map[string]string{"Accept": "application/json", "Authorization": "Bearer {{token}}"},
				Want:   Want{Status: 400, Body: `"message":"after: `, Calls: none}},
			{Name: "POST on events", Path: "/v1/conversations/{{conv}}/events", Body: `{}`,
				Want: Want{Status: 405, Header: map[string]string{"Allow": "GET"}, Calls: none}},
			{Name: "preflight of a GET with Authorization and Last-Event-ID", Method: "OPTIONS", Path: "/v1/conversations/{{conv}}/events",
				Header: map[string]string{"Access-Control-Request-Method": "GET", "Access-Control-Request-Headers": "authorization,last-event-id"},
				Want: Want{Status: 204, Calls: none, Header: map[string]string{
					"Access-Control-Allow-Origin":  "^" + Origin + "$",
					"Access-Control-Allow-Methods": "GET",
					"Access-Control-Allow-Headers": "(?i)authorization",
				}}},
			{Name: "events from another origin", Method: "GET", Path: "/v1/conversations/{{conv}}/events",
				Header: map[string]string{"Origin": Foreign, "Accept": "application/json", "Authorization": "Bearer {{token}}"},
				Want:   Want{Status: 403, Body: errorMatching("origin_not_allowed"), Calls: none}},
			{Name: "same key replays the same token", Path: "/v1/conversations", Body: forConsumer(createBody, "e3"),
				Header: map[string]string{"Idempotency-Key": "t-{{run}}"},
				Want:   Want{Status: 201, Capture: map[string]string{"conv3": `"conversationId":"([^"]+)"`, "token3": `"token":"([^"]+)"`}}},
			{Name: "replay", Path: "/v1/conversations", Body: forConsumer(createBody, "e3"),
				Header: map[string]string{"Idempotency-Key": "t-{{run}}"},
				Want:   Want{Status: 201, Body: `^\{"conversationId":"{{conv3}}","token":"{{token3}}"`, Calls: none}},
			closeConv("e"),
		}},
		{Name: "webhooks: signed, checked, deduplicated, logged for the page", Steps: []Step{
			engage("w"),
			createWithToken("w", "conv", "token"),
			webhook("no signature", agentMessageHook, nil, map[string]string{connector.HeaderAccountID: lptest.DefaultAccount, connector.HeaderClientID: lptest.DefaultClientID},
				Want{Status: 401, Body: unauthorized}),
			webhook("wrong secret", agentMessageHook, signed(connector.SignatureSHA1, "not-the-secret"), nil, Want{Status: 401, Body: unauthorized}),
			webhook("other account", agentMessageHook, signedByLP, map[string]string{connector.HeaderAccountID: "999"}, Want{Status: 401, Body: "Account-Id"}),
			webhook("other client", agentMessageHook, signedByLP, map[string]string{connector.HeaderClientID: "someone-else"}, Want{Status: 401, Body: "Client-Id"}),
			events("nothing stored", "", `^\{"events":\[\],"last":0\}`),
			webhook("not a notification (signed)", `{"kind":"other"}`, signedByLP, nil, Want{Status: 400, Body: errorMatching("bad_request")}),
			webhook("agent message", agentMessageHook, signedByLP, nil, Want{Status: 200, Body: `^\{"status":"ok"\}`}),
			webhook("the same again (a retry)", agentMessageHook, signedByLP, nil, Want{Status: 200}),
			webhook("sha256, from any Origin", agentOnlyHook, signed(connector.SignatureSHA256, lptest.DefaultClientSecret),
				map[string]string{"Origin": Foreign}, Want{Status: 200, Header: map[string]string{"Access-Control-Allow-Origin": "^$"}}),
			// Seqs are the log's (where a log starts depends on the engine:
			// the memory engine's grow across restarts), captured as they come.
			capture(events("the message once, emoji intact", "",
				`^\{"events":\[\{"seq":[0-9]+,"type":"message","sequence":0,"time":1700000000000,"role":"ASSIGNED_AGENT","text":"Yes, size 42 is in stock 👟"\}\],"last":[0-9]+\}`),
				"first", `"seq":([0-9]+)`),
			webhook("accepted", acceptedHook, signedByLP, nil, Want{Status: 200}),
			webhook("typing", agentTypingHook, signedByLP, nil, Want{Status: 200}),
			capture(events("after the first", "?after={{first}}", `^\{"events":\[\{"seq":[0-9]+,"type":"state","state":"open","time":1700000000050\},`+
				`\{"seq":[0-9]+,"type":"state","state":"accepted","time":1700000000050\},`+
				`\{"seq":[0-9]+,"type":"typing","time":1700000000200,"role":"ASSIGNED_AGENT","typing":true\}\],"last":[0-9]+\}`),
				"accepted", `"seq":([0-9]+),"type":"state","state":"accepted"`),
			{Name: "GET on the webhook route", Method: "GET", Path: "/webhooks/liveperson", Header: map[string]string{"Origin": ""},
				Want: Want{Status: 405, Body: errorMatching("method_not_allowed"), Header: map[string]string{"Allow": "^POST$"}, Calls: none}},
			webhook("closed", closedHook, signedByLP, nil, Want{Status: 200}),
			{Name: "the stream resumes after Last-Event-ID and ends after closed", Method: "GET", Path: "/v1/conversations/{{conv}}/events?after=0",
				Header: map[string]string{"Authorization": "Bearer {{token}}", "Last-Event-ID": "{{accepted}}"},
				Want: Want{Status: 200, Calls: none,
					Header: map[string]string{"Content-Type": "^text/event-stream", "Cache-Control": "no-store"},
					Body: `^id: [0-9]+\ndata: \{"seq":[0-9]+,"type":"typing"[^\n]*\}\n\n` +
						`id: [0-9]+\ndata: \{"seq":[0-9]+,"type":"state","state":"closed","time":1700000000300\}\n\n$`}},
		}},
		{Name: "webhooks: a change that cannot be read does not cost the others", Steps: []Step{
			engage("u"),
			createWithToken("u", "conv", "token"),
			webhook("a bad change beside a message", `{"kind":"notification","body":{"changes":[`+
				`{"sequence":"one","dialogId":"{{conv}}","event":{"type":"ContentEvent","contentType":"text/plain","message":"lost?"}},`+
				`{"sequence":3,"originatorMetadata":{"role":"ASSIGNED_AGENT"},"serverTimestamp":1700000000400,`+
				`"event":{"type":"ContentEvent","contentType":"text/plain","message":"kept"},"dialogId":"{{conv}}"}]},`+
				`"type":"ms.MessagingEventNotification.ContentEvent"}`, signedByLP, nil, Want{Status: 200}),
			webhook("a type lpedge does not know", `{"kind":"notification","body":{"changes":[]},"type":"ms.SomethingNew"}`, signedByLP, nil, Want{Status: 200}),
			events("the message is stored", "", `^\{"events":\[\{"seq":[0-9]+,"type":"message","sequence":3,"time":1700000000400,"role":"ASSIGNED_AGENT","text":"kept"\}\]`),
			closeConv("u"),
		}},
		{Name: "typing and read receipts go to LivePerson", Steps: []Step{
			engage("t"),
			createWithToken("t", "conv", "token"),
			{Name: "typing", Path: "/v1/conversations/{{conv}}/typing", Body: `{"consumerId":"c-{{run}}-t","typing":true}`,
				Want: Want{Status: 200, Body: `^\{"conversationId":"{{conv}}"\}\n$`, Calls: calls(lptest.RouteSend, 1),
					Upstream: upstreamBodyHas(lptest.RouteSend, `"type":"ChatStateEvent","chatState":"COMPOSING"`)}},
			{Name: "stopped typing", Path: "/v1/conversations/{{conv}}/typing", Body: `{"consumerId":"c-{{run}}-t","typing":false}`,
				Want: Want{Status: 200, Calls: calls(lptest.RouteSend, 1), Upstream: upstreamBodyHas(lptest.RouteSend, `"chatState":"ACTIVE"`)}},
			{Name: "message", Path: "/v1/conversations/{{conv}}/messages", Body: forConsumer(messageBody, "t"),
				Want: Want{Status: 200, Calls: calls(lptest.RouteSend, 1)}},
			{Name: "read", Path: "/v1/conversations/{{conv}}/read", Body: `{"consumerId":"c-{{run}}-t","sequences":[0]}`,
				Want: Want{Status: 200, Body: `^\{"conversationId":"{{conv}}"\}\n$`, Calls: calls(lptest.RouteSend, 1),
					Upstream: upstreamBodyHas(lptest.RouteSend, `"type":"AcceptStatusEvent","status":"READ","sequenceList":[0]`)}},
			{Name: "typing: not a boolean", Path: "/v1/conversations/{{conv}}/typing", Body: `{"consumerId":"c","typing":"yes"}`,
				Want: Want{Status: 400, Body: `"message":"typing: want true or false`, Calls: none}},
			{Name: "typing: missing", Path: "/v1/conversations/{{conv}}/typing", Body: `{"consumerId":"c"}`,
				Want: Want{Status: 400, Body: `"message":"typing: is required`, Calls: none}},
			{Name: "read: no sequences", Path: "/v1/conversations/{{conv}}/read", Body: `{"consumerId":"c","sequences":[]}`,
				Want: Want{Status: 400, Body: `"message":"sequences: want 1 to 100`, Calls: none}},
			{Name: "read: a negative sequence", Path: "/v1/conversations/{{conv}}/read", Body: `{"consumerId":"c","sequences":[1,-2]}`,
				Want: Want{Status: 400, Body: `"message":"sequences\[1\]: want a non-negative integer`, Calls: none}},
			{Name: "read: unknown member", Path: "/v1/conversations/{{conv}}/read", Body: `{"consumerId":"c","sequences":[1],"status":"ACCEPT"}`,
				Want: Want{Status: 400, Body: `"message":"\\"status\\": is not a member`, Calls: none}},
			{Name: "GET on typing", Method: "GET", Path: "/v1/conversations/{{conv}}/typing",
				Want: Want{Status: 405, Header: map[string]string{"Allow": "POST"}, Calls: none}},
			closeConv("t"),
		}},
	}
}

// upstreamBodyHas checks that a call of route carried s in its body.
func upstreamBodyHas(route lptest.Route, s string) func([]lptest.Call, func(string) string) string {
	return func(cs []lptest.Call, _ func(string) string) string {
		for _, c := range cs {
			if c.Route == route && strings.Contains(c.Body, s) {
				return ""
			}
		}
		return "no " + string(route) + " call carried " + s
	}
}
