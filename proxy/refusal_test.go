package proxy

import (
	"net/http"
	"testing"

	"github.com/lpedge/lpedge/liveperson/connector"
)

// TestRefusalCodes: a refusal's code follows its words for the call that
// was refused; a create refused in words a SEND's cause would use ("does
// not exist", "is closed") stays create_refused, not a SEND's code.
func TestRefusalCodes(t *testing.T) {
	for _, tt := range []struct {
		method, msg string
		status      int
		code        string
	}{
		{"CONVERSATION", "campaign 7 does not exist", http.StatusBadRequest, CodeCreateRefused},
		{"CONVERSATION", "the brand's skill is closed", http.StatusBadRequest, CodeCreateRefused},
		{"SEND", "conversation x does not exist", http.StatusNotFound, CodeConversationNotFound},
		{"SEND", "conversation x is closed", http.StatusConflict, CodeConversationClosed},
		{"SEND", "something else", http.StatusConflict, CodeSendRefused},
	} {
		err := &connector.ResponseError{ReqID: "r", Code: connector.CodeBadRequest, Msg: tt.msg}
		ae := connectorRefused(tt.method, answer{status: 200}, err)
		if ae.Status != tt.status || ae.Code != tt.code {
			t.Errorf("%s refused %q: %d %s, want %d %s", tt.method, tt.msg, ae.Status, ae.Code, tt.status, tt.code)
		}
	}
}
