package connector_test

import (
	"errors"
	"reflect"
	"strings"
	"testing"

	"github.com/lpedge/lpedge/liveperson/connector"
)

const convID = "8602832d-dce1-446b-8445-0d51f5926a42"

func TestSendAppendJSON(t *testing.T) {
	for _, tt := range []struct {
		name string
		r    connector.SendRequest
		want string
	}{
		{"message", &connector.Message{DialogID: convID, Text: "Hi \"there\"\n"},
			`{"kind":"req","id":"1","type":"ms.PublishEvent","body":{"dialogId":"` + convID +
				`","event":{"type":"ContentEvent","contentType":"text/plain","message":"Hi \"there\"\n"}}}`},
		{"message with id and conversationId", &connector.Message{ID: "m7", DialogID: "d", ConversationID: "c", Text: "é"},
			`{"kind":"req","id":"m7","type":"ms.PublishEvent","body":{"dialogId":"d","conversationId":"c",` +
				`"event":{"type":"ContentEvent","contentType":"text/plain","message":"é"}}}`},
		{"typing", &connector.ChatState{DialogID: convID, State: connector.ChatStateComposing},
			`{"kind":"req","id":"1","type":"ms.PublishEvent","body":{"dialogId":"` + convID +
				`","event":{"type":"ChatStateEvent","chatState":"COMPOSING"}}}`},
		{"read", &connector.AcceptStatus{ID: "r", DialogID: convID, Status: connector.AcceptStatusRead, Sequences: []int64{2, 3}},
			`{"kind":"req","id":"r","type":"ms.PublishEvent","body":{"dialogId":"` + convID +
				`","event":{"type":"AcceptStatusEvent","status":"READ","sequenceList":[2,3]}}}`},
		{"close", &connector.Close{ConversationID: convID},
			`{"kind":"req","id":"1","type":"cm.UpdateConversationField","body":{"conversationId":"` + convID +
				`","conversationField":{"field":"ConversationStateField","conversationState":"CLOSE"}}}`},
		{"close with id", &connector.Close{ID: "c9", ConversationID: "x"},
			`{"kind":"req","id":"c9","type":"cm.UpdateConversationField","body":{"conversationId":"x",` +
				`"conversationField":{"field":"ConversationStateField","conversationState":"CLOSE"}}}`},
	} {
		t.Run(tt.name, func(t *testing.T) {
			got, err := tt.r.AppendJSON(nil)
			if err != nil {
				t.Fatal(err)
			}
			if string(got) != tt.want {
				t.Errorf("got  %s\nwant %s", got, tt.want)
			}
			back, err := connector.DecodeSend(got)
			if err != nil {
				t.Fatalf("DecodeSend: %v", err)
			}
			// The reader reports the default id that was written.
			want := reflect.ValueOf(tt.r).Elem()
			want.FieldByName("ID").SetString(tt.r.RequestID())
			if !reflect.DeepEqual(back, tt.r) {
				t.Errorf("round trip: got %+v, want %+v", back, tt.r)
			}
		})
	}
}

func TestSendAppendJSONErrors(t *testing.T) {
	long := strings.Repeat("x", connector.MaxChars)
	for _, tt := range []struct {
		name string
		r    connector.SendRequest
		want string
	}{
		{"no dialog", &connector.Message{Text: "hi"}, "$.body.dialogId: is required"},
		{"empty message", &connector.Message{DialogID: convID}, "$.body.event.message: is empty"},
		{"too long", &connector.Message{DialogID: convID, Text: long}, "request body is 5179 characters; LivePerson accepts at most 5000"},
		{"close without id", &connector.Close{}, "$.body.conversationId: is required"},
		{"chat state without dialog", &connector.ChatState{State: connector.ChatStateActive}, "$.body.dialogId: is required"},
		{"chat state without state", &connector.ChatState{DialogID: convID}, "$.body.event.chatState: is required (want ACTIVE or INACTIVE or GONE or COMPOSING or PAUSE)"},
		{"receipt without sequences", &connector.AcceptStatus{DialogID: convID, Status: connector.AcceptStatusRead}, "$.body.event.sequenceList: is empty"},
		{"receipt sequence over 2^53", &connector.AcceptStatus{DialogID: convID, Status: connector.AcceptStatusAccept, Sequences: []int64{1<<53 + 1}},
			"$.body.event.sequenceList[0]: want a sequence from 0 to 2^53, got 9007199254740993"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			got, err := tt.r.AppendJSON([]byte("x"))
			if err == nil || err.Error() != tt.want {
				t.Fatalf("error %v, want %s", err, tt.want)
			}
			if string(got) != "x" {
				t.Errorf("wrote %q on error", got)
			}
		})
	}
	_, err := (&connector.Message{DialogID: convID, Text: long}).AppendJSON(nil)
	if !errors.Is(err, connector.ErrTooLarge) {
		t.Errorf("%v is not ErrTooLarge", err)
	}
}

