package liveperson

import (
	"math"
	"strconv"

	"github.com/lpedge/lpedge/internal/jsonv"
	"github.com/lpedge/lpedge/internal/text"
)

// An SDE is one validated engagement attribute in its wire form: a JSON
// object (as map[string]any with float64 numbers) whose "type" is a
// reference type name. Values come from [ParseSDE] or [DecodeSDEs], which
// resolve aliases and drop null members, so an SDE is always safe to send.
type SDE map[string]any

// Type returns the SDE's wire type name.
func (s SDE) Type() string { t, _ := s["type"].(string); return t }

// A ValidationError says which field of which input is wrong and why.
type ValidationError struct {
	_ [0]func() // not comparable: no generated equality function in the tag (make size)
	// Index is the position in the list the SDE came from, or -1.
	Index int
	// Field is the dotted path of the offending field, starting with the
	// SDE's type, e.g. "cart.total" or "personal.personal.contacts[0].phoneType".
	Field string
	// Problem says what is wrong, e.g. "is required".
	Problem string
}

func (e *ValidationError) Error() string {
	s := e.Field + ": " + e.Problem
	if e.Index >= 0 {
		s = "sdes[" + strconv.Itoa(e.Index) + "]: " + s
	}
	return s
}

// invalid is the error of the SDE validator; ParseSDEs fills in Index.
func invalid(field, problem string) error {
	return &ValidationError{Index: -1, Field: field, Problem: problem}
}

// ParseSDE validates one engagement attribute, given as a decoded JSON
// object (map[string]any; Go integer types are taken for numbers), and
// returns it in wire form: reference type and field names, enum values in
// their canonical spelling, integer codes converted where the reference
// changed a field's type. Unknown types and fields, wrong value types,
// missing required fields and values outside an enum are errors.
func ParseSDE(v any) (SDE, error) {
	m, isObj := v.(map[string]any)
	tv := m["type"] // nil when v is no object
	name, isStr := tv.(string)
	t := LookupType(name)
	field, problem := "type", ""
	switch {
	case !isObj:
		field, problem = "sde", "want an object, got "+jsonv.Describe(v)
	case tv == nil:
		problem = "is required"
	case !isStr:
		problem = "want a string, got " + jsonv.Describe(tv)
	case t == nil:
		problem = jsonv.Quote(name) + " is not an engagement attribute type (want one of " + typeNames() + ")"
	default:
		out, err := checkObject(t.Name, t.Fields, m, "type")
		if err != nil {
			return nil, err
		}
		out["type"] = t.Name
		return SDE(out), nil
	}
	return nil, invalid(field, problem)
}

// ParseSDEs validates a list of engagement attributes: an array of
// objects, or a single object (as lpTag.sdes.push takes either). A
// [ValidationError] from it carries the index of the bad entry.
func ParseSDEs(v any) ([]SDE, error) {
	list, ok := v.([]any)
	if !ok {
		if _, isObj := v.(map[string]any); !isObj {
			return nil, invalid("sdes", "want an object or an array, got "+jsonv.Describe(v))
		}
		list = []any{v}
	}
	out := make([]SDE, len(list))
	for i, e := range list {
		s, err := ParseSDE(e)
		if err != nil {
			err.(*ValidationError).Index = i
			return nil, err
		}
		out[i] = s
	}
	return out, nil
}

// DecodeSDEs parses JSON text holding one SDE object or an array of them
// and validates it with [ParseSDEs].
func DecodeSDEs(data []byte) ([]SDE, error) {
	v, err := jsonv.Parse(data)
	if err != nil {
		return nil, err
	}
	return ParseSDEs(v)
}

// checkObject validates m against fields and returns the normalized copy.
// skip names one member that the caller handles ("type" at the top).
func checkObject(path string, fields []*Field, m map[string]any, skip string) (map[string]any, error) {
	out := make(map[string]any, len(m))
	for k, v := range m {
		if k == skip && skip != "" {
			continue
		}
		fl := lookupField(fields, k)
		problem := ""
		switch {
		case fl == nil:
			// Said of the object, not as path.k: "cart.cart: is not a
			// field" read as a prefix doubled, for the likeliest case,
			// an SDE's fields nested under its type's name.
			return nil, invalid(path, "has no field "+jsonv.Quote(k)+" (want one of "+fieldNames(fields)+")")
		case v == nil:
			continue // null means absent, as on the LivePerson side
		case out[fl.Name] != nil: // (out holds no nil values)
			problem = "is given twice (also as " + fl.Name + ")"
		default:
			nv, err := checkValue(path+"."+fl.Name, fl, v)
			if err != nil {
				return nil, err
			}
			out[fl.Name] = nv
			continue
		}
		return nil, invalid(path+"."+k, problem)
	}
	for _, fl := range fields {
		if fl.Required && out[fl.Name] == nil {
			return nil, invalid(path+"."+fl.Name, "is required")
		}
	}
	return out, nil
}

