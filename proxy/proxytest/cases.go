package proxytest

import (
	"regexp"
	"slices"
	"strconv"
	"strings"

	"github.com/lpedge/lpedge/liveperson/lptest"
)

// Bodies the cases send.
const (
	engagementBody = `{"entryPoints":["https://shop.example/p/42","sec://shoes"],` +
		`"engagementAttributes":[{"type":"prodView","products":[{"product":{"name":"Shoe","sku":"42","price":9.5}}]}]}`
	reportBody = `{"visitorId":"{{vid}}","sessionId":"{{sid}}","entryPoints":["https://shop.example/cart"],` +
		`"engagementAttributes":[{"type":"cartStatus","total":19,"numItems":2,"currency":"EUR"}]}`
	createBody = `{"consumerId":"c-{{run}}-{{consumer}}","visitorId":"{{vid}}","sessionId":"{{sid}}",` +
		`"campaignId":"1001","engagementId":2001,"contextId":"{{ctx}}","lang":"en-US","timeZone":"Europe/Berlin",` +
		`"sdes":[{"type":"personal","personal":{"firstname":"Ann"}},{"type":"cart","total":19,"numItems":2}]}`
	messageBody = `{"consumerId":"c-{{run}}-{{consumer}}","text":"Hello, is the shoe in stock?"}`
	closeBody   = `{"consumerId":"c-{{run}}-{{consumer}}"}`
	jsonString  = `"(?:[^"\\]|\\.)*"`
	// tokenPattern is a conversation token: base64url(id) "." base64url(HMAC-SHA256).
	tokenPattern = `[A-Za-z0-9_-]+\.[A-Za-z0-9_-]{43}`
	// unknownConv has the shape of LivePerson's conversation ids (a
	// UUID) and names none.
	unknownConv = "c0ffee00-0000-4000-8000-000000000000"
	errorBody   = `^\{"error":\{"code":"%s","message":` + jsonString + `(,"visitorId":"[^"]+")?\}\}\n$`
)

// errorMatching is the Want.Body of an error answer with code.
func errorMatching(code string) string { return strings.Replace(errorBody, "%s", code, 1) }

// none is Want.Calls of a request that must not reach LivePerson.
var none = map[lptest.Route]int{}

func calls(kv ...any) map[lptest.Route]int {
	m := map[lptest.Route]int{}
	for i := 0; i < len(kv); i += 2 {
		m[kv[i].(lptest.Route)] = kv[i+1].(int)
	}
	return m
}

// engage opens a Monitoring session offered [Engagement] and captures
// vid, sid and ctx; consumer names the consumer for the steps after it.
func engage(consumer string) Step {
	return Step{Name: "engagement for " + consumer, Path: "/v1/engagement", Body: strings.ReplaceAll(engagementBody, "{{consumer}}", consumer),
		Want: Want{Status: 201,
			Body:    `"engagementDetails":\[\{"campaignId":1001,"engagementId":2001,`,
			Capture: map[string]string{"vid": `"visitorId":"([^"]+)"`, "sid": `"sessionId":"([^"]+)"`, "ctx": `"contextId":"([^"]+)"`},
		}}
}

// forConsumer fills {{consumer}} in a body.
func forConsumer(body, consumer string) string {
	return strings.ReplaceAll(body, "{{consumer}}", consumer)
}

// create opens a conversation for consumer and captures its id as conv.
func create(consumer string, want Want) Step {
	if want.Status == 0 {
		want.Status = 201
	}
	if want.Status == 201 && want.Capture == nil {
		want.Capture = map[string]string{"conv": `"conversationId":"([^"]+)"`}
	}
	return Step{Name: "create for " + consumer, Path: "/v1/conversations", Body: forConsumer(createBody, consumer), Want: want}
}

func closeConv(consumer string) Step {
	return Step{Name: "close for " + consumer, Path: "/v1/conversations/{{conv}}/close", Body: forConsumer(closeBody, consumer),
		Want: Want{Status: 200, Body: `^\{"conversationId":"{{conv}}"\}`, Calls: calls(lptest.RouteSend, 1)}}
}

// warm makes sure every cache a conversation needs for consumer is full.
func warm(consumer string) []Step {
	return []Step{engage(consumer), create(consumer, Want{}), closeConv(consumer)}
}

// upstreamHas checks that every call of route was made with method and
// has each of the query and header parts.
func upstreamHas(route lptest.Route, method string, query []string, headers map[string]string) func([]lptest.Call, func(string) string) string {
	return eachCall(route, func(c lptest.Call, expand func(string) string) string {
		if c.Method != method {
			return string(route) + " was sent as " + c.Method + ", want " + method
		}
		for _, q := range query {
			q = expand(q)
			if !strings.Contains("&"+c.Query+"&", "&"+q+"&") {
				return string(route) + " query " + strconv.Quote(c.Query) + " lacks " + q
			}
		}
		for k, v := range headers {
			if !strings.Contains(c.Header[k], v) {
				return string(route) + " header " + k + " is " + strconv.Quote(c.Header[k]) + ", want it to contain " + strconv.Quote(v)
			}
		}
		return ""
	})
}

// headerLacks checks that no call of route carried part in its header.
func headerLacks(route lptest.Route, header, part string) func([]lptest.Call, func(string) string) string {
	return eachCall(route, func(c lptest.Call, _ func(string) string) string {
		if strings.Contains(c.Header[header], part) {
			return string(route) + " header " + header + " is " + strconv.Quote(c.Header[header]) + ", want it without " + strconv.Quote(part)
		}
		return ""
	})
}

