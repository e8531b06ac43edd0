package examples_test

import (
	"context"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/cdproto/cdp"
	"github.com/chromedp/cdproto/network"
	"github.com/chromedp/cdproto/page"
	"github.com/chromedp/chromedp"
	"github.com/lpedge/lpedge/liveperson/connector"
	"github.com/lpedge/lpedge/liveperson/lptest"
)

// TestTwoWayChat walks a conversation from both sides in Chromium, with
// the real tag, the native proxy and lptest delivering LivePerson's
// webhooks to it: the shopper writes from the shop, the agent (driven in
// lptest's agent workspace, a second tab) accepts, types, reads and
// replies; the shopper sees the agent join, type, read and answer, also
// when lptest duplicates, reorders and fails webhook deliveries; the
// shopper reloads and sees the whole history once; the agent closes.
// Screenshots of both sides go to browsertest.OutputDir.
func TestTwoWayChat(t *testing.T) {
	d, shop, console := startWalk(t, lptest.WithWebhookRetry(50*time.Millisecond, 200*time.Millisecond, time.Minute))
	lp, ctx, out := d.LP, shop.ctx, shop.out

	// The shopper opens the chat on a product page and writes.
	first := "Hi! Is the Summit boot waterproof? 🥾"
	shop.do("product", chromedp.Navigate(d.ShopURL+"/product.html?sku=NP-HB-205"), chromedp.WaitVisible(chromedp.CSS(`#add-to-cart`)))
	shop.do("open chat", chromedp.Click(chromedp.CSS(`#chat-launcher`)), chromedp.WaitEnabled(chromedp.CSS(`#chat-input`)))
	shop.do("first message", chromedp.SendKeys(chromedp.CSS(`#chat-input`), first), chromedp.Click(chromedp.CSS(`#chat-send`)))
	shop.waitContent("#chat-log", "Conversation opened", first, "sent \u2713")
	var id string
	shop.wait("the conversation in lptest", func() bool {
		cs := lp.Conversations()
		if len(cs) == 1 {
			id = cs[0].ID
		}
		return id != ""
	})
	shop.shot("chat-01-shopper-wrote")

	// The agent, in lptest's workspace in a second tab, sees the message
	// and accepts; the shopper sees an agent join.
	actx, cancel := chromedp.NewContext(ctx)
	defer cancel()
	// The tab lives as long as the context of its first action: not a
	// step's.
	if err := chromedp.Do(actx); err != nil {
		t.Fatal(err)
	}
	agent := &walker{t: t, ctx: actx, lp: lp, out: out}
	agent.do("agent workspace", chromedp.EmulateViewport(1100, 900), chromedp.Navigate(d.LPTestURL+"/lptest/?conversation="+id),
		chromedp.WaitVisible(chromedp.CSS(`#workspace`)))
	agent.waitContent("#transcript", first)
	agent.click("#accept")
	agent.waitContent("#assigned", "Accepted by agent")
	shop.waitContent("#chat-log", "agent joined")
	shop.waitContent("#chat-status", "An agent is with you")

	// The agent reads: the shopper's message turns "read".
	agent.click("#read")
	shop.waitContent(`#chat-log .chat-msg`, "read \u2713\u2713")

	// The agent types: the shopper sees it. Then the reply arrives, with
	// every webhook of it delivered twice.
	reply := "Yes: Gore-Tex lining, fully waterproof 👍"
	agent.do("type", chromedp.SendKeys(chromedp.CSS(`#reply`), "Yes: Gore-Tex"))
	shop.do("typing shown", chromedp.WaitVisible(chromedp.CSS(`#chat-typing`)))
	shop.shot("chat-02-agent-typing")
	lp.SetWebhookFault(lptest.WebhookFault{Kind: lptest.WebhookDuplicate, Count: lptest.Always})
	agent.do("reply", chromedp.SetValue(chromedp.CSS(`#reply`), reply))
	agent.click("#send")
	shop.waitContent("#chat-log .chat-agent", reply)
	shop.do("typing gone", chromedp.WaitNotPresent(chromedp.CSS(`#chat-typing`)))
	shop.waitContent("#event-panel", `conversation.on("message") ← ASSIGNED_AGENT`, `conversation.on("typing") ← ASSIGNED_AGENT typing`)
	agent.shot("chat-03-agent-replied")
	shop.shot("chat-04-shopper-sees-reply")

	// More agent messages through reordered and failed deliveries.
	lp.ClearWebhookFaults()
	lp.SetWebhookFault(lptest.WebhookFault{Kind: lptest.WebhookReorder, Count: 1})
	lp.AddWebhookFault(lptest.WebhookFault{Kind: lptest.WebhookFail, Count: 2})
	more := []string{"It also has a Vibram sole.", "Sizes 38 to 47 are in stock.", "Anything else I can help with?"}
	for _, m := range more {
		if _, err := lp.AgentMessage(id, m); err != nil {
			t.Fatal(err)
		}
	}
	shop.waitContent("#chat-log", more...)
	lp.ClearWebhookFaults()
	agentTexts := append([]string{reply}, more...)
	shop.checkBubbles(".chat-agent", agentTexts)

	// The shopper answers; the agent sees it.
	second := "Great, I take size 44."
	shop.do("second message", chromedp.WaitEnabled(chromedp.CSS(`#chat-input`)), chromedp.SendKeys(chromedp.CSS(`#chat-input`), second),
		chromedp.Click(chromedp.CSS(`#chat-send`)))
	agent.waitContent("#transcript", second)
	shop.waitContent("#chat-log", second)

	// A reload mid-conversation, once the receipts so far are in (one in
	// flight at a reload is sent again: at least once, never lost): the
	// whole history once, then live again.
	shop.wait("the receipts so far", func() bool {
		c, _ := lp.Conversation(id)
		return len(readBy(c, connector.RoleConsumer)) == len(agentTexts)
	})
	shop.do("reload", chromedp.Reload(), chromedp.WaitVisible(chromedp.CSS(`#chat-box`)))
	shop.waitContent("#chat-log", append(append([]string{first, second}, agentTexts...), "agent joined")...)
	shop.checkBubbles(".chat-agent", agentTexts)
	shop.checkBubbles(".chat-msg", []string{first, second})
	if n := strings.Count(shop.eval(`document.querySelector("#chat-log").textContent`), "agent joined"); n != 1 {
		t.Errorf("after the reload the chat says %d times that the agent joined, want once", n)
	}
	shop.shot("chat-05-after-reload")
	after := "One more after the reload."
	if _, err := lp.AgentMessage(id, after); err != nil {
		t.Fatal(err)
	}
	shop.waitContent("#chat-log", after)
	shop.checkBubbles(".chat-agent", append(agentTexts, after))

	// Every agent message shown was marked read by the tag, each once.
	shop.do("shop in front", front())
	var agentSeqs []int64
	c, _ := lp.Conversation(id)
	for _, m := range c.Messages {
		if m.Role == connector.RoleAssignedAgent {
			agentSeqs = append(agentSeqs, m.Sequence)
		}
	}
	if len(agentSeqs) != len(agentTexts)+1 {
		t.Fatalf("lptest holds %d agent messages, want %d", len(agentSeqs), len(agentTexts)+1)
	}
	deadline := time.Now().Add(stepTimeout)
	for {
		c, _ = lp.Conversation(id)
		got := readBy(c, connector.RoleConsumer)
		if slices.Equal(got, agentSeqs) {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("the shopper's READ receipts name %v, want the agent's messages %v, each once", got, agentSeqs)
		}
		time.Sleep(20 * time.Millisecond)
	}

	// The agent closes: the shopper is told and may start again.
	agent.click("#close")
	agent.waitContent("main", "Closed by the agent")
	shop.waitContent("#chat-log", "The agent closed the conversation")
	shop.do("start again offered", chromedp.WaitVisible(chromedp.CSS(`#chat-again`)))
	shop.shot("chat-06-closed")
	agent.shot("chat-07-agent-closed")

	c, _ = lp.Conversation(id)
	if c.State != lptest.StateClosed {
		t.Errorf("conversation state %s, want closed", c.State)
	}
	for _, m := range console.Errors() {
		t.Errorf("console error: %v", m)
	}
}

