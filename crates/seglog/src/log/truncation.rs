//! Truncation from the end (Kafka's UnifiedLog.truncateTo and truncateFullyAndStartAt): a
//! follower cutting the tail its leader does not have. Every truncation bumps the log's
//! truncation count, which stops a flush or a cleaning that started before it from acting on
//! replaced data.

use crate::error::Result;
use crate::segment::Segment;

use super::Log;

impl Log {
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
}
