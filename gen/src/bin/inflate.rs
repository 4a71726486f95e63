//! `heapscope-inflate`: the floor of bench/run.sh (issue 23). Inflates
//! gzipped files into a sink with the inflate library and backend heapscope
//! reads profiles with (flate2 over zlib-rs with its runtime CPU feature
//! detection, `MultiGzDecoder` on a buffered file, heapscope's chunk size),
//! several files on two threads (the cores
//! `diff` and `trend` have), and prints the total of bytes inflated. Every
//! heapscope command is timed against it on the same files.

use std::fs::File;
use std::io::{self, BufReader, Read, Write};
use std::process::ExitCode;
use std::sync::atomic::{AtomicUsize, Ordering};

use flate2::bufread::MultiGzDecoder;

/// The chunk heapscope's reader fills (`src/input/stream.rs`).
const CHUNK: usize = 256 << 10;

/// Threads for several files: the benchmark machine's two cores.
const THREADS: usize = 2;

/// Inflates one file into `buf`, over and over; returns its size inflated.
fn inflate(path: &str, buf: &mut [u8]) -> io::Result<u64> {
    let file = File::open(path)?;
    let mut reader = MultiGzDecoder::new(BufReader::with_capacity(1 << 16, file));
    let mut total = 0u64;
    loop {
        match reader.read(buf) {
            Ok(0) => return Ok(total),
            Ok(n) => total += n as u64,
            Err(e) if e.kind() == io::ErrorKind::Interrupted => {}
            Err(e) => return Err(e),
        }
    }
}

/// Inflates the files not yet taken from `next`, one at a time.
fn worker(paths: &[String], next: &AtomicUsize) -> Result<u64, String> {
    let mut buf = vec![0u8; CHUNK];
    let mut total = 0u64;
    loop {
        let i = next.fetch_add(1, Ordering::Relaxed);
        let Some(path) = paths.get(i) else {
            return Ok(total);
        };
        total += inflate(path, &mut buf).map_err(|e| format!("{}: {e}", path.escape_debug()))?;
    }
}

fn main() -> ExitCode {
    let paths: Vec<String> = std::env::args().skip(1).collect();
    if paths.is_empty() || paths.iter().any(|p| p.starts_with('-')) {
        eprintln!("usage: heapscope-inflate FILE.gz...");
        return ExitCode::from(2);
    }
    let next = AtomicUsize::new(0);
    let threads = THREADS.min(paths.len());
    let results: Vec<Result<u64, String>> = std::thread::scope(|scope| {
        let handles: Vec<_> = (1..threads)
            .map(|_| scope.spawn(|| worker(&paths, &next)))
            .collect();
        let mut results = vec![worker(&paths, &next)];
        for h in handles {
            results.push(h.join().unwrap_or_else(|_| Err("a thread panicked".into())));
        }
        results
    });
    let mut total = 0u64;
    for r in results {
        match r {
            Ok(n) => total += n,
            Err(e) => {
                eprintln!("heapscope-inflate: {e}");
                return ExitCode::FAILURE;
            }
        }
    }
    let _ = writeln!(io::stdout(), "{total}");
    ExitCode::SUCCESS
}
