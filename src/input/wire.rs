//! The protobuf wire format at its lowest level: varints, field keys and
//! length-delimited slices, read from a byte slice with every bound checked.

use std::fmt;

/// Wire types of the protobuf encoding.
pub const VARINT: u8 = 0;
pub const FIXED64: u8 = 1;
pub const LEN: u8 = 2;
pub const FIXED32: u8 = 5;

/// What can go wrong reading the wire format.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum WireError {
    /// The data ended inside a field.
    Truncated { offset: usize },
    /// A varint longer than 10 bytes.
    VarintTooLong { offset: usize },
    /// A wire type that protobuf does not define (or the deprecated groups).
    BadWireType { offset: usize, wire_type: u8 },
    /// Field number 0, which protobuf reserves.
    ZeroField { offset: usize },
}

impl fmt::Display for WireError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            WireError::Truncated { offset } => {
                write!(f, "data ends in the middle of a field (byte {offset})")
            }
            WireError::VarintTooLong { offset } => {
                write!(f, "malformed varint at byte {offset}")
            }
            WireError::BadWireType { offset, wire_type } => {
                write!(f, "unknown wire type {wire_type} at byte {offset}")
            }
            WireError::ZeroField { offset } => write!(f, "field number 0 at byte {offset}"),
        }
    }
}

/// Reads a varint at `buf[*pos..]`, advancing `pos`; `None` if it is
/// truncated or longer than 10 bytes (see [`varint_error`]). One- and
/// two-byte varints, the common case in profiles, take the short path.
#[inline(always)]
pub fn read_varint(buf: &[u8], pos: &mut usize) -> Option<u64> {
    let i = *pos;
    let b0 = *buf.get(i)?;
    if b0 < 0x80 {
        *pos = i + 1;
        return Some(b0 as u64);
    }
    let b1 = *buf.get(i + 1)?;
    if b1 < 0x80 {
        *pos = i + 2;
        return Some((b0 & 0x7f) as u64 | (b1 as u64) << 7);
    }
    read_varint_slow(buf, pos)
}

#[inline(never)]
fn read_varint_slow(buf: &[u8], pos: &mut usize) -> Option<u64> {
    let mut value: u64 = 0;
    for shift in 0..10 {
        let b = *buf.get(*pos + shift)?;
        value |= ((b & 0x7f) as u64) << (7 * shift);
        if b < 0x80 {
            *pos += shift + 1;
            return Some(value);
        }
    }
    None
}

/// The error for a varint at `buf[start..]` that [`read_varint`] rejected.
#[cold]
pub fn varint_error(buf: &[u8], start: usize, base: usize) -> WireError {
    let offset = base + start;
    if buf.len() - start.min(buf.len()) < 10
        && buf[start.min(buf.len())..].iter().all(|b| b & 0x80 != 0)
    {
        WireError::Truncated { offset }
    } else {
        WireError::VarintTooLong { offset }
    }
}

/// Where the field that starts at `buf[pos]` ends, or `None` if `buf` ends
/// before it does (more data may complete it). A malformed field is said to
/// end at the end of `buf`, so that reading it reports the error.
pub fn field_end(buf: &[u8], pos: usize) -> Option<usize> {
    // A varint at `p`: its end, `None` if cut short, the buffer's end if
    // malformed.
    let varint = |p: usize| -> Option<Result<(u64, usize), usize>> {
        let mut q = p;
        match read_varint(buf, &mut q) {
            Some(v) => Some(Ok((v, q))),
            None if buf.len() - p.min(buf.len()) < 10 => None,
            None => Some(Err(buf.len())),
        }
    };
    let (key, p) = match varint(pos)? {
        Ok(kp) => kp,
        Err(end) => return Some(end),
    };
    let fixed = |n: usize| (buf.len() - p >= n).then_some(p + n);
    match (key & 7) as u8 {
        VARINT => match varint(p)? {
            Ok((_, end)) | Err(end) => Some(end),
        },
        FIXED64 => fixed(8),
        FIXED32 => fixed(4),
        LEN => match varint(p)? {
            // The end computed only once it is known to lie in `buf`: a
            // declared length near 2^64 would overflow it.
            Ok((len, begin)) => (len <= (buf.len() - begin) as u64).then(|| begin + len as usize),
            Err(end) => Some(end),
        },
        _ => Some(buf.len()),
    }
}

/// The length a length-delimited field at `buf[pos]` declares, and where
/// its payload begins, once its key and length are in `buf`; `None` for
/// other fields or if they are not.
pub fn declared_len(buf: &[u8], pos: usize) -> Option<(u64, usize)> {
    let mut p = pos;
    let key = read_varint(buf, &mut p)?;
    if key & 7 != LEN as u64 {
        return None;
    }
    let len = read_varint(buf, &mut p)?;
    Some((len, p))
}

/// A cursor over protobuf-encoded bytes. `base` is the offset of `buf` in
/// the whole input, so errors point at the right byte.
pub struct Reader<'a> {
    buf: &'a [u8],
    pos: usize,
    base: usize,
}

impl<'a> Reader<'a> {
    pub fn new(buf: &'a [u8]) -> Self {
        Reader {
            buf,
            pos: 0,
            base: 0,
        }
    }