// click clicks sel from a script: the agent workspace's transcript grows
// as it polls, so a click at coordinates may land elsewhere.
func (w *walker) click(sel string) {
	w.t.Helper()
	w.eval(`(document.querySelector(` + strconv.Quote(sel) + `).click(), "")`)
}

// waitContent waits until the text content of sel holds every one of
// parts (the agent workspace re-renders as it polls).
func (w *walker) waitContent(sel string, parts ...string) {
	w.t.Helper()
	w.wait(sel+" holding "+strings.Join(parts, ", "), func() bool {
		text := w.eval(`(document.querySelector(` + strconv.Quote(sel) + `) || {}).textContent || ""`)
		for _, p := range parts {
			if !strings.Contains(text, p) {
				return false
			}
		}
		return true
	})
}

// front brings the tab to the front: the other tab is hidden then.
func front() chromedp.Action[chromedp.Void] {
	return chromedp.Func(func(ctx context.Context, t *chromedp.Target) error {
		_, err := cdp.Call(ctx, t, page.BringToFront, cdp.Empty{})
		return err
	})
}

// readBy returns the sequences that role's READ receipts name, sorted, as
// often as they were named.
func readBy(c lptest.Conversation, role string) []int64 {
	var out []int64
	for _, e := range c.Events {
		if e.Role == role && e.Type == connector.EventAcceptStatus && e.Status == connector.AcceptStatusRead {
			out = append(out, e.Sequences...)
		}
	}
	slices.Sort(out)
	return out
}

