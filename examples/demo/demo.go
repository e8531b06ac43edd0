package demo

import (
	"context"
	"errors"
	"io"
	"log/slog"
	"net"
	"net/http"
	"os"
	"strings"
	"time"

	"github.com/lpedge/lpedge/examples/shop"
	"github.com/lpedge/lpedge/jsglue"
	"github.com/lpedge/lpedge/liveperson/lptest"
	"github.com/lpedge/lpedge/proxy"
)

// The fixed loopback addresses the demo command listens on by default.
const (
	DefaultShopAddr   = "127.0.0.1:8000"
	DefaultProxyAddr  = "127.0.0.1:8080"
	DefaultLPTestAddr = "127.0.0.1:8081"
)

// ShutdownTimeout bounds how long Close waits for requests in flight.
const ShutdownTimeout = 5 * time.Second

// WebhookPath is the proxy's webhook endpoint, which the demo's lptest
// posts the agent's side to.
const WebhookPath = "/webhooks/liveperson"

// Engagements are the demo's campaigns, in priority order: lptest's
// [lptest.DemoEngagements] (VIP customers, carts over 100, the shoes
// section) and last "Everyone", which has no targeting, so that "Chat
// with us" always finds an engagement and the one it finds shows which
// campaign matched.
func Engagements() []lptest.Engagement {
	return append(lptest.DemoEngagements(), lptest.Everyone)
}

// Options configure [Start]. Zero addresses mean a free port on
// 127.0.0.1.
type Options struct {
	// Tag is the tag's build output ([BuildTag] or [LoadTag]). Required.
	Tag *Tag

	ShopAddr   string // the shop's listen address
	ProxyAddr  string // the native proxy's listen address; unused with ProxyURL
	LPTestAddr string // lptest's listen address; unused with LPTestURL

	// LPTestURL is an lptest that runs already (such as the one `make
	// dev-worker` starts on 127.0.0.1:8081); default: start one.
	LPTestURL string
	// ProxyURL is a proxy that runs already (such as `wrangler dev` on
	// http://127.0.0.1:8787); default: start the native proxy. Its
	// ALLOWED_ORIGINS must list the shop's origin. The shop then serves
	// the tag's files under /tag/.
	ProxyURL string

	// Logger receives the native proxy's logs; default: discarded.
	Logger *slog.Logger
	// LPTest are options for the lptest the demo starts, after its own
	// (engagements and webhooks to the proxy); tests shorten webhook
	// retries with them. Default: none.
	LPTest []lptest.Option
}

// A Demo is the running demo.
type Demo struct {
	// LP is the in-memory LivePerson; nil when Options.LPTestURL named
	// one that runs elsewhere.
	LP        *lptest.Server
	LPTestURL string // base URL; the agent view is LPTestURL + "/lptest/"
	ProxyURL  string
	ShopURL   string
	// ProxyEnv is the native proxy's environment (proxy.ConfigFromEnv);
	// nil with Options.ProxyURL.
	ProxyEnv map[string]string
	// LoaderURL is lpedge.js's address: on the native proxy, or on the
	// shop (under /tag/) with Options.ProxyURL.
	LoaderURL string
	// Snippet is what every shop page carries: the stub and lpedge.js's
	// script tag with data-account, data-app, data-proxy and data-debug.
	Snippet string

	servers []*http.Server
	done    []chan error
}

