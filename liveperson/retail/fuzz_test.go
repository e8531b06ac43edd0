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

// checkOutput: an error comes alone and is one of the package's typed
// errors or a ParseSDE error; SDEs are already in wire form (ParseSDE
// leaves them as they are) and survive a JSON round trip.
func checkOutput(t *testing.T, sdes []liveperson.SDE, err error) {
	t.Helper()
	if err != nil {
		var (
			pe *retail.PropertyError
			ue *retail.UnknownEventError
			ve *liveperson.ValidationError
		)
		if !errors.As(err, &pe) && !errors.As(err, &ue) && !errors.As(err, &ve) {
			t.Fatalf("untyped error %#v", err)
		}
		if err.Error() == "" || sdes != nil {
			t.Fatalf("error %q with SDEs %v", err, sdes)
		}
		return
	}
	for _, s := range sdes {
		again, err := liveperson.ParseSDE(map[string]any(s))
		if err != nil {
			t.Fatalf("output %s does not validate: %v", s.AppendJSON(nil), err)
		}
		if !reflect.DeepEqual(again, s) {
			t.Fatalf("output not in wire form:\n%#v\n%#v", s, again)
		}
		var back any
		if err := json.Unmarshal(s.AppendJSON(nil), &back); err != nil {
			t.Fatalf("output JSON %s: %v", s.AppendJSON(nil), err)
		}
		if parsed, err := liveperson.ParseSDE(back); err != nil || !reflect.DeepEqual(parsed, s) {
			t.Fatalf("round trip of %s: %v\n%#v\n%#v", s.AppendJSON(nil), err, s, parsed)
		}
	}
}

func object(data []byte) (map[string]any, bool) {
	var m map[string]any
	return m, json.Unmarshal(data, &m) == nil && m != nil
}

// FuzzMap: any event and properties, through Map and through a Cart that
// holds something: no panic, valid output, the cart unchanged on error and
// still reportable and loadable after success.
func FuzzMap(f *testing.F) {
	for _, seed := range []struct{ event, props string }{
		{"Order Completed", `{"order_id":"DRV1534XC","revenue":11.70,"currency":"USD"}`},
		{"Product Viewed", `{"product_id":"SKU-A","product_name":"Widget","category":"Hardware","price":49.99}`},
		{"Product List Viewed", `{"category":"Deals","products":[{"product_id":"a","price":1},{"sku":"b"}]}`},
		{"Products Searched", `{"query":"blue summer jacket"}`},
		{"Product Added", `{"product_id":"a","price":1.5,"quantity":2,"currency":"USD"}`},
		{"Product Added", `{"products":[{"sku":"a","quantity":2147483647}],"cart_total":3}`},
		{"Product Removed", `{"sku":"seed"}`},
		{"Product Removed", `{"sku":"seed","quantity":1}`},
		{"Cart Viewed", `{"products":[{"sku":"a","price":0.1,"quantity":3}]}`},
		{"Checkout Started", `{"value":25,"products":[]}`},
		{"Order Completed", `{"order_id":5,"total":1e300,"products":[{"name":"x","price":1e308,"quantity":9}]}`},
		{"Lead Generated", `{"lead_id":"L","topic":"t","value":1,"currency":"USD"}`},
		{"lead generated", `{"value":null}`},
		{"Order Placed", `{}`},
	} {
		f.Add(seed.event, []byte(seed.props))
	}
	f.Fuzz(func(t *testing.T, event string, data []byte) {
		m, ok := object(data)
		if !ok {
			return
		}
		sdes, err := retail.Map(event, m)
		checkOutput(t, sdes, err)
		var ue *retail.UnknownEventError
		known := slices.ContainsFunc(retail.Events(), func(e string) bool { return strings.EqualFold(e, event) })
		if errors.As(err, &ue) == known {
			t.Fatalf("event %q: known %v, error %v", event, known, err)
		}

		var c retail.Cart
		if _, err := c.Map("Product Added", map[string]any{"sku": "seed", "price": 1.0}); err != nil {
			t.Fatal(err)
		}
		before, _ := c.SDE()
		sdes, err = c.Map(event, m)
		checkOutput(t, sdes, err)
		after, afterErr := c.SDE()
		if err != nil && !reflect.DeepEqual(before, after) {
			t.Fatalf("failed %q changed the cart:\n%v\n%v", event, before, after)
		}
		if afterErr != nil {
			// Only a total too large for JSON: a stated cart_total let the
			// event through, the Cart's own sum is infinite.
			if !strings.Contains(afterErr.Error(), "cart.total: want a finite number") {
				t.Fatalf("cart SDE: %v", afterErr)
			}
			return
		}
		var loaded retail.Cart
		if err := loaded.Load(after); err != nil {
			t.Fatalf("Load(%s): %v", after.AppendJSON(nil), err)
		}
		if again, err := loaded.SDE(); err != nil || !reflect.DeepEqual(again, after) {
			t.Fatalf("Load then SDE: %v\n%v\n%v", err, after, again)
		}
	})
}

