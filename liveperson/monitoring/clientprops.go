package monitoring

import (
	"strconv"

	"github.com/lpedge/lpedge/internal/jsonv"
	"github.com/lpedge/lpedge/internal/text"
)

// ClientProperties is an engagement body's clientProperties (spec 1.2).
// These are the Monitoring API's values; the Connector's Client-Properties
// header has its own (OSX there, MAC_OSX here).
type ClientProperties struct {
	AppVersion   string
	DeviceFamily string // one of DeviceFamilies
	IPAddress    string // IPv4
	OS           string // one of OSes; the reference's example names it osName, which is read too
	OSVersion    string
}

// clientPropertyNames are the JSON names of ClientProperties' fields, in
// order.
var clientPropertyNames = [...]string{"appVersion", "deviceFamily", "ipAddress", "os", "osVersion"}

// The enums of [ClientProperties].
var (
	DeviceFamilies = []string{"DESKTOP", "TABLET", "MOBILE"}
	OSes           = []string{"WINDOWS", "MAC_OSX", "LINUX", "IOS", "ANDROID"}
)

func decodeClientProperties(v any) (*ClientProperties, error) {
	m, ok := v.(map[string]any)
	if !ok {
		return nil, fieldErr("clientProperties", "want an object")
	}
	c := &ClientProperties{}
	for k, v := range m {
		if v == nil {
			continue
		}
		path := "clientProperties." + k
		s, ok := v.(string)
		if !ok {
			return nil, fieldErr(path, "want a string")
		}
		switch k {
		case "appVersion", "osVersion":
			if len(s) > 64 {
				return nil, fieldErr(path, "is longer than 64 characters")
			}
			if k == "appVersion" {
				c.AppVersion = s
			} else {
				c.OSVersion = s
			}
		case "deviceFamily":
			if c.DeviceFamily = oneOf(s, DeviceFamilies); c.DeviceFamily == "" {
				return nil, fieldErr(path, jsonv.Quote(s)+" is not one of "+text.Join(DeviceFamilies, ", "))
			}
		case "os", "osName":
			if c.OS = oneOf(s, OSes); c.OS == "" {
				return nil, fieldErr(path, jsonv.Quote(s)+" is not one of "+text.Join(OSes, ", "))
			}
		case "ipAddress":
			if !isIPv4(s) {
				return nil, fieldErr(path, "want an IPv4 address, got "+jsonv.Quote(s))
			}
			c.IPAddress = s
		default:
			return nil, fieldErr(path, "is not a member of clientProperties (want appVersion, deviceFamily, ipAddress, os, osVersion)")
		}
	}
	return c, nil
}

func oneOf(s string, values []string) string {
	for _, v := range values {
		if v == s {
			return v
		}
	}
	return ""
}

// isIPv4 accepts dotted-decimal IPv4 without leading zeros; net/netip
// would do, but the tag links this package and every import counts.
func isIPv4(s string) bool {
	for i := 0; i < 4; i++ {
		p, rest, found := text.Cut(s, ".")
		if n, ok := text.ParseInt(p); !ok || n < 0 || n > 255 || p != strconv.FormatInt(n, 10) || found != (i < 3) {
			return false
		}
		s = rest
	}
	return true
}
