//! One segment of a partition log (Kafka's LogSegment): the `.log` file of whole RecordBatch v2
//! batches back to back, plus its sparse `.index` and `.timeindex`. The base offset in the file
//! names is at or below every offset in the segment and above every offset of earlier segments.
//!
//! Not thread-safe: a segment is only used under its log's lock. Its `FileRecords` is shared
//! (read plans, views, flushes) and is thread-safe on its own.
//!
//! The `.log` file is opened lazily, like Kafka's LazyIndex does for index files: an old segment
//! whose file nobody holds can be released (`release_if_unused`) and costs no descriptor and no
//! address space until the next read opens it again. The index entries stay in memory (they
//! are what a lookup needs without touching the file), and the index files are only opened
//! while written (index_file.rs), so a released segment holds nothing of the kernel's.

use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex, MutexGuard};

use crate::batch::{
    self, BatchHeader, BatchInfo, HEADER_SIZE, LOG_OVERHEAD, MAGIC_V2, MIN_BATCH_LENGTH,
};
use crate::error::Result;
use crate::file_names::{index_file, log_file, time_index_file, txn_index_file};
use crate::file_records::FileRecords;
use crate::offset_index::OffsetIndex;
use crate::time_index::{TimeIndex, TimestampOffset};
use crate::txn_index::TxnIndex;
use crate::writeback::WritebackMark;

/// Where a batch sits in a segment and what its header says.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct BatchPosition {
    pub position: u32,
    pub size: u32,
    pub base_offset: i64,
    pub last_offset: i64,
    pub max_timestamp: i64,
    pub partition_leader_epoch: i32,
}

/// The result of scanning a segment from the start during recovery.
#[derive(Debug, Default)]
pub struct RecoveredSegment {
    /// Bytes cut off the end (a torn or corrupt batch and everything after it).
    pub truncated_bytes: u64,
    /// (epoch, first offset) for each epoch change seen, in order.
    pub epochs: Vec<(i32, i64)>,
}

/// A byte range of whole batches to serve, from `read_range`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct SegmentRange {
    pub position: u32,
    pub len: u32,
    /// Whether the range reaches the end of what is visible (so a read may continue in the next
    /// segment).
    pub reached_end: bool,
}

pub struct Segment {
    base_offset: i64,
    dir: PathBuf,
    /// The mapping length a (re)opened file gets: the segment's capacity.
    capacity: u32,
    /// The `.log` file, `None` while released. Behind a mutex only because reads take `&self`;
    /// the log's own lock already serialises every use, so it is never contended.
    records: Mutex<Option<Arc<FileRecords>>>,
    /// Set by every use of the file, cleared by the idle sweep: a second chance, so a file read
    /// since the last sweep stays open (see `Log::release_idle_segments`).
    recently_used: AtomicBool,
    offset_index: OffsetIndex,
    time_index: TimeIndex,
    /// Aborted transactions whose ABORT marker is in this segment.
    txn_index: TxnIndex,
    /// Bytes of valid batches; the file may be longer while a shrink is deferred.
    size: u32,
    next_offset: i64,
    max_timestamp: TimestampOffset,
    bytes_since_last_index_entry: u32,
    /// Max timestamp of the first batch (Kafka's rollingBasedTimestamp), for segment.ms.
    rolling_timestamp: Option<i64>,
    created_ms: i64,
    /// Set when a truncation could not shrink the file under live views: no more appends go
    /// here (the next append rolls), and the stale tail is cut once the views are gone.
    sealed: bool,
    writeback: WritebackMark,
}

const NO_TIMESTAMP: i64 = -1;

