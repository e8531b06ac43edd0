package retail

import (
	"math"
	"strconv"

	"github.com/lpedge/lpedge/internal/jsonv"
	"github.com/lpedge/lpedge/internal/text"
)

// A PropertyError reports an event property or a user trait that has the
// wrong type or value, e.g. `price: want a number, got a string ("49.99")`.
// Its message names the property, not the call, which the caller names
// (the tag: `lpedge: track("Product Viewed"): price: ...`).
type PropertyError struct {
	_        [0]func() // not comparable: no generated equality function in the tag (make size)
	Event    string    // the event's canonical name, or "identify"
	Property string    // path of the property, e.g. "price" or "products[2].quantity"
	Problem  string    // what is wrong
}

func (e *PropertyError) Error() string { return e.Property + ": " + e.Problem }

// A rule copies one property to one member of an SDE. The preset's
// mappings are tables of rules that [reader.fill] applies in order, so
// that the first problem found is the one reported.
type rule struct {
	to   string    // dotted path of the member written, e.g. "lead.topic"
	kind kind      // what the property must hold
	from []string  // dotted paths of the properties read, best first
	enum *[]string // for a string: the values allowed, matched ignoring case
}

// A kind is what a property must hold.
type kind uint8

const (
	kString kind = iota // a string; "" is absent
	kNumber             // a finite number
	kCount              // a whole number from 0 to math.MaxInt32 (LivePerson's int)
	kID                 // a string, or an integer (shops send numeric ids) written in decimal
	kDate               // an ISO 8601 date string, written as LivePerson's {year, month, day}
)

// kindNames name the kinds in errors: "want a number, got ...".
var kindNames = [...]string{kString: "a string", kNumber: "a number", kCount: "an integer",
	kID: "a string or an integer", kDate: "an ISO 8601 date (YYYY-MM-DD)"}

// reader reads event properties or traits and keeps the first problem it
// finds in *err, so that mapping code reads straight through and checks
// once at the end.
type reader struct {
	event string         // PropertyError.Event
	m     map[string]any // the properties; nil reads as empty
	d     *dialect       // the properties' names; nil for traits
	item  int            // for products[i], i+1; else 0
	err   *error
}

func (r *reader) fail(key, problem string) {
	if *r.err == nil {
		if r.item > 0 {
			key = r.d.list + "[" + strconv.Itoa(r.item-1) + "]." + key
		}
		*r.err = &PropertyError{Event: r.event, Property: key, Problem: problem}
	}
}

// read returns the first property of ru.from that is present, checked as
// ru.kind and in its wire form (a string, a float64 or a date object), or
// nil when there is none or it is wrong.
func (r *reader) read(ru *rule) any {
	var key string
	var v any
	for _, key = range ru.from {
		m, k := at(r.m, key, false, r)
		if v = m[k]; v != nil { // JSON null means absent, as LivePerson treats it
			break
		}
	}
	if v == nil {
		return nil
	}
	want, problem := ru.kind, ""
	s, isStr := v.(string)
	if isStr && (want == kNumber || want == kCount) && r.d != nil && r.d.loose {
		// "11.99" and " 1 " read as JSON numbers; JSON.parse in the
		// browser, so the tag links no parser of its own.
		if f, err := jsonv.Parse([]byte(s)); err == nil {
			if _, ok := f.(float64); ok {
				v, isStr = f, false
			}
		}
	}
	n, isNum := jsonv.Number(v)
	switch {
	case isStr && want != kNumber && want != kCount:
		if s == "" {
			return nil
		}
		if want == kDate {
			if d := isoDate(s); d != nil {
				return d
			}
		} else if ru.enum == nil {
			return v
		} else if i := text.IndexFold(*ru.enum, s); i >= 0 {
			return (*ru.enum)[i]
		} else {
			problem = jsonv.Quote(s) + " is not one of " + text.Join(*ru.enum, ", ")
		}
	case want == kString || want == kDate:
		want = kString
	case !isNum:
	case want == kID:
		if n == math.Trunc(n) && math.Abs(n) <= 1<<53 {
			return jsonv.Describe(v) // the number in decimal, as JSON writes it
		}
	case want == kNumber:
		if math.Abs(n) <= math.MaxFloat64 { // finite
			return n
		}
	case n != math.Trunc(n): // a kCount that is not whole, or NaN
	case n < 0 || n > math.MaxInt32:
		problem = jsonv.Describe(v) + " is out of range (0 to 2147483647)"
	default:
		return float64(int(n)) // not n: -0 is 0
	}
	if problem == "" {
		problem = "want " + kindNames[want] + ", got " + jsonv.Describe(v)
	}
	r.fail(key, problem)
	return nil
}

