package tag

import (
	"github.com/lpedge/lpedge/internal/jsonv"
	"github.com/lpedge/lpedge/internal/text"
	"github.com/lpedge/lpedge/liveperson/monitoring"
)

// Config is the tag's configuration: the data attributes of the script
// tag that loads lpedge.js (see [ParseConfig]).
type Config struct {
	_ [0]func() // not comparable: no generated equality function in the tag (make size)
	// Account is the LivePerson account (site) id; data-account; required.
	Account string
	// App is the Monitoring app installation id; data-app; required when
	// reports go straight to LivePerson (Domain set).
	App string
	// Proxy is the base URL of the lpedge proxy (data-proxy), e.g.
	// "https://edge.example.com"; no default. Conversations need it, and
	// without Domain, report and engagement go through its /v1/report and
	// /v1/engagement.
	Proxy string
	// Domain is the Monitoring (smt) host (data-domain), e.g.
	// "va.v.liveperson.net"; "" (the default) sends through Proxy. When
	// set, report and engagement go straight to it, as POST with
	// X-HTTP-Method-Override: PUT. An origin ("http://127.0.0.1:8080")
	// is taken too, for tests against a local LivePerson.
	Domain string
	// Scheme is Domain's scheme: "https" unless Domain named another.
	Scheme string
	// ConsentRequired (data-consent="required"; default false) keeps
	// everything in memory, unsent and unstored, until lpedge.consent.
	ConsentRequired bool
	// Debug (data-debug="true"; default false) logs every request,
	// answer and decision to the console, as lpedge.debug(true) does.
	Debug bool
}

// ParseConfig reads the loader's data attributes (data-account ->
// "account"). The error names the attribute and what is wrong with it.
func ParseConfig(attrs map[string]string) (Config, error) {
	c := Config{
		Account:         text.TrimSpace(attrs["account"]),
		App:             text.TrimSpace(attrs["app"]),
		Proxy:           trimSlashes(text.TrimSpace(attrs["proxy"])),
		Domain:          text.TrimSpace(attrs["domain"]),
		Scheme:          "https",
		ConsentRequired: attrs["consent"] == "required",
		Debug:           attrs["debug"] == "true",
	}
	if attr, problem := c.check(attrs["consent"]); attr != "" {
		return Config{}, &ConfigError{Attr: attr, Problem: problem}
	}
	return c, nil
}

// check checks what ParseConfig read (consent is data-consent as given)
// and takes an origin in Domain apart; it returns the attribute that is
// wrong and what is wrong with it, or "".
func (c *Config) check(consent string) (attr, problem string) {
	if consent != "" && consent != "required" {
		return "data-consent", `want "required" or nothing, got ` + jsonv.Quote(consent)
	}
	if err := monitoring.CheckAccount(c.Account); err != nil {
		return "data-account", "want your LivePerson account id (1 to 20 letters or digits), got " + jsonv.Quote(c.Account)
	}
	if c.Proxy != "" {
		if text.Index(c.Proxy, "https://") != 0 && text.Index(c.Proxy, "http://") != 0 || text.Index(c.Proxy, " ") >= 0 || text.Index(c.Proxy, "?") >= 0 || text.Index(c.Proxy, "#") >= 0 {
			return "data-proxy", "want the proxy's base URL, like https://edge.example.com, got " + jsonv.Quote(c.Proxy)
		}
	}
	if scheme, host, ok := text.Cut(c.Domain, "://"); ok {
		if scheme != "https" && scheme != "http" {
			return "data-domain", "want a host name or an http(s) origin, got " + jsonv.Quote(c.Domain)
		}
		c.Scheme, c.Domain = scheme, trimSlashes(host)
	}
	switch {
	case c.Domain != "":
		if err := monitoring.CheckHost(c.Domain); err != nil {
			return "data-domain", "want the Monitoring (smt) host from LivePerson's Domain API, like va.v.liveperson.net, got " + jsonv.Quote(c.Domain)
		}
	case c.Proxy == "":
		return "data-domain", "set data-domain (the Monitoring host) or data-proxy (the lpedge proxy's URL)"
	}
	if c.App != "" || c.Domain != "" {
		if err := monitoring.CheckID("app installation id", c.App, 64); err != nil {
			return "data-app", "want the Monitoring app installation id (required with data-domain): " + err.Error()
		}
	}
	return "", ""
}

// trimSlashes is strings.TrimRight(s, "/").
func trimSlashes(s string) string {
	for len(s) > 0 && s[len(s)-1] == '/' {
		s = s[:len(s)-1]
	}
	return s
}

// Direct reports whether report and engagement go straight to LivePerson.
func (c *Config) Direct() bool { return c.Domain != "" }

// A ConfigError names the data attribute of the script tag that is wrong.
type ConfigError struct {
	_       [0]func() // not comparable: no generated equality function in the tag (make size)
	Attr    string    // e.g. "data-account"
	Problem string
}

func (e *ConfigError) Error() string { return "lpedge: " + e.Attr + ": " + e.Problem }
