package tag

import (
	"errors"
	"strconv"

	"github.com/lpedge/lpedge/internal/jsonv"
	"github.com/lpedge/lpedge/liveperson"
	"github.com/lpedge/lpedge/liveperson/monitoring"
)

// flush sends the next request unless something holds it: no consent,
// offline, a request in flight, a retry pause, lpTag's ids still coming,
// or the page released what it stored at pagehide (the next page sends
// it; an answer that comes after pagehide, such as the session's, must
// not: Show takes it back). hide says the page may go away: then what is
// unsent beside a request in flight goes too. The caller holds mu.
func (t *Tag) flush(hide bool) {
	t.takenOver() // what another tab took over is not sent twice
	if t.consent != consentGranted || len(t.queue) == t.inflight || t.retry != nil || t.released {
		return
	}
	if !t.env.Page.Online() {
		t.logf("offline: " + strconv.Itoa(len(t.queue)-t.inflight) + " request(s) wait for the online event")
		return
	}
	if t.waitingForLpTag() {
		return
	}
	if t.opening {
		return
	}
	if t.inflight == 0 {
		if vid, _, _ := t.ids(); vid == "" && t.customerID == "" {
			t.openSession()
			return
		}
		t.inflight = take(t.queue, 0)
		t.send(t.queue[:t.inflight], false)
		return
	}
	// A second request without ids would start a second session.
	if vid, _, _ := t.ids(); hide && vid != "" {
		n := take(t.queue, t.inflight)
		extra := append([]*batch(nil), t.queue[t.inflight:t.inflight+n]...)
		t.queue = append(t.queue[:t.inflight], t.queue[t.inflight+n:]...)
		t.send(extra, true)
	}
}

// openSession starts the visitor's Monitoring session with an engagement
// call before the first report: LivePerson requires a report to carry a
// form of identification (a vid, or an identity's sub), and an
// anonymous visitor without lpTag has neither yet. The answer's ids are
// kept, and its engagement, if any, serves conversation.start.
func (t *Tag) openSession() {
	r := &monitoring.Request{EntryPoints: t.queue[0].entry, SDEs: []liveperson.SDE{}}
	req, err := t.monitoringRequest(monitoring.Engagement, r)
	if err != nil { // Config was checked; only ids could be malformed, and there are none
		t.env.Console.Error("lpedge: engagement: cannot open a session: " + err.Error())
		return
	}
	t.opening = true
	t.logf("opening a session: " + req.Method + " " + req.URL + " " + req.Body)
	t.env.Transport.Do(req, func(resp Response) {
		t.mu.Lock()
		t.opening = false
		t.logf("session answer: " + describeResponse(resp))
		d := monitoring.Classify(resp.Status, resp.Body, resp.RetryAfter, t.openAttempt, t.env.Clock.Now())
		a, err := monitoring.DecodeAnswer(resp.Body)
		switch {
		case d.Outcome == monitoring.Done && err == nil:
			t.openAttempt = 0
			t.adoptIDs(a.VisitorID, a.SessionID, false)
			if len(a.Engagements) > 0 {
				t.chat.engagement = &a.Engagements[0]
			}
		case d.Outcome == monitoring.Retry:
			if resp.Status == 0 && t.openAttempt == 0 {
				t.explain("report", resp)
			}
			t.openAttempt++
			t.pause(d.Wait, t.openAttempt)
		default:
			t.fail(t.queue, true, resp, "report")
			t.queue = nil
		}
		t.save()
		t.flush(false)
		t.idsSettled()
		t.unlock()
	})
}

// idsSettled runs the engagement calls that waited for a Monitoring
// answer's ids. Without ids (the call failed or waits for a retry) they
// go anyway rather than hang. The caller holds mu.
func (t *Tag) idsSettled() {
	w := t.idWait
	t.idWait = nil
	for _, f := range w {
		f()
	}
}

// pause holds sending for wait ms, the attempt-th retry.
func (t *Tag) pause(wait int64, attempt int) {
	t.logf("retrying in " + seconds(wait) + " (attempt " + strconv.Itoa(attempt) + ")")
	t.retryAt = t.env.Clock.Now() + wait
	t.retry = t.env.Clock.After(wait, func() {
		t.mu.Lock()
		t.retry, t.retryAt = nil, 0
		t.flush(false)
		t.save()
		t.unlock()
	})
}

// seconds writes ms for the debug log in whole seconds, as
// time.Duration's String would.
func seconds(ms int64) string { return strconv.FormatInt(ms/1000, 10) + "s" }

// take counts the batches of q from index from on that fit one request: same
// entry points, within monitoring.MaxSDEs and the body budget.
func take(q []*batch, from int) int {
	first := q[from]
	n, sdes, size := 1, len(first.sdes), first.size
	for _, b := range q[from+1:] {
		if !sameStrings(b.entry, first.entry) || sdes+len(b.sdes) > monitoring.MaxSDEs || size+b.size > batchBudget {
			break
		}
		n, sdes, size = n+1, sdes+len(b.sdes), size+b.size
	}
	return n
}

