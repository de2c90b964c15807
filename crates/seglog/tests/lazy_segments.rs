//! Old segments open their `.log` file lazily and close it again when idle, so a partition costs
//! one descriptor (its active segment) however many old segments it keeps.

mod common;

use common::*;
use seglog::{LeaderAppendOptions, LoadOptions, Log};
use std::path::Path;

/// Descriptors of this process open on files inside `dir` (from /proc/self/fd).
fn open_files_in(dir: &Path) -> usize {
    std::fs::read_dir("/proc/self/fd")
        .unwrap()
        .filter_map(|entry| std::fs::read_link(entry.ok()?.path()).ok())
        .filter(|target| target.starts_with(dir))
        .count()
}

/// A log of 8 KiB segments with `batches` batches of 2 × 500 bytes (several segments).
fn log_with_old_segments(dir: &Path, batches: usize) -> Log {
    let mut log = Log::open(dir, small_config(8 * 1024), LoadOptions::default(), NOW)
        .unwrap()
        .0;
    for _ in 0..batches {
        log.append_as_leader(
            &mut batch_of(2, 500),
            0,
            LeaderAppendOptions::default(),
            NOW,
        )
        .unwrap();
    }
    log
}

fn reopen(dir: &Path, log: Log) -> Log {
    drop(log);
    Log::open(
        dir,
        small_config(8 * 1024),
        LoadOptions {
            clean_shutdown: true,
            recovery_point: 0,
            log_start_offset: 0,
        },
        NOW,
    )
    .unwrap()
    .0
}

#[test]
fn after_open_only_the_active_segment_holds_a_descriptor() {
    let dir = tempfile::tempdir().unwrap();
    let log = log_with_old_segments(dir.path(), 60);
    let segments = log.segment_base_offsets().len();
    assert!(segments >= 5, "60 KiB in 8 KiB segments rolls: {segments}");
    let log = reopen(dir.path(), log);
    assert_eq!(log.segment_base_offsets().len(), segments);
    assert_eq!(open_files_in(dir.path()), 1);
    // Everything is still readable: the old segments open again on demand.
    let plan = log.read(0, u64::MAX, None).unwrap();
    assert_eq!(split_batches(&plan.to_vec().unwrap()).len(), 60);
}

#[test]
fn a_read_segment_closes_after_a_sweep_without_reads_and_reopens_on_the_next_read() {
    let dir = tempfile::tempdir().unwrap();
    let log = reopen(dir.path(), log_with_old_segments(dir.path(), 60));
    drop(log.read(0, 1, None).unwrap());
    assert_eq!(
        open_files_in(dir.path()),
        2,
        "the first segment opened for the read"
    );
    // Second chance: read since the previous sweep, so it stays.
    assert_eq!(log.release_idle_segments(), 1);
    assert_eq!(open_files_in(dir.path()), 2);
    assert_eq!(log.release_idle_segments(), 0);
    assert_eq!(open_files_in(dir.path()), 1);
    let plan = log.read(0, 1, None).unwrap();
    assert_eq!(split_batches(&plan.to_vec().unwrap())[0].0, 0);
}

#[test]
fn a_segment_under_a_live_read_plan_keeps_its_file_until_the_plan_is_dropped() {
    let dir = tempfile::tempdir().unwrap();
    let log = reopen(dir.path(), log_with_old_segments(dir.path(), 60));
    let plan = log.read(0, 1, None).unwrap();
    log.release_idle_segments();
    assert_eq!(log.release_idle_segments(), 1, "the plan holds the file");
    assert_eq!(split_batches(&plan.to_vec().unwrap())[0].0, 0);
    drop(plan);
    assert_eq!(log.release_idle_segments(), 0);
    assert_eq!(open_files_in(dir.path()), 1);
}

#[test]
fn truncation_and_retention_work_on_released_segments() {
    let dir = tempfile::tempdir().unwrap();
    let mut log = reopen(dir.path(), log_with_old_segments(dir.path(), 60));
    let bases = log.segment_base_offsets();
    // Truncate into the second segment (released): it reopens, shrinks, and becomes the end.
    let cut = bases[1] + 2;
    log.truncate_to(cut, NOW).unwrap();
    assert_eq!(log.log_end_offset(), cut);
    let plan = log.read(0, u64::MAX, None).unwrap();
    assert_eq!(
        split_batches(&plan.to_vec().unwrap()).last().unwrap().1,
        cut - 1
    );
    drop(plan);
    // Retention removes a released old segment's file at once.
    log.delete_records_before(bases[1]).unwrap();
    log.release_idle_segments();
    log.release_idle_segments();
    let taken = log.take_old_segments(NOW, None).unwrap();
    assert_eq!(taken.len(), 1);
    drop(taken);
    let first_log = dir.path().join(format!("{:020}.log", bases[0]));
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(10);
    while std::fs::metadata(&first_log).is_ok()
        || std::fs::metadata(first_log.with_extension("log.deleted")).is_ok()
    {
        assert!(
            std::time::Instant::now() < deadline,
            "{first_log:?} was not removed"
        );
        std::thread::sleep(std::time::Duration::from_millis(5));
    }
}
