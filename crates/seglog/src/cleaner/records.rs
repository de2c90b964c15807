//! Looking inside stored batches for the cleaner: walking the records of a RecordBatch v2
//! (decompressing through the crate's codecs when needed) and rebuilding a batch from the
//! records it keeps.
//!
//! A kept record's bytes are copied as they are: the rebuilt batch keeps the original
//! baseOffset and baseTimestamp, so every record's offsetDelta and timestampDelta stay right.
//! It also keeps lastOffsetDelta, producer id, epoch and baseSequence, as Kafka's
//! MemoryRecords.filterTo does, so the producer's last sequence survives compaction (a producer
//! whose last batch lost records must not see OUT_OF_ORDER_SEQUENCE_NUMBER afterwards).
//! recordsCount, maxTimestamp (CreateTime), batchLength and the CRC-32C are recomputed.

use crate::batch::{self, BatchHeader, BASE_TIMESTAMP, HEADER_SIZE, LOG_OVERHEAD};
use crate::codec::{self, Codec};
use crate::error::{Error, Result};

/// Largest record payload a cleaning decompresses (a batch of up to max.message.bytes rarely
/// inflates past this; a larger one is kept whole rather than cleaned).
pub(crate) const MAX_DECOMPRESSED: usize = 256 << 20;

/// The fields of one record the cleaner decides on, and where its bytes lie in the payload.
#[derive(Debug, Clone, Copy)]
pub(crate) struct RecordRef<'a> {
    pub offset: i64,
    pub timestamp: i64,
    pub key: Option<&'a [u8]>,
    pub is_tombstone: bool,
    /// The whole record, length prefix included, as stored.
    pub bytes: &'a [u8],
}

fn read_varint(bytes: &[u8], at: &mut usize) -> Option<i64> {
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

fn corrupt(base_offset: i64, what: &str) -> Error {
    Error::io(
        format!("clean the batch at offset {base_offset}"),
        std::io::Error::new(std::io::ErrorKind::InvalidData, what.to_string()),
    )
}

/// The records payload of `batch` (everything after the header), decompressed if needed.
pub(crate) fn payload(batch: &[u8]) -> Result<std::borrow::Cow<'_, [u8]>> {
    let header = BatchHeader::new(batch);
    let raw = &batch[HEADER_SIZE..];
    if header.compression() == 0 {
        return Ok(std::borrow::Cow::Borrowed(raw));
    }
    let codec = Codec::from_id(header.compression().into())
        .map_err(|e| corrupt(header.base_offset(), &e.to_string()))?;
    codec::decompress(codec, raw, MAX_DECOMPRESSED)
        .map(std::borrow::Cow::Owned)
        .map_err(|e| corrupt(header.base_offset(), &e.to_string()))
}

/// Calls `visit` for each record of the payload; fails if a record is malformed.
pub(crate) fn for_each_record<'a>(
    header: &BatchHeader<'_>,
    payload: &'a [u8],
    mut visit: impl FnMut(RecordRef<'a>),
) -> Result<()> {
    let base_offset = header.base_offset();
    let base_timestamp = header.base_timestamp();
    let mut at = 0usize;
    for _ in 0..header.records_count().max(0) {
        let start = at;
        let length = read_varint(payload, &mut at)
            .and_then(|l| usize::try_from(l).ok())
            .ok_or_else(|| corrupt(base_offset, "bad record length"))?;
        let body_start = at;
        let end = body_start
            .checked_add(length)
            .filter(|&e| e <= payload.len())
            .ok_or_else(|| corrupt(base_offset, "record runs past the batch"))?;
        let body = &payload[..end];
        let mut field = body_start + 1; // attributes
        let parsed = (|| {
            let timestamp_delta = read_varint(body, &mut field)?;
            let offset_delta = read_varint(body, &mut field)?;
            let key_length = read_varint(body, &mut field)?;
            let key = if key_length < 0 {
                None
            } else {
                let k = body.get(field..field.checked_add(key_length as usize)?)?;
                field += key_length as usize;
                Some(k)
            };
            let value_length = read_varint(body, &mut field)?;
            Some((timestamp_delta, offset_delta, key, value_length < 0))
        })();
        let (timestamp_delta, offset_delta, key, is_tombstone) =
            parsed.ok_or_else(|| corrupt(base_offset, "malformed record"))?;
        visit(RecordRef {
            offset: base_offset + offset_delta,
            timestamp: base_timestamp.saturating_add(timestamp_delta),
            key,
            is_tombstone,
            bytes: &payload[start..end],
        });
        at = end;
    }
    Ok(())
}

