package monitoring

import (
	"strconv"

	"github.com/lpedge/lpedge/internal/jsonv"
	"github.com/lpedge/lpedge/liveperson"
)

// A Request is the body of a report or engagement call.
type Request struct {
	// VisitorID and SessionID travel in the query string on LivePerson's
	// API; they are body members only on lpedge's proxy routes (see
	// [DecodeOptions.IDsInBody]), and AppendJSON writes them only there.
	VisitorID, SessionID string

	// ConsumerID is the deprecated predecessor of Identities; LivePerson
	// still accepts it, and an unauthenticated flow must not send it.
	ConsumerID string
	// ClientProperties describe the visitor's device (engagement only).
	ClientProperties *ClientProperties

	Identities  []Identity
	EntryPoints []string         // URLs, "sec://<section>", "lang://<language>", "tel://..."
	SDEs        []liveperson.SDE // engagementAttributes
	PageID      string           // report only; LivePerson makes one up when empty
}

// MaxEntryPoints and MaxSDEs bound a request so that one bad page cannot
// build an unbounded body; LivePerson documents no limit.
const (
	MaxEntryPoints = 50
	MaxSDEs        = 500
)

// AppendJSON writes the LivePerson body of r.
func (r *Request) AppendJSON(b []byte) []byte { return r.appendJSON(b, false) }

// AppendProxyJSON writes r as the body of lpedge's /v1/report and
// /v1/engagement routes, which carry the ids in the body.
func (r *Request) AppendProxyJSON(b []byte) []byte { return r.appendJSON(b, true) }

func (r *Request) appendJSON(b []byte, ids bool) []byte {
	w := writer{b: b, sep: '{'}
	if ids {
		if r.VisitorID != "" {
			w.str("visitorId", r.VisitorID)
		}
		if r.SessionID != "" {
			w.str("sessionId", r.SessionID)
		}
	}
	if r.ConsumerID != "" {
		w.str("consumerId", r.ConsumerID)
	}
	if c := r.ClientProperties; c != nil {
		w.key("clientProperties")
		w.sep = '{'
		for i, v := range [...]string{c.AppVersion, c.DeviceFamily, c.IPAddress, c.OS, c.OSVersion} {
			if v != "" {
				w.str(clientPropertyNames[i], v)
			}
		}
		w.end('}')
	}
	if len(r.Identities) > 0 {
		w.key("identities")
		w.sep = '['
		for _, id := range r.Identities {
			w.b = append(w.b, w.sep) // '[' before the first, then commas
			w.sep = '{'
			w.str("iss", id.Iss)
			w.str("acr", id.Acr)
			w.str("sub", id.Sub)
			w.end('}')
		}
		w.end(']')
	}
	if len(r.EntryPoints) > 0 {
		w.key("entryPoints")
		w.b = jsonv.Append(w.b, r.EntryPoints)
	}
	if r.PageID != "" {
		w.str("pageId", r.PageID)
	}
	w.key("engagementAttributes")
	w.b = liveperson.AppendSDEs(w.b, r.SDEs)
	w.end('}')
	return w.b
}

// A writer appends JSON objects and arrays member by member, through few
// small methods rather than appends at every member (each append site is
// costly in the tag's WebAssembly). sep is the byte due before the next
// member or element: after an opening bracket is set there, the first
// member writes it, and commas follow.
type writer struct {
	b   []byte
	sep byte
}

// key starts the member called name.
func (w *writer) key(name string) {
	w.b = append(jsonv.AppendString(append(w.b, w.sep), name), ':')
	w.sep = ','
}

// end closes the array or object with c, opening it first if it is empty.
func (w *writer) end(c byte) {
	if w.sep != ',' {
		w.b = append(w.b, w.sep)
	}
	w.b = append(w.b, c)
	w.sep = ','
}

// str writes a string member.
func (w *writer) str(name, value string) {
	w.key(name)
	w.b = jsonv.AppendString(w.b, value)
}

// DecodeOptions says which body a decoder expects.
type DecodeOptions struct {
	Method Method // Report requires engagementAttributes and allows impressions; Engagement the reverse
	// IDsInBody accepts visitorId and sessionId members (lpedge's proxy
	// routes); LivePerson's own API rejects them as unknown.
	IDsInBody bool
	// Strict parses with jsonv.ParseStrict (a key given twice, a number
	// a double does not hold exactly: errors); default false, jsonv.Parse.
	Strict bool
}

