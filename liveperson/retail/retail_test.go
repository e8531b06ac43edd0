package retail_test

import (
	"encoding/json"
	"errors"
	"reflect"
	"slices"
	"strings"
	"testing"

	"github.com/lpedge/lpedge/liveperson"
	"github.com/lpedge/lpedge/liveperson/retail"
)

func decode(t testing.TB, s string) any {
	t.Helper()
	var v any
	if err := json.Unmarshal([]byte(s), &v); err != nil {
		t.Fatalf("bad test JSON %s: %v", s, err)
	}
	return v
}

func props(t testing.TB, s string) map[string]any {
	t.Helper()
	m, ok := decode(t, s).(map[string]any)
	if !ok {
		t.Fatalf("test props %s are not an object", s)
	}
	return m
}

// same compares SDEs with JSON text structurally, through encoding/json.
func same(t *testing.T, got []liveperson.SDE, want string) {
	t.Helper()
	wire := liveperson.AppendSDEs(nil, got)
	if !reflect.DeepEqual(decode(t, string(wire)), decode(t, want)) {
		t.Errorf("SDEs\n got %s\nwant %s", wire, want)
	}
}

// The two examples of the Datafly seed (seeds/001): the track call's
// properties and the engagementAttributes of the payload Signal sends.
func TestSeedExamples(t *testing.T) {
	tests := []struct{ name, event, props, want string }{
		{"purchase", "Order Completed", `{"order_id":"DRV1534XC","revenue":11.70,"currency":"USD"}`,
			`[{"type":"purchase","total":11.70,"currency":"USD","orderId":"DRV1534XC"}]`},
		{"prodView", "Product Viewed", `{"product_id":"SKU-A","product_name":"Widget","category":"Hardware","price":49.99}`,
			`[{"type":"prodView","products":[{"product":{"name":"Widget","category":"Hardware","sku":"SKU-A","price":49.99}}]}]`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			sdes, err := retail.Map(tt.event, props(t, tt.props))
			if err != nil {
				t.Fatal(err)
			}
			same(t, sdes, tt.want)
			if sdes[0].Type() != tt.name {
				t.Errorf("type %q, want %q", sdes[0].Type(), tt.name)
			}
			// A fresh Cart maps them the same: nothing to empty.
			var c retail.Cart
			sdes, err = c.Map(tt.event, props(t, tt.props))
			if err != nil {
				t.Fatal(err)
			}
			same(t, sdes, tt.want)
		})
	}
}

