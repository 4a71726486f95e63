//! Reads a source's bytes on a second thread, inflating gzip under the size
//! limit, and hands them to the caller in reused chunks, so that decoding
//! runs while the next chunk is being decompressed.

use std::io::{self, BufRead, BufReader, Read};
use std::sync::mpsc;
use std::thread;

use flate2::bufread::MultiGzDecoder;

use super::LoadError;

/// Bytes per chunk: large enough that the hand-over costs nothing, small
/// enough to stay in cache while it is decoded.
const CHUNK: usize = 256 << 10;

/// Chunks in flight between the threads (besides the one being decoded).
const DEPTH: usize = 3;

/// Reads `reader` to its end, inflating it if it starts with gzip's magic
/// bytes, and calls `sink` with the data in order, in chunks of any size.
/// Stops with [`LoadError::TooLarge`] once the data passes `max_size`
/// bytes, and at the first error `sink` returns (which is passed through).
pub fn pump<R, E>(
    reader: R,
    max_size: u64,
    mut sink: impl FnMut(&[u8]) -> Result<(), E>,
) -> Result<(), E>
where
    R: Read + Send,
    E: From<LoadError>,
{
    let (full_tx, full_rx) = mpsc::sync_channel::<Result<Vec<u8>, LoadError>>(DEPTH);
    let (empty_tx, empty_rx) = mpsc::sync_channel::<Vec<u8>>(DEPTH + 1);
    thread::scope(|scope| {
        scope.spawn(move || produce(reader, max_size, &full_tx, &empty_rx));
        // Owned here, the receiver is dropped as this closure returns, before
        // the scope waits for the producer: a producer blocked on sending
        // after `sink` failed then wakes up with an error and ends.
        let full_rx = full_rx;
        for chunk in &full_rx {
            let chunk = chunk.map_err(E::from)?;
            sink(&chunk)?;
            // The producer may have finished; then the buffer is not needed.
            let _ = empty_tx.try_send(chunk);
        }
        Ok(())
    })
}

/// The producer's side of [`pump`]: fills chunks (reusing the ones handed
/// back) and sends them, then ends; an error is sent as the last item.
fn produce<R: Read>(
    reader: R,
    max_size: u64,
    full: &mpsc::SyncSender<Result<Vec<u8>, LoadError>>,
    empty: &mpsc::Receiver<Vec<u8>>,
) {
    let result = (|| {
        let mut reader = BufReader::with_capacity(1 << 16, reader);
        let head = reader.fill_buf().map_err(LoadError::Read)?;
        let gzipped = head.len() >= 2 && head[0] == 0x1f && head[1] == 0x8b;
        let mut total = 0u64;
        let mut send = |chunk: Vec<u8>| -> Result<bool, LoadError> {
            total += chunk.len() as u64;
            if total > max_size {
                return Err(LoadError::TooLarge {
                    limit: max_size,
                    compressed: gzipped,
                });
            }
            Ok(full.send(Ok(chunk)).is_ok())
        };
        if gzipped {
            fill_chunks(
                MultiGzDecoder::new(reader),
                empty,
                &mut send,
                LoadError::Gzip,
            )
        } else {
            fill_chunks(reader, empty, &mut send, LoadError::Read)
        }
    })();
    if let Err(e) = result {
        let _ = full.send(Err(e));
    }
}

/// Reads `reader` into full chunks and passes each to `send`, which says
/// whether the consumer still listens.
fn fill_chunks<R: Read>(
    mut reader: R,
    empty: &mpsc::Receiver<Vec<u8>>,
    send: &mut dyn FnMut(Vec<u8>) -> Result<bool, LoadError>,
    wrap: fn(io::Error) -> LoadError,
) -> Result<(), LoadError> {
    loop {
        // A reused chunk comes back full, so it is zero-filled only once.
        let mut chunk = empty.try_recv().unwrap_or_default();
        chunk.resize(CHUNK, 0);
        let mut filled = 0;
        while filled < CHUNK {
            match reader.read(&mut chunk[filled..]) {
                Ok(0) => break,
                Ok(n) => filled += n,
                Err(e) if e.kind() == io::ErrorKind::Interrupted => {}
                Err(e) => return Err(wrap(e)),
            }
        }
        chunk.truncate(filled);
        if filled == 0 || !send(chunk)? {
            return Ok(());
        }
        if filled < CHUNK {
            return Ok(());
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use flate2::write::GzEncoder;
    use std::io::Write;

    fn collect(data: &[u8], max: u64) -> Result<Vec<u8>, LoadError> {
        let mut out = Vec::new();
        pump(data, max, |c: &[u8]| -> Result<(), LoadError> {
            out.extend_from_slice(c);
            Ok(())
        })?;
        Ok(out)
    }

    fn gzip(data: &[u8]) -> Vec<u8> {
        let mut enc = GzEncoder::new(Vec::new(), flate2::Compression::fast());
        enc.write_all(data).unwrap();
        enc.finish().unwrap()
    }

    #[test]
    fn passes_plain_and_gzipped_data_through_in_order() {
        // Three and a half chunks of a counting pattern.
        let data: Vec<u8> = (0..CHUNK * 7 / 2).map(|i| (i % 251) as u8).collect();
        assert_eq!(collect(&data, u64::MAX).unwrap(), data);
        assert_eq!(collect(&gzip(&data), u64::MAX).unwrap(), data);
        // Two gzip members are one stream.
        let mut two = gzip(&data[..1000]);
        two.extend(gzip(&data[1000..]));
        assert_eq!(collect(&two, u64::MAX).unwrap(), data);
        assert_eq!(collect(&[], 10).unwrap(), b"");
    }

    #[test]
    fn stops_past_the_limit() {
        let data = vec![7u8; CHUNK + 10];
        assert!(collect(&data, (CHUNK + 10) as u64).is_ok());
        let err = collect(&gzip(&data), CHUNK as u64).unwrap_err();
        assert!(matches!(
            err,
            LoadError::TooLarge {
                limit,
                compressed: true
            } if limit == CHUNK as u64
        ));
        let err = collect(&data, 100).unwrap_err();
        assert!(matches!(
            err,
            LoadError::TooLarge {
                compressed: false,
                ..
            }
        ));
    }

    #[test]
    fn a_sink_error_stops_the_producer() {
        let data = vec![1u8; CHUNK * 20];
        let mut calls = 0;
        let err = pump(&data[..], u64::MAX, |_| {
            calls += 1;
            Err(LoadError::Empty)
        })
        .unwrap_err();
        assert!(matches!(err, LoadError::Empty));
        assert_eq!(calls, 1);
    }

    #[test]
    fn truncated_gzip_is_an_error() {
        let data = gzip(&vec![3u8; 100_000]);
        let err = collect(&data[..data.len() - 20], u64::MAX).unwrap_err();
        assert!(matches!(err, LoadError::Gzip(_)), "{err:?}");
    }
}
