// Package text holds the few string functions the browser tag needs, done
// the way package strings does them. Importing strings at all links the
// unicode package's tables into the module (what that cost is in the
// README, "The tag's size budget"), so no package the tag links imports
// it.
//
//	text.EqualFold("MOBILE", "mobile")             // true
//	text.IndexFold([]string{"Cart Viewed"}, "cart viewed") // 0
//	text.TrimSpace("\u00a0Ann ")                   // "Ann"
package text

import "unicode/utf8"

// EqualFold is strings.EqualFold for an ASCII name. Besides ASCII case,
// the only runes that fold to ASCII letters are U+212A KELVIN SIGN (k)
// and U+017F LONG S (s).
func EqualFold(name, s string) bool {
	i := 0
	for _, r := range s {
		if i == len(name) {
			return false
		}
		c := rune(name[i])
		l := c | 0x20 // lower case, if c is a letter
		if r != c && !('a' <= l && l <= 'z' && (r|0x20 == l || l == 'k' && r == '\u212A' || l == 's' && r == '\u017F')) {
			return false
		}
		i++
	}
	return i == len(name)
}

// IndexFold returns the index of the first of the ASCII names that
// EqualFold matches s, or -1.
func IndexFold(names []string, s string) int {
	for i, name := range names {
		if EqualFold(name, s) {
			return i
		}
	}
	return -1
}

// IsSpace is unicode.IsSpace.
func IsSpace(c rune) bool {
	switch c {
	case '\t', '\n', '\v', '\f', '\r', ' ', 0x85, 0xA0, 0x1680, 0x2028, 0x2029, 0x202F, 0x205F, 0x3000:
		return true
	}
	return 0x2000 <= c && c <= 0x200A
}

// TrimSpace is strings.TrimSpace.
func TrimSpace(s string) string {
	start, last := -1, 0
	for i, c := range s {
		if !IsSpace(c) {
			if start < 0 {
				start = i
			}
			last = i
		}
	}
	if start < 0 {
		return ""
	}
	_, n := utf8.DecodeRuneInString(s[last:])
	return s[start : last+n]
}

// ValidUTF8 is strings.ToValidUTF8(s, "\uFFFD"): each run of bytes that
// are not UTF-8 becomes one U+FFFD.
func ValidUTF8(s string) string {
	b := make([]byte, 0, len(s))
	inRun := false // in a run of bad bytes
	for i := 0; i < len(s); {
		c, n := utf8.DecodeRuneInString(s[i:])
		bad := c == utf8.RuneError && n == 1
		// Bytes, not utf8.AppendRune, which would link 2.3 KB.
		if !bad {
			b = append(b, s[i:i+n]...)
		} else if !inRun {
			b = append(b, "\uFFFD"...)
		}
		inRun = bad
		i += n
	}
	return string(b)
}

// Index is strings.Index, for the short strings the tag searches.
func Index(s, sub string) int {
	for i := 0; i+len(sub) <= len(s); i++ {
		if s[i:i+len(sub)] == sub {
			return i
		}
	}
	return -1
}

// Cut is strings.Cut.
func Cut(s, sep string) (before, after string, found bool) {
	if i := Index(s, sep); i >= 0 {
		return s[:i], s[i+len(sep):], true
	}
	return s, "", false
}

// Join is strings.Join.
func Join(list []string, sep string) string {
	s := ""
	for i, e := range list {
		if i > 0 {
			s += sep
		}
		s += e
	}
	return s
}

// ParseInt is strconv.ParseInt(s, 10, 64) reporting only whether s is a
// number: strconv's *NumError links its quoting and Unicode tables.
func ParseInt(s string) (int64, bool) {
	neg := len(s) > 0 && s[0] == '-'
	if len(s) > 0 && (s[0] == '-' || s[0] == '+') {
		s = s[1:]
	}
	if s == "" {
		return 0, false
	}
	var n uint64
	for i := 0; i < len(s); i++ {
		c := s[i]
		if c < '0' || c > '9' || n > (1<<63)/10 {
			return 0, false
		}
		n = n*10 + uint64(c-'0')
	}
	if n > 1<<63 || n == 1<<63 && !neg {
		return 0, false
	}
	if neg {
		return -int64(n), true
	}
	return int64(n), true
}

// IsDigits reports whether s is 1 to 19 ASCII digits: a decimal id that
// LivePerson writes as a number (campaign and engagement ids).
func IsDigits(s string) bool {
	if s == "" || len(s) > 19 {
		return false
	}
	for i := 0; i < len(s); i++ {
		if s[i] < '0' || s[i] > '9' {
			return false
		}
	}
	return true
}
