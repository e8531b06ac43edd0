package retail

import (
	"math"

	"github.com/lpedge/lpedge/liveperson"
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

// readLines reads an event's list of products as cart lines, whose
// quantity is absent when not given.
func readLines(r *reader, absent int) ([]line, bool) {
	list, ok := r.products()
	lines := make([]line, len(list))
	for i, pr := range list {
		lines[i] = readLine(pr, absent)
	}
	return lines, ok
}

func readLine(r *reader, absent int) line {
	if q, ok := r.read(&r.d.quantity).(float64); ok {
		absent = int(q)
	}
	return line{product: product(r), quantity: absent}
}

// update returns the cart after cart event i, leaving c as it is. An
// event's list of products is the whole cart in the Segment dialect; in
// GA4's, that of add_to_cart and remove_from_cart is what was added or
// removed.
func (c *Cart) update(r *reader, i int) *Cart {
	next := &Cart{}
	if c != nil {
		*next = *c
	}
	if cur, ok := r.read(&r.d.currency[0]).(string); ok {
		next.currency = cur
	}
	change := i == productAdded || i == productRemoved
	absent := 1 // a changed line's quantity when not given
	if i == productRemoved {
		absent = math.MaxInt // the whole line
	}
	if r.d.wholeCart || !change {
		if lines, ok := readLines(r, 1); ok {
			next.lines = lines
			return next
		}
	}
	if c == nil {
		r.fail(r.d.list, "is required when no Cart keeps the session's cart (LivePerson replaces the whole cart)")
		return next
	}
	if change {
		lines, ok := readLines(r, absent)
		if !ok {
			lines = []line{readLine(r, absent)}
		}
		for _, l := range lines {
			next.lines = changed(next.lines, l, i == productRemoved)
		}
	}
	return next
}

// changed returns lines with l added to the first line of the same key
// (the newest product details, a changed price, win) or appended; or, to
// remove, with l.quantity taken from the lines of its key, dropping those
// with none left. Removing what the Cart never saw changes nothing: the
// page may have filled the cart before the tag loaded.
func changed(lines []line, l line, remove bool) []line {
	out, n := make([]line, len(lines)+1), 0 // room for every line and l
	key, found := l.key(), false
	for _, have := range lines {
		if have.key() == key && (remove || !found) {
			found = true
			switch {
			case !remove:
				have = line{product: l.product, quantity: have.quantity + l.quantity}
			case have.quantity <= l.quantity:
				continue
			default:
				have.quantity -= l.quantity
			}
		}
		out[n], n = have, n+1
	}
	if !found && !remove {
		out[n], n = l, n+1
	}
	return out[:n]
}

// contents writes lines as LivePerson's products, nil for none, counts the
// items and sums their price x quantity.
func contents(lines []line) (products any, numItems, sum float64) {
	list := make([]any, len(lines))
	for i, l := range lines {
		q := float64(l.quantity)
		list[i] = object("product", l.product, "quantity", q)
		numItems += q
		if price, ok := l.product["price"].(float64); ok {
			sum += price * q
		}
	}
	if len(list) > 0 {
		products = list
	}
	return products, numItems, sum
}

// sde writes the cart attribute; total, if not nil, reads a stated total
// from r.
func (c *Cart) sde(r *reader, total *rule) map[string]any {
	products, numItems, sum := contents(c.lines)
	sum = round(sum)
	if total != nil {
		if t, ok := r.read(total).(float64); ok {
			sum = t
		}
	}
	return object("type", "cart", "total", sum, "numItems", numItems, "products", products, "currency", c.currency)
}

// round drops the binary noise of adding decimal amounts (0.1+0.2)
// while keeping the 3 decimals some currencies have.
func round(sum float64) float64 {
	if math.Abs(sum) < 1e12 {
		sum = math.Round(sum*1e4) / 1e4
	}
	return sum
}

// SDE returns the cart attribute for the Cart as it is. Its JSON is how the
// tag keeps the Cart across page loads; [Cart.Load] restores it.
func (c *Cart) SDE() (liveperson.SDE, error) {
	return liveperson.ParseSDE(c.sde(nil, nil))
}

// Load replaces the Cart's contents with those of a cart attribute, such as
// one [Cart.SDE] returned on an earlier page. It validates s first.
func (c *Cart) Load(s liveperson.SDE) error {
	v, err := liveperson.ParseSDE(map[string]any(s))
	if err != nil {
		return err
	}
	t := v.Type()
	field, problem := "type", "want cart, got "+t
	list, _ := v["products"].([]any)
	lines := make([]line, len(list))
	if t == "cart" {
		problem = ""
		for i, e := range list {
			m := e.(map[string]any) // ParseSDE checked the shape
			p, _ := m["product"].(map[string]any)
			if p == nil {
				p = object()
			}
			q, ok := m["quantity"].(float64) // not negative: ParseSDE checked it
			if !ok {
				q = 1
			}
			lines[i] = line{product: p, quantity: int(q)}
		}
	}
	if problem != "" {
		return &liveperson.ValidationError{Index: -1, Field: field, Problem: problem}
	}
	c.lines = lines
	c.currency, _ = v["currency"].(string)
	return nil
}