// bodyHas checks that every call of route carried each part in its body.
func bodyHas(route lptest.Route, parts ...string) func([]lptest.Call, func(string) string) string {
	return eachCall(route, func(c lptest.Call, _ func(string) string) string {
		for _, p := range parts {
			if !strings.Contains(c.Body, p) {
				return string(route) + " body " + strconv.Quote(c.Body) + " lacks " + p
			}
		}
		return ""
	})
}

// eachCall is a Want.Upstream that applies check to every call of route,
// of which there must be one at least.
func eachCall(route lptest.Route, check func(c lptest.Call, expand func(string) string) string) func([]lptest.Call, func(string) string) string {
	return func(cs []lptest.Call, expand func(string) string) string {
		n := 0
		for _, c := range cs {
			if c.Route != route {
				continue
			}
			n++
			if msg := check(c, expand); msg != "" {
				return msg
			}
		}
		if n == 0 {
			return "no " + string(route) + " call"
		}
		return ""
	}
}

// Cases is the proxy's specification: routes, validation, origins,
// caches, idempotency and LivePerson's failures. Cold-cache cases come
// first; stalls come last (a stalled call ends after its answer).
var Cases = slices.Concat(baseCases, refusalCases, dataflyCases, accountCases, twoWayCases(), stallCases)

