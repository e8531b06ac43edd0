package lptest_test

import (
	"context"
	"fmt"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"github.com/lpedge/lpedge/internal/browsertest"
	"github.com/lpedge/lpedge/liveperson/connector"
	"github.com/lpedge/lpedge/liveperson/lptest"
	"github.com/lpedge/lpedge/liveperson/monitoring"
)

// shopPage calls lptest's report from another origin, as the tag does.
// report(method, override) resolves to "STATUS visitorId sessionId" or
// "failed: <error name>".
const shopPage = `<!doctype html><html><body><script>
const reportURL = %q, controlURL = %q;
const body = JSON.stringify({identities: [{iss: "https://shop.example", acr: "loa1", sub: "c0ffee"}],
  engagementAttributes: [{type: "cart", total: 12.5, numItems: 1}]});
async function report(method, override) {
  const headers = {"Content-Type": "application/json"};
  if (override) headers["X-HTTP-Method-Override"] = override;
  try {
    const r = await fetch(reportURL, {method, headers, body});
    const a = await r.json();
    return r.status + " " + (a.visitorId || a.internalCode) + " " + (a.sessionId || a.message);
  } catch (e) {
    return "failed: " + e.name;
  }
}
async function fault(f) {
  const r = await fetch(controlURL, {method: "POST", headers: {"Content-Type": "application/json"}, body: JSON.stringify(f)});
  return r.status;
}
</script></body></html>`

// TestBrowserCORS proves the CORS workaround against lptest's CORS in
// headless Chromium: from another origin, a PUT report fails its
// preflight and never reaches the server; POST with
// X-HTTP-Method-Override: PUT passes and gets 201 with new ids. The page
// then sets a fault through the control endpoint and reads the 503.
func TestBrowserCORS(t *testing.T) {
	srv := lptest.NewServer()
	defer srv.Close()
	call := monitoring.Call{Scheme: "http", Domain: srv.Host(), Account: lptest.DefaultAccount, App: lptest.DefaultApp}
	reportURL, _ := call.URL(monitoring.Report)

	shop := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path != "/" {
			http.NotFound(w, r)
			return
		}
		w.Header().Set("Content-Type", "text/html; charset=utf-8")
		fmt.Fprintf(w, shopPage, reportURL, srv.URL+"/lptest/faults")
	}))
	defer shop.Close()
	u, _ := url.Parse(shop.URL)
	origin := "http://localhost:" + u.Port() // lptest is on 127.0.0.1: another origin

	ctx := browsertest.New(t)
	network := browsertest.RecordNetwork(t, ctx)
	if err := chromedp.Do(ctx, chromedp.Navigate(origin+"/")); err != nil {
		t.Fatal(err)
	}
	eval := func(js string) string {
		t.Helper()
		v, err := chromedp.Run(ctx, chromedp.Evaluate[any](js, chromedp.EvalAwaitPromise))
		if err != nil {
			t.Fatalf("%s: %v", js, err)
		}
		return fmt.Sprint(v)
	}

	if got := eval(`report("PUT")`); got != "failed: TypeError" {
		t.Errorf("PUT from the page: %q, want a failed preflight", got)
	}
	got := strings.Fields(eval(`report("POST", "PUT")`))
	if len(got) != 3 || got[0] != "201" {
		t.Fatalf("POST + override from the page: %q", got)
	}
	if v, ok := srv.Visitor(got[1]); !ok || v.Sessions[0].ID != got[2] || len(v.Sessions[0].SDEs) != 1 {
		t.Errorf("the report did not arrive: %+v", v)
	}

	// What lptest saw: the PUT's preflight, never the PUT.
	var seen []string
	for _, c := range srv.Calls() {
		seen = append(seen, c.Method+" "+c.Header["Access-Control-Request-Method"]+" "+c.Override+" "+c.Header["Origin"])
	}
	want := []string{"OPTIONS PUT  " + origin, "OPTIONS POST  " + origin, "POST  PUT " + origin}
	if strings.Join(seen, "|") != strings.Join(want, "|") {
		t.Errorf("lptest saw\n\t%s\nwant\n\t%s", strings.Join(seen, "\n\t"), strings.Join(want, "\n\t"))
	}
	wctx, cancel := context.WithTimeout(ctx, 10*time.Second)
	defer cancel()
	put, err := network.Wait(wctx, func(r browsertest.Request) bool { return r.Done && !r.Preflight && r.Method == "PUT" })
	if err != nil {
		t.Fatal(err)
	}
	if put.CORSError != "MethodDisallowedByPreflightResponse" {
		t.Errorf("the PUT failed with %q, want MethodDisallowedByPreflightResponse: %v", put.CORSError, put)
	}

	// Faults over HTTP from the page, and an error answer the page can read.
	if got := eval(`fault({route: "report", status: 503})`); got != "200" {
		t.Fatalf("setting a fault from the page: %s", got)
	}
	if got := eval(`report("POST", "PUT")`); !strings.HasPrefix(got, "503 18 ") {
		t.Errorf("report under the fault: %q", got)
	}
}

