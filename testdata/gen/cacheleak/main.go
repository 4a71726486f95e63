// Command cacheleak is a service whose response cache is never evicted,
// beside a site that keeps the same memory all along (a bounded session
// table refreshed in place) and one that swings up and down (the current
// batch, large in odd rounds and small in even ones).
//
// It runs 5 rounds of 2,000 requests, about 0.2 s apart. Each request puts
// a fresh 4 KiB response into the cache under a new key, so the cache (and
// the live heap) grows by about 8 MB a round and never shrinks.
//
// Rendering's 128 KiB scratch buffers keep the GC running (a few dozen
// cycles a second), so the 5 forced cycles below are a small share of all.
//
// Run it with GODEBUG=gctrace=1 and keep stderr. After each round it runs
// runtime.GC() and writes a heap profile: rounds 1–4 to <prefix>.N.pb.gz
// (N = 1…4), round 5 to <out.pb.gz>, right before the debug=1 text form
// (with its runtime.MemStats block).
//
// Usage: cacheleak <out.pb.gz> <out.heap.txt>
package main

import (
	"fmt"
	"os"
	"runtime"
	"runtime/pprof"
	"strings"
	"time"
)

const (
	rounds      = 5
	perRound    = 2000
	respSize    = 4 << 10
	sessions    = 1024
	sessionSize = 2 << 10
)

// responseCache keeps every response it is given: nothing evicts.
type responseCache struct {
	m map[string][]byte
}

//go:noinline
func (c *responseCache) Put(key string, resp []byte) {
	c.m[key] = resp
}

var (
	sink int
	// scratchSize is a variable so that the scratch buffer goes on the heap.
	scratchSize = 32 * respSize
)

// render builds a response in a scratch buffer (garbage at once) and
// returns a copy.
//
//go:noinline
func render(i int) []byte {
	scratch := make([]byte, scratchSize)
	scratch[i%len(scratch)] = byte(i)
	sink += int(scratch[0])
	b := make([]byte, respSize)
	b[0] = byte(i)
	return b
}

// sessionTable is bounded: slot i%sessions is replaced in place.
type sessionTable struct {
	slots [sessions][]byte
}

//go:noinline
func (s *sessionTable) touch(i int) {
	v := make([]byte, sessionSize)
	v[0] = byte(i)
	s.slots[i%sessions] = v
}

var batch [][]byte

// loadBatch replaces the current batch: 2,000 × 1 KiB in odd rounds,
// 200 × 1 KiB in even rounds.
//
//go:noinline
func loadBatch(round int) {
	n := 200
	if round%2 == 1 {
		n = 2000
	}
	b := make([][]byte, n)
	for i := range b {
		b[i] = make([]byte, 1024)
	}
	batch = b
}

func main() {
	if len(os.Args) != 3 {
		fmt.Fprintln(os.Stderr, "usage: cacheleak <out.pb.gz> <out.heap.txt>")
		os.Exit(2)
	}
	cache := &responseCache{m: make(map[string][]byte, rounds*perRound)}
	table := &sessionTable{}
	prefix := strings.TrimSuffix(os.Args[1], ".pb.gz")
	for round := 1; round <= rounds; round++ {
		if round > 1 {
			time.Sleep(200 * time.Millisecond)
		}
		for i := 0; i < perRound; i++ {
			n := (round-1)*perRound + i
			table.touch(n)
			cache.Put(fmt.Sprintf("/item/%d", n), render(n))
		}
		loadBatch(round)
		runtime.GC()
		path := os.Args[1]
		if round < rounds {
			path = fmt.Sprintf("%s.%d.pb.gz", prefix, round)
		}
		write(path, func(f *os.File) error { return pprof.WriteHeapProfile(f) })
	}
	write(os.Args[2], func(f *os.File) error { return pprof.Lookup("heap").WriteTo(f, 1) })
	fmt.Fprintf(os.Stderr, "cacheleak: %d responses cached\n", len(cache.m))
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
