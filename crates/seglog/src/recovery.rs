//! Loading a partition directory at open (Kafka's LogLoader), with recovery after an unclean stop.
//!
//! - Leftovers are removed first: `.deleted` files (second phase of a delete that a crash cut
//!   short), `.cleaned`/`.swap`/`.tmp` files, and index files without a `.log`.
//! - After a clean shutdown every segment is opened as is, but its indexes are trusted only if
//!   they pass sanity checks; a missing or doubtful index makes that segment be rebuilt.
//! - After an unclean stop, every segment from the one holding the recovery point on is scanned
//!   batch by batch (CRC, magic, lengths, offsets increasing and below the next segment's base);
//!   the first torn or invalid batch and everything after it is truncated, the indexes are
//!   rebuilt, and all later segments are deleted if the cut left a gap before the next segment.
//! - A torn tail is not an error: it is the expected result of a crash mid-write.
//!
//! Blocking; runs on a worker thread (the Node glue's open task).

use std::collections::{BTreeMap, BTreeSet};
use std::path::Path;

use crate::config::LogConfig;
use crate::error::{IoContext, Result};
use crate::file_names::{
    index_file, is_stale_leftover, log_file, parse_offset, time_index_file, txn_index_file,
    INDEX_SUFFIX, LEADER_EPOCH_CHECKPOINT, LOG_SUFFIX, TIME_INDEX_SUFFIX, TXN_INDEX_SUFFIX,
};
use crate::leader_epoch::LeaderEpochCache;
use crate::segment::Segment;

/// What the caller knows about how the log was last closed.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct LoadOptions {
    /// The clean-shutdown marker was present: nothing needs scanning.
    pub clean_shutdown: bool,
    /// Offset below which data is known to be flushed (from the recovery-point checkpoint).
    pub recovery_point: i64,
    /// Log start offset from the log-start-offset checkpoint.
    pub log_start_offset: i64,
}

impl Default for LoadOptions {
    /// Unclean with recovery point 0: scans everything, which is always safe.
    fn default() -> LoadOptions {
        LoadOptions {
            clean_shutdown: false,
            recovery_point: 0,
            log_start_offset: 0,
        }
    }
}

/// What loading found and did, for logs and tests.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct LoadReport {
    pub segments: usize,
    /// Segments scanned batch by batch.
    pub recovered_segments: usize,
    /// Segments opened cleanly whose index files were missing or doubtful and were rebuilt.
    pub rebuilt_indexes: usize,
    /// Bytes cut off torn or corrupt tails.
    pub truncated_bytes: u64,
    /// Segments deleted because an earlier one was truncated.
    pub deleted_segments: usize,
}

pub struct LoadedLog {
    pub segments: BTreeMap<i64, Segment>,
    pub leader_epochs: LeaderEpochCache,
    pub log_start_offset: i64,
    pub recovery_point: i64,
    pub report: LoadReport,
}

fn remove_segment_files(dir: &Path, base_offset: i64) -> Result<()> {
    for path in [
        log_file(dir, base_offset),
        index_file(dir, base_offset),
        time_index_file(dir, base_offset),
        txn_index_file(dir, base_offset),
    ] {
        match std::fs::remove_file(&path) {
            Err(e) if e.kind() != std::io::ErrorKind::NotFound => {
                return Err(e).context(|| format!("remove {}", path.display()))
            }
            _ => {}
        }
    }
    Ok(())
}

