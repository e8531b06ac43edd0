package lptest_test

import (
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/lpedge/lpedge/liveperson/connector"
	"github.com/lpedge/lpedge/liveperson/lptest"
)

// A receiver is a webhook endpoint that records what it gets.
type receiver struct {
	*httptest.Server
	mu     sync.Mutex
	got    []received
	status func(n int, body string) int // the answer to the n-th request (1, 2, ...); nil answers 200
}

type received struct {
	body   string
	header http.Header
	at     time.Time
}

func newReceiver(t *testing.T, status func(n int, body string) int) *receiver {
	r := &receiver{status: status}
	r.Server = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, req *http.Request) {
		b, _ := io.ReadAll(req.Body)
		r.mu.Lock()
		r.got = append(r.got, received{string(b), req.Header.Clone(), time.Now()})
		n := len(r.got)
		r.mu.Unlock()
		code := 200
		if r.status != nil {
			code = r.status(n, string(b))
		}
		w.WriteHeader(code)
	}))
	t.Cleanup(r.Close)
	return r
}

func (r *receiver) requests() []received {
	r.mu.Lock()
	defer r.mu.Unlock()
	return append([]received{}, r.got...)
}

// idle waits until srv has no webhook pending and returns what r got.
func (r *receiver) idle(t *testing.T, srv *lptest.Server) []received {
	t.Helper()
	for i := 0; srv.PendingWebhooks() > 0; i++ {
		if i == 2000 {
			t.Fatalf("webhooks still pending after 10 s: %+v", srv.Deliveries())
		}
		time.Sleep(5 * time.Millisecond)
	}
	return r.requests()
}

// fast are retry settings for tests.
var fast = lptest.WithWebhookRetry(10*time.Millisecond, 40*time.Millisecond, 2*time.Second)

// consumer sends SEND requests as a consumer.
type consumer struct {
	t            *testing.T
	srv          *lptest.Server
	id, app, jws string
	lp           string
}

func openConsumer(t *testing.T, srv *lptest.Server, ext string) *consumer {
	id, app, jws := open(t, srv, ext)
	return &consumer{t, srv, id, app, jws, lptest.LPConsumerID(lptest.DefaultAccount, ext)}
}

// send SENDs r and returns the answer's sequence (-1 when it has none).
func (c *consumer) send(r connector.SendRequest) int64 {
	c.t.Helper()
	b, err := r.AppendJSON(nil)
	if err != nil {
		c.t.Fatal(err)
	}
	res, ans := do(c.t, "POST", connURL(c.srv, true), string(b), jsonCT, "Authorization: "+c.app, "X-LP-ON-BEHALF: "+c.jws)
	if res.StatusCode != 200 {
		c.t.Fatalf("SEND %s: %d %s", b, res.StatusCode, ans)
	}
	item, err := connector.DecodeResponse(ans)
	if err != nil || item.Err() != nil {
		c.t.Fatalf("SEND answer %s: %v", ans, err)
	}
	if seq, ok := item.Sequence(); ok {
		return seq
	}
	return -1
}

// must(t)(srv.AgentX(...)) fails t on an error.
func must(t *testing.T) func(lptest.AgentResult, error) lptest.AgentResult {
	return func(r lptest.AgentResult, err error) lptest.AgentResult {
		t.Helper()
		if err != nil {
			t.Fatal(err)
		}
		return r
	}
}

