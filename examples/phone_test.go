package examples_test

import (
	"context"
	"strconv"
	"strings"
	"testing"

	"github.com/chromedp/chromedp"
)

// layoutJS checks the page in the tab as a shopper's thumb would: the page
// is no wider than the viewport (no sideways scroll), and every control in
// scope (a CSS selector) can be scrolled into view and is the element at
// its centre at the top, middle or bottom of the screen, not covered by
// another one (the chat launcher, the event
// panel, a neighbour). Controls under [hidden] are not offered at the
// moment and are left out. It returns one line per problem.
const layoutJS = `((scope) => {
  const out = [];
  const doc = document.documentElement, vw = doc.clientWidth;
  if (doc.scrollWidth > vw) out.push("the page is " + doc.scrollWidth + " px wide in a " + vw + " px viewport");
  const name = (e) => e ? e.tagName.toLowerCase() + (e.id ? "#" + e.id : "") + (e.className && typeof e.className == "string" ? "." + e.className.trim().split(/\s+/).join(".") : "") +
    ' "' + (e.textContent || e.name || e.placeholder || e.getAttribute("aria-label") || "").trim().replace(/\s+/g, " ").slice(0, 30) + '"' : "nothing";
  for (const root of document.querySelectorAll(scope)) {
    for (const e of root.querySelectorAll("a[href], button, input:not([type=hidden]), select, textarea, summary")) {
      if (e.closest("[hidden]")) continue;
      // Reachable: at the top, middle or bottom of the viewport, as far as
      // the page scrolls, its centre is the control itself.
      let problem = "";
      for (const block of ["start", "center", "end"]) {
        e.scrollIntoView({block, inline: "center"});
        // A link that wraps is tapped on its first line.
        const r = e.getClientRects()[0] || e.getBoundingClientRect();
        const x = r.left + r.width / 2, y = r.top + r.height / 2;
        const hit = r.width >= 1 && r.height >= 1 && x >= 0 && y >= 0 && x < innerWidth && y < innerHeight && document.elementFromPoint(x, y);
        if (hit && (hit === e || e.contains(hit))) { problem = ""; break; }
        problem = problem || (r.width < 1 || r.height < 1 ? "not visible" : !hit ? "centre " + Math.round(x) + "," + Math.round(y) + " outside the viewport" : "covered by " + name(hit));
      }
      if (problem) out.push(name(e) + ": " + problem);
    }
  }
  window.scrollTo(0, 0);
  return out;
})`

// checkLayout fails the test for each problem layoutJS finds in scope.
func (w *walker) checkLayout(where, scope string) {
	w.t.Helper()
	ctx, cancel := context.WithTimeout(w.ctx, stepTimeout)
	defer cancel()
	problems, err := chromedp.Run(ctx, chromedp.Evaluate[[]string](layoutJS+"("+strconv.Quote(scope)+")"))
	if err != nil {
		w.t.Fatalf("layout of %s: %v", where, err)
	}
	for _, p := range problems {
		w.t.Errorf("%s: %s", where, p)
	}
}

// TestPhoneLayout opens the shop's pages in Chromium at a phone's size
// (390 x 844, mobile, touch) and at a desktop's (1366 x 900), and some
// between (a tablet's 800 x 1024; 1200 x 800, where the event panel
// takes 400 px beside the page): no page is wider than the screen, and
// every link, button and field can be scrolled to and tapped, not covered
// by the chat launcher, the event panel or a neighbour; so are the chat
// box's. A guest's checkout is filled in whole, as the address is.
// Screenshots of each page at the phone's and the desktop's size go to
// browsertest.OutputDir.
func TestPhoneLayout(t *testing.T) {
	d, w, console := startWalk(t)
	loader := d.ProxyURL + "/lpedge.js"
	pages := []struct{ name, path, ready string }{
		{"home", "/", `a.card[data-sku="NP-HB-205"]`},
		{"shoes", "/shoes.html", `a.card[data-sku="NP-HB-205"]`},
		{"product", "/product.html?sku=NP-HB-205", `#add-to-cart`},
		{"search", "/search.html?q=waterproof", `#products a.card`},
		{"cart", "/cart.html", `#checkout`},
		{"checkout", "/checkout.html", `#checkout-form`},
		{"signin", "/signin.html", `#signin-form`},
		{"ga4", "/ga4.html?sku=NP-HB-205", `#buy-now`},
	}
	for _, size := range []struct {
		name          string
		width, height int64
		opts          []chromedp.EmulateViewportOption
		// between: a size between the two, where the header must wrap
		// too: its pages with the two-column layouts, no screenshots.
		between bool
	}{
		{"phone", 390, 844, []chromedp.EmulateViewportOption{chromedp.EmulateScale(2), chromedp.EmulateMobile, chromedp.EmulateTouch}, false},
		{"tablet", 800, 1024, []chromedp.EmulateViewportOption{chromedp.EmulateMobile, chromedp.EmulateTouch}, true},
		{"narrow-desktop", 1200, 800, nil, true},
		{"desktop", 1366, 900, nil, false},
	} {
		// The pages' layout does not depend on the tag: they load without
		// it, which spares compiling its module on every page. The chat
		// needs it.
		w.do(size.name, chromedp.EmulateViewport(size.width, size.height, size.opts...), blockURLs(loader))
		for _, p := range pages {
			if size.between && p.name != "cart" && p.name != "checkout" {
				continue
			}
			where := size.name + " " + p.path
			w.do(where, chromedp.Navigate(d.ShopURL+p.path), chromedp.WaitVisible(chromedp.CSS(p.ready)))
			if p.name == "product" && size.name == "phone" {
				// The cart and checkout pages that follow need a line.
				w.click("#add-to-cart")
				w.do("added", chromedp.WaitVisible(chromedp.CSS(`#added-notice`)))
			}
			if p.name == "checkout" && size.name == "phone" {
				// A guest: nobody has signed in yet.
				for _, f := range []string{"firstName", "lastName", "email", "street", "zip", "city"} {
					if v := w.eval(`document.querySelector("#checkout-form [name=` + f + `]").value`); strings.TrimSpace(v) == "" {
						t.Errorf("a guest's checkout leaves %s empty", f)
					}
				}
			}
			w.checkLayout(where, "body")
			if !size.between {
				w.shot(size.name + "-" + p.name)
			}
		}
		if size.between {
			continue
		}
		// The chat box, open over the page.
		w.do(size.name+" chat", blockURLs(), chromedp.Navigate(d.ShopURL+"/"), chromedp.WaitVisible(chromedp.CSS(`#chat-launcher`)),
			chromedp.Click(chromedp.CSS(`#chat-launcher`)), chromedp.WaitEnabled(chromedp.CSS(`#chat-input`)))
		w.checkLayout(size.name+" chat", "#chat-box")
		w.shot(size.name + "-chat")
		w.do("minimize the chat", chromedp.Click(chromedp.CSS(`#chat-min`)), chromedp.WaitVisible(chromedp.CSS(`#chat-launcher`)))
	}
	for _, m := range console.Errors() {
		if m.URL != loader {
			t.Errorf("console error: %v", m)
		}
	}
}
