package tag_test

import (
	"fmt"

	"github.com/lpedge/lpedge/wasm/tag"
)

// stepClock runs every timer at once: enough for an example.
type stepClock struct{ timers []func() }

func (c *stepClock) Now() int64 { return 0 }
func (c *stepClock) After(_ int64, f func()) func() bool {
	c.timers = append(c.timers, f)
	return func() bool { return false }
}
func (c *stepClock) run() {
	for len(c.timers) > 0 {
		f := c.timers[0]
		c.timers = c.timers[1:]
		f()
	}
}

// printTransport answers 200 later, from the clock, as fetch does.
type printTransport struct{ clock *stepClock }

func (p printTransport) Do(r tag.Request, done func(tag.Response)) {
	fmt.Println(r.Method, r.URL)
	fmt.Println(r.Body)
	p.clock.After(0, func() { done(tag.Response{Status: 200, Body: []byte(`{"visitorId":"V","sessionId":"S"}`)}) })
}

type printConsole struct{}

func (printConsole) Error(m string) { fmt.Println("console.error:", m) }
func (printConsole) Warn(m string)  { fmt.Println("console.warn:", m) }
func (printConsole) Log(m string)   {}

type shopPage struct{}

func (shopPage) URL() string      { return "https://shop.example/p/42" }
func (shopPage) Origin() string   { return "https://shop.example" }
func (shopPage) Online() bool     { return true }
func (shopPage) TimeZone() string { return "Europe/Berlin" }
func (shopPage) Visible() bool    { return true }

func Example() {
	cfg, err := tag.ParseConfig(map[string]string{"account": "12345678", "app": "app-1", "domain": "va.v.liveperson.net"})
	if err != nil {
		fmt.Println(err)
		return
	}
	clock := &stepClock{}
	t := tag.New(cfg, tag.Env{Clock: clock, Transport: printTransport{clock}, Console: printConsole{}, Page: shopPage{},
		Random: func([]byte) {}})
	// Two calls in one tick: one report. A first visit opens the session
	// with an engagement call (a report must carry a vid).
	t.Call("track", []byte(`["Product Viewed",{"sku":"42","name":"Shoe","price":49.5}]`), nil)
	t.Call("sdes.push", []byte(`[{"type":"searchInfo","keywords":["shoe"]}]`), nil)
	t.Call("track", []byte(`["Product Viewed",{"price":"49.5"}]`), nil)
	clock.run()
	// Output:
	// console.error: lpedge: track("Product Viewed"): price: want a number, got a string ("49.5")
	// POST https://va.v.liveperson.net/api/account/12345678/app/app-1/engagement?v=1.1
	// {"entryPoints":["https://shop.example/p/42"],"engagementAttributes":[]}
	// POST https://va.v.liveperson.net/api/account/12345678/app/app-1/report?v=1.1&vid=V&sid=S
	// {"entryPoints":["https://shop.example/p/42"],"engagementAttributes":[{"type":"prodView","products":[{"product":{"name":"Shoe","sku":"42","price":49.5}}]},{"type":"searchInfo","keywords":["shoe"]}]}
}
