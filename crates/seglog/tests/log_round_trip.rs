//! Appends and reads through the whole log: rolls, indexes, reads from inside a batch, bounds.

mod common;

use common::*;
use seglog::{LeaderAppendOptions, LoadOptions, Log};

fn open(dir: &std::path::Path, segment_bytes: u32) -> Log {
    Log::open(
        dir,
        small_config(segment_bytes),
        LoadOptions::default(),
        NOW,
    )
    .unwrap()
    .0
}

#[test]
fn many_batches_round_trip_across_segment_rolls() {
    let dir = tempfile::tempdir().unwrap();
    let mut log = open(dir.path(), 8 * 1024);
    let mut sent = Vec::new();
    for i in 0..400usize {
        let mut batch = batch_with(
            1 + i % 5,
            30 + (i * 37) % 500,
            1_700_000_000_000 + i as i64 * 10,
            i as u8,
        );
        let original = batch.clone();
        let info = log
            .append_as_leader(&mut batch, 3, LeaderAppendOptions::default(), NOW)
            .unwrap();
        assert_eq!(info.last_offset - info.base_offset + 1, (1 + i % 5) as i64);
        sent.push((info.base_offset, info.last_offset, original));
    }
    assert!(
        log.segment_base_offsets().len() > 10,
        "8 KiB segments must roll"
    );
    let plan = log.read(0, u64::MAX, None).unwrap();
    assert!(plan.slices.len() > 10);
    let stored = split_batches(&plan.to_vec().unwrap());
    assert_eq!(stored.len(), sent.len());
    for ((base, last, bytes), (sent_base, sent_last, original)) in stored.iter().zip(&sent) {
        assert_eq!((base, last), (sent_base, sent_last));
        assert!(same_batch_content(bytes, original));
        assert_eq!(
            seglog::batch::BatchHeader::new(bytes).partition_leader_epoch(),
            3
        );
    }
    // Every offset reads back starting at the batch that contains it.
    for &(base, last, _) in &sent {
        for offset in [base, last, (base + last) / 2] {
            let plan = log.read(offset, 1, None).unwrap();
            let first = &split_batches(&plan.to_vec().unwrap())[0];
            assert_eq!((first.0, first.1), (base, last), "read at {offset}");
        }
    }
}

#[test]
fn reads_hold_whole_batches_within_max_bytes_but_at_least_one() {
    let dir = tempfile::tempdir().unwrap();
    let mut log = open(dir.path(), 1 << 20);
    for _ in 0..50 {
        log.append_as_leader(
            &mut batch_of(2, 100),
            0,
            LeaderAppendOptions::default(),
            NOW,
        )
        .unwrap();
    }
    let size = batch_of(2, 100).len() as u64;
    let plan = log.read(10, 3 * size + size / 2, None).unwrap();
    assert_eq!(plan.byte_length() as u64, 3 * size);
    let plan = log.read(10, 1, None).unwrap();
    assert_eq!(plan.byte_length() as u64, size);
    // The upper bound (high watermark) hides batches that reach it.
    let plan = log.read(0, u64::MAX, Some(21)).unwrap();
    let batches = split_batches(&plan.to_vec().unwrap());
    assert_eq!(batches.last().unwrap().1, 19);
    assert!(log.read(30, 100, Some(30)).unwrap().is_empty());
    assert!(log.read(100, 100, None).unwrap().is_empty());
    assert!(matches!(
        log.read(101, 100, None),
        Err(seglog::Error::OffsetOutOfRange { .. })
    ));
}

#[test]
fn time_index_finds_the_first_batch_at_or_after_a_timestamp() {
    let dir = tempfile::tempdir().unwrap();
    let mut log = open(dir.path(), 4096);
    for i in 0..200i64 {
        log.append_as_leader(
            &mut batch_with(3, 50, 1_000_000 + i * 100, 1),
            0,
            LeaderAppendOptions::default(),
            NOW,
        )
        .unwrap();
    }
    // Batch i holds offsets 3i..3i+2 with timestamps 1_000_000 + 100i + 0..2.
    for i in [0i64, 1, 57, 120, 199] {
        let found = log
            .offset_for_timestamp(1_000_000 + i * 100)
            .unwrap()
            .unwrap();
        assert_eq!(found.offset, 3 * i);
        let found = log.offset_for_timestamp(1_000_000 + i * 100 + 50).unwrap();
        if i < 199 {
            assert_eq!(found.unwrap().offset, 3 * (i + 1));
        } else {
            assert!(found.is_none());
        }
    }
    assert_eq!(
        log.max_timestamp().unwrap().timestamp,
        1_000_000 + 199 * 100 + 2
    );
}

