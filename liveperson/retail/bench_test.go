package retail_test

import (
	"testing"

	"github.com/lpedge/lpedge/liveperson/retail"
)

// BenchmarkMap: typical events as a shop sends them, decoded beforehand.
func BenchmarkMap(b *testing.B) {
	for _, bm := range []struct{ name, event, props string }{
		{"ProductViewed", "Product Viewed", `{"product_id":"507f1f77bcf86cd799439011","sku":"G-32","category":"Games",
			"name":"Monopoly: 3rd Edition","brand":"Hasbro","variant":"200 pieces","price":18.99,"quantity":1,
			"currency":"USD","position":3,"url":"https://www.example.com/product/path","image_url":"https://www.example.com/product/path.jpg"}`},
		{"OrderCompleted", "Order Completed", `{"checkout_id":"fksdjfsdjfisjf9sdfjsd9f","order_id":"50314b8e9bcf000000000000",
			"affiliation":"Google Store","total":27.5,"subtotal":22.5,"revenue":25,"shipping":3,"tax":2,"discount":2.5,
			"coupon":"hasbros","currency":"USD","products":[
			{"product_id":"507f1f77bcf86cd799439011","sku":"45790-32","name":"Monopoly: 3rd Edition","price":19,"quantity":1,"category":"Games"},
			{"product_id":"505bd76785ebb509fc183733","sku":"46493-32","name":"Uno Card Game","price":3,"quantity":2,"category":"Games"}]}`},
	} {
		p := props(b, bm.props)
		b.Run(bm.name, func(b *testing.B) {
			b.ReportAllocs()
			for b.Loop() {
				if _, err := retail.Map(bm.event, p); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}
