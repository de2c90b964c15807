//! Log compaction: what a cleaning keeps, what it drops, and that a crash at any point of the
//! swap leaves a log with every record it promised, once.

mod common;

use std::collections::BTreeMap;
use std::path::Path;
use std::sync::atomic::AtomicBool;
use std::sync::Mutex;

use common::*;
use seglog::batch::{self, BatchHeader};
use seglog::cleaner::{clean, CleanOptions, CleanStats, StopAfter};
use seglog::codec::{self, Codec};
use seglog::{LeaderAppendOptions, LoadOptions, Log};

fn varint(out: &mut Vec<u8>, value: i64) {
    let mut v = ((value << 1) ^ (value >> 63)) as u64;
    while v >= 0x80 {
        out.push((v as u8) | 0x80);
        v >>= 7;
    }
    out.push(v as u8);
}

/// One record: key (None = no key) and value (None = tombstone).
type Rec<'a> = (Option<&'a [u8]>, Option<&'a [u8]>);

#[derive(Clone, Copy)]
struct Producer {
    id: i64,
    epoch: i16,
    sequence: i32,
    transactional: bool,
    control: bool,
}

const NO_PRODUCER: Producer = Producer {
    id: -1,
    epoch: -1,
    sequence: -1,
    transactional: false,
    control: false,
};

