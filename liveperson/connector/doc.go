// Package connector models LivePerson's Connector API (Send API, service
// "asyncMessagingEnt") and the two token services it needs, Sentinel
// (AppJWT) and IDP (ConsumerJWS), for both sides of a call: the edge proxy
// builds requests and reads answers, and a fake LivePerson reads and
// validates requests and builds answers. It does no I/O. The browser tag
// does not link it.
//
// Opening a conversation, as the proxy does it:
//
//	conv, dropped := connector.NewConversation(account, sdes) // keeps what lp_sdes may carry
//	conv.CampaignID, conv.EngagementID = "2739101812", "2739121912"
//	conv.Context = &connector.Context{VisitorID: vid, SessionID: sid, InteractionContextID: "1", Lang: "en-US"}
//	body, err := conv.AppendJSON(nil) // errors.Is(err, connector.ErrTooLarge) over 5000 characters
//	url, err := connector.Endpoint{Domain: host, Account: account}.ConversationURL()
//	props, err := (&connector.ClientProperties{AppID: "lpedge", Features: []string{"MULTI_DIALOG"}}).Header()
//	// POST body to url with Authorization: <AppJWT>, X-LP-ON-BEHALF: <ConsumerJWS>,
//	// Client-Properties: props, Content-Type: application/json; then
//	id, err := connector.ReadConversation(answer, conv.RequestID)
//	// errors.Is(err, connector.ErrOpenConversation): the consumer already has one;
//	// errors.As(err, &authErr) with authErr.ErrorCode == connector.ErrorInvalidAppJWT: refresh the AppJWT.
//
// Messages and closing go to SEND as a [Message] or a [Close]; a fake
// LivePerson reads them with [DecodeSend], a CONVERSATION body with
// [DecodeConversation] and the header with [DecodeClientProperties], and
// answers with [Response] values ([CreatedResponse],
// [OpenConversationResponse], ...).
//
// The agent's side comes back as webhooks: LivePerson POSTs a signed
// [Notification] to the connector app's endpoints. A receiver checks the
// signature over the raw bytes, then decodes:
//
//	if err := connector.VerifySignature(r.Header.Get(connector.HeaderSignature), clientSecret, body); err != nil {
//		// 401: nothing is stored
//	}
//	n, err := connector.DecodeNotification(body)
//	for _, e := range n.Events { // messages, receipts, chat states
//		if e.Visible() && e.Event.Type == connector.EventContent { show(e.Role, e.Sequence, e.Event.Message) }
//	}
//	for _, c := range n.Conversations { // cqm.ExConversationChangeNotification
//		if c.Closed() { ... }
//	}
//
// The consumer's typing and receipts go to SEND as a [ChatState] and an
// [AcceptStatus].
//
// Validation errors are *liveperson.ValidationError values whose Field is
// a JSONPath into the body, e.g. "$[1].body.brandId: is required".
package connector
