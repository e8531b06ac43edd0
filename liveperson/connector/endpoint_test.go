package connector_test

import (
	"strings"
	"testing"

	"github.com/lpedge/lpedge/liveperson/connector"
)

func TestEndpointURLs(t *testing.T) {
	e := connector.Endpoint{Domain: "va.msg.liveperson.net", Account: "le81823118"}
	for _, tt := range []struct {
		name string
		url  func() (string, error)
		want string
	}{
		{"conversation", e.ConversationURL, "https://va.msg.liveperson.net/api/account/le81823118/messaging/consumer/conversation?v=3"},
		{"send", e.SendURL, "https://va.msg.liveperson.net/api/account/le81823118/messaging/consumer/conversation/send?v=3"},
		{"token", e.TokenURL, "https://va.msg.liveperson.net/sentinel/api/account/le81823118/app/token?v=1.0&grant_type=client_credentials"},
		{"consumer", e.ConsumerURL, "https://va.msg.liveperson.net/api/account/le81823118/consumer?v=1.0"},
		{"loopback", connector.Endpoint{Domain: "127.0.0.1:8080", Account: "1234", Scheme: "http"}.SendURL,
			"http://127.0.0.1:8080/api/account/1234/messaging/consumer/conversation/send?v=3"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			got, err := tt.url()
			if err != nil || got != tt.want {
				t.Errorf("got %q, %v\nwant %q", got, err, tt.want)
			}
		})
	}
	if p := connector.SendPath("1234"); !strings.HasPrefix(p, connector.ConversationPath("1234")) || !strings.HasSuffix(p, "/send") {
		t.Errorf("SendPath %q", p)
	}
	if p := connector.TokenPath("1"); p != "/sentinel/api/account/1/app/token" {
		t.Errorf("TokenPath %q", p)
	}
	if p := connector.ConsumerPath("1"); p != "/api/account/1/consumer" {
		t.Errorf("ConsumerPath %q", p)
	}
}

func TestEndpointErrors(t *testing.T) {
	for _, tt := range []struct {
		e    connector.Endpoint
		want string
	}{
		{connector.Endpoint{Account: "1"}, `domain: want a host name, got ""`},
		{connector.Endpoint{Domain: "https://x.liveperson.net", Account: "1"}, `domain: want a bare host name, got "https://x.liveperson.net"`},
		{connector.Endpoint{Domain: "x.liveperson.net/evil", Account: "1"}, `domain: want a bare host name, got "x.liveperson.net/evil"`},
		{connector.Endpoint{Domain: "x.liveperson.net"}, `account: want 1 to 20 letters, digits or '_', got ""`},
		{connector.Endpoint{Domain: "x.liveperson.net", Account: "1/../2"}, `account: want 1 to 20 letters, digits or '_', got "1/../2"`},
	} {
		for _, f := range []func() (string, error){tt.e.ConversationURL, tt.e.SendURL, tt.e.TokenURL, tt.e.ConsumerURL} {
			if got, err := f(); err == nil || err.Error() != tt.want {
				t.Errorf("%+v: %q, %v; want error %s", tt.e, got, err, tt.want)
			}
		}
	}
}