// Stateless mapping: every event, through the package's Map.
func TestMap(t *testing.T) {
	tests := []struct{ name, event, props, want string }{
		{"product viewed, Segment names, currency", "Product Viewed",
			`{"product_id":"p1","sku":"SKU-1","name":"Shoe","category":"Shoes","price":9.5,"currency":"EUR","brand":"ignored","quantity":3}`,
			`[{"type":"prodView","currency":"EUR","products":[{"product":{"sku":"SKU-1","name":"Shoe","category":"Shoes","price":9.5}}]}]`},
		{"product viewed, numeric id, name only nulls dropped", "product viewed", `{"product_id":507,"category":null}`,
			`[{"type":"prodView","products":[{"product":{"sku":"507"}}]}]`},
		{"product viewed, name is enough", "Product Viewed", `{"name":"Shoe"}`,
			`[{"type":"prodView","products":[{"product":{"name":"Shoe"}}]}]`},
		{"list viewed: list category fills in", "Product List Viewed",
			`{"list_id":"l","category":"Deals","currency":"USD","products":[{"product_id":"a","price":1},{"sku":"b","category":"Own","position":2}]}`,
			`[{"type":"prodView","currency":"USD","products":[{"product":{"sku":"a","price":1,"category":"Deals"}},{"product":{"sku":"b","category":"Own"}}]}]`},
		{"list viewed: empty list reports nothing", "Product List Viewed", `{"products":[]}`, `[]`},
		{"list viewed: no list reports nothing", "Product List Viewed", `{"category":"Deals"}`, `[]`},
		{"searched: words, no repeats", "Products Searched", `{"query":"  blue  summer jacket blue\t"}`,
			`[{"type":"searchInfo","keywords":["blue","summer","jacket"]}]`},
		{"added: full cart in products", "Product Added",
			`{"product_id":"c","price":3,"products":[{"product_id":"a","price":1.1,"quantity":2},{"product_id":"c","price":3}],"currency":"USD"}`,
			`[{"type":"cart","total":5.2,"numItems":3,"currency":"USD","products":[{"product":{"sku":"a","price":1.1},"quantity":2},{"product":{"sku":"c","price":3},"quantity":1}]}]`},
		{"removed: stated cart_total wins", "Product Removed", `{"product_id":"a","cart_total":7.5,"products":[{"sku":"b","price":9,"quantity":1}]}`,
			`[{"type":"cart","total":7.5,"numItems":1,"products":[{"product":{"sku":"b","price":9},"quantity":1}]}]`},
		{"removed: last product leaves an empty cart", "Product Removed", `{"product_id":"a","products":[]}`,
			`[{"type":"cart","total":0,"numItems":0}]`},
		{"cart viewed", "Cart Viewed", `{"cart_id":"k","products":[{"product_id":"a","name":"A","price":0.1,"quantity":1},{"product_id":"b","price":0.2,"quantity":1}]}`,
			`[{"type":"cart","total":0.3,"numItems":2,"products":[{"product":{"sku":"a","name":"A","price":0.1},"quantity":1},{"product":{"sku":"b","price":0.2},"quantity":1}]}]`},
		{"checkout started: value is the total", "Checkout Started", `{"order_id":"o","value":25,"revenue":20,"currency":"USD","products":[{"product_id":"a","price":10,"quantity":2}]}`,
			`[{"type":"cart","total":25,"numItems":2,"currency":"USD","products":[{"product":{"sku":"a","price":10},"quantity":2}]}]`},
		{"checkout started: revenue when alone", "Checkout Started", `{"revenue":20,"products":[{"product_id":"a","price":10,"quantity":2}]}`,
			`[{"type":"cart","total":20,"numItems":2,"products":[{"product":{"sku":"a","price":10},"quantity":2}]}]`},
		{"order completed: total over revenue, cart", "Order Completed",
			`{"order_id":50314,"total":27.5,"revenue":25,"currency":"USD","products":[{"product_id":"a","name":"A","price":10,"quantity":2},{"sku":"b","price":5}]}`,
			`[{"type":"purchase","orderId":"50314","total":27.5,"currency":"USD","cart":{"numItems":3,"products":[{"product":{"sku":"a","name":"A","price":10},"quantity":2},{"product":{"sku":"b","price":5},"quantity":1}]}}]`},
		{"order completed: nothing but an id", "Order Completed", `{"order_id":"x"}`, `[{"type":"purchase","orderId":"x"}]`},
		{"lead generated", "Lead Generated", `{"lead_id":"L1","topic":"test drive","value":22.22,"currency":"USD"}`,
			`[{"type":"lead","lead":{"leadId":"L1","topic":"test drive","value":22.22,"currency":"USD"}}]`},
		{"lead generated, bare", "Lead Generated", `{}`, `[{"type":"lead","lead":{}}]`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			sdes, err := retail.Map(tt.event, props(t, tt.props))
			if err != nil {
				t.Fatal(err)
			}
			same(t, sdes, tt.want)
		})
	}
}

