//! RecordBatch v2 header view and CRC-32C (placeholder, filled by the storage work).

/// CRC-32C (Castagnoli) of `bytes`, hardware accelerated where the CPU has it.
pub fn crc32c(bytes: &[u8]) -> u32 {
    crc32c::crc32c(bytes)
}
