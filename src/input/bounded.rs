//! Reading a source into memory under the size limit (`-max_size`): the
//! buffer grows with what arrives and never past the limit, and, for a
//! profile, the protobuf's top-level fields are checked as they arrive, so
//! that a gzip bomb stops early instead of filling memory up to the limit:
//!
//! - a field whose length alone goes past the limit is refused as soon as
//!   its length is read, before its bytes are inflated;
//! - data that is not protobuf from its first fields on (a bomb of zeros)
//!   stops being read where it goes wrong; the decoder then reports that
//!   place, as it would have on the whole input.
//!
//! Legacy text profiles (told apart by their first line, as
//! [`super::decode`] tells them) and the text inputs of `memstats` and
//! `gctrace` are read without the checks, up to the limit.

use std::io::{self, Read};

use super::legacy;
use super::wire::{self, Reader, WireError};

/// What is known about the data before it is all read.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Expect {
    /// A profile: protobuf, or legacy text.
    Profile,
    /// Any text.
    Text,
}

/// How a read ended.
#[derive(Debug, PartialEq, Eq)]
pub enum Outcome {
    /// All of the data (or, when it stopped being a protobuf, all of it up
    /// to just past where it went wrong).
    Data(Vec<u8>),
    /// The data is, or says it is, larger than the limit.
    TooLarge,
}

/// Bytes read per step; also the first allocation.
const CHUNK: usize = 64 << 10;

/// How much of the start [`legacy::is_legacy_heap`] looks at.
const SNIFF: usize = 4096;

/// Reads everything `reader` yields, up to `max_size` bytes.
pub fn read(mut reader: impl Read, max_size: u64, expect: Expect) -> io::Result<Outcome> {
    // One byte more than the limit tells "exactly the limit" from "more".
    let cap = usize::try_from(max_size.saturating_add(1)).unwrap_or(usize::MAX);
    let mut data: Vec<u8> = Vec::new();
    let mut watch = match expect {
        Expect::Profile => Some(Watch::new(max_size)),
        Expect::Text => None,
    };
    loop {
        if data.len() == data.capacity() {
            // Doubling, but never past the limit (plus the byte that tells).
            let grow = data.capacity().max(CHUNK).min(cap - data.len());
            data.try_reserve_exact(grow).map_err(|_| {
                io::Error::new(
                    io::ErrorKind::OutOfMemory,
                    format!(
                        "not enough memory for {} bytes (lower -max_size=BYTES to fail sooner)",
                        data.len() + grow
                    ),
                )
            })?;
        }
        let start = data.len();
        let want = CHUNK.min(data.capacity() - start).min(cap - start);
        data.resize(start + want, 0);
        let got = match reader.read(&mut data[start..]) {
            Ok(n) => n,
            Err(e) if e.kind() == io::ErrorKind::Interrupted => {
                data.truncate(start);
                continue;
            }
            Err(e) => return Err(e),
        };
        data.truncate(start + got);
        let eof = got == 0;
        if data.len() as u64 > max_size {
            return Ok(Outcome::TooLarge);
        }
        if let Some(w) = &mut watch {
            match w.advance(&data, eof) {
                Verdict::Continue => {}
                Verdict::Unwatched => watch = None,
                Verdict::Invalid => return Ok(Outcome::Data(data)),
                Verdict::TooLarge => return Ok(Outcome::TooLarge),
            }
        }
        if eof {
            return Ok(Outcome::Data(data));
        }
    }
}

#[derive(Debug, PartialEq, Eq)]
enum Verdict {
    Continue,
    /// Not a protobuf to watch (legacy text): read on, unchecked.
    Unwatched,
    /// Stop reading: the data is not protobuf at the first error's place,
    /// which the data read so far includes.
    Invalid,
    TooLarge,
}

/// Walks the top-level fields of a protobuf as its bytes arrive.
struct Watch {
    max_size: u64,
    /// Offset of the next field's key.
    next: u64,
    /// Why the walk stopped, once it has; what that means is decided when
    /// the start can be sniffed for legacy text.
    failed: Option<Step>,
}

impl Watch {
    fn new(max_size: u64) -> Self {
        Watch {
            max_size,
            next: 0,
            failed: None,
        }
    }

    fn advance(&mut self, data: &[u8], eof: bool) -> Verdict {
        if self.failed.is_none() {
            match self.walk(data) {
                Ok(()) => return Verdict::Continue,
                Err(step) => self.failed = Some(step),
            }
        }
        if data.len() < SNIFF && !eof {
            return Verdict::Continue;
        }
        match self.failed {
            _ if legacy::is_legacy_heap(data) => Verdict::Unwatched,
            Some(Step::TooLarge) => Verdict::TooLarge,
            _ => Verdict::Invalid,
        }
    }

