package connector

import (
	"errors"
	"strconv"
	"unicode/utf8"

	"github.com/lpedge/lpedge/liveperson"
)

// MaxChars is the most characters a Connector API request body may hold;
// LivePerson answers a longer one with 400 BAD_REQUEST (devassist guide:
// "The size of the JSON request object cannot exceed 5000 characters").
// Characters are counted as UTF-16 code units, the way LivePerson's Java
// services measure a string; the guide does not say which unit it means,
// and for ASCII bodies every count agrees.
const MaxChars = 5000

// ErrTooLarge is matched (errors.Is) by the error for a request body over
// [MaxChars]. A proxy answers it with 413, the fake LivePerson with 400.
var ErrTooLarge = errors.New("request body exceeds " + strconv.Itoa(MaxChars) + " characters")

type tooLarge struct{ chars int }

func (e *tooLarge) Error() string {
	return "request body is " + strconv.Itoa(e.chars) + " characters; LivePerson accepts at most " + strconv.Itoa(MaxChars)
}

func (e *tooLarge) Is(target error) bool { return target == ErrTooLarge }

// Chars counts the characters of a request body as [MaxChars] does.
func Chars(b []byte) int {
	n := 0
	for i := 0; i < len(b); {
		if b[i] < utf8.RuneSelf {
			n++
			i++
			continue
		}
		r, size := utf8.DecodeRune(b[i:])
		n++
		if r > 0xFFFF {
			n++ // a surrogate pair in UTF-16
		}
		i += size
	}
	return n
}

func checkSize(b []byte) error {
	if len(b) <= MaxChars { // characters never outnumber bytes
		return nil
	}
	if n := Chars(b); n > MaxChars {
		return &tooLarge{n}
	}
	return nil
}

// bad reports a problem with the value at path, a JSONPath into the body
// ("$[1].body.brandId", "$.features[2]"). Every validation error of this
// package is a *liveperson.ValidationError, like those of its siblings.
func bad(path, problem string) error {
	return &liveperson.ValidationError{Index: -1, Field: path, Problem: problem}
}
