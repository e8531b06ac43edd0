package retail

import (
	"slices"
	"strings"
	"testing"
)

// FuzzWords: words is strings.Fields without repeats, and join is
// strings.Join with ", ".
func FuzzWords(f *testing.F) {
	for _, s := range []string{"", " a ", "\u00a0Mary Ann\u3000", " blue\tsummer jacket blue ", "c\xb0", "a\u0085b\u2028"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		var want []string
		for _, w := range strings.Fields(s) {
			if !slices.Contains(want, w) {
				want = append(want, w)
			}
		}
		got := words(s)
		if !slices.Equal(got, want) {
			t.Errorf("words(%q) = %q, want %q", s, got, want)
		}
	})
}
