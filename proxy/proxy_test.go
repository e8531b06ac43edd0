package proxy_test

import (
	"net/http/httptest"
	"testing"

	"github.com/lpedge/lpedge/proxy"
	"github.com/lpedge/lpedge/proxy/proxytest"
)

func TestSpec(t *testing.T) {
	lp := proxytest.NewLP()
	defer lp.Close()
	env := proxytest.Env(lp)
	cfg, err := proxy.ConfigFromEnv(func(k string) string { return env[k] })
	if err != nil {
		t.Fatal(err)
	}
	h, err := proxy.New(cfg)
	if err != nil {
		t.Fatal(err)
	}
	srv := httptest.NewServer(h)
	defer srv.Close()
	proxytest.Run(t, srv.URL, lp, proxytest.Cases)
}