// TestBrowserAgentWorkspace drives the agent view in Chromium: accept
// (which acknowledges the consumer's message), typing as the agent types,
// a reply, mark read, the consumer's READ tick and typing as they come,
// close.
func TestBrowserAgentWorkspace(t *testing.T) {
	rcv := newReceiver(t, nil)
	srv := lptest.NewServer(lptest.WithWebhooks(rcv.URL), fast)
	defer srv.Close()
	c := openConsumer(t, srv, "browser")
	c.send(&connector.Message{DialogID: c.id, Text: "Do you ship to Oslo?"})

	ctx := browsertest.New(t)
	console := browsertest.RecordConsole(t, ctx)
	if err := chromedp.Do(ctx, chromedp.Navigate(srv.URL+"/lptest/?conversation="+c.id)); err != nil {
		t.Fatal(err)
	}
	text := func(sel string) string {
		t.Helper()
		v, err := chromedp.Run(ctx, chromedp.Evaluate[string](`document.querySelector(`+strconv.Quote(sel)+`).textContent`))
		if err != nil {
			t.Fatal(err)
		}
		return v
	}
	until := func(what string, ok func() bool) {
		t.Helper()
		for i := 0; !ok(); i++ {
			if i == 100 {
				t.Fatalf("%s: no after 5 s; transcript %q", what, text("#transcript"))
			}
			time.Sleep(50 * time.Millisecond)
		}
	}
	conv := func() lptest.Conversation { cv, _ := srv.Conversation(c.id); return cv }
	click := func(sel string) {
		t.Helper()
		// A script's click: the transcript above the buttons grows as it
		// polls, so a click at coordinates may land elsewhere.
		if _, err := chromedp.Run(ctx, chromedp.Evaluate[any](`document.querySelector(`+strconv.Quote(sel)+`).click()`)); err != nil {
			t.Fatal(err)
		}
	}

	click("#accept")
	until("accepted and acknowledged", func() bool { cv := conv(); return cv.Agent != "" && cv.Messages[0].Status == "ACCEPT" })
	if err := chromedp.Do(ctx, chromedp.SendKeys(chromedp.CSS("#reply"), "Yes, we do 🚚")); err != nil {
		t.Fatal(err)
	}
	until("typing", func() bool { return conv().AgentChatState == connector.ChatStateComposing })
	click("#send")
	until("the reply", func() bool {
		cv := conv()
		return len(cv.Messages) == 2 && cv.AgentChatState == connector.ChatStateActive
	})
	if got := conv().Messages[1].Text; got != "Yes, we do 🚚" {
		t.Errorf("reply %q", got)
	}
	click("#read")
	until("read", func() bool { return conv().Messages[0].Status == "READ" })

	seq := conv().Messages[1].Sequence
	c.send(&connector.AcceptStatus{DialogID: c.id, Status: connector.AcceptStatusRead, Sequences: []int64{seq}})
	c.send(&connector.ChatState{DialogID: c.id, State: connector.ChatStateComposing})
	until("the READ tick and the consumer typing", func() bool {
		return strings.Contains(text("#transcript"), "✓✓ READ") && strings.Contains(text("#typing"), "typing")
	})
	path := browsertest.OutputDir(t) + "/lptest-agent-workspace.png"
	if err := browsertest.Screenshot(ctx, path); err != nil {
		t.Log(err)
	}
	click("#close")
	until("closed", func() bool { return conv().State == lptest.StateClosed })
	until("the page says so", func() bool {
		return strings.Contains(text("main"), "Closed by the agent.") && text("#state") == "CLOSE"
	})
	if errs := console.Errors(); len(errs) > 0 {
		t.Errorf("console errors: %v", errs)
	}
	if len(rcv.idle(t, srv)) < 10 {
		t.Errorf("webhooks %d", len(rcv.requests()))
	}
}
