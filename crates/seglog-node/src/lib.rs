//! napi-rs glue for seglog. Only conversions live here; the logic is in crates/seglog.

use napi_derive::napi;

mod codec;

/// CRC-32C (Castagnoli) of the bytes, as Kafka's RecordBatch v2 uses it.
#[napi(js_name = "crc32c")]
pub fn crc32c(bytes: &[u8]) -> u32 {
    seglog::batch::crc32c(bytes)
}
