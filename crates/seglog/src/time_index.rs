//! The sparse time index of a segment (Kafka's TimeIndex): maps a timestamp to an offset.
//!
//! File format: 12-byte entries, big-endian `i64 timestamp` then `u32 offset - base offset`.
//! An entry `(t, o)` says: the largest timestamp among the batches up to offset `o` is `t`, and
//! `o` is the last offset of the first batch that reached it. Entries are added at the same
//! interval as offset index entries, at roll and at close, and only when the maximum timestamp
//! grew, so timestamps strictly increase along the file.
//!
//! Not thread-safe: the owning segment is only used under the log's lock.

use std::path::Path;

use crate::error::Result;
use crate::index_file::{floor_search, IndexFile};

pub const ENTRY_SIZE: usize = 12;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct TimestampOffset {
    pub timestamp: i64,
    pub offset: i64,
}

pub struct TimeIndex {
    base_offset: i64,
    /// (timestamp, relative offset)
    entries: Vec<(i64, u32)>,
    file: IndexFile,
}

impl TimeIndex {
    /// A new, empty index; any existing file content is discarded.
    pub fn create(path: &Path, base_offset: i64) -> Result<TimeIndex> {
        let mut file = IndexFile::open(path, 0)?;
        file.truncate(ENTRY_SIZE, 0)?;
        Ok(TimeIndex {
            base_offset,
            entries: Vec::new(),
            file,
        })
    }

    /// Loads the file for a clean open; `None` (rebuild) when missing or when the size is not a
    /// multiple of 12, timestamps do not strictly increase, offsets decrease, or an offset is not
    /// below `next_offset`.
    pub fn load(path: &Path, base_offset: i64, next_offset: i64) -> Result<Option<TimeIndex>> {
        let Some(bytes) = IndexFile::read_all(path)? else {
            return Ok(None);
        };
        if bytes.len() % ENTRY_SIZE != 0 {
            return Ok(None);
        }
        let mut entries: Vec<(i64, u32)> = Vec::with_capacity(bytes.len() / ENTRY_SIZE);
        for chunk in bytes.chunks_exact(ENTRY_SIZE) {
            let timestamp = i64::from_be_bytes(chunk[0..8].try_into().expect("8 bytes"));
            let relative = u32::from_be_bytes(chunk[8..12].try_into().expect("4 bytes"));
            if base_offset + i64::from(relative) >= next_offset {
                return Ok(None);
            }
            if let Some(&(last_timestamp, last_relative)) = entries.last() {
                if timestamp <= last_timestamp || relative < last_relative {
                    return Ok(None);
                }
            }
            entries.push((timestamp, relative));
        }
        let count = entries.len();
        Ok(Some(TimeIndex {
            base_offset,
            entries,
            file: IndexFile::existing(path, count),
        }))
    }

    pub fn last_entry(&self) -> Option<TimestampOffset> {
        self.entries.last().map(|&e| self.to_absolute(e))
    }

    fn to_absolute(&self, (timestamp, relative): (i64, u32)) -> TimestampOffset {
        TimestampOffset {
            timestamp,
            offset: self.base_offset + i64::from(relative),
        }
    }

    /// Adds `(timestamp, offset)` if `timestamp` is above the last entry's.
    pub fn maybe_append(&mut self, timestamp: i64, offset: i64) {
        if self.entries.last().is_some_and(|&(t, _)| timestamp <= t) {
            return;
        }
        let relative = u32::try_from(offset - self.base_offset).expect("offset fits the segment");
        self.entries.push((timestamp, relative));
    }

    /// The last entry whose timestamp is at or below `timestamp`, or (-1, base offset).
    pub fn lookup(&self, timestamp: i64) -> TimestampOffset {
        match floor_search(&self.entries, ENTRY_SIZE, timestamp, |&(t, _)| t) {
            Some(i) => self.to_absolute(self.entries[i]),
            None => TimestampOffset {
                timestamp: -1,
                offset: self.base_offset,
            },
        }
    }

    /// Drops entries whose offset is at or above `offset`.
    pub fn truncate_to(&mut self, offset: i64) -> Result<()> {
        let keep = self
            .entries
            .partition_point(|&(_, r)| self.base_offset + i64::from(r) < offset);
        self.entries.truncate(keep);
        self.file.truncate(ENTRY_SIZE, keep)
    }

    /// Writes the entries that are only in memory to the file.
    pub fn write_pending(&mut self) -> Result<()> {
        let from = self.file.persisted();
        if from == self.entries.len() {
            return Ok(());
        }
        let mut tail = Vec::with_capacity((self.entries.len() - from) * ENTRY_SIZE);
        for &(timestamp, relative) in &self.entries[from..] {
            tail.extend_from_slice(&timestamp.to_be_bytes());
            tail.extend_from_slice(&relative.to_be_bytes());
        }
        self.file.write_tail(ENTRY_SIZE, self.entries.len(), &tail)
    }

    /// Whether entries exist only in memory (not yet written to the file).
    pub fn has_pending(&self) -> bool {
        self.file.persisted() < self.entries.len()
    }

    pub fn file(&self) -> &IndexFile {
        &self.file
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn appends_only_growing_timestamps_and_looks_up_the_floor() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("t.timeindex");
        let mut index = TimeIndex::create(&path, 50).unwrap();
        index.maybe_append(1000, 52);
        index.maybe_append(1000, 60);
        index.maybe_append(900, 61);
        index.maybe_append(2000, 70);
        assert_eq!(
            index.last_entry(),
            Some(TimestampOffset {
                timestamp: 2000,
                offset: 70
            })
        );
        assert_eq!(
            index.lookup(999),
            TimestampOffset {
                timestamp: -1,
                offset: 50
            }
        );
        assert_eq!(
            index.lookup(1500),
            TimestampOffset {
                timestamp: 1000,
                offset: 52
            }
        );
        index.write_pending().unwrap();
        let loaded = TimeIndex::load(&path, 50, 71).unwrap().unwrap();
        assert_eq!(
            loaded.lookup(5000),
            TimestampOffset {
                timestamp: 2000,
                offset: 70
            }
        );
        assert!(TimeIndex::load(&path, 50, 70).unwrap().is_none());
    }
}
