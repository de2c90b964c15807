//! Kafka's record compression codecs, as the batch attributes number them (bits 0-2).
//!
//! | id | codec  | wire format                                                              |
//! |----|--------|--------------------------------------------------------------------------|
//! | 0  | none   | the records as they are                                                  |
//! | 1  | gzip   | gzip members (RFC 1952), as `java.util.zip.GZIPOutputStream` writes      |
//! | 2  | snappy | snappy-java's "xerial" framing of raw snappy blocks; raw snappy is read too |
//! | 3  | lz4    | the LZ4 frame format (KIP-57)                                            |
//! | 4  | zstd   | zstd frames, with or without a content size                              |
//!
//! Compression covers a batch's records region only; the batch header stays plain.
//!
//! Decompression reads untrusted bytes from producers and peers, so it is bounded: it never
//! allocates or returns more than `max_output` bytes and fails with [`CodecError::TooLarge`]
//! instead. Sizes declared inside the data (zstd and lz4 content sizes, snappy lengths) are only
//! hints, clamped to `max_output`. Malformed input fails with [`CodecError::Corrupt`] naming the
//! codec and the check that failed; nothing panics.
//!
//! Every function here is a pure function of its arguments and safe to call from any thread
//! (zstd keeps one context per thread, see `zstd.rs`).

mod bounded;
mod gzip;
mod lz4;
mod snappy;
mod zstd;

use std::fmt;

/// A compression codec, numbered as in the RecordBatch attributes.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
#[repr(u8)]
pub enum Codec {
    None = 0,
    Gzip = 1,
    Snappy = 2,
    Lz4 = 3,
    Zstd = 4,
}

impl Codec {
    /// The codec for a batch-attributes id (0-4); other ids are [`CodecError::UnsupportedCodec`].
    pub fn from_id(id: i64) -> Result<Self, CodecError> {
        match id {
            0 => Ok(Self::None),
            1 => Ok(Self::Gzip),
            2 => Ok(Self::Snappy),
            3 => Ok(Self::Lz4),
            4 => Ok(Self::Zstd),
            other => Err(CodecError::UnsupportedCodec(other)),
        }
    }

    /// The codec's id in the batch attributes.
    pub fn id(self) -> u8 {
        self as u8
    }

    /// Kafka's `compression.type` name.
    pub fn name(self) -> &'static str {
        match self {
            Self::None => "none",
            Self::Gzip => "gzip",
            Self::Snappy => "snappy",
            Self::Lz4 => "lz4",
            Self::Zstd => "zstd",
        }
    }
}

