//! snappy (codec 2).
//!
//! Kafka's Java client compresses with snappy-java's `SnappyOutputStream`, whose "xerial" framing
//! is what consumers expect:
//!
//! ```text
//! header  = 0x82 'S' 'N' 'A' 'P' 'P' 'Y' 0x00   magic, 8 bytes
//!           version: i32 BE (1)  compatible version: i32 BE (1)
//! block*  = length: i32 BE, then that many bytes of one raw snappy block
//! ```
//!
//! There is no end marker: the stream ends where the input ends. We write that framing with
//! 32 KiB blocks (snappy-java's default). We read it, and also a single raw snappy block without
//! framing (what kafkajs-snappy and some librdkafka versions produce); the magic tells them apart.
//!
//! A raw block starts with its uncompressed length as a varint. We trust it only after checking
//! it against the output budget and against the most a block of that size can expand to, so a
//! few bytes claiming gigabytes cost nothing.

use snap::raw::{decompress_len, max_compress_len, Decoder, Encoder};

use super::bounded::BoundedOutput;
use super::{Codec, CodecError};

const MAGIC: [u8; 8] = [0x82, b'S', b'N', b'A', b'P', b'P', b'Y', 0];
const HEADER_LEN: usize = 16;
const VERSION: i32 = 1;
const COMPATIBLE_VERSION: i32 = 1;
/// snappy-java's default block size; Java consumers allocate per block, so stay close to it.
const BLOCK_SIZE: usize = 32 * 1024;
/// The best a snappy element does is a 3-byte copy that emits 64 bytes, so no valid block
/// expands more than 64/3 times its size.
const MAX_EXPANSION: usize = 22;

pub(crate) fn compress(input: &[u8]) -> Vec<u8> {
    let blocks = input.len().div_ceil(BLOCK_SIZE);
    let mut out = Vec::with_capacity(HEADER_LEN + blocks * 4 + input.len() / 2);
    out.extend_from_slice(&MAGIC);
    out.extend_from_slice(&VERSION.to_be_bytes());
    out.extend_from_slice(&COMPATIBLE_VERSION.to_be_bytes());
    let mut encoder = Encoder::new();
    for block in input.chunks(BLOCK_SIZE) {
        let length_at = out.len();
        out.resize(length_at + 4 + max_compress_len(block.len()), 0);
        let written = encoder
            .compress(block, &mut out[length_at + 4..])
            .expect("a block of BLOCK_SIZE fits snappy's limits and max_compress_len");
        // Blocks are at most ~38 KiB, far below i32::MAX.
        out[length_at..length_at + 4].copy_from_slice(&(written as i32).to_be_bytes());
        out.truncate(length_at + 4 + written);
    }
    out
}

pub(crate) fn decompress(input: &[u8], max_output: usize) -> Result<Vec<u8>, CodecError> {
    if input.is_empty() {
        return Err(CodecError::corrupt(Codec::Snappy, "the input is empty"));
    }
    let mut decoder = Decoder::new();
    if !input.starts_with(&MAGIC) {
        let mut out = BoundedOutput::new(Codec::Snappy, max_output, 0);
        decode_block(&mut decoder, input, &mut out, "raw snappy data")?;
        return Ok(out.into_vec());
    }
    if input.len() < HEADER_LEN {
        return Err(CodecError::corrupt(
            Codec::Snappy,
            format!(
                "the xerial header is {HEADER_LEN} bytes but the input has {}",
                input.len()
            ),
        ));
    }
    // Most records compress 2-4x with snappy; the guess only saves regrowth.
    let mut out = BoundedOutput::new(Codec::Snappy, max_output, input.len().saturating_mul(3));
    let mut position = HEADER_LEN;
    let mut index = 0usize;
    while position < input.len() {
        let Some(length_bytes) = input.get(position..position + 4) else {
            return Err(CodecError::corrupt(
                Codec::Snappy,
                format!("xerial block {index} at byte {position}: its 4-byte length is cut off"),
            ));
        };
        let length = i32::from_be_bytes(length_bytes.try_into().expect("4 bytes"));
        let start = position + 4;
        let available = input.len() - start;
        if length < 0 || length as usize > available {
            return Err(CodecError::corrupt(
                Codec::Snappy,
                format!("xerial block {index} at byte {position} claims {length} bytes but {available} remain"),
            ));
        }
        let end = start + length as usize;
        decode_block(
            &mut decoder,
            &input[start..end],
            &mut out,
            &format!("xerial block {index}"),
        )?;
        position = end;
        index += 1;
    }
    Ok(out.into_vec())
}

