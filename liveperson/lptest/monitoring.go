package lptest

import (
	"net/http"
	"slices"
	"strconv"
	"strings"

	"github.com/lpedge/lpedge/liveperson"
	"github.com/lpedge/lpedge/liveperson/monitoring"
)

// The CORS headers of Monitoring answers, as captured from LivePerson's
// server (spec 1.5). PUT is not among the methods, so a browser's
// preflight for a PUT report fails, and a POST with X-HTTP-Method-Override
// passes.
const (
	CORSAllowMethods = "GET, POST, PATCH"
	CORSAllowHeaders = "Origin, X-Requested-With, Content-Type, Accept, Authorization, X-HTTP-Method-Override, " +
		"LP-DOMAIN-REFERER, LP-URL, ETag, ac-revision, X-LP-Last-Modified, If-Match, Authentication-Method, " +
		"Credit-Card-Ref, Automation-Secret, Email-Token"
)

// MonitoringContentType is the Content-Type of Monitoring answers: the
// capture showed application/octet-stream for a JSON body, so clients
// must parse the body as JSON whatever the header says.
const MonitoringContentType = "application/octet-stream"

// setCORS adds the captured CORS headers, echoing the request's Origin
// (credentials are allowed, so "*" would not do).
func setCORS(h http.Header, r *http.Request) {
	h.Set("Access-Control-Allow-Methods", CORSAllowMethods)
	h.Set("Access-Control-Allow-Headers", CORSAllowHeaders)
	h.Set("Access-Control-Allow-Credentials", "true")
	if o := r.Header.Get("Origin"); o != "" {
		h.Set("Access-Control-Allow-Origin", o)
		h.Add("Vary", "Origin")
	}
}

// monitoringError is a Monitoring error answer.
func (s *Server) monitoringError(status, code int, msg string) answer {
	e := monitoring.ErrorBody{Time: s.now().UnixMilli(), Message: msg, InternalCode: code}
	a := newAnswer(status, MonitoringContentType, e.AppendJSON(nil))
	a.header.Set("Server", "ws")
	return a
}

// monitoringFault is the answer of a fault on report or engagement.
func (s *Server) monitoringFault(r *http.Request, status int) answer {
	code := monitoring.CodeInternal
	msg := http.StatusText(status)
	if status == http.StatusAccepted {
		// Loading account: the message carries the vid the retry must use.
		vid := r.URL.Query().Get("vid")
		if monitoring.CheckID("visitorId", vid, 128) != nil {
			vid = s.addVisitor(r.PathValue("account"), r.PathValue("app"))
		}
		msg = "Loading account: " + r.PathValue("account") + ", vid: " + vid
		code = monitoring.CodeLoadingAccount
		if r.URL.Query().Get("v") == "1.0" {
			status, code = http.StatusInternalServerError, monitoring.CodeAccountNotLoaded
		}
	}
	return s.monitoringError(status, code, msg)
}

// addVisitor makes a visitor with no session yet and returns its id.
func (s *Server) addVisitor(account, app string) string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.newVisitor(account, app).ID
}

func (s *Server) newVisitor(account, app string) *Visitor {
	v := &Visitor{ID: newID(22), Account: account, App: app}
	s.st.visitors[v.ID] = v
	s.st.visitorOrder = append(s.st.visitorOrder, v.ID)
	return v
}

func (s *Server) report(r *http.Request, body []byte) answer {
	return s.monitor(r, body, monitoring.Report)
}

func (s *Server) engagement(r *http.Request, body []byte) answer {
	return s.monitor(r, body, monitoring.Engagement)
}

