package connector

import (
	"slices"
	"strconv"
	"strings"

	"github.com/lpedge/lpedge/internal/jsonv"
	"github.com/lpedge/lpedge/internal/text"
	"github.com/lpedge/lpedge/liveperson"
)

// Request types (the envelope's "type") of the Connector API.
const (
	TypeSetUserProfile              = "userprofile.SetUserProfile"
	TypeConsumerRequestConversation = "cm.ConsumerRequestConversation"
	TypePublishEvent                = "ms.PublishEvent"
	TypeUpdateConversationField     = "cm.UpdateConversationField"
)

// Values of cm.ConsumerRequestConversation fields.
const (
	ChannelMessaging = "MESSAGING"    // channelType: "Always use MESSAGING"
	SkillAny         = "-1"           // skillId: any skill (the default)
	SharkContext     = "SharkContext" // conversationContext.type for Monitoring ids
)

// TTRs are the values of ttrDefName, the conversation's urgency.
var TTRs = []string{"NORMAL", "URGENT", "PRIORITIZED", "CUSTOM"}

// A Conversation is the body of a CONVERSATION call: the batch
// [userprofile.SetUserProfile, cm.ConsumerRequestConversation], in that
// order. [Conversation.AppendJSON] writes it; [DecodeConversation] reads
// and validates one, as LivePerson would.
type Conversation struct {
	// ProfileID and RequestID are the envelope ids of the two requests:
	// required, and they must differ ([NewConversation] sets "1" and "2").
	// The answer's item whose reqId is RequestID carries the
	// conversationId ([ReadConversation]).
	ProfileID, RequestID string

	// SDEs go to SetUserProfile's authenticatedData.lp_sdes. Only ctmrinfo
	// and personal are allowed, without ctmrinfo.info.customerId and the
	// unauthenticated-only fields ([CheckMessagingSDEs]); [NewConversation]
	// filters them. None: the body is {}.
	SDEs []liveperson.SDE

	BrandID string // brandId: the account id; required
	TTR     string // ttrDefName: one of TTRs; "" (the default) writes none, LivePerson's null
	SkillID string // skillId: an integer; "" writes SkillAny

	// CampaignID and EngagementID (campaignInfo) route the conversation
	// the way the campaign says: the Monitoring engagement's ids, decimal.
	// Both or neither; none by default.
	CampaignID, EngagementID string

	// Context is the conversationContext (a SharkContext); nil writes none.
	Context *Context
}

// A Context is a SharkContext: the Monitoring session the conversation
// comes from.
type Context struct {
	VisitorID            string   // Monitoring visitorId (the engagement's svid)
	SessionID            string   // Monitoring sessionId (ssid)
	InteractionContextID string   // the engagement's contextId (scid)
	Lang                 string   // language tag such as "en-US"; "" writes none
	Features             []string // seen in one example only; nil writes none
}

// NewConversation returns the request for brand with envelope ids "1"
// and "2", carrying the SDEs that lp_sdes may hold (see
// [liveperson.ForMessaging]); dropped names what was left out, for the
// caller to log or report.
func NewConversation(brandID string, sdes []liveperson.SDE) (c *Conversation, dropped []string) {
	kept, dropped := liveperson.ForMessaging(sdes)
	return &Conversation{ProfileID: "1", RequestID: "2", BrandID: brandID, SDEs: kept}, dropped
}

func orDefault(s, def string) string {
	if s == "" {
		return def
	}
	return s
}

// Paths of the batch's parts, for errors.
const (
	pathSDEs    = "$[0].body.authenticatedData.lp_sdes"
	pathRequest = "$[1].body"
	pathContext = pathRequest + ".conversationContext"
)

