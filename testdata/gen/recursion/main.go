// Command recursion writes a heap profile whose stacks contain recursion.
//
// Shape of the profile:
//   - direct recursion: descend calls itself to depth 10 and allocates at
//     every level, so the same function appears up to 10 times in one stack
//     (a cum value must count it once per stack, not once per frame);
//   - mutual recursion: ping -> pong -> ping -> ... to depth 8, allocating in
//     both, so two functions alternate in a stack;
//   - plain, non-recursive allocations (flat) for contrast;
//   - a part of each kind is kept alive in global variables, so inuse_* is
//     non-zero and differs from alloc_*.
//
// All recursive functions are marked //go:noinline so every level is a real
// stack frame (the compiler never inlines recursive calls anyway).
//
// Usage: recursion <out.pb.gz>
package main

import (
	"fmt"
	"os"
	"runtime"
	"runtime/pprof"
)

// Retained allocations (inuse).
var (
	keepTree []*node
	keepPing [][]byte
	keepFlat [][]int
)

type node struct {
	depth int
	data  []byte
	next  *node
}

// descend recurses directly, allocating a node and a buffer at each level.
//
//go:noinline
func descend(depth int) *node {
	n := &node{depth: depth, data: make([]byte, 64*(depth+1))}
	if depth < 10 {
		n.next = descend(depth + 1)
	}
	return n
}

// ping and pong recurse mutually, each allocating at every level.
//
//go:noinline
func ping(depth int) []byte {
	b := make([]byte, 128)
	if depth < 8 {
		b = append(b, pong(depth+1)...)
	}
	return b
}

//go:noinline
func pong(depth int) []byte {
	b := make([]byte, 96)
	if depth < 8 {
		b = append(b, ping(depth+1)...)
	}
	return b
}

// flat allocates without any recursion.
//
//go:noinline
func flat(n int) []int { return make([]int, n) }

func main() {
	runtime.MemProfileRate = 1 // record every single allocation

	if len(os.Args) != 2 {
		fmt.Fprintln(os.Stderr, "usage: recursion <out.pb.gz>")
		os.Exit(2)
	}

	for i := 0; i < 20; i++ {
		t := descend(0)
		if i%4 == 0 {
			keepTree = append(keepTree, t) // keep 5 of 20 trees
		}
	}
	for i := 0; i < 20; i++ {
		b := ping(0)
		if i%5 == 0 {
			keepPing = append(keepPing, b) // keep 4 of 20 results
		}
	}
	for i := 0; i < 50; i++ {
		s := flat(100)
		if i%10 == 0 {
			keepFlat = append(keepFlat, s) // keep 5 of 50 slices
		}
	}

	runtime.GC() // settle the profile (it reflects the last completed GC)

	f, err := os.Create(os.Args[1])
	if err == nil {
		err = pprof.WriteHeapProfile(f) // gzipped protobuf
	}
	if err == nil {
		err = f.Close()
	}
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}

	runtime.KeepAlive(keepTree)
	runtime.KeepAlive(keepPing)
	runtime.KeepAlive(keepFlat)
}
