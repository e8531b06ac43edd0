package connector

import (
	"strconv"
	"unicode/utf16"
	"unicode/utf8"

	"github.com/lpedge/lpedge/internal/jsonv"
)

// obj writes a JSON object member by member, in the order of the calls,
// so that bodies read like LivePerson's examples and are deterministic.
type obj struct {
	b []byte
	n int
}

func openObj(b []byte) obj { return obj{b: append(b, '{')} }

func (o *obj) key(k string) {
	if o.n > 0 {
		o.b = append(o.b, ',')
	}
	o.n++
	o.b = jsonv.AppendString(o.b, k)
	o.b = append(o.b, ':')
}

func (o *obj) str(k, v string) {
	o.key(k)
	o.b = jsonv.AppendString(o.b, v)
}

// optStr writes a member only when it has a value.
func (o *obj) optStr(k, v string) {
	if v != "" {
		o.str(k, v)
	}
}

func (o *obj) strs(k string, v []string) {
	o.key(k)
	o.b = jsonv.Append(o.b, v)
}

func (o *obj) int(k string, v int64) {
	o.key(k)
	o.b = strconv.AppendInt(o.b, v, 10)
}

func (o *obj) ints(k string, v []int64) {
	o.key(k)
	o.b = append(o.b, '[')
	for i, n := range v {
		if i > 0 {
			o.b = append(o.b, ',')
		}
		o.b = strconv.AppendInt(o.b, n, 10)
	}
	o.b = append(o.b, ']')
}

// open starts a member object; end closes it into o.
func (o *obj) open(k string) obj {
	o.key(k)
	return openObj(o.b)
}

func (o *obj) end(child obj) { o.b = child.close() }

func (o *obj) close() []byte { return append(o.b, '}') }

// appendRequest writes a request envelope, {"kind":"req","id","type","body"}.
func appendRequest(b []byte, id, typ string, writeBody func(body *obj)) []byte {
	env := openObj(b)
	env.str("kind", "req")
	env.str("id", id)
	env.str("type", typ)
	body := env.open("body")
	writeBody(&body)
	env.end(body)
	return env.close()
}

// asciiJSON rewrites the non-ASCII characters of the JSON text b[start:]
// as \u escapes. Header values must be ASCII: Workers' Headers (a JS
// ByteString) throws on characters above U+00FF.
func asciiJSON(b []byte, start int) []byte {
	i := start
	for i < len(b) && b[i] < utf8.RuneSelf {
		i++
	}
	if i == len(b) {
		return b
	}
	tail := string(b[i:])
	b = b[:i]
	for _, r := range tail {
		switch {
		case r < utf8.RuneSelf:
			b = append(b, byte(r))
		case r > 0xFFFF:
			hi, lo := utf16.EncodeRune(r)
			b = appendU(appendU(b, hi), lo)
		default:
			b = appendU(b, r)
		}
	}
	return b
}

func appendU(b []byte, r rune) []byte {
	const hex = "0123456789abcdef"
	return append(b, '\\', 'u', hex[r>>12&15], hex[r>>8&15], hex[r>>4&15], hex[r&15])
}
