//! Where profile bytes come from and what format they are: a file or stdin,
//! gzip detected by its magic bytes and inflated under a size limit, then
//! decoded by the matching decoder (pprof protobuf or legacy text heap
//! profile, told apart by content).

pub mod gctrace;
pub mod legacy;
pub mod memstats;
pub mod pprof;
pub mod wire;

use std::fmt;
use std::fs::File;
use std::io::{self, BufRead, BufReader, Read};
use std::path::PathBuf;

use flate2::bufread::MultiGzDecoder;

use crate::profile::Profile;

/// Default limit on the size of a profile after decompression: 4 GiB.
pub const DEFAULT_MAX_SIZE: u64 = 4 << 30;

/// Where a profile is read from.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Source {
    Path(PathBuf),
    Stdin,
}

impl Source {
    /// `-` means stdin; anything else is a path.
    pub fn parse(arg: &str) -> Self {
        if arg == "-" {
            Source::Stdin
        } else {
            Source::Path(PathBuf::from(arg))
        }
    }
}

impl fmt::Display for Source {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Source::Path(p) => write!(f, "{}", p.display()),
            Source::Stdin => write!(f, "<stdin>"),
        }
    }
}

/// A decoded profile and the name it goes by in messages (its source, or
/// the sources it was combined from).
#[derive(Debug, Clone)]
pub struct Loaded {
    pub name: String,
    pub profile: Profile,
}

/// Why a profile could not be loaded. The message names no file: callers
/// prefix it with the source.
#[derive(Debug)]
pub enum LoadError {
    Open(io::Error),
    Read(io::Error),
    Gzip(io::Error),
    TooLarge { limit: u64, compressed: bool },
    Empty,
    Legacy(legacy::LegacyError),
    Decode(pprof::DecodeError),
}

impl fmt::Display for LoadError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            LoadError::Open(e) => write!(f, "cannot open: {e}"),
            LoadError::Read(e) => write!(f, "cannot read: {e}"),
            LoadError::Gzip(e) if e.kind() == io::ErrorKind::UnexpectedEof => {
                write!(f, "gzip data is truncated")
            }
            LoadError::Gzip(e) => write!(f, "cannot decompress gzip data: {e}"),
            LoadError::TooLarge { limit, compressed } => write!(
                f,
                "{} is larger than the limit of {limit} bytes; raise it with -max_size=BYTES",
                if *compressed {
                    "the decompressed profile"
                } else {
                    "the profile"
                }
            ),
            LoadError::Empty => write!(f, "the file is empty, not a profile"),
            LoadError::Legacy(e) => write!(f, "{e}"),
            LoadError::Decode(e) => write!(f, "{e}"),
        }
    }
}

impl std::error::Error for LoadError {}

/// Reads all bytes of a source, inflating gzip (one member or several)
/// when the data starts with gzip's magic bytes, never past `max_size`.
pub fn read_bytes(source: &Source, max_size: u64) -> Result<Vec<u8>, LoadError> {
    let reader: Box<dyn Read> = match source {
        Source::Path(path) => Box::new(File::open(path).map_err(LoadError::Open)?),
        Source::Stdin => Box::new(io::stdin().lock()),
    };
    let mut reader = BufReader::with_capacity(1 << 16, reader);
    let head = reader.fill_buf().map_err(LoadError::Read)?;
    let gzipped = head.len() >= 2 && head[0] == 0x1f && head[1] == 0x8b;
    let mut out = Vec::new();
    let read = if gzipped {
        MultiGzDecoder::new(reader)
            .take(max_size.saturating_add(1))
            .read_to_end(&mut out)
            .map_err(LoadError::Gzip)
    } else {
        reader
            .take(max_size.saturating_add(1))
            .read_to_end(&mut out)
            .map_err(LoadError::Read)
    };
    read?;
    if out.len() as u64 > max_size {
        return Err(LoadError::TooLarge {
            limit: max_size,
            compressed: gzipped,
        });
    }
    Ok(out)
}

/// Decodes profile bytes, choosing the decoder by content.
pub fn decode(data: &[u8]) -> Result<Profile, LoadError> {
    if data.is_empty() {
        return Err(LoadError::Empty);
    }
    if legacy::is_legacy_heap(data) {
        return legacy::decode(data).map_err(LoadError::Legacy);
    }
    pprof::decode(data).map_err(LoadError::Decode)
}

/// Reads and decodes one profile, and applies its own `drop_frames` hint as
/// pprof does when it fetches a profile.
pub fn load(source: &Source, max_size: u64) -> Result<Loaded, LoadError> {
    let data = read_bytes(source, max_size)?;
    let mut profile = decode(&data)?;
    crate::profile::prune::apply(&mut profile);
    Ok(Loaded {
        name: source.to_string(),
        profile,
    })
}