fn keyed_batch(records: &[Rec<'_>], codec: Codec, producer: Producer, timestamp: i64) -> Vec<u8> {
    let mut payload = Vec::new();
    for (i, (key, value)) in records.iter().enumerate() {
        let mut body = vec![0u8];
        varint(&mut body, i as i64);
        varint(&mut body, i as i64);
        match key {
            Some(k) => {
                varint(&mut body, k.len() as i64);
                body.extend_from_slice(k);
            }
            None => varint(&mut body, -1),
        }
        match value {
            Some(v) => {
                varint(&mut body, v.len() as i64);
                body.extend_from_slice(v);
            }
            None => varint(&mut body, -1),
        }
        varint(&mut body, 0);
        varint(&mut payload, body.len() as i64);
        payload.extend_from_slice(&body);
    }
    let payload = codec::compress(codec, &payload, None).unwrap();
    let mut out = vec![0u8; batch::RECORDS];
    out.extend_from_slice(&payload);
    let n = records.len() as i32;
    let put = |out: &mut Vec<u8>, at: usize, bytes: &[u8]| {
        out[at..at + bytes.len()].copy_from_slice(bytes)
    };
    let batch_length = (out.len() - batch::LOG_OVERHEAD) as i32;
    put(&mut out, batch::BATCH_LENGTH, &batch_length.to_be_bytes());
    put(
        &mut out,
        batch::PARTITION_LEADER_EPOCH,
        &(-1i32).to_be_bytes(),
    );
    out[batch::MAGIC] = 2;
    let mut attributes = i16::from(codec.id());
    if producer.transactional {
        attributes |= batch::TRANSACTIONAL;
    }
    if producer.control {
        attributes |= batch::CONTROL;
    }
    put(&mut out, batch::ATTRIBUTES, &attributes.to_be_bytes());
    put(&mut out, batch::LAST_OFFSET_DELTA, &(n - 1).to_be_bytes());
    put(&mut out, batch::BASE_TIMESTAMP, &timestamp.to_be_bytes());
    put(
        &mut out,
        batch::MAX_TIMESTAMP,
        &(timestamp + i64::from(n) - 1).to_be_bytes(),
    );
    put(&mut out, batch::PRODUCER_ID, &producer.id.to_be_bytes());
    put(
        &mut out,
        batch::PRODUCER_EPOCH,
        &producer.epoch.to_be_bytes(),
    );
    put(
        &mut out,
        batch::BASE_SEQUENCE,
        &producer.sequence.to_be_bytes(),
    );
    put(&mut out, batch::RECORDS_COUNT, &n.to_be_bytes());
    let crc = batch::crc32c(&out[batch::ATTRIBUTES..]);
    put(&mut out, batch::CRC, &crc.to_be_bytes());
    out
}

fn marker(producer_id: i64, commit: bool) -> Vec<u8> {
    let key = [0u8, 0, 0, u8::from(commit)];
    let value = [0u8, 0, 0, 0, 0, 0];
    keyed_batch(
        &[(Some(&key), Some(&value))],
        Codec::None,
        Producer {
            id: producer_id,
            epoch: 0,
            // Kafka's markers carry no sequence (-1); this log's leader append asks for one.
            sequence: 0,
            transactional: true,
            control: true,
        },
        NOW,
    )
}

fn open(dir: &Path) -> Log {
    let config = seglog::LogConfig {
        segment_bytes: 2048,
        index_interval_bytes: 256,
        retention_ms: -1,
        ..Default::default()
    };
    Log::open(dir, config, LoadOptions::default(), NOW)
        .unwrap()
        .0
}

fn append(log: &mut Log, mut batch: Vec<u8>) -> i64 {
    let options = LeaderAppendOptions {
        allow_control_batches: true,
        ..Default::default()
    };
    log.append_as_leader(&mut batch, 1, options, NOW)
        .unwrap()
        .base_offset
}

/// Every record the log serves, in order: (offset, key, value); also checks every batch's CRC.
/// (offset, key, value) of one served record.
type Served = (i64, Option<Vec<u8>>, Option<Vec<u8>>);

fn read_all(log: &Log) -> Vec<Served> {
    let bytes = log
        .read(log.log_start_offset(), u64::MAX, None)
        .unwrap()
        .to_vec()
        .unwrap();
    let mut out = Vec::new();
    for (_, _, batch_bytes) in split_batches(&bytes) {
        let header = BatchHeader::new(&batch_bytes);
        if header.is_control() {
            continue;
        }
        let codec = Codec::from_id(header.compression().into()).unwrap();
        let payload = codec::decompress(codec, &batch_bytes[batch::RECORDS..], 1 << 26).unwrap();
        let mut at = 0;
        for _ in 0..header.records_count() {
            let read = |at: &mut usize| -> i64 {
                let (mut v, mut shift) = (0u64, 0);
                loop {
                    let b = payload[*at];
                    *at += 1;
                    v |= u64::from(b & 0x7f) << shift;
                    shift += 7;
                    if b & 0x80 == 0 {
                        return ((v >> 1) as i64) ^ -((v & 1) as i64);
                    }
                }
            };
            let length = read(&mut at) as usize;
            let end = at + length;
            at += 1;
            read(&mut at);
            let offset = header.base_offset() + read(&mut at);
            let bytes_of = |at: &mut usize| {
                let n = read(at);
                (n >= 0).then(|| {
                    let v = payload[*at..*at + n as usize].to_vec();
                    *at += n as usize;
                    v
                })
            };
            let key = bytes_of(&mut at);
            let value = bytes_of(&mut at);
            out.push((offset, key, value));
            at = end;
        }
    }
    out
}

fn run(log: &Mutex<Log>, options: CleanOptions) -> CleanStats {
    clean(log, &options, &AtomicBool::new(false)).unwrap()
}

fn now() -> i64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_millis() as i64
}

/// 300 single-record batches over 10 keys, values "v<i>"; returns the expected latest per key.
fn fill_updates(
    log: &mut Log,
    codec: Codec,
    per_batch: usize,
) -> BTreeMap<Vec<u8>, (i64, Vec<u8>)> {
    let mut latest = BTreeMap::new();
    let mut i = 0;
    while i < 300 {
        let keys: Vec<Vec<u8>> = (i..i + per_batch)
            .map(|j| format!("k{}", j % 10).into_bytes())
            .collect();
        let values: Vec<Vec<u8>> = (i..i + per_batch)
            .map(|j| format!("v{j}").into_bytes())
            .collect();
        let records: Vec<Rec<'_>> = keys
            .iter()
            .zip(&values)
            .map(|(k, v)| (Some(&k[..]), Some(&v[..])))
            .collect();
        let base = append(log, keyed_batch(&records, codec, NO_PRODUCER, NOW));
        for (j, (k, v)) in keys.iter().zip(&values).enumerate() {
            latest.insert(k.clone(), (base + j as i64, v.clone()));
        }
        i += per_batch;
    }
    latest
}

