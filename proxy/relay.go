package proxy

import (
	"context"
	"errors"
	"net/http"
	"strconv"

	"github.com/lpedge/lpedge/liveperson/monitoring"
)

// report relays POST /v1/report as LivePerson's real PUT report with
// obh=true (the proxy calls on the visitor's behalf, so LivePerson keeps
// the visitor's geo-location instead of the proxy's).
func (h *Handler) report(ctx context.Context, _ *http.Request, body []byte, _ string) (int, []byte, error) {
	return h.relay(ctx, body, monitoring.Report)
}

// engagement relays POST /v1/engagement.
func (h *Handler) engagement(ctx context.Context, _ *http.Request, body []byte, _ string) (int, []byte, error) {
	return h.relay(ctx, body, monitoring.Engagement)
}

// relay validates a Monitoring body and sends it. It answers LivePerson's
// status (200, or 201 for a new session: keep the new ids) and answer
// body. A report is not retried blindly (SDEs such as purchase append);
// the one retry is after 404 for stale ids, which LivePerson refused
// outright: sent again without them, the answer carries new ones.
func (h *Handler) relay(ctx context.Context, body []byte, m monitoring.Method) (int, []byte, error) {
	req, err := decodeMonitoring(body, m)
	if err != nil {
		return 0, nil, err
	}
	// (The model requires each identity's sub.)
	if m == monitoring.Report && req.VisitorID == "" && req.ConsumerID == "" && len(req.Identities) == 0 {
		// LivePerson refuses it (400 "consumerId": "at least one form of
		// identification is required"); say why here instead.
		return 0, nil, badRequest("a report needs visitorId, consumerId or identities[].sub; the first call of a new visitor can be /v1/engagement")
	}
	if h.cfg.AppInstallationID == "" {
		return 0, nil, &apiError{Status: http.StatusServiceUnavailable, Code: CodeNotConfigured,
			Message: "this proxy has no Monitoring app installation id (LP_APP_INSTALLATION_ID)"}
	}
	d, err := h.lp.domain(ctx, monitoring.ServiceName)
	if err != nil {
		return 0, nil, err
	}
	what := "the Monitoring API (" + string(m) + ")"
	payload := req.AppendJSON(nil)
	for attempt := 0; ; attempt++ {
		call := monitoring.Call{Domain: d.host, Account: h.cfg.Account, App: h.cfg.AppInstallationID,
			VisitorID: req.VisitorID, SessionID: req.SessionID, OnBehalf: true, Scheme: d.scheme}
		url, err := call.URL(m)
		if err != nil {
			return 0, nil, upstreamError("the Monitoring URL is not usable", err)
		}
		a, err := h.lp.call(ctx, m.HTTPMethod(), url, http.Header{"Content-Type": {"application/json"}}, payload)
		status := a.status
		if err != nil {
			status = 0
		}
		now := h.cfg.Now().UnixMilli()
		dec := monitoring.Classify(status, a.body, a.retryAfter, 0, now)
		if w := monitoring.ParseRetryAfter(a.retryAfter, now); dec.Outcome == monitoring.Retry && w > 0 {
			// LivePerson's own wait goes to the browser as it came (the
			// model's schedule is for when it gives none it can read).
			dec.Wait = max(w, monitoring.Second)
		}
		switch dec.Outcome {
		case monitoring.Done:
			ans, err := monitoring.DecodeAnswer(a.body)
			if err != nil {
				return 0, nil, upstreamError(what+" answered no usable ids", err)
			}
			return a.status, ans.AppendJSON(nil), nil
		case monitoring.NewSession:
			if attempt == 0 {
				req.VisitorID, req.SessionID = "", ""
				continue
			}
		case monitoring.Retry:
			if err != nil {
				return 0, nil, unavailable(what+" did not answer", millis(dec.Wait), err)
			}
			if a.status == http.StatusAccepted {
				e := unavailable(what+" is loading the account; retry with error.visitorId", millis(dec.Wait), nil)
				e.Code = CodeLoadingAccount
				if eb := monitoring.DecodeError(a.body); eb != nil {
					e.VisitorID = monitoring.LoadingAccountVisitorID(eb.Message)
				}
				return 0, nil, e
			}
			return 0, nil, unavailable(what+" is unavailable (HTTP "+strconv.Itoa(a.status)+")", millis(dec.Wait),
				errors.New("upstream "+strconv.Itoa(a.status)+": "+snippet(a.body)))
		}
		// A refusal the body's validation did not foresee. A 400 with
		// internal code 5 ("missing or invalid data") is about the body
		// (an impression of an engagement the session was not offered):
		// the client's. Other refusals (an unknown app installation id or
		// account, an API version) are the proxy's configuration or
		// LivePerson's, not the client's: 502.
		msg := what + " refused the request (HTTP " + strconv.Itoa(a.status) + ")"
		eb := monitoring.DecodeError(a.body)
		if eb != nil && eb.Message != "" {
			msg += ": " + clip(eb.Message, 200)
		}
		if a.status == http.StatusBadRequest && eb != nil && eb.InternalCode == monitoring.CodeInvalidData {
			return 0, nil, &apiError{Status: http.StatusBadRequest, Code: CodeInvalidData, Message: msg, cause: errors.New(snippet(a.body))}
		}
		return 0, nil, upstreamError(msg, errors.New(snippet(a.body)))
	}
}
