package retail_test

import (
	"encoding/json"
	"strings"
	"testing"

	"github.com/lpedge/lpedge/liveperson/retail"
)

// The items of Google's GA4 ecommerce reference (the gtag.js and
// dataLayer examples of developers.google.com/analytics/devguides/
// collection/ga4/reference/events and .../ecommerce?client_type=gtm):
// every parameter an item may have.
const (
	tee = `{"item_id":"SKU_12345","item_name":"Stan and Friends Tee","affiliation":"Google Merchandise Store",
		"coupon":"SUMMER_FUN","discount":2.22,"index":0,"item_brand":"Google","item_category":"Apparel",
		"item_category2":"Adult","item_category3":"Shirts","item_category4":"Crew","item_category5":"Short sleeve",
		"item_list_id":"related_products","item_list_name":"Related Products","item_variant":"green",
		"location_id":"ChIJIQBpAG2ahYAR_6128GcTUEo","price":10.01,"quantity":3}`
	greyTee = `{"item_id":"SKU_12346","item_name":"Google Grey Women's Tee","affiliation":"Google Merchandise Store",
		"coupon":"SUMMER_FUN","discount":3.33,"index":1,"item_brand":"Google","item_category":"Apparel",
		"item_category2":"Adult","item_category3":"Shirts","item_category4":"Crew","item_category5":"Short sleeve",
		"item_list_id":"related_products","item_list_name":"Related Products","item_variant":"gray",
		"location_id":"ChIJIQBpAG2ahYAR_6128GcTUEo","price":21.01,"promotion_id":"P_12345",
		"promotion_name":"Summer Sale","quantity":2}`
	// LivePerson's products for them.
	teeProduct     = `{"sku":"SKU_12345","name":"Stan and Friends Tee","category":"Apparel","price":10.01}`
	greyTeeProduct = `{"sku":"SKU_12346","name":"Google Grey Women's Tee","category":"Apparel","price":21.01}`
	teeCart        = `[{"type":"cart","total":30.03,"numItems":3,"currency":"USD","products":[{"product":` + teeProduct + `,"quantity":3}]}]`
)

// A ga4Step is one event on the session's cart and what it must give.
type ga4Step struct {
	event, params string
	kind          retail.GA4Kind
	want          string // the SDEs as JSON; for GA4Identify and GA4Page the string; for GA4Ignored its start
}

// runGA4 runs steps on one Cart, with the parameters as gtag.js takes
// them (the loader merges a dataLayer entry's ecommerce object into its
// other fields).
func runGA4(t *testing.T, steps []ga4Step) {
	t.Helper()
	var c retail.Cart
	for i, st := range steps {
		kind, sdes, s, err := c.GA4(st.event, props(t, st.params))
		if err != nil {
			t.Fatalf("step %d %s: %v", i, st.event, err)
		}
		if kind != st.kind {
			t.Errorf("step %d %s: kind %d, want %d", i, st.event, kind, st.kind)
		}
		switch st.kind {
		case retail.GA4Attributes:
			if s != "" {
				t.Errorf("step %d %s: string %q with attributes", i, st.event, s)
			}
			same(t, sdes, st.want)
		case retail.GA4Ignored:
			if sdes != nil || !strings.HasPrefix(s, st.want) {
				t.Errorf("step %d %s: ignored with %v, %q; want no SDEs and %q", i, st.event, sdes, s, st.want)
			}
		default:
			if sdes != nil || s != st.want {
				t.Errorf("step %d %s: %v, %q; want %q", i, st.event, sdes, s, st.want)
			}
		}
	}
}

