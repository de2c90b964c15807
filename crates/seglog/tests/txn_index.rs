//! The aborted-transaction index through the log: entries go to the `.txnindex` of the segment
//! holding the ABORT marker, a read_committed range collects them across segments, and they
//! follow the log through truncation, an unclean reopen and retention.

mod common;

use common::*;
use seglog::{AbortedTxn, LeaderAppendOptions, LoadOptions, Log};
use std::path::Path;

fn txn(producer_id: i64, first_offset: i64, last_offset: i64) -> AbortedTxn {
    AbortedTxn {
        producer_id,
        first_offset,
        last_offset,
        last_stable_offset: last_offset + 1,
    }
}

fn txn_index_files(dir: &Path) -> Vec<String> {
    let mut names: Vec<String> = std::fs::read_dir(dir)
        .unwrap()
        .map(|e| e.unwrap().file_name().into_string().unwrap())
        .filter(|n| n.ends_with(".txnindex"))
        .collect();
    names.sort();
    names
}

fn producers(found: &[AbortedTxn]) -> Vec<i64> {
    found.iter().map(|t| t.producer_id).collect()
}

#[test]
fn aborted_transactions_follow_the_log_through_truncation_reopen_and_retention() {
    let dir = tempfile::tempdir().unwrap();
    let (mut log, _) =
        Log::open(dir.path(), small_config(1024), LoadOptions::default(), NOW).unwrap();
    // One offset per batch, about 300 bytes each: three batches per segment.
    for i in 0..12 {
        let mut batch = batch_with(1, 240, 1_000 + i, i as u8);
        log.append_as_leader(&mut batch, 0, LeaderAppendOptions::default(), NOW)
            .unwrap();
    }
    let bases = log.segment_base_offsets();
    assert!(bases.len() >= 4, "segments: {bases:?}");
    assert!(log.append_aborted_txn(txn(1, 1, 3)).unwrap());
    assert!(log.append_aborted_txn(txn(2, 2, 8)).unwrap());
    assert!(
        !log.append_aborted_txn(txn(2, 2, 8)).unwrap(),
        "offered again by a rebuild"
    );
    let holding = |offset: i64| *bases.iter().filter(|&&b| b <= offset).next_back().unwrap();
    assert_eq!(
        txn_index_files(dir.path()),
        vec![
            format!("{:020}.txnindex", holding(3)),
            format!("{:020}.txnindex", holding(8))
        ]
    );

    assert_eq!(
        producers(&log.collect_aborted_txns(0, 12).unwrap()),
        vec![1, 2]
    );
    // Producer 1's transaction ended at 3, before this range.
    assert_eq!(
        producers(&log.collect_aborted_txns(4, 12).unwrap()),
        vec![2]
    );
    // Producer 2's began at 2, past this range.
    assert_eq!(producers(&log.collect_aborted_txns(0, 2).unwrap()), vec![1]);

    log.truncate_to(8, NOW).unwrap();
    assert_eq!(
        producers(&log.collect_aborted_txns(0, 12).unwrap()),
        vec![1]
    );
    assert_eq!(
        txn_index_files(dir.path()),
        vec![format!("{:020}.txnindex", holding(3))]
    );

    // Dropped without closing: the reopen recovers every segment and keeps the entry.
    drop(log);
    let (mut log, _) =
        Log::open(dir.path(), small_config(1024), LoadOptions::default(), NOW).unwrap();
    assert_eq!(log.collect_aborted_txns(0, 12).unwrap(), vec![txn(1, 1, 3)]);

    // Retention takes the segment holding the marker, and its index with it.
    let end = log.log_end_offset();
    log.delete_records_before(end).unwrap();
    drop(log.take_old_segments(NOW, None).unwrap());
    assert!(txn_index_files(dir.path()).is_empty());
    assert!(log.collect_aborted_txns(end, end + 1).unwrap().is_empty());
}
