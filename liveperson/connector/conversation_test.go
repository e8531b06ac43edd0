package connector_test

import (
	"encoding/json"
	"errors"
	"reflect"
	"strings"
	"testing"

	"github.com/lpedge/lpedge/internal/jsonv"
	"github.com/lpedge/lpedge/liveperson"
	"github.com/lpedge/lpedge/liveperson/connector"
)

const account = "1234"

func sdes(t testing.TB, s string) []liveperson.SDE {
	t.Helper()
	list, err := liveperson.DecodeSDEs([]byte(s))
	if err != nil {
		t.Fatalf("bad test SDEs %s: %v", s, err)
	}
	return list
}

// fullConversation uses every member of the batch.
func fullConversation(t testing.TB) *connector.Conversation {
	c, dropped := connector.NewConversation(account, sdes(t, `[
		{"type":"ctmrinfo","info":{"ctype":"vip","socialId":"1234567890"}},
		{"type":"personal","personal":{"firstname":"John","lastname":"Doe","gender":"MALE"}}]`))
	if dropped != nil {
		t.Fatalf("dropped %v", dropped)
	}
	c.TTR = "NORMAL"
	c.SkillID = "2736637412"
	c.CampaignID, c.EngagementID = "99999", "888888"
	c.Context = &connector.Context{VisitorID: "A3ZTY3Zjk1MDExZTczYTU4", SessionID: "ys2wSqaSRSOJGki7VhEDKQ",
		InteractionContextID: "2", Lang: "en-US", Features: []string{"PHOTO_SHARING"}}
	return c
}

func TestConversationAppendJSON(t *testing.T) {
	minimal, _ := connector.NewConversation(account, nil)
	for _, tt := range []struct {
		name string
		c    *connector.Conversation
		want string
	}{
		{"minimal", minimal, `[{"kind":"req","id":"1","type":"userprofile.SetUserProfile","body":{}},` +
			`{"kind":"req","id":"2","type":"cm.ConsumerRequestConversation","body":{"brandId":"1234","channelType":"MESSAGING","skillId":"-1"}}]`},
		{"full", fullConversation(t), `[{"kind":"req","id":"1","type":"userprofile.SetUserProfile","body":{"authenticatedData":{"lp_sdes":[` +
			`{"type":"ctmrinfo","info":{"ctype":"vip","socialId":"1234567890"}},` +
			`{"type":"personal","personal":{"firstname":"John","lastname":"Doe","gender":"MALE"}}]}}},` +
			`{"kind":"req","id":"2","type":"cm.ConsumerRequestConversation","body":{"brandId":"1234","channelType":"MESSAGING",` +
			`"ttrDefName":"NORMAL","skillId":"2736637412","campaignInfo":{"campaignId":"99999","engagementId":"888888"},` +
			`"conversationContext":{"type":"SharkContext","visitorId":"A3ZTY3Zjk1MDExZTczYTU4","sessionId":"ys2wSqaSRSOJGki7VhEDKQ",` +
			`"interactionContextId":"2","lang":"en-US","features":["PHOTO_SHARING"]}}}]`},
	} {
		t.Run(tt.name, func(t *testing.T) {
			got, err := tt.c.AppendJSON([]byte("prefix"))
			if err != nil {
				t.Fatal(err)
			}
			if string(got) != "prefix"+tt.want {
				t.Errorf("got  %s\nwant prefix%s", got, tt.want)
			}
			if !json.Valid(got[len("prefix"):]) {
				t.Errorf("not JSON: %s", got)
			}
		})
	}
}

func TestNewConversationFilters(t *testing.T) {
	c, dropped := connector.NewConversation(account, sdes(t, `[
		{"type":"cart","total":1,"numItems":1},
		{"type":"ctmrinfo","info":{"customerId":"c1","storeZipCode":"20505","ctype":"vip"}},
		{"type":"personal","personal":{"firstname":"Ann"}}]`))
	wantDropped := []string{"cart", "ctmrinfo.info.customerId", "ctmrinfo.info.storeZipCode"}
	if got := sortedCopy(dropped); !reflect.DeepEqual(got, wantDropped) {
		t.Errorf("dropped %v, want %v", got, wantDropped)
	}
	body, err := c.AppendJSON(nil)
	if err != nil {
		t.Fatal(err)
	}
	want := `{"authenticatedData":{"lp_sdes":[{"type":"ctmrinfo","info":{"ctype":"vip"}},{"type":"personal","personal":{"firstname":"Ann"}}]}}`
	if !strings.Contains(string(body), want) {
		t.Errorf("body %s\nlacks %s", body, want)
	}
}

