//! Reopening after clean and unclean stops: torn tails, corrupt bytes, bad index files.

mod common;

use common::*;
use seglog::{LeaderAppendOptions, LoadOptions, Log};
use std::path::Path;

fn fill(dir: &Path, segment_bytes: u32, batches: usize) -> Vec<Vec<u8>> {
    let mut log = Log::open(
        dir,
        small_config(segment_bytes),
        LoadOptions::default(),
        NOW,
    )
    .unwrap()
    .0;
    let mut sent = Vec::new();
    for i in 0..batches {
        let mut batch = batch_with(1 + i % 3, 100 + i % 200, 1_000 + i as i64, i as u8);
        sent.push(batch.clone());
        log.append_as_leader(&mut batch, 1, LeaderAppendOptions::default(), NOW)
            .unwrap();
    }
    let (job, _) = log.begin_close().unwrap();
    job.run().unwrap();
    log.complete_close(&job);
    sent
}

fn all_batches(log: &Log) -> Vec<(i64, i64, Vec<u8>)> {
    split_batches(
        &log.read(log.log_start_offset(), u64::MAX, None)
            .unwrap()
            .to_vec()
            .unwrap(),
    )
}

fn last_log_file(dir: &Path) -> std::path::PathBuf {
    let mut logs: Vec<_> = std::fs::read_dir(dir)
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.extension().is_some_and(|e| e == "log"))
        .collect();
    logs.sort();
    logs.pop().unwrap()
}

#[test]
fn a_torn_tail_is_truncated_at_every_cut_point() {
    let dir = tempfile::tempdir().unwrap();
    let sent = fill(dir.path(), 1 << 20, 20);
    let path = last_log_file(dir.path());
    let full = std::fs::read(&path).unwrap();
    let last_size = sent.last().unwrap().len();
    for cut in [1usize, 11, 12, 60, 61, last_size - 1] {
        std::fs::write(&path, &full[..full.len() - cut]).unwrap();
        let (log, report) = Log::open(
            dir.path(),
            small_config(1 << 20),
            LoadOptions::default(),
            NOW,
        )
        .unwrap();
        assert_eq!(
            report.truncated_bytes as usize,
            last_size - cut,
            "cut {cut}"
        );
        let stored = all_batches(&log);
        assert_eq!(stored.len(), 19);
        for (stored, sent) in stored.iter().zip(&sent) {
            assert!(same_batch_content(&stored.2, sent));
        }
        assert_eq!(
            std::fs::metadata(&path).unwrap().len() as usize,
            full.len() - last_size
        );
        drop(log);
        std::fs::write(&path, &full).unwrap();
    }
}

#[test]
fn a_corrupt_batch_truncates_it_and_deletes_later_segments() {
    let dir = tempfile::tempdir().unwrap();
    fill(dir.path(), 2048, 60);
    let first = dir.path().join("00000000000000000000.log");
    let mut bytes = std::fs::read(&first).unwrap();
    let segments_before = std::fs::read_dir(dir.path())
        .unwrap()
        .filter(|e| {
            e.as_ref()
                .unwrap()
                .path()
                .extension()
                .is_some_and(|x| x == "log")
        })
        .count();
    assert!(segments_before > 3);
    // Flip a byte inside the third batch's records: its CRC fails.
    let second_end = {
        let a = seglog::batch::BatchHeader::new(&bytes).size();
        a + seglog::batch::BatchHeader::new(&bytes[a..]).size()
    };
    bytes[second_end + 70] ^= 0xff;
    std::fs::write(&first, &bytes).unwrap();
    let (log, report) =
        Log::open(dir.path(), small_config(2048), LoadOptions::default(), NOW).unwrap();
    assert_eq!(report.deleted_segments, segments_before - 1);
    assert_eq!(log.segment_base_offsets(), vec![0]);
    let stored = all_batches(&log);
    assert_eq!(stored.len(), 2);
    assert_eq!(log.log_end_offset(), stored[1].1 + 1);
}

#[test]
fn a_clean_open_scans_nothing_and_keeps_the_indexes() {
    let dir = tempfile::tempdir().unwrap();
    fill(dir.path(), 4096, 100);
    let options = LoadOptions {
        clean_shutdown: true,
        recovery_point: 0,
        log_start_offset: 0,
    };
    let (log, report) = Log::open(dir.path(), small_config(4096), options, NOW).unwrap();
    assert_eq!(
        (
            report.recovered_segments,
            report.rebuilt_indexes,
            report.truncated_bytes
        ),
        (0, 0, 0)
    );
    assert_eq!(all_batches(&log).len(), 100);
    assert_eq!(log.latest_epoch(), Some(1));
}

