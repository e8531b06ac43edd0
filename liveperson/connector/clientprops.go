package connector

import (
	"net/netip"
	"slices"
	"strconv"
	"strings"
	"unicode/utf8"
)

// ClientPropertiesType is the "type" written in a Client-Properties header
// (the documentation's and LivePerson's demo app's spelling).
// [DecodeClientProperties] also accepts the schema's
// ".ams.headers.ClientProperties" and botium's "ClientProperties".
const ClientPropertiesType = ".ClientProperties"

var clientPropertiesTypes = []string{ClientPropertiesType, ".ams.headers.ClientProperties", "ClientProperties"}

// Enumerations of the Client-Properties schema
// (assets/schema/infra/clientPropertiesHeader.json).
var (
	DeviceFamilies = []string{"DESKTOP", "TABLET", "MOBILE", "OTHER"}
	// OSes are the messaging spellings: OSX, where Monitoring says MAC_OSX.
	OSes         = []string{"WINDOWS", "LINUX", "OSX", "ANDROID", "IOS", "OTHER"}
	Integrations = []string{"WEB_SDK", "MOBILE_SDK", "BRAND_SDK"}
	// Features are the schema's six followed by four seen in real traffic
	// (QUICK_REPLIES, MULTI_DIALOG, ...): a connector needs MULTI_DIALOG
	// for post-conversation surveys.
	Features = []string{"CO_BROWSE", "CO_APP", "PHOTO_SHARING", "SECURE_FORMS", "AUTO_MESSAGES", "RICH_CONTENT",
		"QUICK_REPLIES", "MULTI_DIALOG", "MARKDOWN_HYPERLINKS", "FILE_SHARING"}
)

// ClientProperties is the Client-Properties header: who the client is and
// which features it has. Send it on CONVERSATION and on every later SEND
// when features are to be enabled. Empty fields are not written. Maximum
// lengths count Unicode characters, as JSON Schema's maxLength does.
type ClientProperties struct {
	AppID              string // at most 64 characters
	AppVersion         string // at most 32
	IPAddress          string // an IPv4 address, at most 32
	DeviceFamily       string // one of DeviceFamilies
	OS                 string // one of OSes
	OSName             string // at most 64
	OSVersion          string // at most 64
	Integration        string // one of Integrations
	IntegrationVersion string // at most 64
	Browser            string // at most 64
	BrowserVersion     string // at most 64
	TimeZone           string // e.g. "America/New_York", at most 64
	DeviceManufacture  string // at most 64
	DeviceModel        string // at most 64
	Features           []string
}

// propField describes one string member of the header.
type propField struct {
	name string
	max  int      // most characters; 0 for an enum
	enum []string // allowed values
	get  func(*ClientProperties) *string
}

// propFields is the schema's table, in the order members are written.
var propFields = []propField{
	{"appId", 64, nil, func(p *ClientProperties) *string { return &p.AppID }},
	{"appVersion", 32, nil, func(p *ClientProperties) *string { return &p.AppVersion }},
	{"ipAddress", 32, nil, func(p *ClientProperties) *string { return &p.IPAddress }},
	{"deviceFamily", 0, DeviceFamilies, func(p *ClientProperties) *string { return &p.DeviceFamily }},
	{"os", 0, OSes, func(p *ClientProperties) *string { return &p.OS }},
	{"osName", 64, nil, func(p *ClientProperties) *string { return &p.OSName }},
	{"osVersion", 64, nil, func(p *ClientProperties) *string { return &p.OSVersion }},
	{"integration", 0, Integrations, func(p *ClientProperties) *string { return &p.Integration }},
	{"integrationVersion", 64, nil, func(p *ClientProperties) *string { return &p.IntegrationVersion }},
	{"browser", 64, nil, func(p *ClientProperties) *string { return &p.Browser }},
	{"browserVersion", 64, nil, func(p *ClientProperties) *string { return &p.BrowserVersion }},
	{"timeZone", 64, nil, func(p *ClientProperties) *string { return &p.TimeZone }},
	{"deviceManufacture", 64, nil, func(p *ClientProperties) *string { return &p.DeviceManufacture }},
	{"deviceModel", 64, nil, func(p *ClientProperties) *string { return &p.DeviceModel }},
}

func (p *ClientProperties) check() error {
	for _, f := range propFields {
		v := *f.get(p)
		switch {
		case v == "":
		case f.enum != nil && !slices.Contains(f.enum, v):
			return bad("$."+f.name, strconv.Quote(v)+" is not one of "+strings.Join(f.enum, ", "))
		case utf8.RuneCountInString(v) > f.max && f.enum == nil:
			return bad("$."+f.name, "is "+strconv.Itoa(utf8.RuneCountInString(v))+" characters; at most "+strconv.Itoa(f.max)+" are allowed")
		case f.name == "ipAddress":
			if a, err := netip.ParseAddr(v); err != nil || !a.Is4() {
				return bad("$.ipAddress", "want an IPv4 address such as 192.0.2.1, got "+strconv.Quote(v))
			}
		}
	}
	for i, f := range p.Features {
		if !slices.Contains(Features, f) {
			return bad("$.features["+strconv.Itoa(i)+"]", strconv.Quote(f)+" is not one of "+strings.Join(Features, ", "))
		}
	}
	return nil
}

// AppendJSON validates p and appends it as JSON with type
// [ClientPropertiesType], members in the schema's order and every
// non-ASCII character escaped, so the text is a valid header value
// everywhere.
func (p *ClientProperties) AppendJSON(b []byte) ([]byte, error) {
	if err := p.check(); err != nil {
		return b, err
	}
	start := len(b)
	o := openObj(b)
	o.str("type", ClientPropertiesType)
	for _, f := range propFields {
		o.optStr(f.name, *f.get(p))
	}
	if p.Features != nil {
		o.strs("features", p.Features)
	}
	return asciiJSON(o.close(), start), nil
}

// Header returns the Client-Properties header value.
func (p *ClientProperties) Header() (string, error) {
	b, err := p.AppendJSON(make([]byte, 0, 512)) // room for every member: one allocation
	return string(b), err
}

// DecodeClientProperties reads and validates a Client-Properties header
// value: a JSON object whose type is one of the three spellings in use,
// with only the schema's members, enums from its lists, an IPv4
// ipAddress and strings within their maximum lengths.
func DecodeClientProperties(header string) (*ClientProperties, error) {
	o, err := decodeObject([]byte(header))
	if err != nil {
		return nil, err
	}
	names := make([]string, 0, len(propFields)+2)
	names = append(names, "type")
	for _, f := range propFields {
		names = append(names, f.name)
	}
	if err := o.only(append(names, "features")...); err != nil {
		return nil, err
	}
	typ, err := o.str("type")
	if err != nil {
		return nil, err
	}
	if err := oneOf("$.type", typ, clientPropertiesTypes); err != nil {
		return nil, err
	}
	p := &ClientProperties{}
	for _, f := range propFields {
		if *f.get(p), err = o.str(f.name); err != nil {
			return nil, err
		}
	}
	if p.Features, err = o.strs("features"); err != nil {
		return nil, err
	}
	if err := p.check(); err != nil {
		return nil, err
	}
	return p, nil
}
