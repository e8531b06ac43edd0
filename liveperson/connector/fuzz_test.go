package connector_test

import (
	"encoding/json"
	"errors"
	"net/url"
	"reflect"
	"testing"
	"time"

	"github.com/lpedge/lpedge/liveperson/connector"
)

// Every decoder is fuzzed for: no panic, an error or a result but not
// both, errors of the documented kinds, only valid JSON accepted (checked
// against encoding/json), and that what it accepts writes back to text
// that decodes to the same value.

func FuzzDecodeConversation(f *testing.F) {
	for _, tt := range referenceBatches {
		f.Add([]byte(tt.body))
	}
	full, err := fullConversation(f).AppendJSON(nil)
	if err != nil {
		f.Fatal(err)
	}
	f.Add(full)
	f.Fuzz(func(t *testing.T, data []byte) {
		c, err := connector.DecodeConversation(data, account)
		if err != nil {
			if c != nil {
				t.Fatalf("result and error %v", err)
			}
			checkErrorKind(t, err)
			return
		}
		if !json.Valid(data) {
			t.Fatalf("accepted invalid JSON %q", data)
		}
		if connector.Chars(data) > connector.MaxChars {
			t.Fatalf("accepted %d characters", connector.Chars(data))
		}
		out, err := c.AppendJSON(nil)
		if errors.Is(err, connector.ErrTooLarge) {
			return // escapes may lengthen the text
		}
		if err != nil {
			t.Fatalf("AppendJSON of an accepted batch: %v", err)
		}
		back, err := connector.DecodeConversation(out, account)
		if err != nil || !reflect.DeepEqual(back, c) {
			t.Fatalf("rewritten %s\ndecodes to %+v, %v\nwant %+v", out, back, err, c)
		}
	})
}

func fuzzSend(f *testing.F, seeds []string) {
	for _, s := range seeds {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		r, err := connector.DecodeSend(data)
		if err != nil {
			if r != nil {
				t.Fatalf("result and error %v", err)
			}
			checkErrorKind(t, err)
			return
		}
		if !json.Valid(data) || connector.Chars(data) > connector.MaxChars {
			t.Fatalf("accepted %q", data)
		}
		out, err := r.AppendJSON(nil)
		if errors.Is(err, connector.ErrTooLarge) {
			return
		}
		if err != nil {
			t.Fatalf("AppendJSON of an accepted request: %v", err)
		}
		back, err := connector.DecodeSend(out)
		if err != nil || !reflect.DeepEqual(back, r) || back.RequestID() != r.RequestID() {
			t.Fatalf("rewritten %s\ndecodes to %+v, %v\nwant %+v", out, back, err, r)
		}
	})
}

func FuzzDecodeSendMessage(f *testing.F) {
	fuzzSend(f, []string{
		`{"kind":"req","id":"1","type":"ms.PublishEvent","body":{"dialogId":"d","event":{"type":"ContentEvent","contentType":"text/plain","message":"hi"}}}`,
		`{"kind":"req","type":"ms.PublishEvent","id":7,"body":{"conversationId":"c","dialogId":"c","event":{"type":"ContentEvent","contentType":"text/plain","message":"\u00e9\n"}}}`,
		`{"kind":"req","id":"1","type":"ms.PublishEvent","body":{"dialogId":"d","event":{"type":"ChatStateEvent","chatState":"COMPOSING"}}}`,
		`{"kind":"req","id":"1","type":"ms.PublishEvent","body":{"dialogId":"d","event":{"type":"AcceptStatusEvent","status":"READ","sequenceList":[0,2]}}}`,
	})
}

func FuzzDecodeSendClose(f *testing.F) {
	fuzzSend(f, []string{
		`{"kind":"req","id":1,"body":{"conversationId":"c","conversationField":{"field":"ConversationStateField","conversationState":"CLOSE"}},"type":"cm.UpdateConversationField"}`,
		`{"kind":"req","id":"x","type":"cm.UpdateConversationField","body":{"conversationId":"c","conversationField":{"field":"ConversationStateField","conversationState":"OPEN"}}}`,
	})
}

