// Command thrash is a service that makes the GC thrash: it holds a large
// live set (a map of 64 MiB of values) and runs with GOGC=5
// (debug.SetGCPercent(5)), so each cycle may only grow the heap 5% past the
// live heap before the next one starts. Cycles come back to back, each
// reclaiming little, and the GC takes a large share of the CPU.
//
// Run it with GODEBUG=gctrace=1 and keep stderr. At the end it writes the
// legacy text heap profile (debug=1), whose runtime.MemStats block shows the
// GC's CPU share.
//
// Usage: thrash <out.heap.txt>
package main

import (
	"fmt"
	"os"
	"runtime/debug"
	"runtime/pprof"
	"time"
)

var live = map[int][]byte{}

var (
	sink    int
	lastBuf []byte
)

// work allocates a 4 KiB buffer that escapes (it is kept until the next
// call), as a request handler's scratch buffer would.
func work(i int) {
	buf := make([]byte, 4096)
	buf[i%len(buf)] = byte(i)
	sink += int(buf[0])
	lastBuf = buf
}

func main() {
	if len(os.Args) != 2 {
		fmt.Fprintln(os.Stderr, "usage: thrash <out.heap.txt>")
		os.Exit(2)
	}
	for i := 0; i < 16384; i++ {
		live[i] = make([]byte, 4096)
	}
	debug.SetGCPercent(5)
	start := time.Now()
	for i := 0; time.Since(start) < 1500*time.Millisecond; i++ {
		work(i)
	}
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
	fmt.Fprintf(os.Stderr, "thrash: done (%d entries, %d)\n", len(live), sink%10)
}
