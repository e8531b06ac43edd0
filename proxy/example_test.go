package proxy_test

import (
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"

	"github.com/lpedge/lpedge/proxy"
)

func ExampleConfigFromEnv() {
	env := map[string]string{"LP_ACCOUNT_ID": "12345678", "LP_UPSTREAM_TIMEOUT": "soon"}
	_, err := proxy.ConfigFromEnv(func(k string) string { return env[k] })
	fmt.Println(err)
	// Output: proxy: LP_UPSTREAM_TIMEOUT: want a positive Go duration such as 10s, got "soon"
}

func ExampleNew() {
	h, err := proxy.New(proxy.Config{Account: "12345678", AllowedOrigins: []string{"https://shop.example"}})
	if err != nil {
		fmt.Println(err)
		return
	}
	srv := httptest.NewServer(h)
	defer srv.Close()

	resp, _ := http.Get(srv.URL + "/healthz")
	body, _ := io.ReadAll(resp.Body)
	fmt.Print(resp.StatusCode, " ", string(body))

	// A page from another origin is refused before anything goes upstream.
	req, _ := http.NewRequest("POST", srv.URL+"/v1/report", strings.NewReader(`{}`))
	req.Header.Set("Origin", "https://evil.example")
	req.Header.Set("Content-Type", "application/json")
	resp, _ = http.DefaultClient.Do(req)
	body, _ = io.ReadAll(resp.Body)
	fmt.Print(resp.StatusCode, " ", string(body))
	// Output:
	// 200 {"status":"ok"}
	// 403 {"error":{"code":"origin_not_allowed","message":"origin \"https://evil.example\" may not call this proxy"}}
}
