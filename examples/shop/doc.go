// Package shop is lpedge's demo web shop, "Northpeak": plain HTML, CSS
// and JavaScript embedded in the binary, no framework and nothing fetched
// from a CDN, so the demo runs offline.
//
// Every page carries the tag exactly as a site embeds it, the snippet that
// jsglue's build prints (the inline stub and the loader's script tag with
// its data attributes and integrity hash), and calls the page API the way
// a shop would:
//
//	page                 calls
//	/                    lpedge.page()
//	/product.html?sku=   lpedge.page(url, {sections: [category]}), track("Product Viewed"), on "Add to cart" track("Product Added")
//	/search.html?q=      track("Products Searched")
//	/cart.html           track("Cart Viewed"), track("Product Removed")
//	/checkout.html       track("Checkout Started"), on "Place order" track("Order Completed")
//	/order.html?id=      the order confirmation
//	/signin.html         lpedge.identify(customerId, {firstName, lastName, email, ctype})
//	/shoes.html          a department page that runs a stand-in lpTag (monitored flow)
//
// Every page has a "Chat with us" button (lpedge.engagement, then
// lpedge.conversation.start, .send and .close; when one of them rejects,
// as when the proxy cannot be reached, the chat says so and offers
// Retry) and an event panel that
// shows each page API call, what the tag sent and what came back. The
// panel reads the tag's debug log (data-debug="true" makes the tag log
// every request and answer to the console; the panel wraps console.log).
//
// The stand-in lpTag on /shoes.html plays LivePerson's web tag: it
// defines window.lpTag with section "shoes",
// taglets.lp_monitoringSDK.getVid()/getSid() and events.bind, gets real
// ids by calling the Monitoring engagement method of [Config].LPTest from
// the browser (as lpTag calls LivePerson itself), keeps them as lpTag does
// (vid in localStorage, sid in sessionStorage) and then triggers
// lp_monitoringSDK SP_SENT, the event the tag waits for. LivePerson then
// sees another visitor on that page than on the others, where the tag
// keeps its own ids: the page says why, and the event panel names both.
//
//	h, err := shop.Handler(shop.Config{
//		Snippet: snippet, // jsglue.Snippet(stub, proxyURL+"/lpedge.js", integrity, attrs)
//		LPTest:  lp.URL,
//		Account: lptest.DefaultAccount,
//		App:     lptest.DefaultApp,
//	})
//	http.ListenAndServe("127.0.0.1:8000", h)
package shop
