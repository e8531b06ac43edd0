package proxy

import (
	"context"
	"errors"
	"mime"
	"net/http"
	"strconv"
	"strings"
	"time"
)

// GET /v1/conversations/{id}/events: a conversation's event log for the
// consumer who created it (Authorization: Bearer <token of the create
// answer>), as Server-Sent Events or, with Accept: application/json, as
// {"events":[...],"last":N} for polling.

// serveEvents answers one events request.
func (h *Handler) serveEvents(w http.ResponseWriter, r *http.Request) error {
	if r.Method != http.MethodGet { // the GET pattern takes HEAD too
		w.Header().Set("Allow", "GET, OPTIONS")
		return &apiError{Status: http.StatusMethodNotAllowed, Code: CodeMethodNotAllowed, Message: "use GET"}
	}
	if err := h.checkRate(r); err != nil {
		return err
	}
	if err := h.checkClaim(r); err != nil {
		return err
	}
	conv := r.PathValue("id")
	if err := checkConversationID(conv); err != nil {
		return err
	}
	tok, ae := bearer(r.Header)
	if ae == nil {
		ae = h.tokens.verify(tok, conv)
	}
	if ae != nil {
		if ae.Status == http.StatusUnauthorized {
			w.Header().Set("WWW-Authenticate", `Bearer realm="lpedge"`)
		}
		return ae
	}
	after, err := resumePoint(r)
	if err != nil {
		return err
	}
	if wantsJSON(r.Header.Get("Accept")) {
		return h.eventsJSON(w, r.Context(), conv, after)
	}
	h.stream(w, r, conv, after)
	return nil
}

// resumePoint is where a reader resumes: after the Last-Event-ID an
// EventSource sends when it reconnects, else ?after=, else 0.
func resumePoint(r *http.Request) (int64, error) {
	name, v := headerLastEventID, r.Header.Get(headerLastEventID)
	if v == "" {
		name, v = "after", r.URL.Query().Get("after")
	}
	if v == "" {
		return 0, nil
	}
	n, err := strconv.ParseInt(v, 10, 64)
	if err != nil || n < 0 {
		return 0, badRequest(name + ": want a non-negative event seq, got " + strconv.Quote(clip(v, 20)))
	}
	return n, nil
}

// wantsJSON reports whether Accept names application/json (and not
// text/event-stream first).
func wantsJSON(accept string) bool {
	for _, part := range strings.Split(accept, ",") {
		mt, _, err := mime.ParseMediaType(strings.TrimSpace(part))
		if err != nil {
			continue
		}
		switch mt {
		case "application/json":
			return true
		case "text/event-stream":
			return false
		}
	}
	return false
}

func (h *Handler) eventsJSON(w http.ResponseWriter, ctx context.Context, conv string, after int64) error {
	// The whole log after after: an engine answers in parts (ReadBytes).
	var evs []Event
	var last int64
	for {
		part, l, err := h.state.Read(ctx, conv, after, 0)
		if err != nil {
			return unavailable("the event log is not available", 0, err)
		}
		evs, last = append(evs, part...), l
		if !Partial(part, l) {
			break
		}
		after = part[len(part)-1].Seq
	}
	b := append(make([]byte, 0, 256), `{"events":[`...)
	for i := range evs {
		if i > 0 {
			b = append(b, ',')
		}
		b = evs[i].AppendJSON(b)
	}
	b = append(b, `],"last":`...)
	b = strconv.AppendInt(b, last, 10)
	writeJSON(w, http.StatusOK, append(b, "}\n"...))
	return nil
}

// stream serves the log as Server-Sent Events: the stored events after
// after, then live ones as they are appended (the engine wakes the
// stream; nothing polls), a ": ping" comment after every Heartbeat
// without one, and EOF after a closed state event or when the reader
// goes away. Each write gets its own deadline, so the native server's
// WriteTimeout does not cut the stream and a stalled reader is dropped.
func (h *Handler) stream(w http.ResponseWriter, r *http.Request, conv string, after int64) {
	ctx := r.Context()
	rc := http.NewResponseController(w)
	hdr := w.Header()
	hdr.Set("Content-Type", "text/event-stream")
	hdr.Set("Cache-Control", "no-store")
	hdr.Set("X-Content-Type-Options", "nosniff")
	hdr.Set("X-Accel-Buffering", "no") // nginx: do not buffer the stream
	beat := h.cfg.Heartbeat
	deadline := func() { rc.SetWriteDeadline(time.Now().Add(beat + 10*time.Second)) } // not supported everywhere: then the server's own
	deadline()
	// Where flushing is not supported (a Worker buffers the answer), the
	// stream is written whole when it ends: it ends after its first write
	// (events or a ping), a long poll that the reader's EventSource
	// resumes with Last-Event-ID.
	buffered := false
	flush := func() bool {
		err := rc.Flush()
		buffered = buffered || errors.Is(err, http.ErrNotSupported)
		return err == nil || buffered
	}
	w.WriteHeader(http.StatusOK)
	if !flush() {
		return
	}
	var b []byte
	for {
		// One engine call per wake-up: the stored events, else those that
		// come within a heartbeat.
		evs, last, err := h.state.Read(ctx, conv, after, beat)
		if err != nil {
			return // the reader went away, or the engine failed: the reader reconnects and resumes
		}
		closed := false
		b = b[:0]
		for i := range evs {
			b = append(b, "id: "...)
			b = strconv.AppendInt(b, evs[i].Seq, 10)
			b = append(b, "\ndata: "...)
			b = evs[i].AppendJSON(b)
			b = append(b, "\n\n"...)
			after = evs[i].Seq
			closed = closed || evs[i].Closed
		}
		if len(b) == 0 {
			b = append(b, ": ping\n\n"...)
		}
		deadline()
		if _, err := w.Write(b); err != nil || !flush() {
			return
		}
		// A buffered stream ends after its first write, unless the
		// engine's answer was partial: then the rest is read at once.
		if closed || buffered && !Partial(evs, last) {
			return
		}
	}
}
