package examples_test

import (
	"context"
	"encoding/json"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
	"github.com/lpedge/lpedge/examples/demo"
	"github.com/lpedge/lpedge/internal/browsertest"
	"github.com/lpedge/lpedge/liveperson"
	"github.com/lpedge/lpedge/liveperson/lptest"
)

// stepTimeout bounds each step of the walk: a page, the tag's request and
// LivePerson's answer.
const stepTimeout = 20 * time.Second

// TestShopWalk walks the Northpeak shop as a visitor in headless Chromium,
// with the real tag, the native proxy and lptest, each on a free loopback
// port: view a product, search, add to cart, check out, sign in, chat.
// Then lptest's agent view must show every attribute and the messages,
// and lptest's Go API must hold them. It ends on the page with the
// stand-in lpTag, where the tag must report with lpTag's ids.
// Screenshots of each page go to browsertest.OutputDir.
func TestShopWalk(t *testing.T) {
	d, w, console := startWalk(t)
	lp, ctx := d.LP, w.ctx
	network := browsertest.RecordNetwork(t, ctx)

	// Home: the tag opens a session through the proxy and reports the page.
	w.do("home", chromedp.Navigate(d.ShopURL+"/"), chromedp.WaitVisible(chromedp.CSS(`a.card[data-sku="NP-HB-205"]`)))
	w.waitReport("the home page view", func(c lptest.Call, _ []liveperson.SDE) bool { return strings.Contains(c.Body, d.ShopURL+"/") })
	vis := lp.Visitors()
	if len(vis) != 1 {
		t.Fatalf("after the home page lptest has %d visitors, want 1: %+v", len(vis), vis)
	}
	vid := vis[0].ID
	w.shot("01-home")

	// A product page: prodView, shown in the event panel as sent and answered.
	w.do("product", chromedp.Click(chromedp.CSS(`a.card[data-sku="NP-HB-205"]`), chromedp.NodeVisible), chromedp.WaitVisible(chromedp.CSS(`#add-to-cart`)))
	w.waitSDE("prodView of NP-HB-205", "prodView", `"sku":"NP-HB-205"`)
	w.waitText("#event-panel", "report \u2192 POST /v1/report", "prodView", "report \u2190 200", vid)
	w.shot("02-product")

	// Search from the header.
	w.do("search", chromedp.SetValue(chromedp.CSS(`form.search input[name=q]`), "waterproof boot"), chromedp.Submit(chromedp.CSS(`form.search input[name=q]`)),
		chromedp.WaitVisible(chromedp.CSS(`#products a.card[data-sku="NP-HB-205"]`)))
	w.waitSDE("searchInfo", "searchInfo", `"keywords":["waterproof","boot"]`)
	w.shot("03-search")

	// Add to cart from the result's product page.
	w.do("add to cart", chromedp.Click(chromedp.CSS(`#products a.card[data-sku="NP-HB-205"]`), chromedp.NodeVisible), chromedp.WaitVisible(chromedp.CSS(`#add-to-cart`)),
		chromedp.Click(chromedp.CSS(`#add-to-cart`)), chromedp.WaitVisible(chromedp.CSS(`#added-notice`)))
	w.waitSDE("cart with NP-HB-205", "cart", `"sku":"NP-HB-205"`)
	w.waitText("#cart-count", "1")
	w.shot("04-added-to-cart")

	w.do("cart", chromedp.Click(chromedp.CSS(`#cart-link`)), chromedp.WaitVisible(chromedp.CSS(`.line[data-sku="NP-HB-205"]`)))
	w.shot("05-cart")

	// Check out: the confirmation shows the order id the purchase carries.
	w.do("checkout", chromedp.Click(chromedp.CSS(`#checkout`)), chromedp.WaitVisible(chromedp.CSS(`#checkout-form`)),
		chromedp.SetValue(chromedp.CSS(`#checkout-form input[name=firstName]`), "Ann"), chromedp.SetValue(chromedp.CSS(`#checkout-form input[name=lastName]`), "Lee"),
		chromedp.SetValue(chromedp.CSS(`#checkout-form input[name=email]`), "ann.lee@example.com"))
	w.shot("06-checkout")
	w.do("place order", chromedp.Click(chromedp.CSS(`#place-order`)), chromedp.WaitVisible(chromedp.CSS(`#order-confirmation`)))
	orderID := w.text("#order-id")
	if !strings.HasPrefix(orderID, "NP-") {
		t.Fatalf("order id %q", orderID)
	}
	w.waitSDE("purchase "+orderID, "purchase", `"orderId":"`+orderID+`"`)
	w.shot("07-order-confirmation")

	// Sign in: identify reports ctmrinfo and personal.
	w.do("sign in", chromedp.Click(chromedp.CSS(`#signin-link`)), chromedp.WaitVisible(chromedp.CSS(`#signin-form`)), chromedp.Click(chromedp.CSS(`#signin-submit`)), chromedp.WaitVisible(chromedp.CSS(`#welcome`)))
	w.waitSDE("ctmrinfo", "ctmrinfo", `"ctype":"vip"`)
	w.waitSDE("personal", "personal", `"firstname":"Ann"`)
	w.shot("08-signed-in")

	// Back to shopping: a jacket goes into the new cart.
	w.do("jacket", chromedp.Click(chromedp.CSS(`#welcome a.btn`)), chromedp.WaitVisible(chromedp.CSS(`a.card[data-sku="NP-AJ-402"]`)),
		chromedp.Click(chromedp.CSS(`a.card[data-sku="NP-AJ-402"]`), chromedp.NodeVisible), chromedp.WaitVisible(chromedp.CSS(`#add-to-cart`)),
		chromedp.Click(chromedp.CSS(`#add-to-cart`)), chromedp.WaitVisible(chromedp.CSS(`#added-notice`)))
	w.waitSDE("cart with NP-AJ-402", "cart", `"sku":"NP-AJ-402"`)

	// Chat from the jacket's page: the VIP campaign offers an engagement;
	// the first message opens the conversation, the second goes with
	// conversation.send.
	first, second := "Hi! Does the Alpine Shell Jacket fit over a fleece?", "I am 1.80 m tall."
	w.do("open chat", chromedp.Click(chromedp.CSS(`#chat-launcher`)), chromedp.WaitEnabled(chromedp.CSS(`#chat-input`)))
	w.waitText("#chat-log", "Campaign 1001 offers engagement 2001")
	w.do("first message", chromedp.SendKeys(chromedp.CSS(`#chat-input`), first), chromedp.Click(chromedp.CSS(`#chat-send`)))
	w.waitText("#chat-log", "Conversation opened", "sent \u2713")
	w.do("second message", chromedp.WaitEnabled(chromedp.CSS(`#chat-input`)), chromedp.SendKeys(chromedp.CSS(`#chat-input`), second), chromedp.Click(chromedp.CSS(`#chat-send`)))
	var conv lptest.Conversation
	w.wait("the conversation with both messages", func() bool {
		cs := lp.Conversations()
		if len(cs) != 1 || len(cs[0].Messages) < 2 {
			return false
		}
		conv = cs[0]
		return true
	})
	w.waitText("#chat-log", second)
	w.shot("09-chat")
	w.do("minimize the chat", chromedp.Click(chromedp.CSS(`#chat-min`)), chromedp.WaitVisible(chromedp.CSS(`#chat-launcher`)))

	// What LivePerson holds, through lptest's Go API.
	if conv.Context == nil || conv.Context.VisitorID != vid || conv.CampaignID != "1001" || conv.EngagementID != "2001" || conv.State != lptest.StateOpen {
		t.Errorf("conversation: context %+v, campaign %s, engagement %s, state %s; want visitor %s, 1001/2001, OPEN",
			conv.Context, conv.CampaignID, conv.EngagementID, conv.State, vid)
	}
	if texts := []string{conv.Messages[0].Text, conv.Messages[1].Text}; !slices.Equal(texts, []string{first, second}) {
		t.Errorf("messages %q, want %q", texts, []string{first, second})
	}
	if got := sdeTypes(conv.SDEs); !slices.Equal(got, []string{"personal", "ctmrinfo"}) {
		t.Errorf("lp_sdes of the conversation: %v, want personal and ctmrinfo", got)
	}
	v, _ := lp.Visitor(vid)
	attrs := v.Attributes()
	for _, want := range []string{"prodView", "searchInfo", "cart", "purchase", "ctmrinfo", "personal"} {
		if !slices.Contains(sdeTypes(attrs), want) {
			t.Errorf("the visitor's attributes lack %s: %v", want, sdeTypes(attrs))
		}
	}

	// The agent view: the conversation with the visitor's attributes and
	// the messages, then the visitor.
	// A tall window, so that one screenshot shows the whole agent view.
	w.do("agent view of the conversation", chromedp.EmulateViewport(1366, 1400), chromedp.Navigate(d.LPTestURL+"/lptest/?conversation="+conv.ID), chromedp.WaitVisible(chromedp.CSS(`main h1`)))
	page := w.text("main")
	for _, want := range []string{
		"Personal Info", "Customer Info", "Ann", "vip", // lp_sdes
		"Viewed Products", "Summit GTX Hiking Boot", "NP-HB-205", // prodView
		"Searched Content", "waterproof", // searchInfo
		"Cart",                        // the cart, emptied by the purchase
		"Transaction", orderID, "189", // purchase
		first, second, "1001 / 2001", vid,
	} {
		if !strings.Contains(page, want) {
			t.Errorf("the agent view of conversation %s lacks %q:\n%s", conv.ID, want, page)
		}
	}
	w.shot("10-agent-view-conversation")
	w.do("agent view of the visitor", chromedp.Navigate(d.LPTestURL+"/lptest/?visitor="+vid), chromedp.WaitVisible(chromedp.CSS(`main h1`)))
	page = w.text("main")
	for _, want := range []string{"Viewed Products", "Searched Content", "Cart", "Transaction", "Customer Info", "Personal Info", conv.ID, "sec://shoes"} {
		if !strings.Contains(page, want) {
			t.Errorf("the agent view of visitor %s lacks %q:\n%s", vid, want, page)
		}
	}
	w.shot("11-agent-view-visitor")

	// The monitored flow: on the page with the stand-in lpTag the tag
	// reports with lpTag's visitor and session, not its own.
	w.do("the page with lpTag", chromedp.EmulateViewport(1366, 900), chromedp.Navigate(d.ShopURL+"/shoes.html"), chromedp.WaitVisible(chromedp.CSS(`#lptag-dot.on`)))
	lpTagVid := w.eval(`lpTag.taglets.lp_monitoringSDK.getVid()`)
	lpTagSid := w.eval(`lpTag.taglets.lp_monitoringSDK.getSid()`)
	if lpTagVid == "" || lpTagVid == vid {
		t.Fatalf("lpTag's vid %q: want its own, not the tag's %q", lpTagVid, vid)
	}
	call := w.waitReport("a report with lpTag's ids", func(c lptest.Call, sdes []liveperson.SDE) bool {
		return c.Visitor == lpTagVid && slices.Contains(sdeTypes(sdes), "prodView")
	})
	if call.Session != lpTagSid || call.Status != 200 {
		t.Errorf("report with lpTag's ids: session %s status %d, want %s 200", call.Session, call.Status, lpTagSid)
	}
	sv, _ := lp.Visitor(lpTagVid)
	if eps := entryPoints(sv); !slices.Contains(eps, "sec://shoes") {
		t.Errorf("lpTag's visitor's entry points %v lack sec://shoes (lpTag.section)", eps)
	}
	w.waitText("#event-panel", "lpTag", "start page", lpTagVid)
	// The page says why LivePerson sees another visitor here, naming
	// both, and the panel links both.
	w.waitText("#lptag-why", "Why another visitor?", lpTagVid, vid, "come from lpTag")
	w.waitText("#evp-ids", lpTagVid, "tag's own", vid)
	w.shot("12-shoes-with-lptag")

	// lptest's agent view has no icon; the browser asks for one anyway.
	noIcon := d.LPTestURL + "/favicon.ico"
	for _, r := range network.Requests() {
		if r.Status >= 400 && r.URL != noIcon {
			t.Errorf("request failed: %v", r)
		}
	}
	for _, m := range console.Errors() {
		if m.URL == noIcon {
			continue
		}
		t.Errorf("console error: %v", m)
	}
}

