package connector_test

import (
	"errors"
	"reflect"
	"strings"
	"testing"

	"github.com/lpedge/lpedge/liveperson/connector"
)

// Answers from the devassist guide, verbatim.
const (
	answerCreated = `[{"code":"OK","body":{"msg":"OK User Profile set successfully"},"reqId":"4b91dd19-9b0c-4354-8fef-4f58a45a9c57"},
		{"code":"OK","body":{"conversationId":"cbf6e739-dfe6-4e3c-a544-2504afbe8747"},"reqId":"533575ec-b092-4ea6-ba13-25a98095e79f"}]`
	answerOpen = `[{"code":"OK","body":{"msg":"OK User Profile set successfully"},"reqId":"4b91dd19-9b0c-4354-8fef-4f58a45a9c57"},
		{"code":"BAD_REQUEST","body":{"msg":"Consumer request conversation failed: User 77d338e4b6bf02affbf9bf00a779cbf06b0fcd7fb1674028e8739acdfa6ae7a2 already has open conversation. Can't open another one."},
		"reqId":"533575ec-b092-4ea6-ba13-25a98095e79f"}]`
	answerTooLarge = `{"code":"BAD_REQUEST","body":{"msg":"Bad Request"},"reqId":"1556852a-4bb3-11e9-8646-d663bd873d93"}`
	answerAuth     = `{"kind":"resp","code":401,"body":{"title":"AppJWT is missing","details":"AUTHORIZATION header is not present","errorCode":40104},"type":".ReqBody$ErrorResp"}`
	reqID          = "533575ec-b092-4ea6-ba13-25a98095e79f"
)

func TestReadConversation(t *testing.T) {
	for _, tt := range []struct {
		name, answer, reqID string
		want                string // conversation id
		err                 string
		open                bool
		auth                int // errorCode
	}{
		{name: "created", answer: answerCreated, reqID: reqID, want: "cbf6e739-dfe6-4e3c-a544-2504afbe8747"},
		{name: "created (conversation.md)", answer: `[{"code":"OK","body":{"msg":"OK User Profile set successfully"},"reqId":"1,"},
			{"code":"OK","body":{"conversationId":"8602832d-dce1-446b-8445-0d51f5926a42"},"reqId":"2,"}]`, reqID: "2,", want: "8602832d-dce1-446b-8445-0d51f5926a42"},
		{name: "open conversation", answer: answerOpen, reqID: reqID, open: true,
			err: `LivePerson answered request "533575ec-b092-4ea6-ba13-25a98095e79f" with BAD_REQUEST: Consumer request conversation failed: User 77d338e4b6bf02affbf9bf00a779cbf06b0fcd7fb1674028e8739acdfa6ae7a2 already has open conversation. Can't open another one.`},
		{name: "whole batch refused", answer: answerTooLarge, reqID: reqID, err: `LivePerson answered request "1556852a-4bb3-11e9-8646-d663bd873d93" with BAD_REQUEST: Bad Request`},
		{name: "auth", answer: answerAuth, reqID: reqID, auth: connector.ErrorMissingConsumerJWS,
			err: "LivePerson refused the credentials (40104 AppJWT is missing): AUTHORIZATION header is not present"},
		{name: "no conversationId", answer: `[{"code":"OK","reqId":"1"},{"code":"OK","body":{},"reqId":"2"}]`, reqID: "2",
			err: `$[1].body.conversationId: is missing from the answer to request "2"`},
		{name: "other ids", answer: `[{"code":"OK","reqId":"1"},{"code":"OK","body":{"conversationId":"c"},"reqId":"3"}]`, reqID: "2",
			err: `$: no item answers request "2"`},
		{name: "numeric code", answer: `[{"code":400,"body":"nope","reqId":"2"}]`, reqID: "2", err: `LivePerson answered request "2" with 400: nope`},
		{name: "not JSON", answer: `Too many requests`, reqID: "2", err: "invalid JSON at byte 0: unexpected character 'T'"},
		{name: "item without code", answer: `[{"reqId":"2"}]`, reqID: "2", err: "$[0].code: is required"},
		{name: "item not object", answer: `[1]`, reqID: "2", err: "$[0]: want an object, got 1"},
		{name: "reqId object", answer: `[{"code":"OK","reqId":{}}]`, reqID: "2", err: "$[0].reqId: want a string or an integer, got an object"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			id, err := connector.ReadConversation([]byte(tt.answer), tt.reqID)
			if tt.err == "" {
				if err != nil || id != tt.want {
					t.Fatalf("got %q, %v; want %q", id, err, tt.want)
				}
				return
			}
			if err == nil || err.Error() != tt.err {
				t.Fatalf("got %q, error %v\nwant error %s", id, err, tt.err)
			}
			if errors.Is(err, connector.ErrOpenConversation) != tt.open {
				t.Errorf("errors.Is(ErrOpenConversation) = %v", !tt.open)
			}
			var ae *connector.AuthError
			if errors.As(err, &ae) != (tt.auth != 0) || ae != nil && ae.ErrorCode != tt.auth {
				t.Errorf("AuthError %+v, want errorCode %d", ae, tt.auth)
			}
		})
	}
}

