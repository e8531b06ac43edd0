package lptest

import (
	_ "embed"
	"html/template"
	"net/http"
	"slices"
	"strconv"
	"strings"
	"unicode"

	"github.com/lpedge/lpedge/internal/jsonv"
	"github.com/lpedge/lpedge/liveperson"
)

//go:embed agentview.html
var agentViewHTML string

var agentViewTemplate = template.Must(template.New("agent").Parse(agentViewHTML))

// agentData is what the agent view shows.
type agentData struct {
	Host          string
	Visitors      []Visitor
	Conversations []Conversation

	Visitor      *Visitor      // selected with ?visitor=
	Conversation *Conversation // selected with ?conversation=
	// Info is the consumer-info widget: the selected visitor's attributes,
	// or the conversation's lp_sdes.
	Info []widget
	// Unauth are the attributes of the visitor a conversation's
	// SharkContext names, which the Agent Workspace shows with it.
	Unauth  []widget
	Linked  []Conversation // conversations whose SharkContext names the selected visitor
	Missing string         // a selected id that does not exist
}

// A widget is one card of the consumer-info panel: one SDE type.
type widget struct {
	Title    string
	Rows     []row
	Products []productRow
}

type row struct{ Label, Value string }

type productRow struct{ Name, Category, SKU, Price, Quantity, Stock string }

// agentView serves GET /lptest/: visitors and conversations, and the
// selected one's engagement attributes as the Agent Workspace's consumer
// info widget shows them.
func (s *Server) agentView(w http.ResponseWriter, r *http.Request) {
	d := agentData{Host: s.host, Visitors: s.Visitors(), Conversations: s.Conversations()}
	if id := r.URL.Query().Get("visitor"); id != "" {
		if v, ok := s.Visitor(id); ok {
			d.Visitor = &v
			d.Info = widgets(v.Attributes())
			for _, c := range d.Conversations {
				if c.Context != nil && c.Context.VisitorID == id {
					d.Linked = append(d.Linked, c)
				}
			}
		} else {
			d.Missing = "visitor " + id
		}
	}
	if id := r.URL.Query().Get("conversation"); id != "" {
		if c, ok := s.Conversation(id); ok {
			d.Conversation = &c
			d.Info = widgets(c.SDEs)
			if c.Context != nil {
				if v, ok := s.Visitor(c.Context.VisitorID); ok {
					d.Unauth = widgets(v.Attributes())
				}
			}
		} else {
			d.Missing = "conversation " + id
		}
	}
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	if err := agentViewTemplate.Execute(w, d); err != nil {
		http.Error(w, err.Error(), http.StatusInternalServerError)
	}
}

// widgetTitles are the consumer-info panel's names for the SDE types.
var widgetTitles = map[string]string{
	"ctmrinfo": "Customer Info", "personal": "Personal Info", "mrktInfo": "Marketing Source", "cart": "Cart",
	"prodView": "Viewed Products", "purchase": "Transaction", "lead": "Lead", "service": "Service Activity",
	"error": "Visitor Error", "searchInfo": "Searched Content",
}

// labels name the fields whose names do not read well humanized.
var labels = map[string]string{
	"ctype": "Customer type", "cstatus": "Customer status", "customerId": "Customer ID", "socialId": "Social ID",
	"imei": "IMEI", "numItems": "Number of items", "orderId": "Order ID", "leadId": "Lead ID",
	"serviceId": "Service ID", "contextId": "Context ID", "campaignId": "Campaign ID", "firstname": "First name",
	"lastname": "Last name", "storeZipCode": "Store ZIP code",
}

// wrappers are the members that only hold an SDE's fields.
var wrappers = []string{"info", "personal", "lead", "service", "error"}

// widgets are the cards of sdes as LivePerson's consumer-info widget
// shows them: one per SDE type, in the order the types first came. The
// types that accumulate (prodView, searchInfo, purchase, lead, error)
// are merged into their card: each field shows its latest value, each
// product (by SKU and name) is listed once, with its latest details.
func widgets(sdes []liveperson.SDE) []widget {
	var out []widget
	for _, s := range sdes {
		title := widgetTitles[s.Type()]
		if title == "" {
			title = s.Type()
		}
		i := slices.IndexFunc(out, func(w widget) bool { return w.Title == title })
		if i < 0 {
			out = append(out, widget{Title: title})
			i = len(out) - 1
		}
		var w widget
		flatten(&w, "", map[string]any(s), true)
		out[i].merge(w)
	}
	return out
}

