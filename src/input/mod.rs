//! Where profile bytes come from and what format they are: a file, stdin or
//! a URL (fetched by [`http`]), gzip detected by its magic bytes and inflated under a size limit, then
//! decoded by the matching decoder (pprof protobuf or legacy text heap
//! profile, told apart by content); several profiles combined into one
//! ([`combine`]).

pub mod combine;
pub mod http;
pub mod legacy;
pub mod pprof;
pub mod stream;
pub mod wire;

use std::fmt;
use std::fs::File;
use std::io::{self, Read, Write};
use std::path::PathBuf;

use crate::profile::{LocationIndex, Profile, Samples};
use crate::support::escape;

pub use http::FetchOptions;

/// Default limit on the size of a profile after decompression: 4 GiB.
pub const DEFAULT_MAX_SIZE: u64 = 4 << 30;

/// The share of `-max_size` that decoded data may take in memory: a
/// profile's decoded tables, and text held whole to be parsed, stop at
/// `max_size / MEMORY_SHARE` bytes (512 MiB at the default).
pub const MEMORY_SHARE: u64 = 8;

/// The memory budget that `max_size` gives (see [`MEMORY_SHARE`]).
pub fn memory_limit(max_size: u64) -> u64 {
    max_size / MEMORY_SHARE
}

/// Where a profile is read from.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Source {
    Path(PathBuf),
    Stdin,
    /// An `http://` or `https://` URL, with its path filled in.
    Url(String),
}

impl Source {
    /// `-` means stdin; a URL, or `host:port` naming no existing file, is
    /// fetched (see [`http::parse_url`]); anything else is a path.
    pub fn parse(arg: &str) -> Self {
        if arg == "-" {
            Source::Stdin
        } else if let Some(url) = http::parse_url(arg) {
            Source::Url(url)
        } else {
            Source::Path(PathBuf::from(arg))
        }
    }
}

/// A source as every message and report names it: a path with its unsafe
/// characters escaped, a URL with its password redacted too (see
/// [`crate::support::escape`]). The name a profile goes by ([`NamedProfile::name`]) is this
/// text, so no later output can show a fetched URL's credentials.
impl fmt::Display for Source {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Source::Path(p) => f.write_str(&escape::text(&p.to_string_lossy())),
            Source::Stdin => write!(f, "<stdin>"),
            Source::Url(u) => f.write_str(&escape::url(u)),
        }
    }
}

/// A decoded profile and the name it goes by in messages (its source, or
/// the sources it was combined from).
#[derive(Debug, Clone)]
pub struct NamedProfile {
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
    TooLarge {
        limit: u64,
        compressed: bool,
    },
    /// Text held whole to be parsed (with a fetched body kept to be saved)
    /// would pass the memory budget.
    TextTooLarge {
        limit: u64,
    },
    Empty,
    Legacy(legacy::LegacyError),
    Decode(pprof::DecodeError),
    /// Neither a protobuf profile nor a text form: its first bytes.
    Unrecognized(Vec<u8>),
    Fetch(http::FetchError),
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
            LoadError::TextTooLarge { limit } => write!(
                f,
                "the text passes the memory limit of {limit} bytes (-max_size/{MEMORY_SHARE}); \
                 raise it with -max_size=BYTES"
            ),
            LoadError::Empty => write!(f, "the file is empty, not a profile"),
            LoadError::Legacy(e) => write!(f, "{e}"),
            LoadError::Decode(e) => write!(f, "{e}"),
            LoadError::Unrecognized(head) => {
                let more = if head.len() > UNRECOGNIZED_HEAD {
                    "..."
                } else {
                    ""
                };
                let shown = &head[..head.len().min(UNRECOGNIZED_HEAD)];
                write!(
                    f,
                    "not a pprof profile or a known text form: it begins with \"{}\"{more}",
                    shown.escape_ascii()
                )
            }
            LoadError::Fetch(e) => write!(f, "{e}"),
        }
    }
}

impl std::error::Error for LoadError {}