var baseCases = []Case{
	{Name: "cold start: Domain API 500 is retried", Setup: func(lp *lptest.Server) {
		lp.SetFault(lptest.RouteDomain, lptest.Fault{Status: 500})
	}, Steps: []Step{{
		Path: "/v1/engagement", Body: engagementBody,
		Want: Want{Status: 201, Body: `^\{"sessionId":"[^"]+","visitorId":"[^"]+","pageId":"[^"]+","engagementDetails":\[\{"campaignId":1001,"engagementId":2001,"engagementRevision":1,"contextId":"[^"]+"`,
			Header: map[string]string{"Access-Control-Allow-Origin": "^" + Origin + "$", "Content-Type": "^application/json"},
			Calls:  calls(lptest.RouteDomain, 2, lptest.RouteEngagement, 1),
			Upstream: upstreamHas(lptest.RouteEngagement, "POST", []string{"v=1.1", "obh=true"},
				map[string]string{"Content-Type": "application/json"})},
	}}},
	{Name: "report: relayed as PUT with obh=true, ids kept", Steps: []Step{
		engage("r"),
		{Name: "report", Path: "/v1/report", Body: reportBody, Want: Want{Status: 200,
			Body:     `^\{"sessionId":"{{sid}}","visitorId":"{{vid}}","pageId":"[^"]+"\}$`,
			Calls:    calls(lptest.RouteReport, 1),
			Upstream: upstreamHas(lptest.RouteReport, "PUT", []string{"v=1.1", "vid={{vid}}", "sid={{sid}}", "obh=true"}, nil)}},
		{Name: "beacon (text/plain)", Path: "/v1/report", Body: reportBody, Header: map[string]string{"Content-Type": "text/plain;charset=UTF-8"},
			Want: Want{Status: 200, Body: `"visitorId":"{{vid}}"`, Calls: calls(lptest.RouteReport, 1)}},
		{Name: "unknown ids: LivePerson starts a new session", Path: "/v1/report",
			Body: `{"visitorId":"unknown-vid","sessionId":"unknown-sid","engagementAttributes":[{"type":"searchInfo","keywords":["shoes"]}]}`,
			Want: Want{Status: 201, Body: `^\{"sessionId":"[^"]+","visitorId":"[^"]+","pageId"`, Calls: calls(lptest.RouteReport, 1)}},
		{Name: "report without any id", Path: "/v1/report", Body: `{"engagementAttributes":[{"type":"searchInfo","keywords":["shoes"]}]}`,
			Want: Want{Status: 400, Body: errorMatching("bad_request"), Calls: none}},
	}},
	{Name: "conversation: warm create costs one call; Idempotency-Key replays", Steps: []Step{
		engage("a"),
		{Name: "create with a key", Path: "/v1/conversations", Body: forConsumer(createBody, "a"),
			Header: map[string]string{"Idempotency-Key": "k-{{run}}-1", "User-Agent": "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/126.0.0.0 Safari/537.36"},
			Want: Want{Status: 201, Body: `^\{"conversationId":"[^"]+","token":"` + tokenPattern + `","droppedSdes":\["cart"\]\}`,
				Capture: map[string]string{"conv": `"conversationId":"([^"]+)"`},
				Upstream: upstreamHas(lptest.RouteConversation, "POST", []string{"v=3"}, map[string]string{
					"Client-Properties": `"type":".ClientProperties","appId":"lpedge","deviceFamily":"DESKTOP","os":"WINDOWS"`,
				})}},
		{Name: "same key, same body: same id, no call", Path: "/v1/conversations", Body: forConsumer(createBody, "a"),
			Header: map[string]string{"Idempotency-Key": "k-{{run}}-1"},
			Want:   Want{Status: 201, Body: `^\{"conversationId":"{{conv}}"`, Calls: none}},
		{Name: "same key, other body: refused, no call", Path: "/v1/conversations", Body: strings.Replace(forConsumer(createBody, "a"), "en-US", "de-DE", 1),
			Header: map[string]string{"Idempotency-Key": "k-{{run}}-1"},
			Want:   Want{Status: 422, Body: errorMatching("idempotency_mismatch"), Calls: none}},
		// Keys are the consumer's: another shopper who picked the same
		// key gets its own conversation, not a 422 (issue 13).
		{Name: "same key, another consumer: its own create", Path: "/v1/conversations", Body: forConsumer(createBody, "other"),
			Header: map[string]string{"Idempotency-Key": "k-{{run}}-1"},
			Want: Want{Status: 201, Body: `^\{"conversationId":"[^"]+"`,
				Calls: calls(lptest.RouteConsumer, 1, lptest.RouteConversation, 1)}},
		{Name: "message", Path: "/v1/conversations/{{conv}}/messages", Body: forConsumer(messageBody, "a"),
			Want: Want{Status: 200, Body: `^\{"conversationId":"{{conv}}","sequence":0\}`, Calls: calls(lptest.RouteSend, 1),
				Upstream: upstreamHas(lptest.RouteSend, "POST", []string{"v=3"}, map[string]string{"Client-Properties": `"features":["RICH_CONTENT","QUICK_REPLIES","MULTI_DIALOG"]`})}},
		{Name: "second message, the zone in X-Time-Zone", Path: "/v1/conversations/{{conv}}/messages", Body: forConsumer(messageBody, "a"),
			Header: map[string]string{"X-Time-Zone": "America/Argentina/Buenos_Aires"},
			Want: Want{Status: 200, Body: `"sequence":1\}`, Calls: calls(lptest.RouteSend, 1),
				Upstream: upstreamHas(lptest.RouteSend, "POST", nil, map[string]string{"Client-Properties": `"timeZone":"America/Argentina/Buenos_Aires"`})}},
		// Chromium says Etc/Unknown when it cannot tell the machine's
		// zone; the tag sends what it says: no zone, not a 400.
		{Name: "a browser's Etc/Unknown is no zone", Path: "/v1/conversations/{{conv}}/messages", Body: forConsumer(messageBody, "a"),
			Header: map[string]string{"X-Time-Zone": "Etc/Unknown"},
			Want: Want{Status: 200, Body: `"sequence":2\}`, Calls: calls(lptest.RouteSend, 1),
				Upstream: headerLacks(lptest.RouteSend, "Client-Properties", "timeZone")}},
		{Name: "open conversation: 409", Path: "/v1/conversations", Body: forConsumer(createBody, "a"),
			Want: Want{Status: 409, Body: errorMatching("conversation_open"), Calls: calls(lptest.RouteConversation, 1)}},
		closeConv("a"),
		create("a", Want{Body: `^\{"conversationId":"[^"]+"`, Calls: calls(lptest.RouteConversation, 1)}),
	}},
	{Name: "disallowed origin reaches nothing", Steps: []Step{
		{Path: "/v1/report", Body: reportBody, Header: map[string]string{"Origin": Foreign},
			Want: Want{Status: 403, Body: errorMatching("origin_not_allowed"), Header: map[string]string{"Access-Control-Allow-Origin": "^$"}, Calls: none}},
		{Path: "/v1/engagement", Body: engagementBody, Header: map[string]string{"Origin": Foreign},
			Want: Want{Status: 403, Body: errorMatching("origin_not_allowed"), Calls: none}},
		{Path: "/v1/conversations", Body: forConsumer(createBody, "x"), Header: map[string]string{"Origin": Foreign},
			Want: Want{Status: 403, Body: errorMatching("origin_not_allowed"), Calls: none}},
		{Path: "/v1/conversations/" + unknownConv + "/messages", Body: forConsumer(messageBody, "x"), Header: map[string]string{"Origin": Foreign},
			Want: Want{Status: 403, Calls: none}},
		{Path: "/v1/conversations/" + unknownConv + "/close", Body: forConsumer(closeBody, "x"), Header: map[string]string{"Origin": "null"},
			Want: Want{Status: 403, Calls: none}},
		{Name: "preflight", Method: "OPTIONS", Path: "/v1/conversations",
			Header: map[string]string{"Origin": Foreign, "Access-Control-Request-Method": "POST", "Access-Control-Request-Headers": "content-type"},
			Want:   Want{Status: 403, Header: map[string]string{"Access-Control-Allow-Origin": "^$"}, Calls: none}},
	}},
	{Name: "CORS for the allowed origin", Steps: []Step{
		{Name: "preflight", Method: "OPTIONS", Path: "/v1/conversations",
			Header: map[string]string{"Access-Control-Request-Method": "POST", "Access-Control-Request-Headers": "content-type,idempotency-key,x-time-zone"},
			Want: Want{Status: 204, Calls: none, Header: map[string]string{
				"Access-Control-Allow-Origin":  "^" + Origin + "$",
				"Access-Control-Allow-Methods": "POST",
				"Access-Control-Allow-Headers": "(?i)idempotency-key",
			}}},
		{Name: "no Origin (server to server) passes", Path: "/v1/report", Body: `{"engagementAttributes":[]}`, Header: map[string]string{"Origin": ""},
			Want: Want{Status: 400, Body: "visitorId", Calls: none}},
		{Name: "errors carry CORS headers", Path: "/v1/report", Body: `{`,
			Want: Want{Status: 400, Header: map[string]string{"Access-Control-Allow-Origin": "^" + Origin + "$"}, Calls: none}},
	}},
	{Name: "bad input: a clear 4xx and nothing forwarded", Steps: badInput()},
	{Name: "Monitoring failures become 503 with Retry-After", Steps: []Step{
		engage("m"),
		{Name: "500", Setup: fault(lptest.RouteReport, lptest.Fault{Status: 500}), Path: "/v1/report", Body: reportBody,
			Want: Want{Status: 503, Body: errorMatching("upstream_unavailable"), Header: map[string]string{"Retry-After": "^3$"}, Calls: calls(lptest.RouteReport, 1)}},
		{Name: "503 with Retry-After: passed on as given", Setup: fault(lptest.RouteReport, lptest.Fault{Status: 503, RetryAfter: "7"}), Path: "/v1/report", Body: reportBody,
			Want: Want{Status: 503, Body: errorMatching("upstream_unavailable"), Header: map[string]string{"Retry-After": "^7$"}, Calls: calls(lptest.RouteReport, 1)}},
		{Name: "202 loading account", Setup: fault(lptest.RouteReport, lptest.Fault{Status: 202}), Path: "/v1/report", Body: reportBody,
			Want: Want{Status: 503, Body: errorMatching("loading_account"), Header: map[string]string{"Retry-After": "^3$"}, Calls: calls(lptest.RouteReport, 1)}},
		{Name: "429 keeps Retry-After", Setup: fault(lptest.RouteEngagement, lptest.Fault{Status: 429, RetryAfter: "7"}), Path: "/v1/engagement", Body: engagementBody,
			Want: Want{Status: 503, Body: errorMatching("upstream_unavailable"), Header: map[string]string{"Retry-After": "^7$"}, Calls: calls(lptest.RouteEngagement, 1)}},
		{Name: "dropped connection", Setup: fault(lptest.RouteReport, lptest.Fault{Drop: true}), Path: "/v1/report", Body: reportBody,
			Want: Want{Status: 503, Header: map[string]string{"Retry-After": "^[0-9]+$"}, Calls: calls(lptest.RouteReport, 1)}},
		{Name: "recovered", Path: "/v1/report", Body: reportBody, Want: Want{Status: 200, Calls: calls(lptest.RouteReport, 1)}},
	}},
	{Name: "Connector failures: tokens retried, conversations never blindly", Steps: append(warm("f"),
		Step{Name: "CONVERSATION 503", Setup: fault(lptest.RouteConversation, lptest.Fault{Status: 503}),
			Path: "/v1/conversations", Body: forConsumer(createBody, "f"),
			Want: Want{Status: 503, Body: errorMatching("upstream_unavailable"), Header: map[string]string{"Retry-After": "^5$"}, Calls: calls(lptest.RouteConversation, 1)}},
		Step{Name: "CONVERSATION 429 with Retry-After", Setup: fault(lptest.RouteConversation, lptest.Fault{Status: 429, RetryAfter: "9"}),
			Path: "/v1/conversations", Body: forConsumer(createBody, "f"),
			Want: Want{Status: 503, Header: map[string]string{"Retry-After": "^9$"}, Calls: calls(lptest.RouteConversation, 1)}},
		Step{Name: "CONVERSATION dropped: not retried", Setup: fault(lptest.RouteConversation, lptest.Fault{Drop: true}),
			Path: "/v1/conversations", Body: forConsumer(createBody, "f"),
			Want: Want{Status: 503, Calls: calls(lptest.RouteConversation, 1)}},
		Step{Name: "CONVERSATION 401 (40102): AppJWT refreshed, retried once", Setup: fault(lptest.RouteConversation, lptest.Fault{Status: 401}),
			Path: "/v1/conversations", Body: forConsumer(createBody, "f"),
			Want: Want{Status: 201, Capture: map[string]string{"conv": `"conversationId":"([^"]+)"`},
				Calls: calls(lptest.RouteToken, 1, lptest.RouteConversation, 2)}},
		closeConv("f"),
		Step{Name: "SEND 500 on close", Setup: fault(lptest.RouteSend, lptest.Fault{Status: 500}),
			Path: "/v1/conversations/{{conv}}/close", Body: forConsumer(closeBody, "f"),
			Want: Want{Status: 503, Calls: calls(lptest.RouteSend, 1)}},
		withFault(create("idp500", Want{Calls: calls(lptest.RouteConsumer, 2, lptest.RouteConversation, 1)}),
			lptest.RouteConsumer, lptest.Fault{Status: 500}),
		withFault(create("idp401", Want{Calls: calls(lptest.RouteConsumer, 2, lptest.RouteToken, 1, lptest.RouteConversation, 1)}),
			lptest.RouteConsumer, lptest.Fault{Status: 401}),
	)},
}

