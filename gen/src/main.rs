//! `heapscope-gen`: writes large synthetic Go heap profiles of realistic
//! shape, deterministically, for benchmarks and tests (see
//! `bench/README.md`).

mod profile;
mod program;
mod rng;

use std::io::{self, BufWriter, IsTerminal, Write};
use std::path::PathBuf;
use std::process::ExitCode;

use anyhow::{bail, Context};
use clap::Parser;
use flate2::write::GzEncoder;
use flate2::Compression;

use profile::{Shape, Stats};
use program::Program;

/// Samples at `--scale 1`: as many as `../shared/profiles/big.pb.gz` holds.
const BASE_SAMPLES: f64 = 300_000.0;

/// The share of samples with objects in use in `big.pb.gz` (1,024 of 300,041).
const BIG_INUSE_SHARE: f64 = 0.0034;

const AFTER_HELP: &str = "\
The profile is that of one fixed program (an HTTP/gRPC shop service: ~2,800 functions in
~460 files, stacks ~28 frames deep through shared entry chains, inlined calls, recursion),
as Go's runtime writes it: four sample types, period 524288, a `bytes` label per sample,
gzipped. --seed picks the snapshot (stacks, values and time, a minute apart per seed);
the same arguments give the same bytes.

Examples:
  heapscope-gen --scale 4 -o /tmp/big4.pb.gz        # 1.2 million samples
  heapscope-gen --samples 1000 --seed 2 > small.pb.gz";

#[derive(Parser, Debug)]
#[command(
    name = "heapscope-gen",
    version,
    about = "Writes a synthetic Go heap profile (gzipped pprof protobuf) of realistic shape.",
    after_help = AFTER_HELP
)]
struct Args {
    /// Size: samples as a multiple of big.pb.gz's 300,000 (4 = four times the samples
    /// of the same program)
    #[arg(long, default_value_t = 1.0)]
    scale: f64,
    /// Exactly this many samples (instead of --scale)
    #[arg(long, value_name = "N")]
    samples: Option<usize>,
    /// Which snapshot: stacks, values and time
    #[arg(long, default_value_t = 1)]
    seed: u64,
    /// Share of samples with objects still in use (the rest were all freed)
    #[arg(long, value_name = "F", default_value_t = BIG_INUSE_SHARE)]
    inuse_share: f64,
    /// Write the profile to FILE (atomically) instead of stdout
    #[arg(short, long, value_name = "FILE")]
    output: Option<PathBuf>,
    /// Do not print the summary line on stderr
    #[arg(short, long)]
    quiet: bool,
}

fn main() -> ExitCode {
    let args = Args::parse();
    match run(&args) {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("heapscope-gen: {e:#}");
            ExitCode::FAILURE
        }
    }
}

fn run(args: &Args) -> anyhow::Result<()> {
    if !(args.scale.is_finite() && args.scale >= 0.0) {
        bail!(
            "--scale {}: give a size of 0 or more (1 = 300,000 samples)",
            args.scale
        );
    }
    if !(0.0..=1.0).contains(&args.inuse_share) {
        bail!(
            "--inuse-share {}: give a share from 0 to 1",
            args.inuse_share
        );
    }
    let shape = Shape {
        samples: args
            .samples
            .unwrap_or((BASE_SAMPLES * args.scale).round() as usize),
        seed: args.seed,
        inuse_share: args.inuse_share,
    };
    let program = Program::build();
    let (stats, gz_bytes) = match &args.output {
        Some(path) => {
            let mut result = None;
            heapscope::support::output::write_to(Some(path), &mut io::sink(), |w| {
                result = Some(generate(&program, &shape, w)?);
                Ok(())
            })?;
            result.context("the profile was written")?
        }
        None => {
            let stdout = io::stdout();
            if stdout.is_terminal() {
                bail!("the profile is binary: write it to a file with -o FILE, or redirect stdout");
            }
            generate(&program, &shape, &mut stdout.lock())?
        }
    };
    if !args.quiet {
        let to = match &args.output {
            Some(p) => p.display().to_string(),
            None => "stdout".to_string(),
        };
        eprintln!("heapscope-gen: {}", summary(&stats, gz_bytes, &to));
    }
    Ok(())
}

/// Writes the gzipped profile; returns what was written and its gzipped size.
fn generate(program: &Program, shape: &Shape, out: &mut dyn Write) -> anyhow::Result<(Stats, u64)> {
    let mut counted = Counter {
        inner: BufWriter::with_capacity(1 << 16, out),
        bytes: 0,
    };
    // Go's runtime compresses its profiles at gzip.BestSpeed.
    let mut gz = GzEncoder::new(&mut counted, Compression::fast());
    let stats = profile::write(program, shape, &mut gz)?;
    gz.finish()?;
    counted.inner.flush()?;
    Ok((stats, counted.bytes))
}

fn summary(s: &Stats, gz_bytes: u64, to: &str) -> String {
    let mean = if s.samples == 0 {
        0.0
    } else {
        s.frames as f64 / s.samples as f64
    };
    format!(
        "{} samples, {} locations, {} functions, {} strings; depth {}-{} (mean {mean:.1}); \
         {} samples with objects in use; {:.1} MB raw, {:.1} MB gzipped -> {to}",
        s.samples,
        s.locations,
        s.functions,
        s.strings,
        s.min_depth,
        s.max_depth,
        s.inuse_samples,
        s.raw_bytes as f64 / 1e6,
        gz_bytes as f64 / 1e6,
    )
}

/// Counts the bytes written through it.
struct Counter<W> {
    inner: W,
    bytes: u64,
}

impl<W: Write> Write for Counter<W> {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        let n = self.inner.write(buf)?;
        self.bytes += n as u64;
        Ok(n)
    }

    fn flush(&mut self) -> io::Result<()> {
        self.inner.flush()
    }
}
