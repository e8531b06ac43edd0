package lptest_test

import (
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/lpedge/lpedge/liveperson/lptest"
	"github.com/lpedge/lpedge/liveperson/monitoring"
)

// BenchmarkReport measures lptest's own cost of a report from a known
// session, through Handler (no network): validation, session lookup,
// recording.
func BenchmarkReport(b *testing.B) {
	srv := lptest.NewUnstartedServer()
	url := monitoring.Path(lptest.DefaultAccount, lptest.DefaultApp, monitoring.Report) + "?v=1.1"
	first := httptest.NewRecorder()
	req := httptest.NewRequest("PUT", url, strings.NewReader(identified))
	req.Header.Set("Content-Type", "application/json")
	srv.Handler().ServeHTTP(first, req)
	a, err := monitoring.DecodeAnswer(first.Body.Bytes())
	if err != nil {
		b.Fatal(first.Code, first.Body.String())
	}
	url += "&vid=" + a.VisitorID + "&sid=" + a.SessionID
	b.ReportAllocs()
	for b.Loop() {
		srv.Reset() // keep the inspector from filling up; the session is gone, so each call makes one (201)
		rec := httptest.NewRecorder()
		req := httptest.NewRequest("POST", url, strings.NewReader(identified))
		req.Header.Set("Content-Type", "application/json")
		req.Header.Set("X-HTTP-Method-Override", "PUT")
		srv.Handler().ServeHTTP(rec, req)
		if rec.Code != 201 {
			b.Fatal(rec.Code, rec.Body.String())
		}
	}
}
