// Package retail is lpedge's Retail preset: it maps Segment e-commerce spec
// (v2) events, identify traits and page views to LivePerson engagement
// attributes (SDEs) and entry points, and Google Analytics 4 events (the
// tag's zero-code capture of a dataLayer or gtag.js) through the same
// reader and cart ([Cart.GA4]).
//
// The browser tag links it, so, like its parent package, it imports none
// of the packages liveperson's TestTagDependencies forbids. Properties come in as decoded
// JSON (map[string]any with float64 numbers, as jsonv.Parse and
// encoding/json produce), and every attribute that comes out has passed
// [liveperson.ParseSDE].
//
//	var cart retail.Cart // one per session: LivePerson replaces the cart attribute
//	sdes, err := cart.Map("Product Added", map[string]any{
//		"product_id": "SKU-A", "name": "Widget", "price": 49.99, "quantity": 2.0,
//	})
//	if err != nil {
//		// *retail.UnknownEventError, or e.g.
//		// `price: want a number, got a string ("49.99")`
//	}
//	// sdes[0]: {"type":"cart","total":99.98,"numItems":2,"products":[...]}
//
//	sdes, err = retail.Identify("cust-42", map[string]any{"firstName": "Ann", "email": "ann@example.com"})
//	// ctmrinfo {info:{customerId}} and personal {firstname, contacts:[{email}]}
//
//	eps := retail.Page("https://shop.example/p/42", []string{"shoes"})
//	// ["https://shop.example/p/42", "sec://shoes"]
//
// [Cart.Map] documents each event's mapping; [Events] lists them. Events
// the preset does not know are an [*UnknownEventError], not dropped, and a
// property of the wrong type is a [*PropertyError] that names it.
package retail
