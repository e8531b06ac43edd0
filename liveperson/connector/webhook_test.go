package connector_test

import (
	"errors"
	"reflect"
	"strings"
	"testing"

	"github.com/lpedge/lpedge/liveperson/connector"
)

const (
	lpConsumer = "ade26082b1185839d17e0794924c1a0005cf5663e7c35e38f80dd8552a1a96e5"
	agentID    = "29c3019d-fe0b-5200-afe8-737abfeae4b4"
	dialog     = "5491244f-e462-4c63-bf4e-faf4b2d3e7b5"
)

// Bodies shaped as in LivePerson's webhooks-examples.md.
var webhookExamples = []struct {
	name, body string
	want       *connector.Notification
}{
	{"consumer created a conversation", `{"kind":"notification","body":{"changes":[{"type":"UPSERT","result":{"convId":"` + dialog + `",
		"conversationDetails":{"participants":[{"id":"` + lpConsumer + `","role":"CONSUMER"}],"brandId":"64467156","state":"OPEN",
		"startTs":1528371161882,"metaDataLastUpdateTs":1528371161882,"ttr":{"ttrType":"PRIORITIZED","value":600}}}}]},
		"type":"cqm.ExConversationChangeNotification"}`,
		&connector.Notification{Type: connector.NotificationConversation, Conversations: []connector.ConversationChange{{
			Type: "UPSERT", ConversationID: dialog, State: "OPEN", StartTs: 1528371161882, UpdatedTs: 1528371161882,
			Participants: []connector.Participant{{ID: lpConsumer, Role: "CONSUMER"}}}}}},
	{"consumer sent a text message", `{"kind":"notification","body":{"changes":[{"sequence":0,"originatorId":"` + lpConsumer + `",
		"originatorMetadata":{"id":"` + lpConsumer + `","role":"CONSUMER"},"serverTimestamp":1528371161893,
		"event":{"type":"ContentEvent","message":"Hello from Consumer","contentType":"text/plain"},"dialogId":"` + dialog + `"}]},
		"type":"ms.MessagingEventNotification"}`,
		&connector.Notification{Type: connector.NotificationMessaging, Events: []connector.MessagingEvent{{
			HasSequence: true, OriginatorID: lpConsumer, Role: "CONSUMER", ServerTimestamp: 1528371161893, DialogID: dialog,
			Event: connector.Event{Type: "ContentEvent", ContentType: "text/plain", Message: "Hello from Consumer"}}}}},
	{"agent read the message", `{"kind":"notification","body":{"changes":[{"sequence":1,"originatorId":"` + agentID + `",
		"originatorMetadata":{"id":"` + agentID + `","role":"ASSIGNED_AGENT"},"serverTimestamp":1528371196009,
		"event":{"type":"AcceptStatusEvent","status":"READ","sequenceList":[0]},"dialogId":"` + dialog + `"}]},
		"type":"ms.MessagingEventNotification.AcceptStatusEvent"}`,
		&connector.Notification{Type: "ms.MessagingEventNotification.AcceptStatusEvent", Events: []connector.MessagingEvent{{
			Sequence: 1, HasSequence: true, OriginatorID: agentID, Role: "ASSIGNED_AGENT", ServerTimestamp: 1528371196009, DialogID: dialog,
			Event: connector.Event{Type: "AcceptStatusEvent", Status: "READ", SequenceList: []int64{0}}}}}},
	{"agent is typing", `{"kind":"notification","body":{"changes":[{"originatorId":"` + agentID + `",
		"originatorMetadata":{"id":"` + agentID + `","role":"ASSIGNED_AGENT"},"event":{"type":"ChatStateEvent","chatState":"COMPOSING"},
		"dialogId":"` + dialog + `"}]},"type":"ms.MessagingEventNotification"}`,
		&connector.Notification{Type: connector.NotificationMessaging, Events: []connector.MessagingEvent{{
			OriginatorID: agentID, Role: "ASSIGNED_AGENT", DialogID: dialog,
			Event: connector.Event{Type: "ChatStateEvent", ChatState: "COMPOSING"}}}}},
	{"agent message with audience and emoji", `{"kind":"notification","body":{"changes":[{"sequence":2,"originatorId":"` + agentID + `",
		"originatorMetadata":{"id":"` + agentID + `","role":"ASSIGNED_AGENT","clientProperties":{}},"serverTimestamp":1528371199686,
		"event":{"type":"ContentEvent","message":"Hello 👋\n","contentType":"text/plain"},"conversationId":"` + dialog + `",
		"dialogId":"` + dialog + `","messageAudience":"ALL","metadata":[]}]},"type":"ms.MessagingEventNotification.ContentEvent"}`,
		&connector.Notification{Type: "ms.MessagingEventNotification.ContentEvent", Events: []connector.MessagingEvent{{
			Sequence: 2, HasSequence: true, OriginatorID: agentID, Role: "ASSIGNED_AGENT", ServerTimestamp: 1528371199686,
			ConversationID: dialog, DialogID: dialog, Audience: "ALL",
			Event: connector.Event{Type: "ContentEvent", ContentType: "text/plain", Message: "Hello 👋\n"}}}}},
	{"rich content", `{"kind":"notification","type":"ms.MessagingEventNotification.RichContentEvent","body":{"changes":[{"sequence":4,
		"originatorMetadata":{"role":"ASSIGNED_AGENT"},"event":{"type":"RichContentEvent","content":{"type":"vertical","elements":[{"type":"text","text":"Hi"}]}},
		"dialogId":"d"}]}}`,
		&connector.Notification{Type: "ms.MessagingEventNotification.RichContentEvent", Events: []connector.MessagingEvent{{
			Sequence: 4, HasSequence: true, Role: "ASSIGNED_AGENT", DialogID: "d",
			Event: connector.Event{Type: "RichContentEvent", Content: []byte(`{"elements":[{"text":"Hi","type":"text"}],"type":"vertical"}`)}}}}},
	{"closed by the agent", `{"kind":"notification","type":"cqm.ExConversationChangeNotification","body":{"changes":[{"type":"UPSERT",
		"result":{"convId":"c","conversationDetails":{"participants":[{"id":"a","role":"ASSIGNED_AGENT"},{"id":"p","role":"CONSUMER"}],
		"state":"CLOSE","stage":"CLOSE","closeReason":"AGENT"}}}]}}`,
		&connector.Notification{Type: connector.NotificationConversation, Conversations: []connector.ConversationChange{{
			Type: "UPSERT", ConversationID: "c", State: "CLOSE", Stage: "CLOSE", CloseReason: "AGENT",
			Participants: []connector.Participant{{ID: "a", Role: "ASSIGNED_AGENT"}, {ID: "p", Role: "CONSUMER"}}}}}},
	{"deleted without details", `{"kind":"notification","type":"cqm.ExConversationChangeNotification","body":{"changes":[{"type":"DELETE","result":{"convId":"c"}}]}}`,
		&connector.Notification{Type: connector.NotificationConversation, Conversations: []connector.ConversationChange{{Type: "DELETE", ConversationID: "c"}}}},
	{"file event passes by type", `{"kind":"notification","type":"ms.MessagingEventNotification","body":{"changes":[{"sequence":5,"dialogId":"d",
		"event":{"type":"ContentEvent","contentType":"hosted/file","message":{"relativePath":"x"}}}]}}`,
		&connector.Notification{Type: connector.NotificationMessaging, Events: []connector.MessagingEvent{{
			Sequence: 5, HasSequence: true, DialogID: "d", Event: connector.Event{Type: "ContentEvent", ContentType: "hosted/file"}}}}},
}