/// A batch rebuilt from `header_bytes` (the original 61-byte header) and the kept records'
/// bytes back to back (uncompressed), compressed again with the original codec.
pub(crate) fn rebuild_batch(
    header_bytes: &[u8],
    kept_records: &[u8],
    kept_count: i32,
    kept_max_timestamp: i64,
) -> Result<Vec<u8>> {
    let header = BatchHeader::new(header_bytes);
    let records = if header.compression() == 0 || kept_count == 0 {
        std::borrow::Cow::Borrowed(kept_records)
    } else {
        let codec = Codec::from_id(header.compression().into())
            .map_err(|e| corrupt(header.base_offset(), &e.to_string()))?;
        std::borrow::Cow::Owned(
            codec::compress(codec, kept_records, None)
                .map_err(|e| corrupt(header.base_offset(), &e.to_string()))?,
        )
    };
    let mut out = Vec::with_capacity(HEADER_SIZE + records.len());
    out.extend_from_slice(&header_bytes[..HEADER_SIZE]);
    out.extend_from_slice(&records);
    let batch_length = (out.len() - LOG_OVERHEAD) as i32;
    out[batch::BATCH_LENGTH..batch::BATCH_LENGTH + 4].copy_from_slice(&batch_length.to_be_bytes());
    out[batch::RECORDS_COUNT..batch::RECORDS_COUNT + 4].copy_from_slice(&kept_count.to_be_bytes());
    if !header.is_log_append_time() && kept_count > 0 {
        out[batch::MAX_TIMESTAMP..batch::MAX_TIMESTAMP + 8]
            .copy_from_slice(&kept_max_timestamp.to_be_bytes());
    }
    if kept_count == 0 && header.compression() != 0 {
        // An empty batch carries no payload; Kafka writes its empty headers uncompressed.
        let attributes = header.attributes() & !batch::COMPRESSION_MASK;
        out[batch::ATTRIBUTES..batch::ATTRIBUTES + 2].copy_from_slice(&attributes.to_be_bytes());
    }
    debug_assert!(out.len() >= BASE_TIMESTAMP);
    let crc = batch::crc32c(&out[batch::ATTRIBUTES..]);
    out[batch::CRC..batch::CRC + 4].copy_from_slice(&crc.to_be_bytes());
    Ok(out)
}

/// For a control batch: whether its marker is a COMMIT (type 1) rather than an ABORT (type 0).
/// The control record's key is version int16 then type int16.
pub(crate) fn control_is_commit(batch_bytes: &[u8]) -> Result<bool> {
    let header = BatchHeader::new(batch_bytes);
    let payload = payload(batch_bytes)?;
    let mut commit = None;
    for_each_record(&header, &payload, |record| {
        if commit.is_none() {
            commit = record
                .key
                .filter(|k| k.len() >= 4)
                .map(|k| i16::from_be_bytes([k[2], k[3]]) == 1);
        }
    })?;
    commit.ok_or_else(|| corrupt(header.base_offset(), "control batch without a marker key"))
}

/// For a produce to a compacted topic: the index of the first record of `batch` without a key,
/// if any. Only called for compacted topics (Kafka's LogValidator check), so the uncompacted
/// produce path never walks records. A malformed record counts as keyless.
pub(crate) fn first_record_without_key(batch: &[u8]) -> Result<Option<i32>> {
    let header = BatchHeader::new(batch);
    if header.is_control() {
        return Ok(None);
    }
    let payload = payload(batch)?;
    let mut index = 0i32;
    let mut missing = None;
    let walked = for_each_record(&header, &payload, |record| {
        if missing.is_none() && record.key.is_none() {
            missing = Some(index);
        }
        index += 1;
    });
    Ok(match walked {
        Ok(()) => missing,
        Err(_) => Some(missing.unwrap_or(index)),
    })
}
