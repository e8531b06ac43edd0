package lptest_test

import (
	"fmt"
	"io"
	"net/http"
	"strings"

	"github.com/lpedge/lpedge/liveperson/connector"
	"github.com/lpedge/lpedge/liveperson/lptest"
	"github.com/lpedge/lpedge/liveperson/monitoring"
)

// post sends a request for the examples and returns status and body.
func post(url, body string, header ...string) (int, []byte) {
	req, _ := http.NewRequest("POST", url, strings.NewReader(body))
	for _, h := range header {
		k, v, _ := strings.Cut(h, ": ")
		req.Header.Set(k, v)
	}
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		return 0, []byte(err.Error())
	}
	defer res.Body.Close()
	b, _ := io.ReadAll(res.Body)
	return res.StatusCode, b
}

// The Domain API points every service at the server.
func ExampleNewServer() {
	srv := lptest.NewServer()
	defer srv.Close()
	res, _ := http.Get(srv.URL + "/api/account/" + lptest.DefaultAccount + "/service/smt/baseURI.json?version=1.0")
	b, _ := io.ReadAll(res.Body)
	res.Body.Close()
	fmt.Println(res.StatusCode, strings.Replace(string(b), srv.Host(), "HOST", 1))
	// Output: 200 {"service":"smt","account":"12345678","baseURI":"HOST"}
}

// A report as a browser sends it: POST with X-HTTP-Method-Override: PUT.
// The first call makes a session (201); the visitor and session ids are
// then sent with every call.
func Example_report() {
	srv := lptest.NewServer()
	defer srv.Close()
	call := monitoring.Call{Scheme: "http", Domain: srv.Host(), Account: lptest.DefaultAccount, App: lptest.DefaultApp}
	url, _ := call.URL(monitoring.Report)
	body := `{"identities":[{"iss":"https://shop.example","acr":"loa1","sub":"c0ffee"}],"engagementAttributes":[{"type":"cart","total":"12"}]}`
	status, b := post(url, body, "Content-Type: application/json", "X-HTTP-Method-Override: PUT")
	fmt.Println(status, monitoring.DecodeError(b).Message)

	body = strings.Replace(body, `"12"`, `12,"numItems":1`, 1)
	status, b = post(url, body, "Content-Type: application/json", "X-HTTP-Method-Override: PUT")
	a, _ := monitoring.DecodeAnswer(b)
	v, _ := srv.Visitor(a.VisitorID)
	fmt.Println(status, v.Attributes()[0].Type())
	// Output:
	// 400 engagementAttributes[0]: cart.total: want a number, got a string ("12")
	// 201 cart
}

// Targeting by section: the engagement method offers the engagement with
// the ids a conversation is then opened with.
func ExampleWithEngagement() {
	srv := lptest.NewServer(lptest.WithEngagement(
		lptest.Engagement{Name: "VIP", CampaignID: 1001, EngagementID: 2001,
			SDEs: []lptest.Condition{{Type: "ctmrinfo", Field: "info.ctype", Value: "vip"}}},
		lptest.Engagement{Name: "Shoes", CampaignID: 1003, EngagementID: 2003, Sections: []string{"shoes"}},
	))
	defer srv.Close()
	call := monitoring.Call{Scheme: "http", Domain: srv.Host(), Account: lptest.DefaultAccount, App: lptest.DefaultApp}
	url, _ := call.URL(monitoring.Engagement)
	for _, body := range []string{
		`{"entryPoints":["https://shop.example/p/1","sec://shoes"]}`,
		`{"engagementAttributes":[{"type":"ctmrinfo","info":{"ctype":"VIP"}}]}`,
		`{"entryPoints":["sec://hats"]}`,
	} {
		status, b := post(url, body, "Content-Type: application/json")
		a, _ := monitoring.DecodeAnswer(b)
		fmt.Print(status)
		for _, e := range a.Engagements {
			fmt.Printf(" campaign %d engagement %d context %s", e.CampaignID, e.EngagementID, e.ContextID)
		}
		fmt.Println()
	}
	// Output:
	// 201 campaign 1003 engagement 2003 context 1
	// 201 campaign 1001 engagement 2001 context 1
	// 201
}

// Faults: the next two reports fail with 503, then LivePerson recovers.
func ExampleServer_SetFault() {
	srv := lptest.NewServer()
	defer srv.Close()
	srv.SetFault(lptest.RouteReport, lptest.Fault{Status: 503, Count: 2})
	call := monitoring.Call{Scheme: "http", Domain: srv.Host(), Account: lptest.DefaultAccount, App: lptest.DefaultApp, VisitorID: "V1"}
	url, _ := call.URL(monitoring.Report)
	var statuses []int
	for range 3 {
		status, _ := post(url, `{"engagementAttributes":[]}`, "Content-Type: application/json", "X-HTTP-Method-Override: PUT")
		statuses = append(statuses, status)
	}
	fmt.Println(statuses)
	for _, c := range srv.Calls() {
		fmt.Printf("%s %s override=%s status=%d fault=%q\n", c.Route, c.Method, c.Override, c.Status, c.Fault)
	}
	// Output:
	// [503 503 201]
	// report POST override=PUT status=503 fault="503"
	// report POST override=PUT status=503 fault="503"
	// report POST override=PUT status=201 fault=""
}

// The Connector flow: an AppJWT from Sentinel, a ConsumerJWS from IDP,
// then CONVERSATION and SEND.
func Example_connector() {
	srv := lptest.NewServer()
	defer srv.Close()
	ep := connector.Endpoint{Scheme: "http", Domain: srv.Host(), Account: lptest.DefaultAccount}

	url, _ := ep.TokenURL()
	_, b := post(url, connector.TokenRequest{ClientID: lptest.DefaultClientID, ClientSecret: lptest.DefaultClientSecret}.Encode(),
		"Content-Type: application/x-www-form-urlencoded")
	token, _ := connector.DecodeToken(b)

	url, _ = ep.ConsumerURL()
	status, b := post(url, `{"ext_consumer_id":"consumer-1"}`, "Content-Type: application/json", "Authorization: "+token.AccessToken)
	jws, _ := connector.DecodeConsumerToken(b)
	fmt.Println("ConsumerJWS:", status)

	auth := []string{"Content-Type: application/json", "Authorization: " + token.AccessToken, "X-LP-ON-BEHALF: " + jws.Token}
	conv, _ := connector.NewConversation(lptest.DefaultAccount, nil)
	body, _ := conv.AppendJSON(nil)
	url, _ = ep.ConversationURL()
	_, b = post(url, string(body), auth...)
	id, err := connector.ReadConversation(b, conv.RequestID)
	fmt.Println("CONVERSATION:", err)
	_, b = post(url, string(body), auth...)
	_, err = connector.ReadConversation(b, conv.RequestID)
	fmt.Println("again:", err)

	msg, _ := (&connector.Message{DialogID: id, Text: "Hello"}).AppendJSON(nil)
	url, _ = ep.SendURL()
	status, _ = post(url, string(msg), auth...)
	c, _ := srv.Conversation(id)
	fmt.Println("SEND:", status, c.State, c.ConsumerID, c.Messages[0].Text)
	// Output:
	// ConsumerJWS: 201
	// CONVERSATION: <nil>
	// again: LivePerson answered request "2" with BAD_REQUEST: Consumer request conversation failed: User 610ddbe2c2753d48dd7c712f88082aa375d78d7bb7abd58b8ebfc1cb978f8b63 already has open conversation. Can't open another one.
	// SEND: 200 OPEN consumer-1 Hello
}
