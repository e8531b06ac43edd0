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
	// NonNegative marks the amounts and counts of a cart or purchase
	// (total, price, numItems, quantity, quantityInStock), which cannot be
	// below zero: the reference gives their type, not a sign, but names
	// them as totals and counts (a refund is no purchase SDE).
	NonNegative bool
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

// The schema below is static data: composite literals of constants and
// addresses of package-level variables, which the linker lays out without
// any init code (helper calls here would cost the tag KBs of init code).
// Tables used in more than one place are variables that each use points to.

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

// cartItem is an element of cart.products and purchase.cart.products.
var cartItem = Field{Kind: Object, Fields: []*Field{
	{Name: "product", Kind: Object, Fields: []*Field{
		{Name: "name", Kind: String}, {Name: "category", Kind: String}, {Name: "sku", Kind: String},
		{Name: "price", Kind: Double, NonNegative: true},
	}},
	{Name: "quantity", Kind: Int, NonNegative: true},
}}

// dateFields are the members of ctmrinfo's dates.
var dateFields = []*Field{{Name: "day", Kind: Int}, {Name: "month", Kind: Int}, {Name: "year", Kind: Int}}

// Members impression events share: all start with campaign, engId and
// revision; impDisplay and impAccept add eContext.
var (
	impCampaign = Field{Name: "campaign", Kind: Long, Required: true}
	impEngID    = Field{Name: "engId", Kind: Long, Required: true}
	impRevision = Field{Name: "revision", Kind: Long}
	impEContext = Field{Name: "eContext", Kind: Array, Elem: &Field{Kind: Object, Fields: []*Field{
		{Name: "type", Kind: String}, {Name: "id", Kind: String},
	}}}
)

