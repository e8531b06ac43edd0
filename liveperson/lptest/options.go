package lptest

import (
	neturl "net/url"
	"strconv"
	"strings"
	"time"

	"github.com/lpedge/lpedge/internal/jsonv"
	"github.com/lpedge/lpedge/liveperson"
	"github.com/lpedge/lpedge/liveperson/monitoring"
)

// Defaults of a server started without [WithAccount] and [WithClient]. The
// demo and the examples use them.
const (
	DefaultAccount      = "12345678"
	DefaultApp          = "8de29e3d-25b1-4d08-b713-8331ab222bfa" // the Monitoring app installation id
	DefaultClientID     = "3f5e2c1a-7b4d-4e8f-9a6c-0d1e2f3a4b5c" // Sentinel client_id: the connector app's installation id
	DefaultClientSecret = "lptest-client-secret"
)

// An Option configures a [Server].
type Option func(*config)

type config struct {
	accounts    map[string][]string // account -> app installation ids
	clients     map[string]string   // client_id -> client_secret
	engagements []Engagement
	clock       func() time.Time

	agent      string // the agent's participant id; DefaultAgentID when empty
	webhookURL string // "" sends no webhooks
	webhookAlg string // "sha1" or "sha256"
	// retries: the first wait (doubling), the longest, and the retention
	retryFirst, retryMax, retention time.Duration
}

func (c *config) agentID() string {
	if c.agent == "" {
		return DefaultAgentID
	}
	return c.agent
}

// WithAccount adds an account and the Monitoring app installation ids it
// has; with no apps, the account has [DefaultApp]. Without any WithAccount
// the server has one account, [DefaultAccount] with [DefaultApp]. Calls for
// other accounts or apps are refused as LivePerson refuses them.
func WithAccount(account string, apps ...string) Option {
	return func(c *config) {
		if err := monitoring.CheckAccount(account); err != nil {
			panic("lptest.WithAccount: " + err.Error())
		}
		if len(apps) == 0 {
			apps = []string{DefaultApp}
		}
		for _, a := range apps {
			if err := monitoring.CheckID("app installation id", a, 64); err != nil {
				panic("lptest.WithAccount: " + err.Error())
			}
		}
		if c.accounts == nil {
			c.accounts = map[string][]string{}
		}
		c.accounts[account] = append(c.accounts[account], apps...)
	}
}

// WithClient adds Sentinel client credentials, valid for every account.
// The client id is the app installation id that AppJWTs carry as azp.
// Without any WithClient the server knows [DefaultClientID] with
// [DefaultClientSecret].
func WithClient(clientID, clientSecret string) Option {
	return func(c *config) {
		if clientID == "" || clientSecret == "" {
			panic("lptest.WithClient: client id and secret must not be empty")
		}
		if c.clients == nil {
			c.clients = map[string]string{}
		}
		c.clients[clientID] = clientSecret
	}
}

// WithEngagement adds engagements, in priority order: the Monitoring
// engagement method answers the first one whose targeting matches. By
// default there are none, so engagement answers no engagementDetails.
// [DemoEngagements] are the ones the lptest command serves.
func WithEngagement(engagements ...Engagement) Option {
	return func(c *config) {
		for _, e := range engagements {
			if err := e.check(); err != nil {
				panic("lptest.WithEngagement: " + err.Error())
			}
			c.engagements = append(c.engagements, e)
		}
	}
}

// WithClock sets the server's clock, which dates tokens (an AppJWT expires
// an hour after it was issued), sessions, calls and messages. The default
// is time.Now. Tests move a fake clock forward to expire tokens.
func WithClock(now func() time.Time) Option {
	return func(c *config) { c.clock = now }
}

// WithWebhooks makes the server POST every conversation change to url as
// LivePerson's webhooks do (see the package documentation): one endpoint
// for every event type, as when a connector app's manifest lists the same
// endpoint under each. LivePerson requires HTTPS; lptest also takes http
// (a loopback proxy). By default the server sends no webhooks. It panics
// on a URL that is not absolute http or https.
func WithWebhooks(url string) Option {
	if u, err := neturl.Parse(url); err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		panic("lptest.WithWebhooks: want an absolute http or https URL, got " + strconv.Quote(url))
	}
	return func(c *config) { c.webhookURL = url }
}