/// How sources are read: the size limit and, for URLs, how to fetch.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ReadOptions {
    /// Largest input accepted: the fetched body, and the data after
    /// decompression.
    pub max_size: u64,
    pub fetch: FetchOptions,
    /// How function names are demangled and simplified (`-symbolize`).
    pub symbolize: crate::profile::names::Symbolize,
    /// `--keep_allocator_frames`: leave the allocator's leaf frames in
    /// (see `profile::allocator`).
    pub keep_allocator_frames: bool,
}

/// Where profiles come from, how large each may be, and how URLs are
/// fetched.
#[derive(Debug, Clone)]
pub struct InputSpec {
    /// At least one source.
    pub sources: Vec<Source>,
    pub max_size: u64,
    pub fetch: FetchOptions,
    /// How function names are demangled and simplified (`-symbolize`).
    pub symbolize: crate::profile::names::Symbolize,
    /// `--keep_allocator_frames`: leave the allocator's leaf frames in
    /// (see `profile::allocator`).
    pub keep_allocator_frames: bool,
    /// Profiles subtracted from these (pprof's `-base`, `-diff_base`), read
    /// with the same limits.
    pub base: Option<Base>,
}

/// pprof's `-base`/`-diff_base`: profiles whose samples are negated and
/// combined with the profile's, so that reports show the difference.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Base {
    /// At least one source; several are merged first.
    pub sources: Vec<Source>,
    /// `-diff_base`: the base's samples are marked (pprof's `pprof::base`
    /// label), so that percentages are of the base's total.
    pub diff: bool,
    /// `-normalize`: the base is scaled to the profile's total first.
    pub normalize: bool,
}

impl InputSpec {
    /// The same sources without the base, and the base as an input of
    /// its own, read with the same limits.
    pub fn split_base(&self) -> (InputSpec, Option<(InputSpec, &Base)>) {
        let plain = InputSpec {
            base: None,
            ..self.clone()
        };
        let base = self.base.as_ref().map(|b| {
            (
                InputSpec {
                    sources: b.sources.clone(),
                    base: None,
                    ..self.clone()
                },
                b,
            )
        });
        (plain, base)
    }

    /// Every source, the base's included.
    pub fn all_sources(&self) -> impl Iterator<Item = &Source> {
        self.sources
            .iter()
            .chain(self.base.iter().flat_map(|b| &b.sources))
    }

    /// How each of the sources is read.
    pub fn read_options(&self) -> ReadOptions {
        ReadOptions {
            max_size: self.max_size,
            fetch: self.fetch.clone(),
            symbolize: self.symbolize,
            keep_allocator_frames: self.keep_allocator_frames,
        }
    }
}

/// What a source held: its data (inflated) and, for a URL, the body as
/// fetched, to be saved.
struct SourceData {
    data: Vec<u8>,
    fetched: Option<(String, Vec<u8>)>,
}

fn read_source(source: &Source, opts: &ReadOptions) -> Result<SourceData, LoadError> {
    let limit = memory_limit(opts.max_size);
    match source {
        Source::Path(path) => {
            let file = File::open(path).map_err(LoadError::Open)?;
            Ok(SourceData {
                data: inflate(file, opts.max_size, limit)?,
                fetched: None,
            })
        }
        Source::Stdin => Ok(SourceData {
            data: inflate(io::stdin(), opts.max_size, limit)?,
            fetched: None,
        }),
        Source::Url(url) => {
            let body = http::fetch(url, &opts.fetch, limit).map_err(LoadError::Fetch)?;
            let data = inflate(
                &body[..],
                opts.max_size,
                limit.saturating_sub(body.len() as u64),
            )?;
            if http::looks_like_html(&data) {
                return Err(LoadError::Fetch(http::FetchError::Html));
            }
            Ok(SourceData {
                data,
                fetched: Some((url.clone(), body)),
            })
        }
    }
}