#[test]
fn truncate_to_cuts_at_the_batch_boundary_and_appends_continue() {
    let dir = tempfile::tempdir().unwrap();
    let mut log = open(dir.path(), 4096);
    for epoch in 0..4 {
        for _ in 0..20 {
            log.append_as_leader(
                &mut batch_of(2, 100),
                epoch,
                LeaderAppendOptions::default(),
                NOW,
            )
            .unwrap();
        }
    }
    assert_eq!(log.log_end_offset(), 160);
    log.truncate_to(90, NOW).unwrap();
    assert_eq!(log.log_end_offset(), 90);
    assert_eq!(log.latest_epoch(), Some(2));
    assert_eq!(log.end_offset_for_epoch(1).end_offset, 80);
    let info = log
        .append_as_leader(
            &mut batch_of(2, 100),
            5,
            LeaderAppendOptions::default(),
            NOW,
        )
        .unwrap();
    assert_eq!(info.base_offset, 90);
    let all = split_batches(&log.read(0, u64::MAX, None).unwrap().to_vec().unwrap());
    assert_eq!(all.len(), 46);
    for pair in all.windows(2) {
        assert_eq!(pair[1].0, pair[0].1 + 1);
    }
    // Reopening (cleanly or not) sees the same log.
    let (job, clean) = log.begin_close().unwrap();
    job.run().unwrap();
    log.complete_close(&job);
    assert!(clean);
    let options = LoadOptions {
        clean_shutdown: true,
        recovery_point: 92,
        log_start_offset: 0,
    };
    let (log, report) = Log::open(dir.path(), small_config(4096), options, NOW).unwrap();
    assert_eq!(report.rebuilt_indexes, 0);
    assert_eq!(log.log_end_offset(), 92);
    assert_eq!(log.end_offset_for_epoch(5).end_offset, 92);
}

#[test]
fn truncation_under_a_live_view_is_deferred_and_recovery_drops_the_stale_tail() {
    let dir = tempfile::tempdir().unwrap();
    let mut log = open(dir.path(), 1 << 20);
    for _ in 0..10 {
        log.append_as_leader(
            &mut batch_of(1, 1000),
            0,
            LeaderAppendOptions::default(),
            NOW,
        )
        .unwrap();
    }
    let plan = log.read(0, u64::MAX, None).unwrap();
    let views = plan.views().unwrap();
    log.truncate_to(4, NOW).unwrap();
    assert_eq!(log.log_end_offset(), 4);
    // The view still reads (the file was not shrunk under it).
    assert_eq!(views[0].as_slice().len(), plan.byte_length());
    let info = log
        .append_as_leader(
            &mut batch_of(1, 1000),
            0,
            LeaderAppendOptions::default(),
            NOW,
        )
        .unwrap();
    assert_eq!(info.base_offset, 4);
    assert_eq!(
        log.segment_base_offsets(),
        vec![0, 4],
        "a sealed segment rolls on the next append"
    );
    // Crash now (no close): recovery must not resurrect offsets 4..9 from the stale tail.
    drop(log);
    let (log, _) = Log::open(
        dir.path(),
        small_config(1 << 20),
        LoadOptions::default(),
        NOW,
    )
    .unwrap();
    assert_eq!(log.log_end_offset(), 5);
    let all = split_batches(&log.read(0, u64::MAX, None).unwrap().to_vec().unwrap());
    assert_eq!(
        all.iter().map(|b| b.0).collect::<Vec<_>>(),
        vec![0, 1, 2, 3, 4]
    );
    drop(views);
}

#[test]
fn retention_deletes_old_segments_while_a_view_keeps_their_bytes() {
    let dir = tempfile::tempdir().unwrap();
    let mut config = small_config(4096);
    config.retention_bytes = 8192;
    let mut log = Log::open(dir.path(), config, LoadOptions::default(), NOW)
        .unwrap()
        .0;
    for _ in 0..60 {
        log.append_as_leader(
            &mut batch_of(1, 500),
            0,
            LeaderAppendOptions::default(),
            NOW,
        )
        .unwrap();
    }
    let old_plan = log.read(0, 2000, None).unwrap();
    let old_view = old_plan.views().unwrap().remove(0);
    let expected = old_view.as_slice().to_vec();
    let segments_before = log.segment_base_offsets().len();
    let taken = log.take_old_segments(NOW, None).unwrap();
    assert!(!taken.is_empty());
    assert_eq!(
        log.segment_base_offsets().len(),
        segments_before - taken.len()
    );
    assert!(log.size() <= 8192 + 4096);
    assert_eq!(log.log_start_offset(), log.segment_base_offsets()[0]);
    assert!(matches!(
        log.read(0, 100, None),
        Err(seglog::Error::OffsetOutOfRange { .. })
    ));
    drop(taken);
    let deleted = dir.path().join("00000000000000000000.log.deleted");
    assert!(deleted.exists(), "the first segment waits for its view");
    assert!(!dir.path().join("00000000000000000000.log").exists());
    assert_eq!(old_view.as_slice(), &expected[..]);
    drop(old_view);
    drop(old_plan);
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(10);
    while deleted.exists() && std::time::Instant::now() < deadline {
        std::thread::sleep(std::time::Duration::from_millis(5));
    }
    assert!(!deleted.exists(), "the last view dropping unlinks the file");
}

