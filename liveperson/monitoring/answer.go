package monitoring

import (
	"math"
	"strconv"
	"strings"

	"github.com/lpedge/lpedge/internal/jsonv"
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
	m, ok := v.(map[string]any)
	if !ok {
		return nil, fieldErr("answer", "want a JSON object")
	}
	a := &Answer{}
	for i, p := range [...]*string{&a.SessionID, &a.VisitorID, &a.PageID} {
		for _, k := range answerIDs[i] {
			if *p == "" {
				*p, _ = m[k].(string)
			}
		}
	}
	if a.SessionID == "" || a.VisitorID == "" {
		return nil, fieldErr("answer", "has no sessionId or visitorId")
	}
	if list, ok := m["engagementDetails"].([]any); ok && len(list) > 0 {
		a.Engagements = make([]EngagementDetail, len(list))
		for i, e := range list {
			d, ok := e.(map[string]any)
			if !ok {
				return nil, fieldErr("engagementDetails["+strconv.Itoa(i)+"]", "want an object")
			}
			ed := &a.Engagements[i]
			for j, p := range [...]*int64{&ed.CampaignID, &ed.EngagementID, &ed.EngagementRevision} {
				*p = intOf(d[detailMembers[j]])
			}
			for j, p := range [...]*string{&ed.ContextID, &ed.ConnectorID, &ed.ConversationID, &ed.WindowID, &ed.Language, &ed.Status} {
				*p = stringOf(d[detailMembers[3+j]])
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

// stringOf reads an id that may arrive as a string or a number.
func stringOf(v any) string {
	switch v := v.(type) {
	case string:
		return v
	case float64:
		return string(jsonv.AppendFloat(nil, v))
	}
	return ""
}

func intOf(v any) int64 {
	switch v := v.(type) {
	case float64:
		if v == math.Trunc(v) && math.Abs(v) <= 1<<53 {
			return int64(v)
		}
	case string:
		n, _ := strconv.ParseInt(v, 10, 64)
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
			if n, err := strconv.ParseInt(d.ConnectorID, 10, 64); err == nil {
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
	Time         int64 // ms since the epoch
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
	v, err := jsonv.Parse(data)
	if err != nil {
		return nil
	}
	m, ok := v.(map[string]any)
	if !ok {
		return nil
	}
	code, ok := m["internalCode"].(float64)
	if !ok {
		return nil
	}
	e := &ErrorBody{InternalCode: int(intOf(code)), Time: intOf(m["time"])}
	e.Message, _ = m["message"].(string)
	return e
}

// LoadingAccountVisitorID returns the vid a "Loading account" error carries
// inside its message ("Loading account: X, vid: Y"); the retry should use it.
func LoadingAccountVisitorID(message string) string {
	i := strings.LastIndex(message, "vid: ")
	if i < 0 {
		return ""
	}
	vid := strings.TrimSpace(message[i+5:])
	if CheckID("visitorId", vid, 128) != nil {
		return ""
	}
	return vid
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
	switch {
	case status == 200 || status == 201:
		return Decision{Outcome: Done}
	case status == 429:
		wait := ParseRetryAfter(retryAfter, now)
		if wait < Second {
			wait = Second
		}
		return Decision{Outcome: Retry, Wait: wait}
	case status == 404:
		if e := DecodeError(body); e != nil && (e.InternalCode == CodeInvalidVisitor || e.InternalCode == CodeInvalidSession) {
			return Decision{Outcome: NewSession}
		}
		return Decision{Outcome: Fail}
	case status >= 400 && status < 500:
		return Decision{Outcome: Fail}
	}
	return Decision{Outcome: Retry, Wait: Backoff(attempt)}
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
	v = strings.TrimSpace(v)
	if v == "" {
		return 0
	}
	if n, err := strconv.Atoi(v); err == nil {
		if n < 0 || n > 86400 {
			return 0
		}
		return int64(n) * Second
	}
	t, ok := parseHTTPDate(v)
	if !ok || t*Second <= now {
		return 0
	}
	return min(t*Second-now, 24*3600*Second)
}

var months = [12]string{"Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"}

// parseHTTPDate reads the HTTP date form of Retry-After, the fixed layout
// "Mon, 02 Jan 2006 15:04:05 GMT", as seconds since the Unix epoch.
// time.Parse would do, but the tag must not link package time.
func parseHTTPDate(v string) (int64, bool) {
	if len(v) != 29 || v[3] != ',' || v[4] != ' ' || v[7] != ' ' || v[11] != ' ' || v[16] != ' ' ||
		v[19] != ':' || v[22] != ':' || v[25:] != " GMT" {
		return 0, false
	}
	num := func(s string) int {
		n, err := strconv.Atoi(s)
		if err != nil || s[0] == '-' || s[0] == '+' {
			return -1
		}
		return n
	}
	day, year, hour, minute, sec := num(v[5:7]), num(v[12:16]), num(v[17:19]), num(v[20:22]), num(v[23:25])
	if !strings.Contains("Mon,Tue,Wed,Thu,Fri,Sat,Sun,", v[:4]) {
		return 0, false
	}
	month := 0
	for i, m := range months {
		if v[8:11] == m {
			month = i + 1
		}
	}
	if month == 0 || day < 1 || day > 31 || year < 0 || hour > 23 || minute > 59 || sec > 59 || min(hour, minute, sec) < 0 {
		return 0, false
	}
	if day > daysIn(month, year) {
		return 0, false
	}
	return daysFromCivil(year, month, day)*86400 + int64(hour*3600+minute*60+sec), true
}

func daysIn(month, year int) int {
	switch month {
	case 2:
		if year%4 == 0 && (year%100 != 0 || year%400 == 0) {
			return 29
		}
		return 28
	case 4, 6, 9, 11:
		return 30
	}
	return 31
}

// daysFromCivil counts days from 1970-01-01 to a proleptic Gregorian date
// (Howard Hinnant's algorithm), as time.Date would without package time.
func daysFromCivil(y, m, d int) int64 {
	if m <= 2 {
		y--
	}
	era := y / 400
	if y < 0 {
		era = (y - 399) / 400
	}
	yoe := y - era*400
	mp := (m + 9) % 12
	doy := (153*mp+2)/5 + d - 1
	doe := yoe*365 + yoe/4 - yoe/100 + doy
	return int64(era)*146097 + int64(doe) - 719468
}
