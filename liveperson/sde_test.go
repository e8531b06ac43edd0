package liveperson_test

import (
	"encoding/json"
	"errors"
	"math"
	"reflect"
	"slices"
	"strings"
	"testing"

	"github.com/lpedge/lpedge/liveperson"
)

func decode(t testing.TB, s string) any {
	t.Helper()
	var v any
	if err := json.Unmarshal([]byte(s), &v); err != nil {
		t.Fatalf("bad test JSON %s: %v", s, err)
	}
	return v
}

// The reference's own examples (developer-center "Types of Engagement
// Attributes", report.md, best-practices) must validate unchanged, except
// where the reference conflicts with itself (noted).
var referenceExamples = []struct {
	name, in, want string // want is "" when the wire form equals in
}{
	{"cart", `{"type":"cart","total":11.7,"currency":"USD","numItems":6,"products":[{"product":{"name":"prod1","category":"category","sku":"sku","price":7.8},"quantity":3}]}`, ""},
	{"purchase", `{"type":"purchase","total":11.7,"currency":"USD","orderId":"DRV1534XC","cart":{"products":[{"product":{"name":"prod1","category":"category","sku":"sku","price":7.8},"quantity":1}]}}`, ""},
	{"purchase minimal (report.md)", `{"type":"purchase","total":11.7,"orderId":"DRV1534XC"}`, ""},
	{"prodView", `{"type":"prodView","currency":"USD","products":[{"product":{"name":"red high heel shoe","category":"women shoes","sku":"xyz567","price":77.8,"statusInStock":"low","quantityInStock":2}}]}`, ""},
	{"ctmrinfo", `{"type":"ctmrinfo","info":{"cstatus":"cancelled","ctype":"vip","customerId":"138766AC","balance":-400.99,"currency":"USD","socialId":"11256324780","imei":"3543546543545688","userName":"user000","companySize":500,"companyBranch":"Acme","accountName":"bank corp","role":"broker","lastPaymentDate":{"day":15,"month":10,"year":2014},"registrationDate":{"day":23,"month":5,"year":2013},"loginStatus":1,"storeZipCode":"20505","storeNumber":"123865"}}`, ""},
	{"mrktInfo (channel as string, campaignID)", `{"type":"mrktInfo","info":{"channel":"1","affiliate":"Yahoo","campaignID":"US coupon campaign"}}`,
		`{"type":"mrktInfo","info":{"channel":1,"affiliate":"Yahoo","campaignId":"US coupon campaign"}}`},
	{"personal", `{"type":"personal","personal":{"firstname":"John","lastname":"Doe","age":{"age":34,"year":1980,"month":4,"day":15},"contacts":[{"email":"myname@example.com","phone":"+1 212-788-8877","phoneType":"MOBILE","address":{"country":"Russia","region":"Moscow"}}],"gender":"MALE","company":"company","language":"en-US"}}`, ""},
	{"personal gender as old integer code", `{"type":"personal","personal":{"gender":1}}`, `{"type":"personal","personal":{"gender":"FEMALE"}}`},
	{"lead", `{"type":"lead","lead":{"topic":"luxury car test drive 2015","value":22.22,"currency":"USD","leadId":"xyz123"}}`, ""},
	{"service", `{"type":"service","service":{"topic":"order checkbook","status":0,"category":"finance","serviceId":"service12"}}`, ""},
	{"service extended status", `{"type":"service","service":{"status":13}}`, ""},
	{"error", `{"type":"error","error":{"contextId":"2","message":"Expiration date missing","code":"er100004","level":10,"resolved":false}}`, ""},
	{"searchInfo", `{"type":"searchInfo","keywords":["summer","jacket"]}`, ""},
	{"searchContent alias", `{"type":"searchContent","keywords":["shoes"]}`, `{"type":"searchInfo","keywords":["shoes"]}`},
	{"cartStatus alias", `{"type":"cartStatus","total":1,"numItems":1}`, `{"type":"cart","total":1,"numItems":1}`},
	{"impAccept", `{"type":"impAccept","campaign":3115242510,"engId":3115242810,"revision":537,"eContext":[{"type":"engagementContext","id":"1"}]}`, ""},
	{"impDisplay", `{"type":"impDisplay","campaign":3115242510,"engId":3115242810,"revision":537,"eContext":[{"type":"engagementContext","id":"1"}]}`, ""},
	{"impExpanded (nulls are absent)", `{"type":"impExpanded","expanded":null,"userInit":null,"actionableItems":null,"campaign":3115242510,"engId":3115242810,"revision":537}`,
		`{"type":"impExpanded","campaign":3115242510,"engId":3115242810,"revision":537}`},
	{"impTimeout", `{"type":"impTimeout","campaign":3115242510,"engId":3115242810,"revision":537}`, ""},
	{"impClose", `{"type":"impClose","campaign":3115242510,"engId":3115242810,"revision":537}`, ""},
	{"enum case is normalized", `{"type":"personal","personal":{"gender":"female","contacts":[{"phoneType":"home_fax"}]}}`,
		`{"type":"personal","personal":{"gender":"FEMALE","contacts":[{"phoneType":"HOME_FAX"}]}}`},
}