// monitor serves report and engagement.
func (s *Server) monitor(r *http.Request, body []byte, m monitoring.Method) answer {
	if r.Method == http.MethodOptions {
		return newAnswer(http.StatusOK, "", nil) // the wrapper adds the CORS headers
	}
	q := r.URL.Query()
	override := r.Header.Get(monitoring.OverrideHeader)
	method := r.Method
	if method == http.MethodPost && override != "" {
		method = strings.ToUpper(override)
	}
	if method != m.HTTPMethod() {
		msg := string(m) + " takes " + m.HTTPMethod()
		if m == monitoring.Report {
			msg += ", or POST with " + monitoring.OverrideHeader + ": PUT"
		}
		return s.monitoringError(http.StatusMethodNotAllowed, monitoring.CodeInvalidData, msg+"; got "+r.Method+describeOverride(override))
	}
	account, app := r.PathValue("account"), r.PathValue("app")
	vid, sid := q.Get("vid"), q.Get("sid")
	switch v := q.Get("v"); {
	case v != "1.0" && v != "1.1":
		return s.monitoringError(http.StatusBadRequest, monitoring.CodeIllegalVersion, "illegal API version "+strconv.Quote(v)+" (want 1.0 or 1.1)")
	case s.cfg.accounts[account] == nil:
		return s.monitoringError(http.StatusNotFound, monitoring.CodeInternal, "invalid account "+strconv.Quote(account))
	case !slices.Contains(s.cfg.accounts[account], app):
		return s.monitoringError(http.StatusNotFound, monitoring.CodeInternal, "invalid appInstallationId "+strconv.Quote(app))
	case vid != "" && monitoring.CheckID("visitorId", vid, 128) != nil:
		return s.monitoringError(http.StatusNotFound, monitoring.CodeInvalidVisitor, "invalid visitorId "+strconv.Quote(vid))
	case sid != "" && monitoring.CheckID("sessionId", sid, 128) != nil:
		return s.monitoringError(http.StatusNotFound, monitoring.CodeInvalidSession, "invalid sessionId "+strconv.Quote(sid))
	case q.Has("obh") && q.Get("obh") != "true" && q.Get("obh") != "false":
		return s.monitoringError(http.StatusBadRequest, monitoring.CodeInvalidData, "obh: want true or false, got "+strconv.Quote(q.Get("obh")))
	case mediaType(r) != "application/json":
		return s.monitoringError(http.StatusUnsupportedMediaType, monitoring.CodeInvalidData,
			"Content-Type must be application/json, got "+strconv.Quote(r.Header.Get("Content-Type")))
	}
	req, consumerID, err := decodeMonitoringBody(body, m)
	if err != nil {
		return s.monitoringError(http.StatusBadRequest, monitoring.CodeInvalidData, err.Error())
	}
	if m == monitoring.Report && vid == "" && consumerID == "" && !slices.ContainsFunc(req.Identities, func(id monitoring.Identity) bool { return id.Sub != "" }) {
		// "At least one form of identification is required (consumerId /
		// an identities.sub or vid)"; the reference's 400 example says "consumerId".
		return s.monitoringError(http.StatusBadRequest, monitoring.CodeInvalidData,
			"consumerId: a report needs a form of identification: vid, identities[].sub or consumerId")
	}

	s.mu.Lock()
	defer s.mu.Unlock()
	v, sess := s.lookupSession(account, vid, sid)
	if m == monitoring.Report {
		if err := checkImpressions(req.SDEs, sess); err != nil {
			return s.monitoringError(http.StatusBadRequest, monitoring.CodeInvalidData, err.Error())
		}
	}
	created := sess == nil
	if v == nil {
		v = s.newVisitor(account, app)
	}
	if sess == nil {
		v.Sessions = append(v.Sessions, Session{ID: newID(22), Started: s.now()})
		sess = &v.Sessions[len(v.Sessions)-1]
	}
	pageID := s.applyMonitoring(sess, m, req, consumerID)
	ans := monitoring.Answer{SessionID: sess.ID, VisitorID: v.ID, PageID: pageID}
	if m == monitoring.Engagement {
		ans.Engagements = s.target(v, sess)
	}
	status := http.StatusOK
	if created {
		status = http.StatusCreated
	}
	a := newAnswer(status, MonitoringContentType, ans.AppendJSON(nil))
	a.header.Set("Server", "ws")
	a.visitor, a.session = v.ID, sess.ID
	return a
}

func describeOverride(o string) string {
	if o == "" {
		return ""
	}
	return " with " + monitoring.OverrideHeader + ": " + o
}

// lookupSession finds the visitor and session that vid and sid name; a
// nil session means the answer will be 201, with a new session.
func (s *Server) lookupSession(account, vid, sid string) (*Visitor, *Session) {
	v := s.st.visitors[vid]
	if v == nil || v.Account != account {
		return nil, nil
	}
	for i := range v.Sessions {
		if v.Sessions[i].ID == sid {
			return v, &v.Sessions[i]
		}
	}
	return v, nil
}

// checkImpressions applies the report method's limitation: impression
// events are accepted only in the session where engagement offered that
// engagement, with its context id.
func checkImpressions(sdes []liveperson.SDE, sess *Session) error {
	var offered []monitoring.EngagementDetail
	if sess != nil {
		offered = sess.Offered
	}
	for i, sde := range sdes {
		t := liveperson.LookupType(sde.Type())
		if !t.Impression {
			continue
		}
		campaign, _ := sde["campaign"].(float64)
		eng, _ := sde["engId"].(float64)
		at := "engagementAttributes[" + strconv.Itoa(i) + "]: " + t.Name + " of campaign " +
			strconv.FormatFloat(campaign, 'f', -1, 64) + " engagement " + strconv.FormatFloat(eng, 'f', -1, 64)
		j := slices.IndexFunc(offered, func(d monitoring.EngagementDetail) bool {
			return float64(d.CampaignID) == campaign && float64(d.EngagementID) == eng
		})
		if j < 0 {
			return &liveperson.ValidationError{Index: -1, Field: at,
				Problem: "this session was not offered that engagement (impressions are reported in the session where engagement offered it)"}
		}
		ctx, _ := sde["eContext"].([]any)
		for _, c := range ctx {
			id, _ := c.(map[string]any)["id"].(string)
			if id != "" && id != offered[j].ContextID {
				return &liveperson.ValidationError{Index: -1, Field: at,
					Problem: "eContext id " + strconv.Quote(id) + " is not the engagement's context id " + strconv.Quote(offered[j].ContextID)}
			}
		}
	}
	return nil
}