// The longest text that fits is MaxChars minus the envelope.
func TestMessageSizeLimit(t *testing.T) {
	m := &connector.Message{DialogID: convID, Text: "a"}
	b, err := m.AppendJSON(nil)
	if err != nil {
		t.Fatal(err)
	}
	m.Text = strings.Repeat("a", connector.MaxChars-len(b)+1)
	if b, err = m.AppendJSON(nil); err != nil || connector.Chars(b) != connector.MaxChars {
		t.Fatalf("at the limit: %d characters, %v", connector.Chars(b), err)
	}
	if _, err := connector.DecodeSend(b); err != nil {
		t.Errorf("DecodeSend at the limit: %v", err)
	}
	m.Text += "a"
	if _, err := m.AppendJSON(nil); !errors.Is(err, connector.ErrTooLarge) {
		t.Errorf("over the limit: %v", err)
	}
}

func TestDecodeSendReferenceExamples(t *testing.T) {
	for _, tt := range []struct {
		name, body string
		want       connector.SendRequest
	}{
		{"send.md message", `{"kind":"req","id":"1","type":"ms.PublishEvent","body":{"dialogId":"{conversationId}",
			"event":{"type":"ContentEvent","contentType":"text/plain","message":"Hi from Send Message only - Send a line"}}}`,
			&connector.Message{ID: "1", DialogID: "{conversationId}", Text: "Hi from Send Message only - Send a line"}},
		{"devassist message with conversationId", `{"kind":"req","type":"ms.PublishEvent","id":"1556852a-4bb3-11e9-8646-d663bd873d93",
			"body":{"conversationId":"cbf6e739","dialogId":"cbf6e739","event":{"type":"ContentEvent","contentType":"text/plain","message":"Hello world!"}}}`,
			&connector.Message{ID: "1556852a-4bb3-11e9-8646-d663bd873d93", DialogID: "cbf6e739", ConversationID: "cbf6e739", Text: "Hello world!"}},
		{"examples.md chat state", `{"kind":"req","id":"1","type":"ms.PublishEvent","body":{"dialogId":"{conversationId}",
			"event":{"type":"ChatStateEvent","chatState":"COMPOSING"}}}`,
			&connector.ChatState{ID: "1", DialogID: "{conversationId}", State: "COMPOSING"}},
		{"examples.md close with a numeric id", `{"kind":"req","id":1,"body":{"conversationId":"{conversationId}",
			"conversationField":{"field":"ConversationStateField","conversationState":"CLOSE"}},"type":"cm.UpdateConversationField"}`,
			&connector.Close{ID: "1", ConversationID: "{conversationId}"}},
	} {
		t.Run(tt.name, func(t *testing.T) {
			got, err := connector.DecodeSend([]byte(tt.body))
			if err != nil {
				t.Fatal(err)
			}
			if !reflect.DeepEqual(got, tt.want) {
				t.Errorf("got %+v, want %+v", got, tt.want)
			}
		})
	}
}

