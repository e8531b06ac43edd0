package worker

import (
	"bytes"
	"context"
	"errors"
	"io"
	"net/http"
	"net/url"
	"strconv"
	"strings"
)

// The entry module and Go exchange requests and answers as a head and a
// body, as bytes in a buffer they share when they fit (serve_js.go), else
// as a string and a Uint8Array: a crossing or two instead of one per
// header. A head
// is "METHOD URL\r\n" (requests only) followed by one "name: value\r\n" line
// per header value.

// readRequest builds the request that the entry module described by head
// and body, with context ctx. Like syumai/workers, it takes the client's
// address from CF-Connecting-IP, which Cloudflare sets.
func readRequest(ctx context.Context, head string, body []byte) (*http.Request, error) {
	line, lines, ok := strings.Cut(head, "\r\n")
	if !ok {
		return nil, errors.New("request head: no line end after the request line")
	}
	method, rawURL, ok := strings.Cut(line, " ")
	if !ok || !validToken(method) {
		return nil, errors.New("request head: malformed request line " + strconv.Quote(line))
	}
	u, err := url.Parse(rawURL)
	if err != nil {
		return nil, errors.New("request head: " + err.Error())
	}
	if !u.IsAbs() || u.Host == "" {
		return nil, errors.New("request head: URL " + strconv.Quote(rawURL) + " is not absolute")
	}
	h, err := parseHeaderLines(lines)
	if err != nil {
		return nil, errors.New("request head: " + err.Error())
	}
	// r stays on the stack: WithContext makes the one copy on the heap.
	r := http.Request{
		Method:     method,
		URL:        u,
		Proto:      "HTTP/1.1",
		ProtoMajor: 1,
		ProtoMinor: 1,
		Header:     h,
		Host:       u.Host,
		RequestURI: u.RequestURI(),
		RemoteAddr: h.Get("Cf-Connecting-Ip"),
		Body:       http.NoBody,
	}
	if len(body) > 0 {
		r.Body = io.NopCloser(bytes.NewReader(body))
	}
	r.ContentLength = int64(len(body))
	// A declared length the body was cut short of (over MaxBodyBytes) is
	// kept, so that a handler can refuse the body without reading it.
	if v := h.Get("Content-Length"); v != "" {
		if cl, err := strconv.ParseInt(v, 10, 64); err == nil && cl > r.ContentLength {
			r.ContentLength = cl
		}
	}
	return r.WithContext(ctx), nil
}

// parseHeaderLines reads "name: value\r\n" lines.
func parseHeaderLines(s string) (http.Header, error) {
	n := strings.Count(s, "\n")
	h := make(http.Header, n)
	// The values share one array, as net/textproto's reader does: one
	// allocation instead of one per name. Each name's slice is capped, so
	// that a second value of a name is appended elsewhere.
	values := make([]string, 0, n)
	for s != "" {
		var line string
		var ok bool
		line, s, ok = strings.Cut(s, "\r\n")
		if !ok {
			return nil, errors.New("header line " + strconv.Quote(line) + " has no line end")
		}
		name, value, ok := strings.Cut(line, ": ")
		if !ok || !validToken(name) {
			return nil, errors.New("malformed header line " + strconv.Quote(line))
		}
		key, ok := lowerNames[name]
		if !ok {
			key = http.CanonicalHeaderKey(name)
		}
		if vs, ok := h[key]; ok {
			h[key] = append(vs, value)
		} else {
			values = append(values, value)
			h[key] = values[len(values)-1 : len(values) : len(values)]
		}
	}
	return h, nil
}

// lowerNames maps the lower-case names of common headers, as the entry
// module passes them (JS Headers are lower-case), to their canonical form:
// http.CanonicalHeaderKey allocates for a name it has to change.
var lowerNames = func() map[string]string {
	names := []string{
		"Accept", "Accept-Encoding", "Accept-Language", "Access-Control-Request-Headers", "Access-Control-Request-Method",
		"Age", "Authorization", "Cache-Control", "Cdn-Loop", "Cf-Connecting-Ip", "Cf-Ipcountry", "Cf-Ray", "Cf-Visitor",
		"Connection", "Content-Encoding", "Content-Length", "Content-Type", "Cookie", "Date", "Etag", "Expires", "Host",
		"Idempotency-Key", "If-Modified-Since", "If-None-Match", "Last-Event-Id", "Last-Modified", "Location", "Origin",
		"Pragma", "Priority", "Referer", "Retry-After", "Sec-Ch-Ua", "Sec-Ch-Ua-Mobile", "Sec-Ch-Ua-Platform",
		"Sec-Fetch-Dest", "Sec-Fetch-Mode", "Sec-Fetch-Site", "Server", "Set-Cookie", "Strict-Transport-Security",
		"Transfer-Encoding", "True-Client-Ip", "Upgrade-Insecure-Requests", "User-Agent", "Vary", "Via",
		"X-Content-Type-Options", "X-Forwarded-For", "X-Forwarded-Proto", "X-Real-Ip", "X-Request-Id",
	}
	m := make(map[string]string, len(names))
	for _, n := range names {
		m[strings.ToLower(n)] = n
	}
	return m
}()

// appendHeaderLines writes h as "name: value\r\n" lines, leaving out the
// names in skip (canonical form). It drops invalid names and turns control
// characters in values into spaces, as net/http does with line breaks, so
// that no value can add a header or make the runtime refuse the answer.
func appendHeaderLines(b []byte, h http.Header, skip ...string) []byte {
	for name, values := range h {
		if !validToken(name) || contains(skip, name) {
			continue
		}
		for _, v := range values {
			b = append(b, name...)
			b = append(b, ": "...)
			start := len(b)
			b = append(b, v...)
			for i := start; i < len(b); i++ {
				if (b[i] < ' ' && b[i] != '\t') || b[i] == 0x7f {
					b[i] = ' '
				}
			}
			b = append(b, "\r\n"...)
		}
	}
	return b
}

func contains(list []string, s string) bool {
	for _, e := range list {
		if e == s {
			return true
		}
	}
	return false
}

// validToken reports whether s is an HTTP token (RFC 9110 5.6.2), the
// syntax of methods and header names.
func validToken(s string) bool {
	if s == "" {
		return false
	}
	for i := 0; i < len(s); i++ {
		c := s[i]
		switch {
		case 'a' <= c && c <= 'z', 'A' <= c && c <= 'Z', '0' <= c && c <= '9':
		case strings.IndexByte("!#$%&'*+-.^_`|~", c) >= 0:
		default:
			return false
		}
	}
	return true
}
