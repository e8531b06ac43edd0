package monitoring

import (
	"math"
	"strconv"

	"github.com/lpedge/lpedge/internal/jsonv"
	"github.com/lpedge/lpedge/internal/text"
)

// An Answer is the body of a successful report or engagement call (200,
// or 201 when LivePerson made a new session: keep the new ids).
type Answer struct {
	SessionID   string
	VisitorID   string
	PageID      string
	Engagements []EngagementDetail // engagement only; none means no engagement is available
}

// An EngagementDetail is one entry of an engagement answer's
// engagementDetails: the ids a conversation is opened with.
type EngagementDetail struct {
	_                  [0]func() // not comparable: no generated equality function in the tag (make size)
	CampaignID         int64
	EngagementID       int64
	EngagementRevision int64
	ContextID          string // the conversation's interactionContextId
	ConnectorID        string // a number in the examples, a string in the table: either is read
	ConversationID     string // set when the consumer has an active conversation
	WindowID           string
	Language           string
	Status             string // "expose", "conversation" ("interaction" in the table)
}

// DecodeAnswer parses an answer body. Whatever the response's content type
// says (LivePerson has sent application/octet-stream), the body is JSON.
// Unknown members are ignored, as the API asks of clients.
func DecodeAnswer(data []byte) (*Answer, error) {
	v, err := jsonv.Parse(data)
	if err != nil {
		return nil, err
	}
	m, isObject := v.(map[string]any) // when it is not, the ids below are missing
	a := &Answer{}
	for i, p := range [...]*string{&a.SessionID, &a.VisitorID, &a.PageID} {
		for _, k := range answerIDs[i] {
			if *p == "" {
				*p, _ = m[k].(string)
			}
		}
	}
	if a.SessionID == "" || a.VisitorID == "" {
		problem := "has no sessionId or visitorId"
		if !isObject {
			problem = "want a JSON object"
		}
		return nil, fieldErr("answer", problem)
	}
	if list, ok := m["engagementDetails"].([]any); ok && len(list) > 0 {
		a.Engagements = make([]EngagementDetail, len(list))
		for i, e := range list {
			d, ok := e.(map[string]any)
			if !ok {
				return nil, fieldErr("engagementDetails["+strconv.Itoa(i)+"]", "want an object")
			}
			// The fields are filled through name tables: in the tag, every
			// lookup written out costs code.
			ed := &a.Engagements[i]
			for j, p := range [...]*int64{&ed.CampaignID, &ed.EngagementID, &ed.EngagementRevision} {
				*p = intOf(d[detailMembers[j]])
			}
			for j, p := range [...]*string{&ed.ContextID, &ed.ConnectorID, &ed.ConversationID, &ed.WindowID, &ed.Language, &ed.Status} {
				switch v := d[detailMembers[3+j]].(type) {
				case string:
					*p = v
				case float64: // an id may arrive as a number
					*p = string(jsonv.AppendFloat(nil, v))
				}
			}
		}
	}
	return a, nil
}

// answerIDs names the members each of Answer's ids is read from, the
// first that holds a non-empty string: the response-format table says
// sid and vid, the examples sessionId and visitorId.
var answerIDs = [...][]string{{"sessionId", "sid"}, {"visitorId", "vid"}, {"pageId"}}

// detailMembers names the members an EngagementDetail is read from, in
// the order of its fields: three numbers, then six strings.
var detailMembers = [...]string{"campaignId", "engagementId", "engagementRevision",
	"contextId", "connectorId", "conversationId", "windowId", "language", "status"}

// intOf reads an integer that may arrive as a number or a decimal string.
func intOf(v any) int64 {
	switch v := v.(type) {
	case float64:
		if v == math.Trunc(v) && math.Abs(v) <= 1<<53 {
			return int64(v)
		}
	case string:
		n, _ := text.ParseInt(v)
		return n
	}
	return 0
}