// AppendJSON validates c and appends the CONVERSATION body. It fails on
// what LivePerson would reject: SDEs lp_sdes may not carry, bad values,
// and a body over [MaxChars].
func (c *Conversation) AppendJSON(b []byte) ([]byte, error) {
	if err := c.check(); err != nil {
		return b, err
	}
	start := len(b)
	b = append(b, '[')
	b = appendRequest(b, c.ProfileID, TypeSetUserProfile, func(body *obj) {
		if len(c.SDEs) > 0 {
			data := body.open("authenticatedData")
			data.key("lp_sdes")
			data.b = liveperson.AppendSDEs(data.b, c.SDEs)
			body.end(data)
		}
	})
	b = append(b, ',')
	b = appendRequest(b, c.RequestID, TypeConsumerRequestConversation, func(body *obj) {
		body.str("brandId", c.BrandID)
		body.str("channelType", ChannelMessaging)
		body.optStr("ttrDefName", c.TTR)
		body.str("skillId", orDefault(c.SkillID, SkillAny))
		if c.CampaignID != "" {
			info := body.open("campaignInfo")
			info.str("campaignId", c.CampaignID)
			info.str("engagementId", c.EngagementID)
			body.end(info)
		}
		if x := c.Context; x != nil {
			ctx := body.open("conversationContext")
			ctx.str("type", SharkContext)
			ctx.optStr("visitorId", x.VisitorID)
			ctx.optStr("sessionId", x.SessionID)
			ctx.optStr("interactionContextId", x.InteractionContextID)
			ctx.optStr("lang", x.Lang)
			if x.Features != nil {
				ctx.strs("features", x.Features)
			}
			body.end(ctx)
		}
	})
	b = append(b, ']')
	if err := checkSize(b[start:]); err != nil {
		return b[:start], err
	}
	return b, nil
}

// check validates the values of c; the readers have checked the shape.
func (c *Conversation) check() error {
	if c.ProfileID == "" {
		return bad("$[0].id", "is required")
	}
	if c.RequestID == "" {
		return bad("$[1].id", "is required")
	}
	if c.ProfileID == c.RequestID {
		return bad("$[1].id", strconv.Quote(c.RequestID)+" is also the id of $[0]; ids must differ within a batch")
	}
	if err := CheckMessagingSDEs(c.SDEs); err != nil {
		return err
	}
	if c.BrandID == "" {
		return bad(pathRequest+".brandId", "is required")
	}
	if c.TTR != "" && !slices.Contains(TTRs, c.TTR) {
		return bad(pathRequest+".ttrDefName", strconv.Quote(c.TTR)+" is not one of "+strings.Join(TTRs, ", "))
	}
	if s := orDefault(c.SkillID, SkillAny); !isInteger(s) {
		return bad(pathRequest+".skillId", "want an integer such as "+SkillAny+", got "+strconv.Quote(s))
	}
	if (c.CampaignID == "") != (c.EngagementID == "") {
		return bad(pathRequest+".campaignInfo", "needs both campaignId and engagementId")
	}
	if c.CampaignID != "" {
		if !text.IsDigits(c.CampaignID) {
			return bad(pathRequest+".campaignInfo.campaignId", "want decimal digits, got "+strconv.Quote(c.CampaignID))
		}
		if !text.IsDigits(c.EngagementID) {
			return bad(pathRequest+".campaignInfo.engagementId", "want decimal digits, got "+strconv.Quote(c.EngagementID))
		}
	}
	if x := c.Context; x != nil {
		if x.Lang != "" && !isLangTag(x.Lang) {
			return bad(pathContext+".lang", "want a language tag such as en-US, got "+strconv.Quote(x.Lang))
		}
		for i, f := range x.Features {
			if f == "" {
				return bad(pathContext+".features["+strconv.Itoa(i)+"]", "is empty")
			}
		}
	}
	return nil
}