// TestAgentConversation walks a conversation through both sides and
// checks every webhook byte for byte, its headers and signature, and
// the order, as LivePerson's webhook examples show them.
func TestAgentConversation(t *testing.T) {
	clock := newFakeClock()
	rcv := newReceiver(t, nil)
	srv := lptest.NewServer(lptest.WithClock(clock.Now), lptest.WithWebhooks(rcv.URL), fast)
	defer srv.Close()
	c := openConsumer(t, srv, "ann")
	agent := lptest.DefaultAgentID
	ms := strconv.FormatInt(clock.Now().UnixMilli(), 10)
	id := c.id

	conv := func(participants, state, reason string) string {
		if reason != "" {
			reason = `,"closeReason":"` + reason + `"`
		}
		return `{"kind":"notification","body":{"changes":[{"type":"UPSERT","result":{"convId":"` + id + `","conversationDetails":{"participants":[` +
			participants + `],"state":"` + state + `","stage":"` + state + `"` + reason + `,"startTs":` + ms + `,"metaDataLastUpdateTs":` + ms +
			`}}}]},"type":"cqm.ExConversationChangeNotification"}`
	}
	msg := func(seq int, who, role, event string) string {
		head := `{"kind":"notification","body":{"changes":[{`
		if seq >= 0 {
			head += `"sequence":` + strconv.Itoa(seq) + `,`
		}
		head += `"originatorId":"` + who + `","originatorMetadata":{"id":"` + who + `","role":"` + role + `"},`
		if seq >= 0 {
			head += `"serverTimestamp":` + ms + `,`
		}
		return head + `"event":` + event + `,"conversationId":"` + id + `","dialogId":"` + id +
			`","messageAudience":"ALL"}]},"type":"ms.MessagingEventNotification"}`
	}
	consumerP := `{"id":"` + c.lp + `","role":"CONSUMER"}`
	agentP := `{"id":"` + agent + `","role":"ASSIGNED_AGENT"}`

	steps := []struct {
		name string
		do   func() int64 // the sequence answered; -1 for none
		seq  int64
		want []string // the webhooks the step sends
	}{
		{"created", func() int64 { return -1 }, -1, []string{conv(consumerP, "OPEN", "")}},
		{"consumer message", func() int64 { return c.send(&connector.Message{DialogID: id, Text: "Hello from Consumer"}) }, 0,
			[]string{msg(0, c.lp, "CONSUMER", `{"type":"ContentEvent","message":"Hello from Consumer","contentType":"text/plain"}`)}},
		{"agent accepts", func() int64 { return must(t)(srv.AgentAccept(id)).Sequence }, -1, []string{conv(agentP+","+consumerP, "OPEN", "")}},
		{"agent accepts again: nothing", func() int64 { return must(t)(srv.AgentAccept(id)).Sequence }, -1, nil},
		{"agent reads", func() int64 { return must(t)(srv.AgentRead(id)).Sequence }, 1,
			[]string{msg(1, agent, "ASSIGNED_AGENT", `{"type":"AcceptStatusEvent","status":"READ","sequenceList":[0]}`)}},
		{"nothing more to read", func() int64 { return must(t)(srv.AgentRead(id)).Sequence }, -1, nil},
		{"agent types", func() int64 { return must(t)(srv.AgentTyping(id, true)).Sequence }, -1,
			[]string{msg(-1, agent, "ASSIGNED_AGENT", `{"type":"ChatStateEvent","chatState":"COMPOSING"}`)}},
		{"agent message ends typing", func() int64 { return must(t)(srv.AgentMessage(id, "Hello from the Agent 👋\n")).Sequence }, 2,
			[]string{msg(2, agent, "ASSIGNED_AGENT", `{"type":"ContentEvent","message":"Hello from the Agent 👋\n","contentType":"text/plain"}`),
				msg(-1, agent, "ASSIGNED_AGENT", `{"type":"ChatStateEvent","chatState":"ACTIVE"}`)}},
		{"another agent message", func() int64 { return must(t)(srv.AgentMessage(id, `"quoted" <b>`)).Sequence }, 3,
			[]string{msg(3, agent, "ASSIGNED_AGENT", `{"type":"ContentEvent","message":"\"quoted\" <b>","contentType":"text/plain"}`)}},
		{"consumer accepts", func() int64 {
			return c.send(&connector.AcceptStatus{DialogID: id, Status: connector.AcceptStatusAccept, Sequences: []int64{2, 3}})
		}, 4, []string{msg(4, c.lp, "CONSUMER", `{"type":"AcceptStatusEvent","status":"ACCEPT","sequenceList":[2,3]}`)}},
		{"consumer reads", func() int64 {
			return c.send(&connector.AcceptStatus{DialogID: id, Status: connector.AcceptStatusRead, Sequences: []int64{2}})
		}, 5, []string{msg(5, c.lp, "CONSUMER", `{"type":"AcceptStatusEvent","status":"READ","sequenceList":[2]}`)}},
		{"consumer types", func() int64 {
			c.send(&connector.ChatState{DialogID: id, State: connector.ChatStateComposing})
			return -1
		}, -1, []string{msg(-1, c.lp, "CONSUMER", `{"type":"ChatStateEvent","chatState":"COMPOSING"}`)}},
		{"consumer message", func() int64 { return c.send(&connector.Message{DialogID: id, Text: "Thanks"}) }, 6,
			[]string{msg(6, c.lp, "CONSUMER", `{"type":"ContentEvent","message":"Thanks","contentType":"text/plain"}`)}},
		{"agent received", func() int64 { return must(t)(srv.AgentReceived(id)).Sequence }, 7,
			[]string{msg(7, agent, "ASSIGNED_AGENT", `{"type":"AcceptStatusEvent","status":"ACCEPT","sequenceList":[6]}`)}},
		{"agent closes", func() int64 { return must(t)(srv.AgentClose(id)).Sequence }, -1,
			[]string{conv(agentP+","+consumerP, "CLOSE", "AGENT")}},
	}
	seen := 0
	for _, st := range steps {
		if seq := st.do(); seq != st.seq {
			t.Errorf("%s: sequence %d, want %d", st.name, seq, st.seq)
		}
		got := rcv.idle(t, srv)[seen:]
		seen += len(got)
		if len(got) != len(st.want) {
			t.Errorf("%s: %d webhooks, want %d", st.name, len(got), len(st.want))
			continue
		}
		for i, r := range got {
			if r.body != st.want[i] {
				t.Errorf("%s: webhook\n%s\nwant\n%s", st.name, r.body, st.want[i])
			}
			if err := connector.VerifySignature(r.header.Get(connector.HeaderSignature), lptest.DefaultClientSecret, []byte(r.body)); err != nil ||
				!strings.HasPrefix(r.header.Get("x-liveperson-signature"), "sha1=") {
				t.Errorf("%s: signature %q: %v", st.name, r.header.Get(connector.HeaderSignature), err)
			}
			if r.header.Get("x-liveperson-account-id") != lptest.DefaultAccount || r.header.Get("x-liveperson-client-id") != lptest.DefaultClientID ||
				r.header.Get("Content-Type") != "application/json" {
				t.Errorf("%s: headers %v", st.name, r.header)
			}
			if _, err := connector.DecodeNotification([]byte(r.body)); err != nil {
				t.Errorf("%s: connector cannot read it: %v", st.name, err)
			}
		}
	}

	cv, _ := srv.Conversation(id)
	if cv.State != lptest.StateClosed || cv.Stage != lptest.StateClosed || cv.CloseReason != lptest.CloseByAgent || cv.Agent != agent ||
		cv.Accepted.IsZero() || cv.ConsumerChatState != "COMPOSING" || cv.AgentChatState != "ACTIVE" || len(cv.Events) != 11 {
		t.Errorf("conversation %+v", cv)
	}
	want := []lptest.Message{{0, clock.Now(), "CONSUMER", "Hello from Consumer", "READ"}, {2, clock.Now(), "ASSIGNED_AGENT", "Hello from the Agent 👋\n", "READ"},
		{3, clock.Now(), "ASSIGNED_AGENT", `"quoted" <b>`, "ACCEPT"}, {6, clock.Now(), "CONSUMER", "Thanks", "ACCEPT"}}
	if fmt.Sprint(cv.Messages) != fmt.Sprint(want) {
		t.Errorf("messages %+v\nwant %+v", cv.Messages, want)
	}
	for _, d := range srv.Deliveries() {
		if d.Attempt != 1 || d.Status != 200 || !d.Delivered || d.Conversation != id || d.Error != "" {
			t.Errorf("delivery %+v", d)
		}
	}
	if ds := srv.Deliveries(); len(ds) != seen || ds[0].Event != "cqm.ExConversationChangeNotification" ||
		ds[1].Event != "ms.MessagingEventNotification.ContentEvent" || ds[1].Notification != 2 {
		t.Errorf("%d deliveries for %d webhooks: %+v", len(ds), seen, ds[:2])
	}
	// Closed: every action is refused.
	for name, act := range map[string]func() (lptest.AgentResult, error){
		"accept":  func() (lptest.AgentResult, error) { return srv.AgentAccept(id) },
		"message": func() (lptest.AgentResult, error) { return srv.AgentMessage(id, "x") },
		"typing":  func() (lptest.AgentResult, error) { return srv.AgentTyping(id, false) },
		"read":    func() (lptest.AgentResult, error) { return srv.AgentRead(id) },
		"close":   func() (lptest.AgentResult, error) { return srv.AgentClose(id) },
	} {
		if _, err := act(); !errors.Is(err, lptest.ErrClosed) || !strings.Contains(err.Error(), id) {
			t.Errorf("%s after close: %v", name, err)
		}
		if _, err := func() (lptest.AgentResult, error) {
			switch name {
			case "accept":
				return srv.AgentAccept("nope")
			case "message":
				return srv.AgentMessage("nope", "x")
			case "typing":
				return srv.AgentTyping("nope", true)
			case "read":
				return srv.AgentRead("nope")
			}
			return srv.AgentClose("nope")
		}(); !errors.Is(err, lptest.ErrNoConversation) {
			t.Errorf("%s of an unknown conversation: %v", name, err)
		}
	}
	if _, err := srv.AgentMessage(id, ""); err == nil {
		t.Error("an empty agent message was taken")
	}
	if _, err := srv.AgentMessage(id, strings.Repeat("x", connector.MaxChars+1)); err == nil {
		t.Error("an agent message over MaxChars was taken")
	}
}

