//go:build !js

package e2e

import (
	"testing"

	"github.com/lpedge/lpedge/liveperson/lptest"
)

// TestPerformance measures, in Chromium: the time from the loader's start
// (after the page's load event) to ready, the longest main-thread task
// until ready (PerformanceObserver longtask: every task over 50 ms; the
// page itself does nothing), and the median cost of one track call over
// 1,000 (ten ticks of 100). It logs the figures; run with -v. The
// machine's load decides them, so the test asserts only that they were
// measured and that the 1,000 attributes arrived.
func TestPerformance(t *testing.T) {
	lp := lptest.NewServer()
	defer lp.Close()
	// The page counts answered requests, so that each tick waits for the
	// last one's report instead of piling up past the queue's cap.
	s := site(t, map[string]page{"shop": {Attrs: direct(lp, "debug", "false"), Script: `window.__answers = 0;
		var realFetch = window.fetch;
		window.fetch = function () { return realFetch.apply(this, arguments).then(function (r) { __answers++; return r }) };`}})
	ctx, _ := newBrowser(t)
	open(t, ctx, s.URL+"/shop")
	// performance.now() is coarsened to 100 µs here, so calls are timed
	// in groups of 10: the median is over 100 groups.
	m := eval[map[string]float64](t, ctx, `(async function () {
		var costs = [];
		for (var tick = 0; tick < 10; tick++) {
			for (var g = 0; g < 10; g++) {
				var t0 = performance.now();
				for (var i = 0; i < 10; i++)
					lpedge.track("Product Viewed", {sku: "S" + tick + "-" + g + "-" + i, name: "Sock", price: 4.5});
				costs.push((performance.now() - t0) / 10);
			}
			var want = __answers + 1;
			while (__answers < want) await new Promise(function (r) { setTimeout(r, 5) });
		}
		costs.sort(function (a, b) { return a - b });
		var start = performance.getEntriesByName("lpedge:start")[0], ready = performance.getEntriesByName("lpedge:ready")[0];
		var startup = (window.__taskLog || []).filter(function (e) { return e[0] < ready.startTime + 1 });
		return {
			startToReady: ready.startTime - start.startTime,
			loadToStart: start.startTime,
			longestStartupTask: Math.max.apply(null, [0].concat(startup.map(function (e) { return e[1] }))),
			startupLongTasks: startup.length,
			trackMedian: costs[50],
			trackMean: costs.reduce(function (a, b) { return a + b }) / costs.length,
		};
	})()`)
	eventually(t, "the 1,000 attributes in lptest", func() bool { return len(received(lp)) == 1000 })
	t.Logf("long tasks [start ms, duration ms]: %s %s", eval[string](t, ctx, `JSON.stringify(window.__taskLog || [])`), eval[string](t, ctx, `JSON.stringify(performance.getEntriesByType("mark").map(function(m){return [m.name, Math.round(m.startTime)]}))`))
	t.Logf("loader start -> ready: %.1f ms (the loader started %.1f ms after navigation, at the load event)", m["startToReady"], m["loadToStart"])
	t.Logf("longest main-thread task until ready: %.1f ms (%v over 50 ms)", m["longestStartupTask"], m["startupLongTasks"])
	t.Logf("track: median %.1f µs, mean %.1f µs per call over 1,000 calls (the first after start: cold code)", 1000*m["trackMedian"], 1000*m["trackMean"])
	if m["startToReady"] <= 0 || m["trackMean"] <= 0 {
		t.Errorf("figures not measured: %v", m)
	}
}
