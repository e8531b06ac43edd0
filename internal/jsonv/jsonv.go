// Package jsonv parses and writes JSON values without encoding/json, fmt or
// reflect, so that code linked into the browser tag stays small.
//
// Values use the same Go types encoding/json produces when it decodes into
// an interface value: map[string]any, []any, string, float64, bool and nil.
// Parse accepts exactly what encoding/json accepts (invalid UTF-8 in strings
// becomes U+FFFD, as there), so the tag and the proxy read bodies alike. In
// the browser (GOOS=js) it is JavaScript's JSON.parse, which reads the same
// grammar, with the results converted to those types; only its
// SyntaxError has no byte offset. ParseStrict, for servers that pass
// values on, also refuses keys given twice and numbers a float64 does not
// hold exactly; it is the Go parser in every build (the tag does not link
// it).
//
//	v, err := jsonv.Parse([]byte(`{"type":"cart","total":9.5}`))
//	if err != nil { ... }
//	out := jsonv.Append(nil, v) // {"total":9.5,"type":"cart"}
package jsonv

import (
	"math"
	"strconv"
	"unicode/utf8"
)

// MaxDepth is how deeply arrays and objects may nest. Deeper input is an
// error rather than a stack overflow.
const MaxDepth = 64

// SyntaxError reports where and why input is not JSON.
type SyntaxError struct {
	_      [0]func() // not comparable: no generated equality function in the tag (make size)
	Offset int       // byte offset of the problem; -1 in the browser build, where JavaScript's message says where
	Msg    string    // what is wrong there
}

func (e *SyntaxError) Error() string {
	if e.Offset < 0 {
		return "invalid JSON: " + e.Msg
	}
	return "invalid JSON at byte " + strconv.Itoa(e.Offset) + ": " + e.Msg
}

// Parse decodes one JSON value that fills data (surrounding white space
// allowed). In the browser build it is JavaScript's JSON.parse (see
// parse_js.go); elsewhere a parser written here.
func Parse(data []byte) (any, error) { return parse(data) }

// Append writes v as compact JSON. Objects are written with their keys in
// sorted order so that output is deterministic. Besides the types Parse
// produces it takes []string, map[string]string and the Go integer types;
// a value of any other type, or a float that is NaN or infinite, is written
// as null (callers validate before they encode).
func Append(b []byte, v any) []byte {
	switch v := v.(type) {
	case nil:
		return append(b, "null"...)
	case bool:
		return strconv.AppendBool(b, v)
	case string:
		return AppendString(b, v)
	case float64:
		return AppendFloat(b, v)
	case int:
		return strconv.AppendInt(b, int64(v), 10)
	case int64:
		return strconv.AppendInt(b, v, 10)
	case int32:
		return strconv.AppendInt(b, int64(v), 10)
	case []any:
		b = append(b, '[')
		for i, e := range v {
			if i > 0 {
				b = append(b, ',')
			}
			b = Append(b, e)
		}
		return append(b, ']')
	case []string:
		b = append(b, '[')
		for i, e := range v {
			if i > 0 {
				b = append(b, ',')
			}
			b = AppendString(b, e)
		}
		return append(b, ']')
	case map[string]any:
		b = append(b, '{')
		for i, k := range sortedKeys(v) {
			if i > 0 {
				b = append(b, ',')
			}
			b = AppendString(b, k)
			b = append(b, ':')
			b = Append(b, v[k])
		}
		return append(b, '}')
	case map[string]string:
		b = append(b, '{')
		for i, k := range sortedKeys(v) {
			if i > 0 {
				b = append(b, ',')
			}
			b = AppendString(b, k)
			b = append(b, ':')
			b = AppendString(b, v[k])
		}
		return append(b, '}')
	default:
		return append(b, "null"...)
	}
}

