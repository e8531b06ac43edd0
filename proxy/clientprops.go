package proxy

import (
	"strings"
	"unicode/utf8"

	lru "github.com/hashicorp/golang-lru/v2"
	"github.com/mileusna/useragent"

	"github.com/lpedge/lpedge/liveperson/connector"
)

// clientProps builds the Client-Properties header of Connector calls: the
// configured defaults (appId, integration, integrationVersion, features)
// plus what the request tells: device family, OS, browser and their
// versions from the User-Agent, and the page's time zone. The consumer's
// IP address is not sent: the schema makes it optional and the proxy
// keeps it to itself. Parsed headers are cached per User-Agent and zone,
// as one shop sees few distinct ones.
type clientProps struct {
	defaults connector.ClientProperties
	cache    *lru.Cache[string, string]
}

const clientPropsCacheSize = 1024

func newClientProps(d ClientDefaults) (*clientProps, error) {
	p := &clientProps{defaults: connector.ClientProperties{
		AppID: d.AppID, Integration: d.Integration, IntegrationVersion: d.IntegrationVersion, Features: d.Features,
	}}
	// The configured part is checked once, here, against the schema.
	if _, err := p.defaults.Header(); err != nil {
		return nil, configError("LP_APP_ID, LP_INTEGRATION, LP_INTEGRATION_VERSION, LP_FEATURES", err.Error())
	}
	var err error
	p.cache, err = lru.New[string, string](clientPropsCacheSize)
	return p, err
}

// header returns the header value for a User-Agent and a (validated) time
// zone.
func (p *clientProps) header(userAgent, timeZone string) string {
	userAgent = clip(userAgent, 512)
	key := timeZone + "\x00" + userAgent
	if h, ok := p.cache.Get(key); ok {
		return h
	}
	cp := p.defaults
	cp.TimeZone = timeZone
	if userAgent != "" {
		ua := useragent.Parse(userAgent)
		cp.DeviceFamily = deviceFamily(ua)
		cp.OS = osName(ua.OS)
		cp.OSName = field(ua.OS)
		cp.OSVersion = field(ua.OSVersion)
		cp.Browser = field(strings.ToUpper(strings.ReplaceAll(ua.Name, " ", "_")))
		cp.BrowserVersion = field(ua.Version)
	}
	h, err := cp.Header()
	if err != nil {
		// Only request-derived values can fail, and field keeps them
		// within the schema; fall back to the checked defaults.
		cp = p.defaults
		cp.TimeZone = timeZone
		h, _ = cp.Header()
	}
	p.cache.Add(key, h)
	return h
}

func deviceFamily(ua useragent.UserAgent) string {
	switch {
	case ua.Tablet:
		return "TABLET"
	case ua.Mobile:
		return "MOBILE"
	case ua.Desktop:
		return "DESKTOP"
	}
	return "OTHER"
}

// osName maps the parser's OS names to the messaging enum (OSX, not
// Monitoring's MAC_OSX).
func osName(os string) string {
	switch os {
	case "":
		return ""
	case useragent.Windows, useragent.WindowsNT:
		return "WINDOWS"
	case useragent.MacOS:
		return "OSX"
	case useragent.IOS:
		return "IOS"
	case useragent.Android:
		return "ANDROID"
	case useragent.Linux:
		return "LINUX"
	}
	return "OTHER"
}

// field keeps a parsed value within the schema's 64 characters and drops
// anything that is not printable ASCII (a User-Agent is the client's word).
func field(s string) string {
	for i := 0; i < len(s); i++ {
		if s[i] < ' ' || s[i] > '~' {
			return ""
		}
	}
	if utf8.RuneCountInString(s) > 64 {
		s = s[:64]
	}
	return s
}
