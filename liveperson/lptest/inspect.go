package lptest

import (
	"slices"
	"time"

	"github.com/lpedge/lpedge/liveperson"
	"github.com/lpedge/lpedge/liveperson/connector"
	"github.com/lpedge/lpedge/liveperson/monitoring"
)

// A Call is one request the server received and what it answered.
type Call struct {
	Seq      int               `json:"seq"` // 1, 2, ... in arrival order; Reset restarts it
	Time     time.Time         `json:"time"`
	Route    Route             `json:"route"`
	Method   string            `json:"method"`             // as sent: POST for a report with the override header
	Override string            `json:"override,omitempty"` // the X-HTTP-Method-Override header
	Path     string            `json:"path"`
	Query    string            `json:"query,omitempty"`  // raw; client_secret is REDACTED
	Header   map[string]string `json:"header,omitempty"` // the headers that matter: Origin, Content-Type, Accept, Authorization, X-LP-ON-BEHALF, Client-Properties, X-HTTP-Method-Override, Access-Control-Request-*
	Body     string            `json:"body,omitempty"`   // as received; client_secret is REDACTED
	Status   int               `json:"status"`           // 0 when the connection was dropped or the client gave up during a delay
	Answer   string            `json:"answer,omitempty"`
	Fault    string            `json:"fault,omitempty"` // the injected fault the call met, if any

	Visitor      string `json:"visitor,omitempty"`      // Monitoring calls: the visitorId answered
	Session      string `json:"session,omitempty"`      // Monitoring calls: the sessionId answered
	Conversation string `json:"conversation,omitempty"` // Connector calls: the conversation concerned
}

// A Visitor is a Monitoring visitor (visitorId) and its sessions.
type Visitor struct {
	ID       string    `json:"id"`
	Account  string    `json:"account"`
	App      string    `json:"app"` // the app installation id of its first call
	Sessions []Session `json:"sessions"`
}

// A Session is one monitoring session (sessionId) of a visitor.
type Session struct {
	ID         string                `json:"id"`
	Started    time.Time             `json:"started"`
	ConsumerID string                `json:"consumerId,omitempty"` // the deprecated body member, when sent
	Identities []monitoring.Identity `json:"identities,omitempty"`
	Pages      []Page                `json:"pages"`
	// SDEs are the engagement attributes received, in order, impression
	// events included.
	SDEs []liveperson.SDE `json:"sdes"`
	// Offered are the engagements the engagement method answered, each
	// with the context id this session gave it.
	Offered []monitoring.EngagementDetail `json:"offered,omitempty"`
}

// A Page is one pageId of a session: a report or engagement call, or
// several reports that named the same pageId.
type Page struct {
	ID          string            `json:"id"`
	Time        time.Time         `json:"time"`
	Method      monitoring.Method `json:"method"`
	EntryPoints []string          `json:"entryPoints,omitempty"`
}

// Attributes are the visitor's engagement attributes as the Agent
// Workspace shows them: [Merge] over every session's SDEs.
func (v *Visitor) Attributes() []liveperson.SDE {
	var all []liveperson.SDE
	for _, s := range v.Sessions {
		all = append(all, s.SDEs...)
	}
	return Merge(all)
}

// replaced are the SDE types of which LivePerson keeps only the latest
// (whole object, no field merge); the other types accumulate
// (best-practices-for-messaging).
var replaced = []string{"cart", "personal", "ctmrinfo", "mrktInfo", "service"}

// Merge returns the SDEs as LivePerson keeps them for a visitor: cart,
// personal, ctmrinfo, mrktInfo and service replace the previous one of
// their type; prodView, purchase, lead, error and searchInfo accumulate.
// Impression events are not attributes and are left out. The order is
// that of each type's first arrival.
func Merge(sdes []liveperson.SDE) []liveperson.SDE {
	var out []liveperson.SDE
	for _, s := range sdes {
		t := liveperson.LookupType(s.Type())
		if t == nil || t.Impression {
			continue
		}
		if slices.Contains(replaced, t.Name) {
			if i := slices.IndexFunc(out, func(o liveperson.SDE) bool { return o.Type() == t.Name }); i >= 0 {
				out[i] = s
				continue
			}
		}
		out = append(out, s)
	}
	return out
}

