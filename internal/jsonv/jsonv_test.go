package jsonv_test

import (
	"bytes"
	"encoding/json"
	"errors"
	"io"
	"math"
	"math/big"
	"reflect"
	"runtime"
	"strconv"
	"strings"
	"testing"

	"github.com/lpedge/lpedge/internal/jsonv"
)

// exactOffsets: the parser written here names the byte of every problem;
// in the browser build, JSON.parse names none (SyntaxError.Offset -1).
const exactOffsets = runtime.GOOS != "js"

func TestParse(t *testing.T) {
	tests := []struct {
		in   string
		want any
	}{
		{`null`, nil},
		{` true `, true},
		{`false`, false},
		{`0`, 0.0},
		{`-12.5e2`, -1250.0},
		{`"a\"b\\c\/\b\f\n\r\t\u00e9\ud83d\ude00"`, "a\"b\\c/\b\f\n\r\té😀"},
		{`"\ud83d"`, "\ufffd"},
		{`"\ud83dx"`, "\ufffdx"},
		{"\"\xff\"", "\ufffd"},
		{"\"\xe2\x82!\"", "\ufffd\ufffd!"}, // a broken sequence: one U+FFFD per byte, as encoding/json
		{`[]`, []any{}},
		{`{}`, map[string]any{}},
		{`{"a":[1,{"b":null}],"a":2}`, map[string]any{"a": 2.0}},
		{`[1, "x" , {"k" : [true]}]`, []any{1.0, "x", map[string]any{"k": []any{true}}}},
	}
	for _, tt := range tests {
		t.Run(tt.in, func(t *testing.T) {
			got, err := jsonv.Parse([]byte(tt.in))
			if err != nil {
				t.Fatalf("Parse: %v", err)
			}
			if !reflect.DeepEqual(got, tt.want) {
				t.Errorf("Parse = %#v, want %#v", got, tt.want)
			}
		})
	}
}

func TestParseErrors(t *testing.T) {
	tests := []struct {
		in     string
		offset int
	}{
		{``, 0},
		{`nul`, 0},
		{`01`, 1},
		{`-`, 1},
		{`1.`, 2},
		{`1e`, 2},
		{`1e999`, 0},
		{`"abc`, 4},
		{"\"a\x01\"", 2},
		{`"\x"`, 2},
		{`"\u12"`, 3},
		{`[1,]`, 3},
		{`[1 2]`, 3},
		{`{"a" 1}`, 5},
		{`{"a":1,}`, 7},
		{`{1:2}`, 1},
		{`{} x`, 3},
	}
	for _, tt := range tests {
		t.Run(tt.in, func(t *testing.T) {
			_, err := jsonv.Parse([]byte(tt.in))
			var se *jsonv.SyntaxError
			if !errors.As(err, &se) {
				t.Fatalf("Parse(%q) error = %v, want a *SyntaxError", tt.in, err)
			}
			want := tt.offset
			if !exactOffsets {
				want = -1
			}
			if se.Offset != want {
				t.Errorf("offset = %d, want %d (%v)", se.Offset, want, err)
			}
			if json.Valid([]byte(tt.in)) && tt.in != `1e999` {
				t.Errorf("encoding/json accepts %q", tt.in)
			}
		})
	}
}

func TestParseDepth(t *testing.T) {
	ok := make([]byte, 0, 2*jsonv.MaxDepth)
	for range jsonv.MaxDepth {
		ok = append(ok, '[')
	}
	for range jsonv.MaxDepth {
		ok = append(ok, ']')
	}
	if _, err := jsonv.Parse(ok); err != nil {
		t.Fatalf("depth %d: %v", jsonv.MaxDepth, err)
	}
	deep := append([]byte{'['}, ok...)
	deep = append(deep, ']')
	if _, err := jsonv.Parse(deep); err == nil {
		t.Fatalf("depth %d parsed, want an error", jsonv.MaxDepth+1)
	}
}

func TestAppend(t *testing.T) {
	tests := []struct {
		in   any
		want string
	}{
		{nil, `null`},
		{map[string]any{"b": 1.5, "a": []any{true, nil, "x"}}, `{"a":[true,null,"x"],"b":1.5}`},
		{[]string{"a", "b"}, `["a","b"]`},
		{map[string]string{"z": "1", "y": "2"}, `{"y":"2","z":"1"}`},
		{"<&>\u2028\x00\"\\\n\r\t\xff", `"<&>\u2028\u0000\"\\\n\r\t` + "\ufffd" + `"`},
		{1e21, `1e+21`},
		{1e-7, `1e-07`},
		{100.0, `100`},
		{int64(-3), `-3`},
		{int32(7), `7`},
		{42, `42`},
		{math.NaN(), `null`},
		{math.Inf(-1), `null`},
		{struct{}{}, `null`},
	}
	for _, tt := range tests {
		got := string(jsonv.Append(nil, tt.in))
		if got != tt.want {
			t.Errorf("Append(%#v) = %s, want %s", tt.in, got, tt.want)
		}
	}
}

