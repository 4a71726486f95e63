// Command churn is a steady service: a bounded cache (a ring of entries)
// refreshed by a stream of requests, each of which also builds short-lived
// garbage. Its live heap stays flat while the GC runs many cycles.
//
// It keeps the default MemProfileRate (512 KiB), so its heap profiles are
// sampled and every record is scaled up by pprof (and by heapscope). At the
// end it forces a GC, then writes the legacy text form (debug=1, with its
// runtime.MemStats block) and, right after it with no GC in between, the
// gzipped protobuf form of the same profile.
//
// Run it with GODEBUG=gctrace=1,scavtrace=1 and keep stderr: the GC trace,
// the scavenger's lines and the program's own progress lines, interleaved.
//
// Usage: churn <out.pb.gz> <out.heap.txt>
package main

import (
	"fmt"
	"os"
	"runtime"
	"runtime/pprof"
	"strconv"
	"strings"
	"time"
)

type entry struct {
	key     string
	payload []byte
	tags    []string
}

// cache holds the live set: the latest len(cache) entries.
var cache [4096]*entry

// newPayload is small enough to be inlined into handle.
func newPayload(n int) []byte { return make([]byte, n) }

func makeTags(id int) []string {
	tags := make([]string, 0, 4)
	for i := 0; i < 3; i++ {
		tags = append(tags, fmt.Sprintf("t%d-%d", i, id%97))
	}
	return tags
}

// render builds a response that is thrown away: pure garbage.
func render(e *entry) string {
	var b strings.Builder
	b.WriteString(e.key)
	for _, t := range e.tags {
		b.WriteString(",")
		b.WriteString(t)
	}
	b.WriteString(strings.Repeat("x", len(e.payload)/2))
	return b.String()
}

var sink int

func handle(id int) {
	e := &entry{
		key:     strconv.Itoa(id),
		payload: newPayload(512 + id%2048),
		tags:    makeTags(id),
	}
	sink += len(render(e))
	cache[id%len(cache)] = e
}

func main() {
	if len(os.Args) != 3 {
		fmt.Fprintln(os.Stderr, "usage: churn <out.pb.gz> <out.heap.txt>")
		os.Exit(2)
	}
	const rounds, perRound = 20, 20000
	for round := 0; round < rounds; round++ {
		for i := 0; i < perRound; i++ {
			handle(round*perRound + i)
		}
		fmt.Fprintf(os.Stderr, "churn: round %d done, %d requests served\n", round, (round+1)*perRound)
		time.Sleep(10 * time.Millisecond)
	}
	runtime.GC()
	text, err := os.Create(os.Args[2])
	if err != nil {
		panic(err)
	}
	if err := pprof.Lookup("heap").WriteTo(text, 1); err != nil {
		panic(err)
	}
	if err := text.Close(); err != nil {
		panic(err)
	}
	pb, err := os.Create(os.Args[1])
	if err != nil {
		panic(err)
	}
	if err := pprof.WriteHeapProfile(pb); err != nil {
		panic(err)
	}
	if err := pb.Close(); err != nil {
		panic(err)
	}
	fmt.Fprintf(os.Stderr, "churn: done (%d)\n", sink%10)
}