func TestResponseBuilders(t *testing.T) {
	for _, tt := range []struct {
		name string
		r    connector.Response
		want string
		msg  string
		conv string
		seq  int64
		open bool
	}{
		{name: "profile", r: connector.ProfileSetResponse("1"), want: `{"code":"OK","body":{"msg":"OK User Profile set successfully"},"reqId":"1"}`,
			msg: "OK User Profile set successfully", seq: -1},
		{name: "created", r: connector.CreatedResponse("2", "c-1"), want: `{"code":"OK","body":{"conversationId":"c-1"},"reqId":"2"}`, conv: "c-1", seq: -1},
		{name: "published", r: connector.PublishedResponse("3", 0), want: `{"code":"OK","body":{"sequence":0},"reqId":"3"}`, seq: 0},
		{name: "published 7", r: connector.PublishedResponse("3", 7), want: `{"code":"OK","body":{"sequence":7},"reqId":"3"}`, seq: 7},
		{name: "closed", r: connector.ClosedResponse("4"), want: `{"code":"OK","body":{"msg":"OK Conversation resolved successfully"},"reqId":"4"}`,
			msg: "OK Conversation resolved successfully", seq: -1},
		{name: "bad request", r: connector.BadRequestResponse("5", "Bad Request"), want: `{"code":"BAD_REQUEST","body":{"msg":"Bad Request"},"reqId":"5"}`,
			msg: "Bad Request", seq: -1},
		{name: "open", r: connector.OpenConversationResponse("6", "77d3"), open: true, seq: -1,
			want: `{"code":"BAD_REQUEST","body":{"msg":"Consumer request conversation failed: User 77d3 already has open conversation. Can't open another one."},"reqId":"6"}`,
			msg:  "Consumer request conversation failed: User 77d3 already has open conversation. Can't open another one."},
		{name: "no body", r: connector.Response{ReqID: "7", Code: "OK"}, want: `{"code":"OK","reqId":"7"}`, seq: -1},
		{name: "string body", r: connector.Response{ReqID: "8", Code: "UNAUTHORIZED", Body: "who?"}, want: `{"code":"UNAUTHORIZED","body":"who?","reqId":"8"}`,
			msg: "who?", seq: -1},
	} {
		t.Run(tt.name, func(t *testing.T) {
			b := tt.r.AppendJSON(nil)
			if string(b) != tt.want {
				t.Errorf("got  %s\nwant %s", b, tt.want)
			}
			back, err := connector.DecodeResponse(b)
			if err != nil {
				t.Fatal(err)
			}
			if !reflect.DeepEqual(back, tt.r) {
				t.Errorf("round trip %+v, want %+v", back, tt.r)
			}
			if back.Msg() != tt.msg || back.ConversationID() != tt.conv {
				t.Errorf("Msg %q ConversationID %q", back.Msg(), back.ConversationID())
			}
			seq, ok := back.Sequence()
			if ok != (tt.seq >= 0) || ok && seq != tt.seq {
				t.Errorf("Sequence %d, %v; want %d", seq, ok, tt.seq)
			}
			err = back.Err()
			if (err == nil) != (tt.r.Code == connector.CodeOK) {
				t.Errorf("Err() = %v for code %s", err, tt.r.Code)
			}
			if errors.Is(err, connector.ErrOpenConversation) != tt.open {
				t.Errorf("errors.Is(%v, ErrOpenConversation) != %v", err, tt.open)
			}
		})
	}
}