func sortedCopy(s []string) []string {
	out := append([]string(nil), s...)
	for i := range out {
		for j := i + 1; j < len(out); j++ {
			if out[j] < out[i] {
				out[i], out[j] = out[j], out[i]
			}
		}
	}
	return out
}

func TestConversationAppendJSONErrors(t *testing.T) {
	for _, tt := range []struct {
		name   string
		change func(c *connector.Conversation)
		want   string
	}{
		{"no profile id", func(c *connector.Conversation) { c.ProfileID = "" }, "$[0].id: is required"},
		{"no request id", func(c *connector.Conversation) { c.RequestID = "" }, "$[1].id: is required"},
		{"same ids", func(c *connector.Conversation) { c.RequestID = "1" }, `$[1].id: "1" is also the id of $[0]; ids must differ within a batch`},
		{"no brand", func(c *connector.Conversation) { c.BrandID = "" }, "$[1].body.brandId: is required"},
		{"ttr", func(c *connector.Conversation) { c.TTR = "normal" }, `$[1].body.ttrDefName: "normal" is not one of NORMAL, URGENT, PRIORITIZED, CUSTOM`},
		{"skill", func(c *connector.Conversation) { c.SkillID = "sales" }, `$[1].body.skillId: want an integer such as -1, got "sales"`},
		{"campaign only", func(c *connector.Conversation) { c.EngagementID = "" }, "$[1].body.campaignInfo: needs both campaignId and engagementId"},
		{"engagement only", func(c *connector.Conversation) { c.CampaignID = "" }, "$[1].body.campaignInfo: needs both campaignId and engagementId"},
		{"campaign digits", func(c *connector.Conversation) { c.CampaignID = "9x" }, `$[1].body.campaignInfo.campaignId: want decimal digits, got "9x"`},
		{"engagement digits", func(c *connector.Conversation) { c.EngagementID = "-5" }, `$[1].body.campaignInfo.engagementId: want decimal digits, got "-5"`},
		{"lang", func(c *connector.Conversation) { c.Context.Lang = "en_US" }, `$[1].body.conversationContext.lang: want a language tag such as en-US, got "en_US"`},
		{"feature", func(c *connector.Conversation) { c.Context.Features = []string{"A", ""} }, "$[1].body.conversationContext.features[1]: is empty"},
		{"sde type", func(c *connector.Conversation) {
			c.SDEs = append(c.SDEs, sdes(t, `{"type":"lead","lead":{"topic":"x"}}`)...)
		},
			`$[0].body.authenticatedData.lp_sdes[2]: type "lead" may not be sent in lp_sdes (only ctmrinfo and personal)`},
		{"customerId", func(c *connector.Conversation) { c.SDEs = sdes(t, `{"type":"ctmrinfo","info":{"customerId":"x"}}`) },
			"$[0].body.authenticatedData.lp_sdes[0]: ctmrinfo.info.customerId may not be sent in lp_sdes: LivePerson would treat the conversation as authenticated and fail it"},
		{"storeNumber", func(c *connector.Conversation) { c.SDEs = sdes(t, `{"type":"ctmrinfo","info":{"storeNumber":"x"}}`) },
			"$[0].body.authenticatedData.lp_sdes[0]: ctmrinfo.info.storeNumber may not be sent in lp_sdes: the reference supports it only unauthenticated"},
		{"too large", func(c *connector.Conversation) {
			c.SDEs = sdes(t, `{"type":"personal","personal":{"firstname":"`+strings.Repeat("é", 4700)+`"}}`)
		}, "request body is 5266 characters; LivePerson accepts at most 5000"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			c := fullConversation(t)
			tt.change(c)
			got, err := c.AppendJSON([]byte("x"))
			if err == nil {
				t.Fatalf("no error; body %s", got)
			}
			if err.Error() != tt.want {
				t.Errorf("error %q\nwant  %q", err, tt.want)
			}
			if string(got) != "x" {
				t.Errorf("wrote %q on error", got)
			}
		})
	}
}

