//go:build js && wasm

package worker

import (
	"net/http"
	"syscall/js"

	"github.com/syumai/workers/cloudflare"
)

// Objects sends requests to the Durable Objects of the namespace that the
// Worker binds as Binding. Like [Client], it needs a request's context and
// reads each answer whole (up to [Options.MaxUpstreamBytes]); the object
// gets the request's URL, method, headers and body.
//
// Under entry.mjs the request's own loop calls the object, as it does a
// [Client] fetch: workerd refuses I/O started in another request's
// context, which is where Go may run when a goroutine wakes. Under
// syumai's per-request entry it calls the object through syumai's
// cloudflare.DurableObjectNamespace stub.
type Objects struct {
	Binding string // the namespace binding's name, e.g. LPEDGE_STATE
}

// Do sends r to the object named name (the namespace's idFromName).
func (o Objects) Do(name string, r *http.Request) (*http.Response, error) {
	c, err := callOf(r)
	if err != nil {
		return nil, err
	}
	if c != nil {
		return c.fetch(r, js.ValueOf(o.Binding), js.ValueOf(name))
	}
	ns, err := cloudflare.NewDurableObjectNamespace(o.Binding)
	if err != nil {
		return nil, err
	}
	stub, err := ns.Get(ns.IdFromName(name))
	if err != nil {
		return nil, err
	}
	return stub.Fetch(r)
}

// HasBinding reports whether the Worker has a binding of that name.
func HasBinding(name string) bool {
	v := cloudflare.GetBinding(name)
	return !v.IsUndefined() && !v.IsNull()
}
