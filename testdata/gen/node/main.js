// Writes a small V8 heap profile with @datadog/pprof's heap API, encoded as
// gzipped pprof protobuf: a few allocation sites (a class, a closure, a
// string cache, a generator), all live when the profile is taken.
//
// Usage: node main.js OUT.pb.gz   (see testdata/gen/README.md)
'use strict';
const fs = require('fs');
const pprof = require('@datadog/pprof');

// Average bytes between samples, and the deepest stack kept.
pprof.heap.start(16 * 1024, 64);

class Session {
  constructor(id) {
    this.id = id;
    this.events = [];
  }
  record(n) {
    for (let i = 0; i < n; i++) {
      this.events.push({ at: i, what: 'event-' + this.id + '-' + i });
    }
  }
}

function makeSessions(n) {
  const out = [];
  for (let i = 0; i < n; i++) {
    const s = new Session(i);
    s.record(200);
    out.push(s);
  }
  return out;
}

function makeCache(n) {
  const cache = new Map();
  const key = (i) => 'key-' + String(i).padStart(6, '0');
  for (let i = 0; i < n; i++) {
    cache.set(key(i), Buffer.alloc(1024, i & 0xff).toString('hex'));
  }
  return cache;
}

function* chunks(n, size) {
  for (let i = 0; i < n; i++) yield new Array(size).fill(i);
}

function loadChunks() {
  return Array.from(chunks(200, 1000));
}

const live = [makeSessions(100), makeCache(2000), loadChunks()];

const profile = pprof.heap.profile();
fs.writeFileSync(process.argv[2], pprof.encodeSync(profile));
if (live.length !== 3) throw new Error('unreachable');
