package worker

import (
	"context"
	"io"
	"net/http"
	"reflect"
	"strings"
	"testing"
)

func TestReadRequest(t *testing.T) {
	tests := []struct {
		name, head, body string
		want             func(*http.Request) string // "" when r is right
		err              string
	}{
		{name: "GET with headers", head: "GET https://proxy.example/healthz?x=1\r\naccept: */*\r\nx-two: a\r\nx-two: b\r\n",
			want: func(r *http.Request) string {
				switch {
				case r.Method != "GET" || r.URL.Path != "/healthz" || r.URL.RawQuery != "x=1":
					return "method or URL"
				case r.Host != "proxy.example" || r.RequestURI != "/healthz?x=1":
					return "Host or RequestURI"
				case !reflect.DeepEqual(r.Header["X-Two"], []string{"a", "b"}) || r.Header.Get("Accept") != "*/*":
					return "headers"
				case r.Body != http.NoBody || r.ContentLength != 0:
					return "body"
				}
				return ""
			}},
		{name: "values of different names do not share room", head: "GET https://p.example/\r\na: 1\r\nb: 2\r\nc: 3\r\nb: 4\r\n",
			want: func(r *http.Request) string {
				r.Header.Add("A", "x")
				r.Header.Add("B", "y")
				want := http.Header{"A": {"1", "x"}, "B": {"2", "4", "y"}, "C": {"3"}}
				if !reflect.DeepEqual(r.Header, want) {
					return "headers after Add"
				}
				return ""
			}},
		{name: "POST body and client address", head: "POST http://127.0.0.1:8787/v1/report\r\ncf-connecting-ip: 203.0.113.7\r\ncontent-length: 2\r\n", body: "{}",
			want: func(r *http.Request) string {
				b, _ := io.ReadAll(r.Body)
				switch {
				case string(b) != "{}" || r.ContentLength != 2:
					return "body"
				case r.RemoteAddr != "203.0.113.7":
					return "RemoteAddr " + r.RemoteAddr
				}
				return ""
			}},
		{name: "body cut at the limit keeps the declared length", head: "POST https://p.example/v1/report\r\ncontent-length: 1000000\r\n", body: "xyz",
			want: func(r *http.Request) string {
				if r.ContentLength != 1000000 {
					return "ContentLength"
				}
				return ""
			}},
		{name: "names in any case", head: "GET https://p.example/\r\nuser-agent: ua\r\nCF-Connecting-IP: 192.0.2.1\r\nx-Custom-NAME: v\r\n",
			want: func(r *http.Request) string {
				want := http.Header{"User-Agent": {"ua"}, "Cf-Connecting-Ip": {"192.0.2.1"}, "X-Custom-Name": {"v"}}
				if !reflect.DeepEqual(r.Header, want) || r.RemoteAddr != "192.0.2.1" {
					return "headers or RemoteAddr"
				}
				return ""
			}},
		{name: "no line end", head: "GET https://p.example/", err: "request head: no line end after the request line"},
		{name: "no URL", head: "GET\r\n", err: `request head: malformed request line "GET"`},
		{name: "bad method", head: "G(T https://p.example/\r\n", err: `request head: malformed request line "G(T https://p.example/"`},
		{name: "relative URL", head: "GET /healthz\r\n", err: `request head: URL "/healthz" is not absolute`},
		{name: "bad header", head: "GET https://p.example/\r\nno-colon\r\n", err: `request head: malformed header line "no-colon"`},
		{name: "bad header name", head: "GET https://p.example/\r\nbad name: v\r\n", err: `request head: malformed header line "bad name: v"`},
		{name: "unterminated header", head: "GET https://p.example/\r\na: b", err: `request head: header line "a: b" has no line end`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r, err := readRequest(context.Background(), tt.head, []byte(tt.body))
			if tt.err != "" {
				if err == nil || err.Error() != tt.err {
					t.Fatalf("error %v, want %q", err, tt.err)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if what := tt.want(r); what != "" {
				t.Errorf("wrong %s: %+v", what, r)
			}
		})
	}
}

// TestLowerNames: the table gives each lower-case name the canonical form
// http.CanonicalHeaderKey would.
func TestLowerNames(t *testing.T) {
	for lower, name := range lowerNames {
		if lower != strings.ToLower(name) || name != http.CanonicalHeaderKey(lower) {
			t.Errorf("%q -> %q, want %q", lower, name, http.CanonicalHeaderKey(lower))
		}
	}
}

// TestReadRequestContext: the request carries the context it was read with.
func TestReadRequestContext(t *testing.T) {
	type key struct{}
	ctx := context.WithValue(context.Background(), key{}, "v")
	r, err := readRequest(ctx, "GET https://p.example/\r\n", nil)
	if err != nil {
		t.Fatal(err)
	}
	if r.Context() != ctx {
		t.Error("the request does not carry the context")
	}
}

func TestAppendHeaderLines(t *testing.T) {
	h := http.Header{
		"Content-Type": {"application/json"},
		"Set-Cookie":   {"a=1", "b=2"},
		"X-Injected":   {"v\r\nSet-Cookie: evil=1"},
		"Bad Name":     {"dropped"},
		"Host":         {"skipped"},
	}
	got, err := parseHeaderLines(string(appendHeaderLines(nil, h, "Host")))
	if err != nil {
		t.Fatal(err)
	}
	want := http.Header{
		"Content-Type": {"application/json"},
		"Set-Cookie":   {"a=1", "b=2"},
		"X-Injected":   {"v  Set-Cookie: evil=1"},
	}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("got %v, want %v", got, want)
	}
}

// FuzzReadRequest: any head either fails with an error or gives a request
// whose headers survive a round trip through appendHeaderLines.
func FuzzReadRequest(f *testing.F) {
	f.Add("GET https://p.example/healthz\r\naccept: */*\r\n", []byte(nil))
	f.Add("POST http://127.0.0.1:8787/v1/report\r\ncontent-length: 2\r\ncf-connecting-ip: ::1\r\n", []byte("{}"))
	f.Add("GET /x\r\n", []byte(nil))
	f.Add("GET https://p.example/\r\na: b", []byte(nil))
	f.Fuzz(func(t *testing.T, head string, body []byte) {
		r, err := readRequest(context.Background(), head, body)
		if err != nil {
			if r != nil {
				t.Fatal("a request and an error")
			}
			return
		}
		if !r.URL.IsAbs() || !validToken(r.Method) {
			t.Fatalf("accepted %q", head)
		}
		b, _ := io.ReadAll(r.Body)
		if string(b) != string(body) || r.ContentLength < int64(len(body)) {
			t.Fatalf("body %q, ContentLength %d; want %q", b, r.ContentLength, body)
		}
		again, err := parseHeaderLines(string(appendHeaderLines(nil, r.Header)))
		if err != nil {
			t.Fatal(err)
		}
		for k, v := range r.Header {
			for i := range v {
				b := []byte(v[i])
				for j, c := range b {
					if (c < ' ' && c != '\t') || c == 0x7f {
						b[j] = ' '
					}
				}
				v[i] = string(b)
			}
			if !reflect.DeepEqual(again[k], v) {
				t.Fatalf("header %s: %q after a round trip, want %q", k, again[k], v)
			}
		}
	})
}
