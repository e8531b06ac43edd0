package proxy

import (
	"html"
	"net/http"
	"runtime/debug"
	"strings"

	"github.com/lpedge/lpedge/internal/jsonv"
)

// The root says what the proxy is, for someone who opens its URL (the
// demo prints it): its name, version, account, routes and /healthz.

// version is the module's version from the build, or its VCS revision.
func version() string {
	bi, ok := debug.ReadBuildInfo()
	if !ok {
		return "unknown"
	}
	v := bi.Main.Version
	for _, s := range bi.Settings {
		if s.Key == "vcs.revision" && (v == "" || v == "(devel)") {
			v = s.Value
		}
	}
	return v
}

// routeList is every route as "METHOD /path", for the root.
func routeList() []string {
	out := make([]string, 0, len(apiRoutes)+5)
	for _, rt := range apiRoutes {
		out = append(out, http.MethodPost+" "+rt.pattern)
	}
	return append(out, http.MethodGet+" "+pathEvents, http.MethodPost+" "+pathWebhook, http.MethodGet+" "+pathHealth,
		"GET /lpedge.js", "GET /lpedge.<hash>.wasm")
}

// serveIndex answers GET /: HTML for a browser, else JSON.
func (h *Handler) serveIndex(w http.ResponseWriter, r *http.Request) {
	setRoute(r, "index")
	routes := routeList()
	if strings.Contains(r.Header.Get("Accept"), "text/html") {
		var b strings.Builder
		b.WriteString("<!doctype html><meta charset=utf-8><title>lpedge proxy</title><h1>lpedge proxy</h1><p>Version ")
		b.WriteString(html.EscapeString(h.version) + ", LivePerson account " + html.EscapeString(h.cfg.Account) +
			`. Health: <a href="/healthz">/healthz</a>.</p><ul>`)
		for _, rt := range routes {
			b.WriteString("<li><code>" + html.EscapeString(rt) + "</code></li>")
		}
		b.WriteString("</ul>\n")
		w.Header().Set("Content-Type", "text/html; charset=utf-8")
		w.Write([]byte(b.String()))
		return
	}
	b := []byte(`{"name":"lpedge proxy","version":`)
	b = jsonv.AppendString(b, h.version)
	b = append(b, `,"account":`...)
	b = jsonv.AppendString(b, h.cfg.Account)
	b = append(b, `,"health":"/healthz","routes":`...)
	b = jsonv.Append(b, routes)
	writeJSON(w, http.StatusOK, append(b, "}\n"...))
}
