//! The log start moving up: DeleteRecords, and retention by time, size or log start (Kafka's
//! UnifiedLog.deleteOldSegments), which takes whole segments off the front.

use crate::error::{Error, Result};
use crate::segment::Segment;

use super::Log;

impl Log {
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
}
