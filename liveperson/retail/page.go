package retail

import (
	"github.com/lpedge/lpedge/liveperson/monitoring"

	"github.com/lpedge/lpedge/internal/text"
)

// Page returns the entry points of a page view, for the Monitoring
// report's entryPoints: the page's URL, then each section as
// "sec://<section>" (the sections lpTag.section names). Blank sections and
// repeats are left out, as is an empty URL.
func Page(url string, sections []string) []string {
	eps := appendNew(nil, text.TrimSpace(url))
	for _, s := range sections {
		if s = text.TrimSpace(s); s != "" {
			eps = appendNew(eps, monitoring.SectionEntryPoint(s))
		}
	}
	return eps
}
