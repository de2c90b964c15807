//! The log of one partition (Kafka's LocalLog plus the offset-assigning parts of UnifiedLog): an
//! ordered map of segments by base offset, of which the last is the active one that takes
//! appends.
//!
//! Directory layout (Kafka's): `<20-digit base offset>.log`, `.index`, `.timeindex` per segment,
//! and `leader-epoch-checkpoint`.
//!
//! Not thread-safe: the owner wraps it in a mutex (the Node glue holds `Arc<Mutex<Log>>`). Every
//! method is quick enough to run under that lock on the event loop thread (page-cache writes,
//! renames, in-memory index work) except the parts split out to run without it: `FlushJob::run`
//! (fsync) and dropping the segments returned by `take_old_segments` (unlink).

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use crate::batch::{self, BatchHeader, BatchInfo, ValidationRules, HEADER_SIZE};
use crate::config::{LogConfig, TimestampType};
use crate::error::{BatchCheck, Error, Result};
use crate::file_names::LEADER_EPOCH_CHECKPOINT;
use crate::in_flight::{InFlight, WorkTicket};
use crate::leader_epoch::{EpochEndOffset, EpochEntry, LeaderEpochCache};
use crate::read_plan::{FileSlice, ReadPlan};
use crate::recovery::{self, LoadOptions, LoadReport};
use crate::segment::{Segment, SyncHandles};
use crate::time_index::TimestampOffset;
use crate::txn_index::AbortedTxn;

/// Options of a leader append (Kafka's LogValidator rules for client batches).
#[derive(Debug, Clone, Copy)]
pub struct LeaderAppendOptions {
    /// Reject batches whose baseOffset is not 0, as Kafka's broker does for producers.
    pub require_zero_base_offset: bool,
    /// Accept control batches (transaction markers written by the broker itself).
    pub allow_control_batches: bool,
    /// Refuse records without a key (a compacted topic, as Kafka's LogValidator does). Walks
    /// every record, so only compacted topics ask for it.
    pub require_keys: bool,
}

impl Default for LeaderAppendOptions {
    fn default() -> LeaderAppendOptions {
        LeaderAppendOptions {
            require_zero_base_offset: true,
            allow_control_batches: false,
            require_keys: false,
        }
    }
}

/// What an append did.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct AppendInfo {
    pub base_offset: i64,
    pub last_offset: i64,
    /// The time written into the batches with LogAppendTime, else -1.
    pub log_append_time: i64,
    pub max_timestamp: i64,
    pub record_count: i64,
    /// The caller should schedule `flush` soon: a segment rolled (Kafka flushes the old segment
    /// then) or flush.messages was reached.
    pub flush_needed: bool,
}

/// Producer-relevant fields of one stored batch.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct BatchSummary {
    pub base_offset: i64,
    pub last_offset: i64,
    pub producer_id: i64,
    pub producer_epoch: i16,
    pub base_sequence: i32,
    pub last_sequence: i32,
    pub max_timestamp: i64,
    pub is_transactional: bool,
    pub is_control: bool,
    pub partition_leader_epoch: i32,
}

/// An fsync to run without the log's lock; hand it back to `complete_flush` when done.
pub struct FlushJob {
    handles: Vec<SyncHandles>,
    target_offset: i64,
    generation: u64,
    flushed_messages: u64,
    epochs: Option<Vec<EpochEntry>>,
    epoch_path: PathBuf,
    /// Counts the job as the log's work in flight until it is dropped: a close waits for it.
    /// None for the close's own job.
    _ticket: Option<WorkTicket>,
}

impl FlushJob {
    /// fsyncs the segments and writes the leader-epoch checkpoint. Blocking.
    pub fn run(&self) -> Result<()> {
        for handles in &self.handles {
            handles.sync()?;
        }
        if let Some(entries) = &self.epochs {
            LeaderEpochCache::write(&self.epoch_path, entries)?;
        }
        Ok(())
    }
}