// refusalCases: what LivePerson refuses for the client's mistake is a
// 4xx whose code names the cause, with LivePerson's reason.
var refusalCases = []Case{
	{Name: "LivePerson's refusals name their cause", Steps: append(warm("n"),
		create("n", Want{}),
		Step{Name: "another consumer's conversation: 403", Path: "/v1/conversations/{{conv}}/messages", Body: forConsumer(messageBody, "o"),
			Want: Want{Status: 403, Body: `^\{"error":\{"code":"not_your_conversation","message":"LivePerson refused the SEND request: (?:[^"\\]|\\.)*not the consumer's`,
				Calls: calls(lptest.RouteConsumer, 1, lptest.RouteSend, 1)}},
		closeConv("n"),
		Step{Name: "a message into the closed conversation: 409", Path: "/v1/conversations/{{conv}}/messages", Body: forConsumer(messageBody, "n"),
			Want: Want{Status: 409, Body: `^\{"error":\{"code":"conversation_closed","message":"LivePerson refused the SEND request: (?:[^"\\]|\\.)*is closed`,
				Calls: calls(lptest.RouteSend, 1)}},
		Step{Name: "a receipt after the close: 409", Path: "/v1/conversations/{{conv}}/read", Body: `{"consumerId":"c-{{run}}-n","sequences":[0]}`,
			Want: Want{Status: 409, Body: errorMatching("conversation_closed"), Calls: calls(lptest.RouteSend, 1)}},
		Step{Name: "a conversation LivePerson does not know: 404", Path: "/v1/conversations/" + unknownConv + "/messages",
			Body: forConsumer(messageBody, "n"),
			Want: Want{Status: 404, Body: `^\{"error":\{"code":"conversation_not_found","message":"LivePerson refused the SEND request: (?:[^"\\]|\\.)*does not exist`,
				Calls: calls(lptest.RouteSend, 1)}},
		Step{Name: "an engagement not the account's: 400", Path: "/v1/conversations",
			Body: strings.Replace(forConsumer(createBody, "n"), `"campaignId":"1001"`, `"campaignId":"4242"`, 1),
			Want: Want{Status: 400, Body: `^\{"error":\{"code":"unknown_engagement","message":"LivePerson refused the CONVERSATION request: (?:[^"\\]|\\.)*4242`,
				Calls: calls(lptest.RouteConversation, 1)}},
		Step{Name: "an impression of an engagement the session was not offered: 400", Path: "/v1/report",
			Body: `{"visitorId":"{{vid}}","sessionId":"{{sid}}","engagementAttributes":[{"type":"impDisplay","campaign":4242,"engId":1,"revision":1}]}`,
			Want: Want{Status: 400, Body: `^\{"error":\{"code":"invalid_data","message":"the Monitoring API \(report\) refused the request \(HTTP 400\): (?:[^"\\]|\\.)*4242`,
				Calls: calls(lptest.RouteReport, 1)}},
	)},
}

