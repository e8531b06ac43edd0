//go:build !js

package proxy

import (
	"net"
	"net/http"
	"time"
)

// defaultUpstream is a keep-alive client. Every call carries a context
// deadline (Config.UpstreamTimeout), which bounds it whole.
// It lives in a !js file so that the Workers build, which passes its own
// Upstream, does not link *http.Client.
func defaultUpstream() Upstream {
	dialer := &net.Dialer{Timeout: 5 * time.Second, KeepAlive: 30 * time.Second}
	return &http.Client{
		Transport: &http.Transport{
			Proxy:                 http.ProxyFromEnvironment,
			DialContext:           dialer.DialContext,
			ForceAttemptHTTP2:     true,
			MaxIdleConns:          100,
			MaxIdleConnsPerHost:   32,
			IdleConnTimeout:       90 * time.Second,
			TLSHandshakeTimeout:   5 * time.Second,
			ExpectContinueTimeout: time.Second,
		},
		// LivePerson's APIs do not redirect; following one could leave
		// the allowed hosts.
		CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse },
	}
}