// A session's cart: each step's output, given what came before.
func TestCartSession(t *testing.T) {
	steps := []struct{ event, props, want string }{
		{"Product Added", `{"product_id":"a","name":"A","price":10,"currency":"USD"}`,
			`[{"type":"cart","total":10,"numItems":1,"currency":"USD","products":[{"product":{"sku":"a","name":"A","price":10},"quantity":1}]}]`},
		{"Product Added", `{"sku":"b","price":2.5,"quantity":3}`,
			`[{"type":"cart","total":17.5,"numItems":4,"currency":"USD","products":[{"product":{"sku":"a","name":"A","price":10},"quantity":1},{"product":{"sku":"b","price":2.5},"quantity":3}]}]`},
		// Same line (product_id a is its sku); the newer price wins.
		{"Product Added", `{"product_id":"a","name":"A","price":9,"quantity":2}`,
			`[{"type":"cart","total":34.5,"numItems":6,"currency":"USD","products":[{"product":{"sku":"a","name":"A","price":9},"quantity":3},{"product":{"sku":"b","price":2.5},"quantity":3}]}]`},
		{"Product Viewed", `{"product_id":"z"}`, `[{"type":"prodView","products":[{"product":{"sku":"z"}}]}]`},
		{"Product Removed", `{"sku":"b","quantity":1}`,
			`[{"type":"cart","total":32,"numItems":5,"currency":"USD","products":[{"product":{"sku":"a","name":"A","price":9},"quantity":3},{"product":{"sku":"b","price":2.5},"quantity":2}]}]`},
		{"Product Removed", `{"sku":"nope"}`,
			`[{"type":"cart","total":32,"numItems":5,"currency":"USD","products":[{"product":{"sku":"a","name":"A","price":9},"quantity":3},{"product":{"sku":"b","price":2.5},"quantity":2}]}]`},
		{"Product Removed", `{"product_id":"a"}`,
			`[{"type":"cart","total":5,"numItems":2,"currency":"USD","products":[{"product":{"sku":"b","price":2.5},"quantity":2}]}]`},
		{"Product Added", `{"name":"Gift card","cart_total":30,"currency":"EUR"}`,
			`[{"type":"cart","total":30,"numItems":3,"currency":"EUR","products":[{"product":{"sku":"b","price":2.5},"quantity":2},{"product":{"name":"Gift card"},"quantity":1}]}]`},
		{"Cart Viewed", `{}`,
			`[{"type":"cart","total":5,"numItems":3,"currency":"EUR","products":[{"product":{"sku":"b","price":2.5},"quantity":2},{"product":{"name":"Gift card"},"quantity":1}]}]`},
		{"Checkout Started", `{"total":4.5}`,
			`[{"type":"cart","total":4.5,"numItems":3,"currency":"EUR","products":[{"product":{"sku":"b","price":2.5},"quantity":2},{"product":{"name":"Gift card"},"quantity":1}]}]`},
		// The page knows better: its products replace the Cart's.
		{"Cart Viewed", `{"products":[{"product_id":"q","price":1,"quantity":4}]}`,
			`[{"type":"cart","total":4,"numItems":4,"currency":"EUR","products":[{"product":{"sku":"q","price":1},"quantity":4}]}]`},
		{"Order Completed", `{"order_id":"o1","revenue":4}`,
			`[{"type":"purchase","orderId":"o1","total":4},{"type":"cart","total":0,"numItems":0}]`},
		{"Order Completed", `{"order_id":"o2"}`, `[{"type":"purchase","orderId":"o2"}]`},
		{"Cart Viewed", `{}`, `[{"type":"cart","total":0,"numItems":0}]`},
	}
	var c retail.Cart
	for i, s := range steps {
		sdes, err := c.Map(s.event, props(t, s.props))
		if err != nil {
			t.Fatalf("step %d %s: %v", i, s.event, err)
		}
		same(t, sdes, s.want)
	}
}