// Datafly's documented Monitoring payloads (its LivePerson integration
// guide: Signal's report for "Product Viewed" and "Order Completed"), as
// they are: identified by consumerId alone, or with identities, and no
// vid.
const (
	dataflyProductViewed = `{"consumerId":"a1b2c3d4e5f6...","entryPoints":["https://example.com/products/widget"],` +
		`"engagementAttributes":[{"type":"prodView","products":[{"product":{"name":"Widget","category":"Hardware","sku":"SKU-A","price":49.99}}]}]}`
	dataflyOrderCompleted = `{"consumerId":"a1b2c3d4e5f6...","identities":[{"iss":"Datafly","acr":"0","sub":"a1b2c3d4e5f6..."}],` +
		`"entryPoints":["https://example.com/checkout/confirmation"],` +
		`"engagementAttributes":[{"type":"purchase","total":11.70,"currency":"USD","orderId":"DRV1534XC"}]}`
)

// dataflyCases: Datafly's payloads pass the relay as they are and reach
// LivePerson with their identification.
var dataflyCases = []Case{
	{Name: "Datafly's documented payloads pass the relay", Steps: []Step{
		{Name: "Product Viewed, by consumerId alone", Path: "/v1/report", Body: dataflyProductViewed,
			Want: Want{Status: 201, Body: `^\{"sessionId":"[^"]+","visitorId":"[^"]+","pageId":"[^"]+"\}$`, Calls: calls(lptest.RouteReport, 1),
				Upstream: bodyHas(lptest.RouteReport, `"consumerId":"a1b2c3d4e5f6..."`, `"price":49.99`)}},
		{Name: "Order Completed, with identities", Path: "/v1/report", Body: dataflyOrderCompleted,
			Want: Want{Status: 201, Calls: calls(lptest.RouteReport, 1),
				Upstream: bodyHas(lptest.RouteReport, `"consumerId":"a1b2c3d4e5f6..."`, `"sub":"a1b2c3d4e5f6..."`, `"total":11.7`)}},
	}},
}

var stallCases = []Case{
	{Name: "stalled upstream: bounded by the timeout", Steps: append(warm("s"),
		Step{Name: "report stalls", Setup: fault(lptest.RouteReport, lptest.Fault{Delay: StallDelay}), Path: "/v1/report", Body: reportBody,
			Want: Want{Status: 503, Header: map[string]string{"Retry-After": "^[0-9]+$"}, Calls: calls(lptest.RouteReport, 1)}},
		Step{Name: "CONVERSATION stalls: not retried", Setup: fault(lptest.RouteConversation, lptest.Fault{Delay: StallDelay}),
			Path: "/v1/conversations", Body: forConsumer(createBody, "s"),
			Want: Want{Status: 503, Body: errorMatching("upstream_unavailable"), Calls: calls(lptest.RouteConversation, 1)}},
	)},
}

// withFault sets f on route just before step s.
func withFault(s Step, route lptest.Route, f lptest.Fault) Step {
	s.Setup = fault(route, f)
	return s
}

func fault(route lptest.Route, f lptest.Fault) func(*lptest.Server) {
	return func(lp *lptest.Server) { lp.SetFault(route, f) }
}

