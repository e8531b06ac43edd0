package proxy

import (
	"context"
	"errors"
	"net/http"
	"strconv"

	"github.com/lpedge/lpedge/internal/jsonv"
	"github.com/lpedge/lpedge/liveperson/connector"
)

// Envelope ids of the CONVERSATION batch; the answer item whose reqId is
// createRequestID carries the conversationId.
const (
	profileRequestID = "1"
	createRequestID  = "2"
)

// createConversation opens a conversation: SetUserProfile with the SDEs
// lp_sdes may carry, then ConsumerRequestConversation with the campaign
// and a SharkContext of the Monitoring session. With warm caches it is
// one upstream call. It is never retried blindly: only after LivePerson
// refused the credentials (401), when nothing was created.
func (h *Handler) createConversation(ctx context.Context, r *http.Request, body []byte, _ string) (int, []byte, error) {
	req, err := decodeCreate(body)
	if err != nil {
		return 0, nil, err
	}
	conv, dropped := connector.NewConversation(h.cfg.Account, req.SDEs)
	conv.ProfileID, conv.RequestID = profileRequestID, createRequestID
	conv.CampaignID, conv.EngagementID = req.CampaignID, req.EngagementID
	conv.Context = &connector.Context{VisitorID: req.VisitorID, SessionID: req.SessionID,
		InteractionContextID: req.ContextID, Lang: req.Lang}
	payload, err := conv.AppendJSON(nil)
	if err != nil {
		return 0, nil, connectorInvalid(err)
	}
	a, err := h.connectorCall(ctx, r, req.ConsumerID, req.TimeZone, connector.Endpoint.ConversationURL, payload)
	if err != nil {
		return 0, nil, err
	}
	id, err := connector.ReadConversation(a.body, createRequestID)
	if errors.Is(err, connector.ErrOpenConversation) {
		// The consumer has an open conversation: most likely the one a
		// create whose answer was lost opened. LivePerson's conversation
		// webhook names it.
		if open := h.openConversation(ctx, a.jws); open != "" {
			id, err = open, nil
		}
	}
	if err != nil {
		return 0, nil, connectorRefused("CONVERSATION", a, err)
	}
	if !isUUID(id) {
		return 0, nil, upstreamError("LivePerson answered an unusable conversation id", errors.New(snippet([]byte(id))))
	}
	// The token is added by addToken, after the answer is stored for an
	// Idempotency-Key: a credential is not kept at rest (state file,
	// Durable Object), and a replay after a secret's rotation gets one
	// that works.
	b := append([]byte(`{"conversationId":`), jsonv.AppendString(nil, id)...)
	if len(dropped) > 0 {
		// Types and fields lp_sdes may not carry were left out; the page
		// reports them through Monitoring instead.
		b = append(b, `,"droppedSdes":`...)
		b = jsonv.Append(b, dropped)
	}
	return http.StatusCreated, append(b, "}\n"...), nil
}

// addToken puts the conversation's token into a create's answer, after
// its conversationId: {"conversationId":ID,"token":T,...}. The answer is
// createConversation's, so its id is a UUID at a known place (no
// escaping): no parse on the hot path.
func (h *Handler) addToken(status int, body []byte) []byte {
	const prefix = `{"conversationId":"`
	head := len(prefix) + 36 + 1 // the id and its closing quote
	if status != http.StatusCreated || len(body) < head || string(body[:len(prefix)]) != prefix || !isUUID(string(body[len(prefix):head-1])) {
		return body
	}
	b := append([]byte(nil), body[:head]...)
	b = append(b, `,"token":`...)
	b = jsonv.AppendString(b, h.tokens.token(string(body[len(prefix):head-1])))
	return append(b, body[head:]...)
}

// openConversation returns the open conversation the engine knows for the
// consumer of a ConsumerJWS, waiting up to OpenConversationWait for its
// webhook (LivePerson sends it as the conversation opens, and a retry may
// come first); "" when none is known.
func (h *Handler) openConversation(ctx context.Context, jws string) string {
	claims, err := connector.ReadConsumerJWS(jws)
	if err != nil {
		return ""
	}
	id, err := h.state.OpenConversation(ctx, claims.LPConsumerID, h.cfg.OpenConversationWait)
	if err != nil || !isUUID(id) {
		return ""
	}
	return id
}

