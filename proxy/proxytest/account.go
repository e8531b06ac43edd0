package proxytest

import (
	"strings"

	"github.com/lpedge/lpedge/liveperson/lptest"
)

// accountCases: the tag names the account and app it believes in (its
// data-account and data-app) as ?account= and ?app=; a proxy serving
// another answers 400 account_mismatch naming the attribute and both
// values, on every route and before any call upstream.
var accountCases = []Case{{Name: "the tag's account and app are checked", Steps: func() []Step {
	mismatch := func(attr, theirs string) Want {
		return Want{Status: 400, Calls: none,
			Body: `^\{"error":\{"code":"account_mismatch","message":"` + attr + `: the page names \\"` + theirs +
				`\\", but this proxy serves \\"` + map[string]string{"data-account": lptest.DefaultAccount, "data-app": lptest.DefaultApp}[attr] + `\\"`,
			Header: map[string]string{"Access-Control-Allow-Origin": "^" + Origin + "$"}}
	}
	ok := "?account=" + lptest.DefaultAccount + "&app=" + lptest.DefaultApp
	steps := []Step{
		{Name: "the right ones pass", Path: "/v1/engagement" + ok, Body: engagementBody,
			Want: Want{Status: 201, Calls: calls(lptest.RouteEngagement, 1)}},
		{Name: "report, another account", Path: "/v1/report?account=99999999", Body: reportBody, Want: mismatch("data-account", "99999999")},
		{Name: "engagement, another app", Path: "/v1/engagement?account=" + lptest.DefaultAccount + "&app=other-app", Body: engagementBody,
			Want: mismatch("data-app", "other-app")},
		{Name: "the account twice", Path: "/v1/engagement" + ok + "&account=99999999", Body: engagementBody,
			Want: mismatch("data-account", lptest.DefaultAccount+",99999999")},
		{Name: "a query that cannot be read is refused, not skipped", Path: "/v1/report?account=%zz", Body: reportBody,
			Want: Want{Status: 400, Calls: none, Body: `^\{"error":\{"code":"bad_request","message":"the query \(\?account= and \?app=`}},
		{Name: "events, another account", Method: "GET", Path: "/v1/conversations/c0ffee/events?after=0&account=1",
			Want: mismatch("data-account", "1")},
	}
	for _, p := range []string{"/v1/conversations", "/v1/conversations/c0ffee/messages", "/v1/conversations/c0ffee/close",
		"/v1/conversations/c0ffee/typing", "/v1/conversations/c0ffee/read"} {
		steps = append(steps, Step{Name: strings.TrimPrefix(p, "/v1/") + ", another account", Path: p + "?account=1",
			Body: forConsumer(createBody, "m"), Want: mismatch("data-account", "1")})
	}
	return steps
}()}}
