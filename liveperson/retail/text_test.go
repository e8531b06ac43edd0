package retail

import (
	"slices"
	"strings"
	"testing"
	"unicode"
	"unicode/utf8"

	"github.com/lpedge/lpedge/liveperson"
)

// The text helpers stand in for strings and unicode functions; these tests
// hold them to the originals.

func TestIsSpace(t *testing.T) {
	for c := rune(0); c <= unicode.MaxRune; c++ {
		if isSpace(c) != unicode.IsSpace(c) {
			t.Fatalf("isSpace(%U) = %v", c, isSpace(c))
		}
	}
}

func TestIndexFold(t *testing.T) {
	// Every rune of the BMP, where all case folding to ASCII is, and a
	// sample of the others, against every ASCII byte the preset's names
	// hold.
	for c := rune(0); c <= unicode.MaxRune; c++ {
		if c > 0xFFFF {
			c += 0xFF
		}
		for _, b := range []byte("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ _") {
			s := string(c)
			if c == utf8.RuneError {
				s = "\xff" // not UTF-8: EqualFold reads it as U+FFFD too
			}
			if got, want := indexFold([]string{string(b)}, s) == 0, strings.EqualFold(string(b), s); got != want {
				t.Fatalf("indexFold(%q, %q) = %v", b, s, got)
			}
		}
	}
	names := append(append(events[:], liveperson.Genders...), liveperson.PhoneTypes...)
	for _, s := range []string{"", "product viewed", "PRODUCT VIEWED", "Product Viewed ", "Product Viewe", "Chec\u212aout \u017ftarted",
		"home_fax", "HOME FAX", "wor\u212a", "Male", "mal", "Cart Viewed\x00"} {
		want := slices.IndexFunc(names, func(n string) bool { return strings.EqualFold(n, s) })
		if got := indexFold(names, s); got != want {
			t.Errorf("indexFold(%q) = %d, want %d", s, got, want)
		}
	}
}

// FuzzText: trim, words, validUTF8 and indexFold do what the functions of
// package strings they replace do.
func FuzzText(f *testing.F) {
	for _, s := range []string{"", " a ", "\u00a0Mary Ann\u3000", " blue\tsummer jacket blue ", "c\xb0", "\xb0\xb0x\xff\uFFFD\xed\xa0\x80",
		"a\u0085b\u2028", "product added", "Chec\u212aout \u017ftarted"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		if got, want := trim(s), strings.TrimSpace(s); got != want {
			t.Errorf("trim(%q) = %q, want %q", s, got, want)
		}
		var want []string
		for _, w := range strings.Fields(s) {
			if !slices.Contains(want, w) {
				want = append(want, w)
			}
		}
		if got := words(s); !slices.Equal(got, want) {
			t.Errorf("words(%q) = %q, want %q", s, got, want)
		}
		if got, want := validUTF8(s), strings.ToValidUTF8(s, "\uFFFD"); got != want {
			t.Errorf("validUTF8(%q) = %q, want %q", s, got, want)
		}
		want2 := slices.IndexFunc(events[:], func(e string) bool { return strings.EqualFold(e, s) })
		if got := indexFold(events[:], s); got != want2 {
			t.Errorf("indexFold(events, %q) = %d, want %d", s, got, want2)
		}
	})
}