// CheckMessagingSDEs reports the first SDE that a Connector conversation's
// lp_sdes may not carry: types other than ctmrinfo and personal,
// ctmrinfo.info.customerId (LivePerson would treat the conversation as
// authenticated and fail it) and fields the reference marks
// unauthenticated-only. The error's path is the SDE's place in a
// CONVERSATION body. [liveperson.ForMessaging] removes the same things.
func CheckMessagingSDEs(sdes []liveperson.SDE) error {
	for i, s := range sdes {
		_, dropped := liveperson.ForMessaging([]liveperson.SDE{s})
		if len(dropped) == 0 {
			continue
		}
		path := pathSDEs + "[" + strconv.Itoa(i) + "]"
		d := slices.Min(dropped) // several fields come in map order
		switch {
		case !strings.Contains(d, "."):
			return bad(path, "type "+strconv.Quote(d)+" may not be sent in lp_sdes (only ctmrinfo and personal)")
		case d == "ctmrinfo.info.customerId":
			return bad(path, d+" may not be sent in lp_sdes: LivePerson would treat the conversation as authenticated and fail it")
		default:
			return bad(path, d+" may not be sent in lp_sdes: the reference supports it only unauthenticated")
		}
	}
	return nil
}

// DecodeConversation reads and validates a CONVERSATION body the way
// LivePerson would for account: size, JSON, exactly SetUserProfile then
// ConsumerRequestConversation with distinct ids, known members of the
// right types, brandId equal to account, lp_sdes valid SDEs (checked with
// [liveperson.ParseSDE]) that messaging allows. Unknown members are
// errors. Integers are accepted where LivePerson's examples write ids as
// numbers. An absent skillId reads as SkillAny, and an empty lp_sdes as
// none, the way AppendJSON writes them.
func DecodeConversation(data []byte, account string) (*Conversation, error) {
	if err := checkSize(data); err != nil {
		return nil, err
	}
	v, err := jsonv.Parse(data)
	if err != nil {
		return nil, err
	}
	list, ok := v.([]any)
	if !ok || len(list) != 2 {
		got := jsonv.Describe(v)
		if ok {
			got = "an array of " + strconv.Itoa(len(list))
		}
		return nil, bad("$", "want an array of 2 requests, "+TypeSetUserProfile+" then "+TypeConsumerRequestConversation+", got "+got)
	}
	c := &Conversation{}
	var profile, req object
	if c.ProfileID, _, profile, err = readRequest("$[0]", list[0], TypeSetUserProfile); err != nil {
		return nil, err
	}
	if c.RequestID, _, req, err = readRequest("$[1]", list[1], TypeConsumerRequestConversation); err != nil {
		return nil, err
	}
	if c.SDEs, err = readProfile(profile); err != nil {
		return nil, err
	}
	if err := c.readConsumerRequest(req); err != nil {
		return nil, err
	}
	if err := c.check(); err != nil {
		return nil, err
	}
	if c.BrandID != account {
		return nil, bad(pathRequest+".brandId", strconv.Quote(c.BrandID)+" is not the account "+strconv.Quote(account))
	}
	return c, nil
}

// readRequest reads a request envelope whose type must be one of types.
func readRequest(path string, v any, types ...string) (id, typ string, body object, err error) {
	env, err := asObject(path, v)
	if err != nil {
		return "", "", object{}, err
	}
	if err = env.only("kind", "id", "type", "body"); err != nil {
		return "", "", object{}, err
	}
	if err = env.is("kind", "req"); err != nil {
		return "", "", object{}, err
	}
	if id, err = env.id("id"); err == nil && id == "" {
		err = bad(env.at("id"), "is required")
	}
	if err != nil {
		return "", "", object{}, err
	}
	if typ, err = env.str("type"); err == nil {
		err = oneOf(env.at("type"), typ, types)
	}
	if err != nil {
		return "", "", object{}, err
	}
	body, err = env.reqObj("body")
	return id, typ, body, err
}

