package lptest_test

import (
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"sync"
	"time"

	"github.com/lpedge/lpedge/liveperson/connector"
	"github.com/lpedge/lpedge/liveperson/lptest"
)

// The agent answers a consumer; every change reaches the webhook
// endpoint, signed, in order, as LivePerson sends it.
func ExampleServer_AgentMessage() {
	var mu sync.Mutex
	var got []string
	endpoint := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		body, _ := io.ReadAll(r.Body)
		n, _ := connector.DecodeNotification(body)
		line := "bad signature"
		if connector.VerifySignature(r.Header.Get(connector.HeaderSignature), lptest.DefaultClientSecret, body) == nil {
			line = n.Type
			for _, c := range n.Conversations {
				line += fmt.Sprintf(" state %s, agent %t", c.State, c.Agent() != "")
			}
			for _, e := range n.Events {
				line += fmt.Sprintf(" %s %s seq %d %s%s%s %v", e.Role, e.Event.Type, e.Sequence, e.Event.Message, e.Event.Status, e.Event.ChatState, e.Event.SequenceList)
			}
		}
		mu.Lock()
		got = append(got, line)
		mu.Unlock()
	}))
	defer endpoint.Close()
	srv := lptest.NewServer(lptest.WithWebhooks(endpoint.URL))
	defer srv.Close()

	// The consumer opens a conversation and writes (the Connector API).
	app := srv.AppJWT(lptest.DefaultAccount, lptest.DefaultClientID)
	jws := srv.ConsumerJWS(lptest.DefaultAccount, "consumer-1")
	auth := []string{"Content-Type: application/json", "Authorization: " + app, "X-LP-ON-BEHALF: " + jws}
	ep := connector.Endpoint{Scheme: "http", Domain: srv.Host(), Account: lptest.DefaultAccount}
	conv, _ := connector.NewConversation(lptest.DefaultAccount, nil)
	body, _ := conv.AppendJSON(nil)
	url, _ := ep.ConversationURL()
	_, b := post(url, string(body), auth...)
	id, _ := connector.ReadConversation(b, conv.RequestID)
	msg, _ := (&connector.Message{DialogID: id, Text: "Hello from Consumer"}).AppendJSON(nil)
	url, _ = ep.SendURL()
	post(url, string(msg), auth...)

	// The agent's side.
	srv.AgentAccept(id)
	srv.AgentRead(id)
	srv.AgentTyping(id, true)
	r, _ := srv.AgentMessage(id, "Hello from the Agent")
	fmt.Println("agent message sequence", r.Sequence)
	srv.AgentClose(id)

	for srv.PendingWebhooks() > 0 {
		time.Sleep(time.Millisecond)
	}
	mu.Lock()
	defer mu.Unlock()
	for _, line := range got {
		fmt.Println(line)
	}
	// Output:
	// agent message sequence 2
	// cqm.ExConversationChangeNotification state OPEN, agent false
	// ms.MessagingEventNotification CONSUMER ContentEvent seq 0 Hello from Consumer []
	// cqm.ExConversationChangeNotification state OPEN, agent true
	// ms.MessagingEventNotification ASSIGNED_AGENT AcceptStatusEvent seq 1 READ [0]
	// ms.MessagingEventNotification ASSIGNED_AGENT ChatStateEvent seq 0 COMPOSING []
	// ms.MessagingEventNotification ASSIGNED_AGENT ContentEvent seq 2 Hello from the Agent []
	// ms.MessagingEventNotification ASSIGNED_AGENT ChatStateEvent seq 0 ACTIVE []
	// cqm.ExConversationChangeNotification state CLOSE, agent true
}