// TestConsumerClose: the consumer's close is a cqm change with close
// reason CONSUMER, and the agent can no longer act.
func TestConsumerClose(t *testing.T) {
	rcv := newReceiver(t, nil)
	srv := lptest.NewServer(lptest.WithWebhooks(rcv.URL), lptest.WithWebhookSignature("sha256"), lptest.WithAgent("agent-7"), fast)
	defer srv.Close()
	c := openConsumer(t, srv, "bob")
	r := must(t)(srv.AgentMessage(c.id, "Hi Bob"))
	if !r.Accepted || r.Sequence != 0 || len(r.Events) != 1 || r.Events[0].Originator != "agent-7" || r.State != "OPEN" {
		t.Errorf("agent message %+v", r)
	}
	c.send(&connector.Close{ConversationID: c.id})
	got := rcv.idle(t, srv)
	if len(got) != 4 {
		t.Fatalf("%d webhooks", len(got))
	}
	last := got[3]
	n, err := connector.DecodeNotification([]byte(last.body))
	if err != nil || len(n.Conversations) != 1 || !n.Conversations[0].Closed() || n.Conversations[0].CloseReason != "CONSUMER" ||
		n.Conversations[0].Agent() != "agent-7" || n.Conversations[0].Consumer() != c.lp {
		t.Errorf("close notification %s: %v", last.body, err)
	}
	if err := connector.VerifySignature(last.header.Get(connector.HeaderSignature), lptest.DefaultClientSecret, []byte(last.body)); err != nil ||
		!strings.HasPrefix(last.header.Get(connector.HeaderSignature), "sha256=") {
		t.Errorf("sha256 signature: %v", err)
	}
	if _, err := srv.AgentMessage(c.id, "late"); !errors.Is(err, lptest.ErrClosed) {
		t.Errorf("after the consumer closed: %v", err)
	}
}