// The tag, built once for every test of the package.
var (
	tagOnce sync.Once
	tagDir  string
	tag     *demo.Tag
	tagErr  error
)

func sharedTag(t *testing.T) *demo.Tag {
	t.Helper()
	tagOnce.Do(func() {
		if tagDir, tagErr = os.MkdirTemp("", "lpedge-examples-tag-"); tagErr == nil {
			tag, tagErr = demo.BuildTag(tagDir, false)
		}
	})
	if tagErr != nil {
		t.Fatal(tagErr)
	}
	return tag
}

func TestMain(m *testing.M) {
	code := m.Run()
	if tagDir != "" {
		os.RemoveAll(tagDir)
	}
	os.Exit(code)
}

// startWalk starts the demo (with lpTest's options) and a browser whose
// tab a walker drives at desktop size; both stop with the test.
func startWalk(t *testing.T, lpTest ...lptest.Option) (*demo.Demo, *walker, *browsertest.Console) {
	t.Helper()
	d, err := demo.Start(demo.Options{Tag: sharedTag(t), LPTest: lpTest})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		if err := d.Close(); err != nil {
			t.Error(err)
		}
	})
	ctx := browsertest.New(t, browsertest.WithTimeout(3*time.Minute))
	console := browsertest.RecordConsole(t, ctx)
	w := &walker{t: t, ctx: ctx, lp: d.LP, out: browsertest.OutputDir(t)}
	w.do("viewport", chromedp.EmulateViewport(1366, 900))
	return d, w, console
}

