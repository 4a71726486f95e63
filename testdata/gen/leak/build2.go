//go:build build2

// This file is compiled only with -tags build2, the "second build" of the
// program: it adds the function padding, which is linked (init might call
// it, as far as the compiler knows) but never runs. It is named so that it
// sorts before main.go and its code is laid out ahead of the other main.*
// functions, shifting their addresses. Nothing here allocates.

package main

// padding is never called: buildTag is "two" in this build.
//
//go:noinline
func padding(n int) int {
	s := 0
	for i := 0; i < n; i++ {
		s += i * i
		s ^= s >> 3
		s += len(buildTag)
	}
	return s
}

func init() {
	if buildTag == "padding" {
		println(padding(1000))
	}
}