// FuzzIdentify: any user id and traits: no panic, valid output, and the
// user id is the customerId whenever there is one.
func FuzzIdentify(f *testing.F) {
	for _, seed := range []struct{ id, traits string }{
		{"u1", `{"firstName":"Peter","lastName":"Gibbons","email":"p@example.com","phone":"1","gender":"male","age":34,
			"birthday":"1990-04-15T00:00:00Z","title":"Eng","username":"pg","createdAt":"2015-02-23",
			"company":{"name":"Initech","employee_count":120},"address":{"country":"USA","state":"TX"},"language":"en"}`},
		{"", `{"first_name":"Ann","phone_type":"mobile","company":"Acme","name":"A B"}`},
		{"u2", `{"ctype":"vip","balance":-1.5,"loginStatus":1,"lastPaymentDate":"2014-10-15","storeNumber":"7"}`},
		{"u3", `{"gender":1,"birthday":"1990-02-31","age":-1}`},
	} {
		f.Add(seed.id, []byte(seed.traits))
	}
	f.Fuzz(func(t *testing.T, userID string, data []byte) {
		m, ok := object(data)
		if !ok {
			return
		}
		sdes, err := retail.Identify(userID, m)
		checkOutput(t, sdes, err)
		if err != nil || userID == "" {
			return
		}
		if sdes[0].Type() != "ctmrinfo" || sdes[0]["info"].(map[string]any)["customerId"] != strings.ToValidUTF8(userID, "\uFFFD") {
			t.Fatalf("customerId of %s is not %q", liveperson.AppendSDEs(nil, sdes), userID)
		}
	})
}

// FuzzGA4: any GA4 event and parameters: no panic, valid output, a kind that fits the output, and
// the cart unchanged on error and still reportable after success.
func FuzzGA4(f *testing.F) {
	for _, seed := range []struct{ event, params string }{
		{"view_item", `{"currency":"USD","value":7.77,"items":[{"item_id":"SKU_12345","item_name":"Tee","item_variant":"green","price":9.99,"quantity":1}]}`},
		{"add_to_cart", `{"currency":"USD","items":[{"item_id":1,"price":"11.99","quantity":"2","item_category":"A","item_category_2":"B"}]}`},
		{"remove_from_cart", `{"items":[{"item_id":"seed"}]}`},
		{"remove_from_cart", `{"items":[{"item_id":"seed","quantity":"1"}]}`},
		{"view_cart", `{"value":"3","items":[{"item_name":"a","price":0.1,"quantity":3}]}`},
		{"begin_checkout", `{"ecommerce":null,"value":25}`},
		{"purchase", `{"transaction_id":"T_12345","value":72.05,"tax":"3.60","shipping":5.99,"items":[{"item_id":"x","price":1e308,"quantity":9}]}`},
		{"search", `{"search_term":"t-shirts"}`},
		{"generate_lead", `{"currency":"USD","value":"30.03","lead_source":"Trade show"}`},
		{"login", `{"user_id":"u1"}`},
		{"page_view", `{"page_location":"https://shop.example/"}`},
		{"refund", `{"transaction_id":"T_12345"}`},
		{"add_to_cart", `{"ecommerce":[1]}`},
	} {
		f.Add(seed.event, []byte(seed.params))
	}
	f.Fuzz(func(t *testing.T, event string, data []byte) {
		m, ok := object(data)
		if !ok {
			return
		}
		var c retail.Cart
		if _, err := c.Map("Product Added", map[string]any{"sku": "seed", "price": 1.0}); err != nil {
			t.Fatal(err)
		}
		before, _ := c.SDE()
		kind, sdes, s, err := c.GA4(event, m)
		checkOutput(t, sdes, err)
		mapped := slices.Contains(retail.GA4Events(), event)
		switch {
		case !mapped && (kind != retail.GA4Ignored || err != nil || s == ""):
			t.Fatalf("event %q is not mapped, yet: %d %q %v", event, kind, s, err)
		case kind != retail.GA4Attributes && sdes != nil, kind == retail.GA4Ignored && (s == "" || err != nil):
			t.Fatalf("event %q: kind %d with %v and %q", event, kind, sdes, s)
		}
		after, afterErr := c.SDE()
		if err != nil && !reflect.DeepEqual(before, after) {
			t.Fatalf("failed %q changed the cart:\n%v\n%v", event, before, after)
		}
		if afterErr != nil && !strings.Contains(afterErr.Error(), "cart.total: want a finite number") {
			t.Fatalf("cart SDE: %v", afterErr)
		}
	})
}