// A walker drives the tab and waits for LivePerson.
type walker struct {
	t   *testing.T
	ctx context.Context
	lp  *lptest.Server
	out string
}

func (w *walker) do(step string, actions ...chromedp.Action[chromedp.Void]) {
	w.t.Helper()
	ctx, cancel := context.WithTimeout(w.ctx, stepTimeout)
	defer cancel()
	if err := chromedp.Do(ctx, actions...); err != nil {
		w.t.Fatalf("%s: %v", step, err)
	}
}

// text is the visible text of the first element sel matches.
func (w *walker) text(sel string) string {
	w.t.Helper()
	ctx, cancel := context.WithTimeout(w.ctx, stepTimeout)
	defer cancel()
	s, err := chromedp.Run(ctx, chromedp.Text(chromedp.CSS(sel)))
	if err != nil {
		w.t.Fatalf("reading %s: %v", sel, err)
	}
	return s
}

// eval is the value of a JavaScript expression that gives a string.
func (w *walker) eval(expr string) string {
	w.t.Helper()
	ctx, cancel := context.WithTimeout(w.ctx, stepTimeout)
	defer cancel()
	s, err := chromedp.Run(ctx, chromedp.Evaluate[string](expr))
	if err != nil {
		w.t.Fatalf("%s: %v", expr, err)
	}
	return s
}

