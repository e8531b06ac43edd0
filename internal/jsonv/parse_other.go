//go:build !js

package jsonv

// parse is the parser written here (parser.go), without ParseStrict's checks.
func parse(data []byte) (any, error) { return parseText(data, false) }
