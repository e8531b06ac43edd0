package jsonv_test

import (
	"encoding/json"
	"errors"
	"math"
	"reflect"
	"runtime"
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
