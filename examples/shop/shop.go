package shop

import (
	"bytes"
	"embed"
	"encoding/json"
	"errors"
	"io/fs"
	"mime"
	"net/http"
	"path"
	"strings"
)

//go:embed static
var static embed.FS

// Marker is the comment in every page's head that [Handler] replaces with
// [Config].Snippet.
const Marker = "<!--lpedge-snippet-->"

// CaptureMarker is Marker in a page that tells the tag nothing itself and
// is instrumented only with GA4 dataLayer pushes, as a GTM shop is: its
// snippet's loader tag gets data-capture="datalayer" (zero-code capture).
const CaptureMarker = `<!--lpedge-snippet data-capture="datalayer"-->`

// Config configures the shop.
type Config struct {
	// Snippet is the HTML that goes into every page's head where the tag
	// belongs: the stub and the loader's script tag, as jsglue's build
	// prints them. Required.
	Snippet string
	// LPTest is the base URL of the in-memory LivePerson
	// (liveperson/lptest): the stand-in lpTag gets its ids there and the
	// event panel links to its agent view and inspector. Required.
	LPTest string
	// Account and App are the LivePerson account and Monitoring app
	// installation id the stand-in lpTag reports with. Required.
	Account, App string
}

// Handler returns the shop: its pages, with the snippet in place, its
// styles and scripts, and /config.js, which hands the scripts Config's
// LPTest, Account and App.
func Handler(cfg Config) (http.Handler, error) {
	if cfg.Snippet == "" || cfg.LPTest == "" || cfg.Account == "" || cfg.App == "" {
		return nil, errors.New("shop: Config needs Snippet, LPTest, Account and App")
	}
	js, err := json.Marshal(map[string]string{"lptest": strings.TrimRight(cfg.LPTest, "/"), "account": cfg.Account, "app": cfg.App})
	if err != nil {
		return nil, err
	}
	files := map[string][]byte{"/config.js": append(append([]byte("window.SHOP_CONFIG = "), js...), ";\n"...)}
	root, _ := fs.Sub(static, "static")
	err = fs.WalkDir(root, ".", func(name string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		data, err := fs.ReadFile(root, name)
		if err != nil {
			return err
		}
		if path.Ext(name) == ".html" {
			marker, snippet := Marker, cfg.Snippet
			if bytes.Contains(data, []byte(CaptureMarker)) {
				marker, snippet = CaptureMarker, strings.Replace(snippet, "<script async ", `<script async data-capture="datalayer" `, 1)
				if snippet == cfg.Snippet {
					return errors.New("shop: the snippet has no <script async ...> loader tag for " + name)
				}
			}
			if bytes.Count(data, []byte(marker)) != 1 {
				return errors.New("shop: " + name + " must hold " + Marker + " or " + CaptureMarker + " once")
			}
			data = bytes.Replace(data, []byte(marker), []byte(snippet), 1)
		}
		files["/"+name] = data
		return nil
	})
	if err != nil {
		return nil, err
	}
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Method != http.MethodGet && r.Method != http.MethodHead {
			w.Header().Set("Allow", "GET, HEAD")
			http.Error(w, "method not allowed", http.StatusMethodNotAllowed)
			return
		}
		p := r.URL.Path
		if p == "/" {
			p = "/index.html"
		}
		data, ok := files[p]
		status := http.StatusOK
		if !ok {
			p, data, status = "/404.html", files["/404.html"], http.StatusNotFound
		}
		h := w.Header()
		ctype := mime.TypeByExtension(path.Ext(p))
		if ctype == "" {
			ctype = "application/octet-stream"
		}
		h.Set("Content-Type", ctype)
		// The demo is edited and rebuilt often; stale pages would mislead.
		h.Set("Cache-Control", "no-cache")
		h.Set("X-Content-Type-Options", "nosniff")
		w.WriteHeader(status)
		if r.Method == http.MethodGet {
			w.Write(data)
		}
	}), nil
}
