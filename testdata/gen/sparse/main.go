// Command sparse fragments its heap: it parses 400,000 small records of
// 208 bytes (one size class) into a batch, indexes one in 16 and drops the
// batch. Each 8 KiB span of that class held 39 records and keeps two or
// three of them alive, so no span can be freed: the spans in use
// (HeapInuse) stay near the 80 MB the records took while the live bytes
// (HeapAlloc) are a sixteenth of that. It is not a leak: the live heap is
// flat after the load.
//
// Run it with GODEBUG=gctrace=1 and keep stderr. At the end (after
// runtime.GC()) it writes the gzipped protobuf heap profile and the
// debug=1 text form (with its runtime.MemStats block).
//
// Usage: sparse <out.pb.gz> <out.heap.txt>
package main

import (
	"fmt"
	"os"
	"runtime"
	"runtime/pprof"
	"time"
)

// record is 208 bytes: a size class of its own.
type record struct {
	id    int64
	key   [64]byte
	value [136]byte
}

var index []*record

// parseRecord makes one record.
//
//go:noinline
func parseRecord(i int) *record {
	r := &record{id: int64(i)}
	r.key[0] = byte(i)
	return r
}

// load parses n records into a batch, then indexes one in 16 of them.
//
//go:noinline
func load(n int) {
	batch := make([]*record, n)
	for i := range batch {
		batch[i] = parseRecord(i)
	}
	for i := 0; i < n; i += 16 {
		index = append(index, batch[i])
	}
}

func main() {
	if len(os.Args) != 3 {
		fmt.Fprintln(os.Stderr, "usage: sparse <out.pb.gz> <out.heap.txt>")
		os.Exit(2)
	}
	index = make([]*record, 0, 400000/16)
	load(400000)
	// The service then runs on its index for a while.
	time.Sleep(300 * time.Millisecond)
	runtime.GC()
	write(os.Args[1], func(f *os.File) error { return pprof.WriteHeapProfile(f) })
	write(os.Args[2], func(f *os.File) error { return pprof.Lookup("heap").WriteTo(f, 1) })
	fmt.Fprintf(os.Stderr, "sparse: %d records indexed\n", len(index))
}

func write(path string, w func(*os.File) error) {
	f, err := os.Create(path)
	if err != nil {
		panic(err)
	}
	if err := w(f); err != nil {
		panic(err)
	}
	if err := f.Close(); err != nil {
		panic(err)
	}
}