func TestAppendResponses(t *testing.T) {
	items := []connector.Response{connector.ProfileSetResponse("1"), connector.CreatedResponse("2", "c")}
	b := connector.AppendResponses(nil, items)
	want := `[{"code":"OK","body":{"msg":"OK User Profile set successfully"},"reqId":"1"},{"code":"OK","body":{"conversationId":"c"},"reqId":"2"}]`
	if string(b) != want {
		t.Errorf("got  %s\nwant %s", b, want)
	}
	back, err := connector.DecodeResponses(b)
	if err != nil || !reflect.DeepEqual(back, items) {
		t.Errorf("DecodeResponses: %+v, %v", back, err)
	}
	if b := connector.AppendResponses(nil, nil); string(b) != "[]" {
		t.Errorf("no items: %s", b)
	}
}

func TestDecodeResponse(t *testing.T) {
	r, err := connector.DecodeResponse([]byte(`{"reqId":"1","code":"OK","body":{"sequence":0},"extra":[1]}`))
	if err != nil {
		t.Fatal(err)
	}
	if seq, ok := r.Sequence(); !ok || seq != 0 || r.ReqID != "1" || r.Err() != nil {
		t.Errorf("send.md answer: %+v", r)
	}
	for _, tt := range []struct{ in, want string }{
		{answerAuth, "LivePerson refused the credentials (40104 AppJWT is missing): AUTHORIZATION header is not present"},
		{`[]`, "$: want an object, got an array"},
		{`{"code":true}`, "$.code: want a string or an integer, got true"},
		{`{"code":"OK","body":{"sequence":1.5}}`, ""},
		{`{"kind":"resp","body":{"errorCode":"x"},"type":".ReqBody$ErrorResp"}`, `$.body.errorCode: want an integer, got a string ("x")`},
	} {
		r, err := connector.DecodeResponse([]byte(tt.in))
		if tt.want == "" {
			if _, ok := r.Sequence(); err != nil || ok {
				t.Errorf("%s: %v, sequence ok %v", tt.in, err, ok)
			}
			continue
		}
		if err == nil || err.Error() != tt.want {
			t.Errorf("%s: error %v, want %s", tt.in, err, tt.want)
		}
	}
}

// TestRefusals: each refusal RefusedResponse words is matched by its own
// error and by no other, and a refusal of other words by none.
func TestRefusals(t *testing.T) {
	reasons := []error{connector.ErrConversationNotFound, connector.ErrNotConsumersConversation,
		connector.ErrConversationClosed, connector.ErrUnknownEngagement}
	for _, reason := range reasons {
		err := connector.RefusedResponse("1", reason, `conversation "c"`, "(detail)").Err()
		for _, other := range append(reasons, connector.ErrOpenConversation) {
			if errors.Is(err, other) != (other == reason) {
				t.Errorf("%v: errors.Is(%v) = %v", err, other, !(other == reason))
			}
		}
	}
	err := connector.BadRequestResponse("1", "Bad Request").Err()
	for _, reason := range reasons {
		if errors.Is(err, reason) {
			t.Errorf("%v matches %v", err, reason)
		}
	}
	if err := connector.RefusedResponse("1", connector.ErrConversationClosed, `conversation "c"`, "").Err(); !strings.HasSuffix(err.Error(), `conversation "c" is closed`) {
		t.Errorf("wording: %v", err)
	}
	defer func() {
		if recover() == nil {
			t.Error("RefusedResponse of an unknown reason did not panic")
		}
	}()
	connector.RefusedResponse("1", errors.New("other"), "x", "")
}
