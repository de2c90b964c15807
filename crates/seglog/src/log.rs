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
//!
//! The log's operations live in one module each: `append` (offset assignment and rolling),
//! `read` (read plans and the lookups of fetch, ListOffsets and producer-state rebuilds),
//! `truncation` (replication cutting the tail), `retention` (the log start moving up) and
//! `flush` (fsync, recovery point and close). Loading and recovery are `crate::recovery`.

mod append;
mod flush;
mod read;
mod retention;
mod truncation;

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use crate::config::LogConfig;
use crate::error::{Error, Result};
use crate::in_flight::{InFlight, WorkTicket};
use crate::leader_epoch::{EpochEndOffset, EpochEntry, LeaderEpochCache};
use crate::recovery::{self, LoadOptions, LoadReport};
use crate::segment::Segment;

pub use append::{AppendInfo, LeaderAppendOptions};
pub use flush::FlushJob;
pub use read::BatchSummary;

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

    /// For OffsetForLeaderEpoch: see `LeaderEpochCache::end_offset_for`.
    pub fn end_offset_for_epoch(&self, epoch: i32) -> EpochEndOffset {
        self.leader_epochs
            .end_offset_for(epoch, self.log_end_offset())
    }
}
