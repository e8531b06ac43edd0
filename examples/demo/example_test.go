package demo_test

import (
	"fmt"

	"github.com/lpedge/lpedge/examples/demo"
)

// The demo's campaigns, in the order lptest tries them.
func ExampleEngagements() {
	for _, e := range demo.Engagements() {
		fmt.Println(e)
	}
	// Output:
	// 1001/2001 "VIP customers": ctmrinfo info.ctype = "vip"
	// 1002/2002 "Big cart": cart total > 100
	// 1003/2003 "Shoes section": section shoes
	// 1004/2004 "Everyone": every visitor
}