/// Reads all bytes, inflating gzip (one member or several) when the data
/// starts with gzip's magic bytes, never past `max_size`, and holding at
/// most `held` bytes (what is left of the memory budget).
fn inflate(reader: impl Read + Send, max_size: u64, held: u64) -> Result<Vec<u8>, LoadError> {
    let mut out = Vec::new();
    stream::pump(reader, max_size, |chunk| -> Result<(), LoadError> {
        if (out.len() + chunk.len()) as u64 > held {
            return Err(LoadError::TextTooLarge {
                limit: memory_limit(max_size),
            });
        }
        out.extend_from_slice(chunk);
        Ok(())
    })?;
    Ok(out)
}

/// Saves a fetched body where the options say, naming it by `kind`, and
/// says where on `notes` (a failure to save is a note, not an error).
fn save_fetched(
    fetched: Option<(String, Vec<u8>)>,
    kind: &str,
    form: http::SavedForm,
    opts: &FetchOptions,
    notes: &mut dyn Write,
) {
    let (Some((url, body)), Some(dir)) = (fetched, opts.save_dir.as_deref()) else {
        return;
    };
    // A note that cannot be written does not make the profile wrong.
    let _ = match http::save(dir, &url, kind, form, &body) {
        Ok(path) if form == http::SavedForm::Text => writeln!(
            notes,
            "Saved profile (the legacy text form, gzipped) in {}",
            escape::text(&path.to_string_lossy())
        ),
        Ok(path) => writeln!(
            notes,
            "Saved profile in {}",
            escape::text(&path.to_string_lossy())
        ),
        Err(e) => writeln!(
            notes,
            "heapscope: {}: cannot save the profile in {}: {} (-no_save skips saving)",
            escape::url(&url),
            escape::text(&dir.to_string_lossy()),
            escape::text(&e.to_string())
        ),
    };
}

/// Reads all bytes of a source, inflated; a fetched body is saved (as
/// text, named `heap`) and the saved path written to `notes`.
pub fn read_bytes(
    source: &Source,
    opts: &ReadOptions,
    notes: &mut dyn Write,
) -> Result<Vec<u8>, LoadError> {
    let read = read_source(source, opts)?;
    save_fetched(
        read.fetched,
        "heap",
        http::SavedForm::Text,
        &opts.fetch,
        notes,
    );
    Ok(read.data)
}

/// Reads a text input (gzip inflated) as UTF-8: the first source (text
/// commands take one). Returns the source's name and the text.
pub fn read_text(spec: &InputSpec, notes: &mut dyn Write) -> anyhow::Result<(String, String)> {
    let source = &spec.sources[0];
    let bytes = read_bytes(source, &spec.read_options(), notes)
        .map_err(|e| anyhow::anyhow!("{source}: {e}"))?;
    Ok((source.to_string(), into_text(bytes)))
}

/// The bytes as a string, in place: each byte of a sequence that is not
/// UTF-8 becomes `?`. (A lossy copy would hold the input twice, and up to
/// three times over in U+FFFD for input that is all invalid bytes.)
fn into_text(mut bytes: Vec<u8>) -> String {
    let mut start = 0;
    while let Err(e) = std::str::from_utf8(&bytes[start..]) {
        let bad = start + e.valid_up_to();
        let len = e.error_len().unwrap_or(bytes.len() - bad);
        bytes[bad..bad + len].fill(b'?');
        start = bad + len;
    }
    String::from_utf8(bytes).unwrap_or_else(|e| String::from_utf8_lossy(e.as_bytes()).into_owned())
}

/// How many of an unrecognised input's first bytes its error shows.
const UNRECOGNIZED_HEAD: usize = 32;

/// Whether bytes the protobuf decoder refused are no profile at all rather
/// than a damaged one: their first byte is no field of a profile (with
/// that field's wire type), or they begin as text.
fn unrecognized(head: &[u8]) -> bool {
    let head = &head[..head.len().min(UNRECOGNIZED_HEAD)];
    let textual = head
        .iter()
        .all(|&b| b.is_ascii_graphic() || matches!(b, b' ' | b'\t' | b'\n' | b'\r'));
    // Fields 1–6, 11 and 15 are length-delimited (wire type 2), the
    // others varints (0); `comment` (13) may be packed.
    let profile_tag = |b: u8| {
        matches!(
            (b >> 3, b & 7),
            (1..=6 | 11 | 13 | 15, 2) | (7..=10 | 12..=14, 0)
        )
    };
    textual || !head.first().is_some_and(|&b| profile_tag(b))
}