func TestCartUnchangedOnError(t *testing.T) {
	var c retail.Cart
	if _, err := c.Map("Product Added", map[string]any{"sku": "a", "price": 2.0, "quantity": 2.0}); err != nil {
		t.Fatal(err)
	}
	before, _ := c.SDE()
	for _, bad := range []struct {
		event string
		props map[string]any
	}{
		{"Product Added", map[string]any{"sku": "b", "price": "2"}},
		{"Product Added", map[string]any{"sku": "a", "quantity": 2147483647.0}}, // numItems overflows int32
		{"Product Removed", map[string]any{"quantity": 1.0}},
		{"Cart Viewed", map[string]any{"products": []any{map[string]any{"sku": "x"}, "y"}}},
		{"Order Completed", map[string]any{"total": "9"}},
		{"Order Placed", nil},
	} {
		if _, err := c.Map(bad.event, bad.props); err == nil {
			t.Fatalf("%s %v: no error", bad.event, bad.props)
		}
		if after, _ := c.SDE(); !reflect.DeepEqual(after, before) {
			t.Fatalf("%s %v changed the cart:\n%v\n%v", bad.event, bad.props, before, after)
		}
	}
}

func TestCartSDELoad(t *testing.T) {
	var c retail.Cart
	empty, err := c.SDE()
	if err != nil {
		t.Fatal(err)
	}
	same(t, []liveperson.SDE{empty}, `[{"type":"cart","total":0,"numItems":0}]`)
	if _, err := c.Map("Cart Viewed", props(t, `{"currency":"USD","products":[{"sku":"a","price":1.5,"quantity":2},{"name":"B"}]}`)); err != nil {
		t.Fatal(err)
	}
	saved, err := c.SDE()
	if err != nil {
		t.Fatal(err)
	}
	// As the tag does across page loads: JSON out, JSON in, Load.
	back, err := liveperson.DecodeSDEs(saved.AppendJSON(nil))
	if err != nil {
		t.Fatal(err)
	}
	var next retail.Cart
	if err := next.Load(back[0]); err != nil {
		t.Fatal(err)
	}
	sdes, err := next.Map("Product Added", props(t, `{"sku":"a","price":1.5}`))
	if err != nil {
		t.Fatal(err)
	}
	same(t, sdes, `[{"type":"cart","total":4.5,"numItems":4,"currency":"USD","products":[{"product":{"sku":"a","price":1.5},"quantity":3},{"product":{"name":"B"},"quantity":1}]}]`)

	for _, tt := range []struct{ in, err string }{
		{`{"type":"lead"}`, "type: want cart, got lead"},
		{`{"type":"cart","total":1}`, "cart.numItems: is required"},
		{`{"type":"cart","total":1,"numItems":1,"products":[{"quantity":-1}]}`, "cart.products[0].quantity: -1 is negative"},
	} {
		var c retail.Cart
		s := liveperson.SDE(decode(t, tt.in).(map[string]any))
		if err := c.Load(s); err == nil || err.Error() != tt.err {
			t.Errorf("Load(%s) = %v, want %q", tt.in, err, tt.err)
		}
	}
}