fn check_one_per_key(log: &Log, latest: &BTreeMap<Vec<u8>, (i64, Vec<u8>)>, active_base: i64) {
    let records = read_all(log);
    let offsets: Vec<i64> = records.iter().map(|r| r.0).collect();
    assert!(
        offsets.windows(2).all(|w| w[0] < w[1]),
        "offsets increase: {offsets:?}"
    );
    // Below the active segment: exactly the latest record of each key, at its original offset.
    let cleaned: Vec<_> = records.iter().filter(|r| r.0 < active_base).collect();
    let mut seen = BTreeMap::new();
    for (offset, key, value) in &cleaned {
        let key = key.clone().unwrap();
        assert!(
            seen.insert(key.clone(), *offset).is_none(),
            "key {key:?} kept twice"
        );
        let (expected_offset, expected_value) = &latest[&key];
        if *expected_offset < active_base {
            assert_eq!(
                (offset, value.as_ref().unwrap()),
                (expected_offset, expected_value)
            );
        }
    }
    for (key, (offset, value)) in latest {
        assert!(
            records.iter().any(|r| r.0 == *offset
                && r.1.as_ref() == Some(key)
                && r.2.as_ref() == Some(value)),
            "the latest value of {key:?} at {offset} is served"
        );
    }
}

#[test]
fn keeps_the_last_record_of_each_key_at_its_original_offset() {
    let dir = tempfile::tempdir().unwrap();
    let mut log = open(dir.path());
    let latest = fill_updates(&mut log, Codec::None, 1);
    let before = log.size();
    let active_base = *log.segment_base_offsets().last().unwrap();
    let log = Mutex::new(log);
    let stats = run(
        &log,
        CleanOptions {
            now_ms: now(),
            ..Default::default()
        },
    );
    let log = log.into_inner().unwrap();
    assert_eq!(
        stats.end_offset, active_base,
        "everything below the active segment is clean"
    );
    assert!(
        stats.records_kept <= 10 && stats.records_read >= 250,
        "{stats:?}"
    );
    assert!(
        log.size() < before / 3,
        "the log shrank: {} -> {}",
        before,
        log.size()
    );
    assert_eq!(
        *log.segment_base_offsets().last().unwrap(),
        active_base,
        "active segment untouched"
    );
    check_one_per_key(&log, &latest, active_base);
}

#[test]
fn compressed_batches_are_recompressed_with_their_codec() {
    for codec in [Codec::Gzip, Codec::Snappy, Codec::Lz4, Codec::Zstd] {
        let dir = tempfile::tempdir().unwrap();
        let mut log = open(dir.path());
        let latest = fill_updates(&mut log, codec, 4);
        let active_base = *log.segment_base_offsets().last().unwrap();
        let log = Mutex::new(log);
        run(
            &log,
            CleanOptions {
                now_ms: now(),
                ..Default::default()
            },
        );
        let log = log.into_inner().unwrap();
        check_one_per_key(&log, &latest, active_base);
        let bytes = log
            .read(0, u64::MAX, Some(active_base))
            .unwrap()
            .to_vec()
            .unwrap();
        for (_, _, b) in split_batches(&bytes) {
            let header = BatchHeader::new(&b);
            if header.records_count() > 0 {
                assert_eq!(header.compression(), codec.id(), "{codec} kept");
            }
            assert_eq!(header.last_offset_delta(), 3, "lastOffsetDelta preserved");
        }
    }
}

