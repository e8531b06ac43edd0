package text

import (
	"slices"
	"strconv"
	"strings"
	"testing"
	"unicode"
	"unicode/utf8"
)

// The functions stand in for those of strings and unicode; these tests
// hold them to the originals.

func TestIsSpace(t *testing.T) {
	for c := rune(0); c <= unicode.MaxRune; c++ {
		if IsSpace(c) != unicode.IsSpace(c) {
			t.Fatalf("IsSpace(%U) = %v", c, IsSpace(c))
		}
	}
}

// EqualFold relies on U+212A and U+017F being the only non-ASCII runes
// whose case folding reaches an ASCII letter.
func TestOnlyTwoRunesFoldToASCII(t *testing.T) {
	for r := rune(0x80); r <= unicode.MaxRune; r++ {
		for f := unicode.SimpleFold(r); f != r; f = unicode.SimpleFold(f) {
			if f < 0x80 && r != '\u212A' && r != '\u017F' {
				t.Errorf("%U folds to %q", r, f)
			}
		}
	}
}

func TestEqualFold(t *testing.T) {
	// Every rune of the BMP, where all case folding to ASCII is, and a
	// sample of the others, against every ASCII letter and some others.
	for c := rune(0); c <= unicode.MaxRune; c++ {
		if c > 0xFFFF {
			c += 0xFF
		}
		for _, b := range []byte("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ _-9") {
			s := string(c)
			if c == utf8.RuneError {
				s = "\xff" // not UTF-8: EqualFold reads it as U+FFFD too
			}
			if got, want := EqualFold(string(b), s), strings.EqualFold(string(b), s); got != want {
				t.Fatalf("EqualFold(%q, %q) = %v", b, s, got)
			}
		}
	}
	names := []string{"HOME", "WORK", "WORK_FAX", "MALE", "FEMALE", "Product Viewed", "Checkout Started", "", "a_b-9", "Sk"}
	for _, s := range []string{"", "home", "Home", "hom", "homee", "wor\u212A", "WOR\u212A_FAX", "work\u212A", "\u017Fk",
		"S\u212A", "\u017F\u212A", "\u212A", "h\xffme", "home\x00", "ma\u0130n", "female", "FEMALE ", "a_B-9", "A_b_9",
		"product viewed", "Chec\u212aout \u017ftarted"} {
		want := slices.IndexFunc(names, func(n string) bool { return strings.EqualFold(n, s) })
		if got := IndexFold(names, s); got != want {
			t.Errorf("IndexFold(%q) = %d, want %d", s, got, want)
		}
	}
}

func TestIsDigits(t *testing.T) {
	for s, want := range map[string]bool{"0": true, "1001": true, "9999999999999999999": true, "10000000000000000000": false,
		"": false, "-1": false, "+1": false, "1.5": false, "12a": false, " 1": false, "\u0661": false} {
		if got := IsDigits(s); got != want {
			t.Errorf("IsDigits(%q) = %v, want %v", s, got, want)
		}
	}
}

// FuzzText: every function does what the one of package strings it
// replaces does.
func FuzzText(f *testing.F) {
	for _, s := range []string{"", " a ", "\u00a0Mary Ann\u3000", " blue\tsummer jacket blue ", "c\xb0", "\xb0\xb0x\xff\uFFFD\xed\xa0\x80",
		"a\u0085b\u2028", "product added", "Chec\u212aout \u017ftarted", "WORK"} {
		f.Add(s, "WORK_FAX")
		f.Add(s, " ")
	}
	for _, s := range []string{"0", "-0", "+7", "-9223372036854775808", "9223372036854775807", "9223372036854775808",
		"-9223372036854775809", "18446744073709551616", "1_000", "", "-", "+", "12a", "0x1f", "007"} {
		f.Add(s, "")
	}
	f.Fuzz(func(t *testing.T, s, name string) {
		if got, want := TrimSpace(s), strings.TrimSpace(s); got != want {
			t.Errorf("TrimSpace(%q) = %q, want %q", s, got, want)
		}
		if got, want := ValidUTF8(s), strings.ToValidUTF8(s, "\uFFFD"); got != want {
			t.Errorf("ValidUTF8(%q) = %q, want %q", s, got, want)
		}
		if got, want := Index(s, name), strings.Index(s, name); got != want {
			t.Errorf("Index(%q, %q) = %d, want %d", s, name, got, want)
		}
		b, a, ok := Cut(s, name)
		if wb, wa, wok := strings.Cut(s, name); b != wb || a != wa || ok != wok {
			t.Errorf("Cut(%q, %q) = %q, %q, %v", s, name, b, a, ok)
		}
		n, ok := ParseInt(s)
		if want, err := strconv.ParseInt(s, 10, 64); ok != (err == nil) || ok && n != want {
			t.Errorf("ParseInt(%q) = %d, %v; strconv: %d, %v", s, n, ok, want, err)
		}
		if list := []string{s, name, ""}; Join(list, name) != strings.Join(list, name) || Join(nil, s) != "" {
			t.Errorf("Join(%q, %q) = %q", list, name, Join(list, name))
		}
		for i := 0; i < len(name); i++ {
			if name[i] >= 0x80 {
				return // EqualFold takes ASCII names only
			}
		}
		if got, want := EqualFold(name, s), strings.EqualFold(name, s); got != want {
			t.Errorf("EqualFold(%q, %q) = %v, want %v", name, s, got, want)
		}
	})
}
