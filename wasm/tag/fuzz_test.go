package tag

import (
	"strings"
	"testing"

	"github.com/lpedge/lpedge/liveperson/monitoring"
)

// FuzzCall: whatever a page passes, the tag neither panics nor sends a
// body LivePerson's own decoder would refuse.
func FuzzCall(f *testing.F) {
	for _, s := range []string{viewed, `[{"type":"cart","total":1,"numItems":1}]`, `["c",{"email":"a@b"}]`, `[]`, `[null]`, `["u",{"sections":"x"}]`} {
		f.Add("track", s)
		f.Add("sdes.push", s)
		f.Add("identify", s)
		f.Add("page", s)
	}
	f.Fuzz(func(t *testing.T, method, args string) {
		if method == "consent" || method == "debug" {
			return
		}
		h := newHarness(t, direct)
		h.Call(method, []byte(args), func([]byte, error) {})
		h.clock.tick()
		for _, r := range h.tr.all {
			if !strings.Contains(r.URL, "/report?") {
				continue
			}
			if _, err := monitoring.DecodeRequest([]byte(r.Body), monitoring.DecodeOptions{Method: monitoring.Report}); err != nil {
				t.Fatalf("%s(%s) sent a body LivePerson refuses: %v\n%s", method, args, err, r.Body)
			}
		}
	})
}

// FuzzDecodeQueue: what is in localStorage is the visitor's to edit; it
// must never panic the tag, and what it yields must encode back the same.
func FuzzDecodeQueue(f *testing.F) {
	f.Add(`{"v":1,"q":[{"n":1,"ep":["https://a"],"a":[{"type":"searchInfo","keywords":["x"]}]}]}`)
	f.Add(`{"v":1,"t":1767322745000,"q":[{"n":0,"ep":[],"a":[{"type":"searchInfo","keywords":["x"]}]}]}`)
	f.Add(`{"v":1,"q":[]}`)
	f.Add(`{"v":1,"t":1767322745000,"taken":3}`)
	f.Add(`{"v":2}`)
	f.Fuzz(func(t *testing.T, s string) {
		// An older tag's queue, and another tab's.
		h := newHarness(t, direct, func(h *harness) { h.local[direct.key("queue")], h.local[direct.key("queue:x")] = s, s })
		h.call("track", viewed)
		h.clock.tick()
		q, err := decodeQueue([]byte(s))
		if err != nil {
			return
		}
		again, err := decodeQueue(encodeQueue(q, queueInfo{saved: 1}))
		if err != nil || string(encodeQueue(again, queueInfo{saved: 1})) != string(encodeQueue(q, queueInfo{saved: 1})) {
			t.Fatalf("queue does not round-trip: %v", err)
		}
	})
}

// decodeQueue reads every batch of a stored queue.
func decodeQueue(data []byte) ([]*batch, error) {
	list, _, err := readQueue(data)
	if err != nil {
		return nil, err
	}
	var q []*batch
	for i, e := range list {
		m, _ := e.(map[string]any)
		b, err := decodeBatch(m, i)
		if err != nil {
			return nil, err
		}
		q = append(q, b)
	}
	return q, nil
}

// storedQueue reads the stored queues of every tab.
func storedQueue(local Memory) ([]*batch, error) {
	var all []*batch
	for _, k := range local.Keys(direct.key("queue")) {
		q, err := decodeQueue([]byte(local[k]))
		if err != nil {
			return nil, err
		}
		all = append(all, q...)
	}
	return all, nil
}

// FuzzReadJournal: a journal is storage, the visitor's to edit; reading
// it never panics, and yields only calls of the methods that report.
func FuzzReadJournal(f *testing.F) {
	f.Add(`[["track","[\"Product Viewed\",{\"sku\":\"A1\"}]"]]`)
	f.Add(`[["conversation.start","[]"],["sdes.push","[]"]]`)
	f.Add(`[["track"]]`)
	f.Add(`{}`)
	f.Fuzz(func(t *testing.T, s string) {
		calls, _ := readJournal([]byte(s))
		for _, c := range calls {
			if !journaled(c[0]) {
				t.Fatalf("%q yielded a call of %q", s, c[0])
			}
		}
		h := newHarness(t, direct, func(h *harness) { h.local[direct.key("calls:x")] = s })
		h.clock.tick()
	})
}