func TestParseSDEReferenceExamples(t *testing.T) {
	for _, tt := range referenceExamples {
		t.Run(tt.name, func(t *testing.T) {
			sde, err := liveperson.ParseSDE(decode(t, tt.in))
			if err != nil {
				t.Fatalf("ParseSDE: %v", err)
			}
			want := tt.want
			if want == "" {
				want = tt.in
			}
			got := decode(t, string(sde.AppendJSON(nil)))
			if !reflect.DeepEqual(got, decode(t, want)) {
				t.Errorf("wire form\n got %s\nwant %s", sde.AppendJSON(nil), want)
			}
		})
	}
}

// sample builds a value for every field of the schema, so the round trip
// below covers every documented field of every type.
func sample(fl *liveperson.Field, seed int) any {
	switch fl.Kind {
	case liveperson.String:
		if fl.Enum != nil {
			return fl.Enum[seed%len(fl.Enum)]
		}
		return fl.Name + "-é\"\\\u2028-" + strings.Repeat("x", seed%3)
	case liveperson.Double:
		return 12.25 + float64(seed)
	case liveperson.Int, liveperson.Long:
		if fl.Enum != nil {
			return float64(seed % len(fl.Enum))
		}
		return float64(3 + seed)
	case liveperson.Bool:
		return seed%2 == 0
	case liveperson.Any:
		return []any{"x", 1.0, map[string]any{"k": nil}}
	case liveperson.Object:
		m := map[string]any{}
		for i, sub := range fl.Fields {
			m[sub.Name] = sample(sub, seed+i)
		}
		return m
	case liveperson.Array:
		return []any{sample(fl.Elem, seed), sample(fl.Elem, seed+1)}
	}
	panic("unknown kind")
}

func fullSDE(tp *liveperson.Type) map[string]any {
	m := sample(&liveperson.Field{Kind: liveperson.Object, Fields: tp.Fields}, 1).(map[string]any)
	m["type"] = tp.Name
	return m
}

func TestEveryTypeAndFieldRoundTrips(t *testing.T) {
	wantTypes := []string{"cart", "purchase", "prodView", "ctmrinfo", "mrktInfo", "personal", "lead", "service",
		"error", "searchInfo", "impDisplay", "impAccept", "impExpanded", "impTimeout", "impClose"}
	var got []string
	for _, tp := range liveperson.Types() {
		got = append(got, tp.Name)
		t.Run(tp.Name, func(t *testing.T) {
			in := fullSDE(tp)
			sde, err := liveperson.ParseSDE(in)
			if err != nil {
				t.Fatalf("ParseSDE: %v", err)
			}
			var back any
			if err := json.Unmarshal(sde.AppendJSON(nil), &back); err != nil {
				t.Fatalf("AppendJSON wrote invalid JSON %s: %v", sde.AppendJSON(nil), err)
			}
			if !reflect.DeepEqual(back, in) {
				t.Errorf("round trip\n got %#v\nwant %#v", back, in)
			}
		})
	}
	if !slices.Equal(got, wantTypes) {
		t.Errorf("Types() = %v, want %v", got, wantTypes)
	}
}

