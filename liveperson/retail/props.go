package retail

import (
	"math"
	"strconv"
	"strings"

	"github.com/lpedge/lpedge/liveperson"

	"github.com/lpedge/lpedge/internal/jsonv"
)

// A PropertyError reports an event property or a user trait that has the
// wrong type or value, e.g.
// "Product Viewed: price: want a number, got a string (\"49.99\")".
type PropertyError struct {
	Event    string // the event's canonical name, or "identify"
	Property string // path of the property, e.g. "price" or "products[2].quantity"
	Problem  string // what is wrong
}

func (e *PropertyError) Error() string { return e.Event + ": " + e.Property + ": " + e.Problem }

// reader reads event properties or traits and keeps the first problem it
// finds in *err, so that mapping code reads straight through and checks
// once at the end.
type reader struct {
	event string
	path  string // prefix of property names in errors, e.g. "products[2]."
	m     map[string]any
	err   *error
}

func (r reader) fail(key, problem string) {
	if *r.err == nil {
		*r.err = &PropertyError{Event: r.event, Property: r.path + key, Problem: problem}
	}
}

// get returns the first of keys whose value is present and not null: JSON
// null means absent, as LivePerson treats it.
func (r reader) get(keys ...string) (string, any) {
	for _, k := range keys {
		if v := r.m[k]; v != nil {
			return k, v
		}
	}
	return "", nil
}

func (r reader) wrong(key string, want liveperson.Kind, v any) {
	r.fail(key, "want "+want.String()+", got "+jsonv.Describe(v))
}

// str reads a string; "" when absent.
func (r reader) str(keys ...string) string {
	k, v := r.get(keys...)
	s, ok := v.(string)
	if !ok && v != nil {
		r.wrong(k, liveperson.String, v)
	}
	return s
}

// id reads an identifier: a string, or an integer (shops often send
// numeric product and order ids), written in decimal.
func (r reader) id(keys ...string) string {
	k, v := r.get(keys...)
	if v == nil {
		return ""
	}
	if s, ok := v.(string); ok {
		return s
	}
	if n, ok := jsonv.Number(v); ok && n == math.Trunc(n) && math.Abs(n) <= 1<<53 {
		return strconv.FormatFloat(n, 'f', -1, 64)
	}
	r.fail(k, "want a string or an integer, got "+jsonv.Describe(v))
	return ""
}

// num reads a finite number.
func (r reader) num(keys ...string) (float64, bool) {
	k, v := r.get(keys...)
	if v == nil {
		return 0, false
	}
	n, ok := jsonv.Number(v)
	if !ok || math.IsNaN(n) || math.IsInf(n, 0) {
		r.wrong(k, liveperson.Double, v)
		return 0, false
	}
	return n, true
}

// integer reads a whole number from min to math.MaxInt32 (LivePerson's int).
func (r reader) integer(key string, min int) (int, bool) {
	v := r.m[key]
	if v == nil {
		return 0, false
	}
	n, ok := jsonv.Number(v)
	if !ok || n != math.Trunc(n) { // NaN fails here too
		r.wrong(key, liveperson.Int, v)
		return 0, false
	}
	if n < float64(min) || n > math.MaxInt32 {
		r.fail(key, jsonv.Describe(n)+" is out of range ("+strconv.Itoa(min)+" to "+strconv.Itoa(math.MaxInt32)+")")
		return 0, false
	}
	return int(n), true
}

// oneOf reads a string from enum, matched ignoring case, and returns its
// canonical spelling.
func (r reader) oneOf(enum []string, keys ...string) string {
	s := r.str(keys...)
	if s == "" {
		return ""
	}
	for _, e := range enum {
		if strings.EqualFold(e, s) {
			return e
		}
	}
	k, _ := r.get(keys...)
	r.fail(k, strconv.Quote(s)+" is not one of "+strings.Join(enum, ", "))
	return ""
}

// object reads a nested object.
func (r reader) object(key string) (reader, bool) {
	v := r.m[key]
	m, ok := v.(map[string]any)
	if !ok && v != nil {
		r.wrong(key, liveperson.Object, v)
	}
	return reader{event: r.event, path: r.path + key + ".", m: m, err: r.err}, ok
}

// list reads an array of objects.
func (r reader) list(key string) ([]reader, bool) {
	v := r.m[key]
	if v == nil {
		return nil, false
	}
	a, ok := v.([]any)
	if !ok {
		r.wrong(key, liveperson.Array, v)
		return nil, false
	}
	out := make([]reader, len(a))
	for i, e := range a {
		p := r.path + key + "[" + strconv.Itoa(i) + "]"
		m, ok := e.(map[string]any)
		if !ok {
			r.fail(p[len(r.path):], "want an object, got "+jsonv.Describe(e))
			return nil, false
		}
		out[i] = reader{event: r.event, path: p + ".", m: m, err: r.err}
	}
	return out, true
}

// date reads an ISO 8601 date ("2015-02-23" or a date-time starting with
// one, as Segment sends createdAt and birthday) into LivePerson's
// {year, month, day}.
func (r reader) date(keys ...string) map[string]any {
	s := r.str(keys...)
	if s == "" {
		return nil
	}
	y, errY := strconv.Atoi(prefix(s, 0, 4))
	m, errM := strconv.Atoi(prefix(s, 5, 7))
	d, errD := strconv.Atoi(prefix(s, 8, 10))
	if errY != nil || errM != nil || errD != nil || s[4] != '-' || s[7] != '-' || (len(s) > 10 && s[10] != 'T' && s[10] != ' ') ||
		m < 1 || m > 12 || d < 1 || d > 31 {
		k, _ := r.get(keys...)
		r.fail(k, "want an ISO 8601 date (YYYY-MM-DD), got "+jsonv.Describe(s))
		return nil
	}
	return map[string]any{"year": float64(y), "month": float64(m), "day": float64(d)}
}

// prefix returns s[i:j] when those are all digits, else "" (so Atoi fails).
func prefix(s string, i, j int) string {
	if len(s) < j {
		return ""
	}
	for _, c := range []byte(s[i:j]) {
		if c < '0' || c > '9' {
			return ""
		}
	}
	return s[i:j]
}

// set stores v under key unless it is empty, so absent inputs stay absent.
func set(m map[string]any, key, v string) {
	if v != "" {
		m[key] = v
	}
}
