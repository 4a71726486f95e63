// Command stuck leaks goroutines: each request starts a worker that waits
// for a reply on a channel nobody ever sends on, so it blocks forever. Each
// worker blocks deep in a recursive parse, so its stack grew to 32 KiB and
// stays that size while it waits, holding its 1 KiB request
// state on the heap. 3,000 requests leave 3,000 goroutines and about
// 96 MiB of goroutine stacks.
//
// Run it with GODEBUG=gctrace=1 and keep stderr. At the end (after
// runtime.GC()) it writes the gzipped protobuf heap profile and the
// debug=1 text form (with its runtime.MemStats block).
//
// Usage: stuck <out.pb.gz> <out.heap.txt>
package main

import (
	"fmt"
	"os"
	"runtime"
	"runtime/pprof"
	"time"
)

const requests = 3000

type request struct {
	id    int
	state [1000]byte
}

// newRequest is the per-request state a worker holds.
//
//go:noinline
func newRequest(i int) *request {
	return &request{id: i}
}

// parse recurses with a 1 KiB frame, growing the goroutine's stack, and
// at the bottom waits for the reply: the deep stack stays in use (the GC
// shrinks only stacks that use less than a quarter of their size).
//
//go:noinline
func parse(depth int, buf *[1024]byte, reply chan []byte) byte {
	var local [1024]byte
	local[depth%1024] = buf[depth%1024]
	if depth == 0 {
		started <- struct{}{}
		r := <-reply // nobody sends: blocked forever
		return local[0] + byte(len(r))
	}
	return parse(depth-1, &local, reply) + local[1]
}

var started = make(chan struct{}, requests)

// worker handles one request and waits for a reply that never comes.
//
//go:noinline
func worker(r *request, reply chan []byte) {
	var buf [1024]byte
	r.state[0] = parse(20, &buf, reply)
}

// serve starts one worker per request and forgets its channel.
//
//go:noinline
func serve(i int) {
	go worker(newRequest(i), make(chan []byte))
}

func main() {
	if len(os.Args) != 3 {
		fmt.Fprintln(os.Stderr, "usage: stuck <out.pb.gz> <out.heap.txt>")
		os.Exit(2)
	}
	for i := 0; i < requests; i++ {
		serve(i)
		if i%500 == 499 {
			time.Sleep(50 * time.Millisecond)
		}
	}
	for i := 0; i < requests; i++ {
		<-started
	}
	runtime.GC()
	write(os.Args[1], func(f *os.File) error { return pprof.WriteHeapProfile(f) })
	write(os.Args[2], func(f *os.File) error { return pprof.Lookup("heap").WriteTo(f, 1) })
	fmt.Fprintf(os.Stderr, "stuck: %d goroutines\n", runtime.NumGoroutine())
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