// Start starts lptest, the proxy and the shop, and returns once all three
// accept connections. On an error nothing is left running.
func Start(o Options) (d *Demo, err error) {
	if o.Tag == nil {
		return nil, errors.New("demo: Options.Tag is required (BuildTag or LoadTag)")
	}
	d = &Demo{}
	defer func() {
		if err != nil {
			d.Close()
		}
	}()
	listen := func(addr string) (net.Listener, error) {
		if addr == "" {
			addr = "127.0.0.1:0"
		}
		l, err := net.Listen("tcp", addr)
		if err != nil {
			return nil, errors.New("demo: " + err.Error() + " (is another demo running? the flags pick other ports)")
		}
		return l, nil
	}

	shopLn, err := listen(o.ShopAddr)
	if err != nil {
		return d, err
	}
	d.ShopURL = "http://" + shopLn.Addr().String()
	var proxyLn net.Listener
	if o.ProxyURL != "" {
		d.ProxyURL = strings.TrimRight(o.ProxyURL, "/")
	} else {
		if proxyLn, err = listen(o.ProxyAddr); err != nil {
			shopLn.Close()
			return d, err
		}
		d.ProxyURL = "http://" + proxyLn.Addr().String()
	}
	closeAll := func() {
		shopLn.Close()
		if proxyLn != nil {
			proxyLn.Close()
		}
	}
	if o.LPTestURL != "" {
		d.LPTestURL = strings.TrimRight(o.LPTestURL, "/")
	} else {
		lpLn, err := listen(o.LPTestAddr)
		if err != nil {
			closeAll()
			return d, err
		}
		// LivePerson's webhooks (the agent's side) go to the proxy, as a
		// connector app's manifest would list it.
		opts := append([]lptest.Option{lptest.WithEngagement(Engagements()...), lptest.WithWebhooks(d.ProxyURL + WebhookPath)}, o.LPTest...)
		d.LP = lptest.NewUnstartedServer(opts...)
		d.LP.Listener = lpLn
		d.LP.Start()
		d.LPTestURL = d.LP.URL
	}

	d.LoaderURL = d.ProxyURL + "/lpedge.js"
	if proxyLn == nil {
		d.LoaderURL = d.ShopURL + "/tag/lpedge.js"
	}
	d.Snippet = jsglue.Snippet(o.Tag.Stub, d.LoaderURL, o.Tag.Integrity, map[string]string{
		"account": lptest.DefaultAccount, "app": lptest.DefaultApp, "proxy": d.ProxyURL, "debug": "true"})
	shopHandler, err := shop.Handler(shop.Config{Snippet: d.Snippet, LPTest: d.LPTestURL,
		Account: lptest.DefaultAccount, App: lptest.DefaultApp})
	if err != nil {
		closeAll()
		return d, err
	}
	if proxyLn == nil {
		mux := http.NewServeMux()
		mux.Handle("/tag/", http.StripPrefix("/tag/", http.FileServer(http.Dir(o.Tag.Dir))))
		mux.Handle("/", shopHandler)
		shopHandler = mux
	} else {
		d.ProxyEnv = map[string]string{
			"LP_ACCOUNT_ID":          lptest.DefaultAccount,
			"LP_APP_INSTALLATION_ID": lptest.DefaultApp,
			"LP_CLIENT_ID":           lptest.DefaultClientID,
			"LP_CLIENT_SECRET":       lptest.DefaultClientSecret,
			"LP_DOMAIN_API":          d.LPTestURL,
			"LP_TEST_DOMAIN":         "127.0.0.1",
			"ALLOWED_ORIGINS":        strings.Join(origins(d.ShopURL), ","),
		}
		cfg, err := proxy.ConfigFromEnv(func(k string) string { return d.ProxyEnv[k] })
		if err != nil {
			closeAll()
			return d, err
		}
		cfg.Assets = os.DirFS(o.Tag.Dir)
		cfg.Logger = o.Logger
		if cfg.Logger == nil {
			cfg.Logger = slog.New(slog.NewTextHandler(io.Discard, nil))
		}
		h, err := proxy.New(cfg)
		if err != nil {
			closeAll()
			return d, err
		}
		d.serve(proxyLn, h)
	}
	d.serve(shopLn, shopHandler)
	return d, nil
}

// origins are the shop's origins: its URL, and with localhost for
// 127.0.0.1, so that either name works in the address bar.
func origins(shopURL string) []string {
	out := []string{shopURL}
	if rest, ok := strings.CutPrefix(shopURL, "http://127.0.0.1:"); ok {
		out = append(out, "http://localhost:"+rest)
	}
	return out
}

func (d *Demo) serve(l net.Listener, h http.Handler) {
	// Shutdown waits for idle connections only; cancelling the base
	// context ends the conversation streams, which never go idle.
	base, cancel := context.WithCancel(context.Background())
	srv := &http.Server{Handler: h, ReadHeaderTimeout: 5 * time.Second, BaseContext: func(net.Listener) context.Context { return base }}
	srv.RegisterOnShutdown(cancel)
	done := make(chan error, 1)
	go func() { done <- srv.Serve(l) }()
	d.servers = append(d.servers, srv)
	d.done = append(d.done, done)
}

// Close stops the shop, the proxy and lptest, letting requests in flight
// finish for up to ShutdownTimeout.
func (d *Demo) Close() error {
	ctx, cancel := context.WithTimeout(context.Background(), ShutdownTimeout)
	defer cancel()
	var errs []error
	for i, srv := range d.servers {
		if err := srv.Shutdown(ctx); err != nil {
			errs = append(errs, err)
		}
		if err := <-d.done[i]; !errors.Is(err, http.ErrServerClosed) {
			errs = append(errs, err)
		}
	}
	d.servers, d.done = nil, nil
	if d.LP != nil {
		d.LP.Close()
		d.LP = nil
	}
	return errors.Join(errs...)
}
