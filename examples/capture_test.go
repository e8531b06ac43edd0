package examples_test

import (
	"slices"
	"strings"
	"testing"

	"github.com/chromedp/chromedp"
)

// TestGA4Page: the shop's page instrumented only with GA4 dataLayer
// pushes (ga4.html, data-capture="datalayer") reaches LivePerson: its
// view_item, add_to_cart and purchase show in lptest's agent view of the
// visitor, and the page made no lpedge call of its own.
func TestGA4Page(t *testing.T) {
	d, w, console := startWalk(t)
	w.do("the GA4 page", chromedp.Navigate(d.ShopURL+"/ga4.html?sku=NP-HB-205"), chromedp.WaitVisible(chromedp.CSS(`#add-to-cart`)))
	w.waitSDE("prodView of NP-HB-205", "prodView", `"sku":"NP-HB-205"`)
	w.do("add to cart", chromedp.Click(chromedp.CSS(`#add-to-cart`)), chromedp.WaitVisible(chromedp.CSS(`#added-notice`)))
	w.waitSDE("cart with NP-HB-205", "cart", `"sku":"NP-HB-205"`)
	w.do("buy now", chromedp.Click(chromedp.CSS(`#buy-now`)), chromedp.WaitVisible(chromedp.CSS(`#order-id`)))
	orderID := w.text("#order-id")
	w.waitSDE("purchase "+orderID, "purchase", `"orderId":"`+orderID+`"`)
	w.shot("ga4-page")
	if n := len(strings.Fields(w.eval(`Array.from(document.querySelectorAll("#evp-list *")).map(function (e) { return e.textContent }).join(" ")`))); n == 0 {
		t.Error("the event panel shows nothing")
	}
	if calls := w.eval(`JSON.stringify((JSON.parse(sessionStorage.getItem("northpeak:events") || "[]")).filter(function (e) { return e.label == "call" }))`); calls != "[]" {
		t.Errorf("the GA4 page called lpedge: %s", calls)
	}

	vis := d.LP.Visitors()
	if len(vis) != 1 {
		t.Fatalf("lptest has %d visitors, want 1", len(vis))
	}
	v, _ := d.LP.Visitor(vis[0].ID)
	for _, want := range []string{"prodView", "cart", "purchase"} {
		if !slices.Contains(sdeTypes(v.Attributes()), want) {
			t.Errorf("the visitor's attributes lack %s: %v", want, sdeTypes(v.Attributes()))
		}
	}
	w.do("agent view of the visitor", chromedp.Navigate(d.LPTestURL+"/lptest/?visitor="+vis[0].ID), chromedp.WaitVisible(chromedp.CSS(`main h1`)))
	page := w.text("main")
	for _, want := range []string{"Viewed Products", "Summit GTX Hiking Boot", "NP-HB-205", "Cart", "Transaction", orderID} {
		if !strings.Contains(page, want) {
			t.Errorf("the agent view of visitor %s lacks %q:\n%s", vis[0].ID, want, page)
		}
	}
	w.shot("ga4-agent-view")
	for _, m := range console.Messages() {
		if strings.HasPrefix(m.Text, "lpedge: ") && m.Type != chromedp.ConsoleLog {
			t.Errorf("console %s %q", m.Type, m.Text)
		}
	}
}
