// Package proxy is lpedge's edge proxy: one http.Handler that holds the
// LivePerson secrets and makes the calls a browser must not make itself.
// It runs unchanged as a plain net/http server (cmd/lpedge-proxy) and on
// Cloudflare Workers (the js/wasm main in the same directory).
//
//	cfg, err := proxy.ConfigFromEnv(os.Getenv) // LP_ACCOUNT_ID, ALLOWED_ORIGINS, ...
//	if err != nil { ... }                      // a *ConfigError naming the variable
//	cfg.Assets = os.DirFS("build/tag")         // lpedge.js, lpedge.<hash>.wasm, .br/.gz
//	h, err := proxy.New(cfg)
//	http.ListenAndServe(":8080", h)
//
// # Routes
//
// Routed by a net/http ServeMux with method-and-wildcard patterns; a path
// with another method gets 405 with Allow, an unknown one 404, both in
// the JSON error shape below.
//
//	POST /v1/report                        Monitoring report, relayed as PUT ...report?v=1.1&obh=true
//	POST /v1/engagement                    Monitoring engagement, relayed with obh=true
//	POST /v1/conversations                 Connector CONVERSATION: 201 {"conversationId","token"[,"droppedSdes"]}
//	POST /v1/conversations/{id}/messages   SEND ms.PublishEvent text: {"conversationId","sequence"}
//	POST /v1/conversations/{id}/close      SEND cm.UpdateConversationField CLOSE
//	POST /v1/conversations/{id}/typing     SEND ChatStateEvent COMPOSING (typing) or ACTIVE: {"conversationId"}
//	POST /v1/conversations/{id}/read       SEND AcceptStatusEvent READ of the sequences: {"conversationId"}
//	GET  /v1/conversations/{id}/events     the conversation's events (Bearer token): SSE or JSON
//	POST /webhooks/liveperson              LivePerson's webhooks (server to server)
//	GET  /healthz                          {"status":"ok"}
//	GET  /                                 name, version, account, routes, /healthz (HTML or JSON)
//	GET  /lpedge.js, /lpedge.<hash>.wasm   the tag, by Accept-Encoding (br, gzip), with ETag
//
// Bodies are JSON (/v1/report also takes text/plain, as a beacon sends
// it) and are validated with the liveperson model before anything goes
// upstream: /v1/report and /v1/engagement take
// {visitorId?, sessionId?, consumerId?, identities?, entryPoints?,
// engagementAttributes} (monitoring.DecodeRequest; a report needs
// visitorId, consumerId or identities, as LivePerson's); /v1/conversations takes {consumerId,
// visitorId, sessionId, campaignId, engagementId, contextId, lang?,
// timeZone?, sdes?}; messages take {consumerId, text}; close takes
// {consumerId}; typing takes {consumerId, typing: bool}; read takes
// {consumerId, sequences: [1 to 100 non-negative integers]}. Of the SDEs of a create, those lp_sdes may not carry
// (anything but ctmrinfo and personal, ctmrinfo.info.customerId) are left
// out and named in the answer's droppedSdes.
//
// The tag names the account and app it believes in (its data-account
// and data-app) in the query of every /v1 request: ?account=&app=. A
// proxy serving another answers 400 account_mismatch, naming the
// attribute and both values, before any call upstream; a request
// without them (server to server) is not checked.
//
// The reading is strict (jsonv.ParseStrict, the same Go parser on
// Workers): a key given twice in an object, and a number a double does
// not hold exactly (9007199254740993, 1e-400, 1e400), are 400s naming
// where, since what would go upstream is not what was sent. A cart's or
// purchase's total, price, count or quantity below zero is a 400. A
// conversation {id} must be a UUID, as LivePerson's are ("-" or "_" end
// before any upstream call). timeZone and X-Time-Zone must name a zone
// of the IANA database as time.LoadLocation reads it (over the embedded
// time/tzdata, which Workers need); an invalid X-Time-Zone is a 400 on
// every route, even when the body names a zone.
//
// Errors are {"error":{"code","message"}}; a client switches on the code
// (the Code* constants), the message names the field or gives LivePerson's
// reason:
//
//	400 bad_request             a bad body, header or path, naming the field
//	400 account_mismatch        the page's data-account or data-app is not this proxy's (?account=, ?app=)
//	400 unknown_engagement      LivePerson refused the create: campaignId/engagementId are no engagement of the account
//	400 create_refused          LivePerson refused the create for another reason
//	400 invalid_data            Monitoring refused the body (internal code 5), e.g. an impression of an engagement not offered
//	401 unauthorized            a missing or forged token; a webhook whose signature, account or client does not match
//	403 origin_not_allowed      Origin not in ALLOWED_ORIGINS
//	403 forbidden               a token of another conversation
//	403 not_your_conversation   LivePerson refused a SEND: another consumer's conversation
//	404 not_found               no such route or asset
//	404 conversation_not_found  LivePerson refused a SEND: no such conversation
//	405 method_not_allowed      see Allow
//	409 conversation_open       the consumer already has an open conversation
//	409 conversation_closed     LivePerson refused a SEND: the conversation is closed
//	409 conversation_refused    LivePerson refused a SEND for another reason (a receipt naming no message of it)
//	413 body_too_large          over MaxBodyBytes or LivePerson's 5000 characters
//	415 unsupported_media       a Content-Type the route does not take
//	422 idempotency_mismatch    an Idempotency-Key reused with another body
//	429 rate_limited            see Retry-After
//	500 internal_error          a bug; details in the log only
//	502 upstream_error          LivePerson answered something unusable, or refused what is not the client's doing
//	                            (the proxy's app id or account, an API version), or named a host the proxy may not call
//	503 upstream_unavailable    LivePerson busy, failing or unreachable; see Retry-After
//	503 loading_account         Monitoring is loading the account; retry with error.visitorId
//	503 not_configured          the route needs configuration this proxy lacks
//
// LivePerson documents the wording of only one refusal (the open
// conversation's); the other causes are told apart by the phrases of
// connector.RefusedResponse, which lptest answers with, and a refusal
// worded otherwise keeps its call's generic code (create_refused,
// conversation_refused): still a 4xx, with LivePerson's reason.
//
// # Conversation tokens
//
// The create answer's token reads that conversation's events, sent as
// "Authorization: Bearer <token>" (never in a URL, where logs and CDNs
// keep it). It is stateless: base64url(conversationId) "."
// base64url(HMAC-SHA256(key, label + conversationId)), the key an
// HMAC-SHA256 of LP_CLIENT_SECRET with its own label (token.go), so it
// survives restarts, holds in every instance with the same secret, and an
// idempotent replay of a create returns the same token. It is checked in
// constant time; a missing or forged one gets 401, another conversation's
// 403. Rotating LP_CLIENT_SECRET invalidates every token.
//
// # Events
//
// GET /v1/conversations/{id}/events answers, with Accept:
// application/json, {"events":[...],"last":N}: the events with seq >
// ?after= (default 0). Otherwise it is a Server-Sent Events stream
// (text/event-stream, Cache-Control: no-store): "id: <seq>\ndata:
// <event>\n\n" for the stored events after Last-Event-ID (or ?after=),
// then live ones as the state engine wakes the stream (nothing polls), a
// ": ping" comment after Heartbeat (default 15 s) without an event, and
// EOF after the state event "closed" or when the reader goes away; where
// the writer cannot flush (a Worker), after its first write (events or a
// ping): a long poll that the reader resumes with Last-Event-ID. Each
// write sets its own deadline (Heartbeat + 10 s), so the native server's
// WriteTimeout does not cut streams. The request log line of a stream is
// written when it ends, with its duration. Events, with seq the
// conversation log's position (consecutive, and growing across restarts:
// the memory engine starts a log after its creation time in µs, so real
// seqs are 16-digit numbers; 1, 2, 3, 4 below):
//
//	{"seq":1,"type":"state","state":"open"|"accepted"|"closed","time":ms}
//	{"seq":2,"type":"message","sequence":0,"time":ms,"role":"ASSIGNED_AGENT","text":"..."}  (rich content: "content":{...})
//	{"seq":3,"type":"read","time":ms,"role":"ASSIGNED_AGENT","status":"ACCEPT"|"READ","sequences":[0]}
//	{"seq":4,"type":"typing","time":ms,"role":"ASSIGNED_AGENT","typing":true}
//
// Messages of every role are logged (the consumer's own come back as
// LivePerson echoes them), receipts and typing of the other side only,
// and only events with messageAudience ALL (or none): AGENTS_AND_MANAGERS
// events are agent-only. A reader resumes after the last seq it saw: a
// log made again after a restart or for its bounds numbers its events
// above it.
//
// # Webhooks
//
// LivePerson POSTs webhooks to the HTTPS endpoints of the connector
// app's manifest (capabilities.webhooks.<event type>.endpoint): point
// every event type (ms.MessagingEventNotification.ContentEvent,
// .RichContentEvent, .AcceptStatusEvent, .ChatStateEvent and
// cqm.ExConversationChangeNotification) at /webhooks/liveperson. Facts
// (LivePerson developer-center ConnectorAPI/Webhooks/overview.md,
// configuration.md, events.md, notification-protocol.md, retry-policy.md,
// webhooks-examples.md):
//   - the body is {"kind":"notification","type":...,"body":{"changes":[...]}};
//     a message change carries sequence, originatorId,
//     originatorMetadata.role, serverTimestamp, event, conversationId,
//     dialogId and messageAudience; a conversation change result.convId
//     and the whole result.conversationDetails (state, stage,
//     participants);
//   - headers x-liveperson-account-id, x-liveperson-client-id and
//     x-liveperson-signature: "sha1=" (some accounts "sha256=") and the
//     base64 HMAC of the raw body keyed with the app's client secret;
//   - only 200 and 201 count as delivered; connect and read time out
//     after 5 s, and an endpoint slower than 2.5 s for 2 minutes may be
//     disabled;
//   - retries follow capabilities.webhooks.retry.retention_time (2 s to
//     259,200 s; pauses 2, 4, 8 s up to 5 min; order kept per
//     conversation); the older max_retries (at most 5, 30 s apart) keeps
//     no order and may duplicate.
//
// The route has no CORS and no Origin check, and its own body limit,
// WebhookMaxBodyBytes (default 256 KB). It verifies the signature over the
// raw bytes in constant time (connector.VerifySignature) and the account
// and client headers against LP_ACCOUNT_ID and LP_CLIENT_ID: otherwise
// 401 and nothing is stored. A body that does not decode gets 400 (after
// the signature check). The events are stored before the 200 (memory: a
// few microseconds; nothing slow runs before the answer), duplicates by
// (conversation, dialog, sequence) dropped, state events once each. The
// consumer's open conversation is learnt from the conversation changes
// (the CONSUMER participant is the ConsumerJWS's lp_consumer_id), so that
// a create LivePerson refuses with "open conversation" (a create whose
// answer was lost, retried without its Idempotency-Key) is answered 201
// with that conversation and its token instead of 409; such a create
// waits up to OpenConversationWait (default 2 s) for the webhook, which
// may come after the retry. A conversation never opens again once
// closed, while LivePerson retries and reorders webhooks: the engine
// remembers each consumer's last ClosedKept (16) conversations seen
// closing and ignores a late open of one, also once another has opened.
//
// # State
//
// The idempotency records, the event logs and each consumer's open
// conversation sit behind [Engine] (Config.Engine): the default
// [MemoryEngine], natively a [BoltEngine] (-state FILE, STATE_FILE), so
// that a restart loses nothing, or on Workers Durable Objects shared by
// every isolate. The handlers make every decision; an engine stores,
// bounds and wakes, and each runs the conformance table of
// proxy/enginetest. An Idempotency-Key is the consumer's (the body's
// consumerId), per route and conversation id, and bound to the body; the
// first request with it claims it with a lease and the others wait for
// its answer, so that a claimant that dies does not block the key for
// good. The memory engine keeps IdempotencyEntries answers
// (IDEMPOTENCY_ENTRIES, default 10000, least recently used dropped first)
// for IdempotencyTTL (IDEMPOTENCY_TTL, default 24h), EventLogEvents
// events per conversation (EVENT_LOG_EVENTS, default 500), logs of
// EventLogConversations conversations (EVENT_LOG_CONVERSATIONS, default
// 10000, least recently used dropped first) for EventLogTTL after their
// last event (EVENT_LOG_TTL, default 24h), all logs together within
// EventLogBytes (EVENT_LOG_BYTES, default 64 MiB, estimated; least
// recently used logs dropped first). BenchmarkConversationMemory measures
// its heap per conversation. One engine read answers at most ReadBytes
// (1 MiB) of event data (at least one event); the events route and a
// stream read on at once while there is more.
//
// # Upstream calls
//
// Domain API answers are cached for DomainTTL; the AppJWT until 5 minutes
// before its exp (and replaced once when LivePerson answers 401 with
// errorCode 40102); ConsumerJWSs per consumer in a bounded LRU. Concurrent
// misses share one call. With warm caches a conversation, a message and a
// close each cost exactly one upstream call. Domain, token and consumer
// calls are retried on network errors, 429 and 5xx, twice with short
// pauses, within RequestTimeout; the CONVERSATION and SEND calls never
// are (they may have taken effect), except after a 401 refusal of a
// token, when nothing happened. When retries are used up the browser gets
// 503 with Retry-After (LivePerson's, or its documented first pause) and
// retries itself, with an Idempotency-Key on conversation calls: the same
// key returns the first success without calling LivePerson again, and
// concurrent duplicates are coalesced into one call.
//
// Only the Domain API's own host and hosts it answers under liveperson.net
// (https, no port) or the configured TestDomain are ever called.
//
// # Upstream transport
//
// Config.Upstream sends the requests. Natively it defaults to a
// keep-alive *http.Client, defined in a !js file; under js/wasm there is
// no default: *http.Client adds about 4.8 MB to a Worker and
// http.DefaultClient panics on workerd, so the Workers main passes
// jsglue/worker.Client (see [Upstream]).
//
// # Tests against lptest
//
// LP_DOMAIN_API takes a URL, so a test points the proxy at a loopback
// lptest server over http (allowed only for loopback hosts) and sets
// LP_TEST_DOMAIN=127.0.0.1 so that the hosts lptest names are allowed:
// [github.com/lpedge/lpedge/proxy/proxytest.Env] does exactly that.
//
// # Security
//
// ALLOWED_ORIGINS feeds github.com/rs/cors and is also enforced by the
// handler: a /v1 request from another Origin gets 403 and reaches nothing.
// Each client address may make RateLimit requests per second to /v1
// (default 10, bursts of 40); the webhook route is not limited. Logs
// (log/slog) carry routes, statuses, durations and upstream call counts,
// never secrets, tokens, consumer ids or message texts.
package proxy
