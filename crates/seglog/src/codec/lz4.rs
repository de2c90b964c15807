//! lz4 (codec 3): the LZ4 frame format, which Kafka uses for magic-2 batches since KIP-57.
//!
//! ```text
//! frame      = magic 0x184D2204 (LE) | FLG | BD | [content size: u64 LE] | [dict id: u32 LE] | HC
//!              block* | end mark 0u32 | [content checksum: xxh32 LE]
//! FLG        = version 01 (bits 7-6) | independent blocks (5) | block checksums (4)
//!              | content size (3) | content checksum (2) | reserved 0 (1) | dict id (0)
//! BD         = reserved 0 (7) | block max size id 4..=7 = 64 KiB, 256 KiB, 1 MiB, 4 MiB (6-4) | 0
//! HC         = second byte of xxh32(FLG..HC, seed 0)
//! block      = size: u32 LE (high bit set = stored uncompressed) | data | [xxh32 of data]
//! skippable  = magic 0x184D2A5? | size: u32 LE | data (ignored)
//! ```
//!
//! We write what Kafka's Java client writes (`KafkaLZ4BlockOutputStream`): 64 KiB independent
//! blocks, no checksums, no content size; its reader rejects linked blocks, so we never write
//! them. We read every variant the format allows (linked or independent blocks, with or without
//! checksums and content size, concatenated and skippable frames), because librdkafka and the
//! `lz4` tool choose differently. Dictionary ids are refused: Kafka has no way to name one.
//!
//! This is our own frame parser over lz4_flex's block codec, so that blocks decode straight into
//! the bounded output (which doubles as the window for linked blocks) and nothing is allocated
//! from the frame's declared block or content size beyond what the output budget allows.
//!
//! `compression.lz4.level` (Kafka 1..=17) is validated but does not change the output: lz4_flex
//! has only the fast compressor, not lz4's high-compression mode.

use lz4_flex::block::{
    compress_into, decompress_into, decompress_into_with_dict, get_maximum_output_size,
    DecompressError,
};
use twox_hash::XxHash32;

use super::bounded::BoundedOutput;
use super::{level_or_default, Codec, CodecError};

const MAGIC: u32 = 0x184D_2204;
const SKIPPABLE_MAGIC_MASK: u32 = 0xFFFF_FFF0;
const SKIPPABLE_MAGIC: u32 = 0x184D_2A50;

const FLG_VERSION_MASK: u8 = 0b1100_0000;
const FLG_VERSION_01: u8 = 0b0100_0000;
const FLG_INDEPENDENT_BLOCKS: u8 = 1 << 5;
const FLG_BLOCK_CHECKSUM: u8 = 1 << 4;
const FLG_CONTENT_SIZE: u8 = 1 << 3;
const FLG_CONTENT_CHECKSUM: u8 = 1 << 2;
const FLG_RESERVED: u8 = 1 << 1;
const FLG_DICT_ID: u8 = 1;
const BD_RESERVED: u8 = 0b1000_1111;

const UNCOMPRESSED_BIT: u32 = 1 << 31;
/// Linked blocks may copy from this many bytes of earlier output in the same frame.
const WINDOW: usize = 64 * 1024;

/// Java's `KafkaLZ4BlockOutputStream` default, and the lz4 tool's smallest size.
const BLOCK_SIZE: usize = 64 * 1024;
const BD_64KB: u8 = 4 << 4;

