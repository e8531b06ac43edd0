package connector_test

import (
	"errors"
	"fmt"
	"time"

	"github.com/lpedge/lpedge/liveperson"
	"github.com/lpedge/lpedge/liveperson/connector"
)

func ExampleNewConversation() {
	sdes, _ := liveperson.DecodeSDEs([]byte(`[
		{"type":"ctmrinfo","info":{"customerId":"c-42","ctype":"vip"}},
		{"type":"cart","total":10,"numItems":1}]`))
	conv, dropped := connector.NewConversation("1234", sdes)
	conv.CampaignID, conv.EngagementID = "2739101812", "2739121912"
	conv.Context = &connector.Context{VisitorID: "V", SessionID: "S", InteractionContextID: "1", Lang: "en-US"}
	body, err := conv.AppendJSON(nil)
	fmt.Println(dropped, err)
	fmt.Println(string(body))
	// Output:
	// [ctmrinfo.info.customerId cart] <nil>
	// [{"kind":"req","id":"1","type":"userprofile.SetUserProfile","body":{"authenticatedData":{"lp_sdes":[{"type":"ctmrinfo","info":{"ctype":"vip"}}]}}},{"kind":"req","id":"2","type":"cm.ConsumerRequestConversation","body":{"brandId":"1234","channelType":"MESSAGING","skillId":"-1","campaignInfo":{"campaignId":"2739101812","engagementId":"2739121912"},"conversationContext":{"type":"SharkContext","visitorId":"V","sessionId":"S","interactionContextId":"1","lang":"en-US"}}}]
}

func ExampleCheckMessagingSDEs() {
	sdes, _ := liveperson.DecodeSDEs([]byte(`{"type":"ctmrinfo","info":{"customerId":"c-42"}}`))
	fmt.Println(connector.CheckMessagingSDEs(sdes))
	// Output:
	// $[0].body.authenticatedData.lp_sdes[0]: ctmrinfo.info.customerId may not be sent in lp_sdes: LivePerson would treat the conversation as authenticated and fail it
}

func ExampleDecodeConversation() {
	body := `[{"kind":"req","id":"1","type":"userprofile.SetUserProfile","body":{}},
		{"kind":"req","id":"2","type":"cm.ConsumerRequestConversation","body":{"brandId":"1234","ttrDefName":"SOON"}}]`
	_, err := connector.DecodeConversation([]byte(body), "1234")
	fmt.Println(err)
	conv, err := connector.DecodeConversation([]byte(`[{"kind":"req","id":"a","type":"userprofile.SetUserProfile","body":{}},
		{"kind":"req","id":"b","type":"cm.ConsumerRequestConversation","body":{"brandId":"1234"}}]`), "1234")
	fmt.Println(conv.RequestID, conv.SkillID, err)
	// Output:
	// $[1].body.ttrDefName: "SOON" is not one of NORMAL, URGENT, PRIORITIZED, CUSTOM
	// b -1 <nil>
}

func ExampleReadConversation() {
	answer := connector.AppendResponses(nil, []connector.Response{
		connector.ProfileSetResponse("1"),
		connector.OpenConversationResponse("2", "77d3"),
	})
	_, err := connector.ReadConversation(answer, "2")
	fmt.Println(errors.Is(err, connector.ErrOpenConversation))

	answer = connector.AppendResponses(nil, []connector.Response{
		connector.ProfileSetResponse("1"),
		connector.CreatedResponse("2", "8602832d-dce1-446b-8445-0d51f5926a42"),
	})
	fmt.Println(connector.ReadConversation(answer, "2"))
	// Output:
	// true
	// 8602832d-dce1-446b-8445-0d51f5926a42 <nil>
}