pub struct Log {
    dir: PathBuf,
    config: LogConfig,
    segments: BTreeMap<i64, Segment>,
    log_start_offset: i64,
    recovery_point: i64,
    leader_epochs: LeaderEpochCache,
    unflushed_messages: u64,
    /// Bumped by every truncation, so a flush that started before one does not advance the
    /// recovery point past data that was replaced.
    truncations: u64,
    closed: bool,
    /// The log end offset when `complete_close` released the segments.
    end_offset_at_close: i64,
    /// Flush jobs and retention drops running without the lock (see `in_flight`).
    in_flight: InFlight,
}

impl Log {
    /// Opens (or creates) the partition directory `dir`, recovering if `options` says the last
    /// stop was unclean. Blocking.
    pub fn open(
        dir: &Path,
        config: LogConfig,
        options: LoadOptions,
        now_ms: i64,
    ) -> Result<(Log, LoadReport)> {
        config.validate()?;
        let loaded = recovery::load(dir, &config, options, now_ms)?;
        let log = Log {
            dir: dir.to_owned(),
            config,
            segments: loaded.segments,
            log_start_offset: loaded.log_start_offset,
            recovery_point: loaded.recovery_point,
            leader_epochs: loaded.leader_epochs,
            unflushed_messages: 0,
            truncations: 0,
            closed: false,
            end_offset_at_close: 0,
            in_flight: InFlight::default(),
        };
        // Loading read every segment; only the active one stays open (see release_idle_segments).
        log.release_old_segments(false);
        Ok((log, loaded.report))
    }

    /// Closes the `.log` files of old segments that no read plan, view or flush holds and that
    /// were not read since the previous call, and returns how many old segments hold a file now.
    /// The active segment always stays open.
    ///
    /// Why a sweep with a second chance, not a count-bounded LRU: a partition's old segments are
    /// read by catching-up consumers and followers in runs, and the descriptor budget that matters
    /// is the process's, shared by every partition; a per-log LRU bound would cap nothing that
    /// matters, and a process-wide one would need state shared across logs on the read path.
    /// The broker sweeps every log periodically, so an old segment costs a descriptor and its
    /// address space only while it is being read, and the steady state is one open file per
    /// partition (what the start-up check in src/storage/open-file-limit.ts counts).
    pub fn release_idle_segments(&self) -> usize {
        self.release_old_segments(true)
    }

    fn release_old_segments(&self, second_chance: bool) -> usize {
        let mut still_open = 0;
        let old = self.segments.len().saturating_sub(1);
        for segment in self.segments.values().take(old) {
            if second_chance && segment.take_recently_used() {
                still_open += usize::from(segment.is_file_open());
                continue;
            }
            if !segment.release_if_unused() {
                still_open += 1;
            }
        }
        still_open
    }

    fn check_open(&self) -> Result<()> {
        if self.closed {
            return Err(Error::Closed {
                dir: self.dir.clone(),
            });
        }
        Ok(())
    }

    fn active(&self) -> &Segment {
        self.segments
            .values()
            .next_back()
            .expect("a log always has an active segment")
    }

    fn active_mut(&mut self) -> &mut Segment {
        self.segments
            .values_mut()
            .next_back()
            .expect("a log always has an active segment")
    }

    pub fn dir(&self) -> &Path {
        &self.dir
    }
    pub fn config(&self) -> &LogConfig {
        &self.config
    }
    pub fn log_start_offset(&self) -> i64 {
        self.log_start_offset
    }
    pub fn log_end_offset(&self) -> i64 {
        self.segments
            .values()
            .next_back()
            .map_or(self.end_offset_at_close, Segment::next_offset)
    }
    pub fn recovery_point(&self) -> i64 {
        self.recovery_point
    }
    /// Bytes of all segments.
    pub fn size(&self) -> u64 {
        self.segments.values().map(|s| u64::from(s.size())).sum()
    }
    pub fn segment_base_offsets(&self) -> Vec<i64> {
        self.segments.keys().copied().collect()
    }
    pub fn latest_epoch(&self) -> Option<i32> {
        self.leader_epochs.latest_epoch()
    }
    pub fn leader_epoch_entries(&self) -> &[EpochEntry] {
        self.leader_epochs.entries()
    }
    pub fn is_closed(&self) -> bool {
        self.closed
    }

