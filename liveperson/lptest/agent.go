package lptest

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"slices"
	"strconv"
	"unicode/utf8"

	"github.com/lpedge/lpedge/liveperson/connector"
)

// DefaultAgentID is the ASSIGNED_AGENT participant id of lptest's agent
// unless [WithAgent] sets another (a UUID, as in LivePerson's webhook
// examples).
const DefaultAgentID = "5e1b0c4d-8a2f-5b7e-9c3d-2f4a6b8c0d1e"

// Errors of the agent actions; the errors returned wrap them with the
// conversation id.
var (
	ErrNoConversation = errors.New("no such conversation")
	ErrClosed         = errors.New("the conversation is closed")
)

// An AgentResult is what an agent action did.
type AgentResult struct {
	ConversationID string `json:"conversationId"`
	Action         string `json:"action"`
	// Accepted is true when this action assigned the agent (a message,
	// typing or a receipt accepts an unassigned conversation first).
	Accepted bool `json:"accepted,omitempty"`
	// Sequence is the sequence of the message or receipt the action
	// sent; NoSequence when it sent none (accept, typing, close, or a
	// receipt with nothing to acknowledge).
	Sequence int64 `json:"sequence"`
	// Events are the dialog events the action added, in order.
	Events []Event `json:"events"`
	State  string  `json:"state"` // the conversation's state afterwards
}

// The agent actions, as POST /lptest/conversations/{id}/agent names them.
const (
	ActionAccept   = "accept"
	ActionMessage  = "message"
	ActionTyping   = "typing"
	ActionRead     = "read"
	ActionReceived = "received"
	ActionClose    = "close"
)

var actions = []string{ActionAccept, ActionMessage, ActionTyping, ActionRead, ActionReceived, ActionClose}

// AgentAccept assigns lptest's agent to the conversation: its
// participants gain ASSIGNED_AGENT (a cqm.ExConversationChangeNotification).
// Accepting an accepted conversation changes nothing.
func (s *Server) AgentAccept(id string) (AgentResult, error) {
	return s.agentAction(id, ActionAccept, func(*Conversation) ([]Event, error) { return nil, nil })
}

// AgentMessage sends a text message from the agent (a ContentEvent with
// role ASSIGNED_AGENT and the next sequence), accepting the conversation
// first if nobody has. After typing, the agent's chat state goes back
// to ACTIVE once the message is sent.
func (s *Server) AgentMessage(id, text string) (AgentResult, error) {
	if text == "" {
		return AgentResult{}, errors.New("lptest: an agent message needs text")
	}
	if n := utf8.RuneCountInString(text); n > connector.MaxChars {
		return AgentResult{}, errors.New("lptest: an agent message of " + strconv.Itoa(n) + " characters is over " + strconv.Itoa(connector.MaxChars))
	}
	return s.agentAction(id, ActionMessage, func(c *Conversation) ([]Event, error) {
		out := []Event{s.addEvent(c, Event{Role: connector.RoleAssignedAgent, Type: connector.EventContent, Text: text})}
		if c.AgentChatState == connector.ChatStateComposing {
			out = append(out, s.addEvent(c, Event{Role: connector.RoleAssignedAgent, Type: connector.EventChatState, ChatState: connector.ChatStateActive}))
		}
		return out, nil
	})
}

// AgentTyping sends the agent's chat state: COMPOSING when typing,
// ACTIVE when not (a ChatStateEvent, which takes no sequence).
func (s *Server) AgentTyping(id string, typing bool) (AgentResult, error) {
	state := connector.ChatStateActive
	if typing {
		state = connector.ChatStateComposing
	}
	return s.agentAction(id, ActionTyping, func(c *Conversation) ([]Event, error) {
		return []Event{s.addEvent(c, Event{Role: connector.RoleAssignedAgent, Type: connector.EventChatState, ChatState: state})}, nil
	})
}