// AppendJSON writes the answer as LivePerson does.
func (a *Answer) AppendJSON(b []byte) []byte {
	b = append(b, `{"sessionId":`...)
	b = jsonv.AppendString(b, a.SessionID)
	b = append(b, `,"visitorId":`...)
	b = jsonv.AppendString(b, a.VisitorID)
	b = append(b, `,"pageId":`...)
	b = jsonv.AppendString(b, a.PageID)
	if len(a.Engagements) > 0 {
		b = append(b, `,"engagementDetails":[`...)
		for i, d := range a.Engagements {
			if i > 0 {
				b = append(b, ',')
			}
			b = append(b, `{"campaignId":`...)
			b = strconv.AppendInt(b, d.CampaignID, 10)
			b = append(b, `,"engagementId":`...)
			b = strconv.AppendInt(b, d.EngagementID, 10)
			b = append(b, `,"engagementRevision":`...)
			b = strconv.AppendInt(b, d.EngagementRevision, 10)
			b = append(b, `,"contextId":`...)
			b = jsonv.AppendString(b, d.ContextID)
			if n, ok := text.ParseInt(d.ConnectorID); ok {
				b = append(b, `,"connectorId":`...)
				b = strconv.AppendInt(b, n, 10)
			}
			for _, kv := range [...][2]string{{"conversationId", d.ConversationID}, {"windowId", d.WindowID},
				{"language", d.Language}, {"status", d.Status}} {
				if kv[1] != "" {
					b = append(b, `,"`...)
					b = append(b, kv[0]...)
					b = append(b, `":`...)
					b = jsonv.AppendString(b, kv[1])
				}
			}
			b = append(b, '}')
		}
		b = append(b, ']')
	}
	return append(b, '}')
}

// An ErrorBody is the body of a failed Monitoring call.
type ErrorBody struct {
	_            [0]func() // not comparable: no generated equality function in the tag (make size)
	Time         int64     // ms since the epoch
	Message      string
	InternalCode int
}

func (e *ErrorBody) Error() string {
	return "monitoring: " + e.Message + " (internal code " + strconv.Itoa(e.InternalCode) + ")"
}

// AppendJSON writes e as LivePerson does.
func (e *ErrorBody) AppendJSON(b []byte) []byte {
	b = append(b, `{"time":`...)
	b = strconv.AppendInt(b, e.Time, 10)
	b = append(b, `,"message":`...)
	b = jsonv.AppendString(b, e.Message)
	b = append(b, `,"internalCode":`...)
	b = strconv.AppendInt(b, int64(e.InternalCode), 10)
	return append(b, '}')
}

// DecodeError parses an error body; it returns nil when data is not one.
func DecodeError(data []byte) *ErrorBody {
	v, _ := jsonv.Parse(data) // nil when data is not JSON
	m, _ := v.(map[string]any)
	code := m["internalCode"]
	if _, ok := code.(float64); !ok {
		return nil
	}
	msg, _ := m["message"].(string)
	return &ErrorBody{Time: intOf(m["time"]), Message: msg, InternalCode: int(intOf(code))}
}

// LoadingAccountVisitorID returns the vid a "Loading account" error carries
// inside its message ("Loading account: X, vid: Y"); the retry should use it.
func LoadingAccountVisitorID(message string) string {
	// The last "vid: ", found by hand: strings.LastIndex would link 1.7 KB
	// of code into the tag for this one call.
	for i := len(message) - len("vid: "); i >= 0; i-- {
		if message[i:i+5] == "vid: " {
			if vid := text.TrimSpace(message[i+5:]); CheckID("visitorId", vid, 128) == nil {
				return vid
			}
			break
		}
	}
	return ""
}

// Outcome is what a client does after a Monitoring call.
type Outcome uint8

// The outcomes [Classify] returns.
const (
	Done       Outcome = iota // success: keep the answer's ids
	Retry                     // try again after Decision.Wait
	NewSession                // the ids are stale: drop them and send again at once, without vid/sid
	Fail                      // a 4xx: retrying cannot help; fix the request
)

// A Decision is the retry policy's answer for one failed attempt.
//
// Times in this file are milliseconds, as in JavaScript, not
// time.Duration and time.Time: the tag links this package, and package
// time alone (its init links the runtime's metrics and godebug) would add
// 36 KB brotli to the module.
type Decision struct {
	Outcome Outcome
	Wait    int64 // ms, for Retry
}

// Second is a second in milliseconds.
const Second = 1000

// Schedule is LivePerson's documented pause before each retry of a
// Monitoring call after a 5xx or a 202 "loading account" (spec 1.4), in ms.
var Schedule = []int64{3 * Second, 10 * Second, 30 * Second, 90 * Second}

// MaxWait caps the pause once [Schedule] is used up, in ms (8 minutes).
// LivePerson's general guidance is to keep retrying with longer pauses
// (2, 4, 8 minutes) rather than give up, so events are not lost in a long
// outage.
const MaxWait = 8 * 60 * Second

