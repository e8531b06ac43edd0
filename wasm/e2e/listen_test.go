//go:build !js

package e2e

import (
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"github.com/lpedge/lpedge/liveperson/lptest"
)

// fakeProxy serves the proxy's conversation routes as the wire contract
// has them (issue 12): a create answering a token, the events as
// Server-Sent Events for that Bearer token only, typing and read.
type fakeProxy struct {
	mu      sync.Mutex
	events  []string // event JSON, seq = index + 1
	posts   []string // "action body" of every POST
	streams []string // "after=N auth" of every events request
	changed chan struct{}
	cut     chan struct{} // closing it ends the open streams without a closed state
}

func newFakeProxy(t *testing.T) (*fakeProxy, *httptest.Server) {
	p := &fakeProxy{changed: make(chan struct{}), cut: make(chan struct{})}
	srv := httptest.NewServer(p)
	t.Cleanup(srv.Close)
	return p, srv
}

// add logs an event, with its seq, and wakes the streams.
func (p *fakeProxy) add(format string, args ...any) {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.events = append(p.events, `{"seq":`+strconv.Itoa(len(p.events)+1)+`,`+fmt.Sprintf(format, args...)+`}`)
	close(p.changed)
	p.changed = make(chan struct{})
}

func (p *fakeProxy) cutStreams() {
	p.mu.Lock()
	defer p.mu.Unlock()
	close(p.cut)
	p.cut = make(chan struct{})
}

func (p *fakeProxy) list(of *[]string) []string {
	p.mu.Lock()
	defer p.mu.Unlock()
	return append([]string(nil), (*of)...)
}

func (p *fakeProxy) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	w.Header().Set("Access-Control-Allow-Origin", "*")
	if r.Method == http.MethodOptions {
		w.Header().Set("Access-Control-Allow-Headers", "Authorization, Content-Type, Idempotency-Key, Last-Event-ID")
		w.Header().Set("Access-Control-Allow-Methods", "GET, POST")
		return
	}
	path := strings.TrimPrefix(r.URL.Path, "/v1/conversations")
	if r.Method == http.MethodPost {
		body, _ := io.ReadAll(r.Body)
		action := strings.TrimPrefix(path, "/conv-e2e/")
		p.mu.Lock()
		p.posts = append(p.posts, action+" "+string(body))
		p.mu.Unlock()
		if path == "" {
			w.WriteHeader(http.StatusCreated)
			io.WriteString(w, `{"conversationId":"conv-e2e","token":"tok-e2e"}`)
			return
		}
		if action == "messages" {
			var m struct{ Text string }
			json.Unmarshal(body, &m)
			t, _ := json.Marshal(m.Text)
			p.add(`"type":"message","sequence":%d,"time":1,"role":"CONSUMER","text":%s`, len(p.list(&p.events)), t)
		}
		io.WriteString(w, `{"conversationId":"conv-e2e"}`)
		return
	}
	if path != "/conv-e2e/events" {
		http.NotFound(w, r)
		return
	}
	after, _ := strconv.Atoi(r.URL.Query().Get("after"))
	p.mu.Lock()
	p.streams = append(p.streams, "after="+strconv.Itoa(after)+" "+r.Header.Get("Authorization")+" "+r.Header.Get("Accept"))
	p.mu.Unlock()
	if r.Header.Get("Authorization") != "Bearer tok-e2e" {
		w.WriteHeader(http.StatusUnauthorized)
		io.WriteString(w, `{"error":{"code":"unauthorized","message":"no valid token"}}`)
		return
	}
	w.Header().Set("Content-Type", "text/event-stream")
	w.Header().Set("Cache-Control", "no-store")
	io.WriteString(w, ": ping\n\n")
	w.(http.Flusher).Flush()
	for {
		p.mu.Lock()
		events, changed, cut := p.events[after:], p.changed, p.cut
		after = len(p.events)
		p.mu.Unlock()
		for _, e := range events {
			fmt.Fprintf(w, "id: %s\ndata: %s\n\n", e[len(`{"seq":`):strings.Index(e, ",")], e)
			if strings.Contains(e, `"state":"closed"`) {
				w.(http.Flusher).Flush()
				return
			}
		}
		w.(http.Flusher).Flush()
		select {
		case <-changed:
		case <-cut:
			return
		case <-r.Context().Done():
			return
		}
	}
}

