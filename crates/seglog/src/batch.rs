//! RecordBatch v2 header view, validation and the in-place rewrites the broker makes.
//!
//! Layout (all integers big-endian; the CRC-32C covers bytes from `attributes` to the end):
//!
//! ```text
//!  0 baseOffset int64        12 partitionLeaderEpoch int32   17 crc uint32
//!  8 batchLength int32       16 magic int8                  21 attributes int16
//! 23 lastOffsetDelta int32   27 baseTimestamp int64         35 maxTimestamp int64
//! 43 producerId int64        51 producerEpoch int16         53 baseSequence int32
//! 57 recordsCount int32      61 records...
//! ```
//!
//! `baseOffset` and `partitionLeaderEpoch` lie before the CRC'd range, which is why the log can
//! assign offsets by rewriting them without recomputing the checksum. Nothing here decompresses:
//! the broker only needs the header.

use crate::error::{BatchCheck, Error, Result};

pub const BASE_OFFSET: usize = 0;
pub const BATCH_LENGTH: usize = 8;
pub const PARTITION_LEADER_EPOCH: usize = 12;
pub const MAGIC: usize = 16;
pub const CRC: usize = 17;
pub const ATTRIBUTES: usize = 21;
pub const LAST_OFFSET_DELTA: usize = 23;
pub const BASE_TIMESTAMP: usize = 27;
pub const MAX_TIMESTAMP: usize = 35;
pub const PRODUCER_ID: usize = 43;
pub const PRODUCER_EPOCH: usize = 51;
pub const BASE_SEQUENCE: usize = 53;
pub const RECORDS_COUNT: usize = 57;
pub const RECORDS: usize = 61;

/// Bytes before and including `batchLength`: a batch occupies `LOG_OVERHEAD + batchLength` bytes.
pub const LOG_OVERHEAD: usize = 12;
/// The fixed header, up to the first record.
pub const HEADER_SIZE: usize = RECORDS;
/// The smallest legal `batchLength`: a header with no record bytes.
pub const MIN_BATCH_LENGTH: i32 = (HEADER_SIZE - LOG_OVERHEAD) as i32;
pub const MAGIC_V2: i8 = 2;

/// Attribute bits.
pub const COMPRESSION_MASK: i16 = 0x07;
pub const TIMESTAMP_TYPE_LOG_APPEND: i16 = 0x08;
pub const TRANSACTIONAL: i16 = 0x10;
pub const CONTROL: i16 = 0x20;

/// CRC-32C (Castagnoli) of `bytes`; the crc32c crate uses SSE 4.2 / ARMv8 CRC instructions when
/// the CPU has them (checked once at run time).
pub fn crc32c(bytes: &[u8]) -> u32 {
    crc32c::crc32c(bytes)
}

fn be_i16(b: &[u8], at: usize) -> i16 {
    i16::from_be_bytes([b[at], b[at + 1]])
}
fn be_i32(b: &[u8], at: usize) -> i32 {
    i32::from_be_bytes(b[at..at + 4].try_into().expect("4 bytes"))
}
fn be_i64(b: &[u8], at: usize) -> i64 {
    i64::from_be_bytes(b[at..at + 8].try_into().expect("8 bytes"))
}

/// A read-only view of one batch header. The slice starts at the batch's first byte and holds at
/// least `HEADER_SIZE` bytes; callers validate before viewing.
#[derive(Clone, Copy)]
pub struct BatchHeader<'a> {
    bytes: &'a [u8],
}

