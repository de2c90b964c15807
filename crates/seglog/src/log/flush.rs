//! Flush and close: fsync runs without the log's lock (a `FlushJob`), and the recovery point
//! moves when it comes back unless a truncation happened meanwhile.

use std::path::PathBuf;

use crate::error::Result;
use crate::file_names::LEADER_EPOCH_CHECKPOINT;
use crate::in_flight::WorkTicket;
use crate::leader_epoch::{EpochEntry, LeaderEpochCache};
use crate::segment::SyncHandles;

use super::Log;

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

impl Log {
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
