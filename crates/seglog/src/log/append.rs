//! Appends (Kafka's UnifiedLog.append): a leader's append validates a client's batches and
//! assigns their offsets; a follower's keeps the leader's. Both roll the active segment first
//! when the set does not belong in it.

use crate::batch::{self, BatchInfo, ValidationRules};
use crate::config::TimestampType;
use crate::error::{BatchCheck, Error, Result};
use crate::segment::Segment;
use crate::txn_index::AbortedTxn;

use super::Log;

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

impl Log {
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
    pub(super) fn roll(&mut self, base_offset: i64, now_ms: i64) -> Result<()> {
        self.active_mut().on_become_inactive()?;
        let segment = Segment::create(&self.dir, base_offset, self.config.segment_bytes, now_ms)?;
        self.segments.insert(base_offset, segment);
        Ok(())
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
}
