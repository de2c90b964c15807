//! Each malformed record set is rejected with its own error, and nothing reaches the log.

mod common;

use common::*;
use seglog::batch;
use seglog::{Error, LeaderAppendOptions, LoadOptions, Log};

fn rejects(set: &mut [u8], matches: impl Fn(&Error) -> bool, code: &str) {
    let dir = tempfile::tempdir().unwrap();
    let mut log = Log::open(
        dir.path(),
        small_config(1 << 20),
        LoadOptions::default(),
        NOW,
    )
    .unwrap()
    .0;
    log.append_as_leader(&mut batch_of(1, 10), 0, LeaderAppendOptions::default(), NOW)
        .unwrap();
    let size_before = log.size();
    let err = log
        .append_as_leader(set, 0, LeaderAppendOptions::default(), NOW)
        .unwrap_err();
    assert!(matches(&err), "unexpected error: {err}");
    assert_eq!(err.code(), code);
    assert_eq!((log.size(), log.log_end_offset()), (size_before, 1));
    let on_disk = std::fs::metadata(dir.path().join("00000000000000000000.log"))
        .unwrap()
        .len();
    assert_eq!(on_disk, size_before);
}

fn recrc(b: &mut [u8]) {
    let crc = batch::crc32c(&b[batch::ATTRIBUTES..]);
    b[batch::CRC..batch::CRC + 4].copy_from_slice(&crc.to_be_bytes());
}

#[test]
fn wrong_magic() {
    let mut b = batch_of(1, 10);
    b[batch::MAGIC] = 1;
    rejects(
        &mut b,
        |e| matches!(e, Error::InvalidMagic { magic: 1, .. }),
        "SEGLOG_INVALID_MAGIC",
    );
}

#[test]
fn bad_crc() {
    let mut b = batch_of(2, 10);
    let last = b.len() - 1;
    b[last] ^= 1;
    rejects(
        &mut b,
        |e| matches!(e, Error::CorruptMessage { .. }),
        "SEGLOG_CORRUPT_MESSAGE",
    );
}

#[test]
fn length_past_the_buffer() {
    let mut b = batch_of(1, 10);
    let len = (b.len() as i32 - 12) + 1;
    b[batch::BATCH_LENGTH..batch::BATCH_LENGTH + 4].copy_from_slice(&len.to_be_bytes());
    rejects(
        &mut b,
        |e| {
            matches!(
                e,
                Error::InvalidBatch {
                    check: seglog::error::BatchCheck::LengthPastBuffer { .. },
                    ..
                }
            )
        },
        "SEGLOG_BATCH_LENGTH_PAST_BUFFER",
    );
}

#[test]
fn empty_buffer() {
    rejects(
        &mut [],
        |e| matches!(e, Error::EmptyRecordSet),
        "SEGLOG_EMPTY_RECORD_SET",
    );
}

#[test]
fn oversize_batch() {
    let mut b = batch_of(1, 1_100_000);
    rejects(
        &mut b,
        |e| matches!(e, Error::MessageTooLarge { max: 1_048_588, .. }),
        "SEGLOG_MESSAGE_TOO_LARGE",
    );
}

#[test]
fn last_offset_delta_not_matching_the_count() {
    let mut b = batch_of(3, 10);
    b[batch::LAST_OFFSET_DELTA..batch::LAST_OFFSET_DELTA + 4].copy_from_slice(&5i32.to_be_bytes());
    recrc(&mut b);
    rejects(
        &mut b,
        |e| {
            matches!(
                e,
                Error::InvalidBatch {
                    check: seglog::error::BatchCheck::OffsetDeltaMismatch { .. },
                    ..
                }
            )
        },
        "SEGLOG_BATCH_OFFSET_DELTA_MISMATCH",
    );
}

#[test]
fn a_client_base_offset_other_than_zero() {
    let mut b = batch_of(1, 10);
    b[..8].copy_from_slice(&9i64.to_be_bytes());
    rejects(
        &mut b,
        |e| {
            matches!(
                e,
                Error::InvalidBatch {
                    check: seglog::error::BatchCheck::NonZeroBaseOffset { base_offset: 9 },
                    ..
                }
            )
        },
        "SEGLOG_BATCH_NONZERO_BASE_OFFSET",
    );
}

#[test]
fn a_bad_second_batch_rejects_the_whole_set() {
    let mut set = batch_of(1, 10);
    let mut second = batch_of(1, 10);
    second[batch::MAGIC] = 0;
    set.extend_from_slice(&second);
    rejects(
        &mut set,
        |e| matches!(e, Error::InvalidMagic { position, .. } if *position > 0),
        "SEGLOG_INVALID_MAGIC",
    );
}

#[test]
fn a_trailing_partial_header() {
    let mut set = batch_of(1, 10);
    set.extend_from_slice(&[0u8; 20]);
    rejects(
        &mut set,
        |e| {
            matches!(
                e,
                Error::InvalidBatch {
                    check: seglog::error::BatchCheck::ShorterThanHeader { remaining: 20 },
                    ..
                }
            )
        },
        "SEGLOG_BATCH_SHORTER_THAN_HEADER",
    );
}