// The page's listeners, added at load before the module is ready, hear
// the agent's side live through the stream; messages shown are marked
// read, typing goes out once per change and ends with a message; a cut
// stream resumes where it stopped; after a reload the history comes
// once; the agent's close ends it.
func TestConversationListens(t *testing.T) {
	lp := lptest.NewServer()
	defer lp.Close()
	px, pxs := newFakeProxy(t)
	s := site(t, map[string]page{"shop": {Attrs: direct(lp, "proxy", pxs.URL),
		Script: `window.got = [];
		["message", "typing", "read", "state"].forEach(function (e) {
			lpedge.conversation.on(e, function (v) {
				got.push(e + " " + (v.seq || "-") + " " + (v.own ? "own" : "other") + " " + (v.text || v.state || v.status || (e == "typing" ? v.typing : "")));
			});
		});`}})
	ctx, console := newBrowser(t)
	open(t, ctx, s.URL+"/shop")
	got := func() string { return strings.Join(eval[[]string](t, ctx, `got`), "\n") }
	eval[any](t, ctx, `lpedge.connectorClick({svid: "v", ssid: "s", scid: "1", cid: 1, eid: 2})`)
	eventually(t, "the stream", func() bool { return len(px.list(&px.streams)) == 1 })
	if st := px.list(&px.streams)[0]; st != "after=0 Bearer tok-e2e text/event-stream" {
		t.Errorf("the stream was asked for with %q", st)
	}
	px.add(`"type":"state","state":"accepted","time":1`)
	px.add(`"type":"message","sequence":0,"time":2,"role":"ASSIGNED_AGENT","text":"Hello 👋, how can I help?"`)
	px.add(`"type":"typing","role":"ASSIGNED_AGENT","typing":true,"time":3`)
	want := "state 1 other accepted\nmessage 2 other Hello 👋, how can I help?\ntyping 3 other true"
	eventually(t, "the agent's side on the page", func() bool { return got() == want })
	eventually(t, "the read receipt", func() bool { return strings.Contains(strings.Join(px.list(&px.posts), "\n"), `read {"consumerId":`) })

	exec(t, ctx, `lpedge.conversation.typing(true); lpedge.conversation.typing(true)`)
	eval[any](t, ctx, `lpedge.conversation.send("Do you ship to Oslo?")`)
	eventually(t, "typing false after the message", func() bool {
		p := px.list(&px.posts)
		return strings.HasSuffix(p[len(p)-1], `"typing":false}`)
	})
	px.add(`"type":"read","role":"ASSIGNED_AGENT","status":"READ","sequences":[3],"time":4`)
	eventually(t, "the own message and the agent's read", func() bool { return strings.HasSuffix(got(), "message 4 own Do you ship to Oslo?\nread 5 other READ") })

	// The stream breaks: the tag resumes after seq 5, and repeats nothing.
	px.cutStreams()
	eventually(t, "the resumed stream", func() bool { return len(px.list(&px.streams)) == 2 })
	if st := px.list(&px.streams)[1]; !strings.HasPrefix(st, "after=5 ") {
		t.Errorf("resumed with %q, want after=5", st)
	}
	px.add(`"type":"message","sequence":5,"time":5,"role":"ASSIGNED_AGENT","text":"Yes, in 2 days."`)
	eventually(t, "the live message after the resume", func() bool { return strings.HasSuffix(got(), "message 6 other Yes, in 2 days.") })
	// Its receipt answered (the tag stores "id token last readNext"): a
	// reload while it is in flight sends it again, which is LivePerson's
	// to ignore, rather than losing it.
	eventually(t, "the receipt of seq 6 answered", func() bool {
		v, _ := eval[any](t, ctx, `sessionStorage.getItem("lpedge:v1:`+lptest.DefaultAccount+`:conversation")`).(string)
		return strings.HasSuffix(v, " 7")
	})

	// A reload: the history once (no stale typing), then live events.
	do(t, ctx, chromedp.Reload())
	waitReady(t, ctx)
	history := "state 1 other accepted\nmessage 2 other Hello 👋, how can I help?\nmessage 4 own Do you ship to Oslo?\nread 5 other READ\nmessage 6 other Yes, in 2 days."
	eventually(t, "the history after the reload", func() bool { return got() == history })
	if st := px.list(&px.streams); len(st) != 3 || !strings.HasPrefix(st[2], "after=0 Bearer tok-e2e") {
		t.Errorf("after the reload: streams %q", st)
	}
	var reads []string
	for _, p := range px.list(&px.posts) {
		if strings.HasPrefix(p, "read ") {
			reads = append(reads, p[strings.Index(p, `"sequences"`):])
		}
	}
	if strings.Join(reads, " ") != `"sequences":[0]} "sequences":[5]}` {
		t.Errorf("read receipts %q, want sequences 0 and 5 once each", reads)
	}
	// The agent closes.
	px.add(`"type":"state","state":"closed","time":9`)
	eventually(t, "closed", func() bool { return strings.HasSuffix(got(), "state 7 other closed") })
	if v := eval[any](t, ctx, `sessionStorage.getItem("lpedge:v1:`+lptest.DefaultAccount+`:conversation")`); v != nil {
		t.Errorf("the closed conversation is still stored: %v", v)
	}
	time.Sleep(1500 * time.Millisecond) // a reconnect would be under way by now
	if st := px.list(&px.streams); len(st) != 3 {
		t.Errorf("streams after the close: %q", st)
	}
	if errs := console.Errors(); len(errs) > 0 {
		t.Errorf("console errors: %v", errs)
	}
}