// lookupField finds a field by its name or an alias.
func lookupField(fields []*Field, name string) *Field {
	for _, fl := range fields {
		if fl.Name == name {
			return fl
		}
		for _, a := range fl.Aliases {
			if a == name {
				return fl
			}
		}
	}
	return nil
}

// fieldNames lists the names of fields for a message.
func fieldNames(fields []*Field) string {
	s := ""
	for i, fl := range fields {
		if i > 0 {
			s += ", "
		}
		s += fl.Name
	}
	return s
}

// checkValue validates v against fl and returns its wire form. The cases
// end at one exit (objects and array elements return their own errors):
// with wire set when v is valid, else with a problem, or with none when v
// is of the wrong JSON type.
func checkValue(path string, fl *Field, v any) (any, error) {
	n, isNum := jsonv.Number(v)
	s, isStr := v.(string)
	var wire any
	problem := ""
	aboutValue := false // problem follows the value's description
	switch fl.Kind {
	case Any:
		if problem = jsonProblem(v, 0); problem == "" {
			wire = v
		}
	case String:
		if isNum && fl.IntCodes {
			if n != math.Trunc(n) || n < 0 || int(n) >= len(fl.Enum) {
				problem, aboutValue = " is not a code of "+enumList(fl.Enum, true), true
				break
			}
			s, isStr = fl.Enum[int(n)], true // matches itself below
		}
		known := fl.Enum == nil // any string, or one of Enum in its spelling
		for _, e := range fl.Enum {
			if text.EqualFold(e, s) {
				s, known = e, true
				break
			}
		}
		switch {
		case !isStr:
		case len(s) > MaxString:
			problem = "is longer than 50000 bytes" // MaxString
		case !known:
			problem = jsonv.Quote(s) + " is not one of " + enumList(fl.Enum, false)
		default:
			wire = s
		}
	case Double, Int, Long:
		if isStr && fl.DigitString {
			if i, ok := text.ParseInt(s); ok && s == strconv.FormatInt(i, 10) {
				n, isNum = float64(i), true
			}
		}
		limit := float64(1 << 53)
		if fl.Kind == Int {
			limit = math.MaxInt32
		}
		integer := fl.Kind != Double
		switch {
		case !isNum:
		case n-n != 0: // NaN or infinite
			problem = "want a finite number"
		case integer && n != math.Trunc(n):
			// the wrong type: "want an integer"
		case integer && math.Abs(n) > limit:
			problem, aboutValue = " is out of range", true
		case fl.NonNegative && n < 0:
			problem, aboutValue = " is negative", true
		case fl.Enum != nil && (n < 0 || int(n) >= len(fl.Enum)):
			problem, aboutValue = " is not one of "+enumList(fl.Enum, true), true
		default:
			wire = n
		}
	case Bool:
		if _, ok := v.(bool); ok {
			wire = v
		}
	case Object:
		if m, ok := v.(map[string]any); ok {
			return checkObject(path, fl.Fields, m, "")
		}
	case Array:
		// A []string (from Go callers) is taken like a []any; one of
		// list and strs is empty.
		list, isList := v.([]any)
		strs, isStrs := v.([]string)
		if !isList && !isStrs {
			break
		}
		out := make([]any, len(list)+len(strs))
		for i := range out {
			var e any
			if isStrs {
				e = strs[i]
			} else {
				e = list[i]
			}
			// A null element is not absent: it is of the wrong type
			// (no array of the schema holds Any).
			ne, err := checkValue(path+"["+strconv.Itoa(i)+"]", fl.Elem, e)
			if err != nil {
				return nil, err
			}
			out[i] = ne
		}
		wire = out
	default:
		problem = "has no schema"
	}
	switch {
	case wire != nil:
		return wire, nil
	case aboutValue:
		problem = jsonv.Describe(v) + problem
	case problem == "":
		problem = "want " + fl.Kind.String() + ", got " + jsonv.Describe(v)
	}
	return nil, invalid(path, problem)
}

