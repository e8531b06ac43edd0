package text_test

import (
	"fmt"

	"github.com/lpedge/lpedge/internal/text"
)

func Example() {
	fmt.Println(text.EqualFold("MOBILE", "mobile"), text.IndexFold([]string{"HOME", "WORK"}, "wor\u212A"))
	fmt.Printf("%q\n", text.TrimSpace("\u00a0Ann\u3000"))
	// Output:
	// true 1
	// "Ann"
}