#[test]
fn tombstones_stay_until_delete_retention_after_their_cleaning() {
    let dir = tempfile::tempdir().unwrap();
    let mut log = open(dir.path());
    let mut latest = fill_updates(&mut log, Codec::None, 1);
    let tombstone = append(
        &mut log,
        keyed_batch(&[(Some(b"k3"), None)], Codec::None, NO_PRODUCER, NOW),
    );
    latest.remove(b"k3".as_slice());
    fill_updates_without(&mut log, b"k3", &mut latest);
    let log = Mutex::new(log);
    let first = run(
        &log,
        CleanOptions {
            now_ms: now(),
            delete_retention_ms: 0,
            ..Default::default()
        },
    );
    {
        let log = log.lock().unwrap();
        let records = read_all(&log);
        assert!(
            records.iter().any(|r| r.0 == tombstone && r.2.is_none()),
            "kept by the first cleaning"
        );
        assert!(
            !records
                .iter()
                .any(|r| r.1.as_deref() == Some(b"k3") && r.2.is_some()),
            "k3's values are gone"
        );
    }
    // A long retention keeps it through a second cleaning...
    fill_updates_without(&mut log.lock().unwrap(), b"k3", &mut latest);
    let second = run(
        &log,
        CleanOptions {
            now_ms: now(),
            first_dirty_offset: first.end_offset,
            delete_retention_ms: 3_600_000,
            ..Default::default()
        },
    );
    assert!(read_all(&log.lock().unwrap())
        .iter()
        .any(|r| r.0 == tombstone));
    // ...and once it has passed, the next cleaning drops it.
    fill_updates_without(&mut log.lock().unwrap(), b"k3", &mut latest);
    run(
        &log,
        CleanOptions {
            now_ms: now() + 1,
            first_dirty_offset: second.end_offset,
            delete_retention_ms: 0,
            ..Default::default()
        },
    );
    let log = log.into_inner().unwrap();
    assert!(
        !read_all(&log).iter().any(|r| r.1.as_deref() == Some(b"k3")),
        "tombstone removed"
    );
    let active_base = *log.segment_base_offsets().last().unwrap();
    check_one_per_key(&log, &latest, active_base);
}

fn fill_updates_without(
    log: &mut Log,
    skip: &[u8],
    latest: &mut BTreeMap<Vec<u8>, (i64, Vec<u8>)>,
) {
    for j in 0..100 {
        let key = format!("k{}", j % 10).into_bytes();
        if key == skip {
            continue;
        }
        let value = format!("w{j}").into_bytes();
        let base = append(
            log,
            keyed_batch(&[(Some(&key), Some(&value))], Codec::None, NO_PRODUCER, NOW),
        );
        latest.insert(key, (base, value));
    }
}

#[test]
fn aborted_transactions_go_and_committed_ones_stay() {
    let dir = tempfile::tempdir().unwrap();
    let mut log = open(dir.path());
    let txn = |id| Producer {
        id,
        epoch: 0,
        sequence: 0,
        transactional: true,
        control: false,
    };
    let aborted = append(
        &mut log,
        keyed_batch(&[(Some(b"a"), Some(b"zombie"))], Codec::None, txn(5), NOW),
    );
    let committed = append(
        &mut log,
        keyed_batch(&[(Some(b"b"), Some(b"real"))], Codec::None, txn(6), NOW),
    );
    append(&mut log, marker(5, false));
    append(&mut log, marker(6, true));
    let mut latest = fill_updates(&mut log, Codec::None, 1);
    latest.insert(b"b".to_vec(), (committed, b"real".to_vec()));
    let log = Mutex::new(log);
    let first = run(
        &log,
        CleanOptions {
            now_ms: now(),
            delete_retention_ms: 0,
            ..Default::default()
        },
    );
    let records = read_all(&log.lock().unwrap());
    assert!(
        !records.iter().any(|r| r.0 == aborted),
        "aborted data removed"
    );
    assert!(
        records.iter().any(|r| r.0 == committed),
        "committed data kept"
    );
    latest.extend(fill_updates(&mut log.lock().unwrap(), Codec::None, 1));
    run(
        &log,
        CleanOptions {
            now_ms: now() + 1,
            first_dirty_offset: first.end_offset,
            delete_retention_ms: 0,
            ..Default::default()
        },
    );
    let log = log.into_inner().unwrap();
    let bytes = log.read(0, u64::MAX, None).unwrap().to_vec().unwrap();
    let controls: Vec<(i64, i32)> = split_batches(&bytes)
        .iter()
        .map(|(_, _, b)| BatchHeader::new(b))
        .filter(|h| h.is_control())
        .map(|h| (h.producer_id(), h.records_count()))
        .collect();
    // The commit marker guards data still in the log; the abort marker's transaction left
    // nothing, so only its empty header stays (it is producer 5's last batch).
    assert_eq!(controls, vec![(5, 0), (6, 1)]);
    let active_base = *log.segment_base_offsets().last().unwrap();
    check_one_per_key(&log, &latest, active_base);
}