#[test]
fn retention_by_time_rolls_and_deletes_the_active_segment_too() {
    let dir = tempfile::tempdir().unwrap();
    let mut config = small_config(1 << 20);
    config.retention_ms = 1000;
    let mut log = Log::open(dir.path(), config, LoadOptions::default(), NOW)
        .unwrap()
        .0;
    for _ in 0..5 {
        log.append_as_leader(
            &mut batch_with(1, 10, NOW - 5000, 0),
            0,
            LeaderAppendOptions::default(),
            NOW,
        )
        .unwrap();
    }
    // Not past the high watermark.
    assert!(log.take_old_segments(NOW, Some(3)).unwrap().is_empty());
    let taken = log.take_old_segments(NOW, None).unwrap();
    assert_eq!(taken.len(), 1);
    assert_eq!(log.segment_base_offsets(), vec![5]);
    assert_eq!((log.log_start_offset(), log.log_end_offset()), (5, 5));
}

#[test]
fn delete_records_before_moves_the_log_start() {
    let dir = tempfile::tempdir().unwrap();
    let mut log = open(dir.path(), 2048);
    for _ in 0..30 {
        log.append_as_leader(
            &mut batch_of(2, 100),
            0,
            LeaderAppendOptions::default(),
            NOW,
        )
        .unwrap();
    }
    assert_eq!(log.delete_records_before(25).unwrap(), 25);
    assert!(log.read(24, 100, None).is_err());
    let first = split_batches(&log.read(25, 1, None).unwrap().to_vec().unwrap())[0].0;
    assert_eq!(
        first, 24,
        "the batch containing the log start is served whole"
    );
    let taken = log.take_old_segments(NOW, None).unwrap();
    assert!(!taken.is_empty());
    assert!(log.segment_base_offsets()[0] <= 25);
    assert_eq!(log.log_start_offset(), 25);
}

#[test]
fn log_append_time_rewrites_the_timestamp_and_crc() {
    let dir = tempfile::tempdir().unwrap();
    let mut config = small_config(1 << 20);
    config.message_timestamp_type = seglog::TimestampType::LogAppendTime;
    let mut log = Log::open(dir.path(), config, LoadOptions::default(), NOW)
        .unwrap()
        .0;
    let info = log
        .append_as_leader(&mut batch_of(3, 10), 0, LeaderAppendOptions::default(), NOW)
        .unwrap();
    assert_eq!((info.log_append_time, info.max_timestamp), (NOW, NOW));
    let stored = split_batches(&log.read(0, u64::MAX, None).unwrap().to_vec().unwrap());
    let header = seglog::batch::BatchHeader::new(&stored[0].2);
    assert!(header.is_log_append_time());
    assert_eq!(header.max_timestamp(), NOW);
}

#[test]
fn batch_headers_carry_producer_fields() {
    let dir = tempfile::tempdir().unwrap();
    let mut log = open(dir.path(), 1 << 20);
    let mut batch = batch_of(4, 10);
    batch[seglog::batch::PRODUCER_ID..seglog::batch::PRODUCER_ID + 8]
        .copy_from_slice(&77i64.to_be_bytes());
    batch[seglog::batch::PRODUCER_EPOCH..seglog::batch::PRODUCER_EPOCH + 2]
        .copy_from_slice(&2i16.to_be_bytes());
    batch[seglog::batch::BASE_SEQUENCE..seglog::batch::BASE_SEQUENCE + 4]
        .copy_from_slice(&10i32.to_be_bytes());
    let crc = seglog::batch::crc32c(&batch[seglog::batch::ATTRIBUTES..]);
    batch[seglog::batch::CRC..seglog::batch::CRC + 4].copy_from_slice(&crc.to_be_bytes());
    log.append_as_leader(&mut batch_of(1, 10), 0, LeaderAppendOptions::default(), NOW)
        .unwrap();
    log.append_as_leader(&mut batch, 0, LeaderAppendOptions::default(), NOW)
        .unwrap();
    let headers = log.read_batch_headers(0, 10).unwrap();
    assert_eq!(headers.len(), 2);
    let h = headers[1];
    assert_eq!(
        (
            h.base_offset,
            h.last_offset,
            h.producer_id,
            h.producer_epoch
        ),
        (1, 4, 77, 2)
    );
    assert_eq!((h.base_sequence, h.last_sequence), (10, 13));
}

