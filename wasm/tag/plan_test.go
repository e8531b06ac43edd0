package tag

import (
	"github.com/lpedge/lpedge/internal/jsonv"
	"reflect"
	"slices"
	"strings"
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
			if len(h.console.errors) > 0 { // a conversation.start made here would say it has no proxy
				t.Errorf("console errors %q", h.console.errors)
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

// A replayed page(url) labels the journal's own request, not this
// page's calls: they have this page's entry points.
func TestJournalReplayEntryPoints(t *testing.T) {
	entry := func(h *harness) any { // of the track's request, once the ones before it are answered
		h.call("track", viewed)
		h.clock.tick()
		for !strings.Contains(h.tr.all[len(h.tr.all)-1].Body, `"prodView"`) {
			h.tr.answer(t, 200, answer1)
			h.clock.tick()
		}
		return body(t, h.tr.all[len(h.tr.all)-1])["entryPoints"]
	}
	want := entry(newHarness(t, direct))
	h := newHarness(t, direct, func(h *harness) {
		h.local[direct.key("calls:0102030405060708")] = `[["page","[\"https://shop.example/old-route\"]"]]`
	})
	if got := entry(h); !reflect.DeepEqual(got, want) {
		t.Errorf("this page's track went with entry points %v, want its own %v", got, want)
	}
}

// A page whose session opens while it goes away (pagehide) sends nothing
// when the answer comes: it released its stored batches, which the next
// page sends; back from the back/forward cache, it sends them itself.
func TestReleasedAfterPagehide(t *testing.T) {
	h := newHarness(t, direct, fresh)
	h.call("track", viewed)
	h.clock.tick() // the session's engagement call goes
	h.Hide(true)
	other := direct.key("queue:other")
	storeQueue(h.local, other, queueInfo{released: true}, "left")
	sent := len(h.tr.all)
	h.tr.answer(t, 200, answer1) // the session opens after pagehide
	h.Online()                   // and the browser comes back online
	h.clock.advance(claimWait)
	for _, r := range h.tr.all[sent:] {
		if strings.Contains(r.URL, "/report?") {
			t.Fatalf("a released page sent %s", r.Body)
		}
	}
	if _, info, err := readQueue([]byte(h.local[other])); err != nil || info.note {
		t.Errorf("a released page took over another page's queue: %q", h.local[other])
	}
	h.Show()
	h.clock.tick()
	if r := h.tr.all[len(h.tr.all)-1]; !strings.Contains(r.URL, "/report?") || !strings.Contains(r.Body, "prodView") {
		t.Errorf("back from the back/forward cache, the page did not send its batches: last request %s %s", r.URL, r.Body)
	}
}
