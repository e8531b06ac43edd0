package retail

import (
	"math"
	"strconv"

	"github.com/lpedge/lpedge/liveperson"

	"github.com/lpedge/lpedge/internal/jsonv"
)

// A Cart is the shopping cart as the tag has seen it: the products added
// and removed by track events. LivePerson replaces its cart attribute with
// each one it receives, so a Product Added must report the whole cart, and
// the event alone does not say what else is in it. The tag keeps one Cart
// per session; [Cart.SDE] and [Cart.Load] carry it across page loads.
//
// The zero Cart is empty and ready to use. A nil *Cart keeps no state (see
// [Map]). A Cart is not safe for concurrent use.
type Cart struct {
	lines    []line
	currency string
}

type line struct {
	product  map[string]any // LivePerson's product object; never modified once stored
	quantity int
}

// key identifies a line: its sku, else its name.
func (l line) key() string {
	if s, _ := l.product["sku"].(string); s != "" {
		return s
	}
	s, _ := l.product["name"].(string)
	return s
}

// readLines reads an event's products[] as cart lines.
func readLines(r reader) ([]line, bool) {
	list, ok := r.list("products")
	lines := make([]line, len(list))
	for i, pr := range list {
		lines[i] = readLine(pr)
	}
	return lines, ok
}

func readLine(r reader) line {
	q, ok := r.integer("quantity", 0)
	if !ok {
		q = 1
	}
	return line{product: product(r), quantity: q}
}

// update returns the cart after a cart event, leaving c as it is.
func (c *Cart) update(r reader) *Cart {
	next := &Cart{}
	if c != nil {
		*next = *c
	}
	if cur := r.str("currency"); cur != "" {
		next.currency = cur
	}
	if lines, ok := readLines(r); ok {
		next.lines = lines
		return next
	}
	if c == nil {
		r.fail("products", "is required when no Cart keeps the session's cart (LivePerson replaces the whole cart)")
		return next
	}
	switch r.event {
	case ProductAdded:
		next.lines = add(c.lines, readLine(r))
	case ProductRemoved:
		l := readLine(r)
		if _, q := r.get("quantity"); q == nil {
			l.quantity = math.MaxInt
		}
		next.lines = remove(c.lines, l)
	}
	return next
}

// add returns lines with l added to the line of the same key, or appended.
// The newest product details (a changed price) win.
func add(lines []line, l line) []line {
	out := append([]line(nil), lines...)
	for i, have := range out {
		if have.key() == l.key() {
			out[i] = line{product: l.product, quantity: have.quantity + l.quantity}
			return out
		}
	}
	return append(out, l)
}

// remove returns lines with l.quantity taken from the line of the same key,
// dropping it when none is left. Removing what the Cart never saw changes
// nothing: the page may have filled the cart before the tag loaded.
func remove(lines []line, l line) []line {
	out := make([]line, 0, len(lines))
	for _, have := range lines {
		if have.key() == l.key() {
			if have.quantity <= l.quantity {
				continue
			}
			have.quantity -= l.quantity
		}
		out = append(out, have)
	}
	return out
}

// cartContents writes lines as LivePerson products and counts them.
func cartContents(lines []line) (products []any, numItems int, sum float64) {
	products = make([]any, len(lines))
	for i, l := range lines {
		products[i] = map[string]any{"product": l.product, "quantity": float64(l.quantity)}
		numItems += l.quantity
		if price, ok := l.product["price"].(float64); ok {
			sum += price * float64(l.quantity)
		}
	}
	return products, numItems, sum
}

// totalKeys are the properties that may state a cart's total, by event.
// Product Added and Removed take only cart_total: a total or value there
// may be the product's (GA4's add_to_cart value is).
var totalKeys = map[string][]string{
	ProductAdded:    {"cart_total"},
	ProductRemoved:  {"cart_total"},
	CartViewed:      {"cart_total", "total", "value", "revenue"},
	CheckoutStarted: {"cart_total", "total", "value", "revenue"},
}

// sde writes the cart attribute; r supplies a stated total, if any.
func (c *Cart) sde(r reader) map[string]any {
	products, numItems, sum := cartContents(c.lines)
	total, ok := r.num(totalKeys[r.event]...)
	if !ok {
		total = roundSum(sum)
	}
	sde := map[string]any{"type": "cart", "total": total, "numItems": float64(numItems)}
	if len(products) > 0 {
		sde["products"] = products
	}
	set(sde, "currency", c.currency)
	return sde
}

// roundSum drops the binary noise of adding decimal prices (0.1+0.2) while
// keeping the 3 decimals some currencies have.
func roundSum(x float64) float64 {
	if math.Abs(x) >= 1e12 {
		return x
	}
	return math.Round(x*1e4) / 1e4
}

// SDE returns the cart attribute for the Cart as it is. Its JSON is how the
// tag keeps the Cart across page loads; [Cart.Load] restores it.
func (c *Cart) SDE() (liveperson.SDE, error) {
	return liveperson.ParseSDE(c.sde(reader{err: new(error)}))
}

// Load replaces the Cart's contents with those of a cart attribute, such as
// one [Cart.SDE] returned on an earlier page. It validates s first.
func (c *Cart) Load(s liveperson.SDE) error {
	v, err := liveperson.ParseSDE(map[string]any(s))
	if err != nil {
		return err
	}
	if v.Type() != "cart" {
		return &liveperson.ValidationError{Index: -1, Field: "type", Problem: "want cart, got " + v.Type()}
	}
	list, _ := v["products"].([]any)
	lines := make([]line, 0, len(list))
	for i, e := range list {
		m := e.(map[string]any) // ParseSDE checked the shape
		p, _ := m["product"].(map[string]any)
		if p == nil {
			p = map[string]any{}
		}
		q, ok := m["quantity"].(float64)
		if !ok {
			q = 1
		}
		if q < 0 {
			return &liveperson.ValidationError{Index: -1, Field: "cart.products[" + strconv.Itoa(i) + "].quantity",
				Problem: "want a count, got " + jsonv.Describe(q)}
		}
		lines = append(lines, line{product: p, quantity: int(q)})
	}
	c.lines = lines
	c.currency, _ = v["currency"].(string)
	return nil
}