    /// The segments by base offset, the active one last (for the cleaner, which reads them).
    pub(crate) fn segments(&self) -> &BTreeMap<i64, Segment> {
        &self.segments
    }
    /// For the cleaner's swap, under the lock.
    pub(crate) fn segments_mut(&mut self) -> &mut BTreeMap<i64, Segment> {
        &mut self.segments
    }
    /// How many truncations the log has seen (a cleaning refuses its swap if this moved).
    pub(crate) fn truncation_count(&self) -> u64 {
        self.truncations
    }

    /// The log's work running without its lock; a close waits for it with `wait_idle` (after
    /// `begin_close`, before `complete_close`, without the lock).
    pub fn in_flight(&self) -> InFlight {
        self.in_flight.clone()
    }

    /// Counts work the caller does for this log outside its lock (dropping the segments that
    /// `take_old_segments` returned) as in flight until the ticket is dropped.
    pub fn start_work(&self) -> WorkTicket {
        self.in_flight.ticket()
    }

    /// Replaces the settings; they apply to the next append, roll or retention pass.
    pub fn update_config(&mut self, config: LogConfig) -> Result<()> {
        config.validate()?;
        self.config = config;
        Ok(())
    }

    /// Validates a producer's record set, assigns offsets from the log end offset by rewriting
    /// `baseOffset` and `partitionLeaderEpoch` in `set` (and maxTimestamp + CRC with
    /// LogAppendTime), and writes it with one write. Nothing is written if any batch is invalid.
    pub fn append_as_leader(
        &mut self,
        set: &mut [u8],
        leader_epoch: i32,
        options: LeaderAppendOptions,
        now_ms: i64,
    ) -> Result<AppendInfo> {
        self.check_open()?;
        let rules = ValidationRules {
            max_batch_size: Some(self.config.max_message_bytes as usize),
            require_zero_base_offset: options.require_zero_base_offset,
            reject_control_batches: !options.allow_control_batches,
            check_record_counts: true,
        };
        let mut batches = batch::validate_record_set(set, &rules)?;
        if options.require_keys {
            for info in &batches {
                let bytes = &set[info.position..info.position + info.size];
                crate::cleaner::check_keys(bytes, info.position)?;
            }
        }
        self.check_fits_a_segment(set.len())?;
        let log_append = self.config.message_timestamp_type == TimestampType::LogAppendTime;
        let mut next_offset = self.log_end_offset();
        for info in &mut batches {
            let bytes = &mut set[info.position..info.position + info.size];
            batch::set_base_offset(bytes, next_offset);
            batch::set_partition_leader_epoch(bytes, leader_epoch);
            if log_append {
                batch::set_log_append_time(bytes, now_ms);
                info.max_timestamp = now_ms;
            }
            info.base_offset = next_offset;
            info.partition_leader_epoch = leader_epoch;
            next_offset += i64::from(info.last_offset_delta) + 1;
        }
        let base_offset = batches[0].base_offset;
        let mut result = self.append_validated(set, &batches, base_offset, now_ms)?;
        self.leader_epochs.assign(leader_epoch, base_offset);
        result.log_append_time = if log_append { now_ms } else { -1 };
        Ok(result)
    }

