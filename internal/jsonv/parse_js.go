//go:build js && wasm

package jsonv

import (
	"syscall/js"
	"unicode/utf8"
)

// The objects whose methods parse calls. (Value.Call, not Invoke on the
// functions: the rest of the tag calls only Call, so Invoke is not linked.)
var (
	jsonObject  = js.Global().Get("JSON")
	arrayObject = js.Global().Get("Array")
	objectType  = js.Global().Get("Object")
)

// parse is the browser's JSON.parse, converted to the package's Go types:
// the browser has a parser loaded already, and Go's (with strconv's float
// parser) added 7.6 KB of brotli to the tag (README, "The tag's size
// budget"). Input is made valid
// UTF-8 byte by byte first, as encoding/json does, and numbers beyond
// float64 are errors there too. JavaScript names no byte offset, so a
// SyntaxError's Offset is -1 and its Msg is JavaScript's message.
func parse(data []byte) (v any, err error) {
	parsed, err := jsonParse(validUTF8(string(data)))
	if err != nil {
		return nil, err
	}
	return convert(parsed, 0)
}

// jsonParse calls JSON.parse, whose SyntaxError syscall/js throws as a
// panic.
func jsonParse(s string) (v js.Value, err error) {
	defer func() {
		if r := recover(); r != nil {
			msg := "not JSON"
			if e, ok := r.(js.Error); ok {
				msg = e.Get("message").String()
			}
			err = &SyntaxError{Offset: -1, Msg: msg}
		}
	}()
	return jsonObject.Call("parse", s), nil
}

// validUTF8 replaces every byte that is not part of valid UTF-8 with
// U+FFFD, as encoding/json does (the browser's decoder would replace a
// broken sequence once); valid input is returned as it is. It decodes
// with DecodeRuneInString, as AppendString does: the tag links one of
// utf8's decoders, and not ValidString too.
func validUTF8(s string) string {
	var b []byte // nil until the first bad byte
	for i := 0; i < len(s); {
		r, n := utf8.DecodeRuneInString(s[i:])
		if r == utf8.RuneError && n == 1 {
			if b == nil {
				b = append(make([]byte, 0, len(s)+8), s[:i]...)
			}
			b = append(b, "\uFFFD"...)
		} else if b != nil {
			b = append(b, s[i:i+n]...)
		}
		i += n
	}
	if b == nil {
		return s
	}
	return string(b)
}

// convert turns what JSON.parse returned into Go values; depth counts
// the arrays and objects around v.
func convert(v js.Value, depth int) (any, error) {
	switch v.Type() {
	case js.TypeBoolean:
		return v.Bool(), nil
	case js.TypeNumber:
		f := v.Float()
		if f-f != 0 {
			return nil, &SyntaxError{Offset: -1, Msg: "number out of range"}
		}
		return f, nil
	case js.TypeString:
		return v.String(), nil
	case js.TypeObject:
		if depth >= MaxDepth {
			return nil, &SyntaxError{Offset: -1, Msg: "nested too deeply"}
		}
		if arrayObject.Call("isArray", v).Bool() {
			list := make([]any, v.Length())
			for i := range list {
				e, err := convert(v.Index(i), depth+1)
				if err != nil {
					return nil, err
				}
				list[i] = e
			}
			return list, nil
		}
		names := objectType.Call("keys", v)
		m := make(map[string]any, names.Length())
		for i := 0; i < names.Length(); i++ {
			k := names.Index(i).String()
			e, err := convert(v.Get(k), depth+1)
			if err != nil {
				return nil, err
			}
			m[k] = e
		}
		return m, nil
	}
	return nil, nil // null
}