// Classify applies LivePerson's retry policy to a response. status is the
// HTTP status (0 for a network error or timeout), body the response body,
// retryAfter the Retry-After header, attempt the number of retries so far,
// now the time in ms since the Unix epoch (for an HTTP-date Retry-After).
//   - 200, 201: Done.
//   - 202 (loading account, v1.1) and 5xx, network errors: Retry after
//     Schedule[attempt], then doubling pauses up to MaxWait.
//   - 429: Retry after Retry-After (seconds or an HTTP date), at least 1 s.
//   - 404 with internal code 37 or 39 (invalid vid or sid): NewSession.
//   - other 4xx: Fail.
func Classify(status int, body []byte, retryAfter string, attempt int, now int64) Decision {
	d := Decision{Outcome: Retry}
	switch {
	case status == 200 || status == 201:
		d.Outcome = Done
	case status == 429:
		d.Wait = max(ParseRetryAfter(retryAfter, now), Second)
	case status >= 400 && status < 500:
		d.Outcome = Fail
		if status == 404 {
			if e := DecodeError(body); e != nil && (e.InternalCode == CodeInvalidVisitor || e.InternalCode == CodeInvalidSession) {
				d.Outcome = NewSession
			}
		}
	default:
		d.Wait = Backoff(attempt)
	}
	return d
}

// Backoff is the pause before retry number attempt (from 0), in ms.
func Backoff(attempt int) int64 {
	if attempt < 0 {
		attempt = 0
	}
	if attempt < len(Schedule) {
		return Schedule[attempt]
	}
	wait := int64(2 * 60 * Second)
	for i := len(Schedule); i < attempt && wait < MaxWait; i++ {
		wait *= 2
	}
	return min(wait, MaxWait)
}

// ParseRetryAfter reads a Retry-After value, delay seconds or an HTTP date
// (now is ms since the Unix epoch), and returns the wait in ms, at most a
// day. It returns 0 when the value is missing or unreadable.
func ParseRetryAfter(v string, now int64) int64 {
	v = text.TrimSpace(v)
	if n, ok := text.ParseInt(v); ok {
		if n < 0 || n > 86400 {
			return 0
		}
		return n * Second
	}
	// An HTTP date, in the fixed layout httpDate (RFC 9110's IMF-fixdate).
	// time.Parse would do, but the tag must not link package time.
	if len(v) != len(httpDate) {
		return 0
	}
	var n [6]int // n[1:] are the layout's numbers: day, year, hour, minute, second
	k := 0
	for i := 0; i < len(httpDate); i++ {
		c, l := v[i], httpDate[i]
		switch {
		case l-'0' <= 9: // a digit (below '0', bytes wrap around)
			if c-'0' > 9 {
				return 0
			}
			if httpDate[i-1]-'0' > 9 { // a number starts
				k++
			}
			n[k] = n[k]*10 + int(c-'0')
		case l >= 'A' && i < 11: // a name, looked up below
		case c != l:
			return 0
		}
	}
	month := text.Index("JanFebMarAprMayJunJulAugSepOctNovDec", v[8:11])
	if month%3 != 0 || text.Index("MonTueWedThuFriSatSun", v[:3])%3 != 0 {
		return 0 // not found (-1), or found across two names
	}
	month /= 3
	day, year := n[1], n[2]
	// first and next count the days of the year before the month and
	// before the next month.
	first, next := int(daysBefore[month]), int(daysBefore[month+1])
	if year%4 == 0 && (year%100 != 0 || year%400 == 0) { // February has 29 days
		if month > 1 {
			first++
		}
		if month > 0 {
			next++
		}
	}
	if day < 1 || first+day > next || n[3] > 23 || n[4] > 59 || n[5] > 59 {
		return 0
	}
	// Days since 1970-01-01: 365 a year, plus the leap years from year 0
	// up to year (excluded), less the 478 before 1970.
	days := 365*(year-1970) + (year+3)/4 - (year+99)/100 + (year+399)/400 - 478 + first + day - 1
	t := (int64(days)*86400 + int64(n[3]*3600+n[4]*60+n[5])) * Second
	return max(0, min(t-now, 24*3600*Second))
}

// httpDate is the layout of an HTTP date. Its digits stand for any digit;
// its letters before the year are the weekday's and month's names.
const httpDate = "Mon, 02 Jan 2006 15:04:05 GMT"

// daysBefore[m] is the number of days before month m (from 0) in a year
// that is not a leap year.
var daysBefore = [13]int16{0, 31, 59, 90, 120, 151, 181, 212, 243, 273, 304, 334, 365}
