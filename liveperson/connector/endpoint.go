package connector

import (
	"github.com/lpedge/lpedge/liveperson/monitoring"
)

// Header names of Connector API calls.
const (
	HeaderAuthorization    = "Authorization"     // the AppJWT, raw (no "Bearer ")
	HeaderOnBehalf         = "X-LP-ON-BEHALF"    // the ConsumerJWS
	HeaderClientProperties = "Client-Properties" // ClientProperties.Header
	ContentTypeJSON        = "application/json"
	ContentTypeForm        = "application/x-www-form-urlencoded" // Sentinel's token request
)

// Domain API service names of the hosts an [Endpoint] addresses.
const (
	ServiceMessaging = "asyncMessagingEnt" // CONVERSATION and SEND
	ServiceSentinel  = "sentinel"          // AppJWT
	ServiceIDP       = "idp"               // ConsumerJWS
)

// Versions (the v query parameter) of the APIs.
const (
	Version         = "3"   // CONVERSATION and SEND
	VersionSentinel = "1.0" // token
	VersionIDP      = "1.0" // consumer
)

// An Endpoint addresses one account on one LivePerson host.
type Endpoint struct {
	Domain  string // host from the Domain API for the service, e.g. "va.msg.liveperson.net"; no scheme
	Account string // LivePerson account (site) id
	Scheme  string // "https" when empty; tests against a loopback lptest use "http"
}

func (e Endpoint) url(path, query string) (string, error) {
	if err := monitoring.CheckHost(e.Domain); err != nil {
		return "", err
	}
	if err := monitoring.CheckAccount(e.Account); err != nil {
		return "", err
	}
	return orDefault(e.Scheme, "https") + "://" + e.Domain + path + "?" + query, nil
}

// ConversationURL is the CONVERSATION method's URL, on asyncMessagingEnt.
func (e Endpoint) ConversationURL() (string, error) {
	return e.url(ConversationPath(e.Account), "v="+Version)
}

// SendURL is the SEND method's URL, on asyncMessagingEnt.
func (e Endpoint) SendURL() (string, error) { return e.url(SendPath(e.Account), "v="+Version) }

// TokenURL is Sentinel's AppJWT URL; the credentials go in the form body
// ([TokenRequest.Encode]).
func (e Endpoint) TokenURL() (string, error) {
	return e.url(TokenPath(e.Account), "v="+VersionSentinel+"&grant_type="+GrantType)
}

// ConsumerURL is IDP's ConsumerJWS URL.
func (e Endpoint) ConsumerURL() (string, error) {
	return e.url(ConsumerPath(e.Account), "v="+VersionIDP)
}

// URL paths of the methods, for routing in a fake LivePerson. account must
// have passed monitoring.CheckAccount, so it needs no escaping.
func ConversationPath(account string) string {
	return "/api/account/" + account + "/messaging/consumer/conversation"
}

// SendPath is the SEND method's path.
func SendPath(account string) string { return ConversationPath(account) + "/send" }

// TokenPath is Sentinel's token path.
func TokenPath(account string) string { return "/sentinel/api/account/" + account + "/app/token" }

// ConsumerPath is IDP's consumer path.
func ConsumerPath(account string) string { return "/api/account/" + account + "/consumer" }