func TestIdentify(t *testing.T) {
	tests := []struct {
		name, userID, traits, want string
	}{
		{"user id only", "cust-1", `{}`, `[{"type":"ctmrinfo","info":{"customerId":"cust-1"}}]`},
		{"user id not UTF-8", "c\xb0", `{}`, `[{"type":"ctmrinfo","info":{"customerId":"c\ufffd"}}]`},
		{"nothing", "", `{"plan":"pro","logins":5}`, `[]`},
		{"Segment camelCase traits", "u1", `{
			"firstName":"Peter","lastName":"Gibbons","email":"peter@example.com","phone":"+1 555 0100",
			"gender":"male","age":34,"birthday":"1990-04-15T00:00:00.000Z","title":"Engineer","username":"pgibbons",
			"createdAt":"2015-02-23T22:28:55.111Z","company":{"name":"Initech","employee_count":120,"plan":"enterprise"},
			"address":{"city":"Austin","country":"USA","state":"TX","street":"1 Main St"},"language":"en-US","plan":"x"}`,
			`[{"type":"ctmrinfo","info":{"customerId":"u1","userName":"pgibbons","role":"Engineer","companySize":120,
				"registrationDate":{"year":2015,"month":2,"day":23}}},
			  {"type":"personal","personal":{"firstname":"Peter","lastname":"Gibbons","gender":"MALE","company":"Initech","language":"en-US",
				"age":{"age":34,"year":1990,"month":4,"day":15},
				"contacts":[{"email":"peter@example.com","phone":"+1 555 0100","address":{"country":"USA","region":"TX"}}]}}]`},
		{"snake_case traits, company as a string", "", `{"first_name":"Ann","last_name":"Lee","phone_type":"mobile","phone":"555","company":"Acme","created_at":"2020-01-02"}`,
			`[{"type":"ctmrinfo","info":{"registrationDate":{"year":2020,"month":1,"day":2}}},
			  {"type":"personal","personal":{"firstname":"Ann","lastname":"Lee","company":"Acme","contacts":[{"phone":"555","phoneType":"MOBILE"}]}}]`},
		{"full name split at its first space", "", `{"name":"  Mary Ann  Smith "}`,
			`[{"type":"personal","personal":{"firstname":"Mary","lastname":"Ann  Smith"}}]`},
		{"one-word name", "", `{"name":"Cher"}`, `[{"type":"personal","personal":{"firstname":"Cher"}}]`},
		{"first name wins over name", "", `{"name":"A B","firstName":"C"}`, `[{"type":"personal","personal":{"firstname":"C"}}]`},
		{"LivePerson's own ctmrinfo fields", "u2", `{"ctype":"vip","cstatus":"active","balance":-400.99,"currency":"USD","accountName":"bank corp",
			"loginStatus":1,"storeNumber":"123865","lastPaymentDate":"2014-10-15","socialId":"11256324780","customerId":"ignored"}`,
			`[{"type":"ctmrinfo","info":{"customerId":"u2","ctype":"vip","cstatus":"active","balance":-400.99,"currency":"USD",
				"accountName":"bank corp","loginStatus":1,"storeNumber":"123865","socialId":"11256324780",
				"lastPaymentDate":{"year":2014,"month":10,"day":15}}}]`},
		{"Segment names win over LivePerson's", "", `{"title":"a","role":"b"}`, `[{"type":"ctmrinfo","info":{"role":"a"}}]`},
		{"birthday alone", "", `{"birthday":"2001-12-31"}`, `[{"type":"personal","personal":{"age":{"year":2001,"month":12,"day":31}}}]`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			sdes, err := retail.Identify(tt.userID, props(t, tt.traits))
			if err != nil {
				t.Fatal(err)
			}
			same(t, sdes, tt.want)
		})
	}
}

func TestPage(t *testing.T) {
	tests := []struct {
		url      string
		sections []string
		want     []string
	}{
		{"https://shop.example/p/42", []string{"shoes"}, []string{"https://shop.example/p/42", "sec://shoes"}},
		{" https://shop.example/ ", nil, []string{"https://shop.example/"}},
		{"", []string{"a", " ", "b", "a", "Summer Sale", " c "}, []string{"sec://a", "sec://b", "sec://Summer Sale", "sec://c"}},
		{"", nil, nil},
	}
	for _, tt := range tests {
		if got := retail.Page(tt.url, tt.sections); !slices.Equal(got, tt.want) {
			t.Errorf("Page(%q, %q) = %q, want %q", tt.url, tt.sections, got, tt.want)
		}
	}
}

func TestEvents(t *testing.T) {
	want := []string{"Product Viewed", "Product List Viewed", "Products Searched", "Product Added", "Product Removed",
		"Cart Viewed", "Checkout Started", "Order Completed", "Lead Generated"}
	got := retail.Events()
	if !slices.Equal(got, want) {
		t.Fatalf("Events() = %q, want %q", got, want)
	}
	got[0] = "changed"
	if retail.Events()[0] != want[0] {
		t.Error("Events returns the package's own slice")
	}
	// Every event is known to Map: none fails as unknown.
	for _, e := range want {
		_, err := retail.Map(e, map[string]any{})
		var unknown *retail.UnknownEventError
		if errors.As(err, &unknown) {
			t.Errorf("Map(%q): %v", e, err)
		}
	}
}

