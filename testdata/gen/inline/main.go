// Command inline writes a heap profile whose stacks contain inlined frames.
//
// Shape of the profile:
//   - a three-level inline chain: outer -> mid -> newBuf, all three inlined
//     into the non-inlined caller chainWork, so a single profile Location
//     carries four Line entries (newBuf, mid, outer, chainWork);
//   - newBuf is also called through a function value from viaFuncValue, which
//     the compiler cannot inline, so newBuf also appears as a real
//     (out-of-line) frame. The node main.newBuf is therefore reached through
//     both inline and non-inline edges;
//   - a small inlined constructor of a struct (newPoint) and some plain,
//     non-inlined allocations (makeTable) for contrast;
//   - part of every kind of allocation is kept alive in global variables and
//     part is dropped, so inuse_* and alloc_* differ and are both non-zero.
//
// Check the inlining decisions with:  go build -gcflags=-m 2>&1 | grep inlin
//
// Usage: inline <out.pb.gz> <out.heap.txt>
// It writes the legacy text form (debug=1) of the heap profile and, right
// after it with no GC in between, the gzipped protobuf form
// (pprof.WriteHeapProfile) of the same profile.
package main

import (
	"fmt"
	"os"
	"runtime"
	"runtime/pprof"
)

// Retained allocations: these stay reachable, so they show up in inuse_*.
var (
	keepBufs   [][]byte
	keepPoints []*point
	keepTable  map[int]string
)

type point struct{ x, y, z int64 }

// newBuf is the leaf allocator (small enough to be inlined everywhere).
func newBuf(n int) []byte { return make([]byte, n) }

// mid is inlined into outer, and newBuf is inlined into mid.
func mid(n int) []byte { return newBuf(n * 2) }

// outer completes the chain: outer -> mid -> newBuf, all inlined.
func outer(n int) []byte { return mid(n + 1) }

// newPoint is an inlined constructor of a heap-allocated struct.
func newPoint(i int) *point { return &point{int64(i), int64(i * 2), int64(i * 3)} }

// chainWork allocates through the inlined three-level chain.
//
//go:noinline
func chainWork() {
	for i := 0; i < 200; i++ {
		b := outer(100) // 202 bytes each
		if i%4 == 0 {
			keepBufs = append(keepBufs, b) // keep one in four
		}
	}
}

// viaFuncValue calls newBuf through a function value: an indirect call that
// cannot be inlined, so newBuf runs as its own frame here.
//
//go:noinline
func viaFuncValue(alloc func(int) []byte) {
	for i := 0; i < 100; i++ {
		b := alloc(1000)
		if i%2 == 0 {
			keepBufs = append(keepBufs, b) // keep one in two
		}
	}
}

// pointWork allocates structs through the inlined constructor newPoint.
//
//go:noinline
func pointWork() {
	for i := 0; i < 500; i++ {
		p := newPoint(i)
		if i%5 == 0 {
			keepPoints = append(keepPoints, p)
		}
	}
}

// makeTable is an ordinary, non-inlined allocation site (map + strings).
//
//go:noinline
func makeTable() map[int]string {
	m := make(map[int]string)
	for i := 0; i < 300; i++ {
		m[i] = fmt.Sprintf("entry-%04d", i)
	}
	return m
}

func main() {
	runtime.MemProfileRate = 1 // record every single allocation

	if len(os.Args) != 3 {
		fmt.Fprintln(os.Stderr, "usage: inline <out.pb.gz> <out.heap.txt>")
		os.Exit(2)
	}

	chainWork()
	viaFuncValue(newBuf)
	pointWork()
	keepTable = makeTable()
	_ = makeTable() // dropped: alloc only

	// Settle the profile: it only reflects allocations/frees up to the last
	// completed GC cycle. Both files below are written without a GC in
	// between, so they describe the same data.
	runtime.GC()

	// The text form is written first: it lists every profile bucket that
	// exists, and writing a profile itself allocates (into buckets that stay
	// all-zero until the next GC). Writing the text first keeps it small; the
	// protobuf then carries those buckets as samples whose four values are
	// all 0 (pprof skips such samples), which real profiles contain too.
	txt, err := os.Create(os.Args[2])
	check(err)
	check(pprof.Lookup("heap").WriteTo(txt, 1)) // legacy text format
	check(txt.Close())

	pb, err := os.Create(os.Args[1])
	check(err)
	check(pprof.WriteHeapProfile(pb)) // gzipped protobuf
	check(pb.Close())

	runtime.KeepAlive(keepBufs)
	runtime.KeepAlive(keepPoints)
	runtime.KeepAlive(keepTable)
}

func check(err error) {
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
}
