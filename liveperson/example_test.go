package liveperson_test

import (
	"fmt"

	"github.com/lpedge/lpedge/liveperson"
)

func ExampleParseSDE() {
	sde, err := liveperson.ParseSDE(map[string]any{"type": "cartStatus", "total": 99.5, "numItems": 2})
	fmt.Println(string(sde.AppendJSON(nil)), err)
	_, err = liveperson.ParseSDE(map[string]any{"type": "service", "service": map[string]any{"status": 42}})
	fmt.Println(err)
	// Output:
	// {"type":"cart","total":99.5,"numItems":2} <nil>
	// service.service.status: 42 is not one of 0 (Complete), 1 (In Progress), 2 (Approved), 3 (Cancelled), 4 (Not Approved), 5 (Reviewed), 6 (Missing Details), 7 (Closed), 8 (Removed), 9 (Assigned), 10 (Waiting for Customer Response), 11 (Waiting for Response), 12 (Pending), 13 (Resolved)
}

func ExampleDecodeSDEs() {
	_, err := liveperson.DecodeSDEs([]byte(`[{"type":"lead"},{"type":"personal","personal":{"gender":"M"}}]`))
	fmt.Println(err)
	// Output: sdes[1]: personal.personal.gender: "M" is not one of MALE, FEMALE, OTHER
}

func ExampleForMessaging() {
	sdes, _ := liveperson.DecodeSDEs([]byte(`[{"type":"ctmrinfo","info":{"customerId":"c-1","ctype":"vip"}},{"type":"cart","total":5,"numItems":1}]`))
	kept, dropped := liveperson.ForMessaging(sdes)
	fmt.Println(string(liveperson.AppendSDEs(nil, kept)), dropped)
	// Output: [{"type":"ctmrinfo","info":{"ctype":"vip"}}] [ctmrinfo.info.customerId cart]
}
