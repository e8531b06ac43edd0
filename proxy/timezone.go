package proxy

import (
	"strconv"
	"sync"
	"time"
	_ "time/tzdata" // Workers have no zoneinfo files: the zone names come with the binary (README, "Proxy sizes")
)

// knownZones caches the names time.LoadLocation found: at most the
// database's few hundred zones, so it needs no bound.
var knownZones sync.Map // zone name -> struct{}

// validTimeZone says whether s names a zone of the IANA database, as
// time.LoadLocation reads it (the system's zoneinfo natively, the embedded
// time/tzdata on Workers). "Local", which LoadLocation also takes, and
// "localtime", which a system's zoneinfo may hold, are the proxy's zone,
// not the client's; the characters are checked first, so that nothing
// else reaches a file name. (A system's zoneinfo also holds posix/ and
// right/ copies of the zones, which the embedded data lacks: natively
// they pass.)
func validTimeZone(s string) bool {
	if s == "" || len(s) > maxTimeZone || s == "Local" || s == "localtime" || s[0] == '/' {
		return false
	}
	for i := 0; i < len(s); i++ {
		if c := s[i]; !(c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || c == '/' || c == '_' || c == '+' || c == '-') {
			return false
		}
	}
	if _, ok := knownZones.Load(s); ok {
		return true
	}
	if _, err := time.LoadLocation(s); err != nil {
		return false
	}
	knownZones.Store(s, struct{}{})
	return true
}

// checkTimeZone returns the zone a client gave where: "" for none, and
// also for "Etc/Unknown", which is ICU's answer when the browser cannot
// tell the machine's zone (Intl.DateTimeFormat().resolvedOptions() of
// such a page says it): a real browser's, so not the client's mistake,
// and Client-Properties' zone is optional. Any other name that is not a
// real zone is a 400 naming where it came from.
func checkTimeZone(where, tz string) (string, error) {
	switch {
	case tz == "" || tz == unknownZone:
		return "", nil
	case !validTimeZone(tz):
		return "", badRequest(where + ": want an IANA time zone such as Europe/Berlin, got " + strconv.Quote(clip(tz, 40)))
	}
	return tz, nil
}

// unknownZone is what browsers report when they cannot tell the zone.
const unknownZone = "Etc/Unknown"