pub(crate) fn compress(input: &[u8], level: Option<i32>) -> Result<Vec<u8>, CodecError> {
    level_or_default(Codec::Lz4, level, 1..=17, 9, None)?;
    let blocks = input.len().div_ceil(BLOCK_SIZE);
    let mut out = Vec::with_capacity(7 + blocks * 4 + input.len() / 2 + 4);
    out.extend_from_slice(&MAGIC.to_le_bytes());
    let descriptor = [FLG_VERSION_01 | FLG_INDEPENDENT_BLOCKS, BD_64KB];
    out.extend_from_slice(&descriptor);
    out.push(header_checksum(&descriptor));
    for block in input.chunks(BLOCK_SIZE) {
        let size_at = out.len();
        out.resize(size_at + 4 + get_maximum_output_size(block.len()), 0);
        let written = compress_into(block, &mut out[size_at + 4..])
            .expect("get_maximum_output_size bounds the output");
        // Incompressible data is stored as is, which the format allows and costs only a copy.
        let size = if written < block.len() {
            out.truncate(size_at + 4 + written);
            written as u32
        } else {
            out.truncate(size_at + 4);
            out.extend_from_slice(block);
            block.len() as u32 | UNCOMPRESSED_BIT
        };
        out[size_at..size_at + 4].copy_from_slice(&size.to_le_bytes());
    }
    out.extend_from_slice(&0u32.to_le_bytes());
    Ok(out)
}

pub(crate) fn decompress(input: &[u8], max_output: usize) -> Result<Vec<u8>, CodecError> {
    if input.is_empty() {
        return Err(CodecError::corrupt(
            Codec::Lz4,
            "the input is empty, not an LZ4 frame",
        ));
    }
    let mut out = BoundedOutput::new(Codec::Lz4, max_output, input.len().saturating_mul(3));
    let mut reader = Reader { input, position: 0 };
    let mut frames = 0usize;
    while !reader.at_end() {
        let magic = reader.u32("the frame magic")?;
        if magic & SKIPPABLE_MAGIC_MASK == SKIPPABLE_MAGIC {
            let size = reader.u32("a skippable frame's size")? as usize;
            reader.take(size, "a skippable frame")?;
            continue;
        }
        if magic != MAGIC {
            return Err(reader.corrupt(
                format!("frame magic is {magic:#010x}, not {MAGIC:#010x}"),
                4,
            ));
        }
        decode_frame(&mut reader, &mut out, frames)?;
        frames += 1;
    }
    if frames == 0 {
        return Err(CodecError::corrupt(
            Codec::Lz4,
            "the input has no LZ4 frame",
        ));
    }
    Ok(out.into_vec())
}