func TestConversationSizeLimit(t *testing.T) {
	c, _ := connector.NewConversation(account, nil)
	base, err := c.AppendJSON(nil)
	if err != nil {
		t.Fatal(err)
	}
	// A firstname fills the body to exactly MaxChars; a 4-byte emoji
	// counts as 2 characters, as in UTF-16.
	overhead := len(base) + len(`{"authenticatedData":{"lp_sdes":[{"type":"personal","personal":{"firstname":""}}]}}`) - len(`{}`)
	fill := connector.MaxChars - overhead
	for _, tt := range []struct {
		name, name1 string
		ok          bool
	}{
		{"ascii at limit", strings.Repeat("a", fill), true},
		{"ascii over", strings.Repeat("a", fill+1), false},
		{"emoji at limit", strings.Repeat("😀", fill/2) + strings.Repeat("a", fill%2), true},
		{"emoji over", strings.Repeat("😀", fill/2+1), false},
	} {
		t.Run(tt.name, func(t *testing.T) {
			c.SDEs = sdes(t, `{"type":"personal","personal":{"firstname":"`+tt.name1+`"}}`)
			body, err := c.AppendJSON(nil)
			if tt.ok != (err == nil) {
				t.Fatalf("AppendJSON error %v, want ok=%v", err, tt.ok)
			}
			if tt.ok {
				if n := connector.Chars(body); n != connector.MaxChars {
					t.Fatalf("body is %d characters, want %d", n, connector.MaxChars)
				}
				if _, err := connector.DecodeConversation(body, account); err != nil {
					t.Errorf("DecodeConversation of a body at the limit: %v", err)
				}
				return
			}
			if !errors.Is(err, connector.ErrTooLarge) {
				t.Errorf("error %v is not ErrTooLarge", err)
			}
		})
	}
}

func TestChars(t *testing.T) {
	for _, tt := range []struct {
		in   string
		want int
	}{{"", 0}, {"abc", 3}, {"é", 1}, {"€", 1}, {"😀", 2}, {"a😀é", 4}, {"\xff", 1}} {
		if got := connector.Chars([]byte(tt.in)); got != tt.want {
			t.Errorf("Chars(%q) = %d, want %d", tt.in, got, tt.want)
		}
	}
}

func TestConversationRoundTrip(t *testing.T) {
	minimal, _ := connector.NewConversation(account, nil)
	minimal.SkillID = "-1" // what the reader reports for the default
	noCtx := fullConversation(t)
	noCtx.Context = nil
	emptyCtx := fullConversation(t)
	emptyCtx.Context = &connector.Context{}
	for name, c := range map[string]*connector.Conversation{"minimal": minimal, "full": fullConversation(t), "no context": noCtx, "empty context": emptyCtx} {
		t.Run(name, func(t *testing.T) {
			body, err := c.AppendJSON(nil)
			if err != nil {
				t.Fatal(err)
			}
			got, err := connector.DecodeConversation(body, account)
			if err != nil {
				t.Fatalf("DecodeConversation(%s): %v", body, err)
			}
			if !reflect.DeepEqual(got, c) {
				t.Errorf("round trip\n got %+v\nwant %+v", got, c)
			}
		})
	}
}

