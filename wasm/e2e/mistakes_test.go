//go:build !js

package e2e

import (
	"context"
	"net"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"github.com/lpedge/lpedge/liveperson/lptest"
)

// format is the one form of every warning and error the tag writes: "lpedge: ",
// the call as the page wrote it (track's with its event) or the data
// attribute, ": ", then what is wrong, which starts with the field when
// there is one. No prefix is doubled.
var format = regexp.MustCompile(`^lpedge: (track\("[^"]*"\)|[a-z][a-zA-Z.-]*): \S`)

// Mistakes a page makes are named in the console, each once, in one
// format, at the level they deserve, without debug mode; unknown
// properties and traits are named in debug mode only. Nothing invalid
// reaches LivePerson.
func TestMistakesNamed(t *testing.T) {
	lp := lptest.NewServer()
	defer lp.Close()
	px := newProxy(t, lp)
	s := site(t, map[string]page{"shop": {Loader: px.URL + "/lpedge.js",
		Attrs: map[string]string{"account": lptest.DefaultAccount, "proxy": px.URL}}})
	ctx, console := newBrowser(t)
	open(t, ctx, s.URL+"/shop")
	for _, tc := range []struct {
		call  string
		level chromedp.ConsoleType
		want  string // the whole message
	}{
		{`lpedge.track("Product Viewed", {sku: "A1", price: "9"})`, chromedp.ConsoleError,
			`lpedge: track("Product Viewed"): price: want a number, got a string ("9")`},
		{`lpedge.track("Product Viewed", {price: 9})`, chromedp.ConsoleError,
			`lpedge: track("Product Viewed"): product_id: is required (or sku, or name)`},
		{`lpedge.track("Order Completed", {order_id: "o-1", revenue: NaN})`, chromedp.ConsoleWarning,
			`lpedge: track("Order Completed"): revenue: NaN is not a number JSON can carry; left out`},
		{`lpedge.track("Cart Viewed", {products: [{sku: "A1", price: Infinity}]})`, chromedp.ConsoleWarning,
			`lpedge: track("Cart Viewed"): products[0].price: Infinity is not a number JSON can carry; left out`},
		{`lpedge.track("Nope", {})`, chromedp.ConsoleError,
			`lpedge: track("Nope"): event: the retail preset maps none of this name; want one of Product Viewed, Product List Viewed, Products Searched, Product Added, Product Removed, Cart Viewed, Checkout Started, Order Completed, Lead Generated`},
		{`lpedge.identify({id: 1})`, chromedp.ConsoleWarning,
			`lpedge: identify: id: the customer id is identify's first argument: identify(customerId, traits); left out`},
		{`lpedge.identify("ann@example.com", {firstName: "Ann"})`, chromedp.ConsoleWarning,
			`lpedge: identify: customerId: an email address is guessable: use your stable, unguessable id for the customer; left out`},
		{`lpedge.identify(true)`, chromedp.ConsoleError, `lpedge: identify: customerId: want a string, got true`},
		{`lpedge.identify("c-1", {firstName: 7})`, chromedp.ConsoleError, `lpedge: identify: firstName: want a string, got 7`},
		{`lpedge.page(1)`, chromedp.ConsoleError, `lpedge: page: url: want a string, got 1`},
		{`lpedge.sdes.push([{type: "cart", numItems: 1}])`, chromedp.ConsoleError, `lpedge: sdes.push: sdes[0]: cart.total: is required`},
		{`lpedge.consent({marketing: "yes"})`, chromedp.ConsoleError, `lpedge: consent: marketing: want true or false, got a string ("yes")`},
		{`lpedge.conversation.on("mesage", function () {})`, chromedp.ConsoleError,
			`lpedge: conversation.on: event: want "message", "typing", "read" or "state", got "mesage"`},
		{`var o = {}; o.o = o; lpedge.track("Product Viewed", o)`, chromedp.ConsoleError,
			`lpedge: track("Product Viewed"): arguments are not JSON: `},
		// Unknown members are no mistake (Segment events carry custom
		// properties): named in debug mode only.
		{`lpedge.track("Product Viewed", {sku: "A1", nmae: "Boot"}); lpedge.identify("c-2", {emial: "a@b.c"})`, "", ""},
		{`lpedge.debug(true); lpedge.track("Product Viewed", {sku: "A1", nmae: "Boot"})`, chromedp.ConsoleLog,
			`lpedge: track("Product Viewed"): nmae: no property the retail preset reads; left out`},
		{`lpedge.identify("c-3", {emial: "a@b.c"}); lpedge.debug(false)`, chromedp.ConsoleLog,
			`lpedge: identify: emial: no trait the retail preset reads; left out`},
	} {
		before := len(console.Messages())
		exec(t, ctx, tc.call)
		if tc.want == "" {
			time.Sleep(200 * time.Millisecond)
			for _, m := range console.Messages()[before:] {
				t.Errorf("%s: console %s %q, want nothing", tc.call, m.Type, m.Text)
			}
			continue
		}
		wctx, cancel := context.WithTimeout(ctx, 10*time.Second)
		_, err := console.Wait(wctx, func(m chromedp.ConsoleMessage) bool {
			return m.Type == tc.level && strings.HasPrefix(m.Text, tc.want)
		})
		cancel()
		if err != nil {
			t.Errorf("%s: want console %s %q: %v", tc.call, tc.level, tc.want, err)
		}
	}
	// What the warned calls sent has arrived, so that the check below has
	// something to look at.
	eventually(t, "the warned calls' reports in lptest", func() bool { return len(received(lp)) > 0 })
	var ours int
	for _, m := range console.Messages() {
		if !strings.HasPrefix(m.Text, "lpedge") || m.Type == chromedp.ConsoleLog {
			continue // the debug log's lines are a log, not messages about a mistake
		}
		ours++
		if !format.MatchString(m.Text) || strings.Contains(m.Text, "lpedge: lpedge") || strings.Count(m.Text, "lpedge:") != 1 {
			t.Errorf("console %s %q: not in the format %s", m.Type, m.Text, format)
		}
	}
	if ours == 0 {
		t.Fatal("no message of the tag")
	}
	for _, sde := range received(lp) {
		if b := string(sde.AppendJSON(nil)); strings.Contains(b, "null") || strings.Contains(b, "@") || strings.Contains(b, `"9"`) {
			t.Errorf("sent %s: something half-valid", b)
		}
	}
}