// badInput is the bad-input table: every request gets a 4xx naming the
// problem, and none reaches LivePerson.
func badInput() []Step {
	huge := `{"engagementAttributes":[{"type":"searchInfo","keywords":["` + strings.Repeat("x", 70000) + `"]}]}`
	long := strings.Repeat("y", 6000)
	// A create body that is valid but for what each case changes.
	createOK := strings.NewReplacer("{{run}}", "r", "{{consumer}}", "x", "{{vid}}", "v1", "{{sid}}", "s1", "{{ctx}}", "1").Replace(createBody)
	type bad struct {
		name, path, body, contentType string
		header                        map[string]string
		status                        int
		code, message                 string
	}
	table := []bad{
		{"malformed JSON", "/v1/report", `{"engagementAttributes":[`, "", nil, 400, "bad_request", "not valid JSON"},
		{"trailing data", "/v1/report", `{"visitorId":"v"}{}`, "", nil, 400, "bad_request", "not valid JSON"},
		{"not an object", "/v1/engagement", `[1,2]`, "", nil, 400, "bad_request", "JSON object"},
		{"empty body", "/v1/report", ``, "application/json", nil, 400, "bad_request", "empty"},
		{"wrong type: attributes", "/v1/report", `{"visitorId":"v","engagementAttributes":"cart"}`, "", nil, 400, "bad_request", "engagementAttributes"},
		{"wrong type: cart total", "/v1/report", `{"visitorId":"v","engagementAttributes":[{"type":"cart","total":"12","numItems":1}]}`, "", nil, 400, "bad_request", `cart.total`},
		{"unknown SDE type", "/v1/report", `{"visitorId":"v","engagementAttributes":[{"type":"wishlist"}]}`, "", nil, 400, "bad_request", "not an engagement attribute type"},
		{"unknown SDE field", "/v1/report", `{"visitorId":"v","engagementAttributes":[{"type":"cart","total":1,"numItems":1,"totl":2}]}`, "", nil, 400, "bad_request", "totl"},
		{"impression on engagement", "/v1/engagement", `{"engagementAttributes":[{"type":"impDisplay","campaign":1,"engId":2,"revision":1}]}`, "", nil, 400, "bad_request", "impression"},
		{"unknown member", "/v1/engagement", `{"engagementAttributes":[],"consumer":"x"}`, "", nil, 400, "bad_request", "consumer"},
		{"CR/LF in visitorId", "/v1/report", `{"visitorId":"v\r\nX-Injected: 1","engagementAttributes":[]}`, "", nil, 400, "bad_request", "visitorId"},
		{"huge body", "/v1/report", huge, "", nil, 413, "body_too_large", "larger than"},
		{"wrong content type", "/v1/report", `{}`, "text/html", nil, 415, "unsupported_media", "text/html"},
		{"no content type", "/v1/engagement", `{}`, "-", nil, 415, "unsupported_media", "missing"},
		{"text/plain outside report", "/v1/conversations", `{}`, "text/plain", nil, 415, "unsupported_media", "application/json"},
		{"latin-1", "/v1/report", `{}`, "application/json; charset=iso-8859-1", nil, 415, "unsupported_media", "charset"},
		{"create: no consumerId", "/v1/conversations", `{"visitorId":"v","sessionId":"s","campaignId":"1","engagementId":"2","contextId":"1"}`, "", nil, 400, "bad_request", "consumerId: is required"},
		{"create: consumerId a number", "/v1/conversations", strings.Replace(createOK, `"c-r-x"`, `42`, 1), "", nil, 400, "bad_request", "consumerId: want a string"},
		{"create: CR/LF in consumerId", "/v1/conversations", strings.Replace(createOK, `c-r-x`, `a\r\nX-LP-ON-BEHALF: forged`, 1), "", nil, 400, "bad_request", "consumerId"},
		{"create: campaignId not digits", "/v1/conversations", strings.Replace(createOK, `"1001"`, `"10x1"`, 1), "", nil, 400, "bad_request", "campaignId"},
		{"create: unknown SDE type", "/v1/conversations", strings.Replace(createOK, `"type":"cart"`, `"type":"basket"`, 1), "", nil, 400, "bad_request", "basket"},
		{"create: bad lang", "/v1/conversations", strings.Replace(createOK, `"en-US"`, `"en US"`, 1), "", nil, 400, "bad_request", "lang"},
		{"create: bad timeZone", "/v1/conversations", strings.Replace(createOK, `"Europe/Berlin"`, `"Europe/Berlin\n"`, 1), "", nil, 400, "bad_request", "timeZone"},
		{"create: unknown member", "/v1/conversations", strings.Replace(createOK, `"lang"`, `"skillId":"7","lang"`, 1), "", nil, 400, "bad_request", "skillId"},
		{"message: empty text", "/v1/conversations/" + unknownConv + "/messages", `{"consumerId":"c","text":" "}`, "", nil, 400, "bad_request", "text"},
		{"message: over 5000 characters", "/v1/conversations/" + unknownConv + "/messages", `{"consumerId":"c","text":"` + long + `"}`, "", nil, 413, "body_too_large", "5000"},
		{"conversation id \"-\"", "/v1/conversations/-/messages", forConsumer(messageBody, "x"), "", nil, 400, "bad_request", "conversation id"},
		{"conversation id \"_\"", "/v1/conversations/_/close", forConsumer(closeBody, "x"), "", nil, 400, "bad_request", "conversation id"},
		{"conversation id not a UUID", "/v1/conversations/c0ffee-1/read", `{"consumerId":"c","sequences":[0]}`, "", nil, 400, "bad_request", "conversation id"},
		{"conversation id a UUID too long", "/v1/conversations/" + unknownConv + "0/typing", `{"consumerId":"c","typing":true}`, "", nil, 400, "bad_request", "conversation id"},
		{"CR/LF in the conversation id", "/v1/conversations/c0ffee%0D%0AX-Injected:%201/messages", forConsumer(messageBody, "x"), "", nil, 400, "bad_request", "conversation id"},
		{"space in Idempotency-Key", "/v1/conversations", createOK, "", map[string]string{"Idempotency-Key": "a b"}, 400, "bad_request", "Idempotency-Key"},
		{"non-ASCII Idempotency-Key", "/v1/conversations", createOK, "", map[string]string{"Idempotency-Key": "ключ"}, 400, "bad_request", "Idempotency-Key"},
		{"long Idempotency-Key", "/v1/conversations", createOK, "", map[string]string{"Idempotency-Key": strings.Repeat("k", 129)}, 400, "bad_request", "Idempotency-Key"},
		// Strict JSON: what would be forwarded must be what was sent.
		{"duplicate key: create", "/v1/conversations", strings.Replace(createOK, `"lang"`, `"consumerId":"c-r-y","lang"`, 1), "", nil, 400, "bad_request", "consumerId: is given twice"},
		{"duplicate key: report SDE", "/v1/report", `{"visitorId":"v","engagementAttributes":[{"type":"cart","total":1,"numItems":1,"total":2}]}`, "", nil, 400, "bad_request", "engagementAttributes[0].total: is given twice"},
		{"duplicate key: engagement", "/v1/engagement", `{"entryPoints":[],"entryPoints":["https://shop.example/"]}`, "", nil, 400, "bad_request", "entryPoints: is given twice"},
		{"inexact id: 2^53+1", "/v1/conversations", strings.Replace(createOK, `"engagementId":2001`, `"engagementId":9007199254740993`, 1), "", nil, 400, "bad_request", "engagementId: 9007199254740993 cannot be carried exactly"},
		{"inexact total: 1e-400", "/v1/report", `{"visitorId":"v","engagementAttributes":[{"type":"cart","total":1e-400,"numItems":1}]}`, "", nil, 400, "bad_request", "engagementAttributes[0].total: 1e-400 cannot be carried exactly"},
		{"total beyond a double: 1e400", "/v1/report", `{"visitorId":"v","engagementAttributes":[{"type":"purchase","total":1e400}]}`, "", nil, 400, "bad_request", "engagementAttributes[0].total: 1e400 is beyond the range"},
		{"inexact price", "/v1/engagement", `{"engagementAttributes":[{"type":"prodView","products":[{"product":{"name":"x","price":9.50000000000000000001}}]}]}`, "", nil, 400, "bad_request", "products[0].product.price: 9.50000000000000000001 cannot be carried exactly"},
		{"negative total", "/v1/report", `{"visitorId":"v","engagementAttributes":[{"type":"cart","total":-19,"numItems":2}]}`, "", nil, 400, "bad_request", "cart.total: -19 is negative"},
		{"negative count", "/v1/engagement", `{"engagementAttributes":[{"type":"purchase","total":5,"cart":{"products":[{"product":{"name":"x"},"quantity":-1}]}}]}`, "", nil, 400, "bad_request", "quantity: -1 is negative"},
		{"create: negative cart total in sdes", "/v1/conversations", strings.Replace(createOK, `"total":19`, `"total":-19`, 1), "", nil, 400, "bad_request", "total: -19 is negative"},
		{"inexact sequence", "/v1/conversations/" + unknownConv + "/read", `{"consumerId":"c","sequences":[9007199254740993]}`, "", nil, 400, "bad_request", "sequences[0]: 9007199254740993"},
		{"create: timeZone not a zone", "/v1/conversations", strings.Replace(createOK, `"Europe/Berlin"`, `"Europe/Berlinn"`, 1), "", nil, 400, "bad_request", `timeZone: want an IANA time zone such as Europe/Berlin, got \"Europe/Berlinn\"`},
		{"create: timeZone Local", "/v1/conversations", strings.Replace(createOK, `"Europe/Berlin"`, `"Local"`, 1), "", nil, 400, "bad_request", "timeZone"},
		{"report: a bad X-Time-Zone is named where it is not used", "/v1/report", `{"visitorId":"v","engagementAttributes":[]}`, "", map[string]string{"X-Time-Zone": "Europe/Atlantis"}, 400, "bad_request", "X-Time-Zone"},
		{"create: a zone in the body does not hide a bad X-Time-Zone", "/v1/conversations", createOK, "", map[string]string{"X-Time-Zone": "Mars/Olympus_Mons"}, 400, "bad_request", `X-Time-Zone: want an IANA time zone such as Europe/Berlin, got \"Mars/Olympus_Mons\"`},
		{"bad X-Time-Zone", "/v1/conversations/" + unknownConv + "/close", forConsumer(closeBody, "x"), "", map[string]string{"X-Time-Zone": "../../etc/passwd"}, 400, "bad_request", "X-Time-Zone"},
	}
	steps := make([]Step, 0, len(table)+6)
	for _, b := range table {
		h := map[string]string{}
		for k, v := range b.header {
			h[k] = v
		}
		switch b.contentType {
		case "":
		case "-":
			h["Content-Type"] = ""
		default:
			h["Content-Type"] = b.contentType
		}
		steps = append(steps, Step{Name: b.name, Path: b.path, Body: b.body, Header: h, Want: Want{Status: b.status,
			Body: `^\{"error":\{"code":"` + b.code + `","message":"(?:[^"\\]|\\.)*` + regexp.QuoteMeta(b.message), Calls: none}})
	}
	return append(steps,
		Step{Name: "GET on a POST route", Method: "GET", Path: "/v1/report",
			Want: Want{Status: 405, Body: errorMatching("method_not_allowed"), Header: map[string]string{"Allow": "POST"}, Calls: none}},
		Step{Name: "unknown route", Path: "/v1/nothing", Body: `{}`, Want: Want{Status: 404, Body: errorMatching("not_found"), Calls: none}},
		Step{Name: "unknown conversation action", Path: "/v1/conversations/c0ffee/archive", Body: `{}`, Want: Want{Status: 404, Body: errorMatching("not_found"), Calls: none}},
		Step{Name: "health", Method: "GET", Path: "/healthz", Want: Want{Status: 200, Body: `^\{"status":"ok"\}`, Calls: none}},
		Step{Name: "the root says what the proxy is", Method: "GET", Path: "/",
			Want: Want{Status: 200, Body: `^\{"name":"lpedge proxy","version":"[^"]+","account":"` + lptest.DefaultAccount +
				`","health":"/healthz","routes":\[[^]]*"POST /v1/conversations"[^]]*"GET /v1/conversations/\{id\}/events","POST /webhooks/liveperson"`, Calls: none}},
		Step{Name: "the root, for a browser", Method: "GET", Path: "/", Header: map[string]string{"Accept": "text/html,application/xhtml+xml"},
			Want: Want{Status: 200, Body: `<a href="/healthz">/healthz</a>`, Header: map[string]string{"Content-Type": "^text/html"}, Calls: none}},
		Step{Name: "CR in Idempotency-Key (raw)", Raw: "POST /v1/conversations HTTP/1.1\nHost: {{host}}\nOrigin: " + Origin +
			"\nContent-Type: application/json\nIdempotency-Key: a\rX-Injected: 1\nContent-Length: 2\nConnection: close\n\n{}",
			Want: Want{Status: 400, Calls: none}},
	)
}

