// Package tag is the engine of lpedge's browser tag: the page API's
// logic, in plain Go that runs and is tested on the host. The browser
// bindings ([github.com/lpedge/lpedge/wasm/browser]) only hand it the
// page's calls and an [Env] of storage, timers, fetch, console and lpTag.
//
//	cfg, err := tag.ParseConfig(map[string]string{ // the loader's data attributes
//		"account": "12345678", "app": "<app installation id>", "domain": "va.v.liveperson.net",
//	})
//	t := tag.New(cfg, env)
//	t.Call("track", []byte(`["Product Added",{"sku":"A1","name":"Boot","price":90}]`), nil)
//	t.Call("engagement", []byte(`[{"sections":["checkout"]}]`), func(result []byte, err error) {
//		// result: {"campaignId":...,"engagementId":...,"contextId":"1",...} or null
//	})
//
// What it does, in the order of a call's life:
//
//   - Arguments (JSON, as the page's JSON.stringify wrote them) are
//     checked and mapped: track through the retail preset, identify to
//     ctmrinfo/personal, page to entry points, sdes.push through
//     liveperson.ParseSDEs. An error names the argument; nothing invalid
//     is sent. The loader's internal capture call (data-capture) maps a
//     GA4 event through retail's Cart.GA4 on the same cart; what it
//     cannot map is a warning (see [Tag.Capture]).
//   - Everything one tick produces goes out in one report request (the
//     Env's After(0) ends the tick), in batches within 64 KB and
//     monitoring.MaxSDEs. One request is in flight at a time; what waits
//     meanwhile goes next, merged.
//   - Straight to LivePerson (Config.Domain) a report is POST with
//     X-HTTP-Method-Override: PUT; through the proxy it is POST
//     /v1/report with the ids in the body. A first visit without lpTag
//     opens its session with an engagement call, since LivePerson refuses
//     a report without a vid or an identity.
//   - Answers are classified by monitoring.Classify: 4xx are dropped with
//     a console error saying what to check; 5xx, 202 and network errors
//     wait 3 s, 10 s, 30 s, 90 s, then doubling pauses; 429 waits
//     Retry-After; stale ids start a new session. The online event sends
//     at once.
//   - Unsent batches are kept in localStorage (key
//     lpedge:v1:<account>:queue:<page>; at most MaxBatches requests and
//     MaxQueued attributes) after each change and at pagehide. Each page
//     writes only its own key, so tabs of the site never overwrite each
//     other's. At pagehide the page releases its key (until a pageshow
//     from the back/forward cache): the next page to start, or a live tab
//     once LivePerson answers it or it is back online, takes the batches
//     over and sends them. A page gone without pagehide (a crash, a mobile
//     tab discarded) is taken over QueueLease after it last stored its
//     queue and after its retry pause. The taker leaves a note naming
//     itself and the write it took (tabs see each other's writes late),
//     so a page that comes back leaves exactly those batches to it and
//     keeps what it stored later. Two tabs may both read a queue before
//     the other's note reaches them: each holds the batches ClaimWait
//     (250 ms), then sends them only if no other tab's note replaced its
//     own (the last note written wins); a page that hides meanwhile
//     settles at once. An older release's single key is taken over at
//     once (its batches, too, after ClaimWait).
//     A first attempt in flight at pagehide is not kept: keepalive
//     delivers it, and keeping it would send it twice; a retry in flight
//     is kept (LivePerson was failing: a loss is likelier than a repeat).
//   - Ids: lpTag's monitoring vid/sid when the page runs lpTag (reports
//     wait up to LpTagWait for them when lpTag is there without them);
//     otherwise the answers' visitorId (localStorage) and sessionId
//     (sessionStorage).
//   - With Config.ConsentRequired nothing is stored or sent before
//     consent({marketing: true}).
//   - Conversations go through the proxy's /v1/conversations with the
//     Monitoring session, the engagement and a random 128-bit consumer
//     id kept in localStorage. A [Conversation] (its own type, reaching
//     the Tag through a narrow interface) then listens: the proxy's
//     event stream (Env.Stream, with the create answer's token) reaches
//     the page's listeners through Env.Emit once per seq; it resumes
//     after the last seq with 1..30 s pauses (at once after a 200 that
//     carried an event or a ping: a Workers long poll), also when it
//     stays silent 40 s (no event, no ": ping") or the browser comes back
//     online, gives up on a 4xx other than 408 and 429 with a console
//     error, and ends with the
//     conversation. Messages a listener got on a visible page are read
//     (POST .../read, one at a time; a failed receipt goes again with
//     the next, after the stream's next event or online); typing goes
//     out once per change (POST .../typing) and ends after a message and
//     at pagehide. Id, token, last seq and what the proxy took as read
//     stay in sessionStorage, so a reload replays the history once and
//     goes on live.
package tag