/// Decodes one frame after its magic, appending its content to `out`.
fn decode_frame(
    reader: &mut Reader<'_>,
    out: &mut BoundedOutput,
    frame: usize,
) -> Result<(), CodecError> {
    let descriptor_at = reader.position;
    let flg = reader.u8("the frame descriptor")?;
    let bd = reader.u8("the frame descriptor")?;
    if flg & FLG_VERSION_MASK != FLG_VERSION_01 {
        return Err(reader.corrupt(
            format!("frame {frame} has version bits {:02b}, not 01", flg >> 6),
            2,
        ));
    }
    if flg & FLG_RESERVED != 0 || bd & BD_RESERVED != 0 {
        return Err(reader.corrupt(
            format!("frame {frame} sets reserved descriptor bits (FLG {flg:#04x}, BD {bd:#04x})"),
            2,
        ));
    }
    let block_max = match (bd >> 4) & 0b111 {
        4 => 64 * 1024,
        5 => 256 * 1024,
        6 => 1024 * 1024,
        7 => 4 * 1024 * 1024,
        id => {
            return Err(reader.corrupt(
                format!("frame {frame} has block size id {id}, not 4..=7"),
                1,
            ))
        }
    };
    let content_size = if flg & FLG_CONTENT_SIZE != 0 {
        Some(reader.u64("the content size")?)
    } else {
        None
    };
    if flg & FLG_DICT_ID != 0 {
        return Err(reader.corrupt(
            format!("frame {frame} names a dictionary, which Kafka never uses"),
            0,
        ));
    }
    let expected_hc = header_checksum(&reader.input[descriptor_at..reader.position]);
    let hc = reader.u8("the header checksum")?;
    if hc != expected_hc {
        return Err(reader.corrupt(
            format!("frame {frame} header checksum is {hc:#04x}, expected {expected_hc:#04x}"),
            1,
        ));
    }
    if let Some(size) = content_size {
        // The declared size is a claim: it may only make us fail early, never allocate.
        if size > out.remaining() as u64 {
            return Err(out.too_large());
        }
    }

    let independent = flg & FLG_INDEPENDENT_BLOCKS != 0;
    let frame_start = out.len();
    loop {
        let size_at = reader.position;
        let size = reader.u32("a block size")?;
        if size == 0 {
            break;
        }
        let stored = size & UNCOMPRESSED_BIT != 0;
        let length = (size & !UNCOMPRESSED_BIT) as usize;
        if length > block_max {
            return Err(reader.corrupt(format!("block at byte {size_at} is {length} bytes, over the frame's {block_max}-byte maximum"), 4));
        }
        let data = reader.take(length, "a block")?;
        if flg & FLG_BLOCK_CHECKSUM != 0 {
            let checksum = reader.u32("a block checksum")?;
            if checksum != XxHash32::oneshot(0, data) {
                return Err(
                    reader.corrupt(format!("block at byte {size_at} fails its checksum"), 4)
                );
            }
        }
        if stored {
            out.extend_from_slice(data)?;
        } else {
            decode_block(data, out, frame_start, independent, block_max, size_at)?;
        }
    }
    let produced = out.len() - frame_start;
    if let Some(size) = content_size {
        if size != produced as u64 {
            return Err(CodecError::corrupt(
                Codec::Lz4,
                format!("frame {frame} declares {size} bytes of content but holds {produced}"),
            ));
        }
    }
    if flg & FLG_CONTENT_CHECKSUM != 0 {
        let checksum = reader.u32("the content checksum")?;
        if checksum != XxHash32::oneshot(0, &out.as_slice()[frame_start..]) {
            return Err(reader.corrupt(format!("frame {frame} fails its content checksum"), 4));
        }
    }
    Ok(())
}

/// Decodes one compressed block after the output. A block's size is unknown until it is decoded,
/// and the decoder needs zeroed room: sizing that room at the frame's block maximum would zero
/// (and allocate) 4 MiB to decode a 1 KiB record set in the 4 MiB-block frames kafkajs-lz4
/// writes. So the room starts near the likely size (4x the compressed bytes, at least 64 KiB)
/// and doubles on the rare block that expands further, re-decoding it.
fn decode_block(
    data: &[u8],
    out: &mut BoundedOutput,
    frame_start: usize,
    independent: bool,
    block_max: usize,
    size_at: usize,
) -> Result<(), CodecError> {
    let most = block_max.min(out.remaining());
    let mut room = most.min(data.len().saturating_mul(4).max(64 * 1024));
    loop {
        out.reserve(room)?;
        let start = out.len();
        let (history, tail) = out.zeroed_tail(room);
        let result = if independent {
            decompress_into(data, tail)
        } else {
            let frame_history = &history[frame_start..];
            let dictionary = &frame_history[frame_history.len().saturating_sub(WINDOW)..];
            decompress_into_with_dict(data, tail, dictionary)
        };
        match result {
            Ok(written) => {
                out.truncate(start + written);
                return Ok(());
            }
            Err(err) => {
                out.truncate(start);
                match err {
                    DecompressError::OutputTooSmall { .. } if room < most => {
                        room = room.saturating_mul(2).min(most)
                    }
                    // The budget, not the format, limited the room: the block would pass the limit.
                    DecompressError::OutputTooSmall { .. } if most < block_max => {
                        return Err(out.too_large())
                    }
                    err => {
                        return Err(CodecError::corrupt(
                            Codec::Lz4,
                            format!("block at byte {size_at}: {err}"),
                        ));
                    }
                }
            }
        }
    }
}

