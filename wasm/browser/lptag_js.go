//go:build js && wasm

package browser

import (
	"syscall/js"
)

// lpTag is the bridge to LivePerson's web tag, window.lpTag.
type lpTag struct {
	changed func()
	bound   js.Value // the lpTag object whose events we bound to
	onEvent js.Func
}

func global() js.Value { return js.Global().Get("lpTag") }

func (*lpTag) Present() bool { return global().Type() == js.TypeObject }

// IDs calls lpTag.taglets.lp_monitoringSDK.getVid() and getSid(), which
// exist only once the monitoring taglet has started.
func (*lpTag) IDs() (vid, sid string) {
	try(func() {
		sdk := global().Get("taglets").Get("lp_monitoringSDK")
		if sdk.Get("getVid").Type() != js.TypeFunction || sdk.Get("getSid").Type() != js.TypeFunction {
			return
		}
		if v := sdk.Call("getVid"); v.Type() == js.TypeString {
			vid = v.String()
		}
		if s := sdk.Call("getSid"); s.Type() == js.TypeString {
			sid = s.String()
		}
	})
	return vid, sid
}

// Sections reads lpTag.section: an array of strings, or one string.
func (*lpTag) Sections() []string {
	var out []string
	try(func() {
		s := global().Get("section")
		switch s.Type() {
		case js.TypeString:
			out = []string{s.String()}
		case js.TypeObject:
			if !js.Global().Get("Array").Call("isArray", s).Bool() {
				return
			}
			for i := 0; i < s.Length(); i++ {
				if e := s.Index(i); e.Type() == js.TypeString {
					out = append(out, e.String())
				}
			}
		}
	})
	return out
}

// Watch binds to lpTag's events that follow a change of ids. Without
// lpTag yet, it watches the assignment of window.lpTag with an accessor
// that lives until the first assignment's script has run (lpTag's snippet
// assigns it twice in one go), then gives the property back as a plain
// value: no polling, and nothing of ours in lpTag's way afterwards.
func (l *lpTag) Watch(changed func()) {
	l.changed = changed
	l.onEvent = js.FuncOf(func(js.Value, []js.Value) any { l.changed(); return nil })
	if l.Present() {
		l.bind()
		return
	}
	win := js.Global()
	var value js.Value = js.Undefined()
	var get, set js.Func
	settled := false
	get = js.FuncOf(func(js.Value, []js.Value) any { return value })
	set = js.FuncOf(func(_ js.Value, a []js.Value) any {
		value = a[0]
		if !settled {
			settled = true
			clock{}.After(0, func() {
				desc := js.Global().Get("Object").New()
				desc.Set("value", value)
				desc.Set("writable", true)
				desc.Set("configurable", true)
				desc.Set("enumerable", true)
				js.Global().Get("Object").Call("defineProperty", win, "lpTag", desc)
				get.Release()
				set.Release()
				l.bind()
				l.changed()
			})
		}
		return nil
	})
	desc := js.Global().Get("Object").New()
	desc.Set("get", get)
	desc.Set("set", set)
	desc.Set("configurable", true)
	desc.Set("enumerable", true)
	try(func() { js.Global().Get("Object").Call("defineProperty", win, "lpTag", desc) })
}

// bind subscribes to lp_monitoringSDK SP_SENT (the start page was sent:
// the ids exist) and lp_SMT MONITORING_STATE. lpTag's snippet queues binds
// made before tag.js has loaded.
func (l *lpTag) bind() {
	try(func() {
		lp := global()
		if lp.Type() != js.TypeObject || lp.Equal(l.bound) {
			return
		}
		ev := lp.Get("events")
		if ev.Type() != js.TypeObject || ev.Get("bind").Type() != js.TypeFunction {
			return
		}
		l.bound = lp
		ev.Call("bind", "lp_monitoringSDK", "SP_SENT", l.onEvent)
		ev.Call("bind", "lp_SMT", "MONITORING_STATE", l.onEvent)
	})
}