impl Segment {
    /// A new, empty segment; existing files of the same name are emptied.
    pub fn create(dir: &Path, base_offset: i64, capacity: u32, now_ms: i64) -> Result<Segment> {
        let records = FileRecords::open(
            &log_file(dir, base_offset),
            base_offset,
            capacity as usize,
            true,
        )?;
        Ok(Segment {
            base_offset,
            dir: dir.to_owned(),
            capacity,
            records: Mutex::new(Some(records)),
            recently_used: AtomicBool::new(true),
            offset_index: OffsetIndex::create(&index_file(dir, base_offset), base_offset)?,
            time_index: TimeIndex::create(&time_index_file(dir, base_offset), base_offset)?,
            txn_index: TxnIndex::create(&txn_index_file(dir, base_offset))?,
            size: 0,
            next_offset: base_offset,
            max_timestamp: TimestampOffset {
                timestamp: NO_TIMESTAMP,
                offset: base_offset,
            },
            bytes_since_last_index_entry: 0,
            rolling_timestamp: None,
            created_ms: now_ms,
            sealed: false,
            writeback: WritebackMark::default(),
        })
    }

    /// Opens an existing segment after a clean shutdown, trusting its indexes only if they pass
    /// the sanity checks and the batches after the last index entry parse. Returns `Ok(None)`
    /// when anything is doubtful: the caller then recovers the segment (full scan).
    pub fn open_clean(
        dir: &Path,
        base_offset: i64,
        capacity: u32,
        now_ms: i64,
    ) -> Result<Option<Segment>> {
        let records = FileRecords::open(
            &log_file(dir, base_offset),
            base_offset,
            capacity as usize,
            false,
        )?;
        let Ok(size) = u32::try_from(records.physical_len()) else {
            return Ok(None);
        };
        let Some(offset_index) =
            OffsetIndex::load(&index_file(dir, base_offset), base_offset, size.max(1))?
        else {
            return Ok(None);
        };
        let start = match offset_index.last_entry() {
            Some(entry) => match read_header(&records, size, entry.position)? {
                Some(batch) if batch.base_offset == entry.offset => entry.position,
                _ => return Ok(None),
            },
            None => 0,
        };
        // Find the next offset by walking the batches after the last index entry.
        let mut position = start;
        let mut max_in_tail = TimestampOffset {
            timestamp: NO_TIMESTAMP,
            offset: base_offset,
        };
        let mut last_offset = base_offset - 1;
        while position < size {
            let Some(batch) = read_header(&records, size, position)? else {
                return Ok(None);
            };
            if batch.base_offset <= last_offset || batch.last_offset < batch.base_offset {
                return Ok(None);
            }
            if batch.max_timestamp > max_in_tail.timestamp {
                max_in_tail = TimestampOffset {
                    timestamp: batch.max_timestamp,
                    offset: batch.last_offset,
                };
            }
            last_offset = batch.last_offset;
            position += batch.size;
        }
        if last_offset - base_offset > u32::MAX as i64 {
            return Ok(None);
        }
        let next_offset = last_offset + 1;
        let Some(time_index) =
            TimeIndex::load(&time_index_file(dir, base_offset), base_offset, next_offset)?
        else {
            return Ok(None);
        };
        let mut max_timestamp = time_index.last_entry().unwrap_or(TimestampOffset {
            timestamp: NO_TIMESTAMP,
            offset: base_offset,
        });
        if max_in_tail.timestamp > max_timestamp.timestamp {
            max_timestamp = max_in_tail;
        }
        let rolling_timestamp = if size > 0 {
            read_header(&records, size, 0)?.map(|b| b.max_timestamp)
        } else {
            None
        };
        Ok(Some(Segment {
            base_offset,
            dir: dir.to_owned(),
            capacity,
            records: Mutex::new(Some(records)),
            recently_used: AtomicBool::new(true),
            offset_index,
            time_index,
            txn_index: TxnIndex::open(&txn_index_file(dir, base_offset))?,
            size,
            next_offset,
            max_timestamp,
            bytes_since_last_index_entry: size - start,
            rolling_timestamp,
            created_ms: now_ms,
            sealed: false,
            writeback: WritebackMark::at(size),
        }))
    }