/// HC: the second byte of the xxh32 of the descriptor (FLG through the optional fields).
fn header_checksum(descriptor: &[u8]) -> u8 {
    (XxHash32::oneshot(0, descriptor) >> 8) as u8
}

/// Bounds-checked little-endian reads whose errors say what was being read and where.
struct Reader<'a> {
    input: &'a [u8],
    position: usize,
}

impl<'a> Reader<'a> {
    fn at_end(&self) -> bool {
        self.position >= self.input.len()
    }

    fn take(&mut self, length: usize, what: &str) -> Result<&'a [u8], CodecError> {
        let available = self.input.len() - self.position;
        if length > available {
            return Err(CodecError::corrupt(
                Codec::Lz4,
                format!(
                    "{what} at byte {} needs {length} bytes but {available} remain",
                    self.position
                ),
            ));
        }
        let bytes = &self.input[self.position..self.position + length];
        self.position += length;
        Ok(bytes)
    }

    fn u8(&mut self, what: &str) -> Result<u8, CodecError> {
        Ok(self.take(1, what)?[0])
    }

    fn u32(&mut self, what: &str) -> Result<u32, CodecError> {
        Ok(u32::from_le_bytes(
            self.take(4, what)?.try_into().expect("4 bytes"),
        ))
    }

    fn u64(&mut self, what: &str) -> Result<u64, CodecError> {
        Ok(u64::from_le_bytes(
            self.take(8, what)?.try_into().expect("8 bytes"),
        ))
    }

    /// A corruption error located at the field that was just read (`back` bytes ago).
    fn corrupt(&self, reason: String, back: usize) -> CodecError {
        CodecError::corrupt(
            Codec::Lz4,
            format!("{reason} (byte {})", self.position - back),
        )
    }
}

#[cfg(test)]
mod tests {
    use std::io::Write;

    use lz4_flex::frame::{BlockMode, BlockSize, FrameEncoder, FrameInfo};

    use super::*;
    use crate::codec::testdata::{json_records, random_bytes};

    fn reference_frame(input: &[u8], info: FrameInfo) -> Vec<u8> {
        let mut encoder = FrameEncoder::with_frame_info(info, Vec::new());
        encoder.write_all(input).unwrap();
        encoder.finish().unwrap()
    }

    #[test]
    fn writes_what_kafkas_java_client_writes() {
        let frame = compress(b"", None).unwrap();
        // magic, FLG (version 01, independent blocks), BD (64 KiB), HC, end mark
        assert_eq!(
            frame,
            [0x04, 0x22, 0x4d, 0x18, 0x60, 0x40, 0x82, 0, 0, 0, 0]
        );
    }

    #[test]
    fn a_reference_decoder_reads_our_frames() {
        let input = json_records(300_000, 1);
        let frame = compress(&input, None).unwrap();
        let mut decoded = Vec::new();
        std::io::copy(
            &mut lz4_flex::frame::FrameDecoder::new(&frame[..]),
            &mut decoded,
        )
        .unwrap();
        assert_eq!(decoded, input);
    }

    #[test]
    fn incompressible_blocks_are_stored() {
        let input = random_bytes(100_000, 2);
        let frame = compress(&input, None).unwrap();
        assert!(frame.len() < input.len() + 32);
        assert_eq!(decompress(&frame, input.len()).unwrap(), input);
    }

    #[test]
    fn reads_every_frame_variant_a_writer_may_choose() {
        let input = json_records(600_000, 3);
        for block_size in [
            BlockSize::Max64KB,
            BlockSize::Max256KB,
            BlockSize::Max1MB,
            BlockSize::Max4MB,
        ] {
            for block_mode in [BlockMode::Independent, BlockMode::Linked] {
                for checksums in [false, true] {
                    let info = FrameInfo::new()
                        .block_size(block_size)
                        .block_mode(block_mode)
                        .block_checksums(checksums)
                        .content_checksum(checksums)
                        .content_size(checksums.then_some(input.len() as u64));
                    let frame = reference_frame(&input, info);
                    let output = decompress(&frame, input.len()).unwrap();
                    assert!(
                        output == input,
                        "{block_size:?} {block_mode:?} checksums {checksums}"
                    );
                }
            }
        }
    }

