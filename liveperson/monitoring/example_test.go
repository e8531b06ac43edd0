package monitoring_test

import (
	"fmt"
	"time"

	"github.com/lpedge/lpedge/liveperson"
	"github.com/lpedge/lpedge/liveperson/monitoring"
)

func ExampleCall_URL() {
	call := monitoring.Call{Domain: "va.v.liveperson.net", Account: "12345678",
		App: "8de29e3d-25b1-4d08-b713-8331ab222bfa", VisitorID: "V1", SessionID: "S1"}
	url, err := call.URL(monitoring.Report)
	fmt.Println(url, err)
	// Output: https://va.v.liveperson.net/api/account/12345678/app/8de29e3d-25b1-4d08-b713-8331ab222bfa/report?v=1.1&vid=V1&sid=S1 <nil>
}

func ExampleRequest_AppendJSON() {
	sdes, _ := liveperson.DecodeSDEs([]byte(`{"type":"searchContent","keywords":["shoes"]}`))
	r := monitoring.Request{EntryPoints: []string{"https://shop.example/search", monitoring.SectionEntryPoint("shoes")}, SDEs: sdes}
	fmt.Println(string(r.AppendJSON(nil)))
	// Output: {"entryPoints":["https://shop.example/search","sec://shoes"],"engagementAttributes":[{"type":"searchInfo","keywords":["shoes"]}]}
}

func ExampleDecodeRequest() {
	_, err := monitoring.DecodeRequest([]byte(`{"engagementAttributes":[{"type":"cart","total":"12"}]}`),
		monitoring.DecodeOptions{Method: monitoring.Report})
	fmt.Println(err)
	// Output: engagementAttributes[0]: cart.total: want a number, got a string ("12")
}

func ExampleClassify() {
	now := time.Now().UnixMilli()
	for _, status := range []int{201, 202, 503, 429, 400} {
		d := monitoring.Classify(status, nil, "5", 0, now)
		fmt.Println(status, d.Outcome, time.Duration(d.Wait)*time.Millisecond)
	}
	// Output:
	// 201 0 0s
	// 202 1 3s
	// 503 1 3s
	// 429 1 5s
	// 400 3 0s
}
