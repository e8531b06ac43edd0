package retail

import "github.com/lpedge/lpedge/internal/text"

// words stands in for strings.Fields, which links the Unicode tables into
// the tag; the other string functions the preset needs are in
// internal/text.

// words returns the words of s, split at white space as strings.Fields
// splits, without repeats.
func words(s string) []string {
	var out []string
	start := -1
	for i, c := range s {
		if !text.IsSpace(c) {
			if start < 0 {
				start = i
			}
		} else if start >= 0 {
			out = appendNew(out, s[start:i])
			start = -1
		}
	}
	if start >= 0 {
		out = appendNew(out, s[start:])
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