func TestDecodeNotification(t *testing.T) {
	for _, tt := range webhookExamples {
		t.Run(tt.name, func(t *testing.T) {
			n, err := connector.DecodeNotification([]byte(tt.body))
			if err != nil {
				t.Fatal(err)
			}
			if !reflect.DeepEqual(n, tt.want) {
				t.Fatalf("got  %+v\nwant %+v", n, tt.want)
			}
			// What AppendJSON writes decodes to the same value.
			back, err := connector.DecodeNotification(n.AppendJSON(nil))
			if err != nil || !reflect.DeepEqual(back, n) {
				t.Errorf("rewritten %s\ndecodes to %+v, %v", n.AppendJSON(nil), back, err)
			}
		})
	}
}

func TestNotificationHelpers(t *testing.T) {
	closed := webhookExamples[6].want.Conversations[0]
	if closed.Consumer() != "p" || closed.Agent() != "a" || !closed.Closed() {
		t.Errorf("closed change: consumer %q agent %q closed %v", closed.Consumer(), closed.Agent(), closed.Closed())
	}
	open := webhookExamples[0].want.Conversations[0]
	if open.Consumer() != lpConsumer || open.Agent() != "" || open.Closed() {
		t.Errorf("open change: consumer %q agent %q closed %v", open.Consumer(), open.Agent(), open.Closed())
	}
	for _, tt := range []struct {
		e       connector.MessagingEvent
		conv    string
		visible bool
	}{
		{connector.MessagingEvent{DialogID: "d"}, "d", true},
		{connector.MessagingEvent{DialogID: "d", ConversationID: "c", Audience: "ALL"}, "c", true},
		{connector.MessagingEvent{DialogID: "d", Audience: "AGENTS_AND_MANAGERS"}, "d", false},
	} {
		if tt.e.Conversation() != tt.conv || tt.e.Visible() != tt.visible {
			t.Errorf("%+v: conversation %q visible %v", tt.e, tt.e.Conversation(), tt.e.Visible())
		}
	}
}