// AgentRead sends READ (an AcceptStatusEvent with the next sequence) for
// every consumer message the agent has not read yet; with none, it sends
// nothing.
func (s *Server) AgentRead(id string) (AgentResult, error) {
	return s.agentAction(id, ActionRead, func(c *Conversation) ([]Event, error) {
		return s.agentReceipt(c, connector.AcceptStatusRead), nil
	})
}

// AgentReceived sends ACCEPT (received) for every consumer message the
// agent has neither accepted nor read, as the Agent Workspace does when
// messages reach it; with none, it sends nothing. The agent view calls it
// when it shows new consumer messages.
func (s *Server) AgentReceived(id string) (AgentResult, error) {
	return s.agentAction(id, ActionReceived, func(c *Conversation) ([]Event, error) {
		return s.agentReceipt(c, connector.AcceptStatusAccept), nil
	})
}

// AgentClose closes the conversation as the agent: state and stage
// CLOSE, close reason AGENT (a cqm.ExConversationChangeNotification). The
// consumer may then open another.
func (s *Server) AgentClose(id string) (AgentResult, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	c, err := s.agentConversation(id)
	if err != nil {
		return AgentResult{}, err
	}
	s.closeConversation(c, CloseByAgent)
	return AgentResult{ConversationID: id, Action: ActionClose, Sequence: NoSequence, Events: []Event{}, State: c.State}, nil
}

// agentAction runs act on the open conversation id, accepting it first
// unless the action is a close.
func (s *Server) agentAction(id, action string, act func(*Conversation) ([]Event, error)) (AgentResult, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	c, err := s.agentConversation(id)
	if err != nil {
		return AgentResult{}, err
	}
	r := AgentResult{ConversationID: id, Action: action, Sequence: NoSequence}
	if c.Agent == "" {
		c.Agent, c.Accepted = s.cfg.agentID(), s.now()
		s.notifyConversation(c)
		r.Accepted = true
	}
	evs, err := act(c)
	if err != nil {
		return AgentResult{}, err
	}
	r.Events = append([]Event{}, evs...)
	for _, e := range evs {
		if e.Sequence != NoSequence {
			r.Sequence = e.Sequence
		}
	}
	r.State = c.State
	return r, nil
}

func (s *Server) agentConversation(id string) (*Conversation, error) {
	c := s.st.conversations[id]
	switch {
	case c == nil:
		return nil, fmt.Errorf("lptest: %w %q", ErrNoConversation, id)
	case c.State != StateOpen:
		return nil, fmt.Errorf("lptest: conversation %q: %w", id, ErrClosed)
	}
	return c, nil
}

// agentReceipt sends status for the consumer messages that do not have
// it (or READ) yet.
func (s *Server) agentReceipt(c *Conversation, status string) []Event {
	var seqs []int64
	for _, m := range c.Messages {
		if m.Role == connector.RoleConsumer && m.Status != connector.AcceptStatusRead && m.Status != status {
			seqs = append(seqs, m.Sequence)
		}
	}
	if len(seqs) == 0 {
		return nil
	}
	var out []Event
	for chunk := range slices.Chunk(seqs, connector.MaxSequences) {
		out = append(out, s.addEvent(c, Event{Role: connector.RoleAssignedAgent, Type: connector.EventAcceptStatus, Status: status, Sequences: chunk}))
	}
	return out
}

