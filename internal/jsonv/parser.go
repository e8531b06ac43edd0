package jsonv

import (
	"strconv"
	"unicode/utf16"
	"unicode/utf8"
)

// The parser written here: Parse outside the browser, and ParseStrict
// everywhere (the browser tag does not call ParseStrict, so the tag links
// none of it).

// ParseStrict is Parse for input a server must carry on unchanged: it
// also refuses, with a *StrictError naming where, an object key given
// twice (Parse keeps the last, as encoding/json and JSON.parse do) and a
// number a float64 does not hold exactly (9007199254740993 would become
// ...992, 1e-400 zero, 1.00000000000000001 one). A number is held exactly
// when Append writes the same decimal value back (11.70 is 11.7, and
// 0.1 stays 0.1). It is the same Go code in every build, JavaScript's
// JSON.parse included.
func ParseStrict(data []byte) (any, error) { return parseText(data, true) }

// A StrictError is JSON that ParseStrict refuses.
type StrictError struct {
	_      [0]func() // not comparable, as SyntaxError
	Offset int       // byte offset of the key or number
	Path   string    // where, e.g. `engagementAttributes[0].total` ("" for the top level)
	Msg    string    // what is wrong there
}

func (e *StrictError) Error() string {
	if e.Path == "" {
		return e.Msg
	}
	return e.Path + ": " + e.Msg
}

// within prefixes the path of a *StrictError with seg, the key or index it
// was found in.
func within(err error, seg string) error {
	if se, ok := err.(*StrictError); ok {
		if se.Path == "" || se.Path[0] == '[' {
			se.Path = seg + se.Path
		} else {
			se.Path = seg + "." + se.Path
		}
	}
	return err
}

func parseText(data []byte, strict bool) (any, error) {
	p := parser{data: data, strict: strict}
	p.space()
	v, err := p.value(0)
	if err != nil {
		return nil, err
	}
	p.space()
	if p.pos != len(p.data) {
		return nil, p.fail("unexpected data after the value")
	}
	return v, nil
}

type parser struct {
	data   []byte
	pos    int
	strict bool // ParseStrict's checks
}

func (p *parser) fail(msg string) error { return &SyntaxError{Offset: p.pos, Msg: msg} }

func (p *parser) space() {
	for p.pos < len(p.data) {
		switch p.data[p.pos] {
		case ' ', '\t', '\n', '\r':
			p.pos++
		default:
			return
		}
	}
}

func (p *parser) value(depth int) (any, error) {
	if p.pos >= len(p.data) {
		return nil, p.fail("unexpected end of input")
	}
	switch c := p.data[p.pos]; {
	case c == '{':
		return p.object(depth + 1)
	case c == '[':
		return p.array(depth + 1)
	case c == '"':
		return p.string()
	case c == '-' || (c >= '0' && c <= '9'):
		return p.number()
	case p.literal("true"):
		return true, nil
	case p.literal("false"):
		return false, nil
	case p.literal("null"):
		return nil, nil
	default:
		return nil, p.fail("unexpected character " + QuoteByte(c))
	}
}

func (p *parser) literal(s string) bool {
	if len(p.data)-p.pos >= len(s) && string(p.data[p.pos:p.pos+len(s)]) == s {
		p.pos += len(s)
		return true
	}
	return false
}

func (p *parser) object(depth int) (any, error) {
	if depth > MaxDepth {
		return nil, p.fail("nested too deeply")
	}
	p.pos++ // {
	m := map[string]any{}
	p.space()
	if p.pos < len(p.data) && p.data[p.pos] == '}' {
		p.pos++
		return m, nil
	}
	for {
		p.space()
		if p.pos >= len(p.data) || p.data[p.pos] != '"' {
			return nil, p.fail("want a string key")
		}
		at := p.pos
		k, err := p.string()
		if err != nil {
			return nil, err
		}
		if _, dup := m[k]; dup && p.strict {
			return nil, &StrictError{Offset: at, Path: k, Msg: "is given twice in one object"}
		}
		p.space()
		if p.pos >= len(p.data) || p.data[p.pos] != ':' {
			return nil, p.fail("want ':' after an object key")
		}
		p.pos++
		p.space()
		v, err := p.value(depth)
		if err != nil {
			return nil, within(err, k)
		}
		m[k] = v
		p.space()
		if p.pos >= len(p.data) {
			return nil, p.fail("unexpected end of input in an object")
		}
		switch p.data[p.pos] {
		case ',':
			p.pos++
		case '}':
			p.pos++
			return m, nil
		default:
			return nil, p.fail("want ',' or '}' in an object")
		}
	}
}

