package shop_test

import (
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"

	"github.com/lpedge/lpedge/examples/shop"
)

func ExampleHandler() {
	// In the demo the snippet comes from jsglue's build (demo.Start).
	snippet := `<script async src="http://127.0.0.1:8080/lpedge.js" data-account="12345678" data-proxy="http://127.0.0.1:8080"></script>`
	h, err := shop.Handler(shop.Config{Snippet: snippet, LPTest: "http://127.0.0.1:8081",
		Account: "12345678", App: "8de29e3d-25b1-4d08-b713-8331ab222bfa"})
	if err != nil {
		fmt.Println(err)
		return
	}
	srv := httptest.NewServer(h)
	defer srv.Close()

	res, _ := http.Get(srv.URL + "/product.html?sku=NP-HB-205")
	page, _ := io.ReadAll(res.Body)
	res.Body.Close()
	fmt.Println(res.StatusCode, strings.Contains(string(page), snippet))
	// Output: 200 true
}
