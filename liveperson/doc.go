// Package liveperson models the LivePerson Conversational Cloud APIs that
// lpedge uses: engagement attributes (SDEs), and, in its subpackages, the
// retail event preset ([github.com/lpedge/lpedge/liveperson/retail]), the
// Monitoring API ([github.com/lpedge/lpedge/liveperson/monitoring]) and the
// Connector API ([github.com/lpedge/lpedge/liveperson/connector]).
//
// It does no I/O. The browser tag links this package, so it imports none
// of the packages TestTagDependencies forbids (encoding/json, fmt,
// net/http, regexp, time, strings...: each adds KB to hundreds of KB to
// the WebAssembly module); JSON is written by appending to byte slices.
//
// # Engagement attributes
//
// [Types] holds every type of LivePerson's "Types of Engagement Attributes"
// reference with every documented field and its type, plus the impression
// events the Monitoring report method accepts. [ParseSDE] validates a
// decoded JSON object against it and returns the wire form:
//
//	sde, err := liveperson.ParseSDE(map[string]any{
//		"type": "cartStatus", // the Datafly name; written as "cart"
//		"total": 99.5, "numItems": 2,
//	})
//	if err != nil {
//		// e.g. "cart.numItems: is required"
//	}
//	body := sde.AppendJSON(nil) // {"type":"cart","total":99.5,"numItems":2}
//
// [ForMessaging] keeps what a Connector conversation may carry in lp_sdes.
package liveperson
