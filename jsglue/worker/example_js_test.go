//go:build js && wasm

package worker_test

import (
	"io"
	"net/http"

	"github.com/lpedge/lpedge/jsglue/worker"
)

// A Workers main: a handler that asks an upstream and relays its answer.
// The upstream request carries the incoming request's context, so that
// its fetch runs in that request.
func Example() {
	h := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		req, err := http.NewRequestWithContext(r.Context(), http.MethodGet, "https://api.example/status", nil)
		if err != nil {
			http.Error(w, err.Error(), http.StatusInternalServerError)
			return
		}
		resp, err := worker.Client{}.Do(req)
		if err != nil {
			http.Error(w, err.Error(), http.StatusBadGateway)
			return
		}
		defer resp.Body.Close()
		w.WriteHeader(resp.StatusCode)
		io.Copy(w, resp.Body)
	})
	worker.Serve(h, worker.Options{})
}
