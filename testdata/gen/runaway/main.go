// Command runaway is a loader that buffers a huge value: it parses a stream
// of records and appends every one of them to one in-memory document that it
// would write out at the end, so its live heap rises cycle after cycle until
// the end. Parsing also makes short-lived garbage, so the GC runs often.
//
// Run it with GODEBUG=gctrace=1 and keep stderr. At the end it writes the
// legacy text heap profile (debug=1, default MemProfileRate), in which the
// function that holds the document stands out.
//
// Usage: runaway <out.heap.txt>
package main

import (
	"bytes"
	"fmt"
	"os"
	"runtime/pprof"
	"strings"
)

// document is what the loader buffers: every record it has read.
type document struct {
	records [][]byte
	index   map[string]int
}

// parse turns a raw line into a record; the fields slice is garbage.
func parse(line string) []byte {
	fields := strings.Split(line, ";")
	var b bytes.Buffer
	for _, f := range fields {
		b.WriteString(strings.ToUpper(f))
	}
	return b.Bytes()
}

func (d *document) add(key string, rec []byte) {
	d.records = append(d.records, rec)
	d.index[key] = len(d.records) - 1
}

func main() {
	if len(os.Args) != 2 {
		fmt.Fprintln(os.Stderr, "usage: runaway <out.heap.txt>")
		os.Exit(2)
	}
	d := &document{index: make(map[string]int)}
	field := strings.Repeat("abcdefgh", 16)
	for i := 0; i < 120000; i++ {
		line := fmt.Sprintf("%d;%s;%s;%s;%s;%s;%s;%s;%s", i, field, field, field, field, field, field, field, field)
		d.add(fmt.Sprintf("rec-%d", i), parse(line))
		if i%20000 == 0 {
			fmt.Fprintf(os.Stderr, "runaway: %d records buffered\n", i)
		}
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
	fmt.Fprintf(os.Stderr, "runaway: %d records, index %d\n", len(d.records), len(d.index))
}