    /// Appends batches copied from the leader, keeping their offsets and epochs. The first batch
    /// must start at or after the log end offset and offsets must increase; gaps are allowed
    /// (a compacted leader). CRCs are checked; max.message.bytes is not (as in Kafka).
    pub fn append_as_follower(&mut self, set: &mut [u8], now_ms: i64) -> Result<AppendInfo> {
        self.check_open()?;
        let rules = ValidationRules {
            max_batch_size: None,
            require_zero_base_offset: false,
            reject_control_batches: false,
            check_record_counts: false,
        };
        let batches = batch::validate_record_set(set, &rules)?;
        self.check_fits_a_segment(set.len())?;
        let log_end_offset = self.log_end_offset();
        if batches[0].base_offset < log_end_offset {
            return Err(Error::UnexpectedAppendOffset {
                first_offset: batches[0].base_offset,
                log_end_offset,
            });
        }
        for pair in batches.windows(2) {
            let previous_last_offset = pair[0].base_offset + i64::from(pair[0].last_offset_delta);
            if pair[1].base_offset <= previous_last_offset {
                return Err(Error::InvalidBatch {
                    position: pair[1].position,
                    check: BatchCheck::NonMonotonicOffset {
                        base_offset: pair[1].base_offset,
                        previous_last_offset,
                    },
                });
            }
        }
        let result = self.append_validated(set, &batches, batches[0].base_offset, now_ms)?;
        for info in &batches {
            self.leader_epochs
                .assign(info.partition_leader_epoch, info.base_offset);
        }
        Ok(result)
    }

    fn check_fits_a_segment(&self, size: usize) -> Result<()> {
        if size > self.config.segment_bytes as usize {
            return Err(Error::RecordSetTooLarge {
                size,
                segment_bytes: self.config.segment_bytes,
            });
        }
        Ok(())
    }

    fn append_validated(
        &mut self,
        set: &[u8],
        batches: &[BatchInfo],
        first_offset: i64,
        now_ms: i64,
    ) -> Result<AppendInfo> {
        let last = batches.last().expect("a validated set has a batch");
        let last_offset = last.base_offset + i64::from(last.last_offset_delta);
        let max_timestamp = batches.iter().map(|b| b.max_timestamp).max().unwrap_or(-1);
        let config = &self.config;
        let roll = self.active().should_roll(
            set.len() as u32,
            last_offset,
            max_timestamp,
            config.segment_bytes,
            config.segment_ms,
            now_ms,
        );
        if roll {
            let base = self.log_end_offset().max(first_offset);
            self.roll(base, now_ms)?;
        }
        let interval = self.config.index_interval_bytes;
        let writeback_bytes = self.config.writeback_bytes;
        self.active_mut()
            .append(set, batches, interval, writeback_bytes)?;
        let record_count: i64 = batches
            .iter()
            .map(|b| i64::from(b.records_count.max(0)))
            .sum();
        self.unflushed_messages += record_count as u64;
        let flush_due = self
            .config
            .flush_messages
            .is_some_and(|n| self.unflushed_messages >= n);
        Ok(AppendInfo {
            base_offset: batches[0].base_offset,
            last_offset,
            log_append_time: -1,
            max_timestamp,
            record_count,
            flush_needed: roll || flush_due,
        })
    }

    /// Starts a new active segment at `base_offset`.
    fn roll(&mut self, base_offset: i64, now_ms: i64) -> Result<()> {
        self.active_mut().on_become_inactive()?;
        let segment = Segment::create(&self.dir, base_offset, self.config.segment_bytes, now_ms)?;
        self.segments.insert(base_offset, segment);
        Ok(())
    }

    /// Plans a read of whole batches starting with the batch that contains `offset`, below
    /// `upper_bound` (default: the log end offset), of at most `max_bytes` bytes except that the
    /// first batch is always included. The plan may span segments.
    pub fn read(&self, offset: i64, max_bytes: u64, upper_bound: Option<i64>) -> Result<ReadPlan> {
        self.check_open()?;
        let log_end_offset = self.log_end_offset();
        if offset < self.log_start_offset || offset > log_end_offset {
            return Err(Error::OffsetOutOfRange {
                offset,
                log_start_offset: self.log_start_offset,
                log_end_offset,
            });
        }
        let upper_bound = upper_bound.unwrap_or(log_end_offset).min(log_end_offset);
        let mut plan = ReadPlan::default();
        if offset >= upper_bound {
            return Ok(plan);
        }
        let floor = self
            .segments
            .range(..=offset)
            .next_back()
            .map_or(offset, |(&base, _)| base);
        let mut remaining = max_bytes;
        let mut from = offset;
        for segment in self.segments.range(floor..).map(|(_, s)| s) {
            if segment.base_offset() >= upper_bound {
                break;
            }
            // Map the segment once so header scans on the fetch path are memory reads.
            let records = segment.records()?;
            drop(records.mapping(u64::from(self.config.segment_bytes))?);
            let Some(range) = segment.read_range(from, remaining, upper_bound, plan.is_empty())?
            else {
                continue;
            };
            plan.slices.push(FileSlice {
                records,
                position: range.position.into(),
                len: range.len as usize,
            });
            remaining = remaining.saturating_sub(range.len.into());
            if !range.reached_end || remaining == 0 {
                break;
            }
            from = segment.next_offset();
        }
        Ok(plan)
    }

