// Command fragment leaves the heap in the state the runtime.MemStats
// diagnosis is about: fragmented and holding idle memory it has not yet
// returned to the OS.
//
//   - Fragmentation: it allocates 400,000 objects of 48 bytes and keeps one
//     in 32. Every 8 KiB span of that size class keeps a live object, so no
//     span can be freed: HeapInuse (spans in use) stays far above HeapAlloc
//     (live bytes).
//   - Idle memory: it allocates 256 MiB in 1 MiB buffers and drops them. After
//     the GC the spans are free (HeapIdle) but the scavenger returns memory
//     to the OS slowly, in the background, so most of it is not yet released
//     (HeapIdle − HeapReleased) when the profile is written right away.
//
// It writes the legacy text heap profile (debug=1, default MemProfileRate)
// whose runtime.MemStats block `heapscope memstats` reads.
//
// Usage: fragment <out.heap.txt>
package main

import (
	"fmt"
	"os"
	"runtime"
	"runtime/pprof"
)

type small struct{ a, b, c, d, e, f int64 } // 48 bytes

var (
	kept []*small
	big  [][]byte
)

func fragmentHeap() {
	for i := 0; i < 400000; i++ {
		s := &small{a: int64(i)}
		if i%32 == 0 {
			kept = append(kept, s)
		}
	}
}

func growAndDrop() {
	for i := 0; i < 256; i++ {
		big = append(big, make([]byte, 1<<20))
	}
	big = nil
}

func main() {
	if len(os.Args) != 2 {
		fmt.Fprintln(os.Stderr, "usage: fragment <out.heap.txt>")
		os.Exit(2)
	}
	fragmentHeap()
	growAndDrop()
	runtime.GC()
	f, err := os.Create(os.Args[1])
	if err != nil {
		panic(err)
	}
	if err := pprof.Lookup("heap").WriteTo(f, 1); err != nil {
		panic(err)
	}
	if err := f.Close(); err != nil {
		panic(err)
	}
	fmt.Fprintf(os.Stderr, "fragment: kept %d small objects\n", len(kept))
}
