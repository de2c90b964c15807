//! Writing a cleaned segment and swapping it in, so that a kill -9 at any point leaves a log
//! that recovery completes or rolls back (Kafka's LogCleaner / LocalLog.replaceSegments rules):
//!
//! 1. The cleaned copy is written as `<base>.log.cleaned` (+ `.index.cleaned`,
//!    `.timeindex.cleaned`) and fsynced. A crash now: recovery deletes `.cleaned` files; the old
//!    segments are untouched.
//! 2. Under the log's lock, after checking the old segments are still the ones that were read:
//!    the `.cleaned` files are renamed to `.swap`. From here on the new data is complete and
//!    durable, so recovery completes the swap: it deletes every segment whose base offset lies
//!    within the swap's offsets and renames the `.swap` files to their final names.
//! 3. The old segments are renamed to `.deleted` (unlinked once no read holds them).
//! 4. `<base>.log.swap` is renamed to `<base>.log`, then the index files. A crash between them
//!    leaves index `.swap` files without a log swap: they are removed and the indexes rebuilt.

use std::fs::File;
use std::io::Write;
use std::os::unix::fs::FileExt;
use std::path::{Path, PathBuf};

use crate::batch::{BatchHeader, HEADER_SIZE, MAGIC_V2, MIN_BATCH_LENGTH};
use crate::error::{IoContext, Result};
use crate::file_names::{
    index_file, log_file, parse_offset, time_index_file, CLEANED_SUFFIX, SWAP_SUFFIX,
};
use crate::log::Log;
use crate::offset_index::OffsetIndex;
use crate::segment::Segment;
use crate::time_index::TimeIndex;

fn with_suffix(path: &Path, suffix: &str) -> PathBuf {
    let mut name = path.as_os_str().to_owned();
    name.push(suffix);
    PathBuf::from(name)
}

fn rename(from: &Path, to: &Path) -> Result<()> {
    std::fs::rename(from, to).context(|| format!("rename {} to {}", from.display(), to.display()))
}

fn remove_if_present(path: &Path) -> Result<()> {
    match std::fs::remove_file(path) {
        Err(e) if e.kind() != std::io::ErrorKind::NotFound => {
            Err(e).context(|| format!("remove {}", path.display()))
        }
        _ => Ok(()),
    }
}

/// The three files of one segment at `base` in `dir`.
fn final_paths(dir: &Path, base: i64) -> [PathBuf; 3] {
    [
        log_file(dir, base),
        index_file(dir, base),
        time_index_file(dir, base),
    ]
}

/// A cleaned segment being written (step 1).
pub(crate) struct CleanedSegment {
    dir: PathBuf,
    base_offset: i64,
    file: std::io::BufWriter<File>,
    offset_index: OffsetIndex,
    time_index: TimeIndex,
    size: u32,
    bytes_since_index_entry: u32,
    max_timestamp: (i64, i64),
    interval: u32,
}

impl CleanedSegment {
    pub(crate) fn create(dir: &Path, base_offset: i64, interval: u32) -> Result<CleanedSegment> {
        let [log, index, time_index] = final_paths(dir, base_offset);
        let path = with_suffix(&log, CLEANED_SUFFIX);
        let file = File::create(&path).context(|| format!("create {}", path.display()))?;
        Ok(CleanedSegment {
            dir: dir.to_owned(),
            base_offset,
            file: std::io::BufWriter::with_capacity(1 << 20, file),
            offset_index: OffsetIndex::create(&with_suffix(&index, CLEANED_SUFFIX), base_offset)?,
            time_index: TimeIndex::create(&with_suffix(&time_index, CLEANED_SUFFIX), base_offset)?,
            size: 0,
            bytes_since_index_entry: 0,
            max_timestamp: (-1, base_offset),
            interval,
        })
    }