#[test]
fn a_producers_last_batch_keeps_its_header_and_sequence_when_emptied() {
    let dir = tempfile::tempdir().unwrap();
    let mut log = open(dir.path());
    let idempotent = Producer {
        id: 9,
        epoch: 2,
        sequence: 40,
        transactional: false,
        control: false,
    };
    let base = append(
        &mut log,
        keyed_batch(
            &[(Some(b"k1"), Some(b"x")), (Some(b"k2"), Some(b"y"))],
            Codec::None,
            idempotent,
            NOW,
        ),
    );
    let latest = fill_updates(&mut log, Codec::None, 1);
    let log = Mutex::new(log);
    run(
        &log,
        CleanOptions {
            now_ms: now(),
            ..Default::default()
        },
    );
    let log = log.into_inner().unwrap();
    let bytes = log.read(0, u64::MAX, None).unwrap().to_vec().unwrap();
    let batches = split_batches(&bytes);
    let header = BatchHeader::new(&batches[0].2);
    assert_eq!(
        (
            header.base_offset(),
            header.last_offset(),
            header.producer_id(),
            header.producer_epoch(),
            header.base_sequence(),
            header.records_count()
        ),
        (base, base + 1, 9, 2, 40, 0)
    );
    let active_base = *log.segment_base_offsets().last().unwrap();
    check_one_per_key(&log, &latest, active_base);
}

#[test]
fn min_compaction_lag_keeps_recent_segments_dirty() {
    let dir = tempfile::tempdir().unwrap();
    let mut log = open(dir.path());
    fill_updates(&mut log, Codec::None, 1);
    let before = read_all(&log);
    let log = Mutex::new(log);
    // Every batch has timestamp NOW; a lag longer than (clock - NOW) leaves all of them alone.
    let stats = run(
        &log,
        CleanOptions {
            now_ms: NOW + 1000,
            min_compaction_lag_ms: 60_000,
            ..Default::default()
        },
    );
    assert_eq!(stats.segments_written, 0);
    assert_eq!(read_all(&log.into_inner().unwrap()), before);
}

fn crash_and_reopen(log: Mutex<Log>, dir: &Path) -> Log {
    // No close: the files are left as a kill -9 leaves them (what the kernel has is on disk).
    drop(log);
    open(dir)
}

