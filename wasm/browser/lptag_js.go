//go:build js && wasm

package browser

import (
	"syscall/js"
)

// The LpTag methods read LivePerson's web tag, window.lpTag.

func (*window) Present() bool { return host.Call("get", "lpTag").Type() == js.TypeObject }

// IDs calls lpTag.taglets.lp_monitoringSDK.getVid() and getSid(), which
// exist only once the monitoring taglet has started.
func (*window) IDs() (vid, sid string) {
	return text("lpTag.taglets.lp_monitoringSDK.getVid()"), text("lpTag.taglets.lp_monitoringSDK.getSid()")
}

// Sections reads lpTag.section: an array of strings, or one string.
func (*window) Sections() []string { return list(host.Call("strings", "lpTag.section")) }

// list reads an array of strings.
func list(a js.Value) []string {
	out := make([]string, a.Length())
	for i := range out {
		out[i] = a.Index(i).String()
	}
	return out
}

// Watch has the host call changed on lp_monitoringSDK SP_SENT (the start
// page was sent: the ids exist) and lp_SMT MONITORING_STATE, binding to
// lpTag.events now or, without lpTag yet, once window.lpTag has been
// assigned, when it also calls changed. lpTag's snippet queues binds
// made before tag.js has loaded.
func (*window) Watch(changed func()) {
	lpTagChanged = changed
	host.Call("watch", onLpTag, "lp_monitoringSDK", "SP_SENT", "lp_SMT", "MONITORING_STATE")
}
