//! zstd (codec 4): standard zstd frames (RFC 8878). The Java client streams them without a
//! content size (zstd-jni's `ZstdOutputStream`); librdkafka writes one-shot frames with it. We
//! write one-shot frames (content size included, no checksum) and read both, plus concatenated
//! and skippable frames.
//!
//! Decoding streams into the bounded output in chunks, so a frame's declared content size is
//! only used to fail early or to size the first allocation below the limit. The decoder accepts
//! windows up to 2^27 bytes, like Kafka's own zstd-jni: libzstd reserves such a window lazily,
//! and only the pages actually written (never more than the output we accept, plus one block)
//! become resident.
//!
//! Contexts are expensive to create (a level-3 compressor allocates about a megabyte of tables),
//! so each thread keeps one compressor and one decompressor and resets them per call. Worker
//! threads each get their own; nothing is shared between threads.

use std::cell::RefCell;

use ::zstd::zstd_safe::{
    self, get_error_name, get_frame_content_size, CCtx, CParameter, DCtx, DParameter, InBuffer,
    OutBuffer, ResetDirective,
};

use super::bounded::BoundedOutput;
use super::{level_or_default, Codec, CodecError};

/// Kafka's `compression.zstd.level` default.
const DEFAULT_LEVEL: i32 = 3;
/// libzstd's default decoder window limit (ZSTD_WINDOWLOG_LIMIT_DEFAULT), stated on purpose.
const WINDOW_LOG_MAX: u32 = 27;
/// Output produced per decoder call: zstd's recommended stream output size (one block).
const OUTPUT_CHUNK: usize = 128 * 1024;

thread_local! {
    static COMPRESSOR: RefCell<CCtx<'static>> = RefCell::new(CCtx::create());
    static DECOMPRESSOR: RefCell<DCtx<'static>> = RefCell::new(DCtx::create());
}

pub(crate) fn compress(input: &[u8], level: Option<i32>) -> Result<Vec<u8>, CodecError> {
    let level = level_or_default(
        Codec::Zstd,
        level,
        zstd_safe::min_c_level()..=zstd_safe::max_c_level(),
        DEFAULT_LEVEL,
        None,
    )?;
    COMPRESSOR.with(|compressor| {
        let mut cctx = compressor.borrow_mut();
        let failed = |code| {
            CodecError::corrupt(
                Codec::Zstd,
                format!("compression failed: {}", get_error_name(code)),
            )
        };
        cctx.reset(ResetDirective::SessionAndParameters)
            .map_err(failed)?;
        cctx.set_parameter(CParameter::CompressionLevel(level))
            .map_err(failed)?;
        let mut out = Vec::with_capacity(zstd_safe::compress_bound(input.len()));
        cctx.compress2(&mut out, input).map_err(failed)?;
        Ok(out)
    })
}

pub(crate) fn decompress(input: &[u8], max_output: usize) -> Result<Vec<u8>, CodecError> {
    if input.is_empty() {
        return Err(CodecError::corrupt(
            Codec::Zstd,
            "the input is empty, not a zstd frame",
        ));
    }
    let size_hint = match get_frame_content_size(input) {
        Ok(Some(size)) if size > max_output as u64 => {
            return Err(CodecError::TooLarge {
                codec: Codec::Zstd,
                limit: max_output,
            });
        }
        Ok(Some(size)) => size as usize,
        // No content size (streamed) or not parseable yet: the decoder will say which.
        _ => input.len().saturating_mul(4),
    };
    DECOMPRESSOR.with(|decompressor| {
        let mut dctx = decompressor.borrow_mut();
        let corrupt = |code| CodecError::corrupt(Codec::Zstd, get_error_name(code).to_string());
        // An earlier failure leaves the context mid-frame; start clean every time.
        dctx.reset(ResetDirective::SessionOnly).map_err(corrupt)?;
        dctx.set_parameter(DParameter::WindowLogMax(WINDOW_LOG_MAX))
            .map_err(corrupt)?;
        let mut out = BoundedOutput::new(Codec::Zstd, max_output, size_hint);
        let mut source = InBuffer::around(input);
        loop {
            let consumed_before = source.pos();
            let room = out.reserve_up_to(OUTPUT_CHUNK);
            let (remaining_hint, produced) = if room == 0 {
                // At the limit: if the data holds even one more byte, it is too large.
                let mut probe = [0u8; 1];
                let mut sink = OutBuffer::around(&mut probe[..]);
                let hint = dctx
                    .decompress_stream(&mut sink, &mut source)
                    .map_err(corrupt)?;
                if sink.pos() > 0 {
                    return Err(out.too_large());
                }
                (hint, 0)
            } else {
                let vec = out.vec_mut();
                let before = vec.len();
                // The sink writes into the vector's spare capacity and extends its length.
                let mut sink = OutBuffer::around_pos(vec, before);
                let hint = dctx
                    .decompress_stream(&mut sink, &mut source)
                    .map_err(corrupt)?;
                (hint, sink.pos() - before)
            };
            let input_done = source.pos() == input.len();
            if remaining_hint == 0 && input_done {
                return Ok(out.into_vec());
            }
            let progressed = produced > 0 || source.pos() > consumed_before;
            if input_done && !progressed {
                return Err(CodecError::corrupt(
                    Codec::Zstd,
                    format!(
                        "the input ends inside a frame after {} bytes of output",
                        out.len()
                    ),
                ));
            }
            if !progressed {
                return Err(CodecError::corrupt(
                    Codec::Zstd,
                    "the decoder made no progress",
                ));
            }
        }
    })
}