func FuzzDecodeResponses(f *testing.F) {
	for _, s := range []string{answerCreated, answerOpen, answerTooLarge, answerAuth, `[{"code":400,"body":"x","reqId":2}]`, `{"reqId":"1","code":"OK","body":{"sequence":0}}`} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		if id, err := connector.ReadConversation(data, reqID); (err == nil) == (id == "") {
			t.Fatalf("ReadConversation: %q, %v", id, err)
		}
		if r, err := connector.DecodeResponse(data); err == nil {
			back, err := connector.DecodeResponse(r.AppendJSON(nil))
			if err != nil || !reflect.DeepEqual(back, r) {
				t.Fatalf("item %+v rewritten decodes to %+v, %v", r, back, err)
			}
		}
		items, err := connector.DecodeResponses(data)
		if err != nil {
			if items != nil {
				t.Fatalf("result and error %v", err)
			}
			var ae *connector.AuthError
			if !errors.As(err, &ae) {
				checkErrorKind(t, err)
			}
			return
		}
		if !json.Valid(data) {
			t.Fatalf("accepted invalid JSON %q", data)
		}
		out := connector.AppendResponses(nil, items)
		back, err := connector.DecodeResponses(out)
		if err != nil || !reflect.DeepEqual(back, items) {
			t.Fatalf("rewritten %s\ndecodes to %+v, %v\nwant %+v", out, back, err, items)
		}
	})
}

func FuzzDecodeClientProperties(f *testing.F) {
	full, _ := fullProperties().Header()
	for _, s := range []string{full, `{"type":".ClientProperties","features":["AUTO_MESSAGES"]}`, `{"type":"ClientProperties","ipAddress":"10.0.0.1","appId":"Caf\u00e9"}`} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, header string) {
		p, err := connector.DecodeClientProperties(header)
		if err != nil {
			if p != nil {
				t.Fatalf("result and error %v", err)
			}
			checkErrorKind(t, err)
			return
		}
		if !json.Valid([]byte(header)) {
			t.Fatalf("accepted invalid JSON %q", header)
		}
		h, err := p.Header()
		if err != nil {
			t.Fatalf("Header of accepted properties: %v", err)
		}
		for i := 0; i < len(h); i++ {
			if h[i] < 0x20 || h[i] > 0x7e {
				t.Fatalf("header %q has byte %#x", h, h[i])
			}
		}
		back, err := connector.DecodeClientProperties(h)
		if err != nil || !reflect.DeepEqual(back, p) {
			t.Fatalf("rewritten %s\ndecodes to %+v, %v\nwant %+v", h, back, err, p)
		}
	})
}

// fuzzShape fuzzes a small decoder whose result writes back with
// AppendJSON.
func fuzzShape[T any](f *testing.F, seeds []string, decode func([]byte) (T, error), encode func(T) []byte) {
	for _, s := range seeds {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		v, err := decode(data)
		if err != nil {
			var ae *connector.AuthError
			if !errors.As(err, &ae) {
				checkErrorKind(t, err)
			}
			return
		}
		if !json.Valid(data) {
			t.Fatalf("accepted invalid JSON %q", data)
		}
		out := encode(v)
		back, err := decode(out)
		if err != nil || !reflect.DeepEqual(back, v) {
			t.Fatalf("rewritten %s\ndecodes to %+v, %v\nwant %+v", out, back, err, v)
		}
	})
}

func FuzzDecodeToken(f *testing.F) {
	fuzzShape(f, []string{`{"access_token":"` + docAppJWT + `","token_type":"Bearer"}`, `{"access_token":"x","expires_in":3600}`},
		connector.DecodeToken, func(t connector.Token) []byte { return t.AppendJSON(nil) })
}

func FuzzDecodeConsumerToken(f *testing.F) {
	fuzzShape(f, []string{`{"token":"` + docJWS + `"}`, answerAuth},
		connector.DecodeConsumerToken, func(t connector.ConsumerToken) []byte { return t.AppendJSON(nil) })
}

func FuzzDecodeConsumerRequest(f *testing.F) {
	fuzzShape(f, []string{`{"ext_consumer_id":"John_Doe_facebook12345"}`, `{"ext_consumer_id":""}`},
		connector.DecodeConsumerRequest, func(r connector.ConsumerRequest) []byte {
			b, err := r.AppendJSON(nil)
			if err != nil {
				panic(err) // DecodeConsumerRequest accepted it, so AppendJSON must
			}
			return b
		})
}

func FuzzDecodeAuthError(f *testing.F) {
	fuzzShape(f, []string{answerAuth, `{"body":{"errorCode":40102}}`},
		connector.DecodeAuthError, func(e *connector.AuthError) []byte { return e.AppendJSON(nil) })
}