func ExampleMessage_AppendJSON() {
	body, err := (&connector.Message{DialogID: "8602832d", Text: "Where is my order?"}).AppendJSON(nil)
	fmt.Println(string(body), err)
	body, err = (&connector.Close{ConversationID: "8602832d"}).AppendJSON(nil)
	fmt.Println(string(body), err)
	// Output:
	// {"kind":"req","id":"1","type":"ms.PublishEvent","body":{"dialogId":"8602832d","event":{"type":"ContentEvent","contentType":"text/plain","message":"Where is my order?"}}} <nil>
	// {"kind":"req","id":"1","type":"cm.UpdateConversationField","body":{"conversationId":"8602832d","conversationField":{"field":"ConversationStateField","conversationState":"CLOSE"}}} <nil>
}

func ExampleDecodeSend() {
	r, err := connector.DecodeSend([]byte(`{"kind":"req","id":"m1","type":"ms.PublishEvent",
		"body":{"dialogId":"c1","event":{"type":"ContentEvent","contentType":"text/plain","message":"hi"}}}`))
	if m, ok := r.(*connector.Message); ok {
		fmt.Println(m.DialogID, m.Text, err)
		fmt.Println(string(connector.PublishedResponse(m.RequestID(), 0).AppendJSON(nil)))
	}
	_, err = connector.DecodeSend([]byte(`{"kind":"req","id":"m2","type":"ms.PublishEvent",
		"body":{"dialogId":"c1","event":{"type":"ContentEvent","contentType":"text/plain","message":""}}}`))
	fmt.Println(err)
	// Output:
	// c1 hi <nil>
	// {"code":"OK","body":{"sequence":0},"reqId":"m1"}
	// $.body.event.message: is empty
}

func ExampleClientProperties_Header() {
	p := &connector.ClientProperties{AppID: "lpedge", Integration: "BRAND_SDK", IntegrationVersion: "1.0.0",
		DeviceFamily: "DESKTOP", OS: "OTHER", Features: []string{"RICH_CONTENT", "QUICK_REPLIES", "MULTI_DIALOG"}}
	fmt.Println(p.Header())
	// Output:
	// {"type":".ClientProperties","appId":"lpedge","deviceFamily":"DESKTOP","os":"OTHER","integration":"BRAND_SDK","integrationVersion":"1.0.0","features":["RICH_CONTENT","QUICK_REPLIES","MULTI_DIALOG"]} <nil>
}

func ExampleDecodeClientProperties() {
	p, err := connector.DecodeClientProperties(`{"type":"ClientProperties","os":"IOS","features":["AUTO_MESSAGES"]}`)
	fmt.Println(p.OS, p.Features, err)
	_, err = connector.DecodeClientProperties(`{"type":".ClientProperties","os":"MAC_OSX"}`)
	fmt.Println(err)
	// Output:
	// IOS [AUTO_MESSAGES] <nil>
	// $.os: "MAC_OSX" is not one of WINDOWS, LINUX, OSX, ANDROID, IOS, OTHER
}

func ExampleEndpoint() {
	e := connector.Endpoint{Domain: "va.msg.liveperson.net", Account: "1234"}
	fmt.Println(e.ConversationURL())
	fmt.Println(e.SendURL())
	fmt.Println(connector.Endpoint{Domain: "va.sentinel.liveperson.net", Account: "1234"}.TokenURL())
	fmt.Println(connector.Endpoint{Domain: "va.idp.liveperson.net", Account: "1234"}.ConsumerURL())
	// Output:
	// https://va.msg.liveperson.net/api/account/1234/messaging/consumer/conversation?v=3 <nil>
	// https://va.msg.liveperson.net/api/account/1234/messaging/consumer/conversation/send?v=3 <nil>
	// https://va.sentinel.liveperson.net/sentinel/api/account/1234/app/token?v=1.0&grant_type=client_credentials <nil>
	// https://va.idp.liveperson.net/api/account/1234/consumer?v=1.0 <nil>
}

func ExampleReadAppJWT() {
	tok, _ := connector.DecodeToken([]byte(`{"access_token":"` + docAppJWT + `","token_type":"Bearer"}`))
	claims, err := connector.ReadAppJWT(tok.AccessToken)
	refresh := claims.ExpiresAt.Add(-5 * time.Minute) // refresh 5 minutes early
	fmt.Println(claims.Audience, refresh.UTC().Format(time.RFC3339), err)
	// Output:
	// le81823118 2018-04-25T08:46:10Z <nil>
}

