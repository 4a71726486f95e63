"""Writes a small Python heap profile with pypprof (mprofile's snapshot,
pypprof's pprof builder, gzipped protobuf): a few allocation sites (a class,
a closure, a dict of strings, a generator), all live when the profile is
taken.

Usage: python main.py OUT.pb.gz   (see testdata/gen/README.md)
"""
import sys

import mprofile
from pypprof.net_http import build_heap_pprof


class Session:
    def __init__(self, ident):
        self.ident = ident
        self.events = []

    def record(self, n):
        for i in range(n):
            self.events.append({"at": i, "what": "event-%d-%d" % (self.ident, i)})


def make_sessions(n):
    out = []
    for i in range(n):
        s = Session(i)
        s.record(200)
        out.append(s)
    return out


def make_cache(n):
    key = lambda i: "key-%06d" % i
    return {key(i): bytes([i & 0xFF]) * 1024 for i in range(n)}


def chunks(n, size):
    for i in range(n):
        yield [i] * size


def load_chunks():
    return list(chunks(200, 1000))


def main():
    # Every allocation recorded (sample_rate 0), the deepest 64 frames.
    mprofile.start(max_frames=64)
    live = [make_sessions(50), make_cache(1000), load_chunks()]
    snap = mprofile.take_snapshot()
    mprofile.stop()
    with open(sys.argv[1], "wb") as f:
        f.write(build_heap_pprof(snap))
    assert len(live) == 3


if __name__ == "__main__":
    main()