func sortedKeys[V any](m map[string]V) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	// Insertion sort: objects here have a handful of keys, and package
	// slices' generic sort would add about 20 KB to the tag.
	for i := 1; i < len(keys); i++ {
		for j := i; j > 0 && keys[j] < keys[j-1]; j-- {
			keys[j], keys[j-1] = keys[j-1], keys[j]
		}
	}
	return keys
}

// AppendFloat writes f the way encoding/json does; NaN and infinities,
// which JSON cannot hold, are written as null.
func AppendFloat(b []byte, f float64) []byte {
	if math.IsNaN(f) || math.IsInf(f, 0) {
		return append(b, "null"...)
	}
	abs := math.Abs(f)
	format := byte('f')
	if abs != 0 && (abs < 1e-6 || abs >= 1e21) {
		format = 'e'
	}
	return strconv.AppendFloat(b, f, format, -1, 64)
}

const hexDigits = "0123456789abcdef"

// AppendString writes s as a JSON string. Invalid UTF-8 becomes U+FFFD;
// U+2028 and U+2029 are escaped so the output is also valid JavaScript.
func AppendString(b []byte, s string) []byte {
	b = append(b, '"')
	start := 0
	for i := 0; i < len(s); {
		c := s[i]
		if c < utf8.RuneSelf {
			if c >= 0x20 && c != '"' && c != '\\' {
				i++
				continue
			}
			b = append(b, s[start:i]...)
			switch c {
			case '"', '\\':
				b = append(b, '\\', c)
			case '\n':
				b = append(b, '\\', 'n')
			case '\r':
				b = append(b, '\\', 'r')
			case '\t':
				b = append(b, '\\', 't')
			default:
				b = append(b, '\\', 'u', '0', '0', hexDigits[c>>4], hexDigits[c&0xf])
			}
			i++
			start = i
			continue
		}
		r, size := utf8.DecodeRuneInString(s[i:])
		if r == utf8.RuneError && size == 1 {
			b = append(b, s[start:i]...)
			b = append(b, "\ufffd"...)
			i += size
			start = i
			continue
		}
		if r == '\u2028' || r == '\u2029' {
			b = append(b, s[start:i]...)
			b = append(b, '\\', 'u', '2', '0', '2', hexDigits[r&0xf])
			i += size
			start = i
			continue
		}
		i += size
	}
	b = append(b, s[start:]...)
	return append(b, '"')
}

// Quote writes s as a JSON string, for messages. For printable text it
// reads as strconv.Quote does, without linking its Unicode tables.
func Quote(s string) string { return string(AppendString(nil, s)) }

// QuoteByte writes c in single quotes for messages: 'x', or '\x01' when
// it is not printable ASCII.
func QuoteByte(c byte) string {
	// Bytes, not string(rune(c)), which links the runtime's rune encoder.
	if c >= 0x20 && c < 0x7f {
		return string([]byte{'\'', c, '\''})
	}
	return string([]byte{'\'', '\\', 'x', hexDigits[c>>4], hexDigits[c&0xf], '\''})
}

// Number returns v as a float64 when it is a number: the float64 decoded
// JSON holds, or a Go integer or float32 from a Go caller.
func Number(v any) (float64, bool) {
	switch n := v.(type) {
	case float64:
		return n, true
	case int:
		return float64(n), true
	case int64:
		return float64(n), true
	case int32:
		return float64(n), true
	case float32:
		return float64(n), true
	}
	return 0, false
}

// Describe names a value's JSON type for an error message, with a short
// excerpt: `null`, `true`, `1.5`, `a string ("abc")`, `an array`,
// `an object`.
func Describe(v any) string {
	switch v := v.(type) {
	case nil:
		return "null"
	case bool:
		return strconv.FormatBool(v)
	case string:
		if len(v) > 40 {
			v = v[:40] + "..."
		}
		return "a string (" + Quote(v) + ")"
	case []any, []string:
		return "an array"
	case map[string]any:
		return "an object"
	}
	if n, ok := Number(v); ok {
		return string(AppendFloat(nil, n))
	}
	return "a non-JSON value"
}
