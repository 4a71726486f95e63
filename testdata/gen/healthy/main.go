// Command healthy is a service in good shape: a bounded cache of 16 MiB
// that it refreshes, request buffers taken from a sync.Pool, and a modest
// request rate. Its live heap stays flat and the GC runs a few times a
// second at a small share of the CPU.
//
// It serves requests from 4 goroutines for about 4 s, each request
// replacing one cache entry (the old one becomes garbage) and rendering a
// reply into a pooled buffer.
//
// Run it with GODEBUG=gctrace=1 and keep stderr. At the end it writes the
// gzipped protobuf heap profile and the debug=1 text form (with its
// runtime.MemStats block).
//
// Usage: healthy <out.pb.gz> <out.heap.txt>
package main

import (
	"bytes"
	"fmt"
	"os"
	"runtime/pprof"
	"strconv"
	"sync"
	"time"
)

const entries, entrySize = 4096, 4 << 10

// cache is the live set: entries × entrySize bytes, refreshed in place.
type cache struct {
	mu    sync.Mutex
	items [entries][]byte
}

func (c *cache) refresh(i int) {
	v := make([]byte, entrySize)
	v[0] = byte(i)
	c.mu.Lock()
	c.items[i%entries] = v
	c.mu.Unlock()
}

var bufs = sync.Pool{New: func() any { return new(bytes.Buffer) }}

var (
	sinkMu sync.Mutex
	sink   int
)

// serve renders one reply into a pooled buffer.
func serve(c *cache, i int) {
	c.refresh(i)
	b := bufs.Get().(*bytes.Buffer)
	b.Reset()
	for j := 0; j < 32; j++ {
		b.WriteString(strconv.Itoa(i + j))
		b.WriteByte(',')
	}
	sinkMu.Lock()
	sink += b.Len()
	sinkMu.Unlock()
	bufs.Put(b)
}

func main() {
	if len(os.Args) != 3 {
		fmt.Fprintln(os.Stderr, "usage: healthy <out.pb.gz> <out.heap.txt>")
		os.Exit(2)
	}
	c := &cache{}
	for i := 0; i < entries; i++ {
		c.refresh(i)
	}
	deadline := time.Now().Add(4 * time.Second)
	var wg sync.WaitGroup
	for g := 0; g < 4; g++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			// About 2,000 requests a second each: 4 KiB of garbage per request,
			// some 32 MB a second in all.
			for i := g; time.Now().Before(deadline); i += 4 {
				serve(c, i)
				if i%80 == g {
					time.Sleep(10 * time.Millisecond)
				}
			}
		}()
	}
	wg.Wait()
	fmt.Fprintf(os.Stderr, "healthy: served, sink %d\n", sink)
	write(os.Args[1], func(f *os.File) error { return pprof.WriteHeapProfile(f) })
	write(os.Args[2], func(f *os.File) error { return pprof.Lookup("heap").WriteTo(f, 1) })
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
