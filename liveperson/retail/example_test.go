package retail_test

import (
	"errors"
	"fmt"

	"github.com/lpedge/lpedge/liveperson"
	"github.com/lpedge/lpedge/liveperson/retail"
)

func ExampleMap() {
	sdes, err := retail.Map("Order Completed", map[string]any{
		"order_id": "DRV1534XC", "revenue": 11.70, "currency": "USD",
	})
	fmt.Println(string(liveperson.AppendSDEs(nil, sdes)), err)
	// Output: [{"type":"purchase","total":11.7,"currency":"USD","orderId":"DRV1534XC"}] <nil>
}

func ExampleMap_errors() {
	_, err := retail.Map("Product Viewed", map[string]any{"product_id": "SKU-A", "price": "49.99"})
	fmt.Println(err)
	_, err = retail.Map("Product Shared", nil)
	var unknown *retail.UnknownEventError
	fmt.Println(errors.As(err, &unknown), unknown.Event)
	// Output:
	// price: want a number, got a string ("49.99")
	// true Product Shared
}

func ExampleCart_Map() {
	var cart retail.Cart
	cart.Map("Product Added", map[string]any{"sku": "A", "price": 10.0, "quantity": 2.0})
	sdes, _ := cart.Map("Product Added", map[string]any{"sku": "B", "price": 0.5})
	fmt.Println(string(sdes[0].AppendJSON(nil)))
	sdes, _ = cart.Map("Product Removed", map[string]any{"sku": "A", "quantity": 1.0})
	fmt.Println(string(sdes[0].AppendJSON(nil)))
	// Output:
	// {"type":"cart","total":20.5,"numItems":3,"products":[{"product":{"sku":"A","price":10},"quantity":2},{"product":{"sku":"B","price":0.5},"quantity":1}]}
	// {"type":"cart","total":10.5,"numItems":2,"products":[{"product":{"sku":"A","price":10},"quantity":1},{"product":{"sku":"B","price":0.5},"quantity":1}]}
}

func ExampleCart_Load() {
	var cart retail.Cart
	cart.Map("Product Added", map[string]any{"sku": "A", "price": 10.0})
	saved, _ := cart.SDE() // e.g. kept in sessionStorage as JSON

	var next retail.Cart // the next page
	fmt.Println(next.Load(saved))
	sdes, _ := next.Map("Product Added", map[string]any{"sku": "A", "price": 10.0})
	fmt.Println(string(sdes[0].AppendJSON(nil)))
	// Output:
	// <nil>
	// {"type":"cart","total":20,"numItems":2,"products":[{"product":{"sku":"A","price":10},"quantity":2}]}
}

func ExampleIdentify() {
	sdes, err := retail.Identify("cust-42", map[string]any{
		"firstName": "Ann", "lastName": "Lee", "email": "ann@example.com", "plan": "gold",
	})
	fmt.Println(string(liveperson.AppendSDEs(nil, sdes)), err)
	// Output: [{"type":"ctmrinfo","info":{"customerId":"cust-42"}},{"type":"personal","personal":{"firstname":"Ann","lastname":"Lee","contacts":[{"email":"ann@example.com"}]}}] <nil>
}

func ExamplePage() {
	fmt.Println(retail.Page("https://shop.example/p/42", []string{"shoes", "sale"}))
	// Output: [https://shop.example/p/42 sec://shoes sec://sale]
}

func ExampleEvents() {
	for _, e := range retail.Events() {
		fmt.Println(e)
	}
	// Output:
	// Product Viewed
	// Product List Viewed
	// Products Searched
	// Product Added
	// Product Removed
	// Cart Viewed
	// Checkout Started
	// Order Completed
	// Lead Generated
}