#[test]
fn a_crash_at_every_step_of_the_swap_loses_nothing_and_duplicates_nothing() {
    for stop in [
        None,
        Some(StopAfter::RenamedToSwap),
        Some(StopAfter::DeletedOld),
    ] {
        let dir = tempfile::tempdir().unwrap();
        let mut log = open(dir.path());
        let latest = fill_updates(&mut log, Codec::None, 1);
        let original = read_all(&log);
        let log = Mutex::new(log);
        match stop {
            // A crash while the cleaned copy was being written: a half `.cleaned` file.
            None => std::fs::write(
                dir.path().join("00000000000000000000.log.cleaned"),
                b"half a segment",
            )
            .unwrap(),
            Some(stop_after) => {
                let stats = run(
                    &log,
                    CleanOptions {
                        now_ms: now(),
                        stop_after,
                        ..Default::default()
                    },
                );
                assert!(stats.interrupted);
            }
        }
        let log = crash_and_reopen(log, dir.path());
        let leftovers: Vec<_> = std::fs::read_dir(dir.path())
            .unwrap()
            .map(|e| e.unwrap().file_name().into_string().unwrap())
            .filter(|n| n.ends_with(".cleaned") || n.ends_with(".swap"))
            .collect();
        assert!(leftovers.is_empty(), "{stop:?}: {leftovers:?}");
        match stop {
            None => assert_eq!(
                read_all(&log),
                original,
                "nothing swapped: the log is as it was"
            ),
            // The first group was swapped (recovery completed it); the rest is still dirty.
            Some(_) => {
                let records = read_all(&log);
                assert!(
                    records.len() < original.len(),
                    "{stop:?}: the swap was completed"
                );
                assert!(
                    records.iter().all(|r| original.contains(r)),
                    "only records that were written"
                );
                assert!(
                    records.windows(2).all(|w| w[0].0 < w[1].0),
                    "no offset twice, in order"
                );
            }
        }
        // Either way, every key's latest value is there exactly once more than nothing.
        let records = read_all(&log);
        for (key, (offset, _)) in &latest {
            assert_eq!(
                records
                    .iter()
                    .filter(|r| r.0 == *offset && r.1.as_ref() == Some(key))
                    .count(),
                1
            );
        }
    }
}

#[test]
fn the_cleaned_log_reopens_cleanly_and_cleans_again() {
    let dir = tempfile::tempdir().unwrap();
    let mut log = open(dir.path());
    let latest = fill_updates(&mut log, Codec::None, 1);
    let active_base = *log.segment_base_offsets().last().unwrap();
    let log = Mutex::new(log);
    let stats = run(
        &log,
        CleanOptions {
            now_ms: now(),
            ..Default::default()
        },
    );
    let served = read_all(&log.lock().unwrap());
    let log = crash_and_reopen(log, dir.path());
    assert_eq!(read_all(&log), served);
    check_one_per_key(&log, &latest, active_base);
    let log = Mutex::new(log);
    let again = run(
        &log,
        CleanOptions {
            now_ms: now(),
            first_dirty_offset: stats.end_offset,
            ..Default::default()
        },
    );
    assert_eq!(again.segments_written, 0, "nothing dirty: {again:?}");
}

#[test]
fn a_compacted_topic_refuses_records_without_a_key_and_writes_nothing() {
    let dir = tempfile::tempdir().unwrap();
    let mut log = open(dir.path());
    let keyed = LeaderAppendOptions {
        require_keys: true,
        ..Default::default()
    };
    for codec in [Codec::None, Codec::Zstd] {
        let mut batch = keyed_batch(
            &[(Some(b"k"), Some(b"v")), (None, Some(b"v"))],
            codec,
            NO_PRODUCER,
            NOW,
        );
        let error = log.append_as_leader(&mut batch, 1, keyed, NOW).unwrap_err();
        assert_eq!(error.code(), "SEGLOG_COMPACTED_TOPIC_MISSING_KEY");
        assert!(
            error
                .to_string()
                .starts_with("Compacted topic cannot accept message without key"),
            "{error}"
        );
        assert!(
            error.to_string().contains("record 1 of the batch"),
            "{error}"
        );
    }
    assert_eq!(log.log_end_offset(), 0, "nothing appended");
    let mut batch = keyed_batch(&[(Some(b"k"), Some(b"v"))], Codec::Lz4, NO_PRODUCER, NOW);
    log.append_as_leader(&mut batch, 1, keyed, NOW).unwrap();
    // Without the option (an uncompacted topic) the record is taken as it is.
    let mut batch = keyed_batch(&[(None, Some(b"v"))], Codec::None, NO_PRODUCER, NOW);
    log.append_as_leader(&mut batch, 1, LeaderAppendOptions::default(), NOW)
        .unwrap();
    assert_eq!(log.log_end_offset(), 2);
}
