// Command leak writes a series of heap profiles of a small service-like
// program that leaks memory, for heapscope's diff and trend commands.
//
// It runs 6 rounds of simulated requests; after each it runs a GC and writes
// <prefix>.<round>.pb.gz, sleeping 1.1 s in between (times >1 s apart).
//
// Allocation sites, by how their inuse_* changes from snapshot to snapshot:
//   - LEAKS (grow in every round, never freed):
//     (*SessionStore).Add stores 40 new sessions per round in a map and never
//     evicts them (a 64 B Session plus its 1024 B buffer each);
//     recordEvent appends 100 *Event (64 B each) per round to a global log
//     (its pointer array grows too, in steps; the heap profile omits the
//     runtime.growslice frame, so that counts as recordEvent's as well).
//   - STEADY (inuse stays flat after round 1):
//     (*LRU).Put and fetchProfile fill a 64-entry LRU cache that evicts its
//     oldest entry on every insert beyond 64; renderResponse JSON-encodes 200
//     responses per round and keeps nothing; handleRequest uses a scratch
//     buffer per request that is dropped at once.
//   - OSCILLATING: loadBatch builds the "current batch", which replaces the
//     previous one: 160 records of 256 B in odd rounds, 32 in even rounds.
//
// Every such site is a //go:noinline function so that its name appears as a
// plain frame (no "(inline)" suffix) and stays the same in any build.
// The maps are created with a size hint large enough for the whole run, so
// no map growth happens inside the leaking/steady functions.
//
// Built with -tags build2 (see build2.go) the program has one more linked
// function ahead of the rest of package main, which shifts the addresses of
// every main.* function; the allocations are the same.
//
// Usage: leak <prefix>   (writes <prefix>.1.pb.gz ... <prefix>.6.pb.gz)
package main

import (
	"encoding/json"
	"fmt"
	"os"
	"runtime"
	"runtime/pprof"
	"time"
)

// buildTag is set with -ldflags=-X main.buildTag=... (build2 sets "two").
var buildTag = "one"

const rounds = 6

// ---------------------------------------------------------------------------
// Leak 1: a session map that is never evicted.

// Session is 64 bytes (one size class); buf is the per-session state.
type Session struct {
	ID      uint64
	User    string
	Created int64
	buf     []byte
}

type SessionStore struct {
	sessions map[uint64]*Session
}

//go:noinline
func NewSessionStore() *SessionStore {
	return &SessionStore{sessions: make(map[uint64]*Session, 512)}
}

// Add registers a session. Nothing ever deletes from the map: the leak.
//
//go:noinline
func (s *SessionStore) Add(id uint64, user string) {
	s.sessions[id] = &Session{ID: id, User: user, Created: int64(id), buf: make([]byte, 1024)}
}

// ---------------------------------------------------------------------------
// Leak 2: an audit log that only grows.

// Event is 64 bytes.
type Event struct {
	At     int64
	UserID uint64
	Kind   string
	Info   [4]uint64
}

var eventLog []*Event

//go:noinline
func recordEvent(at int64, user uint64, kind string) {
	eventLog = append(eventLog, &Event{At: at, UserID: user, Kind: kind})
}

// ---------------------------------------------------------------------------
// Steady: a bounded LRU cache (fixed capacity, evicts the oldest entry).

type entry struct {
	key        uint64
	val        []byte
	prev, next *entry
}

type LRU struct {
	cap        int
	items      map[uint64]*entry
	head, tail *entry // head = most recently used
}

//go:noinline
func NewLRU(capacity int) *LRU {
	return &LRU{cap: capacity, items: make(map[uint64]*entry, 4*capacity)}
}

// Put inserts a new entry at the front and evicts from the back.
//
//go:noinline
func (c *LRU) Put(key uint64, val []byte) {
	e := &entry{key: key, val: val, next: c.head}
	if c.head != nil {
		c.head.prev = e
	}
	c.head = e
	if c.tail == nil {
		c.tail = e
	}
	c.items[key] = e
	if len(c.items) > c.cap {
		old := c.tail
		c.tail = old.prev
		c.tail.next = nil
		delete(c.items, old.key)
	}
}

// fetchProfile stands for a backend call; its result is cached in the LRU.
//
//go:noinline
func fetchProfile(user uint64) []byte {
	b := make([]byte, 512)
	b[0] = byte(user)
	return b
}

// ---------------------------------------------------------------------------
// Steady: JSON responses, freed as soon as they are "sent".

type Item struct {
	ID    int      `json:"id"`
	Name  string   `json:"name"`
	Tags  []string `json:"tags"`
	Score float64  `json:"score"`
}

type Response struct {
	User  uint64 `json:"user"`
	Items []Item `json:"items"`
}

var sent int // bytes "written to the network"

//go:noinline
func renderResponse(user uint64) {
	resp := Response{User: user, Items: make([]Item, 20)}
	for i := range resp.Items {
		resp.Items[i] = Item{ID: i, Name: "item", Tags: []string{"a", "b"}, Score: float64(i) / 3}
	}
	out, err := json.Marshal(&resp)
	if err != nil {
		panic(err)
	}
	sent += len(out)
}

// ---------------------------------------------------------------------------
// Oscillating: the current batch, big in odd rounds and small in even ones.

type Record [256]byte

var currentBatch []*Record

//go:noinline
func loadBatch(n int) []*Record {
	batch := make([]*Record, n)
	for i := range batch {
		batch[i] = new(Record)
	}
	return batch
}

// ---------------------------------------------------------------------------

// scratchSize is a variable so that the scratch buffer's size is not a
// constant: a constant-size buffer that does not escape would be allocated on
// the stack and never show up in the profile.
var scratchSize = 2048

// handleRequest serves one simulated request.
//
//go:noinline
func handleRequest(store *SessionStore, cache *LRU, round, req int, next *uint64) {
	scratch := make([]byte, scratchSize) // per-request scratch space, dropped at once
	scratch[0] = byte(req)
	user := uint64(round*1000 + req)
	if req%5 == 0 { // 40 logins per round
		*next++
		store.Add(*next, "user")
	}
	if req%2 == 0 { // 100 audit events per round
		recordEvent(int64(round), user, "get")
	}
	cache.Put(user, fetchProfile(user))
	renderResponse(user)
}

func main() {
	runtime.MemProfileRate = 1 // record every single allocation

	if len(os.Args) != 2 {
		fmt.Fprintln(os.Stderr, "usage: leak <prefix>")
		os.Exit(2)
	}
	prefix := os.Args[1]

	store := NewSessionStore()
	cache := NewLRU(64)
	var nextID uint64
	for round := 1; round <= rounds; round++ {
		if round > 1 {
			time.Sleep(1100 * time.Millisecond) // distinct profile times
		}
		for req := 0; req < 200; req++ {
			handleRequest(store, cache, round, req, &nextID)
		}
		if round%2 == 1 {
			currentBatch = loadBatch(160)
		} else {
			currentBatch = loadBatch(32)
		}
		writeSnapshot(fmt.Sprintf("%s.%d.pb.gz", prefix, round))
	}
	runtime.KeepAlive(store)
	runtime.KeepAlive(cache)
}

// writeSnapshot runs a GC (a heap profile shows the state as of the last
// completed GC) and writes the heap profile.
func writeSnapshot(name string) {
	runtime.GC()
	f, err := os.Create(name)
	if err == nil {
		err = pprof.WriteHeapProfile(f) // gzipped protobuf
	}
	if err == nil {
		err = f.Close()
	}
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
}