func readProfile(body object) ([]liveperson.SDE, error) {
	if err := body.only("authenticatedData"); err != nil {
		return nil, err
	}
	data, ok, err := body.obj("authenticatedData")
	if !ok {
		return nil, err
	}
	if err := data.only("lp_sdes"); err != nil {
		return nil, err
	}
	v, ok := data.get("lp_sdes")
	if !ok {
		return nil, nil
	}
	list, ok := v.([]any)
	if !ok {
		return nil, bad(pathSDEs, "want an array of SDEs, got "+jsonv.Describe(v))
	}
	if len(list) == 0 {
		return nil, nil // as AppendJSON writes it: no authenticatedData
	}
	sdes := make([]liveperson.SDE, len(list))
	for i, e := range list {
		s, err := liveperson.ParseSDE(e)
		if err != nil {
			return nil, bad(pathSDEs+"["+strconv.Itoa(i)+"]", err.Error())
		}
		sdes[i] = s
	}
	return sdes, nil
}

func (c *Conversation) readConsumerRequest(body object) error {
	err := body.only("brandId", "channelType", "ttrDefName", "skillId", "campaignInfo", "conversationContext")
	if err != nil {
		return err
	}
	if c.BrandID, err = body.id("brandId"); err != nil {
		return err
	}
	// The documentation's minimal example omits channelType.
	if _, ok := body.get("channelType"); ok {
		if err := body.is("channelType", ChannelMessaging); err != nil {
			return err
		}
	}
	if c.TTR, err = body.str("ttrDefName"); err != nil {
		return err
	}
	if c.SkillID, err = body.id("skillId"); err != nil {
		return err
	}
	c.SkillID = orDefault(c.SkillID, SkillAny) // what LivePerson assumes, and what AppendJSON writes
	if err := c.readCampaign(body); err != nil {
		return err
	}
	c.Context, err = readContext(body)
	return err
}

func (c *Conversation) readCampaign(body object) error {
	info, ok, err := body.obj("campaignInfo")
	if !ok {
		return err
	}
	if err := info.only("campaignId", "engagementId"); err != nil {
		return err
	}
	if c.CampaignID, err = info.id("campaignId"); err != nil {
		return err
	}
	if c.EngagementID, err = info.id("engagementId"); err != nil {
		return err
	}
	if c.CampaignID == "" && c.EngagementID == "" { // check() takes this as no campaign
		return bad(info.path, "needs both campaignId and engagementId")
	}
	return nil
}

func readContext(body object) (*Context, error) {
	ctx, ok, err := body.obj("conversationContext")
	if !ok {
		return nil, err
	}
	if err := ctx.only("type", "visitorId", "sessionId", "interactionContextId", "lang", "features"); err != nil {
		return nil, err
	}
	if err := ctx.is("type", SharkContext); err != nil {
		return nil, err
	}
	x := &Context{}
	if x.VisitorID, err = ctx.str("visitorId"); err != nil {
		return nil, err
	}
	if x.SessionID, err = ctx.str("sessionId"); err != nil {
		return nil, err
	}
	if x.InteractionContextID, err = ctx.id("interactionContextId"); err != nil {
		return nil, err
	}
	if x.Lang, err = ctx.str("lang"); err != nil {
		return nil, err
	}
	if x.Features, err = ctx.strs("features"); err != nil {
		return nil, err
	}
	return x, nil
}

func isInteger(s string) bool { return text.IsDigits(strings.TrimPrefix(s, "-")) }

// isLangTag reports whether s looks like a BCP 47 tag, as far as
// LivePerson's "IETF (ISO-639-1 and ISO-3166)" needs: a 2-3 letter
// language, then subtags of 1-8 letters or digits.
func isLangTag(s string) bool {
	for i, sub := range strings.Split(s, "-") {
		if i == 0 && (len(sub) < 2 || len(sub) > 3) || len(sub) < 1 || len(sub) > 8 {
			return false
		}
		for j := 0; j < len(sub); j++ {
			c := sub[j]
			letter := c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z'
			if !letter && (i == 0 || c < '0' || c > '9') {
				return false
			}
		}
	}
	return true
}