// FuzzParse checks Parse against encoding/json: both accept the same
// inputs, decode them to the same value, and Append writes what both parse
// back to that value.
func FuzzParse(f *testing.F) {
	for _, s := range []string{`{"type":"cart","total":1,"products":[{"product":{"name":"x"}}]}`,
		`[1,2.5e3,-0,"\u00e9\ud800",true,false,null]`, `"\\\"\/"`, `{"a":{"b":{"c":[]}}}`, "\"\xff\xfe\"", `1e400`} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		got, err := jsonv.Parse(data)
		var want any
		stdErr := json.Unmarshal(data, &want)
		if (err == nil) != (stdErr == nil) {
			// Nesting deeper than MaxDepth is our only intended difference.
			var se *jsonv.SyntaxError
			if errors.As(err, &se) && se.Msg == "nested too deeply" {
				return
			}
			t.Fatalf("Parse error %v, encoding/json error %v", err, stdErr)
		}
		if err != nil {
			return
		}
		if !reflect.DeepEqual(got, want) {
			t.Fatalf("Parse = %#v, encoding/json = %#v", got, want)
		}
		out := jsonv.Append(nil, got)
		var back any
		if err := json.Unmarshal(out, &back); err != nil {
			t.Fatalf("Append wrote invalid JSON %q: %v", out, err)
		}
		if !reflect.DeepEqual(back, want) {
			t.Fatalf("round trip = %#v, want %#v", back, want)
		}
	})
}

func TestDescribe(t *testing.T) {
	for v, want := range map[any]string{nil: "null", true: "true", 1.5: "1.5", 7: "7", float32(0.5): "0.5",
		"abc": `a string ("abc")`, struct{}{}: "a non-JSON value"} {
		if got := jsonv.Describe(v); got != want {
			t.Errorf("Describe(%#v) = %q, want %q", v, got, want)
		}
	}
	long := "0123456789012345678901234567890123456789XYZ"
	if got := jsonv.Describe(long); got != `a string ("0123456789012345678901234567890123456789...")` {
		t.Errorf("Describe(long) = %q", got)
	}
	if jsonv.Describe([]any{}) != "an array" || jsonv.Describe([]string{}) != "an array" || jsonv.Describe(map[string]any{}) != "an object" {
		t.Error("Describe of containers")
	}
	if _, ok := jsonv.Number("1"); ok {
		t.Error(`Number("1") is a number`)
	}
}

func TestParseStrict(t *testing.T) {
	accepted := []struct {
		in   string
		want any
	}{
		{`{"total":11.70}`, map[string]any{"total": 11.7}},
		{`0.1`, 0.1},
		{`9007199254740992`, 9007199254740992.0},
		{`-9007199254740992`, -9007199254740992.0},
		{`1e2`, 100.0},
		{`-0`, math.Copysign(0, -1)},
		{`0e99999999999`, 0.0},
		{`1.5e-7`, 1.5e-7},
		{`1.7976931348623157e308`, math.MaxFloat64},
		{`[{"a":1},{"a":2}]`, []any{map[string]any{"a": 1.0}, map[string]any{"a": 2.0}}},
		{`{"a":{"a":1}}`, map[string]any{"a": map[string]any{"a": 1.0}}},
	}
	for _, tt := range accepted {
		got, err := jsonv.ParseStrict([]byte(tt.in))
		if err != nil || !reflect.DeepEqual(got, tt.want) {
			t.Errorf("ParseStrict(%s) = %#v, %v; want %#v", tt.in, got, err, tt.want)
		}
	}
	refused := []struct{ in, err string }{
		{`{"id":9007199254740993}`, `id: 9007199254740993 cannot be carried exactly (a double holds 9007199254740992)`},
		{`{"sdes":[{"type":"cart","total":1e-400}]}`, `sdes[0].total: 1e-400 cannot be carried exactly (a double holds 0)`},
		{`[1e400]`, `[0]: 1e400 is beyond the range of a double`},
		{`-1e400`, `-1e400 is beyond the range of a double`},
		{`1.00000000000000001`, `1.00000000000000001 cannot be carried exactly (a double holds 1)`},
		{`{"total":1,"total":2}`, `total: is given twice in one object`},
		{`{"a":[{"b":{"c":1,"c":1}}]}`, `a[0].b.c: is given twice in one object`},
		{`{"a":1,"\u0061":1}`, `a: is given twice in one object`},
	}
	for _, tt := range refused {
		_, err := jsonv.ParseStrict([]byte(tt.in))
		var se *jsonv.StrictError
		if !errors.As(err, &se) || err.Error() != tt.err {
			t.Errorf("ParseStrict(%s) error = %v, want *StrictError %q", tt.in, err, tt.err)
		}
		if _, err := jsonv.Parse([]byte(tt.in)); err != nil && !strings.Contains(tt.err, "range") {
			t.Errorf("Parse(%s) = %v: only ParseStrict refuses it", tt.in, err)
		}
	}
	// Syntax errors stay syntax errors.
	var se *jsonv.SyntaxError
	if _, err := jsonv.ParseStrict([]byte(`{"a":1,}`)); !errors.As(err, &se) {
		t.Errorf("ParseStrict of invalid JSON: %v, want a *SyntaxError", err)
	}
}

