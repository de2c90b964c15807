//! JS face of `seglog::codec`: synchronous `compress` and `decompress`.
//!
//! They are synchronous on purpose: the broker calls them inside piscina worker threads
//! (src/workers), which already keep the event loop free, so an `AsyncTask` would only add a
//! second hop through libuv's pool. The input is borrowed for the duration of the call.
//!
//! Failures throw a JS `Error` whose `code` is stable: `SEGLOG_CODEC_CORRUPT`,
//! `SEGLOG_CODEC_TOO_LARGE`, `SEGLOG_CODEC_UNSUPPORTED`, or Node's `ERR_INVALID_ARG_VALUE` for a
//! malformed number argument.

// `cargo test` compiles napi's registration out, which leaves the exports looking unused.
#![cfg_attr(test, allow(dead_code))]

use napi::bindgen_prelude::BufferSlice;
use napi::Env;
use napi_derive::napi;
use seglog::codec::{self, Codec, CodecError};

type JsResult<T> = napi::Result<T, String>;

/// Compresses `input` with a Kafka codec id (0 none, 1 gzip, 2 snappy in xerial framing, 3 lz4
/// frame, 4 zstd). `level` is the codec's Kafka level (gzip 1-9, lz4 1-17, zstd up to 22);
/// omitted means Kafka's default. Returns a new Buffer.
#[napi]
pub(crate) fn compress<'env>(
    env: &'env Env,
    codec: f64,
    input: &[u8],
    level: Option<i32>,
) -> napi::Result<BufferSlice<'env>, String> {
    let codec = codec_from_js(codec)?;
    let output = codec::compress(codec, input, level).map_err(map_error)?;
    into_js_buffer(env, &output)
}

/// Decompresses `input` (codec ids as for `compress`), producing at most `maxBytes` bytes:
/// anything larger throws `SEGLOG_CODEC_TOO_LARGE` without allocating more than the limit.
#[napi]
pub(crate) fn decompress<'env>(
    env: &'env Env,
    codec: f64,
    input: &[u8],
    max_bytes: f64,
) -> napi::Result<BufferSlice<'env>, String> {
    let codec = codec_from_js(codec)?;
    let max_output = size_from_js("maxBytes", max_bytes)?;
    let output = codec::decompress(codec, input, max_output).map_err(map_error)?;
    into_js_buffer(env, &output)
}

/// Copies the output into memory V8 owns. Node cannot move an external (Rust-owned) buffer to
/// another thread: listed in a `postMessage` transfer list it is silently cloned instead (checked
/// on Node 20: the source stays attached), and cloning costs a copy on each side (piscina: 1 MiB
/// cloned p50 151 µs, transferred 29 µs). Worker results must move back to the event loop, so
/// one copy here, on the worker thread, is the cheaper path.
fn into_js_buffer<'env>(env: &'env Env, bytes: &[u8]) -> napi::Result<BufferSlice<'env>, String> {
    BufferSlice::copy_from(env, bytes)
        .map_err(|err| napi::Error::new(format!("{:?}", err.status), err.reason.clone()))
}

fn codec_from_js(id: f64) -> JsResult<Codec> {
    if !id.is_finite() || id.fract() != 0.0 {
        return Err(napi::Error::new(
            "SEGLOG_CODEC_UNSUPPORTED".to_string(),
            format!("compression codec id {id} is not supported (0 none, 1 gzip, 2 snappy, 3 lz4, 4 zstd)"),
        ));
    }
    Codec::from_id(id as i64).map_err(map_error)
}

fn size_from_js(name: &str, value: f64) -> JsResult<usize> {
    // 2^53: beyond it a JS number no longer names every integer.
    const MAX_SAFE_INTEGER: f64 = 9_007_199_254_740_991.0;
    if value.is_finite() && value >= 0.0 && value.fract() == 0.0 && value <= MAX_SAFE_INTEGER {
        return Ok(value as usize);
    }
    Err(napi::Error::new(
        "ERR_INVALID_ARG_VALUE".to_string(),
        format!("{name} must be a non-negative integer, got {value}"),
    ))
}

/// The one place codec errors become JS errors; `code` is what callers match on.
fn map_error(err: CodecError) -> napi::Error<String> {
    let code = match err {
        CodecError::Corrupt { .. } => "SEGLOG_CODEC_CORRUPT",
        CodecError::TooLarge { .. } => "SEGLOG_CODEC_TOO_LARGE",
        CodecError::UnsupportedCodec(_) | CodecError::UnsupportedLevel { .. } => {
            "SEGLOG_CODEC_UNSUPPORTED"
        }
    };
    napi::Error::new(code.to_string(), err.to_string())
}