// types is the reference's table ("Types of Engagement Attributes"), in its
// order, followed by the impression events report accepts.
var types = []*Type{
	{Name: "cart", Aliases: []string{"cartStatus"}, Group: "eCommerce", Fields: []*Field{
		{Name: "total", Kind: Double, Required: true, NonNegative: true},
		{Name: "currency", Kind: String},
		{Name: "numItems", Kind: Int, Required: true, NonNegative: true},
		{Name: "products", Kind: Array, Elem: &cartItem},
	}},
	{Name: "purchase", Group: "eCommerce", Fields: []*Field{
		{Name: "total", Kind: Double, NonNegative: true},
		{Name: "currency", Kind: String},
		{Name: "orderId", Kind: String},
		{Name: "cart", Kind: Object, Fields: []*Field{
			{Name: "products", Kind: Array, Required: true, Elem: &cartItem},
			{Name: "numItems", Kind: Int, NonNegative: true},
		}},
	}},
	{Name: "prodView", Group: "eCommerce", Fields: []*Field{
		{Name: "currency", Kind: String},
		{Name: "products", Kind: Array, Elem: &Field{Kind: Object, Fields: []*Field{
			{Name: "product", Kind: Object, Fields: []*Field{
				{Name: "name", Kind: String}, {Name: "category", Kind: String}, {Name: "sku", Kind: String},
				{Name: "price", Kind: Double, NonNegative: true},
				// statusInStock and quantityInStock appear in the newer example only.
				{Name: "statusInStock", Kind: String}, {Name: "quantityInStock", Kind: Int, NonNegative: true},
			}},
		}}},
	}},
	{Name: "ctmrinfo", Group: "Visitor info", Messaging: true, Fields: []*Field{
		{Name: "info", Kind: Object, Fields: []*Field{
			{Name: "ctype", Kind: String},
			{Name: "cstatus", Kind: String},
			{Name: "balance", Kind: Double},
			{Name: "currency", Kind: String},
			{Name: "customerId", Kind: String},
			{Name: "socialId", Kind: String},
			{Name: "imei", Kind: String},
			{Name: "userName", Kind: String},
			{Name: "companySize", Kind: Int},
			{Name: "companyBranch", Kind: String},
			{Name: "accountName", Kind: String},
			{Name: "role", Kind: String},
			{Name: "lastPaymentDate", Kind: Object, Fields: dateFields},
			{Name: "registrationDate", Kind: Object, Fields: dateFields},
			{Name: "loginStatus", Kind: Int},
			{Name: "storeZipCode", Kind: String, UnauthOnly: true},
			{Name: "storeNumber", Kind: String, UnauthOnly: true},
		}},
	}},
	{Name: "mrktInfo", Group: "Visitor info", Fields: []*Field{
		{Name: "info", Kind: Object, Fields: []*Field{
			{Name: "channel", Kind: Int, Enum: channels, DigitString: true},
			{Name: "affiliate", Kind: String},
			{Name: "campaignId", Kind: String, Aliases: []string{"campaignID"}},
		}},
	}},
	{Name: "personal", Group: "Visitor info", Messaging: true, Fields: []*Field{
		{Name: "personal", Kind: Object, Fields: []*Field{
			{Name: "firstname", Kind: String},
			{Name: "lastname", Kind: String},
			{Name: "age", Kind: Object, Fields: []*Field{
				{Name: "age", Kind: Int}, {Name: "year", Kind: Int}, {Name: "month", Kind: Int}, {Name: "day", Kind: Int},
			}},
			{Name: "contacts", Kind: Array, Elem: &Field{Kind: Object, Fields: []*Field{
				{Name: "email", Kind: String},
				{Name: "phone", Kind: String},
				{Name: "phoneType", Kind: String, Enum: PhoneTypes},
				{Name: "address", Kind: Object, Fields: []*Field{
					{Name: "country", Kind: String}, {Name: "region", Kind: String},
				}},
			}}},
			{Name: "gender", Kind: String, Enum: Genders, IntCodes: true},
			{Name: "company", Kind: String},
			{Name: "language", Kind: String},
		}},
	}},
	{Name: "lead", Group: "Visitor journey", Fields: []*Field{
		{Name: "lead", Kind: Object, Fields: []*Field{
			{Name: "topic", Kind: String},
			{Name: "value", Kind: Double},
			{Name: "currency", Kind: String},
			{Name: "leadId", Kind: String},
		}},
	}},
	{Name: "service", Group: "Visitor journey", Fields: []*Field{
		{Name: "service", Kind: Object, Fields: []*Field{
			{Name: "topic", Kind: String},
			{Name: "status", Kind: Int, Enum: serviceStatuses},
			{Name: "category", Kind: String},
			{Name: "serviceId", Kind: String},
		}},
	}},
	{Name: "error", Group: "Visitor journey", Fields: []*Field{
		{Name: "error", Kind: Object, Fields: []*Field{
			{Name: "contextId", Kind: String},
			{Name: "message", Kind: String},
			{Name: "code", Kind: String},
			{Name: "level", Kind: Long},
			{Name: "resolved", Kind: Bool},
		}},
	}},
	{Name: "searchInfo", Aliases: []string{"searchContent"}, Group: "Visitor journey", Fields: []*Field{
		{Name: "keywords", Kind: Array, Elem: &Field{Kind: String}},
	}},
	{Name: "impDisplay", Group: "Impression events", Impression: true, Fields: []*Field{
		&impCampaign, &impEngID, &impRevision, &impEContext,
	}},
	{Name: "impAccept", Group: "Impression events", Impression: true, Fields: []*Field{
		&impCampaign, &impEngID, &impRevision, &impEContext,
	}},
	{Name: "impExpanded", Group: "Impression events", Impression: true, Fields: []*Field{
		&impCampaign, &impEngID, &impRevision,
		{Name: "expanded", Kind: Bool},
		{Name: "userInit", Kind: Bool},
		{Name: "actionableItems", Kind: Any},
	}},
	{Name: "impTimeout", Group: "Impression events", Impression: true, Fields: []*Field{
		&impCampaign, &impEngID, &impRevision,
	}},
	{Name: "impClose", Group: "Impression events", Impression: true, Fields: []*Field{
		&impCampaign, &impEngID, &impRevision,
	}},
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

// typeNames lists the types' names for a message.
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
