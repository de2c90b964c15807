//! The leader-epoch cache of a partition (Kafka's LeaderEpochFileCache): for each leader epoch,
//! the first offset written in it. Followers use it through OffsetForLeaderEpoch to find where
//! their log diverges from the leader's, and truncate there.
//!
//! Kept in memory and marked dirty on change; the `leader-epoch-checkpoint` file (checkpoint
//! format, entries `<epoch> <start offset>`) is written by flush and close, off the event loop.
//! That is enough because recovery rebuilds the entries of every segment it scans, and the file
//! is written before a flush advances the recovery point.
//!
//! Not thread-safe: used under the log's lock.

use std::path::Path;

use crate::checkpoint::{read_checkpoint, write_checkpoint};
use crate::error::{Error, Result};

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct EpochEntry {
    pub epoch: i32,
    pub start_offset: i64,
}

/// Answer to "where does epoch E end?": the largest known epoch at or below E and the offset
/// where the next epoch starts (or the log end offset for the latest epoch); (-1, -1) when unknown.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct EpochEndOffset {
    pub epoch: i32,
    pub end_offset: i64,
}

pub const UNDEFINED_EPOCH: i32 = -1;
pub const UNDEFINED_OFFSET: i64 = -1;

#[derive(Debug, Default)]
pub struct LeaderEpochCache {
    entries: Vec<EpochEntry>,
    dirty: bool,
}

impl LeaderEpochCache {
    /// Loads the checkpoint file; a missing file is an empty cache.
    pub fn load(path: &Path) -> Result<LeaderEpochCache> {
        let Some(lines) = read_checkpoint(path)? else {
            return Ok(LeaderEpochCache::default());
        };
        let mut cache = LeaderEpochCache::default();
        for (i, fields) in lines.iter().enumerate() {
            let parsed = match fields.as_slice() {
                [epoch, offset] => epoch.parse().ok().zip(offset.parse().ok()),
                _ => None,
            };
            let Some((epoch, start_offset)) = parsed else {
                return Err(Error::CorruptCheckpoint {
                    path: path.to_owned(),
                    line: i + 3,
                    reason: format!("expected `<epoch> <offset>`, found {:?}", fields.join(" ")),
                });
            };
            cache.assign(epoch, start_offset);
        }
        cache.dirty = false;
        Ok(cache)
    }

    pub fn entries(&self) -> &[EpochEntry] {
        &self.entries
    }

    pub fn latest_epoch(&self) -> Option<i32> {
        self.entries.last().map(|e| e.epoch)
    }

    pub fn is_dirty(&self) -> bool {
        self.dirty
    }

    /// Records that `epoch` starts at `start_offset` if it is newer than the latest epoch; an
    /// older or equal epoch changes nothing. Entries starting at or after `start_offset` (left by
    /// an overwritten suffix) are dropped first.
    pub fn assign(&mut self, epoch: i32, start_offset: i64) {
        if epoch < 0 || self.latest_epoch().is_some_and(|latest| epoch <= latest) {
            return;
        }
        self.entries.retain(|e| e.start_offset < start_offset);
        self.entries.push(EpochEntry {
            epoch,
            start_offset,
        });
        self.dirty = true;
    }

    /// Kafka's endOffsetFor: see `EpochEndOffset`.
    pub fn end_offset_for(&self, requested: i32, log_end_offset: i64) -> EpochEndOffset {
        let undefined = EpochEndOffset {
            epoch: UNDEFINED_EPOCH,
            end_offset: UNDEFINED_OFFSET,
        };
        if requested == UNDEFINED_EPOCH {
            return undefined;
        }
        if self.latest_epoch() == Some(requested) {
            return EpochEndOffset {
                epoch: requested,
                end_offset: log_end_offset,
            };
        }
        let higher = self.entries.partition_point(|e| e.epoch <= requested);
        let Some(next) = self.entries.get(higher) else {
            return undefined;
        };
        match higher.checked_sub(1).map(|i| self.entries[i]) {
            Some(floor) => EpochEndOffset {
                epoch: floor.epoch,
                end_offset: next.start_offset,
            },
            None => EpochEndOffset {
                epoch: requested,
                end_offset: next.start_offset,
            },
        }
    }