    /// Records an aborted transaction in the `.txnindex` of the segment holding its ABORT marker
    /// (`last_offset`). An entry already there (a rebuild offering it again) is skipped; returns
    /// whether it was added. The broker calls this at append, replication and rebuild.
    pub fn append_aborted_txn(&mut self, txn: AbortedTxn) -> Result<bool> {
        self.check_open()?;
        let Some((_, segment)) = self.segments.range_mut(..=txn.last_offset).next_back() else {
            return Ok(false);
        };
        if txn.last_offset >= segment.next_offset() {
            return Ok(false);
        }
        segment.txn_index_mut().append(txn)
    }

    /// The aborted transactions that overlap [`fetch_offset`, `upper_bound`), from the
    /// `.txnindex` of the segment holding `fetch_offset` and later ones, until an entry shows no
    /// later one can overlap (Kafka's collectAbortedTransactions). For read_committed fetches.
    pub fn collect_aborted_txns(
        &self,
        fetch_offset: i64,
        upper_bound: i64,
    ) -> Result<Vec<AbortedTxn>> {
        self.check_open()?;
        let mut out = Vec::new();
        let floor = self
            .segments
            .range(..=fetch_offset)
            .next_back()
            .map_or(fetch_offset, |(&base, _)| base);
        for segment in self.segments.range(floor..).map(|(_, s)| s) {
            if segment
                .txn_index()
                .collect(fetch_offset, upper_bound, &mut out)
            {
                break;
            }
        }
        Ok(out)
    }

    /// Producer fields of up to `max_batches` batches from the one containing `from_offset`.
    pub fn read_batch_headers(
        &self,
        from_offset: i64,
        max_batches: usize,
    ) -> Result<Vec<BatchSummary>> {
        self.check_open()?;
        let mut out = Vec::new();
        let from_offset = from_offset.max(self.log_start_offset);
        let floor = self
            .segments
            .range(..=from_offset)
            .next_back()
            .map_or(from_offset, |(&base, _)| base);
        for segment in self.segments.range(floor..).map(|(_, s)| s) {
            let Some(first) = segment.translate_offset(from_offset)? else {
                continue;
            };
            let mut position = first.position;
            let records = segment.records()?;
            while position < segment.size() && out.len() < max_batches {
                let mut bytes = [0u8; HEADER_SIZE];
                records.read_exact_at(&mut bytes, position.into())?;
                let header = BatchHeader::new(&bytes);
                out.push(BatchSummary {
                    base_offset: header.base_offset(),
                    last_offset: header.last_offset(),
                    producer_id: header.producer_id(),
                    producer_epoch: header.producer_epoch(),
                    base_sequence: header.base_sequence(),
                    last_sequence: if header.base_sequence() < 0 {
                        -1
                    } else {
                        // Sequences wrap at i32::MAX like Kafka's DefaultRecordBatch.incrementSequence.
                        ((i64::from(header.base_sequence())
                            + i64::from(header.last_offset_delta()))
                            % (i64::from(i32::MAX) + 1)) as i32
                    },
                    max_timestamp: header.max_timestamp(),
                    is_transactional: header.is_transactional(),
                    is_control: header.is_control(),
                    partition_leader_epoch: header.partition_leader_epoch(),
                });
                position += header.size() as u32;
            }
            if out.len() >= max_batches {
                break;
            }
        }
        Ok(out)
    }