func TestParseSDEErrors(t *testing.T) {
	tests := []struct{ in, field, problem string }{
		{`"cart"`, "sde", "want an object, got a string"},
		{`{"total":1}`, "type", "is required"},
		{`{"type":7}`, "type", "want a string, got 7"},
		{`{"type":"carts"}`, "type", `"carts" is not an engagement attribute type`},
		{`{"type":"cart","numItems":1}`, "cart.total", "is required"},
		{`{"type":"cart","total":1}`, "cart.numItems", "is required"},
		{`{"type":"cart","total":null,"numItems":1}`, "cart.total", "is required"},
		{`{"type":"cart","total":"9.5","numItems":1}`, "cart.total", `want a number, got a string ("9.5")`},
		{`{"type":"cart","total":1,"numItems":1.5}`, "cart.numItems", "want an integer, got 1.5"},
		{`{"type":"cart","total":1,"numItems":3000000000}`, "cart.numItems", "3000000000 is out of range"},
		{`{"type":"cart","total":1,"numItems":1,"totl":2}`, "cart", `has no field "totl" (want one of total, currency, numItems, products)`},
		{`{"type":"cart","cart":{"total":1,"numItems":1}}`, "cart", `has no field "cart" (want one of total, currency, numItems, products)`},
		{`{"type":"lead","lead":{"":1,"topic":"x"}}`, "lead.lead", `has no field ""`},
		{`{"type":"cart","total":1,"numItems":1,"products":{}}`, "cart.products", "want an array, got an object"},
		{`{"type":"cart","total":1,"numItems":1,"products":[null]}`, "cart.products[0]", "want an object, got null"},
		{`{"type":"cart","total":1,"numItems":1,"products":[{"product":{"price":"x"}}]}`, "cart.products[0].product.price", "want a number"},
		{`{"type":"purchase","cart":{"numItems":1}}`, "purchase.cart.products", "is required"},
		{`{"type":"service","service":{"status":14}}`, "service.service.status", "14 is not one of 0 (Complete)"},
		{`{"type":"service","service":{"status":-1}}`, "service.service.status", "is not one of"},
		{`{"type":"service","service":{"status":"1"}}`, "service.service.status", "want an integer"},
		{`{"type":"personal","personal":{"gender":"M"}}`, "personal.personal.gender", `"M" is not one of MALE, FEMALE, OTHER`},
		{`{"type":"personal","personal":{"gender":3}}`, "personal.personal.gender", "3 is not a code of 0 (MALE)"},
		{`{"type":"personal","personal":{"contacts":[{"phoneType":"CELL"}]}}`, "personal.personal.contacts[0].phoneType", `"CELL" is not one of HOME, MOBILE`},
		{`{"type":"mrktInfo","info":{"channel":5}}`, "mrktInfo.info.channel", "5 is not one of 0 (Direct)"},
		{`{"type":"mrktInfo","info":{"channel":"01"}}`, "mrktInfo.info.channel", "want an integer"},
		{`{"type":"mrktInfo","info":{"campaignId":"a","campaignID":"b"}}`, "mrktInfo.info.", "is given twice"},
		{`{"type":"error","error":{"resolved":"no"}}`, "error.error.resolved", "want true or false"},
		{`{"type":"searchInfo","keywords":"shoes"}`, "searchInfo.keywords", "want an array"},
		{`{"type":"searchInfo","keywords":[1]}`, "searchInfo.keywords[0]", "want a string, got 1"},
		{`{"type":"ctmrinfo","info":{"lastPaymentDate":"2020-01-01"}}`, "ctmrinfo.info.lastPaymentDate", "want an object"},
		{`{"type":"impAccept","engId":1}`, "impAccept.campaign", "is required"},
		{`{"type":"impClose","campaign":1,"engId":1e300}`, "impClose.engId", "out of range"},
		{`{"type":"cart","total":-1,"numItems":1}`, "cart.total", "-1 is negative"},
		{`{"type":"cart","total":1,"numItems":-2}`, "cart.numItems", "-2 is negative"},
		{`{"type":"purchase","total":-0.5}`, "purchase.total", "is negative"},
		{`{"type":"purchase","cart":{"products":[{"quantity":-1}]}}`, "purchase.cart.products[0].quantity", "is negative"},
		{`{"type":"prodView","products":[{"product":{"price":-9.5,"quantityInStock":1}}]}`, "prodView.products[0].product.price", "is negative"},
		{`{"type":"prodView","products":[{"product":{"quantityInStock":-1}}]}`, "prodView.products[0].product.quantityInStock", "is negative"},
	}
	for _, tt := range tests {
		t.Run(tt.in, func(t *testing.T) {
			_, err := liveperson.ParseSDE(decode(t, tt.in))
			var ve *liveperson.ValidationError
			if !errors.As(err, &ve) {
				t.Fatalf("error = %v, want a *ValidationError", err)
			}
			if !strings.HasPrefix(ve.Field, tt.field) || !strings.Contains(ve.Problem, tt.problem) {
				t.Errorf("error = %q, want field %q and a problem containing %q", err, tt.field, tt.problem)
			}
		})
	}
}

