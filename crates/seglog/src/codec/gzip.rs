//! gzip (codec 1): RFC 1952 members, as `java.util.zip.GZIPOutputStream` (Java client) and zlib
//! (librdkafka) write them. Concatenated members decode as one stream, like `gzip -d`; each
//! member's CRC-32 and length trailer is verified.

use std::io::Write;

use flate2::bufread::MultiGzDecoder;
use flate2::write::GzEncoder;
use flate2::Compression;

use super::bounded::BoundedOutput;
use super::{level_or_default, Codec, CodecError};

/// Kafka's `compression.gzip.level`: 1..=9, default -1 meaning zlib's default (6).
const DEFAULT_LEVEL: i32 = 6;

pub(crate) fn compress(input: &[u8], level: Option<i32>) -> Result<Vec<u8>, CodecError> {
    let level = level_or_default(Codec::Gzip, level, 1..=9, DEFAULT_LEVEL, Some(-1))?;
    // Header and trailer are 18 bytes; text usually shrinks to well under half.
    let mut encoder = GzEncoder::new(
        Vec::with_capacity(input.len() / 2 + 64),
        Compression::new(level as u32),
    );
    // Writing into a Vec cannot fail.
    encoder.write_all(input).expect("writing to a Vec");
    Ok(encoder.finish().expect("writing to a Vec"))
}

pub(crate) fn decompress(input: &[u8], max_output: usize) -> Result<Vec<u8>, CodecError> {
    if input.is_empty() {
        return Err(CodecError::corrupt(
            Codec::Gzip,
            "the input is empty, not a gzip member",
        ));
    }
    // Deflate rarely shrinks records more than ~10x; a wrong guess only costs a regrowth.
    let mut out = BoundedOutput::new(Codec::Gzip, max_output, input.len().saturating_mul(4));
    out.read_to_end(MultiGzDecoder::new(input), |err| {
        let reason = match err.kind() {
            std::io::ErrorKind::UnexpectedEof => {
                "the stream ends before its last member is complete".to_string()
            }
            _ => err.to_string(),
        };
        CodecError::corrupt(Codec::Gzip, reason)
    })?;
    Ok(out.into_vec())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::codec::testdata::json_records;

    #[test]
    fn concatenated_members_decode_as_one_stream() {
        let mut joined = compress(b"first member, ", None).unwrap();
        joined.extend(compress(b"second member", Some(1)).unwrap());
        assert_eq!(
            decompress(&joined, 1000).unwrap(),
            b"first member, second member"
        );
    }

    #[test]
    fn a_wrong_crc_trailer_is_corrupt() {
        let mut data = compress(&json_records(10_000, 1), None).unwrap();
        let crc_at = data.len() - 8;
        data[crc_at] ^= 0xff;
        let err = decompress(&data, 1 << 20).unwrap_err();
        assert!(
            matches!(
                err,
                CodecError::Corrupt {
                    codec: Codec::Gzip,
                    ..
                }
            ),
            "{err}"
        );
    }

    #[test]
    fn trailing_garbage_after_a_member_is_corrupt() {
        let mut data = compress(b"records", None).unwrap();
        data.extend_from_slice(b"garbage!");
        let err = decompress(&data, 1000).unwrap_err();
        assert!(matches!(err, CodecError::Corrupt { .. }), "{err}");
    }

    #[test]
    fn higher_levels_do_not_compress_worse_on_records() {
        let input = json_records(200_000, 2);
        let fast = compress(&input, Some(1)).unwrap();
        let best = compress(&input, Some(9)).unwrap();
        assert!(best.len() <= fast.len());
        assert_eq!(decompress(&best, input.len()).unwrap(), input);
    }
}
