package retail

import "unicode/utf8"

// The strings package's EqualFold, Fields and TrimSpace link the unicode
// tables into the tag; the preset needs them only for ASCII names and
// white space, which these do the same way in a few lines. validUTF8 and
// join cost less code than strings.ToValidUTF8 and strings.Join.

// indexFold returns the index of s in list, matched as strings.EqualFold
// matches, or -1. The names in list are ASCII: besides ASCII case, the only
// runes that fold to ASCII letters are K (U+212A, Kelvin) and ſ (U+017F).
func indexFold(list []string, s string) int {
next:
	for n, name := range list {
		i := 0
		for _, c := range s {
			if i == len(name) {
				continue next
			}
			if b := rune(name[i]); c != b {
				l := b | 0x20 // lower case, if b is a letter
				if l < 'a' || l > 'z' || c|0x20 != l && !(l == 'k' && c == '\u212a') && !(l == 's' && c == '\u017f') {
					continue next
				}
			}
			i++
		}
		if i == len(name) {
			return n
		}
	}
	return -1
}

// isSpace is unicode.IsSpace.
func isSpace(c rune) bool {
	switch c {
	case '\t', '\n', '\v', '\f', '\r', ' ', 0x85, 0xA0, 0x1680, 0x2028, 0x2029, 0x202F, 0x205F, 0x3000:
		return true
	}
	return 0x2000 <= c && c <= 0x200A
}

// trim is strings.TrimSpace.
func trim(s string) string {
	start, end, word := -1, 0, false
	for i, c := range s + " " { // the space ends a last word
		if word {
			end = i
		}
		if word = !isSpace(c); word && start < 0 {
			start = i
		}
	}
	if start < 0 {
		return ""
	}
	return s[start:end]
}

// words returns the words of s, split at white space as strings.Fields
// splits, without repeats.
func words(s string) []string {
	var out []string
	start := -1
	for i, c := range s + " " { // the space ends a last word
		if !isSpace(c) {
			if start < 0 {
				start = i
			}
		} else if start >= 0 {
			out = appendNew(out, s[start:i])
			start = -1
		}
	}
	return out
}

// appendNew appends s to list unless it is empty or there already.
func appendNew(list []string, s string) []string {
	for _, e := range list {
		if e == s {
			return list
		}
	}
	if s == "" {
		return list
	}
	return append(list, s)
}

// join is strings.Join(list, ", ") for a list that is not empty.
func join(list []string) string {
	s := list[0]
	for _, e := range list[1:] {
		s += ", " + e
	}
	return s
}

// validUTF8 is strings.ToValidUTF8(s, "\uFFFD"): each run of bytes that
// are not UTF-8 becomes one U+FFFD.
func validUTF8(s string) string {
	b := make([]byte, 0, len(s))
	inRun := false // in a run of bad bytes
	for i, c := range s {
		// A bad byte reads as U+FFFD, as does U+FFFD itself.
		bad := c == utf8.RuneError && (len(s)-i < 3 || s[i:i+3] != "\uFFFD")
		if !bad || !inRun {
			b = utf8.AppendRune(b, c)
		}
		inRun = bad
	}
	return string(b)
}
