#!/usr/bin/env python3
"""Writes the malformed (and the few valid but extreme) inputs of
tests/malformed.rs into this directory. Run it from anywhere:

    python3 testdata/bad/make.py            # every case but the bomb
    python3 testdata/bad/make.py --bomb     # also bomb.pb.gz.gz (about 20 s)

Every file is made from scratch here: a small protobuf encoder, a base
profile, and one change per case. Output is deterministic (gzip mtime 0).
"""

import copy
import gzip
import os
import sys
import zlib

HERE = os.path.dirname(os.path.abspath(__file__))

VARINT, LEN = 0, 2


def varint(n):
    n &= (1 << 64) - 1  # negative int64s are 10-byte two's complement
    out = bytearray()
    while True:
        b = n & 0x7F
        n >>= 7
        if n:
            out.append(b | 0x80)
        else:
            out.append(b)
            return bytes(out)


def key(field, wire_type):
    return varint(field << 3 | wire_type)


def vi(field, n):
    """A varint field; zero is left out, as protobuf encoders do."""
    return key(field, VARINT) + varint(n) if n else b""


def ld(field, payload):
    return key(field, LEN) + varint(len(payload)) + payload


def packed(field, values):
    return ld(field, b"".join(varint(v) for v in values)) if values else b""


def value_type(t):
    return vi(1, t[0]) + vi(2, t[1])


def line(l):
    return vi(1, l["function"]) + vi(2, l.get("line", 0))


def location(l):
    return (
        vi(1, l["id"])
        + vi(2, l.get("mapping", 0))
        + vi(3, l.get("address", 0))
        + b"".join(ld(4, line(x)) for x in l.get("lines", []))
    )


def function(f):
    return (
        vi(1, f["id"])
        + vi(2, f["name"])
        + vi(3, f.get("system_name", f["name"]))
        + vi(4, f.get("file", 0))
        + vi(5, f.get("start", 0))
    )


def mapping(m):
    return vi(1, m["id"]) + vi(2, m.get("start", 0)) + vi(3, m.get("limit", 0)) + vi(5, m["file"])


def sample(s):
    return packed(1, s["locations"]) + packed(2, s["values"])


def encode(p):
    out = bytearray()
    for t in p["sample_types"]:
        out += ld(1, value_type(t))
    for s in p["samples"]:
        out += ld(2, sample(s))
    for m in p["mappings"]:
        out += ld(3, mapping(m))
    for l in p["locations"]:
        out += ld(4, location(l))
    for f in p["functions"]:
        out += ld(5, function(f))
    for s in p["strings"]:
        out += ld(6, s.encode() if isinstance(s, str) else s)
    out += vi(9, p.get("time", 0))
    if "period_type" in p:
        out += ld(11, value_type(p["period_type"]))
    out += vi(12, p.get("period", 0))
    return bytes(out)


# main.main -> main.alloc, two sample types; what every case starts from.
BASE = {
    "strings": ["", "alloc_space", "bytes", "inuse_space", "main.main", "main.alloc",
                "/src/main.go", "/bin/prog", "space"],
    "sample_types": [(1, 2), (3, 2)],
    "samples": [
        {"locations": [2, 1], "values": [1024, 512]},
        {"locations": [1], "values": [100, 0]},
    ],
    "mappings": [{"id": 1, "start": 0x1000, "limit": 0x9000, "file": 7}],
    "locations": [
        {"id": 1, "mapping": 1, "address": 0x1100, "lines": [{"function": 1, "line": 5}]},
        {"id": 2, "mapping": 1, "address": 0x2200, "lines": [{"function": 2, "line": 12}]},
    ],
    "functions": [
        {"id": 1, "name": 4, "file": 6, "start": 3},
        {"id": 2, "name": 5, "file": 6, "start": 10},
    ],
    "time": 1_700_000_000_000_000_000,
    "period_type": (8, 2),
    "period": 524288,
}


def base():
    return copy.deepcopy(BASE)


def gz(data):
    return gzip.compress(data, compresslevel=9, mtime=0)