// fill applies rules in order, writing what they read to dst. A rule whose
// member is already written is skipped, property and all.
func (r *reader) fill(dst map[string]any, rules []rule) {
	for i := range rules {
		ru := &rules[i]
		if m, k := at(dst, ru.to, false, nil); m[k] != nil {
			continue
		}
		if v := r.read(ru); v != nil {
			m, k := at(dst, ru.to, true, nil)
			m[k] = v
		}
	}
}

// at returns the object that holds the last member of a dotted path in m,
// and that member's name. With create, it makes the objects on the way;
// without, a missing one is nil, which reads as empty. A reader, if given,
// reports something other than an object on the way, and at returns nil.
func at(m map[string]any, path string, create bool, r *reader) (map[string]any, string) {
	j := 0
	for i := 0; i < len(path); i++ {
		if path[i] == '.' {
			v := m[path[j:i]]
			next, ok := v.(map[string]any)
			if !ok && v != nil && r != nil {
				r.fail(path[:i], "want an object, got "+jsonv.Describe(v))
				return nil, ""
			}
			if next == nil && create {
				next = object()
				m[path[j:i]] = next
			}
			m, j = next, i+1
		}
	}
	return m, path[j:]
}

// put writes s at the dotted path in m, unless s is empty.
func put(m map[string]any, path, s string) {
	if s != "" {
		m, k := at(m, path, true, nil)
		m[k] = s
	}
}

// products reads the event's products[]: a reader for each, which must be
// an object.
func (r *reader) products() ([]*reader, bool) {
	v := r.m[r.d.list]
	a, ok := v.([]any)
	if !ok {
		if v != nil {
			r.fail(r.d.list, "want an array, got "+jsonv.Describe(v))
		}
		return nil, false
	}
	out := make([]*reader, len(a))
	for i, e := range a {
		m, ok := e.(map[string]any)
		if !ok {
			r.fail(r.d.list+"["+strconv.Itoa(i)+"]", "want an object, got "+jsonv.Describe(e))
			return nil, false
		}
		c := *r // the event, and where problems go
		c.m, c.item = m, i+1
		out[i] = &c
	}
	return out, true
}

// isoDate reads an ISO 8601 date ("2015-02-23", or a date-time starting
// with one, as Segment sends createdAt and birthday) into LivePerson's
// {year, month, day}; nil if s is none.
func isoDate(s string) map[string]any {
	if len(s) < 10 || len(s) > 10 && s[10] != 'T' && s[10] != ' ' {
		return nil
	}
	var ymd [3]int
	for i, c := range []byte(s[:10]) {
		switch {
		case i == 4 || i == 7:
			if c != '-' {
				return nil
			}
		case c < '0' || c > '9':
			return nil
		default:
			ymd[i/4] = ymd[i/4]*10 + int(c-'0') // digits 0-3, 5-6 and 8-9
		}
	}
	if ymd[1] < 1 || ymd[1] > 12 || ymd[2] < 1 || ymd[2] > 31 {
		return nil
	}
	d := object()
	for i, name := range [...]string{"year", "month", "day"} {
		d[name] = float64(ymd[i])
	}
	return d
}

// object makes a JSON object of keys and values that alternate in kv,
// leaving out nil and "" values, so that absent inputs stay absent. One
// function that makes them all costs the tag less code than map literals.
func object(kv ...any) map[string]any {
	m := make(map[string]any, len(kv)/2)
	for i := 0; i < len(kv); i += 2 {
		if v := kv[i+1]; v != nil && v != "" {
			m[kv[i].(string)] = v
		}
	}
	return m
}

// The members that Map reads for some event and that Identify reads, as
// words between spaces: the first segments of their rules' paths
// (TestReadKeys checks them against the rule tables). Segment events
// carry custom properties, so another member is no mistake in itself;
// the tag's loader names those in its debug log (jsglue.Build writes
// these lists into it: the module links none of this).
const (
	PropertiesRead = " sku product_id name product_name category price currency order_id total revenue topic value lead_id query quantity cart_total products "
	TraitsRead     = " company ctype cstatus balance currency socialId imei username userName companySize companyBranch accountName title role lastPaymentDate createdAt created_at registrationDate loginStatus storeZipCode storeNumber firstName first_name firstname lastName last_name lastname name birthday age email phone phone_type phoneType address gender language "
)