// LivePerson's own request examples (conversation.md, examples.md, the
// devassist guide), with {accountid} filled in.
var referenceBatches = []struct {
	name, body string
	err        string // "" when it must decode
}{
	{"minimal", `[{"kind":"req","id":"1,","type":"userprofile.SetUserProfile","body":{}},
		{"kind":"req","id":"2,","type":"cm.ConsumerRequestConversation","body":{"brandId":"1234"}}]`, ""},
	{"sdes", `[{"kind":"req","id":"1,","type":"userprofile.SetUserProfile","body":{"authenticatedData":{"lp_sdes":[
		{"type":"ctmrinfo","info":{"socialId":"1234567890","ctype":"vip"}},
		{"type":"personal","personal":{"firstname":"John","lastname":"Doe","gender":"MALE"}}]}}},
		{"kind":"req","id":"2,","type":"cm.ConsumerRequestConversation","body":{"brandId":"1234"}}]`, ""},
	{"campaign and context", `[{"kind":"req","id":"1,","type":"userprofile.SetUserProfile","body":{"authenticatedData":{"lp_sdes":[
		{"type":"ctmrinfo","info":{"socialId":"1234567890","ctype":"vip"}}]}}},
		{"kind":"req","id":"2,","type":"cm.ConsumerRequestConversation","body":{"ttrDefName":"CUSTOM",
		"campaignInfo":{"campaignId":"99999","engagementId":"888888"},"conversationContext":{"visitorId":"A3ZTY3Zjk1MDExZTczYTU4",
		"sessionId":"ys2wSqaSRSOJGki7VhEDKQ","interactionContextId":"2","type":"SharkContext","lang":"en-US"},
		"channelType":"MESSAGING","brandId":"1234","skillId":"-1"}}]`, ""},
	{"ids swapped (examples.md)", `[{"kind":"req","id":"2,","type":"userprofile.SetUserProfile","body":{"authenticatedData":{"lp_sdes":[
		{"type":"ctmrinfo","info":{"socialId":"1234567890","companyBranch":"ACME"}}]}}},
		{"kind":"req","id":"1,","type":"cm.ConsumerRequestConversation","body":{"ttrDefName":"NORMAL","channelType":"MESSAGING","brandId":"1234"}}]`, ""},
	{"empty context values (AUTO_MESSAGES example)", `[{"kind":"req","id":"1,","type":"userprofile.SetUserProfile","body":{}},
		{"kind":"req","id":"2,","type":"cm.ConsumerRequestConversation","body":{"ttrDefName":"NORMAL","channelType":"MESSAGING","brandId":"1234",
		"conversationContext":{"visitorId":"","sessionId":"","interactionContextId":"2","type":"SharkContext","lang":"en-US"}}}]`, ""},
	{"numbers as ids (LivePerson's demo app)", `[{"kind":"req","id":1,"type":"userprofile.SetUserProfile","body":{}},
		{"kind":"req","id":2,"type":"cm.ConsumerRequestConversation","body":{"brandId":"1234","skillId":-1,
		"campaignInfo":{"campaignId":99999,"engagementId":888888},"conversationContext":{"type":"SharkContext","interactionContextId":2}}}]`, ""},
	// examples.md's campaign example gives both requests the id "1,"; the
	// brief for this model makes ids unique per batch.
	{"duplicate ids (examples.md campaign example)", `[{"kind":"req","id":"1,","type":"userprofile.SetUserProfile","body":{}},
		{"kind":"req","id":"1,","type":"cm.ConsumerRequestConversation","body":{"ttrDefName":"NORMAL",
		"campaignInfo":{"campaignId":"2739101812","engagementId":"2739121912"},"channelType":"MESSAGING","brandId":"1234"}}]`,
		`$[1].id: "1," is also the id of $[0]; ids must differ within a batch`},
	// The devassist guide's Java example sends customerId, which the
	// messaging best practices forbid.
	{"customerId (devassist guide)", `[{"kind":"req","id":"4b91dd19-9b0c-4354-8fef-4f58a45a9c57","type":"userprofile.SetUserProfile",
		"body":{"authenticatedData":{"lp_sdes":[{"type":"ctmrinfo","info":{"customerId":"138766AZE","socialId":"1125632","imei":"35433545688","userName":"user000"}},
		{"type":"personal","personal":{"firstname":"John","lastname":"Doe"}}]}}},
		{"kind":"req","id":"533575ec-b092-4ea6-ba13-25a98095e79f","type":"cm.ConsumerRequestConversation","body":{"channelType":"MESSAGING","brandId":"1234"}}]`,
		"$[0].body.authenticatedData.lp_sdes[0]: ctmrinfo.info.customerId may not be sent in lp_sdes: LivePerson would treat the conversation as authenticated and fail it"},
}