func FuzzReadAppJWT(f *testing.F) {
	f.Add(docAppJWT)
	f.Add(connector.AppClaims{ExpiresAt: time.Unix(-1, -5e8)}.Unsecured())
	f.Fuzz(func(t *testing.T, token string) {
		c, err := connector.ReadAppJWT(token)
		if err != nil {
			checkErrorKind(t, err)
			return
		}
		back, err := connector.ReadAppJWT(c.Unsecured())
		// Unsecured writes whole seconds.
		if err != nil || back.ExpiresAt.Unix() != c.ExpiresAt.Unix() || back.IssuedAt.Unix() != c.IssuedAt.Unix() ||
			back.Audience != c.Audience || back.AuthorizedParty != c.AuthorizedParty || back.Scope != c.Scope || back.Issuer != c.Issuer {
			t.Fatalf("%+v rewritten reads as %+v, %v", c, back, err)
		}
	})
}

func FuzzReadConsumerJWS(f *testing.F) {
	f.Add(docJWS)
	f.Fuzz(func(t *testing.T, token string) {
		c, err := connector.ReadConsumerJWS(token)
		if err != nil {
			checkErrorKind(t, err)
			return
		}
		if back, err := connector.ReadConsumerJWS(c.Unsecured()); err != nil || back != c {
			t.Fatalf("%+v rewritten reads as %+v, %v", c, back, err)
		}
	})
}

func FuzzParseTokenRequest(f *testing.F) {
	f.Add("grant_type=client_credentials&client_id=a&client_secret=b%26c")
	f.Add("v=1.0&grant_type=client_credentials&client_id=a&client_id=b")
	f.Fuzz(func(t *testing.T, query string) {
		form, err := url.ParseQuery(query)
		if err != nil {
			return
		}
		r, err := connector.ParseTokenRequest(form)
		if err != nil {
			checkErrorKind(t, err)
			return
		}
		back, err := url.ParseQuery(r.Encode() + "&grant_type=" + connector.GrantType)
		if err != nil {
			t.Fatal(err)
		}
		if r2, err := connector.ParseTokenRequest(back); err != nil || r2 != r {
			t.Fatalf("%+v encoded as %s parses to %+v, %v", r, r.Encode(), r2, err)
		}
	})
}

func FuzzDecodeNotification(f *testing.F) {
	for _, tt := range webhookExamples {
		f.Add([]byte(tt.body))
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		n, err := connector.DecodeNotification(data)
		if err != nil {
			if n != nil {
				t.Fatalf("result and error %v", err)
			}
			checkErrorKind(t, err)
			return
		}
		if !json.Valid(data) {
			t.Fatalf("accepted invalid JSON %q", data)
		}
		for _, e := range n.Skipped {
			checkErrorKind(t, e)
		}
		out := n.AppendJSON(nil)
		if !json.Valid(out) {
			t.Fatalf("wrote invalid JSON %s", out)
		}
		// What was read writes back to what reads the same.
		n.Skipped = nil
		back, err := connector.DecodeNotification(out)
		if err == nil && len(back.Skipped) > 0 && len(n.Events)+len(n.Conversations) == 0 {
			back.Skipped = nil // the unknown type, written back
		}
		if err != nil || !reflect.DeepEqual(back, n) {
			t.Fatalf("rewritten %s\ndecodes to %+v, %v\nwant %+v", out, back, err, n)
		}
	})
}

func FuzzVerifySignature(f *testing.F) {
	body := []byte(webhookExamples[1].body)
	f.Add(connector.Sign("sha1", "s", body), "s", body)
	f.Add(connector.Sign("sha256", "s", body), "s", body)
	f.Add("sha1=", "", []byte{})
	f.Fuzz(func(t *testing.T, header, secret string, body []byte) {
		err := connector.VerifySignature(header, secret, body)
		if err != nil && !errors.Is(err, connector.ErrSignature) {
			t.Fatalf("error of another kind: %v", err)
		}
		if err == nil {
			// What verifies is tied to the secret and to every byte of the body.
			if connector.VerifySignature(header, secret+"x", body) == nil || connector.VerifySignature(header, secret, append(body, ' ')) == nil {
				t.Fatalf("%q verifies for another secret or body", header)
			}
		}
		for _, alg := range []string{"sha1", "sha256"} {
			if err := connector.VerifySignature(connector.Sign(alg, secret, body), secret, body); err != nil {
				t.Fatalf("refused its own %s signature: %v", alg, err)
			}
		}
	})
}