func TestErrors(t *testing.T) {
	const known = "Product Viewed, Product List Viewed, Products Searched, Product Added, Product Removed, Cart Viewed, Checkout Started, Order Completed, Lead Generated"
	tests := []struct {
		event, props string
		want         string // the whole message
		property     string // the PropertyError's Property; "" for other errors
	}{
		{"Order Placed", `{}`, `event: the retail preset maps none of this name; want one of ` + known, ""},
		{"", `{}`, `event: the retail preset maps none of this name; want one of ` + known, ""},
		{"Product Viewed", `{"product_id":"a","price":"49.99"}`, `price: want a number, got a string ("49.99")`, "price"},
		{"Product Viewed", `{"price":1}`, `product_id: is required (or sku, or name)`, "product_id"},
		{"Product Viewed", `{"product_id":1.5}`, `product_id: want a string or an integer, got 1.5`, "product_id"},
		{"Product Viewed", `{"sku":true}`, `sku: want a string or an integer, got true`, "sku"},
		{"Product Viewed", `{"sku":"a","name":["x"]}`, `name: want a string, got an array`, "name"},
		{"Product Viewed", `{"sku":"a","currency":{}}`, `currency: want a string, got an object`, "currency"},
		{"Product List Viewed", `{"products":{}}`, `products: want an array, got an object`, "products"},
		{"Product List Viewed", `{"products":[{"sku":"a"},"b"]}`, `products[1]: want an object, got a string ("b")`, "products[1]"},
		{"Product List Viewed", `{"products":[{"sku":"a"},{"name":"b","price":"1"}]}`, `products[1].price: want a number, got a string ("1")`, "products[1].price"},
		{"Product List Viewed", `{"products":[{"category":"a"}]}`, `products[0].product_id: is required (or sku, or name)`, "products[0].product_id"},
		{"Products Searched", `{}`, `query: is required (the words searched for)`, "query"},
		{"Products Searched", `{"query":" \t"}`, `query: is required (the words searched for)`, "query"},
		{"Products Searched", `{"query":2024}`, `query: want a string, got 2024`, "query"},
		{"Product Added", `{"product_id":"a"}`, `products: is required when no Cart keeps the session's cart (LivePerson replaces the whole cart)`, "products"},
		{"Cart Viewed", `{}`, `products: is required when no Cart keeps the session's cart (LivePerson replaces the whole cart)`, "products"},
		{"Product Added", `{"products":[{"sku":"a","quantity":1.5}]}`, `products[0].quantity: want an integer, got 1.5`, "products[0].quantity"},
		{"Product Added", `{"products":[{"sku":"a","quantity":-1}]}`, `products[0].quantity: -1 is out of range (0 to 2147483647)`, "products[0].quantity"},
		{"Product Added", `{"products":[{"sku":"a","quantity":"2"}]}`, `products[0].quantity: want an integer, got a string ("2")`, "products[0].quantity"},
		{"Product Added", `{"products":[],"cart_total":"9"}`, `cart_total: want a number, got a string ("9")`, "cart_total"},
		{"Checkout Started", `{"products":[],"value":"9"}`, `value: want a number, got a string ("9")`, "value"},
		{"Order Completed", `{"order_id":"o","revenue":"11.70"}`, `revenue: want a number, got a string ("11.70")`, "revenue"},
		{"Order Completed", `{"order_id":{"id":1}}`, `order_id: want a string or an integer, got an object`, "order_id"},
		{"Order Completed", `{"products":[{"sku":"a","quantity":1e10}]}`, `products[0].quantity: 10000000000 is out of range (0 to 2147483647)`, "products[0].quantity"},
		{"Lead Generated", `{"value":"high"}`, `value: want a number, got a string ("high")`, "value"},
		// Only liveperson.ParseSDE knows this limit; its error comes through.
		{"Lead Generated", `{"topic":"` + strings.Repeat("x", liveperson.MaxString+1) + `"}`, `lead.lead.topic: is longer than 50000 bytes`, ""},
		{"Product Added", `{"products":[{"sku":"a","quantity":2147483647},{"sku":"b","quantity":1}]}`, `cart.numItems: 2147483648 is out of range`, ""},
	}
	for _, tt := range tests {
		t.Run(tt.event+" "+tt.props[:min(len(tt.props), 60)], func(t *testing.T) {
			sdes, err := retail.Map(tt.event, props(t, tt.props))
			checkError(t, sdes, err, tt.want, tt.property)
			var unknown *retail.UnknownEventError
			if strings.HasPrefix(tt.want, "event: ") && (!errors.As(err, &unknown) || unknown.Event != tt.event) {
				t.Errorf("error %#v is not an *UnknownEventError for %q", err, tt.event)
			}
		})
	}
}