    /// Opens an existing segment and rebuilds it from its batches: every batch's CRC and offsets
    /// are checked, the first torn or invalid batch and everything after it is cut off, and both
    /// indexes are rebuilt. `offset_limit` is the next segment's base offset, if any: a batch
    /// reaching it is invalid here.
    pub fn recover(
        dir: &Path,
        base_offset: i64,
        capacity: u32,
        interval: u32,
        offset_limit: Option<i64>,
        now_ms: i64,
    ) -> Result<(Segment, RecoveredSegment)> {
        let records = FileRecords::open(
            &log_file(dir, base_offset),
            base_offset,
            capacity as usize,
            false,
        )?;
        let file_len = records.physical_len();
        let mut segment = Segment {
            base_offset,
            dir: dir.to_owned(),
            capacity,
            records: Mutex::new(Some(Arc::clone(&records))),
            recently_used: AtomicBool::new(true),
            offset_index: OffsetIndex::create(&index_file(dir, base_offset), base_offset)?,
            time_index: TimeIndex::create(&time_index_file(dir, base_offset), base_offset)?,
            // Kept: entries past what survives the scan are dropped below, and the broker's
            // producer-state rebuild writes again any that a crash lost.
            txn_index: TxnIndex::open(&txn_index_file(dir, base_offset))?,
            size: 0,
            next_offset: base_offset,
            max_timestamp: TimestampOffset {
                timestamp: NO_TIMESTAMP,
                offset: base_offset,
            },
            bytes_since_last_index_entry: 0,
            rolling_timestamp: None,
            created_ms: now_ms,
            sealed: false,
            writeback: WritebackMark::default(),
        };
        let mut outcome = RecoveredSegment::default();
        let scan_len = file_len.min(i32::MAX as u64);
        let mapping = if scan_len > 0 {
            Some(records.mapping(scan_len)?)
        } else {
            None
        };
        let mut position: u64 = 0;
        let mut last_epoch: Option<i32> = None;
        while let Some(mapping) = &mapping {
            let remaining = scan_len - position;
            if remaining < HEADER_SIZE as u64 {
                break;
            }
            let header = BatchHeader::new(mapping.bytes(position as usize, HEADER_SIZE));
            let batch_length = header.batch_length();
            if batch_length < MIN_BATCH_LENGTH || header.magic() != MAGIC_V2 {
                break;
            }
            let size = header.size() as u64;
            if size > remaining {
                break;
            }
            let bytes = mapping.bytes(position as usize, size as usize);
            if batch::crc32c(&bytes[batch::ATTRIBUTES..]) != header.crc() {
                break;
            }
            let (first, last) = (header.base_offset(), header.last_offset());
            let in_range = header.last_offset_delta() >= 0
                && first >= segment.next_offset
                && last - base_offset <= u32::MAX as i64
                && offset_limit.is_none_or(|limit| last < limit);
            if !in_range {
                break;
            }
            let info = BatchInfo {
                position: 0,
                size: size as usize,
                base_offset: first,
                last_offset_delta: header.last_offset_delta(),
                records_count: header.records_count(),
                max_timestamp: header.max_timestamp(),
                partition_leader_epoch: header.partition_leader_epoch(),
            };
            segment.index_batch(&info, position as u32, interval);
            segment.size = (position + size) as u32;
            if header.partition_leader_epoch() >= 0
                && last_epoch.is_none_or(|e| header.partition_leader_epoch() > e)
            {
                last_epoch = Some(header.partition_leader_epoch());
                outcome
                    .epochs
                    .push((header.partition_leader_epoch(), first));
            }
            position += size;
        }
        drop(mapping);
        if u64::from(segment.size) < file_len {
            outcome.truncated_bytes = file_len - u64::from(segment.size);
            // No view can exist yet: the segment was opened just now.
            records.try_truncate(segment.size.into())?;
        }
        if segment.size > 0 {
            segment.rolling_timestamp = segment.header_at(0)?.map(|b| b.max_timestamp);
        }
        segment.time_index.maybe_append(
            segment.max_timestamp.timestamp,
            segment.max_timestamp.offset,
        );
        segment.txn_index.truncate_to(segment.next_offset)?;
        segment.write_pending_indexes()?;
        Ok((segment, outcome))
    }

