// Package lptest is an in-memory LivePerson for tests and the demo, in the
// style of net/http/httptest: the Domain API, Monitoring (service smt:
// report and engagement), Sentinel (AppJWT), IDP (ConsumerJWS) and the
// Connector API (asyncMessagingEnt: CONVERSATION, SEND), all on one
// loopback host, with fault injection and an inspector.
//
// It is strict: what LivePerson's reference says the real service rejects,
// lptest rejects with the same status and error body, and it checks every
// engagement attribute with the liveperson package's model. Where the
// reference is silent, lptest picks the stricter reading and says so
// below, so a client that passes against lptest does not lean on
// undocumented leniency.
//
//	srv := lptest.NewServer(lptest.WithEngagement(lptest.Engagement{
//		CampaignID: 1001, EngagementID: 2001, Sections: []string{"shoes"},
//	}))
//	defer srv.Close()
//	// Domain API: srv.URL + "/api/account/12345678/service/smt/baseURI.json?version=1.0"
//	// answers {"service":"smt","account":"12345678","baseURI":srv.Host()}; so do
//	// asyncMessagingEnt, sentinel and idp. Clients use "http" with that host.
//	srv.SetFault(lptest.RouteReport, lptest.Fault{Status: 503, Count: 2})
//	// ... run the client ...
//	for _, c := range srv.Calls() { /* route, method, headers, body, status, answer */ }
//
// Without options a server has account [DefaultAccount] with the
// Monitoring app [DefaultApp], Sentinel credentials [DefaultClientID] /
// [DefaultClientSecret], no engagements, the wall clock, the agent
// [DefaultAgentID] and no webhooks; with [WithWebhooks], sha1 signatures
// and retries 2 s doubling to 5 min within a 10 min retention.
//
// # Domain API
//
// GET /api/account/{account}/service/{service}/baseURI.json?version=1.0
// (also without ".json", as botium calls it) and the all-services form
// /api/account/{account}/service/baseURI.json answer [Server.Host] for
// the [Services]. A missing or other version is a 400, an unknown account
// a 401 ("invalid site"), a service name lptest does not serve (names are
// case sensitive) a 404. Where LivePerson documents no error body, as
// here, lptest answers plain text.
//
// # Monitoring (smt)
//
// POST /api/account/{account}/app/{app}/engagement and PUT .../report,
// v=1.0 or 1.1, for configured accounts and apps (404, internal code 18,
// otherwise). report also takes POST with the header
// X-HTTP-Method-Override: PUT, which is how a browser must send it:
// every answer, preflights included, carries the CORS headers LivePerson's
// server sent in the reference's capture ([CORSAllowMethods] without PUT,
// [CORSAllowHeaders] with Content-Type and X-HTTP-Method-Override,
// credentials allowed, the Origin echoed), so a browser's preflight for a
// PUT fails and one for the POST passes. Answers are JSON sent as
// application/octet-stream, as in the capture.
//
// Another method (a POST to report without the override, a PUT to
// engagement) is a 405 with internal code 5. Bodies must be application/json (415 otherwise; LivePerson documents no
// other) and pass monitoring.DecodeRequest (which reads the deprecated
// consumerId and, on engagement, clientProperties). The first violation is a 400 with
// internal code 5 whose message names it ("engagementAttributes[0]:
// cart.total: is required"). A report needs a form of identification (vid,
// identities[].sub or consumerId: 400 "consumerId" otherwise, as the
// reference's example), and impression events only in the session where
// engagement offered that engagement, with its context id. A vid or sid
// that is not a well-formed id is a 404 with internal code 37 or 39; a
// well-formed but unknown pair starts a new session: 201 with new ids. A
// known pair answers 200. Answers are {"sessionId","visitorId","pageId"};
// engagement adds engagementDetails for the first [Engagement] (in option
// order) whose sections, entry point and SDE conditions match, with the
// context id the session gives it ("1", "2", ...), or the visitor's open
// conversation (status "conversation") when a Connector conversation's
// SharkContext names the visitor.
//
// # Sentinel, IDP and the Connector
//
// POST /sentinel/api/account/{account}/app/token?v=1.0&grant_type=client_credentials
// with client_id and client_secret in an application/x-www-form-urlencoded
// body (or the query string) answers {"access_token","token_type":"Bearer"}:
// an RS256 AppJWT with kid "appjwt-DD-MM-YY" and the claims aud (account),
// azp (client id), scope msg.consumer, iss Sentinel, iat and exp an hour
// later by the server's clock ([WithClock]). Wrong credentials are a 401
// with an OAuth 2.0 error body ({"error":"invalid_client",...}; LivePerson
// documents none).
//
// POST /api/account/{account}/consumer?v=1.0 with the AppJWT, raw, in
// Authorization and {"ext_consumer_id"} answers 201 {"token"}: a
// ConsumerJWS with account_id, ext_consumer_id and lp_consumer_id and no
// exp. The Connector's CONVERSATION and SEND
// (/api/account/{account}/messaging/consumer/conversation[/send]?v=3) also
// need the ConsumerJWS in X-LP-ON-BEHALF. IDP's other refusals (version,
// content type, body) are plain-text 400s. Authorization failures are 401
// with {"kind":"resp","code":401,"body":{"title","details","errorCode"},
// "type":".ReqBody$ErrorResp"}: 40105 no AppJWT, 40102 an AppJWT that is
// expired, not lptest's, for another account or sent as "Bearer <token>",
// 40001 (HTTP 400) one missing its claims, 40104 no ConsumerJWS, 40103 a
// ConsumerJWS that is not valid for the account.
//
// CONVERSATION and SEND bodies are read with connector.DecodeConversation
// and connector.DecodeSend: batch order and types, lp_sdes limited to
// ctmrinfo and personal without customerId, 5000 characters at most; a
// Client-Properties header, when present, must pass
// connector.DecodeClientProperties. campaignInfo must name a configured
// engagement. A consumer has at most one open conversation: a second
// CONVERSATION is a 400 whose ConsumerRequestConversation item says
// "... already has open conversation". SEND takes, only into the
// consumer's own open conversation, a text message, a chat state
// (ChatStateEvent: ACTIVE, INACTIVE, GONE, COMPOSING, PAUSE), a receipt
// (AcceptStatusEvent: ACCEPT, READ, ACCESS, NACK, ACTION with a
// sequenceList) or a close. Refusals are 400 with BAD_REQUEST answer
// items.
//
// # What lptest guesses
//
// Where LivePerson documents nothing, lptest answers something plausible
// and strict; a client must not depend on these answers' details (their
// wording least of all), which real LivePerson may not share:
//   - Domain API: the plain-text bodies of its 400, 401 ("invalid site")
//     and 404 (LivePerson documents the statuses 200, 400 and 401, no
//     bodies, and no 404);
//   - Monitoring: 405 (internal code 5) for another method, 415 for a
//     body that is not application/json (LivePerson lists neither status),
//     and the wording of every 400 message but "consumerId";
//   - Sentinel: the OAuth 2.0 body of its 401 for wrong credentials; IDP:
//     its plain-text 400s;
//   - Connector: 405 (plain text) for another method than POST; the
//     refusals of campaignInfo naming no configured engagement ("...
//     is not an engagement of this account") and of a SEND into a
//     conversation that does not exist ("... does not exist"), is another
//     consumer's ("... is not the consumer's") or is closed ("... is
//     closed"): 400 with a BAD_REQUEST item, worded as
//     connector.RefusedResponse words them (LivePerson documents only the
//     open conversation's refusal);
//   - a receipt naming a sequence the conversation has not given yet: 400;
//   - a chat state takes no sequence; its answer {"sequence": N} carries
//     the one the next message will take.
//
// # The conversation and the agent
//
// Each conversation has one dialog (its MAIN dialog, whose id is the
// conversation id) and one count of sequences shared by both sides:
// messages and receipts take the next one, chat states none, as
// LivePerson's webhook examples show (consumer message 0, agent READ 1,
// agent message 2, ...). [Conversation] keeps every [Event], the text
// [Message]s of both sides with the other side's latest receipt, each
// side's chat state, the agent, state, stage and close reason.
//
// lptest plays one agent ([DefaultAgentID], or [WithAgent]). From Go:
// [Server.AgentAccept], [Server.AgentMessage], [Server.AgentTyping],
// [Server.AgentRead], [Server.AgentReceived] and [Server.AgentClose]; over
// HTTP: POST /lptest/conversations/{id}/agent with {"action":"accept"},
// {"action":"message","text":"..."}, {"action":"typing"} (COMPOSING;
// "typing":false sends ACTIVE, and so does a message after typing),
// {"action":"read"} (READ for every consumer message not read yet),
// {"action":"received"} (ACCEPT for those not acknowledged yet) or
// {"action":"close"}. Every action but close accepts an unassigned
// conversation first. The answer is the [AgentResult] (sequence, events,
// state); 404 for an unknown conversation, 409 for a closed one, 400
// naming the member for a bad body.
//
//	srv := lptest.NewServer(lptest.WithWebhooks(proxyURL + "/webhooks/liveperson"))
//	defer srv.Close()
//	// ... the consumer opens conversation id through the Connector API ...
//	srv.AgentAccept(id)              // cqm: participants gain ASSIGNED_AGENT
//	srv.AgentRead(id)                // AcceptStatusEvent READ [0], sequence 1
//	srv.AgentTyping(id, true)        // ChatStateEvent COMPOSING
//	srv.AgentMessage(id, "Hello 👋") // ContentEvent, sequence 2; then ACTIVE
//	srv.AgentClose(id)               // cqm: state and stage CLOSE, closeReason AGENT
//
// # Webhooks
//
// With [WithWebhooks] (-webhooks on the command), lptest POSTs every
// change to the URL as LivePerson's webhooks do (sources: LivePerson
// developer center, ConnectorAPI/Webhooks/overview.md, configuration.md,
// events.md, notification-protocol.md, retry-policy.md and
// webhooks-examples.md), one notification per change, body
// {"kind":"notification","body":{"changes":[...]},"type":...} as
// connector.Notification.AppendJSON writes it:
//   - cqm.ExConversationChangeNotification when a conversation opens
//     (participants: the CONSUMER, whose id is the lp_consumer_id), when
//     the agent accepts (ASSIGNED_AGENT joins) and when it closes (state
//     and stage CLOSE, closeReason AGENT or CONSUMER);
//   - ms.MessagingEventNotification for every dialog event of both sides:
//     the consumer's own messages echoed (role CONSUMER), the agent's
//     (role ASSIGNED_AGENT), receipts (AcceptStatusEvent with
//     sequenceList) and chat states (ChatStateEvent, with neither
//     sequence nor serverTimestamp), each with conversationId, dialogId
//     and messageAudience ALL.
//
// Headers: Content-Type application/json, x-liveperson-account-id,
// x-liveperson-client-id (the client the conversation's AppJWT was issued
// to) and x-liveperson-signature, connector.Sign("sha1", secret, body)
// over exactly the bytes sent with that client's secret
// ([DefaultClientSecret] by default; [WithWebhookSignature] picks sha256;
// a client lptest was not given by [WithClient] signs with an empty
// secret). Only 200 and 201 count as delivered. Each conversation has its
// own queue, delivered in order: a notification is retried after 2, 4, 8
// s ... up to 5 min apart until the retention time (10 min) has passed,
// then dropped, and only then does the next one of its conversation go
// ([WithWebhookRetry] shortens all three for tests). An attempt times out
// after [WebhookTimeout] (5 s, LivePerson's connect and read timeouts).
// Close stops deliveries; Reset drops those pending.
//
// [Server.SetWebhookFault] disturbs the next notifications: duplicate
// (delivered twice, same bytes and signature), reorder (swapped with the
// next notification of its conversation), delay, and fail (the attempt
// fails before reaching the endpoint and is retried), optionally only
// for one event type. [Server.Deliveries] (GET /lptest/webhooks) lists
// every attempt with its status; it never shows the signature.
//
// # Faults
//
// [Server.SetFault] makes the next calls of a [Route] answer a status
// (500, 503, 429 with Retry-After, 202 "Loading account" on Monitoring,
// 401 with errorCode 40102 on IDP and the Connector), stall for a delay,
// or drop the connection. [Server.AddFault] queues faults one after
// another.
//
// # Control endpoints
//
// Under /lptest/, open to any origin so that browser tests can use them:
//
//	GET    /                            redirects to the agent view
//	GET    /lptest/                     the agent view (HTML): visitors and conversations; ?visitor=ID or
//	                                    ?conversation=ID shows the consumer-info widget (one card per SDE
//	                                    type, later reports merged in), journey and messages;
//	                                    an open conversation is an agent workspace: accept, reply (typing is
//	                                    sent as you type), mark read, close; the transcript shows both sides,
//	                                    the consumer's typing and receipts, polled every second
//	GET    /lptest/calls                every call (JSON [Call]); filters: route, visitor, conversation, since=SEQ
//	GET    /lptest/visitors[/{vid}]     visitors, sessions, pages, SDEs; one visitor adds its merged attributes
//	GET    /lptest/conversations[/{id}] conversations with lp_sdes, context, messages, events and receipts
//	POST   /lptest/conversations/{id}/agent  an agent action: {"action":"accept"|"message"|"typing"|"read"|"received"|"close",
//	                                    "text":"..." (message), "typing":false (typing)}
//	GET    /lptest/webhooks             {"url","pending","deliveries":[Delivery...]}; ?conversation=ID filters
//	GET    /lptest/webhooks/faults      pending webhook faults
//	POST   /lptest/webhooks/faults      {"kind":"duplicate"|"reorder"|"delay"|"fail","count":1,"delay":"1s",
//	                                    "event":"ms.MessagingEventNotification.ContentEvent","add":false}
//	DELETE /lptest/webhooks/faults      clear them
//	GET    /lptest/faults               pending faults per route
//	POST   /lptest/faults               {"route":"report","status":503,"count":2,"retryAfter":"5",
//	                                    "delay":"1.5s","drop":false,"lose":false,"body":"...","add":false}: SetFault, or AddFault with add
//	DELETE /lptest/faults[?route=R]     clear faults
//	POST   /lptest/reset                Reset
//	GET    /lptest/config               accounts, apps, client credentials, engagements
//
// The command liveperson/lptest/cmd/lptest serves a demo configuration on
// a fixed port.
package lptest
