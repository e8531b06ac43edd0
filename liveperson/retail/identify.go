package retail

import (
	"strings"

	"github.com/lpedge/lpedge/liveperson"
)

// infoFields are the members of ctmrinfo.info.
var infoFields = func() []*liveperson.Field {
	for _, fl := range liveperson.LookupType("ctmrinfo").Fields {
		if fl.Name == "info" {
			return fl.Fields
		}
	}
	panic("retail: the liveperson schema has no ctmrinfo.info")
}()

// infoTraits names the traits that fill a ctmrinfo.info field, best first:
// Segment's spelling, then the field's own name. A field not listed is read
// from the trait of its own name (ctype, cstatus, balance, ...): LivePerson
// replaces ctmrinfo as a whole, so identify is the one place to set them.
var infoTraits = map[string][]string{
	"customerId":       nil, // the user id, never a trait
	"userName":         {"username", "userName"},
	"role":             {"title", "role"},
	"registrationDate": {"createdAt", "created_at", "registrationDate"},
}

// Identify maps an identify call to engagement attributes validated by
// [liveperson.ParseSDE]: a ctmrinfo whose info.customerId is userID, and a
// personal when the traits carry a name, contact, age, gender, company or
// language. Traits are read in Segment's camelCase or snake_case:
//
//   - ctmrinfo.info: userName from username, role from title,
//     registrationDate from createdAt (an ISO 8601 date), companySize from
//     company.employee_count; every other info field (ctype, cstatus,
//     balance, currency, accountName, loginStatus, lastPaymentDate as an
//     ISO date, ...) from the trait of its own name.
//   - personal: firstname and lastname from firstName and lastName, else
//     name split at its first space; age.age from age and age.{year,
//     month, day} from birthday; one contact from email, phone, phone_type
//     and address.{country, state}; gender (male, female or other, any
//     case); company from company (a string, or an object's name);
//     language.
//
// Other traits are ignored. With no userID and nothing mapped, Identify
// returns no attributes. A trait of the wrong type is a [*PropertyError]
// whose Event is "identify".
func Identify(userID string, traits map[string]any) ([]liveperson.SDE, error) {
	var err error
	r := reader{event: "identify", m: traits, err: &err}
	info, person := map[string]any{}, map[string]any{}
	// JSON would turn bad bytes into U+FFFD on the way; do it here so the
	// SDE returned is the one LivePerson gets.
	set(info, "customerId", strings.ToValidUTF8(userID, "\uFFFD"))

	if name, ok := traits["company"].(string); ok {
		set(person, "company", name)
	} else if c, ok := r.object("company"); ok {
		set(person, "company", c.str("name"))
		if n, ok := c.integer("employee_count", 0); ok {
			info["companySize"] = float64(n)
		}
	}
	for _, fl := range infoFields {
		keys, listed := infoTraits[fl.Name]
		if !listed {
			keys = []string{fl.Name}
		}
		if _, done := info[fl.Name]; done || len(keys) == 0 {
			continue
		}
		switch fl.Kind {
		case liveperson.String:
			set(info, fl.Name, r.str(keys...))
		case liveperson.Double:
			if n, ok := r.num(keys...); ok {
				info[fl.Name] = n
			}
		case liveperson.Int:
			if n, ok := r.integer(keys[0], 0); ok {
				info[fl.Name] = float64(n)
			}
		case liveperson.Object: // the {day, month, year} dates
			if d := r.date(keys...); d != nil {
				info[fl.Name] = d
			}
		}
	}

	first, last := r.str("firstName", "first_name", "firstname"), r.str("lastName", "last_name", "lastname")
	if first == "" && last == "" {
		first, last, _ = strings.Cut(strings.TrimSpace(r.str("name")), " ")
		last = strings.TrimSpace(last)
	}
	set(person, "firstname", first)
	set(person, "lastname", last)
	age := r.date("birthday")
	if n, ok := r.integer("age", 0); ok {
		if age == nil {
			age = map[string]any{}
		}
		age["age"] = float64(n)
	}
	if age != nil {
		person["age"] = age
	}
	contact := map[string]any{}
	set(contact, "email", r.str("email"))
	set(contact, "phone", r.str("phone"))
	set(contact, "phoneType", r.oneOf(liveperson.PhoneTypes, "phone_type", "phoneType"))
	if a, ok := r.object("address"); ok {
		addr := map[string]any{}
		set(addr, "country", a.str("country"))
		set(addr, "region", a.str("state", "region"))
		if len(addr) > 0 {
			contact["address"] = addr
		}
	}
	if len(contact) > 0 {
		person["contacts"] = []any{contact}
	}
	set(person, "gender", r.oneOf(liveperson.Genders, "gender"))
	set(person, "language", r.str("language"))
	if err != nil {
		return nil, err
	}

	var out []map[string]any
	if len(info) > 0 {
		out = append(out, map[string]any{"type": "ctmrinfo", "info": info})
	}
	if len(person) > 0 {
		out = append(out, map[string]any{"type": "personal", "personal": person})
	}
	return validate(out)
}
