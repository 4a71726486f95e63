package gotest

import (
	"os"
	"runtime"
	"testing"
)

// TestMain records every allocation (MemProfileRate = 1) before any test
// runs. With -memprofile, the testing package runs a GC after the tests and
// writes the heap profile (gzipped protobuf) with pprof.Lookup("heap").
func TestMain(m *testing.M) {
	runtime.MemProfileRate = 1
	os.Exit(m.Run())
}

// TestX allocates plenty through Render and Fields but retains nothing, so
// its allocations appear in alloc_objects/alloc_space only: every stack
// through TestX has inuse_objects = inuse_space = 0.
//
// The profile's inuse_* totals are small but NOT zero: the Go runtime and the
// testing framework keep some of their own allocations alive (goroutine
// descriptors from runtime.malg, the compiled -run regexp, sync.Pool shards,
// the *os.File the profile is written to, ...). `-focus=TestX` on inuse_*
// gives an all-zero view of this real profile.
func TestX(t *testing.T) {
	total := 0
	for i := 0; i < 200; i++ {
		s := Render(20 + i%10)
		total += len(Fields(s))
	}
	if total == 0 {
		t.Fatal("no fields")
	}
}
