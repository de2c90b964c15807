//! Log compaction (Kafka's LogCleaner for one log): keeps only the last record of each key in the
//! segments below the first uncleanable offset, removes aborted transactional data, and drops
//! tombstones and transaction markers once delete.retention.ms has passed since they were first
//! cleaned. Offsets never change (gaps are fine); batches written are valid RecordBatch v2.
//!
//! One cleaning (`clean`):
//! 1. Under the log's lock, a snapshot: every segment's file, size and next offset (old segments
//!    never change; the active one is only read up to the snapshot size and never rewritten).
//! 2. Without the lock: one header scan for transactions (transactions.rs), then the offset map
//!    (offset_map.rs) of the dirty range, from the cleaner checkpoint (`first_dirty_offset`)
//!    onward, segment by segment until the map is full (log.cleaner.dedupe.buffer.size).
//! 3. Without the lock: the segments from the log start up to the end of the mapped range are
//!    rewritten in groups that fit in segment.bytes, each as one `.cleaned` segment (swap.rs).
//! 4. Under the lock, per group: the swap (swap.rs), refused if a truncation or retention changed
//!    the segments meanwhile. Appends and fetches wait only for the renames.
//!
//! Tombstone horizon: a segment's file modification time is when it was last written, which for
//! a segment below the cleaner checkpoint is when the cleaner wrote it. A tombstone (or a marker)
//! goes once the segment holding it was cleaned at least delete.retention.ms ago, so a consumer
//! that reads the log from the start within delete.retention.ms always sees the delete (Kafka's
//! pre-KIP-534 rule, which needs no rewrite of the batch's baseTimestamp).
//!
//! Thread-safety: `clean` takes the log's mutex itself and holds it only for steps 1 and 4.
//! `cleanable_stats` runs under the lock the caller holds.

mod offset_map;
mod records;
mod swap;
mod thread_priority;
mod throttler;
mod transactions;

use std::collections::HashMap;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Instant;

use crate::batch::{BatchHeader, HEADER_SIZE, MAGIC_V2, MIN_BATCH_LENGTH};
use crate::error::{Error, Result};
use crate::file_records::FileRecords;
use crate::log::Log;

pub use offset_map::OffsetMap;
use swap::CleanedSegment;
pub use swap::{complete_interrupted_swaps, StopAfter};
use throttler::Throttler;
use transactions::TransactionScan;

/// For a produce to a compacted topic: whether every record of the batch has a key (see
/// `records::first_record_without_key`); the error names the first keyless record.
pub fn check_keys(batch: &[u8], position: usize) -> Result<()> {
    match records::first_record_without_key(batch)? {
        None => Ok(()),
        Some(record) => Err(Error::RecordWithoutKey { position, record }),
    }
}

/// What one cleaning may do.
#[derive(Debug, Clone)]
pub struct CleanOptions {
    /// The cleaner checkpoint: offsets below it were cleaned before.
    pub first_dirty_offset: i64,
    /// Nothing at or above it is cleaned (the high watermark: a follower may still truncate
    /// above it). None: the active segment's base.
    pub upper_bound: Option<i64>,
    /// delete.retention.ms.
    pub delete_retention_ms: i64,
    /// min.compaction.lag.ms: segments with a record newer than this are not cleaned.
    pub min_compaction_lag_ms: i64,
    /// This cleaning's share of log.cleaner.dedupe.buffer.size.
    pub dedupe_buffer_bytes: usize,
    /// log.cleaner.io.max.bytes.per.second (read + written), this cleaning's share.
    pub io_max_bytes_per_second: f64,
    pub now_ms: i64,
    /// For tests: stop the first swap after this step, as a crash would.
    pub stop_after: StopAfter,
}

impl Default for CleanOptions {
    fn default() -> CleanOptions {
        CleanOptions {
            first_dirty_offset: 0,
            upper_bound: None,
            delete_retention_ms: 86_400_000,
            min_compaction_lag_ms: 0,
            dedupe_buffer_bytes: 128 << 20,
            io_max_bytes_per_second: f64::MAX,
            now_ms: 0,
            stop_after: StopAfter::Nothing,
        }
    }
}