// TestSendReceiptsAndChatStates covers SEND's chat states and receipts:
// the answers, and the refusals lptest picks where LivePerson is silent.
func TestSendReceiptsAndChatStates(t *testing.T) {
	srv := lptest.NewServer()
	defer srv.Close()
	c := openConsumer(t, srv, "cy")
	if seq := c.send(&connector.ChatState{DialogID: c.id, State: connector.ChatStateComposing}); seq != 0 {
		t.Errorf("chat state answered sequence %d, want the next one, 0", seq)
	}
	c.send(&connector.ChatState{DialogID: c.id, State: connector.ChatStatePause})
	if seq := c.send(&connector.Message{DialogID: c.id, Text: "a"}); seq != 0 {
		t.Errorf("message after chat states: %d", seq)
	}
	must(t)(srv.AgentMessage(c.id, "b"))
	if seq := c.send(&connector.AcceptStatus{DialogID: c.id, Status: connector.AcceptStatusRead, Sequences: []int64{1}}); seq != 2 {
		t.Errorf("receipt: %d", seq)
	}
	cv, _ := srv.Conversation(c.id)
	if cv.ConsumerChatState != "PAUSE" || cv.Messages[1].Status != "READ" || cv.Messages[0].Status != "" || len(cv.Events) != 5 ||
		cv.Events[0].Sequence != lptest.NoSequence || cv.Events[4].Sequences[0] != 1 {
		t.Errorf("conversation %+v", cv)
	}
	if len(srv.Deliveries()) != 0 || srv.PendingWebhooks() != 0 {
		t.Error("webhooks without WithWebhooks")
	}
	send := func(body string) (int, connector.Response) {
		res, b := do(t, "POST", connURL(srv, true), body, jsonCT, "Authorization: "+c.app, "X-LP-ON-BEHALF: "+c.jws)
		r, _ := connector.DecodeResponse(b)
		return res.StatusCode, r
	}
	receipt := func(seqs string) string {
		return `{"kind":"req","id":"9","type":"ms.PublishEvent","body":{"dialogId":"` + c.id + `","event":{"type":"AcceptStatusEvent","status":"READ","sequenceList":[` + seqs + `]}}}`
	}
	for _, tt := range []struct{ name, body, msg string }{
		{"a sequence not given yet", receipt("1,3"), "sequenceList[1]"},
		{"no sequences", receipt(""), "sequenceList"},
		{"an unknown chat state", `{"kind":"req","id":"9","type":"ms.PublishEvent","body":{"dialogId":"` + c.id + `","event":{"type":"ChatStateEvent","chatState":"TYPING"}}}`, "chatState"},
	} {
		if status, r := send(tt.body); status != 400 || r.Code != connector.CodeBadRequest || !strings.Contains(r.Msg(), tt.msg) {
			t.Errorf("%s: %d %+v", tt.name, status, r)
		}
	}
	// Into a closed conversation (lptest's guess: 400, as for messages).
	must(t)(srv.AgentClose(c.id))
	if status, r := send(receipt("1")); status != 400 || !strings.Contains(r.Msg(), "is closed") {
		t.Errorf("receipt into a closed conversation: %d %+v", status, r)
	}
	if cv2, _ := srv.Conversation(c.id); len(cv2.Events) != 5 {
		t.Errorf("refusals added events: %+v", cv2.Events)
	}
}