    #[test]
    fn a_small_payload_in_a_large_block_frame_does_not_reserve_the_block() {
        let input = json_records(1000, 7);
        let frame = reference_frame(&input, FrameInfo::new().block_size(BlockSize::Max4MB));
        let output = decompress(&frame, 64 << 20).unwrap();
        assert_eq!(output, input);
        assert!(
            output.capacity() <= 64 * 1024,
            "capacity {}",
            output.capacity()
        );
    }

    #[test]
    fn blocks_that_expand_far_beyond_the_first_guess_still_decode() {
        let input = vec![b'a'; 4 << 20];
        let frame = reference_frame(&input, FrameInfo::new().block_size(BlockSize::Max4MB));
        assert!(frame.len() < 20_000, "the block expands more than 200x");
        assert_eq!(decompress(&frame, 4 << 20).unwrap(), input);
        assert!(matches!(
            decompress(&frame, (4 << 20) - 1),
            Err(CodecError::TooLarge { .. })
        ));
    }

    #[test]
    fn concatenated_and_skippable_frames_are_read_in_order() {
        let mut stream = compress(b"first ", None).unwrap();
        stream.extend_from_slice(&0x184D_2A53u32.to_le_bytes());
        stream.extend_from_slice(&3u32.to_le_bytes());
        stream.extend_from_slice(b"xyz");
        stream.extend(compress(b"second", None).unwrap());
        assert_eq!(decompress(&stream, 100).unwrap(), b"first second");
    }

    #[test]
    fn checksums_catch_corruption() {
        let input = json_records(100_000, 4);
        let info = FrameInfo::new()
            .block_checksums(true)
            .content_checksum(true);
        let frame = reference_frame(&input, info);
        let mut flipped = frame.clone();
        flipped[frame.len() / 2] ^= 0x10;
        let err = decompress(&flipped, 1 << 20).unwrap_err();
        assert!(err.to_string().contains("checksum"), "{err}");

        let mut bad_header = frame.clone();
        bad_header[6] ^= 1;
        let err = decompress(&bad_header, 1 << 20).unwrap_err();
        assert!(err.to_string().contains("header checksum"), "{err}");
    }

    #[test]
    fn a_declared_content_size_over_the_limit_fails_before_decoding() {
        let input = json_records(10_000, 5);
        let frame = reference_frame(
            &input,
            FrameInfo::new().content_size(Some(input.len() as u64)),
        );
        assert!(matches!(
            decompress(&frame, 9_999),
            Err(CodecError::TooLarge { .. })
        ));
    }

    #[test]
    fn a_false_content_size_is_corrupt() {
        let input = json_records(10_000, 6);
        let mut frame = reference_frame(
            &input,
            FrameInfo::new().content_size(Some(input.len() as u64)),
        );
        frame[6] = frame[6].wrapping_add(1); // content size, low byte
        let descriptor_end = 4 + 2 + 8;
        frame[descriptor_end] = header_checksum(&frame[4..descriptor_end]);
        let err = decompress(&frame, 1 << 20).unwrap_err();
        assert!(err.to_string().contains("declares"), "{err}");
    }

    #[test]
    fn dictionaries_and_garbage_are_corrupt() {
        let mut with_dict = vec![0x04, 0x22, 0x4d, 0x18, 0x61, 0x40, 1, 0, 0, 0];
        with_dict.push(header_checksum(&with_dict[4..]));
        assert!(decompress(&with_dict, 100)
            .unwrap_err()
            .to_string()
            .contains("dictionary"));
        assert!(decompress(b"not lz4 at all", 100)
            .unwrap_err()
            .to_string()
            .contains("magic"));
    }
}