    /// A reader over a sub-slice that starts at `base` in the whole input.
    pub fn with_base(buf: &'a [u8], base: usize) -> Self {
        Reader { buf, pos: 0, base }
    }

    pub fn is_empty(&self) -> bool {
        self.pos >= self.buf.len()
    }

    /// Offset of the cursor in the whole input.
    pub fn offset(&self) -> usize {
        self.base + self.pos
    }

    #[inline]
    pub fn varint(&mut self) -> Result<u64, WireError> {
        let start = self.pos;
        read_varint(self.buf, &mut self.pos).ok_or_else(|| varint_error(self.buf, start, self.base))
    }

    /// The next field's number and wire type.
    #[inline]
    pub fn key(&mut self) -> Result<(u32, u8), WireError> {
        let offset = self.offset();
        let key = self.varint()?;
        let wire_type = (key & 7) as u8;
        let field = key >> 3;
        if field == 0 {
            return Err(WireError::ZeroField { offset });
        }
        if !matches!(wire_type, VARINT | FIXED64 | LEN | FIXED32) {
            return Err(WireError::BadWireType { offset, wire_type });
        }
        Ok((field.min(u32::MAX as u64) as u32, wire_type))
    }

    /// A length-delimited payload, and its offset in the whole input.
    #[inline]
    pub fn bytes(&mut self) -> Result<(&'a [u8], usize), WireError> {
        let start = self.pos;
        let len = self.varint()?;
        let begin = self.pos;
        let available = (self.buf.len() - begin) as u64;
        if len > available {
            return Err(WireError::Truncated {
                offset: self.base + start,
            });
        }
        self.pos = begin + len as usize;
        Ok((&self.buf[begin..self.pos], self.base + begin))
    }

    /// Skips a field's payload of the given wire type.
    pub fn skip(&mut self, wire_type: u8) -> Result<(), WireError> {
        let fixed = |r: &mut Self, n: usize| {
            if r.buf.len() - r.pos < n {
                return Err(WireError::Truncated { offset: r.offset() });
            }
            r.pos += n;
            Ok(())
        };
        match wire_type {
            VARINT => self.varint().map(|_| ()),
            FIXED64 => fixed(self, 8),
            FIXED32 => fixed(self, 4),
            LEN => self.bytes().map(|_| ()),
            other => Err(WireError::BadWireType {
                offset: self.offset(),
                wire_type: other,
            }),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_multi_byte_varints() {
        let mut r = Reader::new(&[0xac, 0x02, 0x01]);
        assert_eq!(r.varint(), Ok(300));
        assert_eq!(r.varint(), Ok(1));
        assert!(r.is_empty());
    }

    #[test]
    fn truncated_varint_is_an_error() {
        let mut r = Reader::new(&[0x80, 0x80]);
        assert_eq!(r.varint(), Err(WireError::Truncated { offset: 0 }));
    }

    #[test]
    fn overlong_varint_is_an_error() {
        let mut r = Reader::new(&[0xff; 11]);
        assert_eq!(r.varint(), Err(WireError::VarintTooLong { offset: 0 }));
    }

    #[test]
    fn length_beyond_the_end_is_an_error() {
        // Field 2, wire type 2, length 5, but only 1 byte follows.
        let mut r = Reader::new(&[0x12, 0x05, 0x00]);
        assert_eq!(r.key(), Ok((2, LEN)));
        assert_eq!(r.bytes(), Err(WireError::Truncated { offset: 1 }));
    }

    #[test]
    fn field_end_waits_for_whole_fields() {
        // Field 2, LEN 3, then three bytes; field 1 varint 300.
        let buf = [0x12, 0x03, 1, 2, 3, 0x08, 0xac, 0x02];
        assert_eq!(field_end(&buf, 0), Some(5));
        assert_eq!(field_end(&buf, 5), Some(8));
        for cut in [1, 2, 4] {
            assert_eq!(field_end(&buf[..cut], 0), None);
        }
        assert_eq!(field_end(&buf[..7], 5), None);
        assert_eq!(field_end(&buf[..5], 5), None);
        // Fixed-size fields.
        assert_eq!(field_end(&[0x09, 0, 0, 0, 0, 0, 0, 0, 0], 0), Some(9));
        assert_eq!(field_end(&[0x0d, 0, 0, 0], 0), None);
        // Malformed: an 11-byte varint, a group: the rest of the buffer.
        let mut long = vec![0xff; 11];
        long.push(0);
        assert_eq!(field_end(&long, 0), Some(12));
        assert_eq!(field_end(&[0x0b, 1, 2], 0), Some(3));
        // A length near 2^64 (found by fuzzing): not in the buffer, so
        // incomplete, the end never computed (it would overflow).
        let mut huge = vec![0x0a];
        huge.extend_from_slice(&[0xff; 9]);
        huge.push(0x01);
        huge.extend_from_slice(&[0x15; 40]);
        assert_eq!(field_end(&huge, 0), None);
    }

    #[test]
    fn groups_are_rejected() {
        let mut r = Reader::new(&[0x0b]);
        assert_eq!(
            r.key(),
            Err(WireError::BadWireType {
                offset: 0,
                wire_type: 3
            })
        );
    }
}
