package tag

import (
	"errors"
	"strconv"

	"github.com/lpedge/lpedge/internal/jsonv"
	"github.com/lpedge/lpedge/internal/text"
	"github.com/lpedge/lpedge/liveperson"
	"github.com/lpedge/lpedge/liveperson/monitoring"
)

// A Reply settles the Promise of a page API method: result is JSON
// (empty for undefined) or err its rejection.
type Reply func(result []byte, err error)

// Call runs a page API call: method as the page names it ("track",
// "sdes.push", "conversation.start"), args the JSON array of its
// arguments (JSON.stringify(arguments) on the JavaScript side). Invalid
// arguments are an error naming the argument and what is wrong, and
// nothing is sent. Methods that return a Promise answer through reply;
// the others write their error to the console, as the page does not wait
// for them (reply may be nil).
func (t *Tag) Call(method string, args []byte, reply Reply) {
	if reply == nil {
		reply = func(_ []byte, err error) {
			if err != nil {
				t.env.Console.Error(err.Error())
			}
		}
	}
	name := method // as the error names the call: track's with its event
	if err := t.call(method, &name, args, reply); err == errNoMethod {
		reply(nil, errors.New("lpedge: no method "+jsonv.Quote(method)))
	} else if err != nil {
		reply(nil, errors.New("lpedge: "+name+": "+err.Error()))
	}
}

// errNoMethod is call's answer to a method the page API does not have.
var errNoMethod = errors.New("no method")

// call runs Call's method; an error it returns is about the arguments
// (or the method's own, for those that do not answer through reply), and
// name what Call's error names the call.
func (t *Tag) call(method string, name *string, args []byte, reply Reply) error {
	v, err := jsonv.Parse(args)
	if err != nil {
		return errors.New("arguments are not JSON: " + err.Error())
	}
	list, ok := v.([]any)
	if !ok {
		return errors.New("want the arguments as a JSON array")
	}
	a := arguments(list)
	switch method {
	case "track", "capture": // capture: the loader's, for data-capture: [event, parameters, source]
		event, err := a.str(0, "event", true)
		if err != nil {
			return err
		}
		*name = "track(" + jsonv.Quote(event) + ")"
		props, err := a.object(1, "properties")
		if err != nil {
			return err
		}
		if method == "capture" {
			source, _ := a.at(2).(string)
			t.Capture(source, event, props)
			return nil
		}
		return t.Track(event, props)
	case "identify":
		id, traits, err := a.optionalFirst("customerId", "traits")
		if err == nil && id == "" && traits == nil {
			err = errors.New("customerId: is required (or traits)")
		}
		if err != nil {
			return err
		}
		return t.Identify(id, traits)
	case "page":
		url, opts, err := a.optionalFirst("url", "options")
		var sections []string
		if err == nil {
			sections, err = strings1(opts, "sections")
		}
		if err != nil {
			return err
		}
		return t.Page(url, sections)
	case "sdes.push":
		if a.at(0) == nil {
			return errors.New("want an engagement attribute or an array of them, got nothing")
		}
		return t.PushSDEs(a.at(0))
	case "consent":
		opts, err := a.object(0, "consent")
		if err == nil && opts == nil {
			err = errors.New("want {marketing: true} or {marketing: false}")
		}
		if err != nil {
			return err
		}
		m, err := boolean(opts["marketing"], "marketing: ")
		if err != nil {
			return err
		}
		t.Consent(m)
	case "debug":
		on := a.at(0) == nil
		if !on {
			var err error
			if on, err = boolean(a.at(0), ""); err != nil {
				return err
			}
		}
		t.SetDebug(on)
	case "engagement":
		opts, err := a.object(0, "options")
		var sections []string
		var sdes []liveperson.SDE
		if err == nil {
			sections, err = strings1(opts, "sections")
		}
		if err == nil && opts["sdes"] != nil {
			sdes, err = liveperson.ParseSDEs(opts["sdes"])
		}
		if err != nil {
			return err
		}
		t.Engagement(sections, sdes, func(d *monitoring.EngagementDetail, err error) {
			if err != nil {
				reply(nil, err)
				return
			}
			reply(appendDetail(nil, d), nil)
		})
	case "conversation.start":
		opts, err := a.object(0, "options")
		var o StartOptions
		if err == nil {
			o.Message, err = field(opts, "message")
		}
		if err == nil {
			o.Lang, err = field(opts, "lang")
		}
		if err == nil && opts["sdes"] != nil {
			o.SDEs, err = liveperson.ParseSDEs(opts["sdes"])
		}
		if err != nil {
			return err
		}
		t.Start(o, conversationReply(reply))
	case "connectorClick":
		m, err := a.object(0, "method object")
		var c *Context
		if err == nil {
			c, err = t.methodContext(m)
		}
		if err != nil {
			return err
		}
		t.Start(StartOptions{Context: c}, conversationReply(reply))
	case "conversation.send":
		text, err := a.str(0, "text", true)
		if err != nil {
			return err
		}
		t.Send(text, func(err error) { reply(nil, err) })
	case "conversation.typing":
		on, err := boolean(a.at(0), "")
		if err != nil {
			return err
		}
		t.Typing(on)
	case "conversation.close":
		t.Close(func(err error) { reply(nil, err) })
	default:
		return errNoMethod
	}
	return nil
}

func conversationReply(reply Reply) func(string, error) {
	return func(id string, err error) {
		if err != nil {
			reply(nil, err)
			return
		}
		b := jsonv.AppendString([]byte(`{"conversationId":`), id)
		reply(append(b, '}'), nil)
	}
}