    /// Appends one whole, valid batch and indexes it as an append would.
    pub(crate) fn append(&mut self, batch: &[u8]) -> Result<()> {
        let header = BatchHeader::new(batch);
        if header.max_timestamp() > self.max_timestamp.0 {
            self.max_timestamp = (header.max_timestamp(), header.last_offset());
        }
        if self.size == 0 || self.bytes_since_index_entry > self.interval {
            if self.size > 0 {
                self.offset_index.append(header.base_offset(), self.size);
                self.time_index
                    .maybe_append(self.max_timestamp.0, self.max_timestamp.1);
            }
            self.bytes_since_index_entry = 0;
        }
        self.file
            .write_all(batch)
            .context(|| format!("write cleaned segment {}", self.base_offset))?;
        self.size += batch.len() as u32;
        self.bytes_since_index_entry += batch.len() as u32;
        Ok(())
    }

    /// Writes the indexes and fsyncs the three `.cleaned` files.
    pub(crate) fn finish(mut self) -> Result<FinishedSegment> {
        self.time_index
            .maybe_append(self.max_timestamp.0, self.max_timestamp.1);
        self.offset_index.write_pending()?;
        self.time_index.write_pending()?;
        let file = self
            .file
            .into_inner()
            .map_err(|e| e.into_error())
            .context(|| format!("flush cleaned segment {}", self.base_offset))?;
        file.sync_all()
            .context(|| format!("fsync cleaned segment {}", self.base_offset))?;
        self.offset_index
            .file()
            .handle()?
            .sync_all()
            .context(|| "fsync cleaned offset index".to_string())?;
        self.time_index
            .file()
            .handle()?
            .sync_all()
            .context(|| "fsync cleaned time index".to_string())?;
        Ok(FinishedSegment {
            dir: self.dir,
            base_offset: self.base_offset,
        })
    }

    /// Removes what was written (a cancelled or failed cleaning).
    pub(crate) fn discard(self) {
        discard_cleaned(&self.dir, self.base_offset);
    }
}

fn discard_cleaned(dir: &Path, base: i64) {
    for path in final_paths(dir, base) {
        let _ = std::fs::remove_file(with_suffix(&path, CLEANED_SUFFIX));
    }
}

/// A cleaned segment on disk, durable, waiting for its swap.
pub(crate) struct FinishedSegment {
    dir: PathBuf,
    pub base_offset: i64,
}

impl FinishedSegment {
    pub(crate) fn discard(self) {
        discard_cleaned(&self.dir, self.base_offset);
    }
}

/// Where a crash may be simulated in tests: the commit stops after this step.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum StopAfter {
    Nothing,
    /// The `.cleaned` files are `.swap` files.
    RenamedToSwap,
    /// The old segments are `.deleted` too.
    DeletedOld,
}

/// Steps 2-4 under the log's lock. `sources` are the (base, size, next offset) of the segments
/// that were read; if any changed (a truncation, a retention pass), nothing is swapped and
/// `Ok(false)` is returned.
pub(crate) fn commit(
    log: &mut Log,
    cleaned: FinishedSegment,
    sources: &[(i64, u32, i64)],
    truncations: u64,
    now_ms: i64,
    stop_after: StopAfter,
) -> Result<bool> {
    let unchanged = !log.is_closed()
        && log.truncation_count() == truncations
        && sources.iter().all(|&(base, size, next)| {
            log.segments()
                .get(&base)
                .is_some_and(|s| s.size() == size && s.next_offset() == next)
        })
        && log.segments().keys().next_back() != sources.last().map(|s| &s.0);
    if !unchanged {
        cleaned.discard();
        return Ok(false);
    }
    let dir = log.dir().to_owned();
    let base = cleaned.base_offset;
    let finals = final_paths(&dir, base);
    // Indexes first, the log last: a `.log.swap` is what makes recovery complete the swap, and
    // it must only appear once everything it needs is in place.
    for path in finals.iter().rev() {
        rename(
            &with_suffix(path, CLEANED_SUFFIX),
            &with_suffix(path, SWAP_SUFFIX),
        )?;
    }
    if stop_after == StopAfter::RenamedToSwap {
        return Ok(false);
    }
    let segments = log.segments_mut();
    for &(source, _, _) in sources {
        let mut old = segments.remove(&source).expect("checked above");
        old.mark_deleted()?;
    }
    if stop_after == StopAfter::DeletedOld {
        return Ok(false);
    }
    for path in &finals {
        rename(&with_suffix(path, SWAP_SUFFIX), path)?;
    }
    let capacity = log.config().segment_bytes;
    let interval = log.config().index_interval_bytes;
    let segment = match Segment::open_clean(&dir, base, capacity, now_ms)? {
        Some(segment) => segment,
        None => Segment::recover(&dir, base, capacity, interval, None, now_ms)?.0,
    };
    log.segments_mut().insert(base, segment);
    Ok(true)
}