#[cfg(test)]
mod tests {
    use std::io::Write;

    use super::*;
    use crate::codec::testdata::json_records;

    /// A frame as zstd-jni's `ZstdOutputStream` writes it: streamed, no content size.
    fn streamed_frame(input: &[u8], level: i32, checksum: bool) -> Vec<u8> {
        let mut encoder = ::zstd::stream::write::Encoder::new(Vec::new(), level).unwrap();
        encoder.include_checksum(checksum).unwrap();
        encoder.include_contentsize(false).unwrap();
        for chunk in input.chunks(10_000) {
            encoder.write_all(chunk).unwrap();
            encoder.flush().unwrap();
        }
        encoder.finish().unwrap()
    }

    #[test]
    fn reads_streamed_frames_without_a_content_size() {
        let input = json_records(500_000, 1);
        for (level, checksum) in [(1, false), (3, true), (19, false)] {
            let frame = streamed_frame(&input, level, checksum);
            assert!(matches!(get_frame_content_size(&frame), Ok(None)));
            assert_eq!(decompress(&frame, input.len()).unwrap(), input);
            assert!(matches!(
                decompress(&frame, input.len() - 1),
                Err(CodecError::TooLarge { .. })
            ));
        }
    }

    #[test]
    fn writes_frames_with_a_content_size() {
        let input = json_records(10_000, 2);
        let frame = compress(&input, None).unwrap();
        assert!(matches!(get_frame_content_size(&frame), Ok(Some(10_000))));
        assert_eq!(::zstd::bulk::decompress(&frame, 10_000).unwrap(), input);
    }

    #[test]
    fn a_declared_size_over_the_limit_fails_before_decoding() {
        let frame = compress(&json_records(10_000, 3), None).unwrap();
        assert!(matches!(
            decompress(&frame, 9_999),
            Err(CodecError::TooLarge { .. })
        ));
    }

    #[test]
    fn concatenated_and_skippable_frames_decode_in_order() {
        let mut stream = compress(b"first ", None).unwrap();
        stream.extend_from_slice(&0x184D_2A50u32.to_le_bytes());
        stream.extend_from_slice(&2u32.to_le_bytes());
        stream.extend_from_slice(b"..");
        stream.extend(streamed_frame(b"second", 3, true));
        assert_eq!(decompress(&stream, 100).unwrap(), b"first second");
    }

    #[test]
    fn a_checksum_mismatch_is_corrupt() {
        let input = json_records(50_000, 4);
        let mut frame = streamed_frame(&input, 3, true);
        let last = frame.len() - 1;
        frame[last] ^= 0x01;
        let err = decompress(&frame, 1 << 20).unwrap_err();
        assert!(err.to_string().contains("zstd data is corrupt"), "{err}");
    }

    #[test]
    fn the_context_recovers_after_a_failure() {
        let input = json_records(50_000, 5);
        let frame = compress(&input, None).unwrap();
        assert!(decompress(&frame[..frame.len() / 2], 1 << 20).is_err());
        assert_eq!(decompress(&frame, 1 << 20).unwrap(), input);
    }
}