def write(name, data):
    with open(os.path.join(HERE, name), "wb") as f:
        f.write(data)


def cases():
    good = encode(base())

    write("empty.pb", b"")
    write("truncated.pb.gz", gz(good)[: len(gz(good)) // 2])
    # gzip's magic and header, then bytes that are not deflate data.
    write("corrupt-deflate.pb.gz", gz(good)[:10] + bytes(range(0xF0, 0x100)) * 4)
    # A valid gzip whose content is not a profile.
    write("gzip-of-garbage.pb.gz", gz(bytes((i * 167 + 13) % 251 for i in range(600))))
    # Valid: one profile split over two gzip members (Go's gzip reader and
    # ours read every member, as `cat a.gz b.gz | gunzip`).
    write("multi-member.pb.gz", gz(good[:40]) + gz(good[40:]))
    # Two whole profiles concatenated: their tables collide.
    write("two-profiles.pb.gz", gz(good) + gz(good))
    # A gzip member followed by bytes that are not another member.
    write("trailing-garbage.pb.gz", gz(good) + b"not gzip at all")
    write("garbage.bin", bytes((i * 89 + 7) % 256 for i in range(512)))

    # Field 2 (sample) as a varint instead of a message.
    write("wire-type.pb", good + vi(2, 7))
    # A function whose name (a varint field) comes as bytes.
    write("wire-type-nested.pb", good + ld(5, vi(1, 3) + ld(2, b"main.f")))
    # A field whose length (a 10-byte varint) is near 2^64: its end must
    # not be computed before the length is known to fit (found by fuzzing:
    # an arithmetic overflow, a panic in debug builds).
    write("length-huge.pb", key(1, LEN) + b"\xff" * 9 + b"\x01")

    p = base()
    p["samples"][0]["locations"] = [2, 99]
    write("location-id.pb", encode(p))
    p = base()
    p["locations"][1]["lines"][0]["function"] = 77
    write("function-id.pb", encode(p))
    p = base()
    p["locations"][0]["mapping"] = 9
    write("mapping-id.pb", encode(p))
    p = base()
    p["functions"][1]["name"] = 500
    write("string-id.pb", encode(p))
    p = base()
    p["sample_types"][1] = (3, -1)
    write("string-id-negative.pb", encode(p))
    p = base()
    p["strings"][0] = "x"
    write("string-zero.pb", encode(p))

    p = base()
    p["samples"][1]["values"] = [100]
    write("values-fewer.pb", encode(p))
    p = base()
    p["samples"][1]["values"] = [100, 0, 7]
    write("values-more.pb", encode(p))
    # 100,000 sample types and 100,000 samples without values: 400 kB
    # (gzipped, a few hundred bytes) that must not make the decoder reserve
    # 10^10 values (80 GB).
    p = base()
    p["sample_types"] = [(0, 0)] * 100000
    p["samples"] = [{"locations": [], "values": []}] * 100000
    write("values-reserve.pb.gz", gz(encode(p)))

    i64_max = (1 << 63) - 1
    p = base()
    p["samples"][0]["values"] = [1, i64_max]
    p["samples"][1]["values"] = [1, i64_max]
    write("overflow-max.pb", encode(p))
    p = base()
    p["samples"][0]["values"] = [1, -(1 << 62)]
    p["samples"][1]["values"] = [1, -(1 << 62)]
    write("overflow-negative.pb", encode(p))
    p = base()
    p["samples"][0]["values"] = [1, -(1 << 63)]
    write("overflow-min.pb", encode(p))
    # Each value fits and so does each total, but not the difference
    # between the profiles of a diff (before is negated).
    p = base()
    p["samples"][0]["values"] = [1, i64_max // 2 + 1]
    p["samples"][1]["values"] = [1, 0]
    write("overflow-half.pb", encode(p))

    write("legacy-period0.heap.txt",
          b"heap profile: 1: 1024 [1: 1024] @ heap/0\n"
          b"1: 1024 [1: 1024] @ 0x401000 0x402000\n")
    write("legacy-zero-count.heap.txt",
          b"heap profile: 1: 1024 [1: 1024] @ heap/1048576\n"
          b"0: 1024 [0: 1024] @ 0x401000 0x402000\n")

    write("recursion.pb.gz", gz(encode(recursion())))
    write("hostile-names.pb", encode(hostile_names()))


def recursion():
    """main -> a -> b -> a -> b ... (a and b call each other 50 times) ->
    leaf, 1000 bytes; main -> c -> c -> ... (c 30 deep), 300 bytes; and
    main -> a -> leaf directly, 24 bytes."""
    names = ["main", "a", "b", "c", "leaf"]
    fid = {n: i + 1 for i, n in enumerate(names)}
    p = {
        "strings": ["", "inuse_space", "bytes", "/src/rec.go"] + ["main." + n for n in names],
        "sample_types": [(1, 2)],
        "mappings": [],
        "locations": [
            {"id": fid[n], "address": 0x1000 * fid[n], "lines": [{"function": fid[n], "line": 10 * fid[n]}]}
            for n in names
        ],
        "functions": [{"id": fid[n], "name": 3 + fid[n], "file": 3, "start": 10 * fid[n] - 1}
                      for n in names],
    }
    ab = ["main"] + ["a", "b"] * 50 + ["leaf"]
    cc = ["main"] + ["c"] * 30
    direct = ["main", "a", "leaf"]
    p["samples"] = [
        {"locations": [fid[n] for n in reversed(stack)], "values": [v]}
        for stack, v in [(ab, 1000), (cc, 300), (direct, 24)]
    ]
    return p


# Function names a report must show as text, never as markup or terminal
# control: XML and DOT specials, an ANSI colour sequence (ESC and the
# one-byte CSI), a newline, a right-to-left override, a noncharacter that
# XML forbids, and bytes that are not UTF-8.
HOSTILE = [
    b"main.<script>alert('x&y')</script>",
    b'main."quoted"\\back',
    b"main.\x1b[31mred\x1b[0m\xc2\x9b2J",
    b"main.two\nlines\ttab",
    b"main.\xe2\x80\xaeevil",
    b"main.non\xef\xbf\xbfchar",
    b"main.bad\xff\xfeutf8",
]


def hostile_names():
    """main.main calls each hostile function; function i allocates
    (i + 1) * 1000 bytes."""
    n = len(HOSTILE)
    p = {
        "strings": ["", "inuse_space", "bytes", "/src/<evil>&.go", "main.main"] + HOSTILE,
        "sample_types": [(1, 2)],
        "mappings": [],
        "locations": [{"id": 1, "address": 0x1000, "lines": [{"function": 1, "line": 3}]}]
        + [{"id": i + 2, "address": 0x2000 + i, "lines": [{"function": i + 2, "line": 10 + i}]}
           for i in range(n)],
        "functions": [{"id": 1, "name": 4, "file": 3, "start": 1}]
        + [{"id": i + 2, "name": 5 + i, "file": 3, "start": 9 + i} for i in range(n)],
        "samples": [{"locations": [i + 2, 1], "values": [(i + 1) * 1000]} for i in range(n)],
    }
    return p


def bomb():
    """A profile whose first field, a sample, claims 6 GB and holds zeros:
    gzipped it is about 6 MB; gzipped again (it is very repetitive) a few kB,
    which is what is committed. The test inflates the outer layer."""
    size = 6 * 10**9
    head = ld(2, b"")[:1] + varint(size)
    z = zlib.compressobj(9, zlib.DEFLATED, 31)
    parts = [z.compress(head)]
    chunk = bytes(1 << 24)
    left = size
    while left:
        n = min(left, len(chunk))
        parts.append(z.compress(chunk[:n]))
        left -= n
    parts.append(z.flush())
    inner = b"".join(parts)
    print("bomb: %d bytes of gzip inflating to %d" % (len(inner), len(head) + size))
    write("bomb.pb.gz.gz", gz(inner))


if __name__ == "__main__":
    cases()
    if "--bomb" in sys.argv[1:]:
        bomb()