// applyMonitoring records the call in the session and returns its page id.
func (s *Server) applyMonitoring(sess *Session, m monitoring.Method, req *monitoring.Request, consumerID string) string {
	if consumerID != "" {
		sess.ConsumerID = consumerID
	}
	for _, id := range req.Identities {
		if !slices.ContainsFunc(sess.Identities, func(o monitoring.Identity) bool { return o.Iss == id.Iss && o.Acr == id.Acr && o.Sub == id.Sub }) {
			sess.Identities = append(sess.Identities, id)
		}
	}
	sess.SDEs = append(sess.SDEs, req.SDEs...)
	if req.PageID != "" {
		for i := range sess.Pages {
			if p := &sess.Pages[i]; p.ID == req.PageID {
				p.EntryPoints = append(p.EntryPoints, req.EntryPoints...)
				return p.ID
			}
		}
	}
	id := req.PageID
	if id == "" {
		id = newPageID()
	}
	sess.Pages = append(sess.Pages, Page{ID: id, Time: s.now(), Method: m, EntryPoints: req.EntryPoints})
	return id
}

// currentEntryPoints are those of the session's latest page that had any.
func (sess *Session) currentEntryPoints() []string {
	for i := len(sess.Pages) - 1; i >= 0; i-- {
		if len(sess.Pages[i].EntryPoints) > 0 {
			return sess.Pages[i].EntryPoints
		}
	}
	return nil
}

// target answers the engagement method: the visitor's open conversation,
// if any, or else the first configured engagement whose targeting
// matches, with the context id this session gives it.
func (s *Server) target(v *Visitor, sess *Session) []monitoring.EngagementDetail {
	for _, id := range slices.Backward(s.st.convOrder) {
		c := s.st.conversations[id]
		if c.State == StateOpen && c.Context != nil && c.Context.VisitorID == v.ID {
			d := monitoring.EngagementDetail{ContextID: c.Context.InteractionContextID, ConversationID: c.ID, Status: "conversation"}
			d.CampaignID, _ = strconv.ParseInt(c.CampaignID, 10, 64)
			d.EngagementID, _ = strconv.ParseInt(c.EngagementID, 10, 64)
			if e, ok := s.findEngagement(c.CampaignID, c.EngagementID); ok {
				d.EngagementRevision, d.ConnectorID, d.Language = e.revision(), strconv.FormatInt(e.connectorID(), 10), e.language()
			}
			return []monitoring.EngagementDetail{d}
		}
	}
	attrs := v.Attributes()
	for _, e := range s.cfg.engagements {
		if !e.matches(sess.currentEntryPoints(), attrs) {
			continue
		}
		i := slices.IndexFunc(sess.Offered, func(d monitoring.EngagementDetail) bool {
			return d.CampaignID == e.CampaignID && d.EngagementID == e.EngagementID
		})
		if i < 0 {
			sess.Offered = append(sess.Offered, monitoring.EngagementDetail{
				CampaignID: e.CampaignID, EngagementID: e.EngagementID, EngagementRevision: e.revision(),
				ContextID: strconv.Itoa(len(sess.Offered) + 1), ConnectorID: strconv.FormatInt(e.connectorID(), 10),
				Language: e.language(), Status: "expose",
			})
			i = len(sess.Offered) - 1
		}
		return []monitoring.EngagementDetail{sess.Offered[i]}
	}
	return nil
}

// findEngagement finds a configured engagement by its decimal ids.
func (s *Server) findEngagement(campaign, engagement string) (Engagement, bool) {
	for _, e := range s.cfg.engagements {
		if strconv.FormatInt(e.CampaignID, 10) == campaign && strconv.FormatInt(e.EngagementID, 10) == engagement {
			return e, true
		}
	}
	return Engagement{}, false
}

// decodeMonitoringBody validates a report or engagement body with the
// shared model and returns the deprecated consumerId when one was sent.
func decodeMonitoringBody(body []byte, m monitoring.Method) (*monitoring.Request, string, error) {
	r, err := monitoring.DecodeRequest(body, monitoring.DecodeOptions{Method: m})
	if err != nil {
		return nil, "", err
	}
	return r, r.ConsumerID, nil
}
