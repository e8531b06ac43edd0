package retail

import (
	"slices"
	"strings"

	"github.com/lpedge/lpedge/liveperson/monitoring"
)

// Page returns the entry points of a page view, for the Monitoring
// report's entryPoints: the page's URL, then each section as
// "sec://<section>" (the sections lpTag.section names). Blank sections and
// repeats are left out, as is an empty URL.
func Page(url string, sections []string) []string {
	var eps []string
	if url = strings.TrimSpace(url); url != "" {
		eps = append(eps, url)
	}
	for _, s := range sections {
		if s = strings.TrimSpace(s); s == "" {
			continue
		}
		if ep := monitoring.SectionEntryPoint(s); !slices.Contains(eps, ep) {
			eps = append(eps, ep)
		}
	}
	return eps
}
