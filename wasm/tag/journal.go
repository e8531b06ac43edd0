package tag

import (
	"errors"

	"github.com/lpedge/lpedge/internal/jsonv"
)

// A journal is what a page in worker mode keeps at pagehide of the calls
// its module had not yet reflected in the plan the page holds
// (jsglue/loader.js): the page API's calls as they reached the module, a
// JSON array of [method, argsJSON], under key("calls:"+tab), written only
// when the plan allowed storage, or the calls hold a consent grant (where
// consent is required). The next page makes them, once, as a request of
// their own: the calls are not lost when the worker is slower than the
// navigation, and none is made twice, as the page lets the worker go at
// pagehide.

// journaled says whether a journal may hold method: those that report.
// A conversation's calls mean nothing on another page, and a journal is
// storage, which the visitor may edit.
func journaled(method string) bool {
	switch method {
	case "track", "identify", "page", "consent", "sdes.push", "capture":
		return true
	}
	return false
}

// replayJournals makes the calls of the journals in storage, and removes
// them. What it cannot read is a warning; the calls read up to there are
// made.
func (t *Tag) replayJournals() {
	keys := t.local.Keys(t.key("calls:"))
	for _, k := range keys {
		s, _ := t.local.Get(k)
		t.local.Remove(k)
		calls, err := readJournal([]byte(s))
		if err != nil {
			t.env.Console.Warn("lpedge: storage: calls an earlier page kept at pagehide are unreadable and were dropped: " + err.Error())
		}
		for _, c := range calls {
			t.Call(c[0], []byte(c[1]), nil)
		}
	}
	if keys != nil {
		// What they made is one request of its own; this page's calls
		// have this page's entry points (a replayed page(url) set them).
		t.mu.Lock()
		t.close()
		t.entry, t.tickEntry = nil, nil
		t.unlock()
	}
}

// readJournal decodes a journal: its calls of journaled methods, up to the
// first entry that is not [method, argsJSON].
func readJournal(data []byte) (calls [][2]string, err error) {
	v, err := jsonv.Parse(data)
	list, ok := v.([]any)
	if err != nil || !ok {
		return nil, errors.New("want a JSON array")
	}
	for _, e := range list {
		c, _ := e.([]any)
		if len(c) != 2 {
			return calls, errors.New("want each call as [method, arguments]")
		}
		m, ok1 := c[0].(string)
		a, ok2 := c[1].(string)
		if !ok1 || !ok2 {
			return calls, errors.New("want each call as [method, arguments] (strings)")
		}
		if journaled(m) {
			calls = append(calls, [2]string{m, a})
		}
	}
	return calls, nil
}