// ids returns the visitor and session ids to report with: lpTag's when
// the page runs it (and LivePerson took them), else the tag's own.
func (t *Tag) ids() (vid, sid string, fromLpTag bool) {
	if t.env.LpTag != nil {
		v, s := t.env.LpTag.IDs()
		if v != "" && !(t.lpTagStale && v+"/"+s == t.lpTagVid) {
			return v, s, true
		}
	}
	return t.vid, t.sid, false
}

// waitingForLpTag holds reports while the page has lpTag but its
// monitoring taglet has no ids yet, so that the tag does not start a
// second session; LpTagWait bounds the wait.
func (t *Tag) waitingForLpTag() bool {
	if !t.lpTagPending() {
		return false
	}
	if !t.lpTagTimer {
		t.lpTagTimer = true
		t.logf("lpTag is on the page without monitoring ids yet: reports wait for them (at most " + seconds(LpTagWait) + ")")
		t.env.Clock.After(LpTagWait, func() {
			t.mu.Lock()
			t.lpTagWaited = true
			if v, _ := t.env.LpTag.IDs(); v == "" {
				t.logf("lpTag gave no monitoring ids in " + seconds(LpTagWait) + ": reporting with the tag's own")
			}
			t.flush(false)
			t.unlock()
		})
	}
	return true
}

// lpTagPending says whether the page has lpTag without monitoring ids
// yet, and LpTagWait has not run out.
func (t *Tag) lpTagPending() bool {
	if t.env.LpTag == nil || t.lpTagWaited || !t.env.LpTag.Present() {
		return false
	}
	v, _ := t.env.LpTag.IDs()
	return v == ""
}

// lpTagChanged runs when lpTag's ids may have changed.
func (t *Tag) lpTagChanged() {
	t.mu.Lock()
	if v, s := t.env.LpTag.IDs(); v != "" {
		if t.lpTagStale && v+"/"+s != t.lpTagVid {
			t.lpTagStale = false
		}
		t.logf("lpTag ids: vid " + v + ", sid " + s)
		t.flush(false)
	}
	t.unlock()
}

// identities are sent for an identified consumer only; acr follows
// marketing consent. Unauthenticated visitors are known by vid/sid alone.
func (t *Tag) identities() []monitoring.Identity {
	if t.customerID == "" {
		return nil
	}
	acr := monitoring.ACRNone
	if t.marketing {
		acr = monitoring.ACRAuthenticated
	}
	return []monitoring.Identity{{Iss: t.env.Page.Origin(), Acr: acr, Sub: t.customerID}}
}

// monitoringRequest builds the HTTP request of a report or engagement
// call: straight to LivePerson, POST with the override header for report
// (its CORS allow-list has no PUT), or through the proxy with the ids in
// the body.
func (t *Tag) monitoringRequest(m monitoring.Method, r *monitoring.Request) (Request, error) {
	req := Request{Method: "POST", Keepalive: m == monitoring.Report,
		Header: [][2]string{{"Content-Type", "application/json"}}}
	if !t.cfg.Direct() {
		req.URL = t.cfg.Proxy + "/v1/" + string(m) + "?" + t.chat.env.Claim
		req.Body = string(r.AppendProxyJSON(nil))
		return req, nil
	}
	call := monitoring.Call{Domain: t.cfg.Domain, Account: t.cfg.Account, App: t.cfg.App,
		VisitorID: r.VisitorID, SessionID: r.SessionID, Scheme: t.cfg.Scheme}
	u, err := call.URL(m)
	if err != nil {
		return req, err
	}
	req.URL = u
	if m == monitoring.Report {
		req.Header = append(req.Header, [2]string{monitoring.OverrideHeader, "PUT"})
	}
	req.Body = string(r.AppendJSON(nil))
	return req, nil
}

// send reports batches in one request; extra marks a request sent at
// hide beside the one in flight.
func (t *Tag) send(batches []*batch, extra bool) {
	vid, sid, fromLpTag := t.ids()
	req, attempt, err := t.report(batches, vid, sid)
	if err != nil { // only an id from lpTag or storage can be malformed: Config was checked
		t.env.Console.Warn("lpedge: report: ignoring a malformed id: " + err.Error())
		t.dropIDs(vid, sid, fromLpTag)
		if extra {
			t.requeue(batches)
		} else {
			t.inflight = 0
		}
		t.flush(false)
		return
	}
	t.logf("report: " + req.Method + " " + req.URL + " " + req.Body)
	t.env.Transport.Do(req, func(resp Response) {
		t.mu.Lock()
		t.reported(batches, extra, attempt, vid, sid, fromLpTag, resp)
		t.unlock()
	})
}

