//! The output buffer every decompressor writes into: it refuses to grow past the caller's limit.
//!
//! Untrusted compressed input can claim (or really expand to) any size: CVE-2023-34455 was one
//! snappy record that made the Java broker allocate until it died. So decoders never size a buffer
//! from a header; they ask this buffer for room, which grows geometrically but never beyond
//! `limit`, and a request past the limit becomes [`CodecError::TooLarge`] before any allocation.

use std::io::Read;

use super::{Codec, CodecError};

/// The first allocation when nothing better is known; small payloads stay small.
const MIN_CAPACITY: usize = 4096;

/// Read size for stream decoders (gzip): big enough to amortise per-call overhead.
const READ_CHUNK: usize = 64 * 1024;

/// A `Vec<u8>` whose length and capacity never exceed `limit`.
#[derive(Debug)]
pub(crate) struct BoundedOutput {
    codec: Codec,
    buf: Vec<u8>,
    limit: usize,
}

impl BoundedOutput {
    /// Starts empty with room for `size_hint` bytes (clamped to the limit). A hint may come from
    /// an untrusted header: clamping it to `limit` is what keeps it harmless.
    pub(crate) fn new(codec: Codec, limit: usize, size_hint: usize) -> Self {
        Self {
            codec,
            buf: Vec::with_capacity(size_hint.min(limit)),
            limit,
        }
    }

    pub(crate) fn len(&self) -> usize {
        self.buf.len()
    }

    /// Bytes that may still be written before the limit is reached.
    pub(crate) fn remaining(&self) -> usize {
        self.limit - self.buf.len()
    }

    pub(crate) fn as_slice(&self) -> &[u8] {
        &self.buf
    }

    pub(crate) fn too_large(&self) -> CodecError {
        CodecError::TooLarge {
            codec: self.codec,
            limit: self.limit,
        }
    }

    /// Makes capacity for `additional` more bytes, or fails with `TooLarge` when they would not
    /// fit under the limit. Growth doubles (amortised O(1) appends) but is capped at the limit,
    /// where `Vec`'s own growth could overshoot it by up to 2x.
    pub(crate) fn reserve(&mut self, additional: usize) -> Result<(), CodecError> {
        if additional > self.remaining() {
            return Err(self.too_large());
        }
        let needed = self.buf.len() + additional;
        if needed > self.buf.capacity() {
            let target = needed
                .max(self.buf.capacity() * 2)
                .max(MIN_CAPACITY)
                .min(self.limit);
            self.buf.reserve_exact(target - self.buf.len());
        }
        Ok(())
    }

    /// Like [`reserve`](Self::reserve), but when fewer than `wanted` bytes fit, reserves what is
    /// left and returns how much that is (0 at the limit). For decoders that cannot know a
    /// chunk's size before producing it.
    pub(crate) fn reserve_up_to(&mut self, wanted: usize) -> usize {
        let room = wanted.min(self.remaining());
        // Cannot fail: `room` is within the remaining budget.
        let _ = self.reserve(room);
        room
    }

    pub(crate) fn extend_from_slice(&mut self, data: &[u8]) -> Result<(), CodecError> {
        self.reserve(data.len())?;
        self.buf.extend_from_slice(data);
        Ok(())
    }

    /// Appends `room` zeroed bytes and returns them together with everything written before
    /// (block decoders need the history as their dictionary). Call [`truncate`](Self::truncate)
    /// afterwards to keep only what was produced. `room` must have been reserved.
    pub(crate) fn zeroed_tail(&mut self, room: usize) -> (&[u8], &mut [u8]) {
        let start = self.buf.len();
        debug_assert!(start + room <= self.limit);
        self.buf.resize(start + room, 0);
        let (history, tail) = self.buf.split_at_mut(start);
        (history, tail)
    }

    pub(crate) fn truncate(&mut self, len: usize) {
        self.buf.truncate(len);
    }

    /// The raw vector, for decoders (zstd) that write into spare capacity themselves. They must
    /// only use capacity obtained through `reserve`/`reserve_up_to`.
    pub(crate) fn vec_mut(&mut self) -> &mut Vec<u8> {
        &mut self.buf
    }

    /// Drains a `Read` decoder into the buffer until it reports the end, failing with `TooLarge`
    /// as soon as it yields a byte past the limit. `corrupt` turns the decoder's I/O errors into
    /// the codec's error.
    pub(crate) fn read_to_end(
        &mut self,
        mut reader: impl Read,
        corrupt: impl Fn(std::io::Error) -> CodecError,
    ) -> Result<(), CodecError> {
        loop {
            let room = self.reserve_up_to(READ_CHUNK);
            if room == 0 {
                // At the limit: one more byte from the decoder means the data is too large.
                let mut probe = [0u8; 1];
                return match read_retrying(&mut reader, &mut probe) {
                    Ok(0) => Ok(()),
                    Ok(_) => Err(self.too_large()),
                    Err(err) => Err(corrupt(err)),
                };
            }
            let start = self.buf.len();
            let (_, tail) = self.zeroed_tail(room);
            let read = read_retrying(&mut reader, tail);
            let produced = *read.as_ref().unwrap_or(&0);
            self.buf.truncate(start + produced);
            match read {
                Ok(0) => return Ok(()),
                Ok(_) => {}
                Err(err) => return Err(corrupt(err)),
            }
        }
    }

    pub(crate) fn into_vec(self) -> Vec<u8> {
        self.buf
    }
}

fn read_retrying(reader: &mut impl Read, buf: &mut [u8]) -> std::io::Result<usize> {
    loop {
        match reader.read(buf) {
            Err(err) if err.kind() == std::io::ErrorKind::Interrupted => continue,
            other => return other,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn capacity_never_exceeds_the_limit() {
        let mut out = BoundedOutput::new(Codec::Gzip, 10_000, usize::MAX);
        assert!(out.buf.capacity() <= 10_000);
        for _ in 0..10 {
            out.extend_from_slice(&[1u8; 1000]).unwrap();
            assert!(out.buf.capacity() <= 10_000);
        }
        assert_eq!(out.len(), 10_000);
        assert!(matches!(
            out.extend_from_slice(&[1]),
            Err(CodecError::TooLarge { limit: 10_000, .. })
        ));
    }

    #[test]
    fn read_to_end_stops_one_byte_past_the_limit() {
        let data = vec![7u8; 200_000];
        let mut out = BoundedOutput::new(Codec::Gzip, 100_000, 0);
        let err = out.read_to_end(&data[..], |e| panic!("{e}")).unwrap_err();
        assert!(matches!(err, CodecError::TooLarge { .. }));

        let mut exact = BoundedOutput::new(Codec::Gzip, 200_000, 0);
        exact.read_to_end(&data[..], |e| panic!("{e}")).unwrap();
        assert_eq!(exact.into_vec(), data);
    }
}
