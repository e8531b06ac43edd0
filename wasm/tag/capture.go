package tag

import (
	"errors"

	"github.com/lpedge/lpedge/internal/jsonv"
	"github.com/lpedge/lpedge/internal/text"
	"github.com/lpedge/lpedge/liveperson/retail"
)

// Capture reports a GA4 event that the page's own analytics produced and
// the loader read (data-capture="datalayer"): a dataLayer entry or a
// gtag.js call, with its parameters as gtag.js takes them, mapped by
// retail's Cart.GA4 on the session's cart. source is what messages name
// the call by: `lpedge: dataLayer("add_to_cart"): items[0].price: want a
// number, got a string ("abc")`. The page wrote these events for its
// analytics, not for lpedge, so nothing here is an error: what cannot be
// mapped is a console warning naming the field, and an event with no
// LivePerson meaning a debug note.
func (t *Tag) Capture(source, event string, params map[string]any) {
	call := source + "(" + jsonv.Quote(event) + "): "
	t.mu.Lock()
	if t.consent == consentDenied {
		t.unlock()
		return
	}
	kind, sdes, arg, err := t.cart.GA4(event, params)
	if kind == retail.GA4Ignored {
		t.logf(call + arg + "; ignored")
	} else if kind == retail.GA4Attributes {
		err = t.addMapped(sdes, err)
	}
	t.unlock()
	if err == nil && kind == retail.GA4Identify {
		// As the loader's identify check: an email address is guessable.
		err = errors.New("user_id: an email address is guessable: use your stable, unguessable id for the customer; left out")
		if text.Index(arg, "@") < 0 {
			err = t.Identify(arg, nil)
		}
	} else if err == nil && kind == retail.GA4Page {
		err = t.Page(arg, nil)
	}
	if err != nil {
		t.env.Console.Warn("lpedge: " + call + err.Error())
	}
}