// FuzzParseStrict checks ParseStrict against encoding/json's tokens: it
// accepts exactly the JSON whose objects have no key twice and whose
// numbers Append writes back with the same value (big.Rat compares them).
func FuzzParseStrict(f *testing.F) {
	for _, s := range []string{`{"total":11.70,"id":9007199254740993}`, `{"a":1,"a":2}`, `[1e-400,0.1,-0]`,
		`{"a":{"b":1},"c":{"b":2}}`, `1.00000000000000001`, `123456789012345678901234567890`} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		got, err := jsonv.ParseStrict(data)
		loose, looseErr := jsonv.Parse(data)
		var se *jsonv.StrictError
		if looseErr != nil {
			if err == nil {
				t.Fatalf("ParseStrict accepted what Parse refuses: %v", looseErr)
			}
			return
		}
		want, decidable := strictOracle(data)
		if !decidable {
			return
		}
		switch {
		case want && err != nil:
			t.Fatalf("ParseStrict refused %q: %v", data, err)
		case !want && !errors.As(err, &se):
			t.Fatalf("ParseStrict(%q) = %v, want a *StrictError", data, err)
		case want && !reflect.DeepEqual(got, loose):
			t.Fatalf("ParseStrict = %#v, Parse = %#v", got, loose)
		}
	})
}

// strictOracle says whether ParseStrict should accept data, which
// encoding/json accepts; decidable is false for exponents too large for
// big.Rat to take in reasonable time.
func strictOracle(data []byte) (ok, decidable bool) {
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.UseNumber()
	type frame struct {
		keys  map[string]bool
		isKey bool // the next string token is a key
	}
	var stack []*frame
	ok = true
	for {
		tok, err := dec.Token()
		if err == io.EOF {
			return ok, true
		}
		if err != nil {
			return false, false
		}
		top := (*frame)(nil)
		if len(stack) > 0 {
			top = stack[len(stack)-1]
		}
		switch v := tok.(type) {
		case json.Delim:
			switch v {
			case '{':
				stack = append(stack, &frame{keys: map[string]bool{}, isKey: true})
				continue
			case '[':
				stack = append(stack, &frame{})
				continue
			default:
				stack = stack[:len(stack)-1]
			}
		case string:
			if top != nil && top.keys != nil && top.isKey {
				if top.keys[v] {
					ok = false
				}
				top.keys[v] = true
				top.isKey = false
				continue
			}
		case json.Number:
			s := string(v)
			if i := strings.IndexAny(s, "eE"); i >= 0 && len(strings.TrimLeft(s[i+1:], "+-0")) > 3 {
				return false, false
			}
			in, okIn := new(big.Rat).SetString(s)
			f, _ := strconv.ParseFloat(s, 64)
			if math.IsInf(f, 0) {
				ok = false
				break
			}
			out, okOut := new(big.Rat).SetString(string(jsonv.AppendFloat(nil, f)))
			if !okIn || !okOut {
				return false, false
			}
			if in.Cmp(out) != 0 {
				ok = false
			}
		}
		if top != nil && top.keys != nil {
			top.isKey = true // a value ended: a key comes next
		}
	}
}
