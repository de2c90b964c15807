//! Test helpers: a small RecordBatch v2 encoder (uncompressed records) and log setup.
#![allow(dead_code, unreachable_pub)]

use seglog::batch;

fn zigzag_varint(out: &mut Vec<u8>, value: i64) {
    let mut v = ((value << 1) ^ (value >> 63)) as u64;
    while v >= 0x80 {
        out.push((v as u8) | 0x80);
        v >>= 7;
    }
    out.push(v as u8);
}

/// A client batch (baseOffset 0) of `count` records with `value_size`-byte values, the record
/// timestamps `base_timestamp + i`, and value bytes derived from `seed`.
pub fn batch_with(count: usize, value_size: usize, base_timestamp: i64, seed: u8) -> Vec<u8> {
    let mut records = Vec::new();
    for i in 0..count {
        let mut body = vec![0u8]; // attributes
        zigzag_varint(&mut body, i as i64); // timestamp delta
        zigzag_varint(&mut body, i as i64); // offset delta
        zigzag_varint(&mut body, -1); // null key
        zigzag_varint(&mut body, value_size as i64);
        body.extend((0..value_size).map(|j| seed.wrapping_add((i + j) as u8)));
        zigzag_varint(&mut body, 0); // no headers
        zigzag_varint(&mut records, body.len() as i64);
        records.extend_from_slice(&body);
    }
    let mut out = vec![0u8; batch::RECORDS];
    out.extend_from_slice(&records);
    let batch_length = (out.len() - batch::LOG_OVERHEAD) as i32;
    out[batch::BATCH_LENGTH..batch::BATCH_LENGTH + 4].copy_from_slice(&batch_length.to_be_bytes());
    out[batch::PARTITION_LEADER_EPOCH..batch::PARTITION_LEADER_EPOCH + 4]
        .copy_from_slice(&(-1i32).to_be_bytes());
    out[batch::MAGIC] = 2;
    out[batch::LAST_OFFSET_DELTA..batch::LAST_OFFSET_DELTA + 4]
        .copy_from_slice(&(count as i32 - 1).to_be_bytes());
    out[batch::BASE_TIMESTAMP..batch::BASE_TIMESTAMP + 8]
        .copy_from_slice(&base_timestamp.to_be_bytes());
    let max_timestamp = base_timestamp + count as i64 - 1;
    out[batch::MAX_TIMESTAMP..batch::MAX_TIMESTAMP + 8]
        .copy_from_slice(&max_timestamp.to_be_bytes());
    out[batch::PRODUCER_ID..batch::PRODUCER_ID + 8].copy_from_slice(&(-1i64).to_be_bytes());
    out[batch::PRODUCER_EPOCH..batch::PRODUCER_EPOCH + 2].copy_from_slice(&(-1i16).to_be_bytes());
    out[batch::BASE_SEQUENCE..batch::BASE_SEQUENCE + 4].copy_from_slice(&(-1i32).to_be_bytes());
    out[batch::RECORDS_COUNT..batch::RECORDS_COUNT + 4]
        .copy_from_slice(&(count as i32).to_be_bytes());
    let crc = batch::crc32c(&out[batch::ATTRIBUTES..]);
    out[batch::CRC..batch::CRC + 4].copy_from_slice(&crc.to_be_bytes());
    out
}

pub fn batch_of(count: usize, value_size: usize) -> Vec<u8> {
    batch_with(count, value_size, 1_700_000_000_000, 7)
}

/// Splits a byte run of whole batches into (baseOffset, lastOffset, bytes) triples.
pub fn split_batches(bytes: &[u8]) -> Vec<(i64, i64, Vec<u8>)> {
    let mut out = Vec::new();
    let mut position = 0;
    while position < bytes.len() {
        let header = batch::BatchHeader::new(&bytes[position..]);
        let size = header.size();
        assert!(
            position + size <= bytes.len(),
            "a read plan must hold whole batches"
        );
        assert_eq!(
            batch::crc32c(&bytes[position + batch::ATTRIBUTES..position + size]),
            header.crc()
        );
        out.push((
            header.base_offset(),
            header.last_offset(),
            bytes[position..position + size].to_vec(),
        ));
        position += size;
    }
    out
}

/// Bytes equal except baseOffset and partitionLeaderEpoch (which the log assigns).
pub fn same_batch_content(stored: &[u8], sent: &[u8]) -> bool {
    stored.len() == sent.len()
        && stored[batch::BATCH_LENGTH..batch::PARTITION_LEADER_EPOCH]
            == sent[batch::BATCH_LENGTH..batch::PARTITION_LEADER_EPOCH]
        && stored[batch::MAGIC..] == sent[batch::MAGIC..]
}

pub fn small_config(segment_bytes: u32) -> seglog::LogConfig {
    seglog::LogConfig {
        segment_bytes,
        index_interval_bytes: 256,
        ..Default::default()
    }
}

pub const NOW: i64 = 1_700_000_100_000;
