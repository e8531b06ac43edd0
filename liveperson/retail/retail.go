package retail

import (
	"github.com/lpedge/lpedge/liveperson"

	"github.com/lpedge/lpedge/internal/text"
)

// The Segment e-commerce events the preset maps.
const (
	ProductViewed     = "Product Viewed"      // prodView of the product
	ProductListViewed = "Product List Viewed" // prodView of the list's products
	ProductsSearched  = "Products Searched"   // searchInfo
	ProductAdded      = "Product Added"       // cart
	ProductRemoved    = "Product Removed"     // cart
	CartViewed        = "Cart Viewed"         // cart
	CheckoutStarted   = "Checkout Started"    // cart
	OrderCompleted    = "Order Completed"     // purchase
	LeadGenerated     = "Lead Generated"      // lead
)

// Event numbers: positions in events, for Map's switch.
const (
	productViewed = iota
	productListViewed
	productsSearched
	productAdded
	productRemoved
	cartViewed
	checkoutStarted
	orderCompleted
	leadGenerated
)

var events = [...]string{productViewed: ProductViewed, productListViewed: ProductListViewed,
	productsSearched: ProductsSearched, productAdded: ProductAdded, productRemoved: ProductRemoved,
	cartViewed: CartViewed, checkoutStarted: CheckoutStarted, orderCompleted: OrderCompleted,
	leadGenerated: LeadGenerated}

// Events returns the event names [Map] knows, in a fixed order.
func Events() []string { return append([]string(nil), events[:]...) }

// An UnknownEventError reports a track event the preset has no mapping
// for. Its message, like a [PropertyError]'s, leaves the naming of the
// call to the caller: `event: the retail preset maps none of this name;
// want one of Product Viewed, ...`.
type UnknownEventError struct{ Event string }

func (e *UnknownEventError) Error() string {
	return "event: the retail preset maps none of this name; want one of " + text.Join(events[:], ", ")
}

// Map maps one track event to engagement attributes, keeping no cart
// state: it is (*Cart)(nil).Map, so the cart events (Product Added,
// Product Removed, Cart Viewed, Checkout Started) need the whole cart in
// props["products"]. See [Cart.Map] for each event's mapping.
func Map(event string, props map[string]any) ([]liveperson.SDE, error) {
	var c *Cart
	return c.Map(event, props)
}

// Map maps one track event, given its properties as decoded JSON, to
// engagement attributes that [liveperson.ParseSDE] has validated, and
// updates the cart from the cart events. Event names match ignoring case.
// An unknown event is an [*UnknownEventError]; a property of the wrong type
// a [*PropertyError]; on any error the cart is unchanged. Properties the
// preset does not read are ignored.
//
// Products, in an event's props or its products[] (Segment's v2 names):
// sku is sku, else product_id; name is name, else product_name (Datafly's
// name); category and price are copied; quantity defaults to 1. Ids may be
// strings or integers. Each product needs a product_id, sku or name.
//
//   - Product Viewed: a prodView of the product, with currency.
//   - Product List Viewed: one prodView of all the list's products: the
//     visitor saw them, and LivePerson appends prodViews, so the agent sees
//     what was browsed. The list's category fills in products without one.
//     An empty list reports nothing.
//   - Products Searched: a searchInfo whose keywords are the words of
//     query, split at white space, without repeats, as in the reference's
//     own example (["summer","jacket"]), so that each word matches on its
//     own; the phrase's order is kept.
//   - Product Added, Product Removed, Cart Viewed, Checkout Started: the
//     full cart, because LivePerson replaces the cart object with each one
//     it receives. An event that carries products[] gives the whole cart
//     and replaces the Cart's contents (so a shop that knows its cart can
//     always send it). Otherwise Product Added adds the product to the Cart
//     (lines match by sku, else name) and Product Removed takes quantity
//     away from its line, the whole line when quantity is absent; Cart
//     Viewed and Checkout Started report the Cart as it is. total is
//     cart_total when given, for Cart Viewed and Checkout Started also
//     total, value or revenue (in that order), else the sum of price x
//     quantity. currency is the event's, else the last one seen.
//   - Order Completed: a purchase with orderId from order_id, total from
//     total, else revenue, currency, and cart {products, numItems} when the
//     event has products. The Cart is emptied and, if it held anything, an
//     empty cart follows the purchase so LivePerson stops showing it.
//   - Lead Generated: a lead {topic, value, currency, leadId from lead_id}.
func (c *Cart) Map(event string, props map[string]any) ([]liveperson.SDE, error) {
	i := text.IndexFold(events[:], event)
	if i < 0 {
		return nil, &UnknownEventError{Event: event}
	}
	return c.mapEvent(i, &reader{event: events[i], m: props, d: &segment})
}