    /// For ListOffsets: the first record at or after the log start whose timestamp is at or
    /// above `timestamp`, and that record's timestamp. Found through the time index to the
    /// first batch whose max timestamp qualifies; within an uncompressed CreateTime batch the
    /// records are walked to the exact one. Compressed batches are not decompressed: their base
    /// offset and max timestamp are returned (clients skip the earlier records they receive).
    pub fn offset_for_timestamp(&self, timestamp: i64) -> Result<Option<TimestampOffset>> {
        self.check_open()?;
        for segment in self.segments.values() {
            if segment.next_offset() <= self.log_start_offset {
                continue;
            }
            let Some(batch) = segment.find_by_timestamp(timestamp, self.log_start_offset)? else {
                continue;
            };
            let mut bytes = vec![0u8; batch.size as usize];
            segment
                .records()?
                .read_exact_at(&mut bytes, batch.position.into())?;
            let found = batch::first_record_at_or_after(&bytes, timestamp)
                .map(|(offset, timestamp)| TimestampOffset { timestamp, offset })
                .unwrap_or(TimestampOffset {
                    timestamp: batch.max_timestamp,
                    offset: batch.base_offset,
                });
            return Ok(Some(TimestampOffset {
                offset: found.offset.max(self.log_start_offset),
                timestamp: found.timestamp,
            }));
        }
        Ok(None)
    }

    /// The largest batch timestamp in the log and the last offset of the first batch carrying it.
    pub fn max_timestamp(&self) -> Option<TimestampOffset> {
        self.segments
            .values()
            .map(Segment::max_timestamp)
            .filter(|t| t.timestamp >= 0)
            .fold(None, |best: Option<TimestampOffset>, t| match best {
                Some(b) if b.timestamp >= t.timestamp => Some(b),
                _ => Some(t),
            })
    }

    /// For OffsetForLeaderEpoch: see `LeaderEpochCache::end_offset_for`.
    pub fn end_offset_for_epoch(&self, epoch: i32) -> EpochEndOffset {
        self.leader_epochs
            .end_offset_for(epoch, self.log_end_offset())
    }

    /// Removes every batch from the one that contains `offset` on (replication truncates to a
    /// batch boundary, so normally exactly the offsets ≥ `offset`). Later segments are deleted in
    /// two phases; the file of the cut segment is shrunk now, or when its last view goes.
    pub fn truncate_to(&mut self, offset: i64, now_ms: i64) -> Result<()> {
        self.check_open()?;
        if offset >= self.log_end_offset() {
            return Ok(());
        }
        self.truncations += 1;
        let first_base = *self
            .segments
            .keys()
            .next()
            .expect("a log always has a segment");
        if offset < first_base {
            self.replace_all_segments(offset.max(0), now_ms)?;
        } else {
            let floor = *self
                .segments
                .range(..=offset)
                .next_back()
                .expect("offset ≥ first base")
                .0;
            let later: Vec<i64> = self.segments.range(floor + 1..).map(|(&b, _)| b).collect();
            for base in later {
                let mut segment = self.segments.remove(&base).expect("listed above");
                segment.mark_deleted()?;
            }
            let segment = self.segments.get_mut(&floor).expect("floor exists");
            segment.truncate_to(offset)?;
            if segment.is_sealed() && segment.is_empty() {
                // A shrink deferred to position 0: swap in a fresh file of the same name (the old
                // one is renamed away first) rather than seal an empty segment.
                let mut old = self.segments.remove(&floor).expect("floor exists");
                old.mark_deleted()?;
                self.segments.insert(
                    floor,
                    Segment::create(&self.dir, floor, self.config.segment_bytes, now_ms)?,
                );
            }
        }
        let log_end_offset = self.log_end_offset();
        self.leader_epochs.truncate_from_end(log_end_offset);
        self.recovery_point = self.recovery_point.min(log_end_offset);
        self.log_start_offset = self.log_start_offset.min(log_end_offset);
        Ok(())
    }