func (p *parser) array(depth int) (any, error) {
	if depth > MaxDepth {
		return nil, p.fail("nested too deeply")
	}
	p.pos++ // [
	a := []any{}
	p.space()
	if p.pos < len(p.data) && p.data[p.pos] == ']' {
		p.pos++
		return a, nil
	}
	for {
		p.space()
		v, err := p.value(depth)
		if err != nil {
			return nil, within(err, "["+strconv.Itoa(len(a))+"]")
		}
		a = append(a, v)
		p.space()
		if p.pos >= len(p.data) {
			return nil, p.fail("unexpected end of input in an array")
		}
		switch p.data[p.pos] {
		case ',':
			p.pos++
		case ']':
			p.pos++
			return a, nil
		default:
			return nil, p.fail("want ',' or ']' in an array")
		}
	}
}

func (p *parser) number() (any, error) {
	start := p.pos
	d := p.data
	if d[p.pos] == '-' {
		p.pos++
	}
	switch {
	case p.pos < len(d) && d[p.pos] == '0':
		p.pos++
	case p.pos < len(d) && d[p.pos] >= '1' && d[p.pos] <= '9':
		p.digits()
	default:
		return nil, p.fail("want a digit")
	}
	if p.pos < len(d) && d[p.pos] == '.' {
		p.pos++
		if p.digits() == 0 {
			return nil, p.fail("want a digit after '.'")
		}
	}
	if p.pos < len(d) && (d[p.pos] == 'e' || d[p.pos] == 'E') {
		p.pos++
		if p.pos < len(d) && (d[p.pos] == '+' || d[p.pos] == '-') {
			p.pos++
		}
		if p.digits() == 0 {
			return nil, p.fail("want a digit in the exponent")
		}
	}
	text := string(d[start:p.pos])
	f, err := strconv.ParseFloat(text, 64)
	switch {
	case err != nil && p.strict:
		return nil, &StrictError{Offset: start, Msg: clipNumber(text) + " is beyond the range of a double"}
	case err != nil:
		p.pos = start
		return nil, p.fail("number out of range")
	case p.strict && !sameDecimal(text, strconv.FormatFloat(f, 'e', -1, 64)):
		return nil, &StrictError{Offset: start, Msg: clipNumber(text) + " cannot be carried exactly (a double holds " +
			string(AppendFloat(nil, f)) + ")"}
	}
	return f, nil
}

// clipNumber shortens a number's text for a message.
func clipNumber(s string) string {
	if len(s) > 40 {
		return s[:37] + "..."
	}
	return s
}

// sameDecimal says whether two JSON numbers have the same decimal value.
func sameDecimal(a, b string) bool {
	an, ad, ae := decimal(a)
	bn, bd, be := decimal(b)
	if ad == "" || bd == "" { // zero, whatever its sign
		return ad == bd
	}
	return an == bn && ad == bd && ae == be
}

// decimal reads a JSON number as sign, significant digits (no leading or
// trailing zeros; "" for zero) and the exponent e of 0.digits × 10^e.
// Exponents beyond ±1e9 saturate: no double is that far out.
func decimal(s string) (neg bool, digits string, exp int) {
	if s != "" && s[0] == '-' {
		neg, s = true, s[1:]
	}
	mant := s
	e := 0
	if i := indexAny(s, "eE"); i >= 0 {
		mant = s[:i]
		rest := s[i+1:]
		sign := 1
		if rest != "" && (rest[0] == '+' || rest[0] == '-') {
			if rest[0] == '-' {
				sign = -1
			}
			rest = rest[1:]
		}
		for i := 0; i < len(rest); i++ {
			if e < 1e9 {
				e = e*10 + int(rest[i]-'0')
			}
		}
		e *= sign
	}
	intPart, frac := mant, ""
	if i := indexAny(mant, "."); i >= 0 {
		intPart, frac = mant[:i], mant[i+1:]
	}
	all := intPart + frac
	exp = e + len(intPart)
	for all != "" && all[0] == '0' {
		all = all[1:]
		exp--
	}
	for all != "" && all[len(all)-1] == '0' {
		all = all[:len(all)-1]
	}
	return neg, all, exp
}