    pub fn base_offset(&self) -> i64 {
        self.base_offset
    }
    pub fn size(&self) -> u32 {
        self.size
    }
    pub fn next_offset(&self) -> i64 {
        self.next_offset
    }
    pub fn is_empty(&self) -> bool {
        self.size == 0
    }
    pub fn is_sealed(&self) -> bool {
        self.sealed
    }
    /// The `.log` file, opened again if it was released. Cheap when open (an uncontended lock
    /// and a reference count).
    pub fn records(&self) -> Result<Arc<FileRecords>> {
        self.recently_used.store(true, Ordering::Relaxed);
        let mut slot = self.slot();
        if let Some(records) = &*slot {
            return Ok(Arc::clone(records));
        }
        let records = FileRecords::open(
            &log_file(&self.dir, self.base_offset),
            self.base_offset,
            self.capacity as usize,
            false,
        )?;
        *slot = Some(Arc::clone(&records));
        Ok(records)
    }

    fn slot(&self) -> MutexGuard<'_, Option<Arc<FileRecords>>> {
        // Only ever assigned whole, so consistent even if a holder panicked.
        self.records
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
    }

    /// Whether the `.log` file is open (held by the segment).
    pub fn is_file_open(&self) -> bool {
        self.slot().is_some()
    }

    /// Closes the `.log` file (and drops its mapping) if nothing but the segment holds it: no
    /// read plan, view or flush. Returns whether the segment now holds no file. Only for old
    /// segments: the active one is written on every append. A sealed segment keeps its file,
    /// whose deferred shrink waits for it.
    pub fn release_if_unused(&self) -> bool {
        let mut slot = self.slot();
        match &*slot {
            None => true,
            Some(records) if Arc::strong_count(records) == 1 && !self.sealed => {
                *slot = None;
                true
            }
            Some(_) => false,
        }
    }

    /// Clears the recently-used mark and returns what it was (the idle sweep's second chance).
    pub fn take_recently_used(&self) -> bool {
        self.recently_used.swap(false, Ordering::Relaxed)
    }
    pub fn max_timestamp(&self) -> TimestampOffset {
        self.max_timestamp
    }
    pub fn offset_index(&self) -> &OffsetIndex {
        &self.offset_index
    }
    pub fn time_index(&self) -> &TimeIndex {
        &self.time_index
    }
    pub fn txn_index(&self) -> &TxnIndex {
        &self.txn_index
    }
    pub fn txn_index_mut(&mut self) -> &mut TxnIndex {
        &mut self.txn_index
    }

    /// The newest timestamp for retention.ms: the max batch timestamp, or the file's modification
    /// time when no batch carries one (as Kafka does).
    pub fn largest_timestamp(&self) -> i64 {
        if self.max_timestamp.timestamp >= 0 {
            return self.max_timestamp.timestamp;
        }
        std::fs::metadata(log_file(&self.dir, self.base_offset))
            .ok()
            .and_then(|m| m.modified().ok())
            .and_then(|t| t.duration_since(std::time::UNIX_EPOCH).ok())
            .map_or(NO_TIMESTAMP, |d| d.as_millis() as i64)
    }

    /// Whether an append of `bytes` bytes ending at `last_offset` with timestamp
    /// `max_timestamp` must go to a new segment (Kafka's shouldRoll).
    pub fn should_roll(
        &self,
        bytes: u32,
        last_offset: i64,
        max_timestamp: i64,
        segment_bytes: u32,
        segment_ms: i64,
        now_ms: i64,
    ) -> bool {
        if self.sealed {
            return true;
        }
        if self.size == 0 {
            return false;
        }
        let waited = match self.rolling_timestamp {
            Some(first) if first >= 0 && max_timestamp >= 0 => max_timestamp - first,
            _ => now_ms - self.created_ms,
        };
        u64::from(self.size) + u64::from(bytes) > u64::from(segment_bytes)
            || waited > segment_ms
            || last_offset - self.base_offset > u32::MAX as i64
    }

    /// Writes a validated record set whose offsets are already assigned, with one positional
    /// write, and indexes its batches. `batches` are the set's batches (positions relative to
    /// the set).
    /// `writeback_bytes` is writeback.bytes (`None`: leave writeback to the kernel).
    pub fn append(
        &mut self,
        set: &[u8],
        batches: &[BatchInfo],
        interval: u32,
        writeback_bytes: Option<u32>,
    ) -> Result<()> {
        let start = self.size;
        let records = self.records()?;
        records.write_at(start.into(), set)?;
        for info in batches {
            self.index_batch(info, start + info.position as u32, interval);
        }
        self.size = start + set.len() as u32;
        if let Some(writeback_bytes) = writeback_bytes {
            self.writeback
                .after_append(&records, self.size, writeback_bytes);
        }
        if self.rolling_timestamp.is_none() {
            self.rolling_timestamp = batches.first().map(|b| b.max_timestamp);
        }
        Ok(())
    }

    /// Updates the in-memory indexes and counters for one batch at `position`.
    fn index_batch(&mut self, info: &BatchInfo, position: u32, interval: u32) {
        let last_offset = info.base_offset + i64::from(info.last_offset_delta);
        if info.max_timestamp > self.max_timestamp.timestamp {
            self.max_timestamp = TimestampOffset {
                timestamp: info.max_timestamp,
                offset: last_offset,
            };
        }
        if self.bytes_since_last_index_entry > interval {
            self.offset_index.append(info.base_offset, position);
            self.time_index
                .maybe_append(self.max_timestamp.timestamp, self.max_timestamp.offset);
            self.bytes_since_last_index_entry = 0;
        }
        self.bytes_since_last_index_entry += info.size as u32;
        self.next_offset = last_offset + 1;
    }

    /// The header of the batch at `position`, or `None` if the bytes there cannot be a batch.
    pub fn header_at(&self, position: u32) -> Result<Option<BatchPosition>> {
        read_header(&*self.records()?, self.size, position)
    }

    /// Calls `visit` for each batch from `position` on until it returns false or the segment ends.
    pub fn scan_from(
        &self,
        mut position: u32,
        mut visit: impl FnMut(&BatchPosition) -> bool,
    ) -> Result<()> {
        if position >= self.size {
            return Ok(());
        }
        let records = self.records()?;
        while position < self.size {
            let Some(batch) = read_header(&records, self.size, position)? else {
                break;
            };
            if !visit(&batch) {
                break;
            }
            position += batch.size;
        }
        Ok(())
    }

    /// The first batch whose last offset is at or above `offset` (the batch that contains it, or
    /// the next one after a gap), found from the index entry below it.
    pub fn translate_offset(&self, offset: i64) -> Result<Option<BatchPosition>> {
        if offset >= self.next_offset {
            return Ok(None);
        }
        let start = self.offset_index.lookup(offset).position;
        let mut found = None;
        self.scan_from(start, |batch| {
            if batch.last_offset >= offset {
                found = Some(*batch);
                false
            } else {
                true
            }
        })?;
        Ok(found)
    }

    /// Whole batches starting with the one that contains `offset`, below `upper_bound`, totalling
    /// at most `max_bytes` except that the first batch is always included when `min_one`.
    pub fn read_range(
        &self,
        offset: i64,
        max_bytes: u64,
        upper_bound: i64,
        min_one: bool,
    ) -> Result<Option<SegmentRange>> {
        let Some(first) = self.translate_offset(offset)? else {
            return Ok(None);
        };
        if first.base_offset >= upper_bound || first.last_offset >= upper_bound {
            return Ok(None);
        }
        let visible_end = if upper_bound >= self.next_offset {
            self.size
        } else {
            self.translate_offset(upper_bound)?
                .map_or(self.size, |b| b.position)
        };
        let budget_end = u64::from(first.position) + max_bytes;
        if budget_end >= u64::from(visible_end) {
            return Ok(Some(SegmentRange {
                position: first.position,
                len: visible_end - first.position,
                reached_end: true,
            }));
        }
        let budget_end = budget_end as u32;
        if u64::from(first.size) > max_bytes {
            return Ok(if min_one {
                Some(SegmentRange {
                    position: first.position,
                    len: first.size,
                    reached_end: first.position + first.size == visible_end,
                })
            } else {
                None
            });
        }
        // The last batch boundary at or below the budget: start from the index entry below it.
        let mut end = self
            .offset_index
            .lookup_by_position(budget_end)
            .position
            .max(first.position);
        self.scan_from(end, |batch| {
            if batch.position + batch.size <= budget_end {
                end = batch.position + batch.size;
                true
            } else {
                false
            }
        })?;
        Ok(Some(SegmentRange {
            position: first.position,
            len: end - first.position,
            reached_end: false,
        }))
    }

    /// The first batch whose max timestamp is at or above `timestamp`.
    pub fn find_by_timestamp(
        &self,
        timestamp: i64,
        from_offset: i64,
    ) -> Result<Option<BatchPosition>> {
        if self.max_timestamp.timestamp < timestamp {
            return Ok(None);
        }
        let entry = self.time_index.lookup(timestamp);
        let start = self
            .offset_index
            .lookup(entry.offset.max(from_offset))
            .position;
        let mut found = None;
        self.scan_from(start, |batch| {
            if batch.max_timestamp >= timestamp && batch.last_offset >= from_offset {
                found = Some(*batch);
                false
            } else {
                true
            }
        })?;
        Ok(found)
    }

    /// Removes every batch from the one containing `offset` on. The file is shrunk at once when
    /// no view of it is alive; otherwise its first stale header is zeroed (so a recovery scan
    /// stops there) and the segment is sealed until the views are gone.
    pub fn truncate_to(&mut self, offset: i64) -> Result<()> {
        let Some(cut) = self.translate_offset(offset)? else {
            return Ok(());
        };
        self.offset_index.truncate_to(cut.base_offset)?;
        self.time_index.truncate_to(cut.base_offset)?;
        self.txn_index.truncate_to(cut.base_offset)?;
        self.size = cut.position;
        self.writeback.after_truncate(self.size);
        self.next_offset = cut.base_offset;
        // Recompute the counters from the last remaining index entry.
        let from = self.offset_index.last_entry().map_or(0, |e| e.position);
        self.max_timestamp = self.time_index.last_entry().unwrap_or(TimestampOffset {
            timestamp: NO_TIMESTAMP,
            offset: self.base_offset,
        });
        let mut max = self.max_timestamp;
        let mut next = if from == 0 {
            self.base_offset
        } else {
            self.next_offset
        };
        self.scan_from(from, |batch| {
            if batch.max_timestamp > max.timestamp {
                max = TimestampOffset {
                    timestamp: batch.max_timestamp,
                    offset: batch.last_offset,
                };
            }
            next = batch.last_offset + 1;
            true
        })?;
        self.max_timestamp = max;
        self.next_offset = if self.size == 0 {
            self.base_offset
        } else {
            next
        };
        self.bytes_since_last_index_entry = self.size - from;
        if self.size == 0 {
            self.rolling_timestamp = None;
        }
        let records = self.records()?;
        if !records.try_truncate(self.size.into())? {
            let zeros = [0u8; LOG_OVERHEAD];
            let room =
                (records.physical_len() - u64::from(self.size)).min(LOG_OVERHEAD as u64) as usize;
            records.write_at(self.size.into(), &zeros[..room])?;
            self.sealed = true;
        }
        Ok(())
    }

    /// Retries a shrink that a live view deferred; returns whether the file now ends at `size`
    /// (the segment is then no longer sealed).
    pub fn retry_deferred_truncation(&mut self) -> Result<bool> {
        if self.sealed && self.records()?.try_truncate(self.size.into())? {
            self.sealed = false;
        }
        Ok(!self.sealed)
    }

    /// Called when a newer segment takes over appends: records the final max timestamp in the
    /// time index and writes pending index entries (Kafka's onBecomeInactiveSegment).
    pub fn on_become_inactive(&mut self) -> Result<()> {
        self.time_index
            .maybe_append(self.max_timestamp.timestamp, self.max_timestamp.offset);
        self.write_pending_indexes()
    }

    /// Whether index entries exist only in memory.
    pub fn has_pending_index_entries(&self) -> bool {
        self.offset_index.has_pending() || self.time_index.has_pending()
    }

    pub fn write_pending_indexes(&mut self) -> Result<()> {
        self.offset_index.write_pending()?;
        self.time_index.write_pending()
    }

    /// Handles to fsync outside the lock: the log file and both index files.
    pub fn sync_handles(&self) -> Result<SyncHandles> {
        Ok(SyncHandles {
            records: self.records()?,
            offset_index: self.offset_index.file().handle()?,
            time_index: self.time_index.file().handle()?,
        })
    }

    /// First phase of deleting the segment: the log file is renamed to `.deleted` (unlinked when
    /// the last view drops); the index files, which are never mapped, are removed at once.
    pub fn mark_deleted(&mut self) -> Result<()> {
        match &*self.slot() {
            Some(records) => records.mark_deleted()?,
            // Released: nothing holds or maps the file, so it can go at once.
            None => match std::fs::remove_file(log_file(&self.dir, self.base_offset)) {
                Err(e) if e.kind() != std::io::ErrorKind::NotFound => {
                    use crate::error::IoContext;
                    return Err(e).context(|| {
                        format!("remove {}", log_file(&self.dir, self.base_offset).display())
                    });
                }
                _ => {}
            },
        }
        let _ = std::fs::remove_file(self.offset_index.file().path());
        let _ = std::fs::remove_file(self.time_index.file().path());
        self.txn_index.delete();
        Ok(())
    }
}

