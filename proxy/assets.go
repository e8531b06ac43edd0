package proxy

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"io/fs"
	"mime"
	"net/http"
	"path"
	"strings"
	"time"
)

// assets serves the tag's build output from memory: each file with its
// precompressed siblings (name.br, name.gz), chosen by Accept-Encoding.
// Everything is read once, at New, so a request never touches the FS.
type assets struct {
	files map[string]*asset // by URL path, "/lpedge.js"
}

type asset struct {
	contentType  string
	cacheControl string
	variants     []variant // identity last
}

type variant struct {
	encoding string // "br", "gzip" or "" (identity)
	data     []byte
	etag     string
}

// Cache lifetimes: a content-hashed name never changes, so it is cached
// for a year; other names (the loader, lpedge.js, which names the current
// wasm) briefly, and revalidated by ETag.
const (
	cacheImmutable = "public, max-age=31536000, immutable"
	cacheShort     = "public, max-age=300"
)

var encodings = []struct{ ext, name string }{{".br", "br"}, {".gz", "gzip"}}

func loadAssets(fsys fs.FS) (*assets, error) {
	a := &assets{files: map[string]*asset{}}
	if fsys == nil {
		return a, nil
	}
	entries, err := fs.ReadDir(fsys, ".")
	if err != nil {
		return nil, configError("Assets", err.Error())
	}
	for _, e := range entries {
		name := e.Name()
		if !e.Type().IsRegular() || strings.HasSuffix(name, ".br") || strings.HasSuffix(name, ".gz") || strings.HasPrefix(name, ".") {
			continue
		}
		f := &asset{contentType: contentType(name), cacheControl: cacheShort}
		hash := nameHash(name)
		if hash != "" {
			f.cacheControl = cacheImmutable
		}
		for _, enc := range encodings {
			data, err := fs.ReadFile(fsys, name+enc.ext)
			if err == nil {
				f.variants = append(f.variants, newVariant(enc.name, data, hash))
			}
		}
		data, err := fs.ReadFile(fsys, name)
		if err != nil {
			return nil, configError("Assets", err.Error())
		}
		f.variants = append(f.variants, newVariant("", data, hash))
		a.files["/"+name] = f
	}
	return a, nil
}

// newVariant makes a variant's ETag from the content hash in its file's
// name, or, for a name without one, from its data. Hashing the module
// would cost a Worker's first request tens of ms of CPU, for a hash the
// build already wrote into the name.
func newVariant(encoding string, data []byte, nameHash string) variant {
	if nameHash != "" {
		return variant{encoding: encoding, data: data, etag: `"` + nameHash + "-" + encoding + `"`}
	}
	sum := sha256.Sum256(data)
	return variant{encoding: encoding, data: data, etag: `"` + hex.EncodeToString(sum[:12]) + `"`}
}

func contentType(name string) string {
	switch path.Ext(name) {
	case ".wasm":
		return "application/wasm" // instantiateStreaming requires it
	case ".js", ".mjs":
		return "text/javascript; charset=utf-8"
	case ".map":
		return "application/json; charset=utf-8"
	}
	if t := mime.TypeByExtension(path.Ext(name)); t != "" {
		return t
	}
	return "application/octet-stream"
}

// nameHash returns the content hash before name's extension, as 3f9a1c0d
// in lpedge.3f9a1c0d.wasm (at least 8 hex digits), or "".
func nameHash(name string) string {
	base := strings.TrimSuffix(name, path.Ext(name))
	i := strings.LastIndexByte(base, '.')
	if i < 0 || len(base)-i-1 < 8 {
		return ""
	}
	for _, c := range base[i+1:] {
		if !(c >= '0' && c <= '9' || c >= 'a' && c <= 'f' || c >= 'A' && c <= 'F') {
			return ""
		}
	}
	return base[i+1:]
}

func (a *assets) lookup(urlPath string) *asset { return a.files[urlPath] }

// serve answers GET and HEAD with the best variant the client accepts;
// http.ServeContent does If-None-Match (304) and Range.
func (f *asset) serve(w http.ResponseWriter, r *http.Request) {
	v := f.pick(r.Header.Get("Accept-Encoding"))
	h := w.Header()
	h.Set("Content-Type", f.contentType)
	h.Set("Cache-Control", f.cacheControl)
	h.Set("ETag", v.etag)
	if len(f.variants) > 1 {
		h.Add("Vary", "Accept-Encoding")
	}
	if v.encoding != "" {
		h.Set("Content-Encoding", v.encoding)
	}
	// The shop's page loads the tag from this origin: the wasm is fetched
	// cross-origin and must carry CORS headers. It is public and sent
	// without credentials, so any origin may read it.
	h.Set("Access-Control-Allow-Origin", "*")
	h.Set("Cross-Origin-Resource-Policy", "cross-origin")
	// The page's resource timing may see the transfer (0 bytes when the
	// module came from the HTTP cache): without it a cross-origin entry
	// reports 0 every time.
	h.Set("Timing-Allow-Origin", "*")
	h.Set("X-Content-Type-Options", "nosniff")
	http.ServeContent(w, r, "", time.Time{}, bytes.NewReader(v.data))
}

// pick returns the first variant (br, gzip, identity) that the
// Accept-Encoding value allows.
func (f *asset) pick(acceptEncoding string) *variant {
	for i := range f.variants {
		v := &f.variants[i]
		if v.encoding == "" || accepts(acceptEncoding, v.encoding) {
			return v
		}
	}
	return &f.variants[len(f.variants)-1]
}

// accepts reports whether an Accept-Encoding value allows coding: listed
// (or "*") without q=0.
func accepts(header, coding string) bool {
	star := false
	for _, part := range strings.Split(header, ",") {
		name, params, _ := strings.Cut(strings.TrimSpace(part), ";")
		name = strings.ToLower(strings.TrimSpace(name))
		if name != coding && name != "*" {
			continue
		}
		ok := !zeroQ(params)
		if name == coding {
			return ok
		}
		star = ok
	}
	return star
}

func zeroQ(params string) bool {
	for _, p := range strings.Split(params, ";") {
		k, v, _ := strings.Cut(strings.TrimSpace(p), "=")
		if strings.EqualFold(strings.TrimSpace(k), "q") {
			v = strings.TrimSpace(v)
			return v == "0" || strings.HasPrefix(v, "0.") && strings.Trim(v[2:], "0") == ""
		}
	}
	return false
}
