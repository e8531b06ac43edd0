package retail

import (
	"slices"
	"strconv"
	"strings"

	"github.com/lpedge/lpedge/liveperson"
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

var events = []string{ProductViewed, ProductListViewed, ProductsSearched, ProductAdded, ProductRemoved,
	CartViewed, CheckoutStarted, OrderCompleted, LeadGenerated}

// Events returns the event names [Map] knows, in a fixed order.
func Events() []string { return append([]string(nil), events...) }

// An UnknownEventError reports a track event the preset has no mapping for.
type UnknownEventError struct{ Event string }

func (e *UnknownEventError) Error() string {
	return "unknown event " + strconv.Quote(e.Event) + " (want one of " + strings.Join(events, ", ") + ")"
}

// canonical finds an event by name, ignoring case; "" if unknown.
func canonical(event string) string {
	for _, e := range events {
		if strings.EqualFold(e, event) {
			return e
		}
	}
	return ""
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
	name := canonical(event)
	if name == "" {
		return nil, &UnknownEventError{Event: event}
	}
	var err error
	r := reader{event: name, m: props, err: &err}
	var out []map[string]any
	next := c // the cart after this event; a copy when the event changes it
	switch name {
	case ProductViewed:
		out = append(out, prodView(r, []reader{r}, ""))
	case ProductListViewed:
		if list, _ := r.list("products"); len(list) > 0 {
			out = append(out, prodView(r, list, r.str("category")))
		}
	case ProductsSearched:
		out = append(out, searchInfo(r))
	case ProductAdded, ProductRemoved, CartViewed, CheckoutStarted:
		next = c.update(r)
		out = append(out, next.sde(r))
	case OrderCompleted:
		out = append(out, purchase(r))
		if c != nil {
			next = &Cart{}
			if len(c.lines) > 0 {
				out = append(out, next.sde(r))
			}
		}
	case LeadGenerated:
		out = append(out, lead(r))
	}
	if err != nil {
		return nil, err
	}
	sdes, err := validate(out)
	if err != nil {
		return nil, err
	}
	if c != nil && next != c {
		*c = *next
	}
	return sdes, nil
}

// validate runs every SDE through liveperson.ParseSDE, so the preset can
// never hand the tag something LivePerson would refuse.
func validate(raw []map[string]any) ([]liveperson.SDE, error) {
	sdes := make([]liveperson.SDE, len(raw))
	for i, m := range raw {
		s, err := liveperson.ParseSDE(m)
		if err != nil {
			return nil, err
		}
		sdes[i] = s
	}
	return sdes, nil
}

// product reads one Segment product into LivePerson's product object.
func product(r reader) map[string]any {
	p := make(map[string]any, 4)
	set(p, "sku", r.id("sku", "product_id"))
	set(p, "name", r.str("name", "product_name"))
	set(p, "category", r.str("category"))
	if price, ok := r.num("price"); ok {
		p["price"] = price
	}
	if p["sku"] == nil && p["name"] == nil {
		r.fail("product_id", "is required (or sku, or name)")
	}
	return p
}

func prodView(r reader, list []reader, category string) map[string]any {
	products := make([]any, len(list))
	for i, pr := range list {
		p := product(pr)
		if p["category"] == nil {
			set(p, "category", category)
		}
		products[i] = map[string]any{"product": p}
	}
	sde := map[string]any{"type": "prodView", "products": products}
	set(sde, "currency", r.str("currency"))
	return sde
}

func searchInfo(r reader) map[string]any {
	var words []string
	for _, w := range strings.Fields(r.str("query")) {
		if !slices.Contains(words, w) {
			words = append(words, w)
		}
	}
	if len(words) == 0 {
		r.fail("query", "is required (the words searched for)")
	}
	return map[string]any{"type": "searchInfo", "keywords": words}
}

func purchase(r reader) map[string]any {
	sde := map[string]any{"type": "purchase"}
	set(sde, "orderId", r.id("order_id"))
	if total, ok := r.num("total", "revenue"); ok {
		sde["total"] = total
	}
	set(sde, "currency", r.str("currency"))
	if lines, ok := readLines(r); ok && len(lines) > 0 {
		products, numItems, _ := cartContents(lines)
		sde["cart"] = map[string]any{"products": products, "numItems": float64(numItems)}
	}
	return sde
}

func lead(r reader) map[string]any {
	l := make(map[string]any, 4)
	set(l, "topic", r.str("topic"))
	if v, ok := r.num("value"); ok {
		l["value"] = v
	}
	set(l, "currency", r.str("currency"))
	set(l, "leadId", r.id("lead_id"))
	return map[string]any{"type": "lead", "lead": l}
}