// report builds the report request of batches, and says how many
// attempts they have had.
func (t *Tag) report(batches []*batch, vid, sid string) (req Request, attempt int, err error) {
	r := &monitoring.Request{VisitorID: vid, SessionID: sid, Identities: t.identities(), EntryPoints: batches[0].entry}
	for _, b := range batches {
		r.SDEs = append(r.SDEs, b.sdes...)
		attempt = max(attempt, b.attempt)
	}
	if r.SDEs == nil {
		r.SDEs = []liveperson.SDE{}
	}
	req, err = t.monitoringRequest(monitoring.Report, r)
	return req, attempt, err
}

// sent removes a request's batches from the queue.
func (t *Tag) sent(batches []*batch, extra bool) {
	if !extra {
		t.queue = t.queue[t.inflight:]
		t.inflight = 0
	}
}

// requeue puts an extra request's batches, or batches taken over, in
// front of the unsent. They are not in the stored queue: it was written
// without them.
func (t *Tag) requeue(batches []*batch) {
	for _, b := range batches {
		b.stored = false
	}
	t.queue = spliced(t.queue, t.inflight, batches)
}

// spliced is q with add inserted at i, in a new array.
func spliced(q []*batch, i int, add []*batch) []*batch {
	return append(append(append([]*batch(nil), q[:i]...), add...), q[i:]...)
}

func (t *Tag) reported(batches []*batch, extra bool, attempt int, vid, sid string, fromLpTag bool, resp Response) {
	d := monitoring.Classify(resp.Status, resp.Body, resp.RetryAfter, attempt, t.env.Clock.Now())
	t.logf("report answer: " + describeResponse(resp))
	switch d.Outcome {
	case monitoring.Done:
		t.sent(batches, extra)
		if t.mayStore() {
			t.adopt() // LivePerson answers: a good time for what other pages left
		}
		if a, err := monitoring.DecodeAnswer(resp.Body); err == nil {
			t.adoptIDs(a.VisitorID, a.SessionID, fromLpTag)
		} else {
			t.logf("the answer carries no ids: " + err.Error())
		}
	case monitoring.NewSession:
		if vid == "" && sid == "" {
			t.fail(batches, extra, resp, "report")
			break
		}
		t.logf("LivePerson does not know vid " + vid + " / sid " + sid + ": sending again in a new session")
		t.dropIDs(vid, sid, fromLpTag)
		if extra {
			t.requeue(batches)
		} else {
			t.inflight = 0
		}
	case monitoring.Retry:
		if resp.Status == 0 && attempt == 0 {
			t.explain("report", resp) // a warning; the retries that follow are quiet
		}
		for _, b := range batches {
			b.attempt = attempt + 1
		}
		if v := loadingVisitor(resp); v != "" && !fromLpTag {
			t.adoptIDs(v, t.sid, false)
		}
		if extra {
			t.requeue(batches)
		} else {
			t.inflight = 0
		}
		if t.retry == nil && t.inflight == 0 {
			t.pause(d.Wait, attempt+1)
		}
	case monitoring.Fail:
		t.fail(batches, extra, resp, "report")
	}
	t.flush(false)
	t.save()
	t.idsSettled()
}

func (t *Tag) fail(batches []*batch, extra bool, resp Response, what string) {
	n := 0
	for _, b := range batches {
		n += len(b.sdes)
	}
	if err, said := t.explain(what, resp); !said {
		t.env.Console.Error(err.Error() + " " + strconv.Itoa(n) +
			" engagement attribute(s) were dropped; LivePerson's policy is not to retry a 4xx.")
	}
	t.sent(batches, extra)
}

// adoptIDs keeps the ids an answer returned, unless they are lpTag's
// (lpTag keeps its own session).
func (t *Tag) adoptIDs(vid, sid string, fromLpTag bool) {
	if fromLpTag {
		return
	}
	if vid != "" && vid != t.vid {
		t.vid = vid
		t.store(t.local, "vid", vid)
		t.logf("visitor id " + vid)
	}
	if sid != "" && sid != t.sid {
		t.sid = sid
		t.store(t.session, "sid", sid)
		t.logf("session id " + sid)
	}
}

// dropIDs forgets ids LivePerson refused.
func (t *Tag) dropIDs(vid, sid string, fromLpTag bool) {
	if fromLpTag {
		t.lpTagStale, t.lpTagVid = true, vid+"/"+sid
		return
	}
	t.vid, t.sid = "", ""
	t.local.Remove(t.key("vid"))
	t.session.Remove(t.key("sid"))
}

