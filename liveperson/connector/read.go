package connector

import (
	"math"
	"slices"
	"strconv"
	"strings"

	"github.com/lpedge/lpedge/internal/jsonv"
)

// object is a decoded JSON object read member by member; path locates it
// in the body for errors.
type object struct {
	path string
	m    map[string]any
}

func asObject(path string, v any) (object, error) {
	m, ok := v.(map[string]any)
	if !ok {
		return object{}, bad(path, "want an object, got "+jsonv.Describe(v))
	}
	return object{path, m}, nil
}

// decodeObject parses a body that must be one JSON object.
func decodeObject(data []byte) (object, error) {
	v, err := jsonv.Parse(data)
	if err != nil {
		return object{}, err
	}
	return asObject("$", v)
}

func (o object) at(key string) string { return o.path + "." + key }

// only rejects members other than keys. The request readers are strict so
// that a misspelt or misplaced field (BotBuilder's sample puts skillId
// beside body) is an error instead of being silently ignored; response
// readers are not, as LivePerson asks clients to accept new attributes.
func (o object) only(keys ...string) error {
	var unknown []string
	for k := range o.m {
		if !slices.Contains(keys, k) {
			unknown = append(unknown, k)
		}
	}
	if len(unknown) == 0 {
		return nil
	}
	return bad(o.at(slices.Min(unknown)), "is not a member here (want "+strings.Join(keys, ", ")+")")
}

// get returns a member; null counts as absent, as in the liveperson package.
func (o object) get(key string) (any, bool) {
	v := o.m[key]
	return v, v != nil
}

func (o object) str(key string) (string, error) {
	v, ok := o.get(key)
	if !ok {
		return "", nil
	}
	s, isStr := v.(string)
	if !isStr {
		return "", bad(o.at(key), "want a string, got "+jsonv.Describe(v))
	}
	return s, nil
}

// id reads an identifier. LivePerson's own examples write ids both as
// strings and as numbers ("id":1 in the close example, skillId -1 and
// interactionContextId 2 in its demo app), so an integer is taken as its
// decimal digits.
func (o object) id(key string) (string, error) {
	v, ok := o.get(key)
	if !ok {
		return "", nil
	}
	if s, isID := idOf(v); isID {
		return s, nil
	}
	return "", bad(o.at(key), "want a string or an integer, got "+jsonv.Describe(v))
}

func idOf(v any) (string, bool) {
	switch v := v.(type) {
	case string:
		return v, true
	case float64:
		if v == math.Trunc(v) && math.Abs(v) <= 1<<53 {
			return strconv.FormatInt(int64(v), 10), true
		}
	}
	return "", false
}

// is checks that a required member holds exactly want.
func (o object) is(key, want string) error {
	v, ok := o.get(key)
	if !ok {
		return bad(o.at(key), "is required (want "+strconv.Quote(want)+")")
	}
	if s, _ := v.(string); s != want {
		return bad(o.at(key), "want "+strconv.Quote(want)+", got "+jsonv.Describe(v))
	}
	return nil
}

// obj reads a member object; ok is false when it is absent.
func (o object) obj(key string) (sub object, ok bool, err error) {
	v, ok := o.get(key)
	if !ok {
		return object{}, false, nil
	}
	sub, err = asObject(o.at(key), v)
	return sub, err == nil, err
}

// reqObj reads a member object that must be present.
func (o object) reqObj(key string) (object, error) {
	sub, ok, err := o.obj(key)
	if err == nil && !ok {
		err = bad(o.at(key), "is required")
	}
	return sub, err
}

// strs reads a member array of strings.
func (o object) strs(key string) ([]string, error) {
	v, ok := o.get(key)
	if !ok {
		return nil, nil
	}
	list, isList := v.([]any)
	if !isList {
		return nil, bad(o.at(key), "want an array of strings, got "+jsonv.Describe(v))
	}
	out := make([]string, len(list))
	for i, e := range list {
		s, isStr := e.(string)
		if !isStr {
			return nil, bad(o.at(key)+"["+strconv.Itoa(i)+"]", "want a string, got "+jsonv.Describe(e))
		}
		out[i] = s
	}
	return out, nil
}

// ints reads a member array of integers that JSON carries exactly
// (within ±2^53); absent is nil.
func (o object) ints(key string) ([]int64, error) {
	v, ok := o.get(key)
	if !ok {
		return nil, nil
	}
	list, isList := v.([]any)
	if !isList {
		return nil, bad(o.at(key), "want an array of integers, got "+jsonv.Describe(v))
	}
	out := make([]int64, len(list))
	for i, e := range list {
		n, isInt := exactInt(e)
		if !isInt {
			return nil, bad(o.at(key)+"["+strconv.Itoa(i)+"]", "want an integer, got "+jsonv.Describe(e))
		}
		out[i] = n
	}
	return out, nil
}

// int64 reads a member integer within ±2^53; ok is false when absent.
func (o object) int64(key string) (n int64, ok bool, err error) {
	v, ok := o.get(key)
	if !ok {
		return 0, false, nil
	}
	if n, isInt := exactInt(v); isInt {
		return n, true, nil
	}
	return 0, false, bad(o.at(key), "want an integer, got "+jsonv.Describe(v))
}

func exactInt(v any) (int64, bool) {
	n, isNum := v.(float64)
	if !isNum || n != math.Trunc(n) || math.Abs(n) > 1<<53 {
		return 0, false
	}
	return int64(n), true
}

// int reads a member integer that fits an int32; absent is 0.
func (o object) int(key string) (int, error) {
	v, ok := o.get(key)
	if !ok {
		return 0, nil
	}
	n, isNum := v.(float64)
	if !isNum || n != math.Trunc(n) || math.Abs(n) > math.MaxInt32 {
		return 0, bad(o.at(key), "want an integer, got "+jsonv.Describe(v))
	}
	return int(n), nil
}

// oneOf checks that a required string value is one of want.
func oneOf(path, v string, want []string) error {
	switch {
	case v == "":
		return bad(path, "is required (want "+strings.Join(want, " or ")+")")
	case !slices.Contains(want, v):
		return bad(path, "want "+strings.Join(want, " or ")+", got "+strconv.Quote(v))
	}
	return nil
}