// TestGA4Reference: every event of Google's GA4 ecommerce reference, with
// its documented parameters, in the order a visit makes them.
func TestGA4Reference(t *testing.T) {
	ignored := "no LivePerson meaning"
	runGA4(t, []ga4Step{
		{"view_item_list", `{"item_list_id":"related_products","item_list_name":"Related products","items":[` + tee + `]}`, retail.GA4Ignored, ignored},
		{"select_item", `{"item_list_id":"related_products","item_list_name":"Related products","items":[` + tee + `]}`, retail.GA4Ignored, ignored},
		{"view_item", `{"currency":"USD","value":30.03,"items":[` + tee + `]}`, retail.GA4Attributes,
			`[{"type":"prodView","currency":"USD","products":[{"product":` + teeProduct + `}]}]`},
		{"add_to_wishlist", `{"currency":"USD","value":30.03,"items":[` + tee + `]}`, retail.GA4Ignored, ignored},
		// add_to_cart's items are what was added: the cart is the
		// session's with them.
		{"add_to_cart", `{"currency":"USD","value":30.03,"items":[` + tee + `]}`, retail.GA4Attributes, teeCart},
		{"add_to_cart", `{"currency":"USD","value":42.02,"items":[` + greyTee + `]}`, retail.GA4Attributes,
			`[{"type":"cart","total":72.05,"numItems":5,"currency":"USD","products":[{"product":` + teeProduct + `,"quantity":3},{"product":` + greyTeeProduct + `,"quantity":2}]}]`},
		{"remove_from_cart", `{"currency":"USD","value":42.02,"items":[` + greyTee + `]}`, retail.GA4Attributes, teeCart},
		// view_cart's and the checkout's items are the whole cart.
		{"view_cart", `{"currency":"USD","value":30.03,"items":[` + tee + `]}`, retail.GA4Attributes, teeCart},
		{"begin_checkout", `{"currency":"USD","value":30.03,"coupon":"SUMMER_FUN","items":[` + tee + `]}`, retail.GA4Attributes, teeCart},
		{"add_shipping_info", `{"currency":"USD","value":30.03,"coupon":"SUMMER_FUN","shipping_tier":"Ground","items":[` + tee + `]}`, retail.GA4Attributes, teeCart},
		{"add_payment_info", `{"currency":"USD","value":30.03,"coupon":"SUMMER_FUN","payment_type":"Credit Card","items":[` + tee + `]}`, retail.GA4Attributes, teeCart},
		// The total is what the shopper paid: value leaves out tax and
		// shipping. The cart empties.
		{"purchase", `{"transaction_id":"T_12345","value":72.05,"tax":3.60,"shipping":5.99,"currency":"USD","coupon":"SUMMER_SALE","customer_type":"new","items":[` + tee + `,` + greyTee + `]}`,
			retail.GA4Attributes, `[{"type":"purchase","orderId":"T_12345","total":81.64,"currency":"USD","cart":{"numItems":5,"products":[{"product":` + teeProduct + `,"quantity":3},{"product":` + greyTeeProduct + `,"quantity":2}]}},
			{"type":"cart","total":0,"numItems":0}]`},
		{"refund", `{"currency":"USD","transaction_id":"T_12345","value":30.03,"coupon":"SUMMER_FUN","shipping":3.33,"tax":1.11,"items":[` + tee + `]}`, retail.GA4Ignored, ignored},
		{"view_promotion", `{"creative_name":"Summer Banner","creative_slot":"featured_app_1","promotion_id":"P_12345","promotion_name":"Summer Sale","items":[` + tee + `]}`, retail.GA4Ignored, ignored},
		{"select_promotion", `{"creative_name":"Summer Banner","creative_slot":"featured_app_1","promotion_id":"P_12345","promotion_name":"Summer Sale","items":[` + tee + `]}`, retail.GA4Ignored, ignored},
		// The other events the issue maps (GA4's recommended events).
		{"search", `{"search_term":"t-shirts"}`, retail.GA4Attributes, `[{"type":"searchInfo","keywords":["t-shirts"]}]`},
		{"view_search_results", `{"search_term":"summer  t-shirts"}`, retail.GA4Attributes, `[{"type":"searchInfo","keywords":["summer","t-shirts"]}]`},
		{"generate_lead", `{"currency":"USD","value":30.03,"lead_source":"Trade show"}`, retail.GA4Attributes,
			`[{"type":"lead","lead":{"topic":"Trade show","value":30.03,"currency":"USD"}}]`},
		{"login", `{"method":"Google"}`, retail.GA4Ignored, "user_id: absent"},
		{"login", `{"method":"Google","user_id":"8d3f1c1e"}`, retail.GA4Identify, "8d3f1c1e"},
		{"sign_up", `{"method":"Google","user_id":12345}`, retail.GA4Identify, "12345"},
		{"page_view", `{"page_location":"https://shop.example/p/1","page_title":"Tee"}`, retail.GA4Page, "https://shop.example/p/1"},
		{"page_view", `{}`, retail.GA4Page, ""},
		{"gtm.js", `{"gtm.start":1733560000000}`, retail.GA4Ignored, ignored},
	})
}