func TestDecodeNotificationErrors(t *testing.T) {
	msg := func(change string) string {
		return `{"kind":"notification","type":"ms.MessagingEventNotification","body":{"changes":[` + change + `]}}`
	}
	conv := func(change string) string {
		return `{"kind":"notification","type":"cqm.ExConversationChangeNotification","body":{"changes":[` + change + `]}}`
	}
	// Bodies that are no notification are errors.
	for _, tt := range []struct{ name, body, want string }{
		{"syntax", `{"kind":`, "invalid JSON at byte 8: unexpected end of input"},
		{"not an object", `[]`, "$: want an object, got an array"},
		{"kind", `{"kind":"req","type":"ms.MessagingEventNotification","body":{"changes":[]}}`, `$.kind: want "notification", got a string ("req")`},
		{"no body", `{"kind":"notification","type":"ms.MessagingEventNotification"}`, "$.body: is required"},
		{"changes", `{"kind":"notification","type":"ms.MessagingEventNotification","body":{"changes":{}}}`, "$.body.changes: want an array, got an object"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			n, err := connector.DecodeNotification([]byte(tt.body))
			if err == nil || n != nil || err.Error() != tt.want {
				t.Fatalf("got %+v, %v\nwant error %s", n, err, tt.want)
			}
		})
	}
	// A change that cannot be read is skipped and named; the others are
	// read, and so is the notification.
	good := `{"sequence":7,"dialogId":"d","event":{"type":"ContentEvent","contentType":"text/plain","message":"ok"}}`
	for _, tt := range []struct{ name, body, want string }{
		{"unknown type", `{"kind":"notification","type":"ms.Other","body":{"changes":[` + good + `]}}`,
			`$.type: want ms.MessagingEventNotification[.<event type>] or cqm.ExConversationChangeNotification, got "ms.Other"`},
		{"change", msg(`1,` + good), "$.body.changes[0]: want an object, got 1"},
		{"no dialog", msg(`{"sequence":1,"event":{"type":"ContentEvent","contentType":"text/plain","message":"m"}},` + good), "$.body.changes[0].dialogId: is required"},
		{"sequence", msg(good + `,{"sequence":"1","dialogId":"d","event":{"type":"ChatStateEvent"}}`), `$.body.changes[1].sequence: want an integer, got a string ("1")`},
		{"timestamp", msg(`{"serverTimestamp":1.5,"dialogId":"d","event":{"type":"ChatStateEvent"}},` + good), "$.body.changes[0].serverTimestamp: want an integer, got 1.5"},
		{"no event", msg(`{"dialogId":"d"},` + good), "$.body.changes[0].event: is required"},
		{"no event type", msg(`{"dialogId":"d","event":{}},` + good), "$.body.changes[0].event.type: is required"},
		{"text not a string", msg(`{"dialogId":"d","event":{"type":"ContentEvent","contentType":"text/plain","message":1}},` + good),
			"$.body.changes[0].event.message: want a string, got 1"},
		{"role", msg(`{"dialogId":"d","originatorMetadata":{"role":1},"event":{"type":"ChatStateEvent"}},` + good), "$.body.changes[0].originatorMetadata.role: want a string, got 1"},
		{"sequence list", msg(`{"dialogId":"d","event":{"type":"AcceptStatusEvent","status":"READ","sequenceList":[true]}},` + good),
			"$.body.changes[0].event.sequenceList[0]: want an integer, got true"},
		{"no result", conv(`{"type":"UPSERT"}`), "$.body.changes[0].result: is required"},
		{"no convId", conv(`{"type":"UPSERT","result":{}}`), "$.body.changes[0].result.convId: is required"},
		{"participants", conv(`{"type":"UPSERT","result":{"convId":"c","conversationDetails":{"participants":{}}}}`),
			"$.body.changes[0].result.conversationDetails.participants: want an array, got an object"},
		{"participant id", conv(`{"type":"UPSERT","result":{"convId":"c","conversationDetails":{"participants":[{"id":7}]}}}`),
			"$.body.changes[0].result.conversationDetails.participants[0].id: want a string, got 7"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			n, err := connector.DecodeNotification([]byte(tt.body))
			if err != nil || len(n.Skipped) != 1 || n.Skipped[0].Error() != tt.want {
				t.Fatalf("got %+v, %v\nwant %s skipped", n, err, tt.want)
			}
			wantRead := 1
			if strings.HasPrefix(tt.body, `{"kind":"notification","type":"cqm`) || tt.name == "unknown type" {
				wantRead = 0
			}
			if len(n.Events)+len(n.Conversations) != wantRead {
				t.Errorf("read %d changes beside the skipped one, want %d", len(n.Events)+len(n.Conversations), wantRead)
			}
		})
	}
	// An event type LivePerson adds later passes as messaging.
	n, err := connector.DecodeNotification([]byte(`{"kind":"notification","type":"ms.MessagingEventNotification.FutureEvent","body":{"changes":[` +
		`{"sequence":3,"dialogId":"d","event":{"type":"FutureEvent"}}]}}`))
	if err != nil || len(n.Skipped) != 0 || len(n.Events) != 1 || n.Events[0].Event.Type != "FutureEvent" {
		t.Errorf("a future event type: %+v, %v", n, err)
	}
}

