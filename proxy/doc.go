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
//	POST /v1/report                        Monitoring report, relayed as PUT ...report?v=1.1&obh=true
//	POST /v1/engagement                    Monitoring engagement, relayed with obh=true
//	POST /v1/conversations                 Connector CONVERSATION: 201 {"conversationId"}
//	POST /v1/conversations/{id}/messages   SEND ms.PublishEvent text: {"conversationId","sequence"}
//	POST /v1/conversations/{id}/close      SEND cm.UpdateConversationField CLOSE
//	GET  /healthz                          {"status":"ok"}
//	GET  /lpedge.js, /lpedge.<hash>.wasm   the tag, by Accept-Encoding (br, gzip), with ETag
//
// Bodies are JSON (/v1/report also takes text/plain, as a beacon sends
// it) and are validated with the liveperson model before anything goes
// upstream: /v1/report and /v1/engagement take
// {visitorId?, sessionId?, identities?, entryPoints?, engagementAttributes}
// (monitoring.DecodeRequest); /v1/conversations takes {consumerId,
// visitorId, sessionId, campaignId, engagementId, contextId, lang?,
// timeZone?, sdes?}; messages take {consumerId, text}; close takes
// {consumerId}. Of the SDEs of a create, those lp_sdes may not carry
// (anything but ctmrinfo and personal, ctmrinfo.info.customerId) are left
// out and named in the answer's droppedSdes.
//
// Errors are {"error":{"code","message"}} with 400 (bad body, header or
// path), 403 (origin not allowed), 404, 405, 409 (the consumer already
// has an open conversation), 413 (over MaxBodyBytes or LivePerson's 5000
// characters), 415, 422 (Idempotency-Key reused with another body), 429
// (rate limit), 502 (LivePerson answered something unusable, or named a
// host the proxy may not call) and 503 with Retry-After (LivePerson busy,
// failing or unreachable; loading_account carries the visitorId to retry
// with). The codes are the Code* constants.
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
// (default 10, bursts of 40). Logs (log/slog) carry routes, statuses,
// durations and upstream call counts, never secrets, tokens, consumer ids
// or message texts.
package proxy