// jsonProblem says why v is not a JSON value that jsonv.Append can write,
// or returns "" when it is one.
func jsonProblem(v any, depth int) string {
	if depth > jsonv.MaxDepth {
		return "is nested too deeply"
	}
	switch v := v.(type) {
	case nil, bool, string:
		return ""
	case []any:
		for _, e := range v {
			if p := jsonProblem(e, depth+1); p != "" {
				return p
			}
		}
		return ""
	case map[string]any:
		for _, e := range v {
			if p := jsonProblem(e, depth+1); p != "" {
				return p
			}
		}
		return ""
	}
	if n, ok := jsonv.Number(v); ok && n-n == 0 { // finite
		return ""
	}
	return "is not a JSON value"
}

// enumList lists an enum for a message, with each value's code if codes.
func enumList(enum []string, codes bool) string {
	s := ""
	for i, e := range enum {
		if i > 0 {
			s += ", "
		}
		if codes {
			s += strconv.Itoa(i) + " (" + e + ")"
		} else {
			s += e
		}
	}
	return s
}

// AppendJSON writes the SDE as JSON: "type" first, then the members in
// the reference's order. Walking the schema instead of sorting keys keeps
// encoding free of allocations.
func (s SDE) AppendJSON(b []byte) []byte {
	t := LookupType(s.Type())
	if t == nil { // not from ParseSDE; write what is there
		return jsonv.Append(b, map[string]any(s))
	}
	b = append(b, `{"type":`...)
	b = jsonv.AppendString(b, t.Name)
	return appendMembers(b, t.Fields, s, true)
}

// appendMembers writes the members of m that fields name, in their order,
// and closes the object; comma says whether one was written already.
func appendMembers(b []byte, fields []*Field, m map[string]any, comma bool) []byte {
	for _, fl := range fields {
		v, ok := m[fl.Name]
		if !ok {
			continue
		}
		if comma {
			b = append(b, ',')
		}
		comma = true
		b = jsonv.AppendString(b, fl.Name)
		b = append(b, ':')
		b = appendValue(b, fl, v)
	}
	return append(b, '}')
}

// appendValue writes v as fl describes it: objects' members and arrays'
// elements by the schema, anything else as it is.
func appendValue(b []byte, fl *Field, v any) []byte {
	switch fl.Kind {
	case Object:
		if m, ok := v.(map[string]any); ok {
			return appendMembers(append(b, '{'), fl.Fields, m, false)
		}
	case Array:
		if list, ok := v.([]any); ok {
			b = append(b, '[')
			for i, e := range list {
				if i > 0 {
					b = append(b, ',')
				}
				b = appendValue(b, fl.Elem, e)
			}
			return append(b, ']')
		}
	}
	return jsonv.Append(b, v)
}

// AppendSDEs writes a JSON array of SDEs.
func AppendSDEs(b []byte, sdes []SDE) []byte {
	b = append(b, '[')
	for i, s := range sdes {
		if i > 0 {
			b = append(b, ',')
		}
		b = s.AppendJSON(b)
	}
	return append(b, ']')
}

// ForMessaging returns the SDEs that may go into a Connector conversation's
// lp_sdes: only ctmrinfo and personal, without ctmrinfo.info.customerId
// (it makes LivePerson treat the conversation as authenticated, and the
// request fails) and without the fields the reference marks as
// unauthenticated-only. The input is not modified. dropped names what was
// left out, for the caller to report.
func ForMessaging(sdes []SDE) (kept []SDE, dropped []string) {
	for _, s := range sdes {
		name := s.Type()
		if t := LookupType(name); t != nil && t.Messaging {
			kept = append(kept, stripForMessaging(t.Name, t.Fields, s, &dropped))
		} else {
			dropped = append(dropped, name)
		}
	}
	return kept, dropped
}

// stripForMessaging copies m without the members ForMessaging leaves out,
// adding their paths to dropped. Members the schema does not name ("type")
// are kept; an object member that holds no object is left out.
func stripForMessaging(path string, fields []*Field, m map[string]any, dropped *[]string) map[string]any {
	out := make(map[string]any, len(m))
	for k, v := range m {
		fl := lookupField(fields, k)
		p := path + "." + k
		if fl != nil {
			sub, isObj := v.(map[string]any)
			switch {
			case fl.UnauthOnly || p == "ctmrinfo.info.customerId":
				*dropped = append(*dropped, p)
				continue
			case fl.Kind != Object:
			case isObj:
				v = stripForMessaging(p, fl.Fields, sub, dropped)
			default:
				continue
			}
		}
		out[k] = v
	}
	return out
}