impl fmt::Display for Codec {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

/// Why a codec call failed. Messages name the codec and what was seen.
#[derive(Debug, thiserror::Error)]
pub enum CodecError {
    /// The input is not valid data for the codec (bad magic, checksum, truncation, ...).
    #[error("{codec} data is corrupt: {reason}")]
    Corrupt { codec: Codec, reason: String },
    /// The input decompresses to more than the caller's limit.
    #[error("{codec} data decompresses to more than the limit of {limit} bytes")]
    TooLarge { codec: Codec, limit: usize },
    /// The id is not a Kafka compression codec.
    #[error("compression codec id {0} is not supported (0 none, 1 gzip, 2 snappy, 3 lz4, 4 zstd)")]
    UnsupportedCodec(i64),
    /// The level is outside what Kafka accepts for the codec.
    #[error("{codec} compression level {level} is out of range ({min}..={max})")]
    UnsupportedLevel {
        codec: Codec,
        level: i32,
        min: i32,
        max: i32,
    },
}

impl CodecError {
    pub(crate) fn corrupt(codec: Codec, reason: impl Into<String>) -> Self {
        Self::Corrupt {
            codec,
            reason: reason.into(),
        }
    }
}

/// Compresses `input` with `codec` in the wire format Kafka clients read (see the module table).
///
/// `level` follows Kafka's `compression.<codec>.level` settings: gzip 1..=9 (default 6, -1 also
/// means default), lz4 1..=17 (validated, but the encoder has one speed, see `lz4.rs`), zstd
/// -131072..=22 (default 3). Snappy and none have no levels and ignore it.
pub fn compress(codec: Codec, input: &[u8], level: Option<i32>) -> Result<Vec<u8>, CodecError> {
    match codec {
        Codec::None => Ok(input.to_vec()),
        Codec::Gzip => gzip::compress(input, level),
        Codec::Snappy => Ok(snappy::compress(input)),
        Codec::Lz4 => lz4::compress(input, level),
        Codec::Zstd => zstd::compress(input, level),
    }
}

/// Decompresses `input`, producing at most `max_output` bytes: larger output fails with
/// [`CodecError::TooLarge`] as soon as the limit is passed, with memory bounded by the limit.
pub fn decompress(codec: Codec, input: &[u8], max_output: usize) -> Result<Vec<u8>, CodecError> {
    match codec {
        Codec::None if input.len() > max_output => Err(CodecError::TooLarge {
            codec,
            limit: max_output,
        }),
        Codec::None => Ok(input.to_vec()),
        Codec::Gzip => gzip::decompress(input, max_output),
        Codec::Snappy => snappy::decompress(input, max_output),
        Codec::Lz4 => lz4::decompress(input, max_output),
        Codec::Zstd => zstd::decompress(input, max_output),
    }
}

/// Checks a level against Kafka's range for the codec; `None` and `default_alias` mean default.
fn level_or_default(
    codec: Codec,
    level: Option<i32>,
    range: std::ops::RangeInclusive<i32>,
    default: i32,
    default_alias: Option<i32>,
) -> Result<i32, CodecError> {
    match level {
        None => Ok(default),
        Some(level) if Some(level) == default_alias => Ok(default),
        Some(level) if range.contains(&level) => Ok(level),
        Some(level) => Err(CodecError::UnsupportedLevel {
            codec,
            level,
            min: *range.start(),
            max: *range.end(),
        }),
    }
}

#[cfg(test)]
pub(crate) mod testdata;

#[cfg(test)]
mod tests {
    use super::testdata::{json_records, random_bytes};
    use super::*;

    const ALL: [Codec; 5] = [
        Codec::None,
        Codec::Gzip,
        Codec::Snappy,
        Codec::Lz4,
        Codec::Zstd,
    ];

    #[test]
    fn every_codec_round_trips_every_size() {
        let inputs: Vec<Vec<u8>> = vec![
            Vec::new(),
            vec![0x42],
            random_bytes(1 << 20, 1),
            json_records(1 << 20, 2),
            vec![0u8; 1 << 20],
        ];
        for codec in ALL {
            for input in &inputs {
                let compressed = compress(codec, input, None).unwrap();
                let output = decompress(codec, &compressed, input.len()).unwrap();
                assert!(
                    output == *input,
                    "{codec} round trip of {} bytes",
                    input.len()
                );
            }
        }
    }

    #[test]
    fn output_one_byte_over_the_limit_is_too_large() {
        let input = json_records(100_000, 3);
        for codec in ALL {
            let compressed = compress(codec, &input, None).unwrap();
            let err = decompress(codec, &compressed, input.len() - 1).unwrap_err();
            assert!(
                matches!(err, CodecError::TooLarge { limit, .. } if limit == input.len() - 1),
                "{codec}: {err}"
            );
        }
    }

    #[test]
    fn unknown_codec_ids_are_unsupported() {
        assert!(matches!(
            Codec::from_id(5),
            Err(CodecError::UnsupportedCodec(5))
        ));
        assert!(matches!(
            Codec::from_id(-1),
            Err(CodecError::UnsupportedCodec(-1))
        ));
        assert_eq!(Codec::from_id(4).unwrap(), Codec::Zstd);
    }

