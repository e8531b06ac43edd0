package lptest_test

import (
	"errors"
	"strconv"
	"sync"
	"testing"

	"github.com/lpedge/lpedge/liveperson/connector"
	"github.com/lpedge/lpedge/liveperson/lptest"
)

// TestConcurrentUse runs whole flows from many goroutines while others
// read the inspector and set faults; run it with -race.
func TestConcurrentUse(t *testing.T) {
	srv := lptest.NewServer(lptest.WithEngagement(lptest.DemoEngagements()...))
	defer srv.Close()
	const workers, rounds, messages = 6, 4, 3
	var wg sync.WaitGroup
	stop := make(chan struct{})
	var readers sync.WaitGroup
	readers.Add(1)
	go func() { // the inspector, the agent view and faults on a route the flows do not use
		defer readers.Done()
		for i := 0; ; i++ {
			select {
			case <-stop:
				return
			default:
			}
			srv.Calls()
			for _, v := range srv.Visitors() {
				v.Attributes()
			}
			srv.Conversations()
			srv.CallCount(lptest.RouteSend)
			srv.SetFault(lptest.RouteDomain, lptest.Fault{Status: 503})
			srv.Faults()
			srv.ClearFaults(lptest.RouteDomain)
			if i%10 == 0 {
				if res, _ := do(t, "GET", srv.URL+"/lptest/", ""); res.StatusCode != 200 {
					t.Errorf("agent view: %d", res.StatusCode)
				}
			}
		}
	}()
	for w := range workers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for r := range rounds {
				a := engagement(t, srv, "", "", `{"entryPoints":["sec://shoes"]}`, 201)
				report(t, srv, a.VisitorID, a.SessionID, `{"engagementAttributes":[{"type":"cart","total":`+strconv.Itoa(50*r)+`,"numItems":1}]}`, 200)
				id, app, jws := open(t, srv, "consumer-"+strconv.Itoa(w)+"-"+strconv.Itoa(r))
				for m := range messages {
					body, _ := (&connector.Message{DialogID: id, Text: "message " + strconv.Itoa(m)}).AppendJSON(nil)
					if res, b := do(t, "POST", connURL(srv, true), string(body), jsonCT, "Authorization: "+app, "X-LP-ON-BEHALF: "+jws); res.StatusCode != 200 {
						t.Errorf("SEND: %d %s", res.StatusCode, b)
					}
				}
			}
		}()
	}
	wg.Wait()
	close(stop)
	readers.Wait()
	if n := len(srv.Visitors()); n != workers*rounds {
		t.Errorf("%d visitors, want %d", n, workers*rounds)
	}
	convs := srv.Conversations()
	if len(convs) != workers*rounds {
		t.Fatalf("%d conversations, want %d", len(convs), workers*rounds)
	}
	for _, c := range convs {
		if len(c.Messages) != messages || c.Messages[messages-1].Sequence != messages-1 {
			t.Errorf("conversation %s has %+v", c.ID, c.Messages)
		}
	}
}

// TestConcurrentOpen: of many simultaneous CONVERSATION calls for one
// consumer, exactly one opens a conversation.
func TestConcurrentOpen(t *testing.T) {
	srv := lptest.NewServer()
	defer srv.Close()
	app, jws := tokens(t, srv, "eager")
	body := conversationBody(t, nil)
	const n = 8
	results := make(chan error, n)
	for range n {
		go func() {
			_, b := do(t, "POST", connURL(srv, false), body, jsonCT, "Authorization: "+app, "X-LP-ON-BEHALF: "+jws)
			_, err := connector.ReadConversation(b, "2")
			results <- err
		}()
	}
	opened := 0
	for range n {
		switch err := <-results; {
		case err == nil:
			opened++
		case !errors.Is(err, connector.ErrOpenConversation):
			t.Errorf("unexpected refusal: %v", err)
		}
	}
	if opened != 1 || len(srv.Conversations()) != 1 {
		t.Errorf("%d opened, %d conversations; want 1", opened, len(srv.Conversations()))
	}
}
