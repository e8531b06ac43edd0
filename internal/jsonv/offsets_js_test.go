//go:build js && wasm

package jsonv_test

// exactOffsets: JSON.parse names no byte offset (SyntaxError.Offset -1).
const exactOffsets = false