func TestParseSDEStringLimit(t *testing.T) {
	long := strings.Repeat("a", liveperson.MaxString+1)
	_, err := liveperson.ParseSDE(map[string]any{"type": "lead", "lead": map[string]any{"topic": long}})
	if err == nil || !strings.Contains(err.Error(), "lead.lead.topic: is longer than 50000 bytes") {
		t.Fatalf("error = %v", err)
	}
}

func TestParseSDEGoValues(t *testing.T) {
	sde, err := liveperson.ParseSDE(map[string]any{"type": "cart", "total": 10, "numItems": int64(2),
		"products": []any{map[string]any{"quantity": int32(2)}}})
	if err != nil {
		t.Fatal(err)
	}
	if got := string(sde.AppendJSON(nil)); got != `{"type":"cart","total":10,"numItems":2,"products":[{"quantity":2}]}` {
		t.Errorf("AppendJSON = %s", got)
	}
	sde, err = liveperson.ParseSDE(map[string]any{"type": "searchInfo", "keywords": []string{"a"}})
	if err != nil || sde.Type() != "searchInfo" {
		t.Fatalf("ParseSDE([]string) = %v, %v", sde, err)
	}
}

func TestParseSDEs(t *testing.T) {
	got, err := liveperson.DecodeSDEs([]byte(`{"type":"searchContent","keywords":["a"]}`))
	if err != nil || len(got) != 1 || got[0].Type() != "searchInfo" {
		t.Fatalf("single object: %v, %v", got, err)
	}
	got, err = liveperson.DecodeSDEs([]byte(`[{"type":"lead"},{"type":"cart","total":1,"numItems":1}]`))
	if err != nil || len(got) != 2 {
		t.Fatalf("array: %v, %v", got, err)
	}
	_, err = liveperson.DecodeSDEs([]byte(`[{"type":"lead"},{"type":"cart"}]`))
	var ve *liveperson.ValidationError
	if !errors.As(err, &ve) || ve.Index != 1 || err.Error() != "sdes[1]: cart.total: is required" {
		t.Fatalf("error = %v", err)
	}
	for _, bad := range []string{`"x"`, `3`, `[1]`, `{`} {
		if _, err := liveperson.DecodeSDEs([]byte(bad)); err == nil {
			t.Errorf("DecodeSDEs(%s) succeeded", bad)
		}
	}
}