/// File handles of one segment for an fsync that runs without the log's lock.
pub struct SyncHandles {
    pub records: Arc<FileRecords>,
    pub offset_index: Arc<std::fs::File>,
    pub time_index: Arc<std::fs::File>,
}

impl SyncHandles {
    pub fn sync(&self) -> Result<()> {
        use crate::error::IoContext;
        self.records.sync()?;
        self.offset_index
            .sync_data()
            .context(|| "fsync offset index".to_string())?;
        self.time_index
            .sync_data()
            .context(|| "fsync time index".to_string())
    }
}

/// Reads the header of the batch at `position` of a segment of `size` valid bytes, or `None` if
/// the bytes there cannot be a batch (too short, bad length, wrong magic, running past `size`).
fn read_header(records: &FileRecords, size: u32, position: u32) -> Result<Option<BatchPosition>> {
    if u64::from(position) + HEADER_SIZE as u64 > u64::from(size) {
        return Ok(None);
    }
    let mut bytes = [0u8; HEADER_SIZE];
    records.read_exact_at(&mut bytes, position.into())?;
    let header = BatchHeader::new(&bytes);
    let size_of_batch = header.size() as u64;
    if header.batch_length() < MIN_BATCH_LENGTH
        || header.magic() != MAGIC_V2
        || u64::from(position) + size_of_batch > u64::from(size)
    {
        return Ok(None);
    }
    Ok(Some(BatchPosition {
        position,
        size: size_of_batch as u32,
        base_offset: header.base_offset(),
        last_offset: header.last_offset(),
        max_timestamp: header.max_timestamp(),
        partition_leader_epoch: header.partition_leader_epoch(),
    }))
}