// methodContext reads the method object LivePerson passes a custom
// connector's JS method: svid, ssid (Monitoring ids), scid (context id),
// cid, eid (campaign and engagement ids).
func (t *Tag) methodContext(m map[string]any) (*Context, error) {
	if m == nil {
		return nil, errors.New("want the engagement's method object {svid, ssid, scid, cid, eid}, got nothing")
	}
	c := &Context{}
	var err error
	for _, f := range []struct {
		name string
		dst  *string
	}{{"svid", &c.VisitorID}, {"ssid", &c.SessionID}, {"scid", &c.ContextID}} {
		if err == nil {
			*f.dst, err = idField(m, f.name)
		}
	}
	if err == nil {
		c.CampaignID, err = intField(m, "cid")
	}
	if err == nil {
		c.EngagementID, err = intField(m, "eid")
	}
	if err != nil {
		return nil, err
	}
	if c.VisitorID == "" {
		t.mu.Lock()
		c.VisitorID, c.SessionID, _ = t.ids()
		t.mu.Unlock()
	}
	return c, nil
}

// arguments are a call's arguments as decoded JSON.
type arguments []any

func (a arguments) at(i int) any {
	if i < len(a) {
		return a[i]
	}
	return nil
}

// optionalFirst reads identify's and page's arguments: an optional
// string, then an optional object.
func (a arguments) optionalFirst(str, obj string) (string, map[string]any, error) {
	if _, isObj := a.at(0).(map[string]any); isObj {
		m, err := a.object(0, obj)
		return "", m, err
	}
	s, err := a.str(0, str, false)
	if err != nil {
		return "", nil, err
	}
	m, err := a.object(1, obj)
	return s, m, err
}

func (a arguments) str(i int, name string, required bool) (string, error) {
	switch v := a.at(i).(type) {
	case string:
		if v == "" && required {
			return "", errors.New(name + ": is empty")
		}
		return v, nil
	case nil:
		if required {
			return "", errors.New(name + ": is required")
		}
		return "", nil
	default:
		return "", errors.New(name + ": want a string, got " + jsonv.Describe(v))
	}
}

func (a arguments) object(i int, name string) (map[string]any, error) {
	switch v := a.at(i).(type) {
	case map[string]any:
		return v, nil
	case nil:
		return nil, nil
	default:
		return nil, errors.New(name + ": want an object, got " + jsonv.Describe(v))
	}
}

// boolean reads v as true or false; the error's message starts with
// prefix.
func boolean(v any, prefix string) (bool, error) {
	b, ok := v.(bool)
	if !ok {
		return false, errors.New(prefix + "want true or false, got " + jsonv.Describe(v))
	}
	return b, nil
}

// field reads an optional string member.
func field(m map[string]any, name string) (string, error) {
	return arguments{m[name]}.str(0, name, false)
}

// idField reads an optional id member: a string or a whole number.
func idField(m map[string]any, name string) (string, error) {
	if n, ok := m[name].(float64); ok && n == float64(int64(n)) {
		return strconv.FormatInt(int64(n), 10), nil
	}
	return field(m, name)
}

func intField(m map[string]any, name string) (int64, error) {
	s, err := idField(m, name)
	if err == nil && s == "" {
		err = errors.New(name + ": is required")
	}
	if err != nil {
		return 0, err
	}
	n, ok := text.ParseInt(s)
	if !ok {
		return 0, errors.New(name + ": want a number, got " + jsonv.Quote(s))
	}
	return n, nil
}

// strings1 reads an optional member that is a string or an array of
// strings; nil when absent.
func strings1(m map[string]any, name string) ([]string, error) {
	switch v := m[name].(type) {
	case nil:
		return nil, nil
	case string:
		return []string{v}, nil
	case []any:
		out := make([]string, 0, len(v))
		for i, e := range v {
			s, ok := e.(string)
			if !ok {
				return nil, errors.New(name + "[" + strconv.Itoa(i) + "]: want a string, got " + jsonv.Describe(e))
			}
			if s = text.TrimSpace(s); s != "" {
				out = append(out, s)
			}
		}
		return out, nil
	default:
		return nil, errors.New(name + ": want a string or an array of strings, got " + jsonv.Describe(v))
	}
}

// appendDetail writes an engagement as lpedge.engagement resolves it, or
// null: its members in name order, optional strings left out when empty.
func appendDetail(b []byte, d *monitoring.EngagementDetail) []byte {
	if d == nil {
		return append(b, "null"...)
	}
	b = strconv.AppendInt(append(b, `{"campaignId":`...), d.CampaignID, 10)
	b = optional(b, "connectorId", d.ConnectorID)
	b = jsonv.AppendString(append(b, `,"contextId":`...), d.ContextID)
	b = optional(b, "conversationId", d.ConversationID)
	b = strconv.AppendInt(append(b, `,"engagementId":`...), d.EngagementID, 10)
	b = strconv.AppendInt(append(b, `,"engagementRevision":`...), d.EngagementRevision, 10)
	b = optional(b, "language", d.Language)
	b = optional(b, "status", d.Status)
	b = optional(b, "windowId", d.WindowID)
	return append(b, '}')
}

// optional appends the member name: s unless s is empty.
func optional(b []byte, name, s string) []byte {
	if s == "" {
		return b
	}
	return jsonv.AppendString(append(append(append(b, `,"`...), name...), `":`...), s)
}