func TestAppendSDEs(t *testing.T) {
	sdes, err := liveperson.DecodeSDEs([]byte(`[{"type":"lead","lead":{"leadId":"1"}},{"type":"searchInfo","keywords":["k"]}]`))
	if err != nil {
		t.Fatal(err)
	}
	want := `[{"type":"lead","lead":{"leadId":"1"}},{"type":"searchInfo","keywords":["k"]}]`
	if got := string(liveperson.AppendSDEs(nil, sdes)); got != want {
		t.Errorf("AppendSDEs = %s, want %s", got, want)
	}
	if got := string(liveperson.AppendSDEs(nil, nil)); got != `[]` {
		t.Errorf("AppendSDEs(nil) = %s", got)
	}
}

func TestForMessaging(t *testing.T) {
	sdes, err := liveperson.DecodeSDEs([]byte(`[
		{"type":"ctmrinfo","info":{"customerId":"c1","ctype":"vip","storeNumber":"7","lastPaymentDate":{"day":1}}},
		{"type":"personal","personal":{"firstname":"Ann"}},
		{"type":"cart","total":1,"numItems":1},
		{"type":"searchInfo","keywords":["a"]}]`))
	if err != nil {
		t.Fatal(err)
	}
	kept, dropped := liveperson.ForMessaging(sdes)
	got := string(liveperson.AppendSDEs(nil, kept))
	want := `[{"type":"ctmrinfo","info":{"ctype":"vip","lastPaymentDate":{"day":1}}},{"type":"personal","personal":{"firstname":"Ann"}}]`
	if got != want {
		t.Errorf("kept = %s, want %s", got, want)
	}
	slices.Sort(dropped)
	if wantDropped := []string{"cart", "ctmrinfo.info.customerId", "ctmrinfo.info.storeNumber", "searchInfo"}; !slices.Equal(dropped, wantDropped) {
		t.Errorf("dropped = %v, want %v", dropped, wantDropped)
	}
	if _, ok := sdes[0]["info"].(map[string]any)["customerId"]; !ok {
		t.Error("ForMessaging modified its input")
	}
}

func TestLookupType(t *testing.T) {
	for name, want := range map[string]string{"cart": "cart", "cartStatus": "cart", "searchContent": "searchInfo", "impClose": "impClose"} {
		if tp := liveperson.LookupType(name); tp == nil || tp.Name != want {
			t.Errorf("LookupType(%q) = %v, want %s", name, tp, want)
		}
	}
	if tp := liveperson.LookupType("section"); tp != nil {
		t.Errorf("LookupType(section) = %v; sections are entry points, not SDEs", tp)
	}
}

// FuzzParseSDE: whatever the input, ParseSDEs either fails with a
// ValidationError or a syntax error, or returns SDEs whose JSON parses and
// validates again to the same value (normalization is idempotent).
func FuzzParseSDE(f *testing.F) {
	for _, e := range referenceExamples {
		f.Add([]byte(e.in))
	}
	for _, tp := range liveperson.Types() {
		b, _ := json.Marshal(fullSDE(tp))
		f.Add(b)
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		sdes, err := liveperson.DecodeSDEs(data)
		if err != nil {
			if err.Error() == "" {
				t.Fatal("empty error message")
			}
			return
		}
		out := liveperson.AppendSDEs(nil, sdes)
		if !json.Valid(out) {
			t.Fatalf("AppendSDEs wrote invalid JSON: %s", out)
		}
		again, err := liveperson.DecodeSDEs(out)
		if err != nil {
			t.Fatalf("wire form %s does not validate: %v", out, err)
		}
		if !reflect.DeepEqual(again, sdes) {
			t.Fatalf("normalization not idempotent:\n%#v\n%#v", sdes, again)
		}
	})
}