func TestIdentifyErrors(t *testing.T) {
	tests := []struct{ traits, want, property string }{
		{`{"email":42}`, `email: want a string, got 42`, "email"},
		{`{"gender":"f"}`, `gender: "f" is not one of MALE, FEMALE, OTHER`, "gender"},
		{`{"phone_type":"CELL"}`, `phone_type: "CELL" is not one of HOME, MOBILE, WORK, FAX, MAIN, HOME_FAX, WORK_FAX, PAGER, OTHER`, "phone_type"},
		{`{"age":"34"}`, `age: want an integer, got a string ("34")`, "age"},
		{`{"age":-3}`, `age: -3 is out of range (0 to 2147483647)`, "age"},
		{`{"birthday":"15/04/1990"}`, `birthday: want an ISO 8601 date (YYYY-MM-DD), got a string ("15/04/1990")`, "birthday"},
		{`{"birthday":"1990-13-01"}`, `birthday: want an ISO 8601 date (YYYY-MM-DD), got a string ("1990-13-01")`, "birthday"},
		{`{"createdAt":"2015-02-23X"}`, `createdAt: want an ISO 8601 date (YYYY-MM-DD), got a string ("2015-02-23X")`, "createdAt"},
		{`{"company":{"employee_count":12.5}}`, `company.employee_count: want an integer, got 12.5`, "company.employee_count"},
		{`{"company":7}`, `company: want an object, got 7`, "company"},
		{`{"address":{"state":1}}`, `address.state: want a string, got 1`, "address.state"},
		{`{"balance":"100"}`, `balance: want a number, got a string ("100")`, "balance"},
		{`{"loginStatus":true}`, `loginStatus: want an integer, got true`, "loginStatus"},
		{`{"firstName":"` + strings.Repeat("x", liveperson.MaxString+1) + `"}`, `personal.personal.firstname: is longer than 50000 bytes`, ""},
	}
	for _, tt := range tests {
		t.Run(tt.want, func(t *testing.T) {
			sdes, err := retail.Identify("u", props(t, tt.traits))
			checkError(t, sdes, err, tt.want, tt.property)
		})
	}
}

// checkError wants exactly message, and a *PropertyError for property, or
// another error when property is "".
func checkError(t *testing.T, sdes []liveperson.SDE, err error, message, property string) {
	t.Helper()
	if err == nil {
		t.Fatalf("no error; SDEs %s", liveperson.AppendSDEs(nil, sdes))
	}
	if sdes != nil {
		t.Errorf("SDEs %v returned with the error", sdes)
	}
	if err.Error() != message {
		t.Errorf("error\n got %q\nwant %q", err, message)
	}
	var pe *retail.PropertyError
	if isPE := errors.As(err, &pe); isPE != (property != "") || isPE && (pe.Property != property || pe.Event == "") {
		t.Errorf("error %#v: want a *PropertyError for %q, naming its event: %v", err, property, isPE)
	}
}