// mapEvent maps event i, whose properties r reads in its dialect, and on
// success keeps the cart it leads to.
func (c *Cart) mapEvent(i int, r *reader) ([]liveperson.SDE, error) {
	var err error
	r.err = &err
	d := r.d
	var sde, after map[string]any // the attributes, in order; nil for none
	next := c                     // the cart after this event; a copy when the event changes it
	switch i {
	case productViewed, productListViewed:
		sde = prodView(r, i == productListViewed)
	case productsSearched:
		q, _ := r.read(&d.query).(string)
		keywords := words(q)
		if len(keywords) == 0 {
			r.fail(d.query.from[0], "is required (the words searched for)")
		}
		sde = object("type", "searchInfo", "keywords", keywords)
	case orderCompleted:
		sde = object("type", "purchase")
		r.fill(sde, d.purchase)
		// GA4's value leaves out tax and shipping; the order's total has them.
		for j := range d.addToTotal {
			if n, ok := r.read(&d.addToTotal[j]).(float64); ok && sde["total"] != nil {
				sde["total"] = round(sde["total"].(float64) + n)
			}
		}
		if lines, _ := readLines(r, 1); len(lines) > 0 {
			products, numItems, _ := contents(lines)
			sde["cart"] = object("products", products, "numItems", numItems)
		}
		if c != nil {
			next = &Cart{}
			if len(c.lines) > 0 {
				after = next.sde(r, nil)
			}
		}
	case leadGenerated:
		sde = object("type", "lead", "lead", object())
		r.fill(sde, d.lead)
	default: // the cart events
		next = c.update(r, i)
		total := &d.cartTotal
		if i == cartViewed || i == checkoutStarted {
			total = &d.cartTotalAny
		}
		sde = next.sde(r, total)
	}
	sdes, err := validate(err, sde, after)
	if err == nil && c != nil {
		*c = *next
	}
	return sdes, err
}

// A dialect is the names a source gives the properties the preset reads:
// Segment's, the preset's own, or GA4's (see [Cart.GA4]).
type dialect struct {
	list         string    // the products' array
	product      []rule    // a product's members
	required     [2]string // the member and the problem when a product has no sku and no name
	loose        bool      // numbers may come as strings ("11.99")
	wholeCart    bool      // a cart event's list is the whole cart, not what was added or removed
	currency     []rule    // one rule: fill's argument
	listCategory rule
	query        rule
	quantity     rule
	purchase     []rule
	addToTotal   []rule // amounts added to the purchase's total
	lead         []rule
	// A cart's stated total: cartTotal for Product Added and Removed,
	// cartTotalAny for Cart Viewed and Checkout Started.
	cartTotal, cartTotalAny rule
}

// segment is the preset's own dialect: the event properties it reads, in
// the order it reads them (the first problem found is the one reported).
var segment = dialect{
	list: "products",
	product: []rule{
		{to: "sku", kind: kID, from: []string{"sku", "product_id"}},
		{to: "name", from: []string{"name", "product_name"}},
		{to: "category", from: []string{"category"}},
		{to: "price", kind: kNumber, from: []string{"price"}},
	},
	required:     [2]string{"product_id", "is required (or sku, or name)"},
	wholeCart:    true,
	currency:     []rule{{to: "currency", from: []string{"currency"}}},
	listCategory: rule{from: []string{"category"}},
	query:        rule{from: []string{"query"}},
	quantity:     rule{kind: kCount, from: []string{"quantity"}},
	purchase: []rule{
		{to: "orderId", kind: kID, from: []string{"order_id"}},
		{to: "total", kind: kNumber, from: []string{"total", "revenue"}},
		{to: "currency", from: []string{"currency"}},
	},
	lead: []rule{
		{to: "lead.topic", from: []string{"topic"}},
		{to: "lead.value", kind: kNumber, from: []string{"value"}},
		{to: "lead.currency", from: []string{"currency"}},
		{to: "lead.leadId", kind: kID, from: []string{"lead_id"}},
	},
	// Product Added and Removed take only cart_total: a total or value
	// there may be the product's (GA4's add_to_cart value is).
	cartTotal:    rule{kind: kNumber, from: []string{"cart_total"}},
	cartTotalAny: rule{kind: kNumber, from: []string{"cart_total", "total", "value", "revenue"}},
}

// validate runs the SDEs a mapping made, first and second, through
// liveperson.ParseSDE, so the preset can never hand the tag something
// LivePerson would refuse; nil ones are left out. A problem found reading
// the input, err, comes first.
func validate(err error, first, second map[string]any) ([]liveperson.SDE, error) {
	if err != nil {
		return nil, err
	}
	sdes, n := make([]liveperson.SDE, 2), 0
	for _, m := range [...]map[string]any{first, second} {
		if m == nil {
			continue
		}
		s, err := liveperson.ParseSDE(m)
		if err != nil {
			return nil, err
		}
		sdes[n], n = s, n+1
	}
	return sdes[:n], nil
}

// product reads one Segment product into LivePerson's product object.
func product(r *reader) map[string]any {
	p := object()
	r.fill(p, r.d.product)
	if p["sku"] == nil && p["name"] == nil {
		r.fail(r.d.required[0], r.d.required[1])
	}
	return p
}

// prodView reports the product the event's properties describe, or the
// products of its list; nil for an empty list. The list's category fills
// in a product's own when it has none.
func prodView(r *reader, isList bool) map[string]any {
	list, category := []*reader{r}, any(nil)
	if isList {
		if list, _ = r.products(); len(list) == 0 {
			return nil
		}
		category = r.read(&r.d.listCategory)
	}
	products := make([]any, len(list))
	for i, pr := range list {
		p := product(pr)
		if p["category"] == nil && category != nil {
			p["category"] = category
		}
		products[i] = object("product", p)
	}
	sde := object("type", "prodView", "products", products)
	r.fill(sde, r.d.currency)
	return sde
}