func TestDecodeConversationReferenceExamples(t *testing.T) {
	for _, tt := range referenceBatches {
		t.Run(tt.name, func(t *testing.T) {
			c, err := connector.DecodeConversation([]byte(tt.body), account)
			if tt.err != "" {
				if err == nil || err.Error() != tt.err {
					t.Fatalf("error %v\nwant  %s", err, tt.err)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if c.BrandID != account {
				t.Errorf("brandId %q", c.BrandID)
			}
		})
	}
	var numbers string
	for _, tt := range referenceBatches {
		if strings.HasPrefix(tt.name, "numbers as ids") {
			numbers = tt.body
		}
	}
	c, err := connector.DecodeConversation([]byte(numbers), account)
	if err != nil {
		t.Fatal(err)
	}
	want := &connector.Conversation{ProfileID: "1", RequestID: "2", BrandID: account, SkillID: "-1",
		CampaignID: "99999", EngagementID: "888888", Context: &connector.Context{InteractionContextID: "2"}}
	if !reflect.DeepEqual(c, want) {
		t.Errorf("numbers as ids:\n got %+v\nwant %+v", c, want)
	}
}

func TestDecodeConversationErrors(t *testing.T) {
	const profile = `{"kind":"req","id":"1","type":"userprofile.SetUserProfile","body":{}}`
	const request = `{"kind":"req","id":"2","type":"cm.ConsumerRequestConversation","body":{"brandId":"1234"}}`
	withBody := func(body string) string {
		return `[` + profile + `,{"kind":"req","id":"2","type":"cm.ConsumerRequestConversation","body":` + body + `}]`
	}
	withProfile := func(body string) string {
		return `[{"kind":"req","id":"1","type":"userprofile.SetUserProfile","body":` + body + `},` + request + `]`
	}
	withContext := func(ctx string) string { return withBody(`{"brandId":"1234","conversationContext":` + ctx + `}`) }
	for _, tt := range []struct {
		name, body, want string
	}{
		{"empty", ``, "invalid JSON at byte 0: unexpected end of input"},
		{"syntax", `[{"kind":}]`, "invalid JSON at byte 9: unexpected character '}'"},
		{"object", `{}`, "$: want an array of 2 requests, userprofile.SetUserProfile then cm.ConsumerRequestConversation, got an object"},
		{"one", `[` + profile + `]`, "$: want an array of 2 requests, userprofile.SetUserProfile then cm.ConsumerRequestConversation, got an array of 1"},
		{"three", `[` + profile + `,` + request + `,` + request + `]`, "$: want an array of 2 requests, userprofile.SetUserProfile then cm.ConsumerRequestConversation, got an array of 3"},
		{"item not object", `["x",` + request + `]`, `$[0]: want an object, got a string ("x")`},
		{"order", `[` + request + `,` + profile + `]`, `$[0].type: want userprofile.SetUserProfile, got "cm.ConsumerRequestConversation"`},
		{"same type twice", `[` + profile + `,` + profile + `]`, `$[1].type: want cm.ConsumerRequestConversation, got "userprofile.SetUserProfile"`},
		{"type missing", `[{"kind":"req","id":"1","body":{}},` + request + `]`, `$[0].type: is required (want userprofile.SetUserProfile)`},
		{"type not string", `[{"kind":"req","id":"1","type":7,"body":{}},` + request + `]`, `$[0].type: want a string, got 7`},
		{"kind missing", `[{"id":"1","type":"userprofile.SetUserProfile","body":{}},` + request + `]`, `$[0].kind: is required (want "req")`},
		{"kind wrong", `[{"kind":"resp","id":"1","type":"userprofile.SetUserProfile","body":{}},` + request + `]`, `$[0].kind: want "req", got a string ("resp")`},
		{"id missing", `[{"kind":"req","type":"userprofile.SetUserProfile","body":{}},` + request + `]`, "$[0].id: is required"},
		{"id empty", `[{"kind":"req","id":"","type":"userprofile.SetUserProfile","body":{}},` + request + `]`, "$[0].id: is required"},
		{"id bool", `[{"kind":"req","id":true,"type":"userprofile.SetUserProfile","body":{}},` + request + `]`, "$[0].id: want a string or an integer, got true"},
		{"id fraction", `[{"kind":"req","id":1.5,"type":"userprofile.SetUserProfile","body":{}},` + request + `]`, "$[0].id: want a string or an integer, got 1.5"},
		{"body missing", `[{"kind":"req","id":"1","type":"userprofile.SetUserProfile"},` + request + `]`, "$[0].body: is required"},
		{"body array", `[{"kind":"req","id":"1","type":"userprofile.SetUserProfile","body":[]},` + request + `]`, "$[0].body: want an object, got an array"},
		{"skillId beside body (BotBuilder sample)", `[` + profile + `,{"kind":"req","id":"2","type":"cm.ConsumerRequestConversation","skillId":"-1","body":{"brandId":"1234"}}]`,
			"$[1].skillId: is not a member here (want kind, id, type, body)"},
		{"profile member", withProfile(`{"firstName":"Ann"}`), "$[0].body.firstName: is not a member here (want authenticatedData)"},
		{"authenticatedData type", withProfile(`{"authenticatedData":[]}`), "$[0].body.authenticatedData: want an object, got an array"},
		{"authenticatedData member", withProfile(`{"authenticatedData":{"sdes":[]}}`), "$[0].body.authenticatedData.sdes: is not a member here (want lp_sdes)"},
		{"lp_sdes object", withProfile(`{"authenticatedData":{"lp_sdes":{"type":"personal"}}}`), "$[0].body.authenticatedData.lp_sdes: want an array of SDEs, got an object"},
		{"sde invalid", withProfile(`{"authenticatedData":{"lp_sdes":[{"type":"personal","personal":{"gender":"X"}}]}}`),
			`$[0].body.authenticatedData.lp_sdes[0]: personal.personal.gender: "X" is not one of MALE, FEMALE, OTHER`},
		{"sde unknown type", withProfile(`{"authenticatedData":{"lp_sdes":[{"type":"personal"},{"type":"vip"}]}}`),
			`$[0].body.authenticatedData.lp_sdes[1]: type: "vip" is not an engagement attribute type (want one of cart, purchase, prodView, ctmrinfo, mrktInfo, personal, lead, service, error, searchInfo, impDisplay, impAccept, impExpanded, impTimeout, impClose)`},
		{"sde not for messaging", withProfile(`{"authenticatedData":{"lp_sdes":[{"type":"searchInfo","keywords":["a"]}]}}`),
			`$[0].body.authenticatedData.lp_sdes[0]: type "searchInfo" may not be sent in lp_sdes (only ctmrinfo and personal)`},
		{"customerId", withProfile(`{"authenticatedData":{"lp_sdes":[{"type":"ctmrinfo","info":{"customerId":"1","storeNumber":"2"}}]}}`),
			"$[0].body.authenticatedData.lp_sdes[0]: ctmrinfo.info.customerId may not be sent in lp_sdes: LivePerson would treat the conversation as authenticated and fail it"},
		{"storeZipCode", withProfile(`{"authenticatedData":{"lp_sdes":[{"type":"ctmrinfo","info":{"storeZipCode":"1"}}]}}`),
			"$[0].body.authenticatedData.lp_sdes[0]: ctmrinfo.info.storeZipCode may not be sent in lp_sdes: the reference supports it only unauthenticated"},
		{"brandId missing", withBody(`{"channelType":"MESSAGING"}`), "$[1].body.brandId: is required"},
		{"brandId other account", withBody(`{"brandId":"999"}`), `$[1].body.brandId: "999" is not the account "1234"`},
		{"brandId object", withBody(`{"brandId":{}}`), "$[1].body.brandId: want a string or an integer, got an object"},
		{"channelType", withBody(`{"brandId":"1234","channelType":"CHAT"}`), `$[1].body.channelType: want "MESSAGING", got a string ("CHAT")`},
		{"ttrDefName", withBody(`{"brandId":"1234","ttrDefName":"FAST"}`), `$[1].body.ttrDefName: "FAST" is not one of NORMAL, URGENT, PRIORITIZED, CUSTOM`},
		{"ttrDefName number", withBody(`{"brandId":"1234","ttrDefName":1}`), `$[1].body.ttrDefName: want a string, got 1`},
		{"skillId", withBody(`{"brandId":"1234","skillId":"any"}`), `$[1].body.skillId: want an integer such as -1, got "any"`},
		{"unknown member", withBody(`{"brandId":"1234","skill":"-1"}`),
			"$[1].body.skill: is not a member here (want brandId, channelType, ttrDefName, skillId, campaignInfo, conversationContext)"},
		{"campaignInfo empty", withBody(`{"brandId":"1234","campaignInfo":{}}`), "$[1].body.campaignInfo: needs both campaignId and engagementId"},
		{"campaignInfo half", withBody(`{"brandId":"1234","campaignInfo":{"campaignId":"1"}}`), "$[1].body.campaignInfo: needs both campaignId and engagementId"},
		{"campaignInfo member", withBody(`{"brandId":"1234","campaignInfo":{"campaignId":"1","engagementId":"2","revision":3}}`),
			"$[1].body.campaignInfo.revision: is not a member here (want campaignId, engagementId)"},
		{"campaignId text", withBody(`{"brandId":"1234","campaignInfo":{"campaignId":"c","engagementId":"2"}}`),
			`$[1].body.campaignInfo.campaignId: want decimal digits, got "c"`},
		{"context type missing", withContext(`{"visitorId":"V"}`), `$[1].body.conversationContext.type: is required (want "SharkContext")`},
		{"context type other", withContext(`{"type":"WebContext"}`), `$[1].body.conversationContext.type: want "SharkContext", got a string ("WebContext")`},
		{"context member", withContext(`{"type":"SharkContext","engagementId":"1"}`),
			"$[1].body.conversationContext.engagementId: is not a member here (want type, visitorId, sessionId, interactionContextId, lang, features)"},
		{"visitorId number", withContext(`{"type":"SharkContext","visitorId":5}`), "$[1].body.conversationContext.visitorId: want a string, got 5"},
		{"interactionContextId bool", withContext(`{"type":"SharkContext","interactionContextId":false}`),
			"$[1].body.conversationContext.interactionContextId: want a string or an integer, got false"},
		{"lang", withContext(`{"type":"SharkContext","lang":"english"}`), `$[1].body.conversationContext.lang: want a language tag such as en-US, got "english"`},
		{"features string", withContext(`{"type":"SharkContext","features":"X"}`), `$[1].body.conversationContext.features: want an array of strings, got a string ("X")`},
		{"features element", withContext(`{"type":"SharkContext","features":["X",1]}`), "$[1].body.conversationContext.features[1]: want a string, got 1"},
		{"too large", withBody(`{"brandId":"1234","ttrDefName":"` + strings.Repeat("x", 5000) + `"}`),
			"request body is 5177 characters; LivePerson accepts at most 5000"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			c, err := connector.DecodeConversation([]byte(tt.body), account)
			if err == nil {
				t.Fatalf("no error; got %+v", c)
			}
			if err.Error() != tt.want {
				t.Errorf("error %q\nwant  %q", err, tt.want)
			}
			if c != nil {
				t.Errorf("a result with the error: %+v", c)
			}
			checkErrorKind(t, err)
		})
	}
}

// checkErrorKind: every decoder error is a syntax error, a size error or
// a validation error, so that callers can map it to a status.
func checkErrorKind(t testing.TB, err error) {
	t.Helper()
	var syn *jsonv.SyntaxError
	var val *liveperson.ValidationError
	if !errors.As(err, &syn) && !errors.As(err, &val) && !errors.Is(err, connector.ErrTooLarge) {
		t.Errorf("error %v (%T) is neither a syntax, a validation nor a size error", err, err)
	}
}

func TestCheckMessagingSDEs(t *testing.T) {
	if err := connector.CheckMessagingSDEs(nil); err != nil {
		t.Errorf("nil: %v", err)
	}
	ok := sdes(t, `[{"type":"ctmrinfo","info":{"ctype":"vip","balance":1}},{"type":"personal","personal":{"firstname":"A"}}]`)
	if err := connector.CheckMessagingSDEs(ok); err != nil {
		t.Errorf("allowed SDEs: %v", err)
	}
	// Several forbidden fields: the first in name order is reported,
	// whatever the map order.
	two := sdes(t, `{"type":"ctmrinfo","info":{"storeZipCode":"1","customerId":"2","storeNumber":"3"}}`)
	for range 20 {
		err := connector.CheckMessagingSDEs(two)
		if err == nil || !strings.Contains(err.Error(), "ctmrinfo.info.customerId") {
			t.Fatalf("error %v", err)
		}
	}
}