// DecodeRequest parses and validates a report or engagement body. Every
// SDE is validated with [liveperson.ParseSDE]; errors name the member
// ("engagementAttributes[2]: cart.total: is required").
func DecodeRequest(data []byte, opt DecodeOptions) (*Request, error) {
	parse := jsonv.Parse
	if opt.Strict {
		parse = jsonv.ParseStrict
	}
	v, err := parse(data)
	if err != nil {
		return nil, err
	}
	m, ok := v.(map[string]any)
	if !ok {
		return nil, fieldErr("body", "want a JSON object")
	}
	r := &Request{}
	for k, v := range m {
		if v == nil {
			continue
		}
		switch k {
		case "visitorId", "sessionId":
			if !opt.IDsInBody {
				return nil, fieldErr(k, "is not a body member (it goes in the query string as "+k[:1]+"id)")
			}
			s, ok := v.(string)
			if !ok {
				return nil, fieldErr(k, "want a string")
			}
			if err := CheckID(k, s, 128); err != nil {
				return nil, err
			}
			if k == "visitorId" {
				r.VisitorID = s
			} else {
				r.SessionID = s
			}
		case "identities":
			if r.Identities, err = decodeIdentities(v); err != nil {
				return nil, err
			}
		case "entryPoints":
			if r.EntryPoints, err = decodeEntryPoints(v); err != nil {
				return nil, err
			}
		case "pageId":
			s, ok := v.(string)
			if !ok {
				return nil, fieldErr(k, "want a string")
			}
			if err := CheckID(k, s, 128); err != nil {
				return nil, err
			}
			r.PageID = s
		case "engagementAttributes":
			list, ok := v.([]any)
			if !ok {
				return nil, fieldErr(k, "want an array of engagement attributes")
			}
			if len(list) > MaxSDEs {
				return nil, fieldErr(k, "has "+strconv.Itoa(len(list))+" entries, more than "+strconv.Itoa(MaxSDEs))
			}
			if r.SDEs, err = liveperson.ParseSDEs(list); err != nil {
				ve := err.(*liveperson.ValidationError)
				return nil, fieldErr(k+"["+strconv.Itoa(ve.Index)+"]", ve.Field+": "+ve.Problem)
			}
			if opt.Method == Engagement {
				for i, s := range r.SDEs {
					if liveperson.LookupType(s.Type()).Impression {
						return nil, fieldErr(k+"["+strconv.Itoa(i)+"]", s.Type()+" is an impression event, which only report accepts")
					}
				}
			}
		case "consumerId":
			s, ok := v.(string)
			if !ok || s == "" || len(s) > 256 {
				return nil, fieldErr(k, "want a string of 1 to 256 characters")
			}
			r.ConsumerID = s
		case "clientProperties":
			if opt.Method != Engagement {
				return nil, fieldErr(k, "is a member of an engagement body only")
			}
			if r.ClientProperties, err = decodeClientProperties(v); err != nil {
				return nil, err
			}
		default:
			return nil, fieldErr(k, "is not a member of a "+string(opt.Method)+" body")
		}
	}
	if opt.Method == Report && r.SDEs == nil {
		return nil, fieldErr("engagementAttributes", "is required")
	}
	return r, nil
}

func fieldErr(field, problem string) error {
	return &liveperson.ValidationError{Index: -1, Field: field, Problem: problem}
}

func decodeIdentities(v any) ([]Identity, error) {
	list, ok := v.([]any)
	if !ok {
		return nil, fieldErr("identities", "want an array")
	}
	if len(list) > 10 {
		return nil, fieldErr("identities", "has more than 10 entries")
	}
	if len(list) == 0 {
		return nil, nil // as absent: the encoder leaves empty lists out
	}
	out := make([]Identity, 0, len(list))
	for i, e := range list {
		path := "identities[" + strconv.Itoa(i) + "]"
		m, ok := e.(map[string]any)
		if !ok {
			return nil, fieldErr(path, "want an object")
		}
		var id Identity
		for k, v := range m {
			s, ok := v.(string)
			if !ok {
				return nil, fieldErr(path+"."+k, "want a string")
			}
			switch k {
			case "iss":
				id.Iss = s
			case "acr":
				id.Acr = s
			case "sub":
				id.Sub = s
			default:
				return nil, fieldErr(path+"."+k, "is not a member of an identity (want iss, acr, sub)")
			}
		}
		switch {
		case id.Sub == "" || len(id.Sub) > 256:
			return nil, fieldErr(path+".sub", "is required (1 to 256 characters)")
		case id.Acr != ACRAuthenticated && id.Acr != ACRNone:
			return nil, fieldErr(path+".acr", "want \"loa1\" or \"0\", got "+jsonv.Quote(id.Acr))
		case len(id.Iss) > 256:
			return nil, fieldErr(path+".iss", "is longer than 256 characters")
		}
		out = append(out, id)
	}
	return out, nil
}

func decodeEntryPoints(v any) ([]string, error) {
	list, ok := v.([]any)
	if !ok {
		return nil, fieldErr("entryPoints", "want an array of strings")
	}
	if len(list) > MaxEntryPoints {
		return nil, fieldErr("entryPoints", "has more than "+strconv.Itoa(MaxEntryPoints)+" entries")
	}
	if len(list) == 0 {
		return nil, nil
	}
	out := make([]string, 0, len(list))
	for i, e := range list {
		s, ok := e.(string)
		if !ok || s == "" || len(s) > 2048 {
			return nil, fieldErr("entryPoints["+strconv.Itoa(i)+"]", "want a non-empty string of at most 2048 bytes")
		}
		out = append(out, s)
	}
	return out, nil
}

// SectionEntryPoint is the entry point that reports a page section, as
// lpTag.section does for the web tag.
func SectionEntryPoint(section string) string { return "sec://" + section }

// Sections returns the sections named by "sec://" entry points.
func Sections(entryPoints []string) []string {
	var out []string
	for _, e := range entryPoints {
		if len(e) > 6 && e[:6] == "sec://" {
			out = append(out, e[6:])
		}
	}
	return out
}
