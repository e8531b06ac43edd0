package tag

import "testing"

// BenchmarkTrack is one lpedge.track call as the page makes it: JSON
// arguments parsed, mapped, validated and added to the tick's batch; a
// tick of 100 calls is sent and answered.
func BenchmarkTrack(b *testing.B) {
	b.ReportAllocs()
	h := newHarness(&testing.T{}, direct)
	args := []byte(`["Product Viewed",{"sku":"A1","name":"Shoe","price":9.5,"category":"shoes"}]`)
	for i := 0; b.Loop(); i++ {
		h.Call("track", args, nil)
		if i%100 == 99 {
			h.clock.tick()
			h.tr.waiting[0](Response{Status: 200, Body: []byte(answer1)})
			h.tr.waiting, h.tr.reqs, h.tr.all = nil, nil, nil
		}
	}
}