// Values from Go callers that JSON cannot produce.
func TestParseSDEGoValueErrors(t *testing.T) {
	deep := any(nil)
	for range 70 {
		deep = []any{deep}
	}
	imp := func(items any) any {
		return map[string]any{"type": "impExpanded", "campaign": 1, "engId": 2, "actionableItems": items}
	}
	tests := []struct {
		name string
		in   any
		want string
	}{
		{"non-JSON value in Any", imp(map[string]string{"a": "b"}), "impExpanded.actionableItems: is not a JSON value"},
		{"NaN in Any", imp([]any{math.NaN()}), "impExpanded.actionableItems: is not a JSON value"},
		{"Any nested too deeply", imp(deep), "impExpanded.actionableItems: is nested too deeply"},
		{"infinite number", map[string]any{"type": "lead", "lead": map[string]any{"value": math.Inf(1)}}, "lead.lead.value: want a finite number"},
		{"[]string element too long", map[string]any{"type": "searchInfo", "keywords": []string{"a", strings.Repeat("b", liveperson.MaxString+1)}},
			"searchInfo.keywords[1]: is longer than 50000 bytes"},
		{"gender code not integral", map[string]any{"type": "personal", "personal": map[string]any{"gender": 0.5}},
			"personal.personal.gender: 0.5 is not a code of 0 (MALE), 1 (FEMALE), 2 (OTHER)"},
		{"channel digits out of range", map[string]any{"type": "mrktInfo", "info": map[string]any{"channel": "3000000000"}},
			`mrktInfo.info.channel: a string ("3000000000") is out of range`},
		{"channel digits not a code", map[string]any{"type": "mrktInfo", "info": map[string]any{"channel": "7"}},
			`mrktInfo.info.channel: a string ("7") is not one of 0 (Direct), 1 (Search), 2 (Social), 3 (Email), 4 (Referral)`},
		{"unknown type quoted", map[string]any{"type": "a\"b"}, `type: "a\"b" is not an engagement attribute type (want one of cart, purchase, prodView, ctmrinfo, mrktInfo, personal, lead, service, error, searchInfo, impDisplay, impAccept, impExpanded, impTimeout, impClose)`},
		{"null member of unknown name", map[string]any{"type": "lead", "x": nil}, `lead: has no field "x" (want one of lead)`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := liveperson.ParseSDE(tt.in)
			if err == nil || err.Error() != tt.want {
				t.Errorf("error = %v, want %s", err, tt.want)
			}
		})
	}
}

// Go callers' values are normalized: integers to float64, a []string to a
// []any, enum values and codes to the canonical spelling.
func TestParseSDENormalizesGoValues(t *testing.T) {
	sde, err := liveperson.ParseSDE(map[string]any{"type": "personal", "personal": map[string]any{
		"gender": int64(2), "age": map[string]any{"age": int32(30)},
		"contacts": []any{map[string]any{"phoneType": "wor\u212A"}}}}) // KELVIN SIGN folds to k
	if err != nil {
		t.Fatal(err)
	}
	want := liveperson.SDE{"type": "personal", "personal": map[string]any{"gender": "OTHER",
		"age": map[string]any{"age": 30.0}, "contacts": []any{map[string]any{"phoneType": "WORK"}}}}
	if !reflect.DeepEqual(sde, want) {
		t.Errorf("ParseSDE = %#v, want %#v", sde, want)
	}
	sde, err = liveperson.ParseSDE(map[string]any{"type": "searchInfo", "keywords": []string{"a", "b"}})
	if want := (liveperson.SDE{"type": "searchInfo", "keywords": []any{"a", "b"}}); err != nil || !reflect.DeepEqual(sde, want) {
		t.Errorf("ParseSDE([]string) = %#v, %v, want %#v", sde, err, want)
	}
}

// TestParseSDESigns: zero amounts and counts, and a balance below zero
// (a debt: not a cart's amount), are valid.
func TestParseSDESigns(t *testing.T) {
	for _, in := range []string{`{"type":"cart","total":0,"numItems":0}`, `{"type":"purchase","total":0}`,
		`{"type":"ctmrinfo","info":{"balance":-10.5}}`, `{"type":"cart","total":-0,"numItems":0}`} {
		if _, err := liveperson.ParseSDE(decode(t, in)); err != nil {
			t.Errorf("%s: %v", in, err)
		}
	}
}