// Stand-in tag build output for [AssetCases] until the tag's build lands:
// the loader, a content-hashed wasm and their precompressed siblings (the
// contents are markers, not real compressions: the cases read headers).
const (
	StandInJS   = "/* lpedge.js stand-in */"
	StandInWasm = "\x00asm\x01\x00\x00\x00"
	WasmName    = "lpedge.0123abcd.wasm"
)

// StandInAssets returns the stand-in files, as a map from name to
// content, for an fstest.MapFS or a Worker's asset directory.
func StandInAssets() map[string]string {
	return map[string]string{
		"lpedge.js":           StandInJS,
		"lpedge.js.br":        "br:" + StandInJS,
		"lpedge.js.gz":        "gz:" + StandInJS,
		WasmName:              StandInWasm,
		WasmName + ".br":      "br:wasm",
		WasmName + ".gz":      "gz:wasm",
		"lpedge-notes.txt.gz": "a sibling without its file is not served",
	}
}

// AssetCases check how the proxy serves [StandInAssets]: by
// Accept-Encoding, with the right types, caching and validators.
var AssetCases = []Case{{Name: "tag assets", Steps: []Step{
	{Name: "loader, brotli", Method: "GET", Path: "/lpedge.js", Header: map[string]string{"Accept-Encoding": "gzip, deflate, br", "Origin": ""},
		Want: Want{Status: 200, Body: `^br:/\* lpedge\.js stand-in \*/$`, Calls: none, Header: map[string]string{
			"Content-Type": `^text/javascript`, "Content-Encoding": "^br$", "Vary": "Accept-Encoding",
			"Cache-Control": `^public, max-age=300$`, "ETag": `^"[0-9a-f]+"$`,
		}, CaptureHeader: map[string]string{"jsetag": "ETag"}}},
	{Name: "loader revalidated", Method: "GET", Path: "/lpedge.js", Header: map[string]string{"Accept-Encoding": "br", "If-None-Match": "{{jsetag}}"},
		Want: Want{Status: 304, Body: "^$"}},
	{Name: "loader, identity", Method: "GET", Path: "/lpedge.js", Header: map[string]string{"Accept-Encoding": "identity", "Origin": ""},
		Want: Want{Status: 200, Body: `^/\* lpedge\.js stand-in \*/$`, Header: map[string]string{"Content-Encoding": "^$"}}},
	{Name: "wasm, gzip (br refused with q=0)", Method: "GET", Path: "/" + WasmName, Header: map[string]string{"Accept-Encoding": "br;q=0, gzip"},
		Want: Want{Status: 200, Body: `^gz:wasm$`, Header: map[string]string{
			"Content-Type": "^application/wasm$", "Content-Encoding": "^gzip$",
			"Cache-Control": "immutable", "Access-Control-Allow-Origin": `^\*$`,
			"ETag": `^"0123abcd-gzip"$`, // from the name's hash: the module is not hashed at start
		}, CaptureHeader: map[string]string{"wasmetag": "ETag"}}},
	{Name: "another encoding has another ETag", Method: "GET", Path: "/" + WasmName, Header: map[string]string{"Accept-Encoding": "br", "If-None-Match": "{{wasmetag}}"},
		Want: Want{Status: 200, Body: "^br:wasm$"}},
	{Name: "HEAD", Method: "HEAD", Path: "/" + WasmName, Header: map[string]string{"Accept-Encoding": "br"},
		Want: Want{Status: 200, Body: "^$", Header: map[string]string{"Content-Encoding": "^br$", "Content-Type": "^application/wasm$"}}},
	{Name: "POST", Path: "/lpedge.js", Body: `{}`, Want: Want{Status: 405, Header: map[string]string{"Allow": "GET, HEAD"}}},
	{Name: "missing", Method: "GET", Path: "/lpedge.ffffffff.wasm", Want: Want{Status: 404, Body: errorMatching("not_found")}},
	{Name: "sibling without file", Method: "GET", Path: "/lpedge-notes.txt.gz", Want: Want{Status: 404}},
}}}