func TestDecodeSendErrors(t *testing.T) {
	msg := func(body string) string {
		return `{"kind":"req","id":"1","type":"ms.PublishEvent","body":` + body + `}`
	}
	event := func(ev string) string { return msg(`{"dialogId":"d","event":` + ev + `}`) }
	closing := func(body string) string {
		return `{"kind":"req","id":"1","type":"cm.UpdateConversationField","body":` + body + `}`
	}
	field := func(f string) string { return closing(`{"conversationId":"c","conversationField":` + f + `}`) }
	for _, tt := range []struct {
		name, body, want string
	}{
		{"syntax", `{"kind"`, "invalid JSON at byte 7: want ':' after an object key"},
		{"array", `[]`, "$: want an object, got an array"},
		{"other type", `{"kind":"req","id":"1","type":"ms.GenerateURLForUploadFile","body":{}}`,
			`$.type: want ms.PublishEvent or cm.UpdateConversationField, got "ms.GenerateURLForUploadFile"`},
		{"envelope member", `{"kind":"req","id":"1","type":"ms.PublishEvent","body":{},"extra":1}`, "$.extra: is not a member here (want kind, id, type, body)"},
		{"no id", `{"kind":"req","type":"ms.PublishEvent","body":{}}`, "$.id: is required"},
		{"no type", `{"kind":"req","id":"1","body":{}}`, "$.type: is required (want ms.PublishEvent or cm.UpdateConversationField)"},
		{"body member", msg(`{"dialogId":"d","text":"x"}`), "$.body.text: is not a member here (want dialogId, conversationId, event)"},
		{"no dialogId", msg(`{"event":{"type":"ContentEvent","contentType":"text/plain","message":"m"}}`), "$.body.dialogId: is required"},
		{"dialogId number", msg(`{"dialogId":1}`), "$.body.dialogId: want a string, got 1"},
		{"conversationId number", msg(`{"dialogId":"d","conversationId":2}`), "$.body.conversationId: want a string, got 2"},
		{"no event", msg(`{"dialogId":"d"}`), "$.body.event: is required"},
		{"event member", event(`{"type":"ContentEvent","contentType":"text/plain","message":"m","sequence":1}`),
			"$.body.event.sequence: is not a member here (want type, contentType, message)"},
		{"chat state without state", event(`{"type":"ChatStateEvent"}`), `$.body.event.chatState: is required (want ACTIVE or INACTIVE or GONE or COMPOSING or PAUSE)`},
		{"chat state unknown", event(`{"type":"ChatStateEvent","chatState":"TYPING"}`), `$.body.event.chatState: want ACTIVE or INACTIVE or GONE or COMPOSING or PAUSE, got "TYPING"`},
		{"chat state member", event(`{"type":"ChatStateEvent","chatState":"ACTIVE","message":"m"}`), `$.body.event.message: is not a member here (want type, chatState)`},
		{"chat state conversationId", msg(`{"dialogId":"d","conversationId":"d","event":{"type":"ChatStateEvent","chatState":"ACTIVE"}}`), `$.body.conversationId: is not a member here (want dialogId, event)`},
		{"chat state no dialog", msg(`{"event":{"type":"ChatStateEvent","chatState":"ACTIVE"}}`), `$.body.dialogId: is required`},
		{"receipt without list", event(`{"type":"AcceptStatusEvent","status":"READ"}`), `$.body.event.sequenceList: is empty`},
		{"receipt empty list", event(`{"type":"AcceptStatusEvent","status":"READ","sequenceList":[]}`), `$.body.event.sequenceList: is empty`},
		{"receipt status", event(`{"type":"AcceptStatusEvent","status":"SEEN","sequenceList":[1]}`), `$.body.event.status: want ACCEPT or READ or ACCESS or NACK or ACTION, got "SEEN"`},
		{"receipt fraction", event(`{"type":"AcceptStatusEvent","status":"READ","sequenceList":[1.5]}`), `$.body.event.sequenceList[0]: want an integer, got 1.5`},
		{"receipt negative", event(`{"type":"AcceptStatusEvent","status":"READ","sequenceList":[2,-1]}`), `$.body.event.sequenceList[1]: want a sequence from 0 to 2^53, got -1`},
		{"receipt list type", event(`{"type":"AcceptStatusEvent","status":"READ","sequenceList":"1"}`), `$.body.event.sequenceList: want an array of integers, got a string ("1")`},
		{"receipt too many", event(`{"type":"AcceptStatusEvent","status":"READ","sequenceList":[` + strings.Repeat("1,", 100) + `1]}`), `$.body.event.sequenceList: has 101 entries; at most 100`},
		{"rich content", event(`{"type":"RichContentEvent","content":{}}`), `$.body.event.content: is not a member here (want type, contentType, message)`},
		{"no contentType", event(`{"type":"ContentEvent","message":"m"}`), `$.body.event.contentType: is required (want "text/plain")`},
		{"file", event(`{"type":"ContentEvent","contentType":"hosted/file","message":{}}`), `$.body.event.contentType: want "text/plain", got a string ("hosted/file")`},
		{"message object", event(`{"type":"ContentEvent","contentType":"text/plain","message":{}}`), "$.body.event.message: want a string, got an object"},
		{"empty message", event(`{"type":"ContentEvent","contentType":"text/plain","message":""}`), "$.body.event.message: is empty"},
		{"null message", event(`{"type":"ContentEvent","contentType":"text/plain","message":null}`), "$.body.event.message: is empty"},
		{"close member", closing(`{"conversationId":"c","dialogId":"d"}`), "$.body.dialogId: is not a member here (want conversationId, conversationField)"},
		{"close no conversationId", closing(`{"conversationField":{"field":"ConversationStateField","conversationState":"CLOSE"}}`), "$.body.conversationId: is required"},
		{"close no field", closing(`{"conversationId":"c"}`), "$.body.conversationField: is required"},
		{"close field member", field(`{"field":"ConversationStateField","conversationState":"CLOSE","ttr":1}`),
			"$.body.conversationField.ttr: is not a member here (want field, conversationState)"},
		{"close other field", field(`{"field":"ParticipantsChange","conversationState":"CLOSE"}`),
			`$.body.conversationField.field: want "ConversationStateField", got a string ("ParticipantsChange")`},
		{"close other state", field(`{"field":"ConversationStateField","conversationState":"OPEN"}`),
			`$.body.conversationField.conversationState: want "CLOSE", got a string ("OPEN")`},
		{"too large", event(`{"type":"ContentEvent","contentType":"text/plain","message":"` + strings.Repeat("€", 4950) + `"}`),
			"request body is 5094 characters; LivePerson accepts at most 5000"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			r, err := connector.DecodeSend([]byte(tt.body))
			if err == nil {
				t.Fatalf("no error; got %+v", r)
			}
			if err.Error() != tt.want {
				t.Errorf("error %q\nwant  %q", err, tt.want)
			}
			if r != nil {
				t.Errorf("a result with the error: %+v", r)
			}
			checkErrorKind(t, err)
		})
	}
}
