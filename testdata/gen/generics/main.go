// Command generics writes a Go 1.25 heap profile whose frames are generic
// instantiations and inlined calls.
//
// Shape of the profile:
//   - Collect[T Sizer] instantiated with the interface Sizer itself, so its
//     shape holds parentheses and semicolons:
//     main.Collect[go.shape.interface { Key() string; Size() (int, error) }],
//     and with a pointer type (main.Collect[go.shape.*uint8]);
//   - a generic method, (*Cache[K, V]).Put, at two instantiations;
//   - newBlock, small enough to be inlined into both of its callers, so
//     their locations carry two lines each;
//   - part of everything kept in globals, part dropped: inuse_* and alloc_*
//     differ and are both non-zero.
//
// Check the inlining decisions with:  go build -gcflags=-m 2>&1 | grep inlin
//
// Usage: generics <out.pb.gz>
package main

import (
	"fmt"
	"os"
	"runtime"
	"runtime/pprof"
	"strconv"
)

// Sizer is what Collect sizes: a method returning (int, error) puts
// parentheses into the shape of Collect[Sizer].
type Sizer interface {
	Key() string
	Size() (int, error)
}

type file struct {
	name string
	n    int
}

func (f file) Key() string { return f.name }

func (f file) Size() (int, error) {
	if f.n < 0 {
		return 0, fmt.Errorf("%s: negative size", f.name)
	}
	return f.n, nil
}

type blob struct{ n int }

func (b *blob) Key() string        { return "blob" + strconv.Itoa(b.n) }
func (b *blob) Size() (int, error) { return b.n, nil }

// Collect allocates one buffer per item, sized by the item.
//
//go:noinline
func Collect[T Sizer](items []T) map[string][]byte {
	out := make(map[string][]byte, len(items))
	for _, it := range items {
		n, err := it.Size()
		if err != nil {
			continue
		}
		out[it.Key()] = make([]byte, n)
	}
	return out
}

// Cache is a generic map with a generic method.
type Cache[K comparable, V any] struct {
	m map[K]*V
}

//go:noinline
func (c *Cache[K, V]) Put(k K, v V) {
	if c.m == nil {
		c.m = make(map[K]*V)
	}
	p := new(V)
	*p = v
	c.m[k] = p
}

// newBlock is inlined into its callers.
func newBlock(n int) []byte { return make([]byte, n) }

//go:noinline
func fillBlocks(n int) [][]byte {
	out := make([][]byte, 0, n)
	for i := 0; i < n; i++ {
		out = append(out, newBlock(4096))
	}
	return out
}

//go:noinline
func scratch(n int) int {
	total := 0
	for i := 0; i < n; i++ {
		total += len(newBlock(1024 + i%7))
	}
	return total
}

var (
	keepMaps   []map[string][]byte
	keepBlocks [][]byte
	keepInts   Cache[int, [64]byte]
	keepNames  Cache[string, string]
)

func main() {
	runtime.MemProfileRate = 1
	if len(os.Args) != 2 {
		fmt.Fprintln(os.Stderr, "usage: generics <out.pb.gz>")
		os.Exit(2)
	}

	var ifaces []Sizer
	for i := 0; i < 200; i++ {
		ifaces = append(ifaces, file{name: "f" + strconv.Itoa(i), n: 512 + i})
	}
	var blobs []*blob
	for i := 0; i < 100; i++ {
		blobs = append(blobs, &blob{n: 2048})
	}
	for round := 0; round < 3; round++ {
		a := Collect(ifaces)
		b := Collect(blobs)
		if round == 0 {
			keepMaps = append(keepMaps, a, b)
		}
	}
	keepBlocks = fillBlocks(64)
	_ = scratch(500)
	for i := 0; i < 300; i++ {
		keepInts.Put(i, [64]byte{byte(i)})
		keepNames.Put("k"+strconv.Itoa(i), "v"+strconv.Itoa(i))
	}

	runtime.GC()
	f, err := os.Create(os.Args[1])
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	if err := pprof.Lookup("heap").WriteTo(f, 0); err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	if err := f.Close(); err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
}
