package connector_test

import (
	"encoding/json"
	"reflect"
	"strings"
	"testing"

	"github.com/lpedge/lpedge/liveperson/connector"
)

func fullProperties() *connector.ClientProperties {
	return &connector.ClientProperties{AppID: "lpedge", AppVersion: "1.2.3", IPAddress: "192.0.2.1", DeviceFamily: "DESKTOP",
		OS: "OSX", OSName: "macOS", OSVersion: "14.1", Integration: "BRAND_SDK", IntegrationVersion: "1.0.0", Browser: "CHROME",
		BrowserVersion: "126.0", TimeZone: "America/New_York", DeviceManufacture: "Apple", DeviceModel: "MacBookPro18,1",
		Features: []string{"RICH_CONTENT", "QUICK_REPLIES", "MULTI_DIALOG"}}
}

func TestClientPropertiesHeader(t *testing.T) {
	for _, tt := range []struct {
		name string
		p    *connector.ClientProperties
		want string
	}{
		{"empty", &connector.ClientProperties{}, `{"type":".ClientProperties"}`},
		{"documented example", &connector.ClientProperties{Features: []string{"AUTO_MESSAGES"}}, `{"type":".ClientProperties","features":["AUTO_MESSAGES"]}`},
		{"no features", &connector.ClientProperties{Features: []string{}}, `{"type":".ClientProperties","features":[]}`},
		{"full", fullProperties(), `{"type":".ClientProperties","appId":"lpedge","appVersion":"1.2.3","ipAddress":"192.0.2.1",` +
			`"deviceFamily":"DESKTOP","os":"OSX","osName":"macOS","osVersion":"14.1","integration":"BRAND_SDK","integrationVersion":"1.0.0",` +
			`"browser":"CHROME","browserVersion":"126.0","timeZone":"America/New_York","deviceManufacture":"Apple","deviceModel":"MacBookPro18,1",` +
			`"features":["RICH_CONTENT","QUICK_REPLIES","MULTI_DIALOG"]}`},
		{"non-ASCII escaped", &connector.ClientProperties{AppID: "Café 😀", DeviceModel: "\u2028"},
			`{"type":".ClientProperties","appId":"Caf\u00e9 \ud83d\ude00","deviceModel":"\u2028"}`},
	} {
		t.Run(tt.name, func(t *testing.T) {
			h, err := tt.p.Header()
			if err != nil {
				t.Fatal(err)
			}
			if h != tt.want {
				t.Errorf("got  %s\nwant %s", h, tt.want)
			}
			for i := 0; i < len(h); i++ {
				if h[i] < 0x20 || h[i] > 0x7e {
					t.Fatalf("byte %#x at %d is not a visible ASCII character", h[i], i)
				}
			}
			var viaStd map[string]any
			if err := json.Unmarshal([]byte(h), &viaStd); err != nil {
				t.Fatalf("encoding/json: %v", err)
			}
			back, err := connector.DecodeClientProperties(h)
			if err != nil {
				t.Fatal(err)
			}
			if !reflect.DeepEqual(back, tt.p) {
				t.Errorf("round trip %+v, want %+v", back, tt.p)
			}
		})
	}
}

func TestDecodeClientPropertiesExamples(t *testing.T) {
	for _, tt := range []struct{ name, header string }{
		{"examples.md", `{ "type": ".ClientProperties", "features": ["AUTO_MESSAGES"] }`},
		{"schema type", `{"type":".ams.headers.ClientProperties","features":["CO_BROWSE"]}`},
		{"botium", `{"type":"ClientProperties","features":[]}`},
		{"web client (conversation metadata)", `{"type":".ClientProperties","appId":"webAsync","ipAddress":"10.0.0.1","deviceFamily":"DESKTOP",
			"os":"OSX","osVersion":"10.14","integration":"WEB_SDK","integrationVersion":"3.0.25","browser":"CHROME","browserVersion":"75.0",
			"features":["PHOTO_SHARING","CO_APP","AUTO_MESSAGES","RICH_CONTENT","SECURE_FORMS","QUICK_REPLIES","MULTI_DIALOG","FILE_SHARING","MARKDOWN_HYPERLINKS"]}`},
		{"seed 000 with empty values", `{"type":".ClientProperties","deviceFamily":"DESKTOP","os":"WINDOWS","browser":"","appId":"test app id",
			"appVersion":"","deviceModel":"","deviceManufacture":"","timeZone":"","browserVersion":"","integrationVersion":"","integration":"WEB_SDK",
			"osName":"","osVersion":""}`},
		{"spec suggestion", `{"type":".ClientProperties","appId":"<your-app>","integration":"BRAND_SDK","integrationVersion":"1.0.0",
			"deviceFamily":"DESKTOP","os":"OTHER","features":["RICH_CONTENT","QUICK_REPLIES","MULTI_DIALOG"]}`},
	} {
		t.Run(tt.name, func(t *testing.T) {
			p, err := connector.DecodeClientProperties(tt.header)
			if err != nil {
				t.Fatal(err)
			}
			h, err := p.Header()
			if err != nil {
				t.Fatal(err)
			}
			if !strings.HasPrefix(h, `{"type":".ClientProperties"`) {
				t.Errorf("rewritten as %s", h)
			}
		})
	}
	p, _ := connector.DecodeClientProperties(`{"type":".ams.headers.ClientProperties","appId":"a","os":"IOS","features":["CO_APP"]}`)
	want := &connector.ClientProperties{AppID: "a", OS: "IOS", Features: []string{"CO_APP"}}
	if !reflect.DeepEqual(p, want) {
		t.Errorf("got %+v, want %+v", p, want)
	}
}

