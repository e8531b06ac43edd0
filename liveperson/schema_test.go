package liveperson_test

import (
	"strconv"
	"strings"
	"testing"

	"github.com/lpedge/lpedge/liveperson"
)

var kindWords = map[liveperson.Kind]string{liveperson.String: "string", liveperson.Double: "double",
	liveperson.Int: "int", liveperson.Long: "long", liveperson.Bool: "bool", liveperson.Object: "object",
	liveperson.Array: "array", liveperson.Any: "any"}

// dumpField writes one line per field, indented by depth, with every
// attribute that is set; an array's element is named [].
func dumpField(b *strings.Builder, name string, fl *liveperson.Field, depth int) {
	b.WriteString(strings.Repeat("  ", depth) + name + " " + kindWords[fl.Kind])
	if fl.Required {
		b.WriteString(" required")
	}
	if fl.Enum != nil {
		b.WriteString(" enum=" + strings.Join(fl.Enum, "|"))
	}
	if fl.IntCodes {
		b.WriteString(" intcodes")
	}
	if fl.DigitString {
		b.WriteString(" digitstring")
	}
	if fl.Aliases != nil {
		b.WriteString(" aliases=" + strings.Join(fl.Aliases, "|"))
	}
	if fl.UnauthOnly {
		b.WriteString(" unauthonly")
	}
	if fl.NonNegative {
		b.WriteString(" nonnegative")
	}
	b.WriteString("\n")
	for _, sub := range fl.Fields {
		dumpField(b, sub.Name, sub, depth+1)
	}
	if fl.Elem != nil {
		dumpField(b, "[]", fl.Elem, depth+1)
	}
}

// The schema, field by field, as the reference lists it (see the comments
// in schema.go for where the reference conflicts with itself). The table
// is static data; this pins every attribute of every field.
const wantSchema = `
cart group="eCommerce" aliases=cartStatus
  total double required nonnegative
  currency string
  numItems int required nonnegative
  products array
    [] object
      product object
        name string
        category string
        sku string
        price double nonnegative
      quantity int nonnegative
purchase group="eCommerce"
  total double nonnegative
  currency string
  orderId string
  cart object
    products array required
      [] object
        product object
          name string
          category string
          sku string
          price double nonnegative
        quantity int nonnegative
    numItems int nonnegative
prodView group="eCommerce"
  currency string
  products array
    [] object
      product object
        name string
        category string
        sku string
        price double nonnegative
        statusInStock string
        quantityInStock int nonnegative
ctmrinfo group="Visitor info" messaging
  info object
    ctype string
    cstatus string
    balance double
    currency string
    customerId string
    socialId string
    imei string
    userName string
    companySize int
    companyBranch string
    accountName string
    role string
    lastPaymentDate object
      day int
      month int
      year int
    registrationDate object
      day int
      month int
      year int
    loginStatus int
    storeZipCode string unauthonly
    storeNumber string unauthonly
mrktInfo group="Visitor info"
  info object
    channel int enum=Direct|Search|Social|Email|Referral digitstring
    affiliate string
    campaignId string aliases=campaignID
personal group="Visitor info" messaging
  personal object
    firstname string
    lastname string
    age object
      age int
      year int
      month int
      day int
    contacts array
      [] object
        email string
        phone string
        phoneType string enum=HOME|MOBILE|WORK|FAX|MAIN|HOME_FAX|WORK_FAX|PAGER|OTHER
        address object
          country string
          region string
    gender string enum=MALE|FEMALE|OTHER intcodes
    company string
    language string
lead group="Visitor journey"
  lead object
    topic string
    value double
    currency string
    leadId string
service group="Visitor journey"
  service object
    topic string
    status int enum=Complete|In Progress|Approved|Cancelled|Not Approved|Reviewed|Missing Details|Closed|Removed|Assigned|Waiting for Customer Response|Waiting for Response|Pending|Resolved
    category string
    serviceId string
error group="Visitor journey"
  error object
    contextId string
    message string
    code string
    level long
    resolved bool
searchInfo group="Visitor journey" aliases=searchContent
  keywords array
    [] string
impDisplay group="Impression events" impression
  campaign long required
  engId long required
  revision long
  eContext array
    [] object
      type string
      id string
impAccept group="Impression events" impression
  campaign long required
  engId long required
  revision long
  eContext array
    [] object
      type string
      id string
impExpanded group="Impression events" impression
  campaign long required
  engId long required
  revision long
  expanded bool
  userInit bool
  actionableItems any
impTimeout group="Impression events" impression
  campaign long required
  engId long required
  revision long
impClose group="Impression events" impression
  campaign long required
  engId long required
  revision long
`

func TestSchema(t *testing.T) {
	var b strings.Builder
	b.WriteString("\n")
	for _, tp := range liveperson.Types() {
		b.WriteString(tp.Name + " group=" + strconv.Quote(tp.Group))
		if tp.Aliases != nil {
			b.WriteString(" aliases=" + strings.Join(tp.Aliases, "|"))
		}
		if tp.Impression {
			b.WriteString(" impression")
		}
		if tp.Messaging {
			b.WriteString(" messaging")
		}
		b.WriteString("\n")
		for _, fl := range tp.Fields {
			dumpField(&b, fl.Name, fl, 1)
		}
	}
	if got := b.String(); got != wantSchema {
		t.Errorf("schema:\n%s\nwant:\n%s", got, wantSchema)
	}
}
