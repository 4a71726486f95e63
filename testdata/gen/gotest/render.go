// Package gotest is a tiny library whose test allocates a lot and keeps
// nothing. `go test -memprofile` writes the heap profile after the tests
// have finished (and after a GC), so the allocations show up only in
// alloc_objects/alloc_space, while the inuse_* values of the test's own
// allocations are zero.
package gotest

import (
	"strconv"
	"strings"
)

// Render formats n key=value pairs into a fresh string.
func Render(n int) string {
	var sb strings.Builder // grows several times: several allocation sizes
	for i := 0; i < n; i++ {
		sb.WriteString("key")
		sb.WriteString(strconv.Itoa(i))
		sb.WriteByte('=')
		sb.WriteString(strings.Repeat("v", i%16))
		sb.WriteByte(';')
	}
	return sb.String()
}

// Fields splits a rendered string back into its pairs.
func Fields(s string) []string {
	return strings.Split(s, ";")
}