// merge adds later's rows and products to w, each replacing its earlier
// namesake.
func (w *widget) merge(later widget) {
	for _, r := range later.Rows {
		if i := slices.IndexFunc(w.Rows, func(o row) bool { return o.Label == r.Label }); i >= 0 {
			w.Rows[i] = r
		} else {
			w.Rows = append(w.Rows, r)
		}
	}
	for _, p := range later.Products {
		if i := slices.IndexFunc(w.Products, func(o productRow) bool { return o.SKU == p.SKU && o.Name == p.Name }); i >= 0 {
			w.Products[i] = p
		} else {
			w.Products = append(w.Products, p)
		}
	}
}

// flatten adds the rows of v, an SDE or part of one, to w.
func flatten(w *widget, label string, v any, top bool) {
	switch v := v.(type) {
	case map[string]any:
		if d, ok := date(v); ok {
			w.Rows = append(w.Rows, row{label, d})
			return
		}
		keys := make([]string, 0, len(v))
		for k := range v {
			keys = append(keys, k)
		}
		slices.Sort(keys)
		for _, k := range keys {
			switch {
			case top && k == "type":
			case k == "products":
				w.Products = append(w.Products, products(v[k])...)
			case top && slices.Contains(wrappers, k):
				flatten(w, "", v[k], false)
			default:
				flatten(w, strings.TrimSpace(label+" "+fieldLabel(k, label != "")), v[k], false)
			}
		}
	case []any:
		var scalars []string
		for i, e := range v {
			if _, isObj := e.(map[string]any); isObj {
				flatten(w, label+" "+strconv.Itoa(i+1), e, false)
			} else {
				scalars = append(scalars, scalar(e))
			}
		}
		if scalars != nil {
			w.Rows = append(w.Rows, row{label, strings.Join(scalars, ", ")})
		}
	default:
		w.Rows = append(w.Rows, row{label, scalar(v)})
	}
}

// date reads a {day, month, year} object as YYYY-MM-DD.
func date(m map[string]any) (string, bool) {
	y, yok := m["year"].(float64)
	mo, mok := m["month"].(float64)
	d, dok := m["day"].(float64)
	if !yok || !mok || !dok || len(m) != 3 {
		return "", false
	}
	pad := func(n float64) string {
		return strings.Repeat("0", max(0, 2-len(strconv.Itoa(int(n))))) + strconv.Itoa(int(n))
	}
	return strconv.Itoa(int(y)) + "-" + pad(mo) + "-" + pad(d), true
}

func products(v any) []productRow {
	list, _ := v.([]any)
	out := make([]productRow, 0, len(list))
	for _, e := range list {
		m, _ := e.(map[string]any)
		p, _ := m["product"].(map[string]any)
		get := func(m map[string]any, k string) string {
			if v, ok := m[k]; ok {
				return scalar(v)
			}
			return ""
		}
		stock := strings.TrimSpace(get(p, "statusInStock") + " " + get(p, "quantityInStock"))
		out = append(out, productRow{Name: get(p, "name"), Category: get(p, "category"), SKU: get(p, "sku"),
			Price: get(p, "price"), Quantity: get(m, "quantity"), Stock: stock})
	}
	return out
}

func scalar(v any) string {
	switch v := v.(type) {
	case string:
		return v
	case float64:
		return string(jsonv.AppendFloat(nil, v))
	case bool:
		return strconv.FormatBool(v)
	case nil:
		return ""
	}
	return string(jsonv.Append(nil, v))
}

// fieldLabel names a field: from labels, or its camelCase name split into
// words ("registrationDate" is "Registration date"); lower is for a
// label that follows another.
func fieldLabel(k string, lower bool) string {
	l, ok := labels[k]
	if !ok {
		var b strings.Builder
		for i, r := range k {
			if i > 0 && unicode.IsUpper(r) {
				b.WriteByte(' ')
				r = unicode.ToLower(r)
			}
			b.WriteRune(r)
		}
		l = b.String()
	}
	if lower {
		return strings.ToLower(l[:1]) + l[1:]
	}
	return strings.ToUpper(l[:1]) + l[1:]
}
