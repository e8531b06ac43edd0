package liveperson

// Kind is the JSON type a field holds on the wire.
type Kind uint8

// The kinds of the reference's "Type" column.
const (
	String Kind = iota + 1
	Double      // any finite number
	Int         // an integral number that fits 32 bits
	Long        // an integral number that JavaScript holds exactly (|n| <= 2^53)
	Bool
	Object
	Array
	Any // any JSON value: the reference shows only null (impExpanded.actionableItems)
)

var kindNames = [...]string{String: "a string", Double: "a number", Int: "an integer", Long: "an integer",
	Bool: "true or false", Object: "an object", Array: "an array", Any: "a value"}

func (k Kind) String() string {
	if int(k) < len(kindNames) && kindNames[k] != "" {
		return kindNames[k]
	}
	return "an unknown kind"
}

// A Field describes one member of an SDE object.
type Field struct {
	Name     string   // wire name, as in LivePerson's reference
	Kind     Kind     // wire type
	Required bool     // the reference marks it required
	Fields   []*Field // members, when Kind is Object
	Elem     *Field   // element, when Kind is Array (Elem.Name is unused)

	// Enum lists the allowed values. For a String, matching ignores case and
	// the canonical spelling is written. For an Int, Enum[i] names value i and
	// values outside 0..len(Enum)-1 are errors.
	Enum []string
	// IntCodes lets a String enum also take the integer i for Enum[i] (the
	// older reference coded personal.gender as 0, 1, 2).
	IntCodes bool
	// DigitString lets an Int also take a string of digits (the reference's
	// own mrktInfo example sends channel as "1").
	DigitString bool
	// Aliases are other names accepted on input; Name is always written.
	Aliases []string
	// UnauthOnly marks fields the reference lists as not supported in the
	// authenticated flow; they are dropped from messaging lp_sdes.
	UnauthOnly bool
}

// A Type describes one engagement attribute type.
type Type struct {
	Name       string   // the wire "type" value
	Aliases    []string // other names accepted on input (the Datafly seed's)
	Group      string   // the reference's grouping
	Fields     []*Field // members of the SDE object besides "type"
	Impression bool     // an impression event: accepted by report, not by engagement
	Messaging  bool     // allowed in Connector lp_sdes
}

// MaxString is the longest string value accepted, in bytes: LivePerson
// stores attribute values of up to 50K characters.
const MaxString = 50000

func f(name string, kind Kind) *Field { return &Field{Name: name, Kind: kind} }

func req(fl *Field) *Field { fl.Required = true; return fl }

func obj(name string, fields ...*Field) *Field {
	return &Field{Name: name, Kind: Object, Fields: fields}
}

func arr(name string, elem *Field) *Field { return &Field{Name: name, Kind: Array, Elem: elem} }

func strs(name string) *Field { return arr(name, f("", String)) }

func date(name string) *Field { return obj(name, f("day", Int), f("month", Int), f("year", Int)) }

func product(extra ...*Field) *Field {
	return obj("product", append([]*Field{f("name", String), f("category", String), f("sku", String), f("price", Double)}, extra...)...)
}

func products(elem ...*Field) *Field { return arr("products", obj("", elem...)) }

func impression(name string, extra ...*Field) *Type {
	return &Type{Name: name, Group: "Impression events", Impression: true,
		Fields: append([]*Field{req(f("campaign", Long)), req(f("engId", Long)), f("revision", Long)}, extra...)}
}

// Service statuses, in the order of their codes (0 Complete ... 13
// Resolved). The EA API example extends the reference's 0-10 with 11-13.
var serviceStatuses = []string{"Complete", "In Progress", "Approved", "Cancelled", "Not Approved", "Reviewed",
	"Missing Details", "Closed", "Removed", "Assigned", "Waiting for Customer Response", "Waiting for Response",
	"Pending", "Resolved"}

// Marketing channels, in the order of their codes.
var channels = []string{"Direct", "Search", "Social", "Email", "Referral"}

// PhoneTypes are the values of personal.contacts[].phoneType.
var PhoneTypes = []string{"HOME", "MOBILE", "WORK", "FAX", "MAIN", "HOME_FAX", "WORK_FAX", "PAGER", "OTHER"}