// sendMessage publishes the consumer's text message in the conversation.
func (h *Handler) sendMessage(ctx context.Context, r *http.Request, body []byte, id string) (int, []byte, error) {
	req, err := decodeMessage(body)
	if err != nil {
		return 0, nil, err
	}
	payload, err := (&connector.Message{DialogID: id, Text: req.Text}).AppendJSON(nil)
	if err != nil {
		return 0, nil, connectorInvalid(err)
	}
	return h.send(ctx, r, req.ConsumerID, req.TimeZone, id, payload, true)
}

// sendTyping publishes the consumer's chat state: COMPOSING while typing,
// ACTIVE when it stops (LivePerson wants another state after COMPOSING).
func (h *Handler) sendTyping(ctx context.Context, r *http.Request, body []byte, id string) (int, []byte, error) {
	req, err := decodeTyping(body)
	if err != nil {
		return 0, nil, err
	}
	state := connector.ChatStateActive
	if req.Typing {
		state = connector.ChatStateComposing
	}
	payload, err := (&connector.ChatState{DialogID: id, State: state}).AppendJSON(nil)
	if err != nil {
		return 0, nil, connectorInvalid(err)
	}
	return h.send(ctx, r, req.ConsumerID, req.TimeZone, id, payload, false)
}

// sendRead publishes the consumer's read receipt for the agent's messages.
func (h *Handler) sendRead(ctx context.Context, r *http.Request, body []byte, id string) (int, []byte, error) {
	req, err := decodeRead(body)
	if err != nil {
		return 0, nil, err
	}
	payload, err := (&connector.AcceptStatus{DialogID: id, Status: connector.AcceptStatusRead, Sequences: req.Sequences}).AppendJSON(nil)
	if err != nil {
		return 0, nil, connectorInvalid(err)
	}
	return h.send(ctx, r, req.ConsumerID, req.TimeZone, id, payload, false)
}

// closeConversation closes the conversation on the consumer's behalf.
func (h *Handler) closeConversation(ctx context.Context, r *http.Request, body []byte, id string) (int, []byte, error) {
	req, err := decodeClose(body)
	if err != nil {
		return 0, nil, err
	}
	payload, err := (&connector.Close{ConversationID: id}).AppendJSON(nil)
	if err != nil {
		return 0, nil, connectorInvalid(err)
	}
	return h.send(ctx, r, req.ConsumerID, req.TimeZone, id, payload, true)
}

// send makes a SEND call and answers {conversationId[, sequence]}; the
// sequence only when withSeq.
func (h *Handler) send(ctx context.Context, r *http.Request, consumer, tz, id string, payload []byte, withSeq bool) (int, []byte, error) {
	a, err := h.connectorCall(ctx, r, consumer, tz, connector.Endpoint.SendURL, payload)
	if err != nil {
		return 0, nil, err
	}
	resp, err := connector.DecodeResponse(a.body)
	if err == nil {
		err = resp.Err()
	}
	if err != nil {
		return 0, nil, connectorRefused("SEND", a, err)
	}
	b := append([]byte(`{"conversationId":`), jsonv.AppendString(nil, id)...)
	if seq, ok := resp.Sequence(); ok && withSeq {
		b = append(b, `,"sequence":`...)
		b = strconv.AppendInt(b, seq, 10)
	}
	return http.StatusOK, append(b, "}\n"...), nil
}

