package lptest

import (
	"errors"
	"net/http"
	"slices"
	"strconv"
	"strings"

	"github.com/lpedge/lpedge/internal/jsonv"
	"github.com/lpedge/lpedge/liveperson"
	"github.com/lpedge/lpedge/liveperson/connector"
)

// caller is who a Connector call is made by and for.
type caller struct {
	app      string // azp of the AppJWT
	consumer consumerClaims
	props    *connector.ClientProperties // nil without a Client-Properties header
}

// checkConnector applies what CONVERSATION and SEND both check, in this
// order: POST, the AppJWT, the ConsumerJWS, v=3, a JSON body and a valid
// Client-Properties header when there is one. batch says how to shape a
// 400: an array of answer items (CONVERSATION) or one item (SEND).
func (s *Server) checkConnector(r *http.Request, account string, batch bool) (caller, *answer) {
	if r.Method != http.MethodPost {
		a := plain(http.StatusMethodNotAllowed, "the Connector API takes POST, not "+r.Method)
		return caller{}, &a
	}
	app, fail := s.checkAppJWT(r, account)
	if fail != nil {
		return caller{}, fail
	}
	consumer, fail := s.checkConsumerJWS(r, account)
	if fail != nil {
		return caller{}, fail
	}
	bad := func(msg string) (caller, *answer) { a := badRequest(batch, "", msg); return caller{}, &a }
	if v := r.URL.Query().Get("v"); v != connector.Version {
		return bad("v must be " + connector.Version + ", got " + strconv.Quote(v))
	}
	if mediaType(r) != connector.ContentTypeJSON {
		return bad("Content-Type must be application/json, got " + strconv.Quote(r.Header.Get("Content-Type")))
	}
	c := caller{app: app.app, consumer: consumer}
	if vs := r.Header.Values(connector.HeaderClientProperties); len(vs) > 0 {
		if len(vs) > 1 {
			return bad(connector.HeaderClientProperties + " is given " + strconv.Itoa(len(vs)) + " times")
		}
		p, err := connector.DecodeClientProperties(vs[0])
		if err != nil {
			return bad(connector.HeaderClientProperties + ": " + err.Error())
		}
		c.props = p
	}
	return c, nil
}

// badRequest is a 400 BAD_REQUEST answer: one item, in an array for a
// CONVERSATION batch.
func badRequest(batch bool, reqID, msg string) answer {
	return refusal(batch, connector.BadRequestResponse(reqID, msg))
}

// refusal is the HTTP 400 answer of a refused item r.
func refusal(batch bool, r connector.Response) answer {
	if batch {
		return newAnswer(http.StatusBadRequest, connector.ContentTypeJSON, connector.AppendResponses(nil, []connector.Response{r}))
	}
	return newAnswer(http.StatusBadRequest, connector.ContentTypeJSON, r.AppendJSON(nil))
}

// reqIDAt finds the envelope id of the request an error's path points
// into ("$[1].body..." in a batch, "$..." for SEND), so the refusal
// answers that request.
func reqIDAt(body []byte, err error) string {
	var ve *liveperson.ValidationError
	if !errors.As(err, &ve) {
		return ""
	}
	v, perr := jsonv.Parse(body)
	if perr != nil {
		return ""
	}
	if rest, ok := strings.CutPrefix(ve.Field, "$["); ok {
		end := strings.IndexByte(rest, ']')
		i, aerr := strconv.Atoi(rest[:max(end, 0)])
		list, _ := v.([]any)
		if aerr != nil || i < 0 || i >= len(list) {
			return ""
		}
		v = list[i]
	}
	m, _ := v.(map[string]any)
	switch id := m["id"].(type) {
	case string:
		return id
	case float64:
		return strconv.FormatFloat(id, 'f', -1, 64)
	}
	return ""
}