// indexAny is strings.IndexAny, which this package does not import.
func indexAny(s, chars string) int {
	for i := 0; i < len(s); i++ {
		for j := 0; j < len(chars); j++ {
			if s[i] == chars[j] {
				return i
			}
		}
	}
	return -1
}

func (p *parser) digits() int {
	n := 0
	for p.pos < len(p.data) && p.data[p.pos] >= '0' && p.data[p.pos] <= '9' {
		p.pos++
		n++
	}
	return n
}

func (p *parser) string() (string, error) {
	p.pos++ // opening quote
	start := p.pos
	// Fast path: no escapes and valid UTF-8 need no copy beyond the string.
	for p.pos < len(p.data) {
		c := p.data[p.pos]
		if c == '"' {
			s := p.data[start:p.pos]
			if utf8.Valid(s) {
				p.pos++
				return string(s), nil
			}
			break
		}
		if c == '\\' || c < 0x20 {
			break
		}
		p.pos++
	}
	p.pos = start
	var b []byte
	for {
		if p.pos >= len(p.data) {
			return "", p.fail("unterminated string")
		}
		c := p.data[p.pos]
		switch {
		case c == '"':
			p.pos++
			return string(b), nil
		case c < 0x20:
			return "", p.fail("control character in a string")
		case c == '\\':
			r, err := p.escape()
			if err != nil {
				return "", err
			}
			b = utf8.AppendRune(b, r)
		case c < utf8.RuneSelf:
			b = append(b, c)
			p.pos++
		default:
			r, size := utf8.DecodeRune(p.data[p.pos:])
			b = utf8.AppendRune(b, r) // RuneError for invalid bytes, as encoding/json
			p.pos += size
		}
	}
}

// escape decodes the escape sequence at p.pos, which holds the backslash.
func (p *parser) escape() (rune, error) {
	if p.pos+1 >= len(p.data) {
		return 0, p.fail("unterminated escape")
	}
	c := p.data[p.pos+1]
	p.pos += 2
	switch c {
	case '"', '\\', '/':
		return rune(c), nil
	case 'b':
		return '\b', nil
	case 'f':
		return '\f', nil
	case 'n':
		return '\n', nil
	case 'r':
		return '\r', nil
	case 't':
		return '\t', nil
	case 'u':
		r, ok := p.hex4()
		if !ok {
			return 0, p.fail("want four hex digits after \\u")
		}
		if utf16.IsSurrogate(r) {
			// A high surrogate pairs with a following \u low surrogate; an
			// unpaired one becomes U+FFFD, as encoding/json does.
			save := p.pos
			if p.pos+1 < len(p.data) && p.data[p.pos] == '\\' && p.data[p.pos+1] == 'u' {
				p.pos += 2
				if r2, ok := p.hex4(); ok {
					if dec := utf16.DecodeRune(r, r2); dec != utf8.RuneError {
						return dec, nil
					}
				}
			}
			p.pos = save
			return utf8.RuneError, nil
		}
		return r, nil
	default:
		p.pos--
		return 0, p.fail("invalid escape")
	}
}

func (p *parser) hex4() (rune, bool) {
	if len(p.data)-p.pos < 4 {
		return 0, false
	}
	var r rune
	for _, c := range p.data[p.pos : p.pos+4] {
		switch {
		case c >= '0' && c <= '9':
			c -= '0'
		case c >= 'a' && c <= 'f':
			c = c - 'a' + 10
		case c >= 'A' && c <= 'F':
			c = c - 'A' + 10
		default:
			return 0, false
		}
		r = r<<4 | rune(c)
	}
	p.pos += 4
	return r, true
}