// A Conversation is one Connector API conversation: its consumer, what
// CONVERSATION sent, and its one (MAIN) dialog's events from both sides.
type Conversation struct {
	ID      string `json:"id"`
	Account string `json:"account"`
	App     string `json:"app"` // azp of the AppJWT that opened it: the client whose secret signs its webhooks
	// ConsumerID is the ext_consumer_id of the ConsumerJWS, LPConsumerID
	// LivePerson's id for that consumer (the CONSUMER participant).
	ConsumerID   string    `json:"consumerId"`
	LPConsumerID string    `json:"lpConsumerId"`
	State        string    `json:"state"` // StateOpen or StateClosed
	Stage        string    `json:"stage"` // StateOpen or StateClosed: lptest's conversations have one dialog, so stage follows state
	Opened       time.Time `json:"opened"`
	Closed       time.Time `json:"closed,omitzero"`
	// CloseReason is who closed it: CloseByConsumer or CloseByAgent.
	CloseReason string `json:"closeReason,omitempty"`
	// Agent is the ASSIGNED_AGENT participant's id once an agent accepted
	// the conversation; Accepted is when.
	Agent    string    `json:"agent,omitempty"`
	Accepted time.Time `json:"accepted,omitzero"`
	// CampaignID and EngagementID are the campaignInfo, when sent.
	CampaignID   string `json:"campaignId,omitempty"`
	EngagementID string `json:"engagementId,omitempty"`
	// Context is the SharkContext (visitorId, sessionId,
	// interactionContextId, lang), when sent.
	Context *connector.Context `json:"context,omitempty"`
	TTR     string             `json:"ttr,omitempty"`
	SkillID string             `json:"skillId,omitempty"`
	// SDEs are the lp_sdes of SetUserProfile.
	SDEs             []liveperson.SDE            `json:"sdes"`
	ClientProperties *connector.ClientProperties `json:"clientProperties,omitempty"`
	// Messages are the text messages of both sides, in sequence order.
	Messages []Message `json:"messages"`
	// Events are every dialog event of both sides in order: messages,
	// receipts (AcceptStatusEvent) and chat states.
	Events []Event `json:"events"`
	// ConsumerChatState and AgentChatState are each side's latest chat
	// state (ACTIVE, COMPOSING, ...), "" before the first.
	ConsumerChatState string `json:"consumerChatState,omitempty"`
	AgentChatState    string `json:"agentChatState,omitempty"`

	nextSeq int64 // the sequence the next message or receipt takes
}

// Conversation states (and stages).
const (
	StateOpen   = "OPEN"
	StateClosed = "CLOSE"
)

// Close reasons: who closed a conversation.
const (
	CloseByConsumer = "CONSUMER"
	CloseByAgent    = "AGENT"
)

// A Message is a text message of either side.
type Message struct {
	// Sequence is the message's place in the dialog: consumer and agent
	// messages and receipts share one count (0, 1, ...), as LivePerson's
	// webhook examples show.
	Sequence int64     `json:"sequence"`
	Time     time.Time `json:"time"`
	Role     string    `json:"role"` // connector.RoleConsumer or connector.RoleAssignedAgent
	Text     string    `json:"text"`
	// Status is the other side's latest receipt for it: "" (none yet),
	// ACCEPT (received) or READ. READ is never undone.
	Status string `json:"status,omitempty"`
}