func TestSignature(t *testing.T) {
	body := []byte(webhookExamples[4].body) // raw bytes, emoji included
	for _, alg := range []string{connector.SignatureSHA1, connector.SignatureSHA256} {
		sig := connector.Sign(alg, "s3cret", body)
		if !strings.HasPrefix(sig, alg+"=") {
			t.Fatalf("%s: %q", alg, sig)
		}
		if err := connector.VerifySignature(sig, "s3cret", body); err != nil {
			t.Errorf("%s: %v", alg, err)
		}
		// The re-serialised body (what LivePerson's demo app checked) does not match.
		n, _ := connector.DecodeNotification(body)
		if err := connector.VerifySignature(sig, "s3cret", n.AppendJSON(nil)); !errors.Is(err, connector.ErrSignature) {
			t.Errorf("%s: a re-serialised body verified: %v", alg, err)
		}
	}
	// The documented example value's shape: sha1= and 28 base64 characters.
	if sig := connector.Sign("sha1", "x", nil); len(sig) != len("sha1=12DcfY3NhieG0uMlGlNX/SHWBeQ=") {
		t.Errorf("sha1 signature %q", sig)
	}
	good := connector.Sign("sha1", "s3cret", body)
	for _, tt := range []struct{ name, header, secret, want string }{
		{"missing", "", "s3cret", "webhook signature: the X-Liveperson-Signature header is missing"},
		{"no algorithm", "abc", "s3cret", "webhook signature: want sha1=<base64> or sha256=<base64>"},
		{"md5", "md5=" + good[5:], "s3cret", "webhook signature: unknown algorithm (want sha1 or sha256)"},
		{"not base64", "sha1=???", "s3cret", "webhook signature: the value is not base64"},
		{"wrong secret", good, "other", "webhook signature: does not match the body"},
		{"wrong algorithm", "sha256=" + good[5:], "s3cret", "webhook signature: does not match the body"},
		{"hex instead of base64", "sha1=0123456789abcdef0123456789abcdef01234567", "s3cret", "webhook signature: does not match the body"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			err := connector.VerifySignature(tt.header, tt.secret, body)
			if err == nil || err.Error() != tt.want || !errors.Is(err, connector.ErrSignature) {
				t.Fatalf("error %v, want %s", err, tt.want)
			}
			if strings.Contains(err.Error(), tt.secret) {
				t.Errorf("the error names the secret")
			}
		})
	}
}