    /// Follows fields from `next` while whole keys and lengths are there.
    fn walk(&mut self, data: &[u8]) -> Result<(), Step> {
        while self.next < data.len() as u64 {
            let at = self.next as usize;
            let mut r = Reader::with_base(&data[at..], at);
            let wire_type = match r.key() {
                Ok((_, wire_type)) => wire_type,
                Err(WireError::Truncated { .. }) => return Ok(()),
                Err(_) => return Err(Step::Invalid),
            };
            let end = match wire_type {
                wire::VARINT => match r.varint() {
                    Ok(_) => r.offset() as u64,
                    Err(WireError::Truncated { .. }) => return Ok(()),
                    Err(_) => return Err(Step::Invalid),
                },
                wire::FIXED64 => r.offset() as u64 + 8,
                wire::FIXED32 => r.offset() as u64 + 4,
                _ => match r.varint() {
                    Ok(len) => (r.offset() as u64).saturating_add(len),
                    Err(WireError::Truncated { .. }) => return Ok(()),
                    Err(_) => return Err(Step::Invalid),
                },
            };
            if end > self.max_size {
                return Err(Step::TooLarge);
            }
            self.next = end;
        }
        Ok(())
    }
}

#[derive(Debug, Clone, Copy)]
enum Step {
    Invalid,
    TooLarge,
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A reader that yields its data a few bytes at a time and counts what
    /// was taken from it.
    struct Trickle<I: Iterator<Item = u8>> {
        bytes: I,
        taken: usize,
    }

    impl<I: Iterator<Item = u8>> Read for Trickle<I> {
        fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
            let mut n = 0;
            for slot in buf.iter_mut().take(7) {
                match self.bytes.next() {
                    Some(b) => *slot = b,
                    None => break,
                }
                n += 1;
            }
            self.taken += n;
            Ok(n)
        }
    }

    fn trickle<I: Iterator<Item = u8>>(bytes: I) -> Trickle<I> {
        Trickle { bytes, taken: 0 }
    }

    #[test]
    fn data_within_the_limit_is_read_whole() {
        let data: Vec<u8> = (0..200_000u32).map(|i| (i % 251) as u8).collect();
        let out = read(&data[..], 200_000, Expect::Text).unwrap();
        assert_eq!(out, Outcome::Data(data));
    }

    #[test]
    fn one_byte_over_the_limit_is_too_large() {
        let data = vec![b'x'; 1001];
        assert_eq!(
            read(&data[..], 1000, Expect::Text).unwrap(),
            Outcome::TooLarge
        );
        assert_eq!(
            read(&data[..1000], 1000, Expect::Text).unwrap(),
            Outcome::Data(data[..1000].to_vec())
        );
    }

    #[test]
    fn a_field_longer_than_the_limit_stops_at_its_length() {
        // Field 2 (a sample), 6 GB long, of zeros that never end.
        let head = [0x12, 0x80, 0x80, 0xf0, 0xad, 0x16];
        let mut r = trickle(head.into_iter().chain(std::iter::repeat(0)));
        assert_eq!(
            read(&mut r, 1 << 20, Expect::Profile).unwrap(),
            Outcome::TooLarge
        );
        // It stopped once the first sniff's worth had arrived.
        assert!(r.taken <= CHUNK + 7, "read {} bytes", r.taken);
    }

    #[test]
    fn zeros_stop_at_the_first_key() {
        let mut r = trickle(std::iter::repeat(0u8));
        match read(&mut r, 1 << 30, Expect::Profile).unwrap() {
            Outcome::Data(d) => assert!(d.len() < 2 * CHUNK, "{}", d.len()),
            Outcome::TooLarge => panic!("stopped as too large"),
        }
    }

    #[test]
    fn a_valid_protobuf_is_read_whole() {
        // Many small fields, split across reads at every possible place.
        let mut data = Vec::new();
        for i in 0..20_000u32 {
            data.extend_from_slice(&[0x12, 0x03, 0x0a, 0x01, (i % 128) as u8]); // sample
            data.extend_from_slice(&[0x48, 0xff, 0x01]); // time_nanos
            data.extend_from_slice(&[0x31, 1, 2, 3, 4, 5, 6, 7, 8]); // fixed64
        }
        let r = trickle(data.clone().into_iter());
        assert_eq!(
            read(r, data.len() as u64, Expect::Profile).unwrap(),
            Outcome::Data(data)
        );
    }

    #[test]
    fn legacy_text_is_not_checked_as_protobuf() {
        let mut text = b"heap profile: 1: 64 [1: 64] @ heap/1048576\n".to_vec();
        while text.len() < 3 * CHUNK {
            text.extend_from_slice(b"1: 64 [1: 64] @ 0x401000 0x402000\n");
        }
        let r = trickle(text.clone().into_iter());
        assert_eq!(
            read(r, 1 << 30, Expect::Profile).unwrap(),
            Outcome::Data(text)
        );
    }

    #[test]
    fn text_is_read_whole_even_when_it_is_not_protobuf() {
        let text = vec![0u8; 3 * CHUNK];
        assert_eq!(
            read(&text[..], 1 << 30, Expect::Text).unwrap(),
            Outcome::Data(text)
        );
    }
}