    /// Forgets every epoch (the log was emptied and restarted elsewhere).
    pub fn clear(&mut self) {
        self.dirty |= !self.entries.is_empty();
        self.entries.clear();
    }

    /// After a truncation to `end_offset`: forget epochs that start at or after it.
    pub fn truncate_from_end(&mut self, end_offset: i64) {
        let before = self.entries.len();
        self.entries.retain(|e| e.start_offset < end_offset);
        self.dirty |= self.entries.len() != before;
    }

    /// After the log start moved to `start_offset`: epochs that ended before it go; the one
    /// covering it now starts there.
    pub fn truncate_from_start(&mut self, start_offset: i64) {
        let covering = self
            .entries
            .partition_point(|e| e.start_offset <= start_offset);
        if covering == 0 {
            return;
        }
        let keep_from = covering - 1;
        if keep_from > 0 || self.entries[keep_from].start_offset != start_offset {
            self.entries.drain(..keep_from);
            self.entries[0].start_offset = start_offset;
            self.dirty = true;
        }
    }

    /// Replaces the entries from `from_offset` on with `rebuilt` (entries found by a recovery
    /// scan of the segments starting there).
    pub fn replace_from(&mut self, from_offset: i64, rebuilt: &[(i32, i64)]) {
        let before = self.entries.clone();
        self.entries.retain(|e| e.start_offset < from_offset);
        for &(epoch, offset) in rebuilt {
            self.assign(epoch, offset);
        }
        self.dirty |= self.entries != before;
    }

    /// Writes the checkpoint file durably and clears the dirty flag. Blocking.
    pub fn write(path: &Path, entries: &[EpochEntry]) -> Result<()> {
        let lines: Vec<String> = entries
            .iter()
            .map(|e| format!("{} {}", e.epoch, e.start_offset))
            .collect();
        write_checkpoint(path, &lines)
    }

    pub fn mark_clean(&mut self) {
        self.dirty = false;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn cache(entries: &[(i32, i64)]) -> LeaderEpochCache {
        let mut cache = LeaderEpochCache::default();
        for &(e, o) in entries {
            cache.assign(e, o);
        }
        cache
    }

    #[test]
    fn end_offset_is_the_next_epochs_start_or_the_log_end() {
        let cache = cache(&[(1, 0), (3, 100), (5, 250)]);
        let at = |epoch| cache.end_offset_for(epoch, 300);
        assert_eq!(
            at(5),
            EpochEndOffset {
                epoch: 5,
                end_offset: 300
            }
        );
        assert_eq!(
            at(3),
            EpochEndOffset {
                epoch: 3,
                end_offset: 250
            }
        );
        assert_eq!(
            at(4),
            EpochEndOffset {
                epoch: 3,
                end_offset: 250
            }
        );
        assert_eq!(
            at(1),
            EpochEndOffset {
                epoch: 1,
                end_offset: 100
            }
        );
        assert_eq!(
            at(0),
            EpochEndOffset {
                epoch: 0,
                end_offset: 0
            }
        );
        assert_eq!(
            at(6),
            EpochEndOffset {
                epoch: -1,
                end_offset: -1
            }
        );
        assert_eq!(
            at(-1),
            EpochEndOffset {
                epoch: -1,
                end_offset: -1
            }
        );
    }

    #[test]
    fn older_epochs_are_ignored_and_truncation_trims_both_ends() {
        let mut c = cache(&[(1, 0), (3, 100), (5, 250)]);
        c.assign(2, 400);
        assert_eq!(c.latest_epoch(), Some(5));
        c.truncate_from_end(250);
        assert_eq!(c.entries().len(), 2);
        c.truncate_from_start(150);
        assert_eq!(
            c.entries(),
            &[EpochEntry {
                epoch: 3,
                start_offset: 150
            }]
        );
    }

    #[test]
    fn the_checkpoint_file_round_trips() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("leader-epoch-checkpoint");
        let c = cache(&[(0, 0), (2, 17)]);
        LeaderEpochCache::write(&path, c.entries()).unwrap();
        assert_eq!(std::fs::read_to_string(&path).unwrap(), "0\n2\n0 0\n2 17\n");
        assert_eq!(
            LeaderEpochCache::load(&path).unwrap().entries(),
            c.entries()
        );
    }
}