// connectorCall sends a Connector API request with the AppJWT, the
// consumer's ConsumerJWS and Client-Properties. It retries once, and only
// when LivePerson refused a token (40102 AppJWT, 40103 ConsumerJWS): then
// nothing happened upstream. Network errors, timeouts and 5xx are not
// retried, as the call may have taken effect; the browser decides, with
// its Idempotency-Key. It returns answers of HTTP 200 and 400 (whose
// items say what was refused).
func (h *Handler) connectorCall(ctx context.Context, r *http.Request, consumer, tz string,
	urlOf func(connector.Endpoint) (string, error), payload []byte) (answer, error) {
	if h.cfg.ClientID == "" {
		return answer{}, &apiError{Status: http.StatusServiceUnavailable, Code: CodeNotConfigured,
			Message: "this proxy has no LivePerson client credentials (LP_CLIENT_ID, LP_CLIENT_SECRET)"}
	}
	if tz == "" {
		tz, _ = headerTimeZoneValue(r.Header) // checked by serveRoute; Etc/Unknown is ""
	}
	props := h.props.header(r.UserAgent(), tz)
	d, err := h.lp.domain(ctx, connector.ServiceMessaging)
	if err != nil {
		return answer{}, err
	}
	url, err := urlOf(d.endpoint(h.cfg.Account))
	if err != nil {
		return answer{}, upstreamError("the Connector URL is not usable", err)
	}
	var a answer
	var jwt, jws string
	for try := 0; ; try++ {
		if jwt, err = h.lp.appJWT(ctx, jwt); err != nil {
			return answer{}, err
		}
		if jws, err = h.lp.consumerJWS(ctx, consumer, jws); err != nil {
			return answer{}, err
		}
		hdr := http.Header{
			"Content-Type":                   {connector.ContentTypeJSON},
			connector.HeaderAuthorization:    {jwt},
			connector.HeaderOnBehalf:         {jws},
			connector.HeaderClientProperties: {props},
		}
		if a, err = h.lp.call(ctx, http.MethodPost, url, hdr, payload); err != nil {
			return answer{}, unavailable("the Connector API did not answer; the outcome is unknown", 0, err)
		}
		a.jws = jws
		code := authCode(a)
		if try > 0 || code != connector.ErrorInvalidAppJWT && code != connector.ErrorInvalidConsumerJWS {
			break
		}
		// Keep the refused token to replace; drop the other so that it is
		// reused from the cache.
		if code == connector.ErrorInvalidAppJWT {
			jws = ""
		} else {
			jwt = ""
		}
	}
	if a.status == http.StatusOK || a.status == http.StatusBadRequest {
		return a, nil
	}
	return answer{}, h.lp.failure("the Connector API", a, nil)
}

// connectorRefused turns a refused Connector answer into the proxy's.
// An item LivePerson refused is about what the request asked for (the
// proxy sends only bodies its model validated): a client's mistake, 4xx,
// with LivePerson's reason. The cause is named where the connector model
// tells it apart (LivePerson documents only the open conversation's
// wording; the others are lptest's, so an unmatched reason gets the
// call's generic code).
func connectorRefused(method string, a answer, err error) *apiError {
	if errors.Is(err, connector.ErrOpenConversation) {
		return &apiError{Status: http.StatusConflict, Code: CodeConflict,
			Message: "the consumer already has an open conversation; close it or keep using its id", cause: err}
	}
	var re *connector.ResponseError
	if !errors.As(err, &re) {
		return upstreamError("LivePerson's "+method+" answer is not usable (HTTP "+strconv.Itoa(a.status)+")", err)
	}
	ae := &apiError{Status: http.StatusConflict, Code: CodeSendRefused, cause: err,
		Message: "LivePerson refused the " + method + " request: " + clip(re.Msg, 200)}
	if method == "CONVERSATION" {
		ae.Status, ae.Code = http.StatusBadRequest, CodeCreateRefused
	}
	for _, c := range refusalCodes {
		// A create's refusal names no conversation: its words ("does not
		// exist", "is closed") are the campaign's, not a SEND's cause.
		if c.create == (method == "CONVERSATION") && errors.Is(err, c.reason) {
			ae.Status, ae.Code = c.status, c.code
			break
		}
	}
	return ae
}

// refusalCodes name the causes of Connector refusals the model tells
// apart: of a create (CONVERSATION) or of a SEND.
var refusalCodes = []struct {
	create bool
	reason error
	status int
	code   string
}{
	{true, connector.ErrUnknownEngagement, http.StatusBadRequest, CodeUnknownEngagement},
	{false, connector.ErrConversationNotFound, http.StatusNotFound, CodeConversationNotFound},
	{false, connector.ErrNotConsumersConversation, http.StatusForbidden, CodeNotYours},
	{false, connector.ErrConversationClosed, http.StatusConflict, CodeConversationClosed},
}

// connectorInvalid turns an error building a Connector body into a 4xx.
func connectorInvalid(err error) *apiError {
	if errors.Is(err, connector.ErrTooLarge) {
		return &apiError{Status: http.StatusRequestEntityTooLarge, Code: CodeTooLarge, Message: err.Error()}
	}
	return badRequest(err.Error())
}
