// Command loader reads a stream of key/value records into memory, the way a
// configuration or cache loader does. Most values are small, but one key
// ("catalog") holds a huge value, which the loader reads whole with
// io.ReadAll into a growing buffer before it parses it. Its live heap runs
// away: it rises for as long as the value keeps coming, and the garbage that
// parsing the small records makes keeps the GC cycling all along.
//
// Run it with GODEBUG=gctrace=1 and keep stderr. At the end it writes the
// gzipped protobuf heap profile and the debug=1 text form (with its
// runtime.MemStats block), in which io.ReadAll under main.load holds nearly
// all of the heap.
//
// Usage: loader <out.pb.gz> <out.heap.txt>
package main

import (
	"bufio"
	"encoding/binary"
	"fmt"
	"io"
	"os"
	"runtime/pprof"
	"strings"
	"time"
)

// hugeValue is the size of the "catalog" value: the live heap reaches about
// this much (and the heap twice as much, with GOGC=100).
const hugeValue = 96 << 20

// stream produces the records: a 4-byte key length, the key, a 4-byte value
// length, the value. The huge value trickles in, as from a slow network.
type stream struct {
	buf  []byte // what is left of the current header or small value
	big  int    // bytes of the huge value left to produce
	recs int    // small records produced
}

func (s *stream) Read(p []byte) (int, error) {
	if len(s.buf) == 0 && s.big == 0 {
		s.recs++
		switch {
		case s.recs == 200:
			s.buf = header("catalog", hugeValue)
			s.big = hugeValue
		case s.recs > 400:
			return 0, io.EOF
		default:
			key := fmt.Sprintf("key-%d", s.recs)
			val := strings.Repeat("v", 100+s.recs%900)
			s.buf = append(header(key, len(val)), val...)
		}
	}
	if len(s.buf) > 0 {
		n := copy(p, s.buf)
		s.buf = s.buf[n:]
		return n, nil
	}
	// 64 KiB at a time, with a little pause now and then.
	n := min(len(p), s.big, 64<<10)
	for i := range p[:n] {
		p[i] = byte('a' + i%26)
	}
	s.big -= n
	if s.big%(1<<20) < n {
		time.Sleep(8 * time.Millisecond)
	}
	return n, nil
}

func header(key string, n int) []byte {
	b := binary.BigEndian.AppendUint32(nil, uint32(len(key)))
	b = append(b, key...)
	return binary.BigEndian.AppendUint32(b, uint32(n))
}

var sink int

// parseSmall builds the record the loader keeps for a small value; the
// fields are garbage.
func parseSmall(v []byte) string {
	fields := strings.Fields(strings.Repeat(string(v)+" ", 4))
	sink += len(fields)
	return strings.ToUpper(string(v[:min(len(v), 32)]))
}

// load reads every record; the huge one is read whole with io.ReadAll.
func load(r io.Reader) (map[string]string, []byte, error) {
	kept := map[string]string{}
	var catalog []byte
	var n [4]byte
	for {
		if _, err := io.ReadFull(r, n[:]); err == io.EOF {
			return kept, catalog, nil
		} else if err != nil {
			return nil, nil, err
		}
		key := make([]byte, binary.BigEndian.Uint32(n[:]))
		if _, err := io.ReadFull(r, key); err != nil {
			return nil, nil, err
		}
		if _, err := io.ReadFull(r, n[:]); err != nil {
			return nil, nil, err
		}
		size := int64(binary.BigEndian.Uint32(n[:]))
		if string(key) == "catalog" {
			fmt.Fprintf(os.Stderr, "loader: reading catalog (%d MiB)\n", size>>20)
			// The whole value in memory: io.ReadAll grows its buffer as the
			// bytes come, and the garbage of each smaller copy goes to the GC.
			v, err := io.ReadAll(&churning{io.LimitReader(r, size)})
			if err != nil {
				return nil, nil, err
			}
			catalog = v
			continue
		}
		v := make([]byte, size)
		if _, err := io.ReadFull(r, v); err != nil {
			return nil, nil, err
		}
		kept[string(key)] = parseSmall(v)
	}
}

// churning stands for the work the loader does as each chunk arrives
// (checksums, progress reports): short-lived garbage.
type churning struct{ r io.Reader }

func (c *churning) Read(p []byte) (int, error) {
	n, err := c.r.Read(p)
	scratch := make([]byte, 256<<10)
	sink += copy(scratch, p[:n])
	return n, err
}

func main() {
	if len(os.Args) != 3 {
		fmt.Fprintln(os.Stderr, "usage: loader <out.pb.gz> <out.heap.txt>")
		os.Exit(2)
	}
	kept, catalog, err := load(bufio.NewReader(&stream{}))
	if err != nil {
		panic(err)
	}
	fmt.Fprintf(os.Stderr, "loader: %d small records, catalog %d MiB\n", len(kept), len(catalog)>>20)
	write(os.Args[1], func(f *os.File) error { return pprof.WriteHeapProfile(f) })
	write(os.Args[2], func(f *os.File) error { return pprof.Lookup("heap").WriteTo(f, 1) })
	sink += len(catalog) + len(kept)
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