impl<'a> BatchHeader<'a> {
    /// Views `bytes` as a batch header. Panics if fewer than `HEADER_SIZE` bytes are given, which
    /// is a bug in the caller (every caller checks the length first).
    pub fn new(bytes: &'a [u8]) -> BatchHeader<'a> {
        assert!(
            bytes.len() >= HEADER_SIZE,
            "a batch header needs {HEADER_SIZE} bytes"
        );
        BatchHeader { bytes }
    }
    pub fn base_offset(&self) -> i64 {
        be_i64(self.bytes, BASE_OFFSET)
    }
    pub fn batch_length(&self) -> i32 {
        be_i32(self.bytes, BATCH_LENGTH)
    }
    /// Total bytes of the batch (`LOG_OVERHEAD + batchLength`).
    pub fn size(&self) -> usize {
        LOG_OVERHEAD + self.batch_length().max(0) as usize
    }
    pub fn partition_leader_epoch(&self) -> i32 {
        be_i32(self.bytes, PARTITION_LEADER_EPOCH)
    }
    pub fn magic(&self) -> i8 {
        self.bytes[MAGIC] as i8
    }
    pub fn crc(&self) -> u32 {
        be_i32(self.bytes, CRC) as u32
    }
    pub fn attributes(&self) -> i16 {
        be_i16(self.bytes, ATTRIBUTES)
    }
    pub fn compression(&self) -> u8 {
        (self.attributes() & COMPRESSION_MASK) as u8
    }
    pub fn is_log_append_time(&self) -> bool {
        self.attributes() & TIMESTAMP_TYPE_LOG_APPEND != 0
    }
    pub fn is_transactional(&self) -> bool {
        self.attributes() & TRANSACTIONAL != 0
    }
    pub fn is_control(&self) -> bool {
        self.attributes() & CONTROL != 0
    }
    pub fn last_offset_delta(&self) -> i32 {
        be_i32(self.bytes, LAST_OFFSET_DELTA)
    }
    pub fn last_offset(&self) -> i64 {
        self.base_offset() + i64::from(self.last_offset_delta())
    }
    pub fn base_timestamp(&self) -> i64 {
        be_i64(self.bytes, BASE_TIMESTAMP)
    }
    pub fn max_timestamp(&self) -> i64 {
        be_i64(self.bytes, MAX_TIMESTAMP)
    }
    pub fn producer_id(&self) -> i64 {
        be_i64(self.bytes, PRODUCER_ID)
    }
    pub fn producer_epoch(&self) -> i16 {
        be_i16(self.bytes, PRODUCER_EPOCH)
    }
    pub fn base_sequence(&self) -> i32 {
        be_i32(self.bytes, BASE_SEQUENCE)
    }
    pub fn records_count(&self) -> i32 {
        be_i32(self.bytes, RECORDS_COUNT)
    }
}

/// What a validated batch told us, for offset assignment and indexing.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct BatchInfo {
    /// Position of the batch in the record set or file.
    pub position: usize,
    pub size: usize,
    pub base_offset: i64,
    pub last_offset_delta: i32,
    pub records_count: i32,
    pub max_timestamp: i64,
    pub partition_leader_epoch: i32,
}

/// Which rules a record set must satisfy; the leader path is stricter than replication.
#[derive(Debug, Clone, Copy)]
pub struct ValidationRules {
    /// Batches larger than this are rejected (max.message.bytes); `None` skips the check, as
    /// Kafka does for followers.
    pub max_batch_size: Option<usize>,
    /// Kafka's broker requires baseOffset 0 in client batches.
    pub require_zero_base_offset: bool,
    /// Clients may not write control (transaction marker) batches.
    pub reject_control_batches: bool,
    /// lastOffsetDelta must equal recordsCount - 1 (client batches), and idempotent batches must
    /// carry a sequence.
    pub check_record_counts: bool,
}

/// Validates the header and CRC of the batch at `position` of `set` and returns its facts.
/// Checks run in this order so that each malformed input gets its own error: header length,
/// magic, batchLength bounds, size limit, CRC, then the count and client rules.
pub fn validate_batch(set: &[u8], position: usize, rules: &ValidationRules) -> Result<BatchInfo> {
    let remaining = set.len() - position;
    if remaining < HEADER_SIZE {
        return Err(Error::InvalidBatch {
            position,
            check: BatchCheck::ShorterThanHeader { remaining },
        });
    }
    let header = BatchHeader::new(&set[position..]);
    if header.magic() != MAGIC_V2 {
        return Err(Error::InvalidMagic {
            position,
            magic: header.magic(),
        });
    }
    let batch_length = header.batch_length();
    if batch_length < MIN_BATCH_LENGTH {
        return Err(Error::InvalidBatch {
            position,
            check: BatchCheck::LengthBelowMinimum { batch_length },
        });
    }
    let size = header.size();
    if size > remaining {
        return Err(Error::InvalidBatch {
            position,
            check: BatchCheck::LengthPastBuffer {
                batch_length,
                remaining: remaining - LOG_OVERHEAD,
            },
        });
    }
    if let Some(max) = rules.max_batch_size {
        if size > max {
            return Err(Error::MessageTooLarge {
                position,
                size,
                max,
            });
        }
    }
    let computed = crc32c(&set[position + ATTRIBUTES..position + size]);
    if computed != header.crc() {
        return Err(Error::CorruptMessage {
            position,
            stored: header.crc(),
            computed,
        });
    }
    let last_offset_delta = header.last_offset_delta();
    let records_count = header.records_count();
    if last_offset_delta < 0
        || (rules.check_record_counts
            && (records_count <= 0 || last_offset_delta != records_count - 1))
    {
        return Err(Error::InvalidBatch {
            position,
            check: BatchCheck::OffsetDeltaMismatch {
                last_offset_delta,
                records_count,
            },
        });
    }
    if rules.require_zero_base_offset && header.base_offset() != 0 {
        return Err(Error::InvalidBatch {
            position,
            check: BatchCheck::NonZeroBaseOffset {
                base_offset: header.base_offset(),
            },
        });
    }
    if rules.reject_control_batches && header.is_control() {
        return Err(Error::InvalidBatch {
            position,
            check: BatchCheck::ControlBatchFromClient,
        });
    }
    // Control batches (transaction markers, written by the broker) carry the producer's id but
    // no sequence, as in Kafka.
    if rules.check_record_counts
        && !header.is_control()
        && header.producer_id() >= 0
        && header.base_sequence() < 0
    {
        return Err(Error::InvalidBatch {
            position,
            check: BatchCheck::MissingSequence {
                producer_id: header.producer_id(),
                base_sequence: header.base_sequence(),
            },
        });
    }
    Ok(BatchInfo {
        position,
        size,
        base_offset: header.base_offset(),
        last_offset_delta,
        records_count,
        max_timestamp: header.max_timestamp(),
        partition_leader_epoch: header.partition_leader_epoch(),
    })
}

