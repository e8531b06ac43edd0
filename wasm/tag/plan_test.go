package tag

import (
	"github.com/lpedge/lpedge/internal/jsonv"
	"slices"
	"testing"
	"time"
)

// PlanHide says what Hide(true) then sends and stores, in every state
// the queue can be in, and changes nothing itself.
func TestPlanHide(t *testing.T) {
	push := `[{"type":"searchInfo","keywords":["a"]}]`
	consent := direct
	consent.ConsentRequired = true
	for _, c := range []struct {
		name   string
		cfg    Config
		opts   []func(*harness)
		setup  func(h *harness)
		report bool // a report goes at hide
	}{
		{"idle", direct, nil, func(h *harness) {
			h.call("track", viewed)
			h.clock.tick()
			h.tr.answer(t, 200, answer1)
		}, false},
		{"the tick not ended", direct, nil, func(h *harness) { h.call("track", viewed) }, true},
		{"queued while in flight: an extra request", direct, nil, func(h *harness) {
			h.call("track", viewed)
			h.clock.tick()
			h.call("sdes.push", push)
		}, true},
		{"in flight, nothing else", direct, nil, func(h *harness) {
			h.call("track", viewed)
			h.clock.tick()
		}, false},
		{"offline", direct, nil, func(h *harness) {
			h.page.offline = true
			h.call("track", viewed)
			h.clock.tick()
			h.call("sdes.push", push)
			h.clock.tick()
		}, false},
		{"a retry pause", direct, nil, func(h *harness) {
			h.call("track", viewed)
			h.clock.tick()
			h.tr.answer(t, 503, "")
			h.call("sdes.push", push)
		}, false},
		{"a retry in flight, more queued", direct, nil, func(h *harness) {
			h.call("track", viewed)
			h.clock.tick()
			h.tr.answer(t, 503, "")
			h.clock.advance(3 * time.Second)
			h.call("sdes.push", push)
			h.clock.tick()
		}, true},
		{"a first visit opens its session", direct, []func(*harness){fresh}, func(h *harness) { h.call("track", viewed) }, false},
		{"an identified first visit", direct, []func(*harness){fresh}, func(h *harness) {
			h.call("identify", `["c-1",{"firstName":"Ann"}]`)
		}, true},
		{"holding batches taken over", direct, []func(*harness){released}, func(h *harness) {}, true},
		{"holding batches taken over, offline", direct, []func(*harness){released, func(h *harness) { h.page.offline = true }},
			func(h *harness) {}, false},
		{"no consent yet", consent, nil, func(h *harness) { h.call("track", viewed) }, false},
		{"lpTag without ids", direct, []func(*harness){func(h *harness) { h.lp = &fakeLpTag{present: true} }},
			func(h *harness) { h.call("track", viewed) }, false},
	} {
		t.Run(c.name, func(t *testing.T) {
			h := newHarness(t, c.cfg, c.opts...)
			c.setup(h)
			key := c.cfg.key("queue:" + h.tab)
			before, stored := h.local[key]
			p := h.PlanHide()
			h.PlanHide() // twice: it changes nothing
			if got, ok := h.local[key]; got != before || ok != stored {
				t.Fatalf("PlanHide wrote the stored queue")
			}
			sent := len(h.tr.all)
			h.Hide(true)
			var report *Request
			for i := sent; i < len(h.tr.all); i++ {
				if r := h.tr.all[i]; r.Keepalive {
					report = &r
				}
			}
			if (p.Report.Method != "") != c.report || (report != nil) != c.report {
				t.Fatalf("planned report %+v, Hide sent %+v; want a report: %v", p.Report, report, c.report)
			}
			if report != nil && (report.URL != p.Report.URL || report.Body != p.Report.Body || report.Method != p.Report.Method ||
				!slices.Equal(report.Header, p.Report.Header)) {
				t.Errorf("Hide sent %+v, the plan said %+v", *report, p.Report)
			}
			if p.Key != key {
				t.Errorf("plan's key %q, want %q", p.Key, key)
			}
			if want := !c.cfg.ConsentRequired; p.MayStore != want {
				t.Errorf("plan's MayStore %v, want %v (consent granted)", p.MayStore, want)
			}
			got, ok := h.local[key]
			switch {
			case !p.Store && (got != before || ok != stored):
				t.Errorf("Hide stored %q, the plan said it stores nothing", got)
			case p.Store && (got != p.Queue || ok != (p.Queue != "")):
				t.Errorf("Hide stored %q (%v), the plan said %q", got, ok, p.Queue)
			}
		})
	}
}

// released stores a queue another page released at pagehide: the tag
// takes it over at its start, and holds it ClaimWait.
func released(h *harness) {
	storeQueue(h.local, direct.key("queue:other"), queueInfo{released: true}, "k")
}

// The calls a page kept at pagehide (its journal) are made by the next
// page at its start, once, before its own; a journal it cannot read is a
// warning, and only the methods that report are made from one.
func TestJournalReplay(t *testing.T) {
	for _, c := range []struct {
		name, journal string
		want          int  // attributes reported
		warn          bool // a console warning
	}{
		{"a track", `[["track",` + jsonv.Quote(viewed) + `]]`, 1, false},
		{"two calls", `[["track",` + jsonv.Quote(viewed) + `],["sdes.push","[{\"type\":\"searchInfo\",\"keywords\":[\"a\"]}]"]]`, 2, false},
		{"a conversation's call is not made", `[["conversation.start","[]"],["track",` + jsonv.Quote(viewed) + `]]`, 1, false},
		{"unreadable", `{"track":1}`, 0, true},
		{"a bad entry ends it", `[["track",` + jsonv.Quote(viewed) + `],["track"]]`, 1, true},
	} {
		t.Run(c.name, func(t *testing.T) {
			key := direct.key("calls:0102030405060708")
			h := newHarness(t, direct, func(h *harness) { h.local[key] = c.journal })
			if _, ok := h.local[key]; ok {
				t.Errorf("the journal is still in storage")
			}
			if got := len(h.console.warns) > 0; got != c.warn {
				t.Errorf("warnings %q, want one: %v", h.console.warns, c.warn)
			}
			h.clock.tick()
			n := 0
			for _, r := range h.tr.all {
				n += len(attrs(t, r))
			}
			if n != c.want {
				t.Errorf("%d attributes reported, want %d", n, c.want)
			}
			h.start() // the next page: nothing again
			h.clock.tick()
			if m := len(h.tr.all); m != min(c.want, 1) {
				t.Errorf("%d reports after a second start, want the first page's (%d) only", m, min(c.want, 1))
			}
		})
	}
}

// A page back from the back/forward cache has its module, which made the
// calls it kept at pagehide: Show removes its journal, so that the next
// page does not make them again.
func TestShowTakesBackTheJournal(t *testing.T) {
	h := newHarness(t, direct)
	mine, other := direct.key("calls:"+h.tab), direct.key("calls:ffffffffffffffff")
	h.local[mine], h.local[other] = `[]`, `[]`
	h.Show()
	if _, ok := h.local[mine]; ok {
		t.Errorf("Show left this page's journal in storage")
	}
	if _, ok := h.local[other]; !ok {
		t.Errorf("Show removed another page's journal")
	}
}