#[test]
fn segment_ms_rolls_by_batch_timestamps() {
    let dir = tempfile::tempdir().unwrap();
    let mut config = small_config(1 << 20);
    config.segment_ms = 60_000;
    let mut log = Log::open(dir.path(), config, LoadOptions::default(), NOW)
        .unwrap()
        .0;
    let t0 = 1_000_000;
    for (i, timestamp) in [t0, t0 + 30_000, t0 + 59_000].into_iter().enumerate() {
        let info = log.append_as_leader(
            &mut batch_with(1, 10, timestamp, 0),
            0,
            LeaderAppendOptions::default(),
            NOW,
        );
        assert!(
            !info.unwrap().flush_needed,
            "batch {i} stays in the first segment"
        );
    }
    let info = log.append_as_leader(
        &mut batch_with(1, 10, t0 + 61_000, 0),
        0,
        LeaderAppendOptions::default(),
        NOW,
    );
    assert!(
        info.unwrap().flush_needed,
        "a roll asks for a flush of the old segment"
    );
    assert_eq!(log.segment_base_offsets(), vec![0, 3]);
}

#[test]
fn a_deferred_shrink_completes_once_the_views_are_gone() {
    let dir = tempfile::tempdir().unwrap();
    let mut log = Log::open(
        dir.path(),
        small_config(1 << 20),
        LoadOptions::default(),
        NOW,
    )
    .unwrap()
    .0;
    for _ in 0..10 {
        log.append_as_leader(
            &mut batch_of(1, 1000),
            0,
            LeaderAppendOptions::default(),
            NOW,
        )
        .unwrap();
    }
    let views = log.read(0, u64::MAX, None).unwrap().views().unwrap();
    log.truncate_to(4, NOW).unwrap();
    let file = dir.path().join("00000000000000000000.log");
    let size_at_4 = log.size();
    assert!(std::fs::metadata(&file).unwrap().len() > size_at_4);
    drop(views);
    let job = log.prepare_flush().unwrap();
    job.run().unwrap();
    log.complete_flush(&job);
    assert_eq!(std::fs::metadata(&file).unwrap().len(), size_at_4);
    let (job, clean) = log.begin_close().unwrap();
    job.run().unwrap();
    log.complete_close(&job);
    assert!(clean, "no shrink is pending any more");
}

#[test]
fn truncate_fully_and_start_at_restarts_the_log_past_its_end_for_a_follower() {
    let dir = tempfile::tempdir().unwrap();
    let mut log = open(dir.path(), 4096);
    for _ in 0..40 {
        log.append_as_leader(
            &mut batch_of(2, 100),
            3,
            LeaderAppendOptions::default(),
            NOW,
        )
        .unwrap();
    }
    assert!(log.segment_base_offsets().len() > 1);
    log.truncate_fully_and_start_at(500, NOW).unwrap();
    assert_eq!(
        (log.log_start_offset(), log.log_end_offset()),
        (500, 500)
    );
    assert_eq!(log.segment_base_offsets(), vec![500]);
    assert_eq!(log.latest_epoch(), None);
    // The leader's next batch, offsets and epoch already assigned, continues from there.
    let mut copied = batch_of(2, 100);
    copied[..8].copy_from_slice(&500i64.to_be_bytes());
    copied[12..16].copy_from_slice(&7i32.to_be_bytes());
    log.append_as_follower(&mut copied, NOW).unwrap();
    assert_eq!(log.log_end_offset(), 502);
    assert_eq!(log.latest_epoch(), Some(7));
    let (job, _) = log.begin_close().unwrap();
    job.run().unwrap();
    log.complete_close(&job);
    let options = LoadOptions {
        clean_shutdown: false,
        recovery_point: 500,
        log_start_offset: 500,
    };
    let (log, _) = Log::open(dir.path(), small_config(4096), options, NOW).unwrap();
    assert_eq!(
        (log.log_start_offset(), log.log_end_offset()),
        (500, 502)
    );
}