    /// Empties the log and starts it again at `offset`, which may lie beyond the log end (a
    /// follower whose whole log is below the leader's log start offset, as Kafka's
    /// truncateFullyAndStartAt). Old segments are deleted in two phases; epochs are forgotten.
    pub fn truncate_fully_and_start_at(&mut self, offset: i64, now_ms: i64) -> Result<()> {
        self.check_open()?;
        self.truncations += 1;
        let offset = offset.max(0);
        self.replace_all_segments(offset, now_ms)?;
        self.leader_epochs.clear();
        self.recovery_point = offset;
        Ok(())
    }

    /// Swaps every segment for one new, empty segment at `offset`, which becomes the log start.
    fn replace_all_segments(&mut self, offset: i64, now_ms: i64) -> Result<()> {
        let old = std::mem::take(&mut self.segments);
        for mut segment in old.into_values() {
            segment.mark_deleted()?;
        }
        self.segments.insert(
            offset,
            Segment::create(&self.dir, offset, self.config.segment_bytes, now_ms)?,
        );
        self.log_start_offset = offset;
        Ok(())
    }

    /// Moves the log start offset up to `offset` (DeleteRecords). Reads below it fail from now
    /// on; the segments wholly below it are deleted by the next `take_old_segments`. Returns the
    /// new log start offset.
    pub fn delete_records_before(&mut self, offset: i64) -> Result<i64> {
        self.check_open()?;
        let log_end_offset = self.log_end_offset();
        if offset > log_end_offset || offset < 0 {
            return Err(Error::OffsetOutOfRange {
                offset,
                log_start_offset: self.log_start_offset,
                log_end_offset,
            });
        }
        if offset > self.log_start_offset {
            self.log_start_offset = offset;
            self.leader_epochs.truncate_from_start(offset);
        }
        Ok(self.log_start_offset)
    }

    /// Retention: removes from the log the oldest segments that are wholly below the log start
    /// offset, or older than retention.ms, or beyond retention.bytes, never past `high_watermark`
    /// (default: the log end offset), renames their files to `.deleted` and returns them. The
    /// caller drops them off the event loop thread (their files are unlinked when the last view
    /// goes). Rolls first if the active segment itself is to go.
    pub fn take_old_segments(
        &mut self,
        now_ms: i64,
        high_watermark: Option<i64>,
    ) -> Result<Vec<Segment>> {
        self.check_open()?;
        let log_end_offset = self.log_end_offset();
        let high_watermark = high_watermark.unwrap_or(log_end_offset).min(log_end_offset);
        let mut remaining_size = self.size() as i64;
        let bases: Vec<i64> = self.segments.keys().copied().collect();
        let mut doomed = Vec::new();
        for (i, &base) in bases.iter().enumerate() {
            let segment = &self.segments[&base];
            let is_active = i + 1 == bases.len();
            let upper = bases.get(i + 1).copied().unwrap_or(segment.next_offset());
            if upper > high_watermark || (is_active && segment.is_empty()) {
                break;
            }
            let below_start = upper <= self.log_start_offset;
            let expired = self.config.retention_ms >= 0
                && now_ms - segment.largest_timestamp() > self.config.retention_ms;
            let oversized = self.config.retention_bytes >= 0
                && remaining_size - i64::from(segment.size()) >= self.config.retention_bytes;
            if !(below_start || expired || oversized) {
                break;
            }
            remaining_size -= i64::from(segment.size());
            doomed.push(base);
        }
        if doomed.len() == bases.len() {
            self.roll(log_end_offset, now_ms)?;
        }
        let mut taken = Vec::with_capacity(doomed.len());
        for base in doomed {
            let mut segment = self.segments.remove(&base).expect("listed above");
            segment.mark_deleted()?;
            taken.push(segment);
        }
        let first_base = *self
            .segments
            .keys()
            .next()
            .expect("the active segment stays");
        if first_base > self.log_start_offset {
            self.log_start_offset = first_base;
            self.leader_epochs.truncate_from_start(first_base);
        }
        Ok(taken)
    }

