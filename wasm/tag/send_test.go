package tag

import (
	"strings"
	"testing"
)

// TestExplainHints: the hint of a proxy's refusal follows its code, so
// that LivePerson's refusals passed on as 403 and 404 are not blamed on
// ALLOWED_ORIGINS or data-proxy.
func TestExplainHints(t *testing.T) {
	const origins, proxyURL = "ALLOWED_ORIGINS", "Check data-proxy"
	tests := []struct {
		status int
		body   string
		want   string // a hint the message must have; "" for none
	}{
		{403, `{"error":{"code":"origin_not_allowed","message":"m"}}`, origins},
		{403, `forbidden`, origins},
		{403, `{"error":{"code":"not_your_conversation","message":"m"}}`, ""},
		{404, `{"error":{"code":"not_found","message":"m"}}`, proxyURL},
		{404, `<html>`, proxyURL},
		{404, `{"error":{"code":"conversation_not_found","message":"m"}}`, ""},
	}
	for _, tt := range tests {
		err, _ := explain(&fakeConsole{}, "http://proxy.test", "conversation.send", Response{Status: tt.status, Body: []byte(tt.body)}, false)
		msg := err.Error()
		for _, hint := range []string{origins, proxyURL} {
			if has := strings.Contains(msg, hint); has != (hint == tt.want) {
				t.Errorf("%d %s: %q: hint %q present %v", tt.status, tt.body, msg, hint, has)
			}
		}
	}
}