// loadingVisitor is the vid a "loading account" answer asks the retry to
// use: in LivePerson's message, or the proxy's error.visitorId.
func loadingVisitor(resp Response) string {
	if e := monitoring.DecodeError(resp.Body); e != nil && e.InternalCode == monitoring.CodeLoadingAccount {
		return monitoring.LoadingAccountVisitorID(e.Message)
	}
	if pe := decodeProxyError(resp.Body); pe.code == "loading_account" {
		return pe.visitorID
	}
	return ""
}

type proxyError struct{ code, message, visitorID string }

// decodeProxyError reads the proxy's {"error":{"code","message"}}.
func decodeProxyError(body []byte) proxyError {
	v, _ := jsonv.Parse(body)
	m, _ := v.(map[string]any)
	e, _ := m["error"].(map[string]any)
	var pe proxyError
	pe.code, _ = e["code"].(string)
	pe.message, _ = e["message"].(string)
	pe.visitorID, _ = e["visitorId"].(string)
	return pe
}

func describeResponse(resp Response) string {
	if resp.Status == 0 {
		if resp.Err != nil {
			return "no answer (" + resp.Err.Error() + ")"
		}
		return "no answer"
	}
	s := strconv.Itoa(resp.Status)
	if len(resp.Body) > 0 {
		body := string(resp.Body)
		if len(body) > 500 {
			body = body[:500] + "..."
		}
		s += " " + body
	}
	return s
}

// An UnreachableError is a request that got no answer: the browser is
// offline, or the server is down, unknown or refuses this page's origin
// (CORS). A page API Promise rejects with it as an Error whose code is
// "unreachable" and url the server's base URL (wasm/browser), so that a
// page may offer a retry.
type UnreachableError struct {
	_      [0]func() // not comparable: no generated equality function in the tag (make size)
	Call   string    // the call or request, e.g. "engagement"
	Server string    // "the proxy" or "LivePerson"
	URL    string    // the proxy's base URL (data-proxy), or LivePerson's Monitoring origin
}

func (e *UnreachableError) Error() string {
	return "lpedge: " + e.Call + ": could not reach " + e.Server + " at " + e.URL + " (offline, or it is down or refuses this page's origin)"
}

// explain turns a failed request into an error that says what to check:
// no answer is an *UnreachableError, a refusal names its status and the
// server's reason. It writes to the console itself what a page must see
// even when it handles the error, and says so: no answer (a warning) and
// a proxy that serves another account (an error). at is the server's
// base URL, direct whether it is LivePerson's.
func explain(con Console, at, what string, resp Response, direct bool) (err error, said bool) {
	if resp.Status == 0 {
		who := "the proxy"
		if direct {
			who = "LivePerson"
		}
		err = &UnreachableError{Call: what, Server: who, URL: at}
		con.Warn(err.Error())
		return err, true
	}
	s := "lpedge: " + what + ": "
	if !direct {
		pe := decodeProxyError(resp.Body)
		s += "the proxy answered " + strconv.Itoa(resp.Status)
		if pe.code != "" {
			s += " " + pe.code + ": " + pe.message
		}
		// The hint follows the proxy's code: a 403 or 404 that passes on
		// LivePerson's refusal (not_your_conversation, ...) has its own
		// cause; without a code, the answer is not the proxy's.
		switch {
		case pe.code == "origin_not_allowed" || resp.Status == 403 && pe.code == "":
			s += ". Check that the proxy's ALLOWED_ORIGINS has this page's origin."
		case pe.code == "not_found" || resp.Status == 404 && pe.code == "":
			s += ". Check data-proxy (the proxy's base URL) and the proxy's LP_ACCOUNT_ID and LP_APP_INSTALLATION_ID."
		default:
			s += "."
		}
		err = errors.New(s)
		if pe.code == "account_mismatch" {
			con.Error(s)
			said = true
		}
		return err, said
	}
	s += "LivePerson answered " + strconv.Itoa(resp.Status)
	e := monitoring.DecodeError(resp.Body)
	if e != nil {
		s += " (" + jsonv.Quote(e.Message) + ", internal code " + strconv.Itoa(e.InternalCode) + ")"
	}
	switch {
	case resp.Status == 404:
		s += ". Check data-domain (your account's Monitoring host: the Domain API's smt service; it is region-specific), data-account and data-app (the app installation id)."
	case resp.Status == 400:
		field := "the attributes sent (see lpedge.debug(true))"
		if e != nil && e.Message != "" {
			field = jsonv.Quote(e.Message)
		}
		s += ". LivePerson names the field it could not accept: " + field + "."
	case resp.Status == 401 || resp.Status == 403:
		s += ". The account may enforce authenticated monitoring (identities with acr loa1 and a signed sub); check its monitoring configuration with LivePerson."
	default:
		s += "."
	}
	return errors.New(s), false
}

// explain is explain for the tag's Monitoring calls.
func (t *Tag) explain(what string, resp Response) (error, bool) {
	return explain(t.env.Console, t.base, what, resp, t.cfg.Direct())
}
