//go:build !js

package jsonv_test

// exactOffsets: the parser written here names the byte of every problem.
const exactOffsets = true