func TestClientPropertiesErrors(t *testing.T) {
	long := func(n int) string { return strings.Repeat("é", n) }
	for _, tt := range []struct {
		name, header string
		p            *connector.ClientProperties // the same mistake when building, if it can be made
		want         string
	}{
		{"not JSON", `type=.ClientProperties`, nil, "invalid JSON at byte 0: unexpected character 't'"},
		{"array", `[]`, nil, "$: want an object, got an array"},
		{"no type", `{"features":[]}`, nil, `$.type: is required (want .ClientProperties or .ams.headers.ClientProperties or ClientProperties)`},
		{"other type", `{"type":"ClientProperty"}`, nil, `$.type: want .ClientProperties or .ams.headers.ClientProperties or ClientProperties, got "ClientProperty"`},
		{"unknown member", `{"type":".ClientProperties","appName":"x"}`, nil,
			"$.appName: is not a member here (want type, appId, appVersion, ipAddress, deviceFamily, os, osName, osVersion, integration, integrationVersion, browser, browserVersion, timeZone, deviceManufacture, deviceModel, features)"},
		{"number", `{"type":".ClientProperties","appVersion":3}`, nil, "$.appVersion: want a string, got 3"},
		{"deviceFamily", `{"type":".ClientProperties","deviceFamily":"PHONE"}`, &connector.ClientProperties{DeviceFamily: "PHONE"},
			`$.deviceFamily: "PHONE" is not one of DESKTOP, TABLET, MOBILE, OTHER`},
		{"os as Monitoring spells it", `{"type":".ClientProperties","os":"MAC_OSX"}`, &connector.ClientProperties{OS: "MAC_OSX"},
			`$.os: "MAC_OSX" is not one of WINDOWS, LINUX, OSX, ANDROID, IOS, OTHER`},
		{"os case", `{"type":".ClientProperties","os":"ios"}`, &connector.ClientProperties{OS: "ios"}, `$.os: "ios" is not one of WINDOWS, LINUX, OSX, ANDROID, IOS, OTHER`},
		{"integration", `{"type":".ClientProperties","integration":"SDK"}`, &connector.ClientProperties{Integration: "SDK"},
			`$.integration: "SDK" is not one of WEB_SDK, MOBILE_SDK, BRAND_SDK`},
		{"feature", `{"type":".ClientProperties","features":["AUTO_MESSAGES","TYPING"]}`, &connector.ClientProperties{Features: []string{"AUTO_MESSAGES", "TYPING"}},
			`$.features[1]: "TYPING" is not one of CO_BROWSE, CO_APP, PHOTO_SHARING, SECURE_FORMS, AUTO_MESSAGES, RICH_CONTENT, QUICK_REPLIES, MULTI_DIALOG, MARKDOWN_HYPERLINKS, FILE_SHARING`},
		{"features not array", `{"type":".ClientProperties","features":"CO_APP"}`, nil, `$.features: want an array of strings, got a string ("CO_APP")`},
		{"feature not string", `{"type":".ClientProperties","features":[1]}`, nil, `$.features[0]: want a string, got 1`},
		{"ipv6", `{"type":".ClientProperties","ipAddress":"2001:db8::1"}`, &connector.ClientProperties{IPAddress: "2001:db8::1"},
			`$.ipAddress: want an IPv4 address such as 192.0.2.1, got "2001:db8::1"`},
		{"ipv4 in ipv6", `{"type":".ClientProperties","ipAddress":"::ffff:192.0.2.1"}`, &connector.ClientProperties{IPAddress: "::ffff:192.0.2.1"},
			`$.ipAddress: want an IPv4 address such as 192.0.2.1, got "::ffff:192.0.2.1"`},
		{"ip leading zero", `{"type":".ClientProperties","ipAddress":"192.0.2.01"}`, &connector.ClientProperties{IPAddress: "192.0.2.01"},
			`$.ipAddress: want an IPv4 address such as 192.0.2.1, got "192.0.2.01"`},
		{"ip host name", `{"type":".ClientProperties","ipAddress":"localhost"}`, &connector.ClientProperties{IPAddress: "localhost"},
			`$.ipAddress: want an IPv4 address such as 192.0.2.1, got "localhost"`},
		{"ip too long", `{"type":".ClientProperties","ipAddress":"` + strings.Repeat("1", 33) + `"}`, &connector.ClientProperties{IPAddress: strings.Repeat("1", 33)},
			"$.ipAddress: is 33 characters; at most 32 are allowed"},
		{"appId 65", `{"type":".ClientProperties","appId":"` + long(65) + `"}`, &connector.ClientProperties{AppID: long(65)}, "$.appId: is 65 characters; at most 64 are allowed"},
		{"appVersion 33", `{"type":".ClientProperties","appVersion":"` + long(33) + `"}`, &connector.ClientProperties{AppVersion: long(33)},
			"$.appVersion: is 33 characters; at most 32 are allowed"},
		{"osName 65", `{"type":".ClientProperties","osName":"` + long(65) + `"}`, &connector.ClientProperties{OSName: long(65)}, "$.osName: is 65 characters; at most 64 are allowed"},
		{"osVersion 65", `{"type":".ClientProperties","osVersion":"` + long(65) + `"}`, &connector.ClientProperties{OSVersion: long(65)},
			"$.osVersion: is 65 characters; at most 64 are allowed"},
		{"integrationVersion 65", `{"type":".ClientProperties","integrationVersion":"` + long(65) + `"}`, &connector.ClientProperties{IntegrationVersion: long(65)},
			"$.integrationVersion: is 65 characters; at most 64 are allowed"},
		{"browser 65", `{"type":".ClientProperties","browser":"` + long(65) + `"}`, &connector.ClientProperties{Browser: long(65)}, "$.browser: is 65 characters; at most 64 are allowed"},
		{"browserVersion 65", `{"type":".ClientProperties","browserVersion":"` + long(65) + `"}`, &connector.ClientProperties{BrowserVersion: long(65)},
			"$.browserVersion: is 65 characters; at most 64 are allowed"},
		{"timeZone 65", `{"type":".ClientProperties","timeZone":"` + long(65) + `"}`, &connector.ClientProperties{TimeZone: long(65)}, "$.timeZone: is 65 characters; at most 64 are allowed"},
		{"deviceManufacture 65", `{"type":".ClientProperties","deviceManufacture":"` + long(65) + `"}`, &connector.ClientProperties{DeviceManufacture: long(65)},
			"$.deviceManufacture: is 65 characters; at most 64 are allowed"},
		{"deviceModel 65", `{"type":".ClientProperties","deviceModel":"` + long(65) + `"}`, &connector.ClientProperties{DeviceModel: long(65)},
			"$.deviceModel: is 65 characters; at most 64 are allowed"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			p, err := connector.DecodeClientProperties(tt.header)
			if err == nil || err.Error() != tt.want {
				t.Fatalf("DecodeClientProperties: %+v, error %v\nwant error %s", p, err, tt.want)
			}
			if p != nil {
				t.Errorf("a result with the error: %+v", p)
			}
			checkErrorKind(t, err)
			if tt.p == nil {
				return
			}
			if h, err := tt.p.Header(); err == nil || err.Error() != tt.want {
				t.Errorf("Header: %q, error %v\nwant error %s", h, err, tt.want)
			}
		})
	}
}

// Lengths count characters, not bytes: 64 two-byte characters are allowed.
func TestClientPropertiesMaxLengthInCharacters(t *testing.T) {
	p := &connector.ClientProperties{AppID: strings.Repeat("é", 64), AppVersion: strings.Repeat("1", 32), IPAddress: "255.255.255.255"}
	h, err := p.Header()
	if err != nil {
		t.Fatal(err)
	}
	if back, err := connector.DecodeClientProperties(h); err != nil || !reflect.DeepEqual(back, p) {
		t.Errorf("round trip %+v, %v", back, err)
	}
}