/// What a cleaning did.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct CleanStats {
    /// The new cleaner checkpoint: everything below it is clean (unchanged when nothing was done).
    pub end_offset: i64,
    pub segments_read: u64,
    pub segments_written: u64,
    pub bytes_read: u64,
    pub bytes_written: u64,
    pub records_read: u64,
    pub records_kept: u64,
    pub batches_removed: u64,
    /// A swap was refused because the log changed under the cleaning (retry later).
    pub interrupted: bool,
    pub cancelled: bool,
    pub duration_ms: u64,
}

/// How dirty a log is, for choosing the log to clean (Kafka's LogToClean).
#[derive(Debug, Clone, Copy, Default, PartialEq)]
pub struct CleanableStats {
    /// The cleaner checkpoint, moved into [log start, first uncleanable].
    pub first_dirty_offset: i64,
    pub first_uncleanable_offset: i64,
    /// Bytes of segments from the log start to the first dirty offset.
    pub clean_bytes: u64,
    /// Bytes of segments from the first dirty offset to the first uncleanable offset.
    pub dirty_bytes: u64,
    /// Largest timestamp of the first dirty segment (for max.compaction.lag.ms), -1 if unknown.
    pub first_dirty_timestamp: i64,
}

/// One segment as a cleaning sees it.
pub(crate) struct SegmentSnapshot {
    base_offset: i64,
    size: u32,
    next_offset: i64,
    largest_timestamp: i64,
    records: Arc<FileRecords>,
}

impl SegmentSnapshot {
    fn last_modified_ms(&self) -> i64 {
        self.records
            .file()
            .metadata()
            .ok()
            .and_then(|m| m.modified().ok())
            .and_then(|t| t.duration_since(std::time::UNIX_EPOCH).ok())
            .map_or(0, |d| d.as_millis() as i64)
    }

