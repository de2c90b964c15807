//! The sparse offset index of a segment (Kafka's OffsetIndex): maps an offset to the file
//! position of a batch that starts at or before it.
//!
//! File format: 8-byte entries, big-endian `u32 offset - base offset` then `u32 position`, in
//! increasing order of both. One entry is added each time more than log.index.interval.bytes
//! were appended since the last one; the entry's offset is the base offset of the batch at that
//! position, so a lookup returns a batch boundary from which a forward scan of batch headers
//! finds any later offset.
//!
//! Not thread-safe: the owning segment is only used under the log's lock.

use std::path::Path;

use crate::error::Result;
use crate::index_file::{floor_search, IndexFile};

pub const ENTRY_SIZE: usize = 8;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct OffsetPosition {
    pub offset: i64,
    pub position: u32,
}

pub struct OffsetIndex {
    base_offset: i64,
    /// (relative offset, position)
    entries: Vec<(u32, u32)>,
    file: IndexFile,
}

impl OffsetIndex {
    /// A new, empty index; any existing file content is discarded.
    pub fn create(path: &Path, base_offset: i64) -> Result<OffsetIndex> {
        let mut file = IndexFile::open(path, 0)?;
        file.truncate(ENTRY_SIZE, 0)?;
        Ok(OffsetIndex {
            base_offset,
            entries: Vec::new(),
            file,
        })
    }

    /// Loads the file for a clean open. Returns `None` when the file is missing or fails a sanity
    /// check (size not a multiple of 8, offsets or positions not increasing, a position at or
    /// past `log_size`); the caller then rebuilds the index from the log.
    pub fn load(path: &Path, base_offset: i64, log_size: u32) -> Result<Option<OffsetIndex>> {
        let Some(bytes) = IndexFile::read_all(path)? else {
            return Ok(None);
        };
        if bytes.len() % ENTRY_SIZE != 0 {
            return Ok(None);
        }
        let mut entries = Vec::with_capacity(bytes.len() / ENTRY_SIZE);
        for chunk in bytes.chunks_exact(ENTRY_SIZE) {
            let relative = u32::from_be_bytes(chunk[0..4].try_into().expect("4 bytes"));
            let position = u32::from_be_bytes(chunk[4..8].try_into().expect("4 bytes"));
            if position >= log_size {
                return Ok(None);
            }
            if let Some(&(last_relative, last_position)) = entries.last() {
                if relative <= last_relative || position <= last_position {
                    return Ok(None);
                }
            }
            entries.push((relative, position));
        }
        let count = entries.len();
        Ok(Some(OffsetIndex {
            base_offset,
            entries,
            file: IndexFile::existing(path, count),
        }))
    }

    pub fn len(&self) -> usize {
        self.entries.len()
    }

    pub fn is_empty(&self) -> bool {
        self.entries.is_empty()
    }

    pub fn last_entry(&self) -> Option<OffsetPosition> {
        self.entries.last().map(|&e| self.to_absolute(e))
    }

    fn to_absolute(&self, (relative, position): (u32, u32)) -> OffsetPosition {
        OffsetPosition {
            offset: self.base_offset + i64::from(relative),
            position,
        }
    }

    /// Adds an entry; the caller guarantees both offset and position grow.
    pub fn append(&mut self, offset: i64, position: u32) {
        let relative = u32::try_from(offset - self.base_offset).expect("offset fits the segment");
        debug_assert!(self
            .entries
            .last()
            .is_none_or(|&(r, p)| relative > r && position > p));
        self.entries.push((relative, position));
    }

    /// The last entry at or below `offset`, or (base offset, 0) when there is none.
    pub fn lookup(&self, offset: i64) -> OffsetPosition {
        let target = offset - self.base_offset;
        match floor_search(&self.entries, ENTRY_SIZE, target, |&(r, _)| i64::from(r)) {
            Some(i) => self.to_absolute(self.entries[i]),
            None => OffsetPosition {
                offset: self.base_offset,
                position: 0,
            },
        }
    }

    /// The last entry whose position is at or below `position`, or (base offset, 0).
    pub fn lookup_by_position(&self, position: u32) -> OffsetPosition {
        match floor_search(&self.entries, ENTRY_SIZE, i64::from(position), |&(_, p)| {
            i64::from(p)
        }) {
            Some(i) => self.to_absolute(self.entries[i]),
            None => OffsetPosition {
                offset: self.base_offset,
                position: 0,
            },
        }
    }

    /// Drops entries at or above `offset` (after the log was truncated there).
    pub fn truncate_to(&mut self, offset: i64) -> Result<()> {
        let keep = self
            .entries
            .partition_point(|&(r, _)| self.base_offset + i64::from(r) < offset);
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
        for &(relative, position) in &self.entries[from..] {
            tail.extend_from_slice(&relative.to_be_bytes());
            tail.extend_from_slice(&position.to_be_bytes());
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
    fn lookup_returns_the_floor_entry_or_the_segment_start() {
        let dir = tempfile::tempdir().unwrap();
        let mut index = OffsetIndex::create(&dir.path().join("i.index"), 100).unwrap();
        index.append(110, 4200);
        index.append(125, 9000);
        assert_eq!(
            index.lookup(99),
            OffsetPosition {
                offset: 100,
                position: 0
            }
        );
        assert_eq!(
            index.lookup(109),
            OffsetPosition {
                offset: 100,
                position: 0
            }
        );
        assert_eq!(
            index.lookup(110),
            OffsetPosition {
                offset: 110,
                position: 4200
            }
        );
        assert_eq!(
            index.lookup(124),
            OffsetPosition {
                offset: 110,
                position: 4200
            }
        );
        assert_eq!(
            index.lookup(1000),
            OffsetPosition {
                offset: 125,
                position: 9000
            }
        );
        assert_eq!(
            index.lookup_by_position(9000),
            OffsetPosition {
                offset: 125,
                position: 9000
            }
        );
        assert_eq!(
            index.lookup_by_position(8999),
            OffsetPosition {
                offset: 110,
                position: 4200
            }
        );
    }

    #[test]
    fn persisted_entries_load_back_and_bad_files_are_refused() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("i.index");
        let mut index = OffsetIndex::create(&path, 100).unwrap();
        index.append(110, 4200);
        index.append(125, 9000);
        index.write_pending().unwrap();
        let loaded = OffsetIndex::load(&path, 100, 10_000).unwrap().unwrap();
        assert_eq!(
            loaded.last_entry(),
            Some(OffsetPosition {
                offset: 125,
                position: 9000
            })
        );
        // A position past the log is doubt: rebuild.
        assert!(OffsetIndex::load(&path, 100, 9000).unwrap().is_none());
        std::fs::write(&path, [1u8; 7]).unwrap();
        assert!(OffsetIndex::load(&path, 100, 10_000).unwrap().is_none());
        std::fs::write(&path, [0, 0, 0, 5, 0, 0, 0, 9, 0, 0, 0, 4, 0, 0, 0, 10]).unwrap();
        assert!(OffsetIndex::load(&path, 100, 10_000).unwrap().is_none());
    }

    #[test]
    fn truncate_drops_entries_at_and_above_the_offset() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("i.index");
        let mut index = OffsetIndex::create(&path, 0).unwrap();
        index.append(10, 100);
        index.append(20, 200);
        index.write_pending().unwrap();
        index.truncate_to(20).unwrap();
        assert_eq!(
            index.last_entry(),
            Some(OffsetPosition {
                offset: 10,
                position: 100
            })
        );
        assert_eq!(std::fs::metadata(&path).unwrap().len(), 8);
    }
}