// Genders are the values of personal.gender, in the order of their old
// integer codes.
var Genders = []string{"MALE", "FEMALE", "OTHER"}

// types is the reference's table ("Types of Engagement Attributes"), in its
// order, followed by the impression events report accepts.
var types = []*Type{
	{Name: "cart", Aliases: []string{"cartStatus"}, Group: "eCommerce", Fields: []*Field{
		req(f("total", Double)), f("currency", String), req(f("numItems", Int)),
		products(product(), f("quantity", Int)),
	}},
	{Name: "purchase", Group: "eCommerce", Fields: []*Field{
		f("total", Double), f("currency", String), f("orderId", String),
		obj("cart", req(products(product(), f("quantity", Int))), f("numItems", Int)),
	}},
	{Name: "prodView", Group: "eCommerce", Fields: []*Field{
		f("currency", String),
		// statusInStock and quantityInStock appear in the newer example only.
		products(product(f("statusInStock", String), f("quantityInStock", Int))),
	}},
	{Name: "ctmrinfo", Group: "Visitor info", Messaging: true, Fields: []*Field{
		obj("info",
			f("ctype", String), f("cstatus", String), f("balance", Double), f("currency", String),
			f("customerId", String), f("socialId", String), f("imei", String), f("userName", String),
			f("companySize", Int), f("companyBranch", String), f("accountName", String), f("role", String),
			date("lastPaymentDate"), date("registrationDate"), f("loginStatus", Int),
			&Field{Name: "storeZipCode", Kind: String, UnauthOnly: true},
			&Field{Name: "storeNumber", Kind: String, UnauthOnly: true},
		),
	}},
	{Name: "mrktInfo", Group: "Visitor info", Fields: []*Field{
		obj("info",
			&Field{Name: "channel", Kind: Int, Enum: channels, DigitString: true},
			f("affiliate", String),
			&Field{Name: "campaignId", Kind: String, Aliases: []string{"campaignID"}},
		),
	}},
	{Name: "personal", Group: "Visitor info", Messaging: true, Fields: []*Field{
		obj("personal",
			f("firstname", String), f("lastname", String),
			obj("age", f("age", Int), f("year", Int), f("month", Int), f("day", Int)),
			arr("contacts", obj("", f("email", String), f("phone", String),
				&Field{Name: "phoneType", Kind: String, Enum: PhoneTypes},
				obj("address", f("country", String), f("region", String)))),
			&Field{Name: "gender", Kind: String, Enum: Genders, IntCodes: true},
			f("company", String), f("language", String),
		),
	}},
	{Name: "lead", Group: "Visitor journey", Fields: []*Field{
		obj("lead", f("topic", String), f("value", Double), f("currency", String), f("leadId", String)),
	}},
	{Name: "service", Group: "Visitor journey", Fields: []*Field{
		obj("service", f("topic", String), &Field{Name: "status", Kind: Int, Enum: serviceStatuses},
			f("category", String), f("serviceId", String)),
	}},
	{Name: "error", Group: "Visitor journey", Fields: []*Field{
		obj("error", f("contextId", String), f("message", String), f("code", String), f("level", Long),
			f("resolved", Bool)),
	}},
	{Name: "searchInfo", Aliases: []string{"searchContent"}, Group: "Visitor journey", Fields: []*Field{
		strs("keywords"),
	}},
	impression("impDisplay", arr("eContext", obj("", f("type", String), f("id", String)))),
	impression("impAccept", arr("eContext", obj("", f("type", String), f("id", String)))),
	impression("impExpanded", f("expanded", Bool), f("userInit", Bool), f("actionableItems", Any)),
	impression("impTimeout"),
	impression("impClose"),
}

// Types returns the engagement attribute types in the reference's order,
// impression events last. The result must not be modified.
func Types() []*Type { return types }

// LookupType finds a type by its wire name or an alias.
func LookupType(name string) *Type {
	for _, t := range types {
		if t.Name == name {
			return t
		}
		for _, a := range t.Aliases {
			if a == name {
				return t
			}
		}
	}
	return nil
}

func typeNames() string {
	s := ""
	for i, t := range types {
		if i > 0 {
			s += ", "
		}
		s += t.Name
	}
	return s
}
