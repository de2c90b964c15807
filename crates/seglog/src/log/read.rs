//! The read side: read plans for Fetch, aborted transactions for read_committed, batch headers
//! for producer-state rebuilds, timestamps for ListOffsets. Reads take `&self`: they change
//! nothing but a segment's recently-used mark.

use crate::batch::{self, BatchHeader, HEADER_SIZE};
use crate::error::{Error, Result};
use crate::read_plan::{FileSlice, ReadPlan};
use crate::segment::Segment;
use crate::time_index::TimestampOffset;
use crate::txn_index::AbortedTxn;

use super::Log;

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

impl Log {
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
        let mut remaining = max_bytes;
        let mut from = offset;
        for segment in self.segments_from(offset) {
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
        for segment in self.segments_from(fetch_offset) {
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
        for segment in self.segments_from(from_offset) {
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

    /// The segments from the one that holds `offset` on (all of them when `offset` is below the
    /// first base offset), in offset order: where every read by offset starts.
    fn segments_from(&self, offset: i64) -> impl Iterator<Item = &Segment> {
        let floor = self
            .segments
            .range(..=offset)
            .next_back()
            .map_or(offset, |(&base, _)| base);
        self.segments.range(floor..).map(|(_, s)| s)
    }
}