// TestAgentHTTP drives the agent over POST /lptest/conversations/{id}/agent.
func TestAgentHTTP(t *testing.T) {
	srv := lptest.NewServer()
	defer srv.Close()
	c := openConsumer(t, srv, "dee")
	closed := openConsumer(t, srv, "eve")
	must(t)(srv.AgentClose(closed.id))
	c.send(&connector.Message{DialogID: c.id, Text: "hi"})
	tests := []struct {
		name, id, body string
		status         int
		want           string // in the answer
	}{
		{"message accepts first", c.id, `{"action":"message","text":"Hello 👋"}`, 200, `"accepted": true`},
		{"message sequence", c.id, `{"action":"message","text":"again"}`, 200, `"sequence": 2`},
		{"typing", c.id, `{"action":"typing"}`, 200, `"chatState": "COMPOSING"`},
		{"typing false", c.id, `{"action":"typing","typing":false}`, 200, `"chatState": "ACTIVE"`},
		{"read", c.id, `{"action":"read"}`, 200, `"sequenceList": [`},
		{"read again: nothing", c.id, `{"action":"read"}`, 200, `"sequence": -1`},
		{"received: nothing (read already)", c.id, `{"action":"received"}`, 200, `"events": []`},
		{"accept again", c.id, `{"action":"accept"}`, 200, `"state": "OPEN"`},
		{"unknown conversation", "nope", `{"action":"accept"}`, 404, "nope"},
		{"closed conversation", closed.id, `{"action":"message","text":"x"}`, 409, "closed"},
		{"no action", c.id, `{}`, 400, "action: is required"},
		{"unknown action", c.id, `{"action":"transfer"}`, 400, `action: \"transfer\"`},
		{"message without text", c.id, `{"action":"message"}`, 400, "text: is required"},
		{"message with empty text", c.id, `{"action":"message","text":""}`, 400, "text: is required"},
		{"text with typing", c.id, `{"action":"typing","text":"x"}`, 400, "text: only action message"},
		{"typing with read", c.id, `{"action":"read","typing":true}`, 400, "typing: only action typing"},
		{"unknown member", c.id, `{"action":"read","who":"me"}`, 400, `unknown field \"who\"`},
		{"text not a string", c.id, `{"action":"message","text":1}`, 400, "text"},
		{"two objects", c.id, `{"action":"read"}{}`, 400, "one JSON object"},
		{"not JSON", c.id, `action=read`, 400, "agent action"},
		{"message too long", c.id, `{"action":"message","text":"` + strings.Repeat("x", 5001) + `"}`, 400, "text: "},
		{"close", c.id, `{"action":"close"}`, 200, `"state": "CLOSE"`},
		{"close again", c.id, `{"action":"close"}`, 409, "closed"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			res, b := do(t, "POST", srv.URL+"/lptest/conversations/"+tt.id+"/agent", tt.body, jsonCT)
			if res.StatusCode != tt.status || !strings.Contains(string(b), tt.want) || res.Header.Get("Access-Control-Allow-Origin") != "*" {
				t.Errorf("%d %s; want %d with %q", res.StatusCode, b, tt.status, tt.want)
			}
		})
	}
	cv, _ := srv.Conversation(c.id)
	if len(cv.Messages) != 3 || cv.Messages[1].Text != "Hello 👋" || cv.Messages[0].Status != "READ" || cv.CloseReason != "AGENT" {
		t.Errorf("conversation %+v", cv)
	}
}

