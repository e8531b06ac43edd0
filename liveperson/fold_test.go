package liveperson

import (
	"strings"
	"testing"
	"unicode"
)

// equalFold relies on U+212A and U+017F being the only non-ASCII runes
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
	enums := append(append(append([]string{}, PhoneTypes...), Genders...), "", "a_b-9", "Sk")
	inputs := []string{"", "home", "HOME", "Home", "hom", "homee", "wor\u212A", "WOR\u212A_FAX", "work\u212A", "\u017Fk",
		"S\u212A", "\u017F\u212A", "\u212A", "h\xffme", "home\x00", "ma\u0130n", "female", "FEMALE ", "a_B-9", "A_b_9"}
	for _, e := range enums {
		for _, s := range append(inputs, e, strings.ToLower(e)) {
			if got, want := equalFold(e, s), strings.EqualFold(e, s); got != want {
				t.Errorf("equalFold(%q, %q) = %v, want %v", e, s, got, want)
			}
		}
	}
}

func FuzzEqualFold(f *testing.F) {
	f.Add("WORK", "wor\u212A")
	f.Add("MALE", "male")
	f.Fuzz(func(t *testing.T, e, s string) {
		for i := 0; i < len(e); i++ {
			if e[i] >= 0x80 {
				return // equalFold takes ASCII enum values only
			}
		}
		if got, want := equalFold(e, s), strings.EqualFold(e, s); got != want {
			t.Errorf("equalFold(%q, %q) = %v, want %v", e, s, got, want)
		}
	})
}