/// A protobuf error, or [`LoadError::Unrecognized`] when the input does not
/// look like a profile at all (`head`: its first bytes). Limits passed are
/// kept as they are: they say how to go on.
fn protobuf_error(e: pprof::DecodeError, head: &[u8]) -> LoadError {
    let limit = matches!(
        e,
        pprof::DecodeError::FieldTooLarge { .. } | pprof::DecodeError::ModelTooLarge { .. }
    );
    if !limit && unrecognized(head) {
        LoadError::Unrecognized(head[..head.len().min(UNRECOGNIZED_HEAD + 1)].to_vec())
    } else {
        LoadError::Decode(e)
    }
}

/// Decodes profile bytes, choosing the decoder by content.
pub fn decode(data: &[u8]) -> Result<Profile, LoadError> {
    if data.is_empty() {
        return Err(LoadError::Empty);
    }
    if legacy::is_legacy_heap(data) {
        return legacy::decode(data).map_err(LoadError::Legacy);
    }
    pprof::decode(data).map_err(|e| protobuf_error(e, data))
}

/// [`decode`] under the memory budget of `max_size`, the bytes themselves
/// counted as held (for readers that must hold them whole to tell what
/// they are, as `doctor`).
pub fn decode_within(data: &[u8], max_size: u64) -> Result<Profile, LoadError> {
    if data.is_empty() {
        return Err(LoadError::Empty);
    }
    let limit = memory_limit(max_size);
    let held = data.len() as u64;
    if legacy::is_legacy_heap(data) {
        return legacy::decode_within(data, limit.saturating_sub(held)).map_err(LoadError::Legacy);
    }
    let mut decoder = pprof::Decoder::with_limit(limit).holding(held);
    decoder
        .feed(data)
        .and_then(|()| decoder.finish())
        .map_err(|e| protobuf_error(e, data))
}

/// Reads and decodes one profile, and applies its own `drop_frames` hint as
/// pprof does when it fetches a profile. A fetched profile is saved once it
/// decodes, named by its sample types, and the path written to `notes`.
pub fn load(
    source: &Source,
    opts: &ReadOptions,
    notes: &mut dyn Write,
) -> Result<NamedProfile, LoadError> {
    load_onto(
        source,
        opts,
        notes,
        Samples::default(),
        LocationIndex::default(),
    )
}

/// [`load`], the samples decoded onto the end of `samples`' arrays (see
/// `pprof::Decoder::onto`): the profile's samples hold those first, then
/// its own, whose frames are its location indexes plus `location_base`
/// and whose label sets index its own table. How profiles are combined
/// without copying their samples (`combine::Combiner::add_decoded`).
pub fn load_onto(
    source: &Source,
    opts: &ReadOptions,
    notes: &mut dyn Write,
    samples: Samples,
    location_base: LocationIndex,
) -> Result<NamedProfile, LoadError> {
    let start = samples.len();
    let onto = (samples, location_base);
    let max_size = opts.max_size;
    let mut profile = match source {
        Source::Path(path) => {
            let file = File::open(path).map_err(LoadError::Open)?;
            decode_stream(file, max_size, 0, false, onto)?.0
        }
        Source::Stdin => decode_stream(io::stdin(), max_size, 0, false, onto)?.0,
        Source::Url(url) => {
            // The body is kept (to be saved): it counts against the budget.
            let limit = memory_limit(max_size);
            let body = http::fetch(url, &opts.fetch, limit).map_err(LoadError::Fetch)?;
            let held = body.len() as u64;
            let (profile, legacy) = decode_stream(&body[..], max_size, held, true, onto)?;
            let kind = sample_types_name(&profile);
            let form = if legacy {
                http::SavedForm::Text
            } else {
                http::SavedForm::Protobuf
            };
            save_fetched(Some((url.clone(), body)), &kind, form, &opts.fetch, notes);
            profile
        }
    };
    // Names first: pprof prunes by the demangled names.
    crate::profile::names::apply(&mut profile, &opts.symbolize);
    crate::profile::prune::apply_from(&mut profile, start, location_base);
    if !opts.keep_allocator_frames {
        profile.allocator_stacks_cut =
            crate::profile::allocator::drop_leaf_frames(&mut profile, start, location_base);
    }
    Ok(NamedProfile {
        name: source.to_string(),
        profile,
    })
}