/// Validates every batch of a record set (batches back to back, nothing after the last).
pub fn validate_record_set(set: &[u8], rules: &ValidationRules) -> Result<Vec<BatchInfo>> {
    if set.is_empty() {
        return Err(Error::EmptyRecordSet);
    }
    let mut batches = Vec::new();
    let mut position = 0;
    while position < set.len() {
        let info = validate_batch(set, position, rules)?;
        position += info.size;
        batches.push(info);
    }
    Ok(batches)
}

/// Writes `baseOffset` (outside the CRC).
pub fn set_base_offset(batch: &mut [u8], base_offset: i64) {
    batch[BASE_OFFSET..BASE_OFFSET + 8].copy_from_slice(&base_offset.to_be_bytes());
}

/// Writes `partitionLeaderEpoch` (outside the CRC).
pub fn set_partition_leader_epoch(batch: &mut [u8], epoch: i32) {
    batch[PARTITION_LEADER_EPOCH..PARTITION_LEADER_EPOCH + 4].copy_from_slice(&epoch.to_be_bytes());
}

/// Marks the batch as LogAppendTime with `now` as its maxTimestamp and recomputes the CRC, which
/// covers both fields. `batch` is exactly one batch.
pub fn set_log_append_time(batch: &mut [u8], now: i64) {
    let attributes = be_i16(batch, ATTRIBUTES) | TIMESTAMP_TYPE_LOG_APPEND;
    batch[ATTRIBUTES..ATTRIBUTES + 2].copy_from_slice(&attributes.to_be_bytes());
    batch[MAX_TIMESTAMP..MAX_TIMESTAMP + 8].copy_from_slice(&now.to_be_bytes());
    let crc = crc32c(&batch[ATTRIBUTES..]);
    batch[CRC..CRC + 4].copy_from_slice(&crc.to_be_bytes());
}

/// Reads a zig-zag varint (at most 10 bytes) at `*at`, advancing it; `None` if malformed.
fn read_varlong(bytes: &[u8], at: &mut usize) -> Option<i64> {
    let mut value: u64 = 0;
    for shift in (0..70).step_by(7) {
        let byte = *bytes.get(*at)?;
        *at += 1;
        value |= u64::from(byte & 0x7f) << shift;
        if byte & 0x80 == 0 {
            return Some(((value >> 1) as i64) ^ -((value & 1) as i64));
        }
    }
    None
}

/// For an uncompressed CreateTime batch (the whole batch in `batch`): the offset and timestamp
/// of its first record whose timestamp is at or above `target`. Walks only the record prefixes
/// (length, attributes, timestampDelta, offsetDelta). `None` if the batch is compressed, uses
/// LogAppendTime, has no such record, or a record is malformed.
pub fn first_record_at_or_after(batch: &[u8], target: i64) -> Option<(i64, i64)> {
    let header = BatchHeader::new(batch);
    if header.compression() != 0 || header.is_log_append_time() {
        return None;
    }
    let mut at = RECORDS;
    for _ in 0..header.records_count().max(0) {
        let length = usize::try_from(read_varlong(batch, &mut at)?).ok()?;
        let start = at;
        let mut field = at + 1; // attributes
        let timestamp = header
            .base_timestamp()
            .checked_add(read_varlong(batch, &mut field)?)?;
        let offset_delta = read_varlong(batch, &mut field)?;
        if timestamp >= target {
            return Some((header.base_offset() + offset_delta, timestamp));
        }
        at = start.checked_add(length)?;
        if at > batch.len() {
            return None;
        }
    }
    None
}
