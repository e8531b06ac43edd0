package tag

import (
	"errors"
	"strings"
	"testing"
	"time"
)

// The tag names the account and app it believes in on every request to
// the proxy, and says so in the console, without debug mode, when the
// proxy serves another.
func TestAccountMismatch(t *testing.T) {
	cfg := viaProxy
	cfg.App = "app+1"
	h := newHarness(t, cfg, fresh)
	h.call("track", viewed)
	h.clock.tick()
	mismatch := `{"error":{"code":"account_mismatch","message":"data-account: the page names \"12345678\", but this proxy serves \"87654321\" (its LP_ACCOUNT_ID): fix the one that is wrong"}}`
	r := h.tr.answer(t, 400, mismatch) // the session's engagement call
	if !strings.HasSuffix(r.URL, "/v1/engagement?account=12345678&app=app+1") {
		t.Errorf("request %s, want the account and app in the query", r.URL)
	}
	want := `lpedge: report: the proxy answered 400 account_mismatch: data-account: the page names "12345678", but this proxy serves "87654321"`
	if len(h.console.errors) != 1 || !strings.HasPrefix(h.console.errors[0], want) {
		t.Errorf("console errors %q, want one: %s", h.console.errors, want)
	}
	p := h.promise("engagement", `[]`)
	h.tr.answer(t, 400, mismatch)
	if _, err := p(); err == nil || !strings.HasPrefix(err.Error(), "lpedge: engagement: the proxy answered 400 account_mismatch: data-account: ") ||
		len(h.console.errors) != 2 || h.console.errors[1] != err.Error() {
		t.Errorf("engagement: %v, console %q: want the rejection's message as a console error too", err, h.console.errors)
	}
	if len(h.console.logs) != 0 {
		t.Errorf("logged without debug mode: %q", h.console.logs)
	}
}

// A request that gets no answer says which server could not be reached,
// as a warning; a Promise rejects with an *UnreachableError.
func TestUnreachable(t *testing.T) {
	for _, tc := range []struct {
		cfg  Config
		want string
	}{
		{viaProxy, "could not reach the proxy at https://edge.example ("},
		{direct, "could not reach LivePerson at https://smt.example ("},
	} {
		h := newHarness(t, tc.cfg)
		p := h.promise("engagement", `[]`)
		h.tr.answer(t, 0, "")
		_, err := p()
		var u *UnreachableError
		if !errors.As(err, &u) || u.URL != h.base || !strings.HasPrefix(err.Error(), "lpedge: engagement: "+tc.want) {
			t.Errorf("engagement: %v, want an *UnreachableError: %s", err, tc.want)
		}
		if len(h.console.warns) != 1 || h.console.warns[0] != err.Error() || len(h.console.errors) != 0 {
			t.Errorf("console: warnings %q, errors %q; want the error as one warning", h.console.warns, h.console.errors)
		}
		// A report's first failure is named; its retries are quiet.
		h.call("track", viewed)
		h.clock.tick()
		h.tr.answer(t, 0, "")
		h.clock.advance(3 * time.Second)
		h.tr.answer(t, 0, "")
		if len(h.console.warns) != 2 || !strings.HasPrefix(h.console.warns[1], "lpedge: report: "+tc.want) {
			t.Errorf("report: warnings %q, want one more: %s", h.console.warns, tc.want)
		}
	}
}