/// Appends one raw snappy block to `out`, checking its declared length before allocating.
fn decode_block(
    decoder: &mut Decoder,
    block: &[u8],
    out: &mut BoundedOutput,
    what: &str,
) -> Result<(), CodecError> {
    let declared = decompress_len(block)
        .map_err(|err| CodecError::corrupt(Codec::Snappy, format!("{what}: {err}")))?;
    if declared > out.remaining() {
        return Err(out.too_large());
    }
    if declared > block.len().saturating_mul(MAX_EXPANSION) {
        return Err(CodecError::corrupt(
            Codec::Snappy,
            format!("{what} claims {declared} bytes from {} compressed bytes, more than snappy can expand", block.len()),
        ));
    }
    out.reserve(declared)?;
    let start = out.len();
    let (_, tail) = out.zeroed_tail(declared);
    let result = decoder.decompress(block, tail);
    match result {
        Ok(written) if written == declared => Ok(()),
        Ok(written) => {
            out.truncate(start);
            Err(CodecError::corrupt(
                Codec::Snappy,
                format!("{what} produced {written} bytes, not the {declared} it declares"),
            ))
        }
        Err(err) => {
            out.truncate(start);
            Err(CodecError::corrupt(Codec::Snappy, format!("{what}: {err}")))
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::codec::testdata::{json_records, random_bytes};

    /// Splits a framed stream into its blocks, checking the framing on the way.
    fn blocks(framed: &[u8]) -> Vec<&[u8]> {
        assert_eq!(&framed[..8], &MAGIC);
        assert_eq!(&framed[8..16], &[0, 0, 0, 1, 0, 0, 0, 1]);
        let mut blocks = Vec::new();
        let mut position = HEADER_LEN;
        while position < framed.len() {
            let length =
                u32::from_be_bytes(framed[position..position + 4].try_into().unwrap()) as usize;
            blocks.push(&framed[position + 4..position + 4 + length]);
            position += 4 + length;
        }
        assert_eq!(position, framed.len());
        blocks
    }

    #[test]
    fn compresses_into_xerial_framing_with_several_blocks() {
        let input = json_records(100_000, 1);
        let framed = compress(&input);
        let blocks = blocks(&framed);
        assert_eq!(blocks.len(), 4, "100 000 bytes in 32 KiB blocks");
        let mut joined = Vec::new();
        for block in blocks {
            joined.extend(Decoder::new().decompress_vec(block).unwrap());
        }
        assert_eq!(joined, input);
        assert_eq!(decompress(&framed, input.len()).unwrap(), input);
    }

    #[test]
    fn an_empty_input_is_just_the_header() {
        let framed = compress(b"");
        assert_eq!(framed.len(), HEADER_LEN);
        assert_eq!(decompress(&framed, 0).unwrap(), b"");
    }

    #[test]
    fn reads_raw_snappy_without_framing() {
        let input = json_records(50_000, 2);
        let raw = Encoder::new().compress_vec(&input).unwrap();
        assert_eq!(decompress(&raw, input.len()).unwrap(), input);
        assert!(matches!(
            decompress(&raw, input.len() - 1),
            Err(CodecError::TooLarge { .. })
        ));
    }

    #[test]
    fn reads_blocks_of_any_size_written_by_other_framers() {
        // librdkafka and older snappy-java versions pick other block sizes.
        let input = random_bytes(70_000, 3);
        let mut framed = compress(b"");
        for block in input.chunks(50_000) {
            let raw = Encoder::new().compress_vec(block).unwrap();
            framed.extend_from_slice(&(raw.len() as i32).to_be_bytes());
            framed.extend_from_slice(&raw);
        }
        assert_eq!(decompress(&framed, input.len()).unwrap(), input);
    }

    #[test]
    fn a_block_claiming_a_gigabyte_fails_before_allocating() {
        // varint 2^30, then a literal: the claim alone must be rejected.
        let bogus_raw = [0x80, 0x80, 0x80, 0x80, 0x04, 0x00, b'x'];
        assert!(matches!(
            decompress(&bogus_raw, 1 << 20),
            Err(CodecError::TooLarge { .. })
        ));
        assert!(matches!(
            decompress(&bogus_raw, usize::MAX),
            Err(CodecError::Corrupt { .. })
        ));

        let mut framed = compress(b"");
        framed.extend_from_slice(&(bogus_raw.len() as i32).to_be_bytes());
        framed.extend_from_slice(&bogus_raw);
        assert!(matches!(
            decompress(&framed, 1 << 20),
            Err(CodecError::TooLarge { .. })
        ));
    }

    #[test]
    fn a_negative_or_overlong_block_length_is_corrupt() {
        let mut framed = compress(&json_records(1000, 4));
        framed[HEADER_LEN] = 0xff; // length becomes negative
        let err = decompress(&framed, 1 << 20).unwrap_err();
        assert!(err.to_string().contains("xerial block 0"), "{err}");

        let mut framed = compress(&json_records(1000, 4));
        framed[HEADER_LEN + 1] = 0x7f;
        assert!(matches!(
            decompress(&framed, 1 << 20),
            Err(CodecError::Corrupt { .. })
        ));
    }

    #[test]
    fn a_truncated_header_is_corrupt() {
        let framed = compress(b"abc");
        let err = decompress(&framed[..12], 100).unwrap_err();
        assert!(err.to_string().contains("xerial header"), "{err}");
    }
}