/// Opens every segment of the partition directory `dir` (created if missing).
pub fn load(
    dir: &Path,
    config: &LogConfig,
    options: LoadOptions,
    now_ms: i64,
) -> Result<LoadedLog> {
    std::fs::create_dir_all(dir).context(|| format!("create {}", dir.display()))?;
    // A cleaner swap that a crash interrupted is completed before the directory is read.
    crate::cleaner::complete_interrupted_swaps(dir)?;
    let mut bases = BTreeSet::new();
    let mut index_bases = BTreeSet::new();
    for entry in std::fs::read_dir(dir).context(|| format!("list {}", dir.display()))? {
        let entry = entry.context(|| format!("list {}", dir.display()))?;
        let name = entry.file_name();
        let Some(name) = name.to_str() else { continue };
        if is_stale_leftover(name) {
            std::fs::remove_file(entry.path())
                .context(|| format!("remove leftover {}", entry.path().display()))?;
        } else if let Some(base) = parse_offset(name, LOG_SUFFIX) {
            bases.insert(base);
        } else if let Some(base) = parse_offset(name, INDEX_SUFFIX)
            .or_else(|| parse_offset(name, TIME_INDEX_SUFFIX))
            .or_else(|| parse_offset(name, TXN_INDEX_SUFFIX))
        {
            index_bases.insert(base);
        }
    }
    for orphan in index_bases.difference(&bases) {
        remove_segment_files(dir, *orphan)?;
    }

    let epoch_path = dir.join(LEADER_EPOCH_CHECKPOINT);
    let (mut leader_epochs, options) = match LeaderEpochCache::load(&epoch_path) {
        Ok(cache) => (cache, options),
        // A corrupt epoch file is rebuilt from the batches themselves: scan everything.
        Err(_) => (
            LeaderEpochCache::default(),
            LoadOptions {
                clean_shutdown: false,
                recovery_point: 0,
                ..options
            },
        ),
    };
    let first_unflushed = if options.clean_shutdown {
        None
    } else {
        bases
            .range(..=options.recovery_point)
            .next_back()
            .or(bases.iter().next())
            .copied()
    };
    let bases: Vec<i64> = bases.into_iter().collect();
    let mut report = LoadReport::default();
    let mut segments = BTreeMap::new();
    let mut rebuilt_epochs = Vec::new();
    let mut truncated = false;
    for (i, &base) in bases.iter().enumerate() {
        let next_base = bases.get(i + 1).copied();
        if truncated {
            remove_segment_files(dir, base)?;
            report.deleted_segments += 1;
            continue;
        }
        let must_scan = first_unflushed.is_some_and(|first| base >= first);
        let segment = if must_scan {
            None
        } else {
            Segment::open_clean(dir, base, config.segment_bytes, now_ms)?
                .filter(|s| next_base.is_none_or(|next| s.next_offset() <= next))
        };
        let segment = match segment {
            Some(segment) => segment,
            None => {
                let (segment, outcome) = Segment::recover(
                    dir,
                    base,
                    config.segment_bytes,
                    config.index_interval_bytes,
                    next_base,
                    now_ms,
                )?;
                if must_scan {
                    report.recovered_segments += 1;
                    rebuilt_epochs.extend(outcome.epochs);
                    // Later segments follow a gap only if the cut lost offsets below the next
                    // base; a cut that ends exactly there removed a stale tail (a shrink that a
                    // live view deferred), and the next segment continues the log.
                    truncated = outcome.truncated_bytes > 0
                        && next_base.is_some_and(|next| segment.next_offset() < next);
                } else {
                    report.rebuilt_indexes += 1;
                    for (epoch, offset) in outcome.epochs {
                        leader_epochs.assign(epoch, offset);
                    }
                }
                report.truncated_bytes += outcome.truncated_bytes;
                segment
            }
        };
        segments.insert(base, segment);
    }
    if let Some(first) = first_unflushed {
        leader_epochs.replace_from(first, &rebuilt_epochs);
    }

    let mut log_start_offset = options.log_start_offset.max(0);
    let log_end_offset = segments.values().next_back().map(Segment::next_offset);
    if log_end_offset.is_some_and(|end| log_start_offset > end) {
        // The checkpointed start is past what survived: start over there (Kafka's
        // truncateFullyAndStartAt), so offsets never go backwards.
        for mut segment in std::mem::take(&mut segments).into_values() {
            segment.mark_deleted()?;
            report.deleted_segments += 1;
        }
    }
    if segments.is_empty() {
        segments.insert(
            log_start_offset,
            Segment::create(dir, log_start_offset, config.segment_bytes, now_ms)?,
        );
    }
    let first_base = *segments.keys().next().expect("at least one segment");
    log_start_offset = log_start_offset.max(first_base);
    let log_end_offset = segments
        .values()
        .next_back()
        .expect("at least one segment")
        .next_offset();
    leader_epochs.truncate_from_end(log_end_offset);
    leader_epochs.truncate_from_start(log_start_offset);
    let recovery_point = if options.clean_shutdown {
        log_end_offset
    } else {
        options
            .recovery_point
            .clamp(log_start_offset, log_end_offset)
    };
    report.segments = segments.len();
    Ok(LoadedLog {
        segments,
        leader_epochs,
        log_start_offset,
        recovery_point,
        report,
    })
}