// conversation serves CONVERSATION: [SetUserProfile, ConsumerRequestConversation]
// opens a conversation for the consumer, who may have one open at a time.
func (s *Server) conversation(r *http.Request, body []byte) answer {
	account := r.PathValue("account")
	c, fail := s.checkConnector(r, account, true)
	if fail != nil {
		return *fail
	}
	req, err := connector.DecodeConversation(body, account)
	if err != nil {
		return badRequest(true, reqIDAt(body, err), err.Error())
	}
	if req.CampaignID != "" {
		if _, ok := s.findEngagement(req.CampaignID, req.EngagementID); !ok {
			return refusal(true, connector.RefusedResponse(req.RequestID, connector.ErrUnknownEngagement,
				"campaignInfo: campaign "+req.CampaignID+" engagement "+req.EngagementID, "(take the ids from the Monitoring engagement answer)"))
		}
	}
	profileOK := connector.ProfileSetResponse(req.ProfileID)

	s.mu.Lock()
	defer s.mu.Unlock()
	key := account + "/" + c.consumer.lp
	if id, open := s.st.open[key]; open {
		a := newAnswer(http.StatusBadRequest, connector.ContentTypeJSON, connector.AppendResponses(nil,
			[]connector.Response{profileOK, connector.OpenConversationResponse(req.RequestID, c.consumer.lp)}))
		a.conversation = id
		return a
	}
	conv := &Conversation{
		ID: newUUID(), Account: account, App: c.app, ConsumerID: c.consumer.ext, LPConsumerID: c.consumer.lp,
		State: StateOpen, Stage: StateOpen, Opened: s.now(), CampaignID: req.CampaignID, EngagementID: req.EngagementID,
		Context: req.Context, TTR: req.TTR, SkillID: req.SkillID, SDEs: req.SDEs, ClientProperties: c.props,
		Messages: []Message{}, Events: []Event{},
	}
	s.st.conversations[conv.ID] = conv
	s.st.convOrder = append(s.st.convOrder, conv.ID)
	s.st.open[key] = conv.ID
	s.notifyConversation(conv)
	a := newAnswer(http.StatusOK, connector.ContentTypeJSON, connector.AppendResponses(nil,
		[]connector.Response{profileOK, connector.CreatedResponse(req.RequestID, conv.ID)}))
	a.conversation = conv.ID
	return a
}

// send serves SEND: a text message, a chat state or a receipt into, or
// the close of, the consumer's own open conversation. Each is echoed to
// the webhooks as LivePerson does.
func (s *Server) send(r *http.Request, body []byte) answer {
	account := r.PathValue("account")
	c, fail := s.checkConnector(r, account, false)
	if fail != nil {
		return *fail
	}
	req, err := connector.DecodeSend(body)
	if err != nil {
		return badRequest(false, reqIDAt(body, err), err.Error())
	}
	var id string
	switch req := req.(type) {
	case *connector.Message:
		id = req.DialogID
		if req.ConversationID != "" && req.ConversationID != req.DialogID {
			return badRequest(false, req.RequestID(), "conversationId "+strconv.Quote(req.ConversationID)+" is not the dialogId "+strconv.Quote(req.DialogID))
		}
	case *connector.ChatState:
		id = req.DialogID
	case *connector.AcceptStatus:
		id = req.DialogID
	case *connector.Close:
		id = req.ConversationID
	}

	s.mu.Lock()
	defer s.mu.Unlock()
	conv := s.st.conversations[id]
	var a answer
	switch {
	// LivePerson documents none of these answers (the 400 and its
	// wording are lptest's guesses; see the package docs).
	case conv == nil || conv.Account != account:
		a = refusal(false, connector.RefusedResponse(req.RequestID(), connector.ErrConversationNotFound, "conversation "+strconv.Quote(id), ""))
	case conv.LPConsumerID != c.consumer.lp:
		a = refusal(false, connector.RefusedResponse(req.RequestID(), connector.ErrNotConsumersConversation, "conversation "+strconv.Quote(id), ""))
	case conv.State != StateOpen:
		a = refusal(false, connector.RefusedResponse(req.RequestID(), connector.ErrConversationClosed, "conversation "+strconv.Quote(id), ""))
	default:
		var res connector.Response
		switch req := req.(type) {
		case *connector.Message:
			e := s.addEvent(conv, Event{Role: connector.RoleConsumer, Type: connector.EventContent, Text: req.Text})
			res = connector.PublishedResponse(req.RequestID(), e.Sequence)
		case *connector.ChatState:
			// A chat state takes no sequence; the answer carries the one
			// the next message will take (LivePerson documents only
			// {sequence} for PublishEvent answers: a guess).
			s.addEvent(conv, Event{Role: connector.RoleConsumer, Type: connector.EventChatState, ChatState: req.State})
			res = connector.PublishedResponse(req.RequestID(), conv.nextSeq)
		case *connector.AcceptStatus:
			// A receipt must name sequences the conversation has given
			// (LivePerson documents no check: the stricter reading).
			for i, seq := range req.Sequences {
				if seq >= conv.nextSeq {
					a = badRequest(false, req.RequestID(), "$.body.event.sequenceList["+strconv.Itoa(i)+"]: the conversation has no event "+
						strconv.FormatInt(seq, 10)+" yet (its next sequence is "+strconv.FormatInt(conv.nextSeq, 10)+")")
					a.conversation = id
					return a
				}
			}
			e := s.addEvent(conv, Event{Role: connector.RoleConsumer, Type: connector.EventAcceptStatus, Status: req.Status,
				Sequences: slices.Clone(req.Sequences)})
			res = connector.PublishedResponse(req.RequestID(), e.Sequence)
		case *connector.Close:
			s.closeConversation(conv, CloseByConsumer)
			res = connector.ClosedResponse(req.RequestID())
		}
		a = newAnswer(http.StatusOK, connector.ContentTypeJSON, res.AppendJSON(nil))
	}
	a.conversation = id
	return a
}