/// Decodes a profile while it is being read (and inflated) on another
/// thread; the format is told by the first piece. Says whether the profile
/// was in the legacy text form. What is decoded (or, for text, held) counts
/// against the memory budget, of which `held` bytes are already taken.
/// `html` rejects an HTML page (what a wrong URL returns) up front. The
/// samples go onto the end of `onto`'s, counting locations from its base
/// (see [`load_onto`]).
fn decode_stream(
    reader: impl Read + Send,
    max_size: u64,
    held: u64,
    html: bool,
    onto: (Samples, LocationIndex),
) -> Result<(Profile, bool), LoadError> {
    let mut onto = Some(onto);
    enum Form {
        Unknown,
        Protobuf(Box<pprof::Decoder>),
        Text(Vec<u8>),
    }
    let mut form = Form::Unknown;
    let mut head: Vec<u8> = Vec::new();
    let limit = memory_limit(max_size);
    stream::pump(reader, max_size, |chunk| -> Result<(), LoadError> {
        if let Form::Unknown = form {
            // Every piece but the last is large, so the first one holds
            // whatever the checks look at.
            if html && http::looks_like_html(chunk) {
                return Err(LoadError::Fetch(http::FetchError::Html));
            }
            head = chunk[..chunk.len().min(UNRECOGNIZED_HEAD + 1)].to_vec();
            form = if legacy::is_legacy_heap(chunk) {
                Form::Text(Vec::new())
            } else {
                let (samples, base) = onto.take().unwrap_or_default();
                Form::Protobuf(Box::new(
                    pprof::Decoder::with_limit(limit)
                        .holding(held)
                        .onto(samples, base),
                ))
            };
        }
        match &mut form {
            Form::Protobuf(decoder) => decoder.feed(chunk).map_err(|e| protobuf_error(e, &head)),
            Form::Text(text) => {
                if held + (text.len() + chunk.len()) as u64 > limit {
                    return Err(LoadError::TextTooLarge { limit });
                }
                text.extend_from_slice(chunk);
                Ok(())
            }
            Form::Unknown => Ok(()),
        }
    })?;
    match form {
        Form::Unknown => Err(LoadError::Empty),
        Form::Protobuf(decoder) => Ok((
            decoder.finish().map_err(|e| protobuf_error(e, &head))?,
            false,
        )),
        Form::Text(text) => {
            let mut profile =
                legacy::decode_within(&text, limit - held).map_err(LoadError::Legacy)?;
            let (samples, base) = onto.unwrap_or_default();
            profile.samples = samples.then(profile.samples, base);
            Ok((profile, true))
        }
    }
}

/// The sample types joined by dots, as pprof names saved profiles
/// (`alloc_objects.alloc_space.inuse_objects.inuse_space`); `heap` if none.
fn sample_types_name(profile: &Profile) -> String {
    let names: Vec<&str> = profile
        .sample_type_names()
        .into_iter()
        .filter(|n| !n.is_empty())
        .collect();
    if names.is_empty() {
        "heap".to_string()
    } else {
        names.join(".")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn text_replaces_invalid_bytes_in_place() {
        assert_eq!(into_text(b"gc 1 @0.1s".to_vec()), "gc 1 @0.1s");
        assert_eq!(into_text(b"a\xffb\xe2\x82c\xf0\x9f".to_vec()), "a?b??c??");
        assert_eq!(into_text("é 名 \u{1b}".as_bytes().to_vec()), "é 名 \u{1b}");
        let bytes = vec![0xc3; 100];
        let ptr = bytes.as_ptr();
        let text = into_text(bytes);
        assert_eq!(text, "?".repeat(100));
        assert_eq!(text.as_ptr(), ptr, "not copied");
    }
}
