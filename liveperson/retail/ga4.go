package retail

import (
	"github.com/lpedge/lpedge/liveperson"
)

// A GA4Kind says what a Google Analytics 4 event is to LivePerson (see
// [Cart.GA4]).
type GA4Kind uint8

const (
	GA4Ignored    GA4Kind = iota // no LivePerson meaning; the string says why
	GA4Attributes                // the attributes returned
	GA4Identify                  // login, sign_up: identify the visitor; the string is the user id
	GA4Page                      // page_view: a page view; the string is its URL ("" for the location)
)

// ga4Events is GA4's event table: each event the preset maps, and the
// Segment event whose mapping it takes (GA4Attributes), or its kind.
// Events not here are ignored. A list, not a map: the tag links no map
// initialization.
var ga4Events = []struct {
	name  string
	kind  GA4Kind
	event int // for GA4Attributes: the Segment event's number
}{
	{"view_item", GA4Attributes, productListViewed},
	{"add_to_cart", GA4Attributes, productAdded},
	{"remove_from_cart", GA4Attributes, productRemoved},
	{"view_cart", GA4Attributes, cartViewed},
	{"begin_checkout", GA4Attributes, checkoutStarted},
	{"add_shipping_info", GA4Attributes, checkoutStarted},
	{"add_payment_info", GA4Attributes, checkoutStarted},
	{"purchase", GA4Attributes, orderCompleted},
	{"search", GA4Attributes, productsSearched},
	{"view_search_results", GA4Attributes, productsSearched},
	{"generate_lead", GA4Attributes, leadGenerated},
	{"login", GA4Identify, 0},
	{"sign_up", GA4Identify, 0},
	{"page_view", GA4Page, 0},
}

// GA4Events returns the GA4 events [Cart.GA4] maps, in a fixed order.
func GA4Events() []string {
	out := make([]string, len(ga4Events))
	for i, e := range ga4Events {
		out[i] = e.name
	}
	return out
}

// ga4 is GA4's dialect: the parameters of Google's ecommerce events, in
// the order they are read.
var ga4 = dialect{
	list: "items",
	product: []rule{
		{to: "sku", kind: kID, from: []string{"item_id"}},
		{to: "name", from: []string{"item_name"}},
		{to: "category", from: []string{"item_category"}},
		{to: "price", kind: kNumber, from: []string{"price"}},
	},
	required: [2]string{"item_id", "is required (or item_name)"},
	loose:    true,
	currency: []rule{{to: "currency", from: []string{"currency"}}},
	query:    rule{from: []string{"search_term"}},
	quantity: rule{kind: kCount, from: []string{"quantity"}},
	purchase: []rule{
		{to: "orderId", kind: kID, from: []string{"transaction_id"}},
		{to: "total", kind: kNumber, from: []string{"value"}},
		{to: "currency", from: []string{"currency"}},
	},
	addToTotal: []rule{{kind: kNumber, from: []string{"tax"}}, {kind: kNumber, from: []string{"shipping"}}},
	lead: []rule{
		{to: "lead.topic", from: []string{"lead_source"}},
		{to: "lead.value", kind: kNumber, from: []string{"value"}},
		{to: "lead.currency", from: []string{"currency"}},
	},
	// add_to_cart's and remove_from_cart's value is that of the items
	// added or removed, so the cart's total is the sum of its lines.
	cartTotalAny: rule{kind: kNumber, from: []string{"value"}},
}

var (
	ga4UserID = rule{kind: kID, from: []string{"user_id", "userId"}}
	ga4URL    = rule{from: []string{"page_location"}}
)

// GA4 maps one Google Analytics 4 event, given its parameters as gtag.js
// takes them (a dataLayer entry's ecommerce object merged into its
// other fields: the tag's loader does that), to what it is to LivePerson,
// updating the cart as [Cart.Map] does.
//
//   - view_item: a prodView of its items (or, without items, of the item
//     the parameters themselves describe).
//   - add_to_cart, remove_from_cart: the whole cart, after its items were
//     added to or taken from the Cart (a removed item without quantity
//     takes its whole line).
//   - view_cart, begin_checkout, add_shipping_info, add_payment_info: the
//     whole cart, which their items are (without items: the Cart as it
//     is); total is value, else the sum of the lines.
//   - purchase: a purchase with orderId from transaction_id, total value +
//     tax + shipping, currency and the items; the Cart is emptied, as
//     after Order Completed.
//   - search, view_search_results: a searchInfo of search_term's words.
//   - generate_lead: a lead {topic from lead_source, value, currency}.
//   - login, sign_up: GA4Identify with user_id (or userId); without one,
//     GA4Ignored.
//   - page_view: GA4Page with page_location.
//
// Any other event, among them view_item_list, select_item,
// add_to_wishlist, refund, view_promotion and select_promotion, is
// GA4Ignored; the string says why. An item is item_id (sku), item_name
// (name), item_category (category: LivePerson's product has one category
// and no variant), price (net of discount in GA4) and quantity (default
// 1). Numbers may be strings ("11.99"), as many shops send them. A
// parameter of the wrong type is a [*PropertyError] naming it, e.g.
// `items[0].price: want a number, got a string ("abc")`; on any error the
// cart is unchanged.
func (c *Cart) GA4(event string, params map[string]any) (GA4Kind, []liveperson.SDE, string, error) {
	for _, e := range ga4Events {
		if e.name != event {
			continue
		}
		var err error
		r := &reader{event: event, m: params, d: &ga4, err: &err}
		switch e.kind {
		case GA4Attributes:
			if e.event == productListViewed && params["items"] == nil {
				e.event = productViewed
			}
			sdes, err := c.mapEvent(e.event, r)
			return e.kind, sdes, "", err
		case GA4Identify:
			id, _ := r.read(&ga4UserID).(string)
			if id == "" && err == nil {
				return GA4Ignored, nil, "user_id: absent, so there is no one to identify", nil
			}
			return e.kind, nil, id, err
		}
		url, _ := r.read(&ga4URL).(string)
		return e.kind, nil, url, err
	}
	return GA4Ignored, nil, "no LivePerson meaning", nil
}
