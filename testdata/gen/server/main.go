// Command server writes the heap profile of a small but realistic service,
// fetched over HTTP from its own net/http/pprof endpoint.
//
// It starts an HTTP server on 127.0.0.1:0 with the standard pprof handlers
// (import _ "net/http/pprof") plus a tiny JSON API, then drives it for about
// a second and a half with a pool of client goroutines. The workload covers
// typical allocation sites of a Go service:
//   - net/http server and client internals (connections, headers, bufio);
//   - encoding/json encoding and decoding of request/response bodies;
//   - a map-based cache that retains entries (so inuse_* is substantial);
//   - strings.Builder, bufio.Writer and bytes.Buffer growth;
//   - a goroutine worker pool fed through a channel.
//
// Finally it runs a GC and fetches /debug/pprof/heap?debug=1 (legacy text
// with the # runtime.MemStats block) and /debug/pprof/heap (gzipped
// protobuf) right after each other, saving the response bodies unchanged.
//
// MemProfileRate is 1 as in the other programs: the protobuf stays around
// 30 KB, so there is no need for sampling (the text form is ~550 KB).
//
// Usage: server <out.pb.gz> <out.heap.txt>
package main

import (
	"bufio"
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"net"
	"net/http"
	_ "net/http/pprof" // registers /debug/pprof/* on http.DefaultServeMux
	"os"
	"runtime"
	"strconv"
	"strings"
	"sync"
	"time"
)

// Item is the JSON payload stored by the service.
type Item struct {
	ID    int               `json:"id"`
	Name  string            `json:"name"`
	Tags  []string          `json:"tags"`
	Attrs map[string]string `json:"attrs"`
}

// cache retains every item ever stored: the long-lived part of the heap.
var cache = struct {
	sync.Mutex
	m map[string]*Item
}{m: make(map[string]*Item)}

// handlePut decodes an Item from the request body and stores it in the cache.
func handlePut(w http.ResponseWriter, r *http.Request) {
	var it Item
	if err := json.NewDecoder(r.Body).Decode(&it); err != nil {
		http.Error(w, err.Error(), http.StatusBadRequest)
		return
	}
	cache.Lock()
	cache.m[strconv.Itoa(it.ID)] = &it
	cache.Unlock()
	w.WriteHeader(http.StatusNoContent)
}

// handleGet looks an item up and encodes it as JSON.
func handleGet(w http.ResponseWriter, r *http.Request) {
	cache.Lock()
	it := cache.m[r.URL.Query().Get("id")]
	cache.Unlock()
	if it == nil {
		http.NotFound(w, r)
		return
	}
	w.Header().Set("Content-Type", "application/json")
	json.NewEncoder(w).Encode(it)
}

// handleReport renders a plain-text summary of the cache through a
// strings.Builder and a bufio.Writer.
func handleReport(w http.ResponseWriter, r *http.Request) {
	cache.Lock()
	var sb strings.Builder
	for k, it := range cache.m {
		sb.WriteString(k)
		sb.WriteByte(' ')
		sb.WriteString(it.Name)
		sb.WriteByte('\n')
	}
	cache.Unlock()
	bw := bufio.NewWriterSize(w, 4096)
	bw.WriteString(sb.String())
	bw.Flush()
}

// makeItem builds the body of a PUT request in a bytes.Buffer that grows.
func makeItem(id int) *bytes.Buffer {
	it := Item{
		ID:    id,
		Name:  fmt.Sprintf("item-%06d", id),
		Tags:  []string{"alpha", "beta", strings.Repeat("x", id%32)},
		Attrs: map[string]string{"owner": "team-" + strconv.Itoa(id%7), "zone": "eu"},
	}
	var buf bytes.Buffer
	if err := json.NewEncoder(&buf).Encode(it); err != nil {
		panic(err)
	}
	return &buf
}

// worker is one member of the client goroutine pool.
func worker(base string, jobs <-chan int, wg *sync.WaitGroup) {
	defer wg.Done()
	for id := range jobs {
		resp, err := http.Post(base+"/put", "application/json", makeItem(id))
		check(err)
		io.Copy(io.Discard, resp.Body)
		resp.Body.Close()

		resp, err = http.Get(base + "/get?id=" + strconv.Itoa(id/2))
		check(err)
		var it Item
		json.NewDecoder(resp.Body).Decode(&it) // may be a 404 body: ignore
		resp.Body.Close()

		if id%50 == 0 {
			resp, err = http.Get(base + "/report")
			check(err)
			io.Copy(io.Discard, resp.Body)
			resp.Body.Close()
		}
	}
}

// fetch GETs url and writes the response body to path.
func fetch(url, path string) {
	resp, err := http.Get(url)
	check(err)
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		check(fmt.Errorf("GET %s: %s", url, resp.Status))
	}
	f, err := os.Create(path)
	check(err)
	_, err = io.Copy(f, resp.Body)
	check(err)
	check(f.Close())
}

func main() {
	runtime.MemProfileRate = 1 // record every single allocation

	if len(os.Args) != 3 {
		fmt.Fprintln(os.Stderr, "usage: server <out.pb.gz> <out.heap.txt>")
		os.Exit(2)
	}

	http.HandleFunc("/put", handlePut)
	http.HandleFunc("/get", handleGet)
	http.HandleFunc("/report", handleReport)
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	check(err)
	go http.Serve(ln, nil)
	base := "http://" + ln.Addr().String()

	// Drive the service with a pool of 8 workers for ~1.5 s.
	jobs := make(chan int)
	var wg sync.WaitGroup
	for i := 0; i < 8; i++ {
		wg.Add(1)
		go worker(base, jobs, &wg)
	}
	deadline := time.Now().Add(1500 * time.Millisecond)
	for id := 0; time.Now().Before(deadline); id++ {
		jobs <- id
	}
	close(jobs)
	wg.Wait()

	// Settle the profile, then take both forms of it back to back, with no
	// GC in between, so that they describe the same data. The text form goes
	// first: it lists every profile bucket, and serving a profile allocates
	// into new buckets that stay all-zero until the next GC; taken second,
	// the protobuf carries those buckets as all-zero samples instead.
	runtime.GC()
	fetch(base+"/debug/pprof/heap?debug=1", os.Args[2])
	fetch(base+"/debug/pprof/heap", os.Args[1])
}

func check(err error) {
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
}