// WithWebhookRetry sets the retention policy: a failed delivery is
// retried after first, then twice as long each time up to most, until
// retention has passed since the change (then it is dropped and the
// conversation's next notification goes). The defaults are
// [DefaultWebhookFirstRetry] (2 s), [DefaultWebhookMaxRetry] (5 min) and
// [DefaultWebhookRetention] (10 min); tests shorten them. It panics
// unless 0 < first <= most and retention > 0.
func WithWebhookRetry(first, most, retention time.Duration) Option {
	if first <= 0 || most < first || retention <= 0 {
		panic("lptest.WithWebhookRetry: want 0 < first <= most and retention > 0")
	}
	return func(c *config) { c.retryFirst, c.retryMax, c.retention = first, most, retention }
}

// WithWebhookSignature sets the signature's algorithm: "sha1" (the
// default, x-liveperson-signature "sha1=...") or "sha256", which some
// accounts use. It panics on another.
func WithWebhookSignature(alg string) Option {
	if alg != "sha1" && alg != "sha256" {
		panic("lptest.WithWebhookSignature: want sha1 or sha256, got " + strconv.Quote(alg))
	}
	return func(c *config) { c.webhookAlg = alg }
}

// WithAgent sets the agent's participant id (ASSIGNED_AGENT). The
// default is [DefaultAgentID].
func WithAgent(id string) Option {
	if id == "" {
		panic("lptest.WithAgent: the id must not be empty")
	}
	return func(c *config) { c.agent = id }
}

// An Engagement is a campaign's engagement as the Monitoring engagement
// method offers it. Its targeting fields are all optional and all must
// match; an engagement without any is offered to every visitor.
type Engagement struct {
	Name         string `json:"name,omitempty"`        // shown in the inspector and the agent view
	CampaignID   int64  `json:"campaignId"`            // required
	EngagementID int64  `json:"engagementId"`          // required
	Revision     int64  `json:"revision,omitempty"`    // engagementRevision; 1 when zero
	ConnectorID  int64  `json:"connectorId,omitempty"` // connectorId; 1 when zero
	Language     string `json:"language,omitempty"`    // language; "en-US" when empty

	// Sections target pages by section: one of them must equal (ignoring
	// case) a "sec://" entry point of the visitor's current page, the
	// entryPoints of the session's latest call that had any.
	Sections []string `json:"sections,omitempty"`
	// EntryPoint targets pages by address: one of the current page's
	// other entry points must start with it (e.g. "https://shop.example/cart").
	EntryPoint string `json:"entryPoint,omitempty"`
	// SDEs target visitors by engagement attributes: each condition must
	// hold for the visitor's attributes as the Agent Workspace shows them
	// (see [Merge]), over all of the visitor's sessions.
	SDEs []Condition `json:"sdes,omitempty"`
}

func (e Engagement) check() error {
	if e.CampaignID <= 0 || e.EngagementID <= 0 {
		return &liveperson.ValidationError{Index: -1, Field: "engagement " + strconv.Quote(e.Name),
			Problem: "needs positive CampaignID and EngagementID"}
	}
	for _, c := range e.SDEs {
		if err := c.check(); err != nil {
			return err
		}
	}
	return nil
}

func (e Engagement) revision() int64 { return max(e.Revision, 1) }

func (e Engagement) connectorID() int64 { return max(e.ConnectorID, 1) }

func (e Engagement) language() string {
	if e.Language == "" {
		return "en-US"
	}
	return e.Language
}

// Op compares an SDE field with a [Condition]'s Value.
type Op string

// The comparisons of a [Condition].
const (
	Equals  Op = "="      // strings ignoring case (LivePerson matches ctype and cstatus so), numbers exactly, booleans; the zero Op means Equals
	Above   Op = ">"      // numbers
	Below   Op = "<"      // numbers
	Present Op = "exists" // the field has any value; Value is unused
)

// A Condition is one SDE test of an [Engagement]'s targeting, e.g.
// {Type: "ctmrinfo", Field: "info.ctype", Value: "vip"} or
// {Type: "cart", Field: "total", Op: Above, Value: 100.0}.
type Condition struct {
	Type  string `json:"type"`            // SDE type; aliases such as "cartStatus" are resolved
	Field string `json:"field"`           // dotted path inside the SDE; arrays are looked into ("products.product.category")
	Op    Op     `json:"op,omitempty"`    // Equals when empty
	Value any    `json:"value,omitempty"` // string, float64 (or another Go number) or bool
}

func (c Condition) check() error {
	bad := func(problem string) error {
		return &liveperson.ValidationError{Index: -1, Field: "condition " + c.Type + "." + c.Field, Problem: problem}
	}
	if liveperson.LookupType(c.Type) == nil {
		return bad("type " + strconv.Quote(c.Type) + " is not an engagement attribute type")
	}
	if c.Field == "" {
		return bad("needs a Field")
	}
	switch c.Op {
	case "", Equals, Present:
	case Above, Below:
		if _, ok := jsonv.Number(c.Value); !ok {
			return bad(string(c.Op) + " needs a number Value")
		}
	default:
		return bad("unknown Op " + strconv.Quote(string(c.Op)))
	}
	return nil
}