#[test]
fn garbage_index_files_are_rebuilt_on_a_clean_open() {
    let dir = tempfile::tempdir().unwrap();
    let sent = fill(dir.path(), 1 << 20, 200);
    let index = dir.path().join("00000000000000000000.index");
    let time_index = dir.path().join("00000000000000000000.timeindex");
    let good_index = std::fs::read(&index).unwrap();
    assert!(good_index.len() >= 8 * 10, "the index has entries");
    // Same length, random-looking bytes: entries out of order or past the log.
    let garbage: Vec<u8> = (0..good_index.len())
        .map(|i| (i * 131 % 251) as u8)
        .collect();
    std::fs::write(&index, &garbage).unwrap();
    std::fs::write(&time_index, [0xAB; 17]).unwrap();
    let options = LoadOptions {
        clean_shutdown: true,
        recovery_point: 0,
        log_start_offset: 0,
    };
    let (log, report) = Log::open(dir.path(), small_config(1 << 20), options, NOW).unwrap();
    assert_eq!(report.rebuilt_indexes, 1);
    assert_eq!(
        std::fs::read(&index).unwrap(),
        good_index,
        "the rebuilt index equals the original"
    );
    let mut offset = 0i64;
    for sent in &sent {
        let plan = log.read(offset, 1, None).unwrap();
        let first = &split_batches(&plan.to_vec().unwrap())[0];
        assert_eq!(first.0, offset);
        assert!(same_batch_content(&first.2, sent));
        offset = first.1 + 1;
    }
    // Batch i holds records stamped 1000 + i + j for j < 1 + i % 3 and starts after the records
    // of batches 0..i; the answer is the first record stamped 1100 or later.
    let first = (0..200i64).find(|i| 1_000 + i + i % 3 >= 1_100).unwrap();
    let expected: i64 = (0..first).map(|i| 1 + i % 3).sum::<i64>() + (1_100 - (1_000 + first));
    let found = log.offset_for_timestamp(1_100).unwrap().unwrap();
    assert_eq!((found.offset, found.timestamp), (expected, 1_100));
}

#[test]
fn a_missing_index_and_a_plausible_but_wrong_one_are_rebuilt() {
    let dir = tempfile::tempdir().unwrap();
    fill(dir.path(), 1 << 20, 100);
    let index = dir.path().join("00000000000000000000.index");
    let good = std::fs::read(&index).unwrap();
    // Monotonic entries inside the log, but the last one points between batches.
    let mut wrong = good.clone();
    let n = wrong.len();
    let position = u32::from_be_bytes(wrong[n - 4..].try_into().unwrap()) + 3;
    wrong[n - 4..].copy_from_slice(&position.to_be_bytes());
    std::fs::write(&index, &wrong).unwrap();
    let options = LoadOptions {
        clean_shutdown: true,
        recovery_point: 0,
        log_start_offset: 0,
    };
    let (log, report) = Log::open(dir.path(), small_config(1 << 20), options, NOW).unwrap();
    assert_eq!(report.rebuilt_indexes, 1);
    assert_eq!(all_batches(&log).len(), 100);
    drop(log);
    std::fs::remove_file(&index).unwrap();
    let (_, report) = Log::open(dir.path(), small_config(1 << 20), options, NOW).unwrap();
    assert_eq!(report.rebuilt_indexes, 1);
    assert_eq!(std::fs::read(&index).unwrap(), good);
}

#[test]
fn leftovers_are_removed_at_open() {
    let dir = tempfile::tempdir().unwrap();
    fill(dir.path(), 1 << 20, 3);
    for name in [
        "00000000000000000005.log.deleted",
        "00000000000000000009.index",
        "x.cleaned",
        "leader-epoch-checkpoint.tmp",
    ] {
        std::fs::write(dir.path().join(name), b"junk").unwrap();
    }
    let (log, _) = Log::open(
        dir.path(),
        small_config(1 << 20),
        LoadOptions::default(),
        NOW,
    )
    .unwrap();
    let mut names: Vec<String> = std::fs::read_dir(dir.path())
        .unwrap()
        .map(|e| e.unwrap().file_name().into_string().unwrap())
        .collect();
    names.sort();
    assert_eq!(
        names,
        [
            "00000000000000000000.index",
            "00000000000000000000.log",
            "00000000000000000000.timeindex",
            "leader-epoch-checkpoint"
        ]
    );
    assert_eq!(log.log_end_offset(), 6);
}