// An Event is one dialog event: a ContentEvent, an AcceptStatusEvent or
// a ChatStateEvent, of the consumer (SEND) or the agent.
type Event struct {
	// Sequence is the event's place in the dialog; chat states take
	// none and have NoSequence.
	Sequence   int64     `json:"sequence"`
	Time       time.Time `json:"time"`
	Role       string    `json:"role"` // connector.RoleConsumer or connector.RoleAssignedAgent
	Originator string    `json:"originatorId"`
	Type       string    `json:"type"`                   // connector.EventContent, EventAcceptStatus or EventChatState
	Text       string    `json:"text,omitempty"`         // ContentEvent
	Status     string    `json:"status,omitempty"`       // AcceptStatusEvent: ACCEPT, READ, ...
	Sequences  []int64   `json:"sequenceList,omitempty"` // AcceptStatusEvent: the messages meant
	ChatState  string    `json:"chatState,omitempty"`    // ChatStateEvent: COMPOSING, ACTIVE, ...
}

// NoSequence is the Sequence of an event that takes none: a chat state.
const NoSequence = -1

// Calls returns every call received, oldest first (at most [MaxCalls]).
func (s *Server) Calls() []Call {
	s.mu.Lock()
	defer s.mu.Unlock()
	return cloneCalls(s.st.calls)
}

func cloneCalls(calls []Call) []Call {
	out := slices.Clone(calls)
	for i := range out {
		if out[i].Header != nil {
			h := make(map[string]string, len(out[i].Header))
			for k, v := range out[i].Header {
				h[k] = v
			}
			out[i].Header = h
		}
	}
	return out
}

// CallCount is how many calls route received, CORS preflights included.
func (s *Server) CallCount(route Route) int {
	s.mu.Lock()
	defer s.mu.Unlock()
	n := 0
	for _, c := range s.st.calls {
		if c.Route == route {
			n++
		}
	}
	return n
}

// Visitors returns every visitor, in order of arrival. The SDE maps are
// shared with the server and must not be modified.
func (s *Server) Visitors() []Visitor {
	s.mu.Lock()
	defer s.mu.Unlock()
	out := make([]Visitor, 0, len(s.st.visitorOrder))
	for _, id := range s.st.visitorOrder {
		out = append(out, s.st.visitors[id].clone())
	}
	return out
}

// Visitor returns the visitor with visitorId vid.
func (s *Server) Visitor(vid string) (Visitor, bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	v, ok := s.st.visitors[vid]
	if !ok {
		return Visitor{}, false
	}
	return v.clone(), true
}

func (v *Visitor) clone() Visitor {
	c := *v
	c.Sessions = slices.Clone(v.Sessions)
	for i := range c.Sessions {
		s := &c.Sessions[i]
		s.Identities = slices.Clone(s.Identities)
		s.Pages = slices.Clone(s.Pages)
		for j := range s.Pages {
			s.Pages[j].EntryPoints = slices.Clone(s.Pages[j].EntryPoints)
		}
		s.SDEs = slices.Clone(s.SDEs)
		s.Offered = slices.Clone(s.Offered)
	}
	return c
}

// Conversations returns every conversation, in order of creation.
func (s *Server) Conversations() []Conversation {
	s.mu.Lock()
	defer s.mu.Unlock()
	out := make([]Conversation, 0, len(s.st.convOrder))
	for _, id := range s.st.convOrder {
		out = append(out, s.st.conversations[id].clone())
	}
	return out
}

// Conversation returns the conversation with id.
func (s *Server) Conversation(id string) (Conversation, bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	c, ok := s.st.conversations[id]
	if !ok {
		return Conversation{}, false
	}
	return c.clone(), true
}

func (c *Conversation) clone() Conversation {
	out := *c
	if c.Context != nil {
		ctx := *c.Context
		ctx.Features = slices.Clone(ctx.Features)
		out.Context = &ctx
	}
	if c.ClientProperties != nil {
		p := *c.ClientProperties
		p.Features = slices.Clone(p.Features)
		out.ClientProperties = &p
	}
	out.SDEs = slices.Clone(c.SDEs)
	out.Messages = slices.Clone(c.Messages)
	out.Events = slices.Clone(c.Events)
	for i := range out.Events {
		out.Events[i].Sequences = slices.Clone(out.Events[i].Sequences)
	}
	return out
}