// holds reports whether the condition is true for the merged attributes.
func (c Condition) holds(attrs []liveperson.SDE) bool {
	t := liveperson.LookupType(c.Type)
	for _, s := range attrs {
		if s.Type() != t.Name {
			continue
		}
		for _, v := range lookup(map[string]any(s), strings.Split(c.Field, ".")) {
			if c.compare(v) {
				return true
			}
		}
	}
	return false
}

func (c Condition) compare(v any) bool {
	switch c.Op {
	case Present:
		return true
	case Above, Below:
		n, ok := v.(float64)
		want, _ := jsonv.Number(c.Value)
		return ok && (c.Op == Above && n > want || c.Op == Below && n < want)
	}
	switch want := c.Value.(type) {
	case string:
		s, ok := v.(string)
		return ok && strings.EqualFold(s, want)
	case bool:
		return v == want
	}
	n, ok := v.(float64)
	want, isNum := jsonv.Number(c.Value)
	return ok && isNum && n == want
}

// lookup returns the values at path in v, looking into arrays.
func lookup(v any, path []string) []any {
	if len(path) == 0 {
		return []any{v}
	}
	switch v := v.(type) {
	case map[string]any:
		if next, ok := v[path[0]]; ok {
			return lookup(next, path[1:])
		}
	case []any:
		var out []any
		for _, e := range v {
			out = append(out, lookup(e, path)...)
		}
		return out
	}
	return nil
}

// matches reports whether e targets a visitor whose current page has
// entryPoints and whose merged attributes are attrs.
func (e Engagement) matches(entryPoints []string, attrs []liveperson.SDE) bool {
	if len(e.Sections) > 0 {
		found := false
		for _, s := range monitoring.Sections(entryPoints) {
			for _, want := range e.Sections {
				found = found || strings.EqualFold(s, want)
			}
		}
		if !found {
			return false
		}
	}
	if e.EntryPoint != "" {
		found := false
		for _, p := range entryPoints {
			found = found || !strings.HasPrefix(p, "sec://") && strings.HasPrefix(p, e.EntryPoint)
		}
		if !found {
			return false
		}
	}
	for _, c := range e.SDEs {
		if !c.holds(attrs) {
			return false
		}
	}
	return true
}

// DemoEngagements are the targeted engagements of the demo, in priority
// order: VIP customers (ctmrinfo ctype "vip"), big carts (cart total
// above 100) and the shoes section. The lptest command serves them and
// [Everyone] last.
func DemoEngagements() []Engagement {
	return []Engagement{
		{Name: "VIP customers", CampaignID: 1001, EngagementID: 2001,
			SDEs: []Condition{{Type: "ctmrinfo", Field: "info.ctype", Value: "vip"}}},
		{Name: "Big cart", CampaignID: 1002, EngagementID: 2002,
			SDEs: []Condition{{Type: "cart", Field: "total", Op: Above, Value: 100.0}}},
		{Name: "Shoes section", CampaignID: 1003, EngagementID: 2003, Sections: []string{"shoes"}},
	}
}

// Everyone is an engagement without targeting: offered to every visitor
// whom no earlier engagement matched, so that a conversation can always
// be opened.
var Everyone = Engagement{Name: "Everyone", CampaignID: 1004, EngagementID: 2004}

// String describes the engagement and its targeting, e.g.
// `1002/2002 "Big cart": cart total > 100`.
func (e Engagement) String() string {
	s := strconv.FormatInt(e.CampaignID, 10) + "/" + strconv.FormatInt(e.EngagementID, 10)
	if e.Name != "" {
		s += " " + strconv.Quote(e.Name)
	}
	var t []string
	if len(e.Sections) > 0 {
		t = append(t, "section "+strings.Join(e.Sections, " or "))
	}
	if e.EntryPoint != "" {
		t = append(t, "entry point "+e.EntryPoint+"*")
	}
	for _, c := range e.SDEs {
		t = append(t, c.String())
	}
	if len(t) == 0 {
		t = append(t, "every visitor")
	}
	return s + ": " + strings.Join(t, ", ")
}

// String describes the condition, e.g. "ctmrinfo info.ctype = vip".
func (c Condition) String() string {
	op := c.Op
	if op == "" {
		op = Equals
	}
	s := c.Type + " " + c.Field + " " + string(op)
	if op != Present {
		s += " " + string(jsonv.Append(nil, c.Value))
	}
	return s
}
