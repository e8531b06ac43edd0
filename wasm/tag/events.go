package tag

import (
	"errors"
	"strconv"

	"github.com/lpedge/lpedge/liveperson"
	"github.com/lpedge/lpedge/liveperson/retail"
)

// Track maps a Segment e-commerce event through the retail preset
// ([github.com/lpedge/lpedge/liveperson/retail]) and reports the
// attributes it gives. The error names the property that is wrong;
// nothing is reported then.
func (t *Tag) Track(event string, props map[string]any) error {
	t.mu.Lock()
	if t.consent == consentDenied {
		return t.unlocked(nil)
	}
	sdes, err := t.cart.Map(event, props)
	return t.unlocked(t.addMapped(sdes, err))
}

// addMapped adds the attributes a mapping gave to this tick's, unless the
// mapping failed (err) or one is too large, and stores the cart when it
// changed. The caller holds mu.
func (t *Tag) addMapped(sdes []liveperson.SDE, err error) error {
	var sz sized
	if err == nil {
		sz, err = checkSize(sdes)
	}
	if err != nil {
		return err
	}
	for _, s := range sdes {
		if s.Type() == "cart" {
			t.saveCart()
			break
		}
	}
	t.add(sz, false)
	return nil
}

func (t *Tag) saveCart() {
	if s, err := t.cart.SDE(); err == nil {
		t.store(t.session, "cart", string(s.AppendJSON(nil)))
	}
}

// Identify reports who the visitor is: ctmrinfo with customerID, and
// personal from traits. From now on reports carry the identity
// {iss: the page's origin, acr, sub: customerID}, acr following
// marketing consent. customerID must be the brand's stable, unguessable
// id for the consumer, never an email address or a counter.
func (t *Tag) Identify(customerID string, traits map[string]any) error {
	t.mu.Lock()
	if t.consent == consentDenied {
		return t.unlocked(nil)
	}
	if len(customerID) > 256 {
		return t.unlocked(errors.New("customerId: is longer than 256 characters"))
	}
	sdes, err := retail.Identify(customerID, traits)
	var sz sized
	if err == nil {
		sz, err = checkSize(sdes)
	}
	if err != nil {
		return t.unlocked(err)
	}
	if customerID != "" && customerID != t.customerID {
		// The identity changes from the next request on, so this tick's
		// earlier attributes go out under the identity they had.
		t.close()
		t.customerID = customerID
		t.store(t.session, "customer", customerID)
	}
	t.add(sz, false)
	return t.unlocked(nil)
}

// Page reports a page view: url (the location when empty) and sections
// ("sec://" entry points; lpTag.section when sections is nil) become the
// entry points of this and later reports.
func (t *Tag) Page(url string, sections []string) error {
	t.mu.Lock()
	if t.consent == consentDenied {
		return t.unlocked(nil)
	}
	if len(url) > 2048 {
		return t.unlocked(errors.New("url: is longer than 2048 bytes"))
	}
	if url == "" {
		url = t.env.Page.URL()
	}
	if sections == nil && t.env.LpTag != nil {
		sections = t.env.LpTag.Sections()
	}
	eps := retail.Page(url, sections)
	n := 0
	for _, e := range eps {
		n += len(e) + 3
	}
	if n > MaxEntryBytes || len(eps) > 50 {
		return t.unlocked(errors.New("sections: the url and sections are more than " + strconv.Itoa(MaxEntryBytes) + " bytes together"))
	}
	if eps == nil {
		eps = []string{}
	}
	t.entry, t.tickEntry = eps, nil
	t.add(sized{}, true)
	return t.unlocked(nil)
}

// PushSDEs reports engagement attributes given in LivePerson's own
// shapes, as lpTag.sdes.push takes them: one object or an array.
func (t *Tag) PushSDEs(v any) error {
	sdes, err := liveperson.ParseSDEs(v)
	var sz sized
	if err == nil {
		sz, err = checkSize(sdes)
	}
	if err != nil {
		return err
	}
	t.mu.Lock()
	if t.consent != consentDenied {
		t.add(sz, false)
	}
	return t.unlocked(nil)
}

// sized pairs SDEs with the length of their JSON.
type sized struct {
	sdes  []liveperson.SDE
	sizes []int
}

// checkSize measures each SDE's JSON and refuses one over MaxSDEBytes.
func checkSize(sdes []liveperson.SDE) (sized, error) {
	out := sized{sdes, make([]int, len(sdes))}
	var b []byte
	for i, s := range sdes {
		b = s.AppendJSON(b[:0])
		if len(b) > MaxSDEBytes {
			return out, &liveperson.ValidationError{Index: i, Field: s.Type(),
				Problem: "is " + strconv.Itoa(len(b)) + " bytes of JSON, more than " + strconv.Itoa(MaxSDEBytes)}
		}
		out.sizes[i] = len(b)
	}
	return out, nil
}

// Consent records the visitor's choice. With data-consent="required",
// marketing true lets the tag store and send (what waited in memory goes
// out), and false keeps it from doing either: what waited is dropped and
// what was stored is removed. Either way, acr of an identified visitor's
// identity is "loa1" with marketing consent and "0" without.
func (t *Tag) Consent(marketing bool) {
	t.mu.Lock()
	t.marketing = marketing
	t.logf("consent: marketing " + strconv.FormatBool(marketing))
	if !t.cfg.ConsentRequired {
		t.unlock()
		return
	}
	if !marketing {
		t.consent = consentDenied
		t.open, t.queue, t.inflight, t.stored, t.claims = nil, nil, 0, false, nil
		if t.retry != nil {
			t.retry()
			t.retry = nil
		}
		for _, k := range append(append(t.local.Keys(t.key("queue")), t.local.Keys(t.key("calls:"))...), t.key("vid"), t.key("consumer"), t.key("consent")) {
			t.local.Remove(k)
		}
		for _, k := range []string{"sid", "cart", "customer", "conversation"} {
			t.session.Remove(t.key(k))
		}
		t.unlock()
		return
	}
	first := t.consent != consentGranted
	t.consent = consentGranted
	t.store(t.local, "consent", "1")
	if first {
		// What was kept in memory meanwhile may be stored now.
		for _, kv := range []struct {
			s           *Fallback
			name, value string
		}{{t.local, "vid", t.vid}, {t.session, "sid", t.sid}, {t.session, "customer", t.customerID}, {t.local, "consumer", t.consumer}} {
			if kv.value != "" {
				t.store(kv.s, kv.name, kv.value)
			}
		}
		t.saveCart()
		t.save()
		t.flush(false)
	}
	t.unlock()
}