    #[test]
    fn levels_outside_kafkas_ranges_are_rejected() {
        let input = b"records";
        assert!(matches!(
            compress(Codec::Gzip, input, Some(10)),
            Err(CodecError::UnsupportedLevel { level: 10, .. })
        ));
        assert!(matches!(
            compress(Codec::Lz4, input, Some(0)),
            Err(CodecError::UnsupportedLevel { .. })
        ));
        assert!(matches!(
            compress(Codec::Zstd, input, Some(23)),
            Err(CodecError::UnsupportedLevel { .. })
        ));
        for (codec, level) in [
            (Codec::Gzip, -1),
            (Codec::Gzip, 1),
            (Codec::Lz4, 17),
            (Codec::Zstd, -5),
        ] {
            let compressed = compress(codec, input, Some(level)).unwrap();
            assert_eq!(decompress(codec, &compressed, 100).unwrap(), input);
        }
    }

    #[test]
    fn truncated_inputs_fail_as_corrupt() {
        let input = json_records(200_000, 4);
        for codec in [Codec::Gzip, Codec::Snappy, Codec::Lz4, Codec::Zstd] {
            let compressed = compress(codec, &input, None).unwrap();
            for cut in [0, 1, 5, compressed.len() / 2, compressed.len() - 1] {
                let err = decompress(codec, &compressed[..cut], 1 << 20).unwrap_err();
                assert!(
                    matches!(err, CodecError::Corrupt { codec: c, .. } if c == codec),
                    "{codec} cut at {cut}: {err}"
                );
            }
        }
    }

    #[test]
    fn random_bytes_behind_a_valid_magic_fail_cleanly() {
        // Past the magic, so the decoders' inner parsers see the garbage.
        let prefixes: [(Codec, &[u8]); 5] = [
            (Codec::Gzip, &[0x1f, 0x8b, 0x08, 0, 0, 0, 0, 0, 0, 0xff]),
            (
                Codec::Snappy,
                &[
                    0x82, b'S', b'N', b'A', b'P', b'P', b'Y', 0, 0, 0, 0, 1, 0, 0, 0, 1,
                ],
            ),
            (Codec::Snappy, &[]),
            (Codec::Lz4, &[0x04, 0x22, 0x4d, 0x18, 0x60, 0x40, 0x82]),
            (Codec::Zstd, &[0x28, 0xb5, 0x2f, 0xfd]),
        ];
        let mut rng = testdata::Rng::new(9);
        for (codec, prefix) in prefixes {
            for round in 0..500u64 {
                let mut input = prefix.to_vec();
                input.extend(random_bytes(rng.below(600) as usize, round));
                match decompress(codec, &input, 1 << 20) {
                    Ok(_) | Err(CodecError::Corrupt { .. }) | Err(CodecError::TooLarge { .. }) => {}
                    Err(other) => panic!("{codec}: unexpected {other}"),
                }
            }
        }
    }

    #[test]
    fn bit_flips_fail_cleanly_and_never_panic() {
        let input = json_records(20_000, 5);
        for codec in [Codec::Gzip, Codec::Snappy, Codec::Lz4, Codec::Zstd] {
            let compressed = compress(codec, &input, None).unwrap();
            let mut detected = 0;
            for position in (0..compressed.len()).step_by(7) {
                for bit in [0, 3, 7] {
                    let mut flipped = compressed.clone();
                    flipped[position] ^= 1 << bit;
                    match decompress(codec, &flipped, 1 << 20) {
                        Err(CodecError::Corrupt { .. }) | Err(CodecError::TooLarge { .. }) => {
                            detected += 1
                        }
                        Err(other) => panic!("{codec}: unexpected {other}"),
                        // Codecs without a checksum (raw snappy blocks, lz4 blocks without
                        // checksums) can decode a flipped literal into different bytes.
                        Ok(_) => {}
                    }
                }
            }
            assert!(detected > 0, "{codec}: no flip was detected");
        }
    }
}