/// The last offset of the batches in a segment file (None when it holds no whole batch).
fn last_offset_in(path: &Path) -> Result<Option<i64>> {
    let file = File::open(path).context(|| format!("open {}", path.display()))?;
    let len = file
        .metadata()
        .context(|| format!("stat {}", path.display()))?
        .len();
    let mut position = 0u64;
    let mut last = None;
    let mut header = [0u8; HEADER_SIZE];
    while position + HEADER_SIZE as u64 <= len {
        file.read_exact_at(&mut header, position)
            .context(|| format!("read {}", path.display()))?;
        let view = BatchHeader::new(&header);
        if view.magic() != MAGIC_V2 || view.batch_length() < MIN_BATCH_LENGTH {
            break;
        }
        let size = view.size() as u64;
        if position + size > len {
            break;
        }
        last = Some(view.last_offset());
        position += size;
    }
    Ok(last)
}

/// Recovery's part (run before the directory is listed for segments): every `<base>.log.swap`
/// is a complete, fsynced cleaned segment whose swap a crash interrupted. The segments it
/// replaces (base offsets within its offsets) are deleted and the swap files take their final
/// names. Index `.swap` files without a log swap are left for the stale-file sweep.
pub fn complete_interrupted_swaps(dir: &Path) -> Result<usize> {
    let Ok(entries) = std::fs::read_dir(dir) else {
        return Ok(0);
    };
    let mut swaps = Vec::new();
    let mut segment_bases = Vec::new();
    for entry in entries {
        let entry = entry.context(|| format!("list {}", dir.display()))?;
        let name = entry.file_name();
        let Some(name) = name.to_str() else { continue };
        if let Some(stem) = name.strip_suffix(SWAP_SUFFIX) {
            if let Some(base) = parse_offset(stem, crate::file_names::LOG_SUFFIX) {
                swaps.push(base);
            }
        } else if let Some(base) = parse_offset(name, crate::file_names::LOG_SUFFIX) {
            segment_bases.push(base);
        }
    }
    swaps.sort_unstable();
    for &base in &swaps {
        let finals = final_paths(dir, base);
        let swap_log = with_suffix(&finals[0], SWAP_SUFFIX);
        let last = last_offset_in(&swap_log)?.unwrap_or(base);
        for &old in segment_bases.iter().filter(|&&b| b >= base && b <= last) {
            for path in final_paths(dir, old) {
                remove_if_present(&path)?;
            }
            // The cleaned segment holds no aborted transaction's data: no index of them either.
            remove_if_present(&crate::file_names::txn_index_file(dir, old))?;
        }
        for path in finals.iter().rev() {
            let swap = with_suffix(path, SWAP_SUFFIX);
            if swap.exists() {
                rename(&swap, path)?;
            } else if path != &finals[0] {
                // Rebuilt at open from the log.
                remove_if_present(path)?;
            }
        }
    }
    Ok(swaps.len())
}