func (w *walker) shot(name string) {
	w.t.Helper()
	if err := browsertest.Screenshot(w.ctx, filepath.Join(w.out, name+".png")); err != nil {
		w.t.Error(err)
	}
}

// wait polls cond until it holds, for at most stepTimeout.
func (w *walker) wait(what string, cond func() bool) {
	w.t.Helper()
	deadline := time.Now().Add(stepTimeout)
	for !cond() {
		if time.Now().After(deadline) {
			w.t.Fatalf("waited %v for %s", stepTimeout, what)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// waitReport waits for a successful report that match accepts and
// returns it.
func (w *walker) waitReport(what string, match func(lptest.Call, []liveperson.SDE) bool) lptest.Call {
	w.t.Helper()
	var found lptest.Call
	w.wait(what, func() bool {
		for _, c := range w.lp.Calls() {
			if c.Route != lptest.RouteReport || c.Status/100 != 2 {
				continue
			}
			var body struct {
				EngagementAttributes json.RawMessage `json:"engagementAttributes"`
			}
			if json.Unmarshal([]byte(c.Body), &body) != nil {
				continue
			}
			sdes, err := liveperson.DecodeSDEs(body.EngagementAttributes)
			if err == nil && match(c, sdes) {
				found = c
				return true
			}
		}
		return false
	})
	return found
}

// waitSDE waits for a report carrying an SDE of type whose JSON holds part.
func (w *walker) waitSDE(what, typ, part string) {
	w.t.Helper()
	w.waitReport(what, func(_ lptest.Call, sdes []liveperson.SDE) bool {
		for _, s := range sdes {
			if s.Type() == typ && strings.Contains(string(s.AppendJSON(nil)), part) {
				return true
			}
		}
		return false
	})
}

// waitText waits until the element sel shows every one of parts.
func (w *walker) waitText(sel string, parts ...string) {
	w.t.Helper()
	w.wait(sel+" showing "+strings.Join(parts, ", "), func() bool {
		text := w.text(sel)
		for _, p := range parts {
			if !strings.Contains(text, p) {
				return false
			}
		}
		return true
	})
}

func sdeTypes(sdes []liveperson.SDE) []string {
	out := make([]string, len(sdes))
	for i, s := range sdes {
		out[i] = s.Type()
	}
	return out
}

func entryPoints(v lptest.Visitor) []string {
	var out []string
	for _, s := range v.Sessions {
		for _, p := range s.Pages {
			out = append(out, p.EntryPoints...)
		}
	}
	return out
}