    /// Calls `visit(header, position)` for each batch header, reading 61 bytes a batch (the
    /// transaction scan needs no more); stops when it returns false or the bytes end.
    pub(crate) fn for_each_header(
        &self,
        mut visit: impl FnMut(&BatchHeader<'_>, u64) -> Result<bool>,
    ) -> Result<()> {
        use std::os::unix::fs::FileExt;
        let size = u64::from(self.size);
        let mut bytes = [0u8; HEADER_SIZE];
        let mut position = 0u64;
        while position + HEADER_SIZE as u64 <= size {
            match self.records.file().read_exact_at(&mut bytes, position) {
                Ok(()) => {}
                Err(e) if e.kind() == std::io::ErrorKind::UnexpectedEof => break,
                Err(e) => return Err(Error::io(format!("read segment {}", self.base_offset), e)),
            }
            let header = BatchHeader::new(&bytes);
            if header.magic() != MAGIC_V2 || header.batch_length() < MIN_BATCH_LENGTH {
                break;
            }
            let batch_size = header.size() as u64;
            if position + batch_size > size || !visit(&header, position)? {
                break;
            }
            position += batch_size;
        }
        Ok(())
    }

    /// The `len` bytes at `position` (one whole batch).
    pub(crate) fn read_at(&self, position: u64, len: usize) -> Result<Vec<u8>> {
        use std::os::unix::fs::FileExt;
        let mut bytes = vec![0u8; len];
        self.records
            .file()
            .read_exact_at(&mut bytes, position)
            .map_err(|e| Error::io(format!("read segment {}", self.base_offset), e))?;
        Ok(bytes)
    }

    /// Calls `visit(header, whole batch)` for each batch; stops when it returns false.
    ///
    /// Reads with pread into a buffer rather than through the segment's mmap: faulting in a
    /// gigabyte of pages takes the process's mmap lock hundreds of thousands of times, which the
    /// event loop thread (V8's heap, read-plan mappings) then waits for. A file truncated
    /// meanwhile simply ends the scan early (the swap is then refused anyway).
    pub(crate) fn for_each_batch(
        &self,
        mut visit: impl FnMut(&BatchHeader<'_>, &[u8]) -> Result<bool>,
    ) -> Result<()> {
        use std::os::unix::fs::FileExt;
        const CHUNK: usize = 1 << 20;
        let size = u64::from(self.size);
        let file = self.records.file();
        let mut buf = vec![0u8; CHUNK.min(self.size as usize).max(HEADER_SIZE)];
        // buf[at..filled] holds the file's bytes from `base + at`.
        let (mut base, mut at, mut filled) = (0u64, 0usize, 0usize);
        let fill = |buf: &mut Vec<u8>,
                    base: &mut u64,
                    at: &mut usize,
                    filled: &mut usize,
                    need: usize|
         -> Result<bool> {
            buf.copy_within(*at..*filled, 0);
            *filled -= *at;
            *base += *at as u64;
            *at = 0;
            if buf.len() < need {
                buf.resize(need, 0);
            }
            let want = ((buf.len() - *filled) as u64).min(size - (*base + *filled as u64)) as usize;
            match file.read_exact_at(&mut buf[*filled..*filled + want], *base + *filled as u64) {
                Ok(()) => {
                    *filled += want;
                    Ok(*filled >= need)
                }
                Err(e) if e.kind() == std::io::ErrorKind::UnexpectedEof => Ok(false),
                Err(e) => Err(Error::io(format!("read segment {}", self.base_offset), e)),
            }
        };
        while base + (at + HEADER_SIZE) as u64 <= size {
            if at + HEADER_SIZE > filled
                && !fill(&mut buf, &mut base, &mut at, &mut filled, HEADER_SIZE)?
            {
                break;
            }
            let header = BatchHeader::new(&buf[at..at + HEADER_SIZE]);
            if header.magic() != MAGIC_V2 || header.batch_length() < MIN_BATCH_LENGTH {
                break;
            }
            let batch_size = header.size();
            if base + (at + batch_size) as u64 > size {
                break;
            }
            if at + batch_size > filled
                && !fill(&mut buf, &mut base, &mut at, &mut filled, batch_size)?
            {
                break;
            }
            let bytes = &buf[at..at + batch_size];
            if !visit(&BatchHeader::new(bytes), bytes)? {
                break;
            }
            at += batch_size;
        }
        Ok(())
    }
}

struct Snapshot {
    /// Every segment, the active one last.
    segments: Vec<SegmentSnapshot>,
    log_start_offset: i64,
    truncations: u64,
    segment_bytes: u32,
    index_interval: u32,
}

fn snapshot(log: &Log) -> Result<Snapshot> {
    let mut segments = Vec::new();
    for segment in log.segments().values() {
        segments.push(SegmentSnapshot {
            base_offset: segment.base_offset(),
            size: segment.size(),
            next_offset: segment.next_offset(),
            largest_timestamp: segment.max_timestamp().timestamp,
            records: segment.records()?,
        });
    }
    Ok(Snapshot {
        segments,
        log_start_offset: log.log_start_offset(),
        truncations: log.truncation_count(),
        segment_bytes: log.config().segment_bytes,
        index_interval: log.config().index_interval_bytes,
    })
}

/// The first offset that must not be cleaned (Kafka's cutOffsetForCleaning): the active
/// segment's base, the caller's bound, and the base of the first segment holding a record newer
/// than min.compaction.lag.ms.
fn first_uncleanable(
    bases_and_timestamps: impl Iterator<Item = (i64, i64)>,
    active_base: i64,
    upper_bound: Option<i64>,
    min_lag_ms: i64,
    now_ms: i64,
    from: i64,
) -> i64 {
    let mut bound = active_base.min(upper_bound.unwrap_or(i64::MAX));
    if min_lag_ms > 0 {
        for (base, timestamp) in bases_and_timestamps {
            if base >= from && timestamp > now_ms - min_lag_ms {
                bound = bound.min(base);
                break;
            }
        }
    }
    bound
}

/// How much of the log is dirty; call under the lock. Cheap: segment sizes are in memory.
pub fn cleanable_stats(log: &Log, options: &CleanOptions) -> CleanableStats {
    let segments = log.segments();
    let active_base = *segments.keys().next_back().expect("a log has a segment");
    let log_start = log.log_start_offset();
    let mut dirty = options.first_dirty_offset;
    if dirty < log_start || dirty > log.log_end_offset() {
        dirty = log_start;
    }
    let uncleanable = first_uncleanable(
        segments
            .values()
            .map(|s| (s.base_offset(), s.max_timestamp().timestamp)),
        active_base,
        options.upper_bound,
        options.min_compaction_lag_ms,
        options.now_ms,
        dirty,
    )
    .max(dirty);
    let mut stats = CleanableStats {
        first_dirty_offset: dirty,
        first_uncleanable_offset: uncleanable,
        first_dirty_timestamp: -1,
        ..CleanableStats::default()
    };
    let bases: Vec<i64> = segments.keys().copied().collect();
    for (i, segment) in segments.values().enumerate() {
        let next_base = bases.get(i + 1).copied().unwrap_or(i64::MAX);
        if next_base > uncleanable {
            break;
        }
        if segment.next_offset() <= dirty && next_base <= dirty {
            stats.clean_bytes += u64::from(segment.size());
        } else {
            if stats.dirty_bytes == 0 {
                stats.first_dirty_timestamp = segment.max_timestamp().timestamp;
            }
            stats.dirty_bytes += u64::from(segment.size());
        }
    }
    stats
}

fn lock(log: &Mutex<Log>) -> Result<std::sync::MutexGuard<'_, Log>> {
    log.lock().map_err(|_| {
        Error::io(
            "lock the log",
            std::io::Error::other("an earlier operation panicked while holding the log's lock"),
        )
    })
}

/// Per-producer state of the rewrite pass: whether the producer's current transaction kept data.
#[derive(Default)]
struct TransactionsKept(HashMap<i64, bool>);

/// Cleans the log once (see the module doc) on a thread of its own at a lower CPU priority
/// (thread_priority.rs); blocks the caller until it is done. `cancel` stops it between batches;
/// what was already swapped stays swapped.
pub fn clean(log: &Mutex<Log>, options: &CleanOptions, cancel: &AtomicBool) -> Result<CleanStats> {
    std::thread::scope(|scope| {
        let cleaning = std::thread::Builder::new()
            .name("seglog-cleaner".into())
            .spawn_scoped(scope, || {
                thread_priority::lower_current_thread(10);
                clean_here(log, options, cancel)
            });
        match cleaning {
            Ok(thread) => thread.join().unwrap_or_else(|_| {
                Err(Error::io(
                    "clean the log",
                    std::io::Error::other("the cleaner thread panicked"),
                ))
            }),
            // No thread to be had: clean here, at the caller's priority.
            Err(_) => clean_here(log, options, cancel),
        }
    })
}

fn clean_here(log: &Mutex<Log>, options: &CleanOptions, cancel: &AtomicBool) -> Result<CleanStats> {
    let started = Instant::now();
    let snap = snapshot(&*lock(log)?)?;
    let mut stats = CleanStats {
        end_offset: options.first_dirty_offset,
        ..CleanStats::default()
    };
    let mut throttle = Throttler::new(options.io_max_bytes_per_second);
    let (active, old) = snap.segments.split_last().expect("a log has a segment");
    let mut dirty = options.first_dirty_offset;
    if dirty < snap.log_start_offset || dirty > active.next_offset {
        dirty = snap.log_start_offset;
    }
    let txns = TransactionScan::scan(&snap.segments)?;
    let uncleanable = first_uncleanable(
        old.iter().map(|s| (s.base_offset, s.largest_timestamp)),
        active.base_offset,
        options.upper_bound,
        options.min_compaction_lag_ms,
        options.now_ms,
        dirty,
    )
    .min(txns.first_open_offset.unwrap_or(i64::MAX));
    // Segments wholly below the first uncleanable offset (a segment ends where the next begins).
    let cleanable: Vec<&SegmentSnapshot> = old
        .iter()
        .zip(snap.segments.iter().skip(1))
        .take_while(|(_, next)| next.base_offset <= uncleanable)
        .map(|(s, _)| s)
        .collect();
    let next_base = |i: usize| snap.segments[i + 1].base_offset;

    // The offset map of the dirty segments, whole segments only.
    let mut map = OffsetMap::with_memory(options.dedupe_buffer_bytes);
    let mut map_end = None;
    for (i, segment) in cleanable.iter().enumerate() {
        if next_base(i) <= dirty {
            continue;
        }
        let mut full = false;
        segment.for_each_batch(|header, bytes| {
            if header.last_offset() < dirty || header.is_control() || txns.is_aborted(header) {
                return Ok(true);
            }
            if cancel.load(Ordering::Relaxed) {
                return Ok(false);
            }
            throttle.account(bytes.len() as u64, cancel);
            let payload = records::payload(bytes)?;
            records::for_each_record(header, &payload, |record| {
                if let Some(key) = record.key {
                    full |= !map.put(key, record.offset);
                }
            })?;
            Ok(!full)
        })?;
        if cancel.load(Ordering::Relaxed) {
            stats.cancelled = true;
            return Ok(stats);
        }
        if full {
            break;
        }
        map_end = Some(next_base(i));
    }
    let Some(map_end) = map_end else {
        if cleanable
            .iter()
            .enumerate()
            .any(|(i, _)| next_base(i) > dirty)
        {
            return Err(Error::InvalidConfig {
                name: "log.cleaner.dedupe.buffer.size",
                value: options.dedupe_buffer_bytes as i64,
                reason: "too small for the keys of one segment: raise it or lower segment.bytes",
            });
        }
        stats.duration_ms = started.elapsed().as_millis() as u64;
        return Ok(stats);
    };

    // Groups of consecutive segments below map_end whose sizes fit in one segment.
    let to_clean: Vec<&SegmentSnapshot> = cleanable
        .iter()
        .enumerate()
        .take_while(|&(i, _)| next_base(i) <= map_end)
        .map(|(_, s)| *s)
        .collect();
    let mut groups: Vec<Vec<&SegmentSnapshot>> = Vec::new();
    for segment in to_clean {
        match groups.last_mut() {
            Some(group)
                if group.iter().map(|s| u64::from(s.size)).sum::<u64>()
                    + u64::from(segment.size)
                    <= u64::from(snap.segment_bytes)
                    && segment.next_offset - group[0].base_offset < i64::from(u32::MAX) =>
            {
                group.push(segment)
            }
            _ => groups.push(vec![segment]),
        }
    }

    let mut kept_txns = TransactionsKept::default();
    let dir = lock(log)?.dir().to_owned();
    let mut first_swap = true;
    for group in groups {
        let mut out = CleanedSegment::create(&dir, group[0].base_offset, snap.index_interval)?;
        for segment in &group {
            stats.segments_read += 1;
            let horizon_passed = segment.next_offset <= dirty
                && segment.last_modified_ms() <= options.now_ms - options.delete_retention_ms;
            let result = segment.for_each_batch(|header, bytes| {
                if cancel.load(Ordering::Relaxed) {
                    return Ok(false);
                }
                throttle.account(bytes.len() as u64, cancel);
                stats.bytes_read += bytes.len() as u64;
                let kept = clean_batch(
                    header,
                    bytes,
                    &map,
                    &txns,
                    &mut kept_txns,
                    horizon_passed,
                    &mut stats,
                )?;
                if let Some(kept) = kept {
                    throttle.account(kept.len() as u64, cancel);
                    stats.bytes_written += kept.len() as u64;
                    out.append(&kept)?;
                } else {
                    stats.batches_removed += 1;
                }
                Ok(true)
            });
            if let Err(e) = result {
                out.discard();
                return Err(e);
            }
            if cancel.load(Ordering::Relaxed) {
                out.discard();
                stats.cancelled = true;
                stats.duration_ms = started.elapsed().as_millis() as u64;
                return Ok(stats);
            }
        }
        let finished = out.finish()?;
        stats.segments_written += 1;
        let sources: Vec<(i64, u32, i64)> = group
            .iter()
            .map(|s| (s.base_offset, s.size, s.next_offset))
            .collect();
        let stop_after = if first_swap {
            options.stop_after
        } else {
            StopAfter::Nothing
        };
        first_swap = false;
        let swapped = swap::commit(
            &mut *lock(log)?,
            finished,
            &sources,
            snap.truncations,
            options.now_ms,
            stop_after,
        )?;
        if !swapped {
            stats.interrupted = true;
            stats.duration_ms = started.elapsed().as_millis() as u64;
            return Ok(stats);
        }
    }
    stats.end_offset = map_end;
    stats.duration_ms = started.elapsed().as_millis() as u64;
    Ok(stats)
}

/// The batch to write in place of `bytes`: the same bytes when everything stays, a rebuilt batch
/// when some records go, an empty header when all go but the producer needs it, or None.
#[allow(clippy::too_many_arguments)]
fn clean_batch(
    header: &BatchHeader<'_>,
    bytes: &[u8],
    map: &OffsetMap,
    txns: &TransactionScan,
    kept_txns: &mut TransactionsKept,
    horizon_passed: bool,
    stats: &mut CleanStats,
) -> Result<Option<Vec<u8>>> {
    let retain_empty = txns.is_last_of_producer(header);
    let count = i64::from(header.records_count().max(0)) as u64;
    stats.records_read += count;
    let empty = || -> Result<Option<Vec<u8>>> {
        retain_empty
            .then(|| records::rebuild_batch(bytes, &[], 0, -1))
            .transpose()
    };
    if header.is_control() {
        // A marker goes once its transaction has no data left and the horizon passed.
        let had_data = kept_txns.0.remove(&header.producer_id()).unwrap_or(false);
        if horizon_passed && !had_data {
            return empty();
        }
        stats.records_kept += count;
        return Ok(Some(bytes.to_vec()));
    }
    if txns.is_aborted(header) {
        return empty();
    }
    let payload = records::payload(bytes)?;
    let mut kept = Vec::new();
    let mut kept_count = 0i32;
    let mut max_timestamp = -1i64;
    let mut all = true;
    records::for_each_record(header, &payload, |record| {
        let superseded = match record.key {
            // Kafka drops records without a key when it cleans (a compacted topic refuses them).
            None => true,
            Some(key) => map.get(key).is_some_and(|latest| latest > record.offset),
        };
        let expired_tombstone = record.is_tombstone && horizon_passed;
        if superseded || expired_tombstone {
            all = false;
        } else {
            kept.extend_from_slice(record.bytes);
            kept_count += 1;
            max_timestamp = max_timestamp.max(record.timestamp);
        }
    })?;
    stats.records_kept += kept_count as u64;
    if header.is_transactional() && kept_count > 0 {
        kept_txns.0.insert(header.producer_id(), true);
    } else if header.is_transactional() {
        kept_txns.0.entry(header.producer_id()).or_insert(false);
    }
    if all {
        return Ok(Some(bytes.to_vec()));
    }
    if kept_count == 0 {
        return empty();
    }
    Ok(Some(records::rebuild_batch(
        &bytes[..HEADER_SIZE],
        &kept,
        kept_count,
        max_timestamp,
    )?))
}