// TestAgentWorkspacePage: an open conversation's page is a workspace
// with both sides of the transcript; a closed one says who closed it.
func TestAgentWorkspacePage(t *testing.T) {
	srv := lptest.NewServer()
	defer srv.Close()
	c := openConsumer(t, srv, "page")
	c.send(&connector.Message{DialogID: c.id, Text: "Is it <b>waterproof</b>?"})
	must(t)(srv.AgentRead(c.id))
	must(t)(srv.AgentMessage(c.id, "Yes & light"))
	page := func() string {
		res, b := do(t, "GET", srv.URL+"/lptest/?conversation="+c.id, "")
		if res.StatusCode != 200 {
			t.Fatalf("%d", res.StatusCode)
		}
		return string(b)
	}
	html := page()
	for _, want := range []string{`id="workspace"`, `id="reply"`, `id="accept"`, `id="read"`, `id="close"`, `data-id="` + c.id + `"`,
		"Is it &lt;b&gt;waterproof&lt;/b&gt;?", "Yes &amp; light", `class="msg ASSIGNED_AGENT"`, `<span class="tick">READ</span>`,
		"Accepted by agent", "/lptest/conversations/"} {
		if !strings.Contains(html, want) {
			t.Errorf("the workspace lacks %q", want)
		}
	}
	must(t)(srv.AgentClose(c.id))
	if html = page(); strings.Contains(html, `id="workspace"`) || !strings.Contains(html, "Closed by the agent.") {
		t.Error("a closed conversation still has a workspace")
	}
}