    /// Writes pending index entries, retries deferred shrinks, and returns the fsync work for
    /// everything not yet flushed (run it without the lock, then call `complete_flush`).
    pub fn prepare_flush(&mut self) -> Result<FlushJob> {
        self.check_open()?;
        let mut job = self.prepare_flush_unchecked()?;
        job._ticket = Some(self.in_flight.ticket());
        Ok(job)
    }

    fn prepare_flush_unchecked(&mut self) -> Result<FlushJob> {
        let recovery_point = self.recovery_point;
        let mut handles = Vec::new();
        let bases: Vec<i64> = self.segments.keys().copied().collect();
        for (i, base) in bases.iter().enumerate() {
            let next_base = bases.get(i + 1).copied();
            let segment = self.segments.get_mut(base).expect("listed above");
            segment.retry_deferred_truncation()?;
            if next_base.is_some_and(|next| next <= recovery_point) {
                continue;
            }
            // An active segment with nothing new since the last flush (all its batches below the
            // recovery point, every index entry already in its files) needs no fsync: closing
            // 10,000 idle partitions otherwise cost 30,000 opens and fsyncs at shutdown. (Index
            // files a recovery rebuilt may then stay unsynced until the next append's flush: they
            // are derived data, sanity-checked at every open and rebuilt if an OS crash lost them.)
            if next_base.is_none()
                && segment.next_offset() <= recovery_point
                && !segment.has_pending_index_entries()
            {
                continue;
            }
            segment.write_pending_indexes()?;
            handles.push(segment.sync_handles()?);
        }
        Ok(FlushJob {
            handles,
            target_offset: self.log_end_offset(),
            generation: self.truncations,
            flushed_messages: self.unflushed_messages,
            epochs: self
                .leader_epochs
                .is_dirty()
                .then(|| self.leader_epochs.entries().to_vec()),
            epoch_path: self.dir.join(LEADER_EPOCH_CHECKPOINT),
            _ticket: None,
        })
    }

    /// Records a finished flush: the recovery point moves to the flushed end offset unless a
    /// truncation happened meanwhile.
    pub fn complete_flush(&mut self, job: &FlushJob) {
        if job.generation == self.truncations {
            self.recovery_point = self
                .recovery_point
                .max(job.target_offset.min(self.log_end_offset()));
        }
        self.unflushed_messages = self.unflushed_messages.saturating_sub(job.flushed_messages);
        if job.epochs.as_deref() == Some(self.leader_epochs.entries()) {
            self.leader_epochs.mark_clean();
        }
    }

    /// Starts closing: no operation is accepted from now on. Records the final time index entry,
    /// retries deferred shrinks and returns the last flush (run it, wait for `in_flight()` to be
    /// idle without the lock, then `complete_close`) and whether the files are in a clean state
    /// (false if a shrink is still deferred by a view, in which case the next open must recover).
    pub fn begin_close(&mut self) -> Result<(FlushJob, bool)> {
        self.check_open()?;
        self.closed = true;
        self.active_mut().on_become_inactive()?;
        let mut job = self.prepare_flush_unchecked()?;
        if job.epochs.is_none() && !self.dir.join(LEADER_EPOCH_CHECKPOINT).exists() {
            job.epochs = Some(self.leader_epochs.entries().to_vec());
        }
        let clean = self.segments.values().all(|s| !s.is_sealed());
        Ok((job, clean))
    }

    /// Finishes closing after the flush ran: releases the segment files (views keep theirs).
    pub fn complete_close(&mut self, job: &FlushJob) {
        self.complete_flush(job);
        self.release_segments();
    }

    /// Closes without flushing (the partition is being deleted): releases the files.
    pub fn abandon(&mut self) {
        self.closed = true;
        self.release_segments();
    }

    fn release_segments(&mut self) {
        self.end_offset_at_close = self.log_end_offset();
        self.segments.clear();
    }
}