// A page whose data-account is not the proxy's is told so in the console
// as an error, without debug mode, naming the attribute and both
// accounts; nothing reaches LivePerson.
func TestAccountMismatch(t *testing.T) {
	lp := lptest.NewServer()
	defer lp.Close()
	px := newProxy(t, lp)
	s := site(t, map[string]page{"shop": {Loader: px.URL + "/lpedge.js",
		Attrs:  map[string]string{"account": "99999999", "proxy": px.URL},
		Script: `lpedge.track("Product Viewed", {sku: "A1", name: "Boot"})`}})
	ctx, console := newBrowser(t)
	open(t, ctx, s.URL+"/shop")
	want := `lpedge: report: the proxy answered 400 account_mismatch: data-account: the page names "99999999", but this proxy serves "` + lptest.DefaultAccount + `"`
	wctx, cancel := context.WithTimeout(ctx, 20*time.Second)
	defer cancel()
	if _, err := console.Wait(wctx, func(m chromedp.ConsoleMessage) bool {
		return m.Type == chromedp.ConsoleError && strings.HasPrefix(m.Text, want)
	}); err != nil {
		t.Errorf("want the console error %q: %v", want, err)
	}
	got := eval[string](t, ctx, `lpedge.engagement().then(function () { return "resolved" }, function (e) { return e.message })`)
	if !strings.HasPrefix(got, `lpedge: engagement: the proxy answered 400 account_mismatch: data-account: `) {
		t.Errorf("engagement rejected with %q", got)
	}
	if n := len(lp.Calls()); n != 0 {
		t.Errorf("LivePerson got %d calls", n)
	}
}

// A proxy that cannot be reached is named with its URL, as a warning; the
// Promise rejects with an Error whose code is "unreachable", for a retry.
func TestProxyUnreachable(t *testing.T) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	dead := "http://" + l.Addr().String()
	l.Close() // nothing listens there now
	s := site(t, map[string]page{"shop": {Attrs: map[string]string{"account": lptest.DefaultAccount, "proxy": dead + "/edge"}}})
	ctx, console := newBrowser(t)
	open(t, ctx, s.URL+"/shop")
	got := eval[map[string]string](t, ctx, `lpedge.engagement().then(function () { return {} }, function (e) {
		return {code: e.code, url: e.url, message: e.message, isError: String(e instanceof Error)} })`)
	want := "lpedge: engagement: could not reach the proxy at " + dead + "/edge ("
	if got["code"] != "unreachable" || got["url"] != dead+"/edge" || got["isError"] != "true" || !strings.HasPrefix(got["message"], want) {
		t.Errorf("engagement rejected with %v, want code unreachable, url %s, message %s...", got, dead+"/edge", want)
	}
	wctx, cancel := context.WithTimeout(ctx, 10*time.Second)
	defer cancel()
	if _, err := console.Wait(wctx, func(m chromedp.ConsoleMessage) bool {
		return m.Type == chromedp.ConsoleWarning && m.Text == got["message"]
	}); err != nil {
		t.Errorf("want the console warning %q: %v", got["message"], err)
	}
	for _, m := range console.Messages() {
		if strings.Contains(m.Text, "refused engagement") || strings.Contains(m.Text, "with 0") {
			t.Errorf("console %s %q", m.Type, m.Text)
		}
	}
}
