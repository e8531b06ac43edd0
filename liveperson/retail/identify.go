package retail

import (
	"github.com/lpedge/lpedge/internal/text"
	"github.com/lpedge/lpedge/liveperson"
)

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
	r := &reader{event: "identify", m: traits, err: &err}
	ctmrinfo, personal := object("type", "ctmrinfo"), object("type", "personal")
	out := object("ctmrinfo", ctmrinfo, "personal", personal) // where the rules' paths start
	// JSON would turn bad bytes into U+FFFD on the way; do it here (a run
	// of them becomes one) so the SDE returned is valid text.
	put(out, "ctmrinfo.info.customerId", text.ValidUTF8(userID))
	if name, ok := traits["company"].(string); ok {
		put(out, "personal.personal.company", name)
	} else {
		r.fill(out, companyRules)
	}
	r.fill(out, traitRules)
	if p, _ := at(out, "personal.personal.firstname", false, nil); p["firstname"] == nil && p["lastname"] == nil {
		name, _ := r.read(&fullName).(string)
		first, last, _ := text.Cut(text.TrimSpace(name), " ")
		put(out, "personal.personal.firstname", first)
		put(out, "personal.personal.lastname", text.TrimSpace(last))
	}
	r.fill(out, personRules)
	// The rules wrote the one contact as an object; contacts is a list.
	if p, k := at(out, "personal.personal.contacts", false, nil); p[k] != nil {
		p[k] = []any{p[k]}
	}
	// An SDE that got nothing but its type is left out.
	if len(ctmrinfo) == 1 {
		ctmrinfo = nil
	}
	if len(personal) == 1 {
		personal = nil
	}
	return validate(err, ctmrinfo, personal)
}

// The traits Identify reads, in the order it reads them: the first problem
// found is the one reported. fill skips a rule whose member is written.
var (
	// company as an object; a company name is read as it is.
	companyRules = []rule{
		{to: "personal.personal.company", from: []string{"company.name"}},
		{to: "ctmrinfo.info.companySize", kind: kCount, from: []string{"company.employee_count"}},
	}
	traitRules = []rule{
		// ctmrinfo.info in the schema's order (TestTraitRules checks it),
		// each from Segment's trait, if it has one, then the trait of
		// the field's own name: LivePerson replaces ctmrinfo as a whole,
		// so identify is the one place to set them. customerId is the
		// user id, never a trait.
		{to: "ctmrinfo.info.ctype", from: []string{"ctype"}},
		{to: "ctmrinfo.info.cstatus", from: []string{"cstatus"}},
		{to: "ctmrinfo.info.balance", kind: kNumber, from: []string{"balance"}},
		{to: "ctmrinfo.info.currency", from: []string{"currency"}},
		{to: "ctmrinfo.info.socialId", from: []string{"socialId"}},
		{to: "ctmrinfo.info.imei", from: []string{"imei"}},
		{to: "ctmrinfo.info.userName", from: []string{"username", "userName"}},
		{to: "ctmrinfo.info.companySize", kind: kCount, from: []string{"companySize"}},
		{to: "ctmrinfo.info.companyBranch", from: []string{"companyBranch"}},
		{to: "ctmrinfo.info.accountName", from: []string{"accountName"}},
		{to: "ctmrinfo.info.role", from: []string{"title", "role"}},
		{to: "ctmrinfo.info.lastPaymentDate", kind: kDate, from: []string{"lastPaymentDate"}},
		{to: "ctmrinfo.info.registrationDate", kind: kDate, from: []string{"createdAt", "created_at", "registrationDate"}},
		{to: "ctmrinfo.info.loginStatus", kind: kCount, from: []string{"loginStatus"}},
		{to: "ctmrinfo.info.storeZipCode", from: []string{"storeZipCode"}},
		{to: "ctmrinfo.info.storeNumber", from: []string{"storeNumber"}},

		{to: "personal.personal.firstname", from: []string{"firstName", "first_name", "firstname"}},
		{to: "personal.personal.lastname", from: []string{"lastName", "last_name", "lastname"}},
	}
	// Read when there is neither a first nor a last name.
	fullName = rule{from: []string{"name"}}

	personRules = []rule{
		// birthday makes age {year, month, day}; age adds to it.
		{to: "personal.personal.age", kind: kDate, from: []string{"birthday"}},
		{to: "personal.personal.age.age", kind: kCount, from: []string{"age"}},
		{to: "personal.personal.contacts.email", from: []string{"email"}},
		{to: "personal.personal.contacts.phone", from: []string{"phone"}},
		{to: "personal.personal.contacts.phoneType", from: []string{"phone_type", "phoneType"}, enum: &liveperson.PhoneTypes},
		{to: "personal.personal.contacts.address.country", from: []string{"address.country"}},
		{to: "personal.personal.contacts.address.region", from: []string{"address.state", "address.region"}},
		{to: "personal.personal.gender", from: []string{"gender"}, enum: &liveperson.Genders},
		{to: "personal.personal.language", from: []string{"language"}},
	}
)