// checkBubbles checks that the elements sel matches in the chat log hold
// exactly want, in order, each once.
func (w *walker) checkBubbles(sel string, want []string) {
	w.t.Helper()
	ctx, cancel := context.WithTimeout(w.ctx, stepTimeout)
	defer cancel()
	got, err := chromedp.Run(ctx, chromedp.Evaluate[[]string](`[...document.querySelectorAll("#chat-log `+sel+`")].map(e => e.firstChild.nodeType == 3 ? e.firstChild.textContent : e.childNodes[1].textContent)`))
	if err != nil {
		w.t.Fatalf("reading %s: %v", sel, err)
	}
	if !slices.Equal(got, want) {
		w.t.Errorf("%s in the chat: %d %q, want %d %q", sel, len(got), got, len(want), want)
	}
}

// TestChatRetry cuts the shop off from the proxy's API in Chromium
// (DevTools request blocking, as a proxy that cannot be reached): the
// chat's engagement and its first message are refused by the page API,
// the chat says so and offers Retry, and Retry, once the proxy is back,
// finds the agent and sends the message.
func TestChatRetry(t *testing.T) {
	d, w, _ := startWalk(t)
	api := d.ProxyURL + "/v1/*"
	// DevTools blocks the requests of the target it is told, the page's:
	// in worker mode too, as the page makes the module's requests.
	w.do("home", chromedp.Navigate(d.ShopURL+"/"), chromedp.WaitVisible(chromedp.CSS(`#chat-launcher`)))

	// No proxy: the engagement's promise rejects.
	w.do("block the proxy", blockURLs(api))
	w.do("open chat", chromedp.Click(chromedp.CSS(`#chat-launcher`)), chromedp.WaitVisible(chromedp.CSS(`#chat-retry`)))
	w.waitContent("#chat-retry", "No agent could be asked", "Retry")
	w.waitContent("#chat-log", "No agent could be asked")
	w.shot("retry-01-no-proxy")
	w.do("unblock", blockURLs())
	w.do("retry the engagement", chromedp.Click(chromedp.CSS(`#chat-retry-btn`)), chromedp.WaitEnabled(chromedp.CSS(`#chat-input`)))
	w.waitContent("#chat-log", "offers engagement")
	if !w.hidden("#chat-retry") {
		t.Error("the Retry bar stays after a retry that worked")
	}

	// No proxy again: the first message is not sent, Retry sends it.
	text := "Hello, is anyone there?"
	w.do("block the proxy again", blockURLs(api))
	w.do("write", chromedp.SendKeys(chromedp.CSS(`#chat-input`), text), chromedp.Click(chromedp.CSS(`#chat-send`)),
		chromedp.WaitVisible(chromedp.CSS(`#chat-retry`)))
	w.waitContent("#chat-retry", "Not sent: \u201c"+text+"\u201d")
	w.shot("retry-02-not-sent")
	if n := len(d.LP.Conversations()); n != 0 {
		t.Fatalf("lptest holds %d conversations while the proxy was blocked", n)
	}
	w.do("unblock again", blockURLs())
	w.do("retry the message", chromedp.Click(chromedp.CSS(`#chat-retry-btn`)))
	w.waitContent("#chat-log", "Conversation opened", text, "sent \u2713")
	w.wait("the conversation in lptest", func() bool {
		cs := d.LP.Conversations()
		return len(cs) == 1 && len(cs[0].Messages) == 1 && cs[0].Messages[0].Text == text
	})
	w.shot("retry-03-sent")
}

// blockURLs makes the tab fail every request to a URL matching one of the
// patterns (URLPattern syntax), as if the host could not be reached; none
// lifts the block.
func blockURLs(patterns ...string) chromedp.Action[chromedp.Void] {
	return chromedp.Func(func(ctx context.Context, t *chromedp.Target) error {
		ps := make([]*network.BlockPattern, len(patterns))
		for i, p := range patterns {
			ps[i] = &network.BlockPattern{URLPattern: p, Block: true}
		}
		_, err := cdp.Call(ctx, t, network.SetBlockedURLs, network.SetBlockedURLsParams{URLPatterns: ps})
		return err
	})
}

// hidden tells whether sel has the hidden attribute.
func (w *walker) hidden(sel string) bool {
	w.t.Helper()
	return w.eval(`String(document.querySelector(`+strconv.Quote(sel)+`).hidden)`) == "true"
}