// addEvent records a dialog event (a sequence unless it is a chat state,
// the originator of its role, the time), applies it to the conversation
// and queues its webhook. s.mu is held.
func (s *Server) addEvent(c *Conversation, e Event) Event {
	e.Time = s.now()
	e.Sequence = NoSequence
	if e.Type != connector.EventChatState {
		e.Sequence = c.nextSeq
		c.nextSeq++
	}
	e.Originator = c.LPConsumerID
	if e.Role == connector.RoleAssignedAgent {
		e.Originator = c.Agent
	}
	switch e.Type {
	case connector.EventContent:
		c.Messages = append(c.Messages, Message{Sequence: e.Sequence, Time: e.Time, Role: e.Role, Text: e.Text})
	case connector.EventAcceptStatus:
		if e.Status != connector.AcceptStatusAccept && e.Status != connector.AcceptStatusRead {
			break // ACCESS, NACK, ACTION are recorded and sent, and leave the ticks alone
		}
		for i := range c.Messages {
			m := &c.Messages[i]
			if m.Role != e.Role && m.Status != connector.AcceptStatusRead && slices.Contains(e.Sequences, m.Sequence) {
				m.Status = e.Status
			}
		}
	case connector.EventChatState:
		if e.Role == connector.RoleConsumer {
			c.ConsumerChatState = e.ChatState
		} else {
			c.AgentChatState = e.ChatState
		}
	}
	c.Events = append(c.Events, e)
	s.notifyEvent(c, e)
	return e
}

// closeConversation closes c for reason. s.mu is held.
func (s *Server) closeConversation(c *Conversation, reason string) {
	c.State, c.Stage, c.Closed, c.CloseReason = StateClosed, StateClosed, s.now(), reason
	delete(s.st.open, c.Account+"/"+c.LPConsumerID)
	s.notifyConversation(c)
}

// agentRequest is the body of POST /lptest/conversations/{id}/agent.
type agentRequest struct {
	Action string  `json:"action"`
	Text   *string `json:"text"`
	Typing *bool   `json:"typing"`
}

// decodeAgentRequest reads an agent action strictly: one object, known
// members only, each where its action takes it.
func decodeAgentRequest(body []byte) (agentRequest, error) {
	var req agentRequest
	dec := json.NewDecoder(bytes.NewReader(body))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&req); err != nil {
		return req, fmt.Errorf("agent action: %w", err)
	}
	if _, err := dec.Token(); err != io.EOF {
		return req, errors.New("agent action: want one JSON object, got more after it")
	}
	switch {
	case req.Action == "":
		return req, errors.New("action: is required (one of " + fmt.Sprint(actions) + ")")
	case !slices.Contains(actions, req.Action):
		return req, errors.New("action: " + strconv.Quote(req.Action) + " is not one of " + fmt.Sprint(actions))
	case req.Action == ActionMessage && (req.Text == nil || *req.Text == ""):
		return req, errors.New("text: is required with action message")
	case req.Action != ActionMessage && req.Text != nil:
		return req, errors.New("text: only action message takes it")
	case req.Action != ActionTyping && req.Typing != nil:
		return req, errors.New("typing: only action typing takes it")
	}
	return req, nil
}

// serveAgent serves POST /lptest/conversations/{id}/agent.
func (s *Server) serveAgent(w http.ResponseWriter, r *http.Request) {
	body, err := io.ReadAll(http.MaxBytesReader(w, r.Body, 64<<10))
	if err != nil {
		writeError(w, http.StatusRequestEntityTooLarge, err.Error())
		return
	}
	req, err := decodeAgentRequest(body)
	if err != nil {
		writeError(w, http.StatusBadRequest, err.Error())
		return
	}
	id := r.PathValue("id")
	var res AgentResult
	switch req.Action {
	case ActionAccept:
		res, err = s.AgentAccept(id)
	case ActionMessage:
		res, err = s.AgentMessage(id, *req.Text)
	case ActionTyping:
		res, err = s.AgentTyping(id, req.Typing == nil || *req.Typing)
	case ActionRead:
		res, err = s.AgentRead(id)
	case ActionReceived:
		res, err = s.AgentReceived(id)
	case ActionClose:
		res, err = s.AgentClose(id)
	}
	switch {
	case errors.Is(err, ErrNoConversation):
		writeError(w, http.StatusNotFound, err.Error())
	case errors.Is(err, ErrClosed):
		writeError(w, http.StatusConflict, err.Error())
	case err != nil:
		writeError(w, http.StatusBadRequest, "text: "+err.Error())
	default:
		writeJSON(w, http.StatusOK, res)
	}
}