func ExampleTokenRequest_Encode() {
	fmt.Println(connector.TokenRequest{ClientID: "id", ClientSecret: "s3cr&t"}.Encode())
	// Output:
	// client_id=id&client_secret=s3cr%26t
}

func ExampleConsumerRequest_AppendJSON() {
	body, _ := connector.ConsumerRequest{ExtConsumerID: "c0ffee"}.AppendJSON(nil)
	fmt.Println(string(body))
	jws := connector.ConsumerClaims{AccountID: "1234", ExtConsumerID: "c0ffee", LPConsumerID: "29caf0c1"}.Unsecured()
	answer := connector.ConsumerToken{Token: jws}.AppendJSON(nil)
	tok, _ := connector.DecodeConsumerToken(answer)
	claims, err := connector.ReadConsumerJWS(tok.Token)
	fmt.Println(claims.LPConsumerID, err)
	// Output:
	// {"ext_consumer_id":"c0ffee"}
	// 29caf0c1 <nil>
}

func ExampleAuthError() {
	body := connector.NewAuthError(connector.ErrorInvalidAppJWT).AppendJSON(nil)
	fmt.Println(string(body))
	_, err := connector.DecodeResponse(body)
	var ae *connector.AuthError
	if errors.As(err, &ae) && ae.ErrorCode == connector.ErrorInvalidAppJWT {
		fmt.Println("refresh the AppJWT and retry once:", err)
	}
	// Output:
	// {"kind":"resp","code":401,"body":{"title":"Invalid AppJWT","details":"AppJWT has expired or is invalid","errorCode":40102},"type":".ReqBody$ErrorResp"}
	// refresh the AppJWT and retry once: LivePerson refused the credentials (40102 Invalid AppJWT): AppJWT has expired or is invalid
}

// A webhook receiver verifies the raw body, then decodes it.
func ExampleDecodeNotification() {
	body := []byte(`{"kind":"notification","type":"ms.MessagingEventNotification.ContentEvent","body":{"changes":[` +
		`{"sequence":2,"originatorMetadata":{"role":"ASSIGNED_AGENT"},"serverTimestamp":1528371199686,` +
		`"event":{"type":"ContentEvent","contentType":"text/plain","message":"How can I help?"},"dialogId":"c1"}]}}`)
	header := connector.Sign(connector.SignatureSHA1, "client-secret", body) // what LivePerson sends
	if err := connector.VerifySignature(header, "client-secret", body); err != nil {
		fmt.Println(err)
		return
	}
	n, err := connector.DecodeNotification(body)
	if err != nil {
		fmt.Println(err)
		return
	}
	for _, e := range n.Events {
		fmt.Println(e.Conversation(), e.Sequence, e.Role, e.Visible(), e.Event.Message)
	}
	// Output: c1 2 ASSIGNED_AGENT true How can I help?
}

// The consumer's typing indicator and read receipt, as SEND bodies.
func ExampleChatState() {
	typing, _ := (&connector.ChatState{DialogID: "c1", State: connector.ChatStateComposing}).AppendJSON(nil)
	read, _ := (&connector.AcceptStatus{DialogID: "c1", Status: connector.AcceptStatusRead, Sequences: []int64{2}}).AppendJSON(nil)
	fmt.Println(string(typing))
	fmt.Println(string(read))
	// Output:
	// {"kind":"req","id":"1","type":"ms.PublishEvent","body":{"dialogId":"c1","event":{"type":"ChatStateEvent","chatState":"COMPOSING"}}}
	// {"kind":"req","id":"1","type":"ms.PublishEvent","body":{"dialogId":"c1","event":{"type":"AcceptStatusEvent","status":"READ","sequenceList":[2]}}}
}