// TestGA4Sloppy: what real pages send, and what it must give.
func TestGA4Sloppy(t *testing.T) {
	runGA4(t, []ga4Step{
		// Numbers as strings; a numeric id; no variant or categories;
		// currency on the event only.
		{"add_to_cart", `{"currency":"EUR","items":[{"item_id":12345,"item_name":"Product 1","price":"11.99","quantity":"2","item_brand":"brand A"}]}`,
			retail.GA4Attributes, `[{"type":"cart","total":23.98,"numItems":2,"currency":"EUR","products":[{"product":{"sku":"12345","name":"Product 1","price":11.99},"quantity":2}]}]`},
		// The same item again adds up (its newest details win); no
		// quantity is 1; the discount is in price already.
		{"add_to_cart", `{"items":[{"item_id":"12345","item_name":"Product 1","price":" 11.99 ","discount":"1.00","item_category":"Apparel","item_category_2":"Mens"}]}`,
			retail.GA4Attributes, `[{"type":"cart","total":35.97,"numItems":3,"currency":"EUR","products":[{"product":{"sku":"12345","name":"Product 1","price":11.99,"category":"Apparel"},"quantity":3}]}]`},
		// remove_from_cart without quantity takes the whole line.
		{"remove_from_cart", `{"items":[{"item_id":"12345"}]}`, retail.GA4Attributes, `[{"type":"cart","total":0,"numItems":0,"currency":"EUR"}]`},
		// Checkout without items reports the Cart as it is, total value.
		{"add_to_cart", `{"items":[{"item_name":"Gift card","price":25}]}`, retail.GA4Attributes,
			`[{"type":"cart","total":25,"numItems":1,"currency":"EUR","products":[{"product":{"name":"Gift card","price":25},"quantity":1}]}]`},
		{"begin_checkout", `{"value":"25.00"}`, retail.GA4Attributes,
			`[{"type":"cart","total":25,"numItems":1,"currency":"EUR","products":[{"product":{"name":"Gift card","price":25},"quantity":1}]}]`},
		// Strings for the purchase's amounts; no tax or shipping.
		{"purchase", `{"transaction_id":98765,"value":"25","currency":"EUR","items":[{"item_name":"Gift card","price":"25","quantity":"1"}]}`, retail.GA4Attributes,
			`[{"type":"purchase","orderId":"98765","total":25,"currency":"EUR","cart":{"numItems":1,"products":[{"product":{"name":"Gift card","price":25},"quantity":1}]}},
			{"type":"cart","total":0,"numItems":0}]`},
		{"login", `{"userId":"u-42"}`, retail.GA4Identify, "u-42"},
		// view_item with the item's fields at the top level.
		{"view_item", `{"item_id":"SKU_1","item_name":"Boot","price":"59.90","currency":"EUR"}`, retail.GA4Attributes,
			`[{"type":"prodView","currency":"EUR","products":[{"product":{"sku":"SKU_1","name":"Boot","price":59.9}}]}]`},
	})
}

// TestGA4Errors: what cannot be mapped names the parameter, and changes
// nothing.
func TestGA4Errors(t *testing.T) {
	for _, tt := range []struct{ event, params, message, property string }{
		{"add_to_cart", `{"items":[{"item_id":"A","price":"abc"}]}`, `items[0].price: want a number, got a string ("abc")`, "items[0].price"},
		{"add_to_cart", `{"items":[{"item_id":"A","quantity":"1.5"}]}`, `items[0].quantity: want an integer, got 1.5`, "items[0].quantity"},
		{"add_to_cart", `{"items":[{"item_brand":"Google"}]}`, `items[0].item_id: is required (or item_name)`, "items[0].item_id"},
		{"add_to_cart", `{"items":"SKU_1"}`, `items: want an array, got a string ("SKU_1")`, "items"},
		{"view_cart", `{"items":[7]}`, `items[0]: want an object, got 7`, "items[0]"},
		{"view_item", `{"currency":"USD"}`, `item_id: is required (or item_name)`, "item_id"},
		{"purchase", `{"transaction_id":"T","value":"12,50"}`, `value: want a number, got a string ("12,50")`, "value"},
		{"search", `{"search_term":" "}`, `search_term: is required (the words searched for)`, "search_term"},
		{"login", `{"user_id":{"id":1}}`, `user_id: want a string or an integer, got an object`, "user_id"},
	} {
		var c retail.Cart
		if _, _, _, err := c.GA4("add_to_cart", props(t, `{"items":[{"item_id":"KEEP"}]}`)); err != nil {
			t.Fatal(err)
		}
		before, _ := c.SDE()
		kind, sdes, _, err := c.GA4(tt.event, props(t, tt.params))
		checkError(t, sdes, err, tt.message, tt.property)
		if kind == retail.GA4Attributes && sdes != nil {
			t.Errorf("%s %s: attributes with an error", tt.event, tt.params)
		}
		after, _ := c.SDE()
		if b, a := before.AppendJSON(nil), after.AppendJSON(nil); string(a) != string(b) {
			t.Errorf("%s %s: the cart changed on an error:\n%s\n%s", tt.event, tt.params, b, a)
		}
	}
}

func TestGA4Events(t *testing.T) {
	got, _ := json.Marshal(retail.GA4Events())
	want := `["view_item","add_to_cart","remove_from_cart","view_cart","begin_checkout","add_shipping_info","add_payment_info","purchase","search","view_search_results","generate_lead","login","sign_up","page_view"]`
	if string(got) != want {
		t.Errorf("GA4Events() = %s, want %s", got, want)
	}
}
