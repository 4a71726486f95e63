//! Writes a small jemalloc heap profile through jemalloc_pprof: a few
//! allocation sites (a generic function instantiated twice, a closure, an
//! inlined helper, a map of strings), all live when the profile is taken.
//!
//! Run with `MALLOC_CONF=prof:true,prof_active:true,lg_prof_sample:0` (every
//! allocation sampled) and the output path (a second: jemalloc's own dump
//! text too) as arguments; see testdata/gen/README.md.

use std::collections::HashMap;
use std::hint::black_box;

#[global_allocator]
static ALLOC: tikv_jemallocator::Jemalloc = tikv_jemallocator::Jemalloc;

/// A shape whose area may fail, so generic code over it returns a Result.
trait Shape {
    fn area(&self) -> Result<u64, String>;
}

struct Square(u64);

struct Rect {
    w: u64,
    h: u64,
}

impl Shape for Square {
    fn area(&self) -> Result<u64, String> {
        Ok(self.0 * self.0)
    }
}

impl Shape for Rect {
    fn area(&self) -> Result<u64, String> {
        if self.w == 0 {
            return Err(format!("empty rect of height {}", self.h));
        }
        Ok(self.w * self.h)
    }
}

/// Generic over the shape: two instantiations, two symbols.
#[inline(never)]
fn collect_areas<S: Shape>(shapes: &[S]) -> Vec<u64> {
    let mut out = Vec::with_capacity(shapes.len());
    for s in shapes {
        out.push(s.area().unwrap_or(0));
    }
    out
}

/// Always inlined: its allocation shows up in its callers' frames.
#[inline(always)]
fn new_buf(n: usize) -> Vec<u8> {
    vec![7u8; n]
}

#[inline(never)]
fn fill_cache(entries: usize, size: usize) -> Vec<Vec<u8>> {
    (0..entries).map(|_| new_buf(size)).collect()
}

#[inline(never)]
fn build_index(n: usize) -> HashMap<String, Box<[u64]>> {
    let key = |i: usize| format!("key-{i:06}");
    let mut m = HashMap::new();
    for i in 0..n {
        m.insert(key(i), vec![i as u64; 16].into_boxed_slice());
    }
    m
}

#[inline(never)]
fn one_big() -> Box<[u8]> {
    new_buf(1 << 20).into_boxed_slice()
}

fn main() {
    let (path, dump_path) = out_paths();
    let squares: Vec<Square> = (1..=2000).map(Square).collect();
    let rects: Vec<Rect> = (0..3000).map(|i| Rect { w: i, h: 3 }).collect();
    let live = (
        collect_areas(&squares),
        collect_areas(&rects),
        fill_cache(64, 8192),
        build_index(500),
        one_big(),
    );
    black_box(&live);

    let ctl = jemalloc_pprof::PROF_CTL.as_ref().expect("jemalloc profiling is not compiled in");
    let mut ctl = ctl.blocking_lock();
    check_and_dump(&mut ctl, dump_path.as_deref());
    let pprof = ctl.dump_pprof().expect("dump_pprof");
    std::fs::write(&path, pprof).expect("write the profile");
    black_box(live);
}

/// Checks that profiling is on and, when asked, writes jemalloc's own
/// `prof.dump` text (dumped to a temporary file, copied out) before
/// jemalloc_pprof's conversion allocates anything.
fn check_and_dump(ctl: &mut jemalloc_pprof::JemallocProfCtl, dump_path: Option<&str>) {
    assert!(ctl.activated(), "profiling is off: set MALLOC_CONF=prof:true,prof_active:true");
    if let Some(dump_path) = dump_path {
        let mut dump = ctl.dump().expect("prof.dump");
        let mut out = std::fs::File::create(dump_path).expect("create the dump file");
        std::io::copy(&mut dump, &mut out).expect("copy the dump");
    }
}

/// The arguments: where the pprof profile goes and, optionally, where
/// jemalloc's own `prof.dump` text goes. (These helpers are below `main`,
/// so that the line numbers the committed profiles record stay put.)
fn out_paths() -> (String, Option<String>) {
    let mut args = std::env::args().skip(1);
    let usage = "usage: heapscope-jemalloc-gen OUT.pb.gz [OUT.prof_dump.txt]";
    (args.next().expect(usage), args.next())
}
