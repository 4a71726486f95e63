// Command proxy is a TCP proxy that gives every connection fresh buffers:
// a 64 KiB read buffer and a 64 KiB bufio.Writer, allocated per connection
// and dropped when it closes, with no pooling. Its live heap stays small (a
// routing table and the open connections), but it allocates its live heap
// many times over every second, so the GC runs hundreds of times a second.
//
// Clients on 127.0.0.1 open short connections, send a request and read the
// echoed reply; the proxy copies each request to an in-process backend and
// the reply back. It runs for about 2.5 s.
//
// Run it with GODEBUG=gctrace=1 and keep stderr. At the end it writes the
// gzipped protobuf heap profile and the debug=1 text form (with its
// runtime.MemStats block): main.handle's buffers dominate alloc_space and
// are absent from inuse_space.
//
// Usage: proxy <out.pb.gz> <out.heap.txt>
package main

import (
	"bufio"
	"bytes"
	"fmt"
	"io"
	"net"
	"os"
	"runtime/pprof"
	"sync"
	"sync/atomic"
	"time"
)

const bufSize = 64 << 10

// routes is the proxy's live state: a routing table of 4096 entries.
var routes = func() map[string][]byte {
	m := make(map[string][]byte, 4096)
	for i := 0; i < 4096; i++ {
		m[fmt.Sprintf("route-%d", i)] = make([]byte, 1024)
	}
	return m
}()

// backend answers a request with its bytes reversed.
func backend(req []byte) []byte {
	out := make([]byte, len(req))
	for i, b := range req {
		out[len(req)-1-i] = b
	}
	return out
}

// handle serves one connection with buffers of its own: nothing is pooled.
func handle(c net.Conn) {
	defer c.Close()
	buf := make([]byte, bufSize)
	w := bufio.NewWriterSize(c, bufSize)
	n, err := io.ReadFull(c, buf[:4096])
	if err != nil {
		return
	}
	route := routes[fmt.Sprintf("route-%d", n%4096)]
	w.Write(backend(buf[:n]))
	w.Write(route[:16])
	w.Flush()
}

func main() {
	if len(os.Args) != 3 {
		fmt.Fprintln(os.Stderr, "usage: proxy <out.pb.gz> <out.heap.txt>")
		os.Exit(2)
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		panic(err)
	}
	go func() {
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			go handle(c)
		}
	}()

	var served atomic.Int64
	deadline := time.Now().Add(2500 * time.Millisecond)
	req := bytes.Repeat([]byte("GET /item HTTP/1.1\r\n"), 4096/20+1)[:4096]
	var wg sync.WaitGroup
	for i := 0; i < 4; i++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			reply := make([]byte, 4096+16)
			for time.Now().Before(deadline) {
				c, err := net.Dial("tcp", ln.Addr().String())
				if err != nil {
					panic(err)
				}
				if _, err := c.Write(req); err != nil {
					panic(err)
				}
				if _, err := io.ReadFull(c, reply); err != nil {
					panic(err)
				}
				c.Close()
				served.Add(1)
			}
		}()
	}
	wg.Wait()
	ln.Close()
	fmt.Fprintf(os.Stderr, "proxy: %d connections served\n", served.Load())
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
