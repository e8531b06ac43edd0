package tag

import (
	"strings"
	"testing"

	"github.com/lpedge/lpedge/internal/jsonv"
)

// TestCapture: the loader's capture calls (a dataLayer's entries, gtag.js
// calls) become attributes, entry points and an identity; one tick's are
// one request, and the session's cart is the one track keeps.
func TestCapture(t *testing.T) {
	h := newHarness(t, direct)
	h.call("capture", `["page_view",{"page_location":"https://shop.example/tee"},"dataLayer"]`)
	h.call("track", `["Product Added",{"sku":"A","name":"Shoe","price":10}]`)
	h.call("capture", `["view_item",{"currency":"USD","items":[{"item_id":"T1","item_name":"Tee","price":"9.99"}]},"dataLayer"]`)
	h.call("capture", `["add_to_cart",{"currency":"USD","items":[{"item_id":"T1","item_name":"Tee","price":9.99,"quantity":"2"}]},"gtag"]`)
	h.call("capture", `["gtm.dom",{},"dataLayer"]`)
	h.call("capture", `["search",{"search_term":"blue tee"},"gtag"]`)
	h.clock.tick()
	if len(h.tr.all) != 1 {
		t.Fatalf("%d requests, want one for the tick", len(h.tr.all))
	}
	r := h.tr.answer(t, 200, answer1)
	b := body(t, r)
	if eps, _ := b["entryPoints"].([]any); len(eps) == 0 || eps[0] != "https://shop.example/tee" {
		t.Errorf("entryPoints %v, want page_view's", b["entryPoints"])
	}
	var types []string
	for _, a := range attrs(t, r) {
		types = append(types, a.(map[string]any)["type"].(string))
	}
	if got := strings.Join(types, ","); got != "cart,prodView,cart,searchInfo" {
		t.Errorf("attributes %s (%s), want cart,prodView,cart,searchInfo", got, r.Body)
	}
	if cart := attrs(t, r)[2].(map[string]any); cart["numItems"] != 3.0 || cart["total"] != 29.98 {
		t.Errorf("cart %v: want the track's shoe and two tees, 29.98", cart)
	}
	h.call("capture", `["login",{"user_id":"c-42"},"dataLayer"]`)
	h.clock.tick()
	next := h.tr.answer(t, 200, answer1)
	if a := attrs(t, next); len(a) != 1 || a[0].(map[string]any)["type"] != "ctmrinfo" || !strings.Contains(next.Body, `"sub":"c-42"`) {
		t.Errorf("login: %s, want ctmrinfo under the identity c-42", next.Body)
	}
	if len(h.console.errors)+len(h.console.warns) != 0 {
		t.Errorf("console: %q %q", h.console.errors, h.console.warns)
	}
	if len(h.console.logs) != 0 {
		t.Errorf("notes without debug mode: %q", h.console.logs)
	}
}

// TestCaptureMistakes: what a page's analytics sent that cannot be mapped
// is a warning naming the call and the field, never an error, and sends
// nothing; what has no LivePerson meaning is a debug note only.
func TestCaptureMistakes(t *testing.T) {
	for _, tt := range []struct{ args, warn string }{
		{`["add_to_cart",{"items":[{"item_id":"A","price":"abc"}]},"dataLayer"]`,
			`lpedge: dataLayer("add_to_cart"): items[0].price: want a number, got a string ("abc")`},
		{`["purchase",{"value":"12,50"},"gtag"]`, `lpedge: gtag("purchase"): value: want a number, got a string ("12,50")`},
		{`["view_item",{"currency":"USD"},"dataLayer"]`, `lpedge: dataLayer("view_item"): item_id: is required (or item_name)`},
		{`["sign_up",{"user_id":"ann@example.com"},"dataLayer"]`,
			`lpedge: dataLayer("sign_up"): user_id: an email address is guessable: use your stable, unguessable id for the customer; left out`},
	} {
		h := newHarness(t, direct)
		h.call("capture", tt.args)
		h.clock.tick()
		if len(h.console.warns) != 1 || h.console.warns[0] != tt.warn || len(h.console.errors) != 0 {
			t.Errorf("%s: warnings %q, errors %q; want %q", tt.args, h.console.warns, h.console.errors, tt.warn)
		}
		if len(h.tr.all) != 0 {
			t.Errorf("%s: sent %s", tt.args, h.tr.all[0].Body)
		}
	}
	h := newHarness(t, direct)
	h.call("debug", `[true]`)
	h.call("capture", `["view_promotion",{"items":[{"promotion_id":"P_12345"}]},"dataLayer"]`)
	h.call("capture", `["login",{"method":"Google"},"dataLayer"]`)
	log := strings.Join(h.console.logs, "\n")
	for _, want := range []string{
		`lpedge: dataLayer("view_promotion"): no LivePerson meaning; ignored`,
		`lpedge: dataLayer("login"): user_id: absent, so there is no one to identify; ignored`,
	} {
		if !strings.Contains(log, want) {
			t.Errorf("debug log lacks %q:\n%s", want, log)
		}
	}
	if len(h.console.warns)+len(h.console.errors) != 0 {
		t.Errorf("ignored events warned: %q %q", h.console.warns, h.console.errors)
	}
	// A capture call the loader got wrong is an error, as any call's.
	h.call("capture", `[5,{},"dataLayer"]`)
	if len(h.console.errors) != 1 || h.console.errors[0] != "lpedge: capture: event: want a string, got 5" {
		t.Errorf("bad capture call: %q", h.console.errors)
	}
}

// TestCaptureConsent: with consent denied, captured events are dropped as
// track's are.
func TestCaptureConsent(t *testing.T) {
	cfg := direct
	cfg.ConsentRequired = true
	h := newHarness(t, cfg)
	h.call("consent", `[{"marketing":false}]`)
	h.call("capture", `["search",{"search_term":"x"},"dataLayer"]`)
	h.call("capture", `["login",{"user_id":"c-1"},"dataLayer"]`)
	h.clock.tick()
	if len(h.tr.all) != 0 || h.Tag.customerID != "" {
		t.Errorf("sent %d requests, customer %q after consent was denied", len(h.tr.all), h.Tag.customerID)
	}
}

// The parameters of a capture call come from the page's data, as the
// loader made them JSON: any of them maps or warns, and never panics.
func FuzzCapture(f *testing.F) {
	f.Add("dataLayer", "add_to_cart", []byte(`{"items":[{"item_id":"A","price":"1.5","quantity":"2"}]}`))
	f.Add("gtag", "purchase", []byte(`{"transaction_id":"T","value":"9","tax":1,"items":[{"item_name":"x"}]}`))
	f.Add("dataLayer", "login", []byte(`{"user_id":"a@b"}`))
	f.Add("dataLayer", "page_view", []byte(`{"page_location":7}`))
	f.Fuzz(func(t *testing.T, source, event string, data []byte) {
		v, err := jsonv.Parse(data)
		if err != nil {
			return
		}
		h := newHarness(t, direct)
		args := jsonv.Append(nil, []any{event, v, source})
		h.call("capture", string(args))
		h.clock.tick()
		for _, m := range append(h.console.warns, h.console.errors...) {
			if !strings.HasPrefix(m, "lpedge: ") {
				t.Fatalf("message %q", m)
			}
		}
	})
}
