package retail

import (
	"slices"
	"strings"
)

// Page returns the entry points of a page view, for the Monitoring
// report's entryPoints: the page's URL, then each section as
// "sec://<section>" (LivePerson's form; lpTag.section names the same
// sections). Blank sections and repeats are left out, as is an empty URL.
func Page(url string, sections []string) []string {
	var eps []string
	if url = strings.TrimSpace(url); url != "" {
		eps = append(eps, url)
	}
	for _, s := range sections {
		s = strings.TrimSpace(strings.TrimPrefix(strings.TrimSpace(s), "sec://"))
		if s == "" {
			continue
		}
		ep := "sec://" + s
		if !slices.Contains(eps, ep) {
			eps = append(eps, ep)
		}
	}
	return eps
}
