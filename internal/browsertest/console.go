package browsertest

import (
	"context"
	"testing"

	"github.com/chromedp/chromedp"
)

// Console keeps what a tab writes to its console, in order: console API calls
// (console.log, console.error...), uncaught exceptions and unhandled promise
// rejections, and the browser's own log entries, such as a failed load or a
// request that CORS refused.
type Console struct {
	ev *events[chromedp.ConsoleMessage]
}

// RecordConsole starts keeping the console messages of the tab of ctx, a
// context from [New]. Messages written before the call are not kept, so call it
// before the navigation or action whose messages the test checks. Recording
// ends with ctx.
func RecordConsole(t testing.TB, ctx context.Context) *Console {
	t.Helper()
	if chromedp.FromContext(ctx) == nil {
		t.Fatalf("browsertest: RecordConsole needs the context of a tab from New")
	}
	c := &Console{ev: newEvents[chromedp.ConsoleMessage]("console message")}
	// chromedp.Console subscribes when it returns, not when the loop starts,
	// so the goroutine loses nothing.
	messages := chromedp.Console(ctx)
	go func() {
		for m, err := range messages {
			if err != nil {
				c.ev.fail(err)
				return
			}
			c.ev.update(func(ms []chromedp.ConsoleMessage) []chromedp.ConsoleMessage { return append(ms, m) })
		}
	}()
	return c
}

// Messages returns the messages kept so far.
func (c *Console) Messages() []chromedp.ConsoleMessage {
	return c.ev.snapshot(nil)
}

// Errors returns the messages kept so far that report an error: console.error
// calls, uncaught exceptions and rejections, and browser log entries of level
// error.
func (c *Console) Errors() []chromedp.ConsoleMessage {
	return c.ev.snapshot(isError)
}

func isError(m chromedp.ConsoleMessage) bool {
	return m.Type == chromedp.ConsoleError || m.IsException()
}

// Wait returns the first message kept that match accepts, waiting until ctx
// ends for one to come. match must not call c's methods. The error of a
// timeout lists every message seen.
func (c *Console) Wait(ctx context.Context, match func(chromedp.ConsoleMessage) bool) (chromedp.ConsoleMessage, error) {
	return c.ev.wait(ctx, match)
}
