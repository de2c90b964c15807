//! The aborted-transaction index of a segment (Kafka's TransactionIndex): one entry per
//! transaction whose ABORT marker lies in the segment, so a read_committed fetch can tell the
//! consumer which producer's records to drop in the range it reads.
//!
//! File format (`<base offset>.txnindex`, Kafka's AbortedTxn): 34-byte entries, big-endian
//! `i16 version (0)`, `i64 producer id`, `i64 first offset` (the transaction's first batch),
//! `i64 last offset` (the ABORT marker), `i64 last stable offset` (the LSO once the marker was
//! written: no entry written later concerns offsets below it). Entries are in marker order.
//!
//! The file is created on the first entry (most segments never see an aborted transaction)
//! and written through at once; entries are also kept in memory, since they are few and every
//! read_committed fetch consults them. Entries are not derived here: the broker's producer state
//! decides them (at append, replication and its rebuild after a restart), and `append` ignores
//! an entry already present, so a rebuild may offer every aborted transaction again.
//!
//! Not thread-safe: the owning segment is only used under the log's lock.

use std::fs::{File, OpenOptions};
use std::io::Write;
use std::path::{Path, PathBuf};

use crate::error::{IoContext, Result};

pub const ENTRY_SIZE: usize = 34;
const VERSION: i16 = 0;

/// One aborted transaction (Kafka's AbortedTxn).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct AbortedTxn {
    pub producer_id: i64,
    pub first_offset: i64,
    pub last_offset: i64,
    pub last_stable_offset: i64,
}

impl AbortedTxn {
    fn encode(&self) -> [u8; ENTRY_SIZE] {
        let mut bytes = [0u8; ENTRY_SIZE];
        bytes[0..2].copy_from_slice(&VERSION.to_be_bytes());
        bytes[2..10].copy_from_slice(&self.producer_id.to_be_bytes());
        bytes[10..18].copy_from_slice(&self.first_offset.to_be_bytes());
        bytes[18..26].copy_from_slice(&self.last_offset.to_be_bytes());
        bytes[26..34].copy_from_slice(&self.last_stable_offset.to_be_bytes());
        bytes
    }

    fn decode(bytes: &[u8]) -> Option<AbortedTxn> {
        let int64 = |at: usize| i64::from_be_bytes(bytes[at..at + 8].try_into().expect("8 bytes"));
        if i16::from_be_bytes([bytes[0], bytes[1]]) != VERSION {
            return None;
        }
        Some(AbortedTxn {
            producer_id: int64(2),
            first_offset: int64(10),
            last_offset: int64(18),
            last_stable_offset: int64(26),
        })
    }
}

pub struct TxnIndex {
    path: PathBuf,
    entries: Vec<AbortedTxn>,
}

impl TxnIndex {
    /// The index at `path`: its entries if the file exists, else none (and no file yet). A
    /// trailing partial entry (a write cut by a crash) or an entry of an unknown version ends
    /// what is read; the rebuild of producer state writes anything lost again.
    pub fn open(path: &Path) -> Result<TxnIndex> {
        let bytes = match std::fs::read(path) {
            Ok(bytes) => bytes,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => Vec::new(),
            Err(e) => return Err(e).context(|| format!("read {}", path.display())),
        };
        let mut entries = Vec::with_capacity(bytes.len() / ENTRY_SIZE);
        for chunk in bytes.chunks_exact(ENTRY_SIZE) {
            match AbortedTxn::decode(chunk) {
                Some(entry) => entries.push(entry),
                None => break,
            }
        }
        let index = TxnIndex {
            path: path.to_owned(),
            entries,
        };
        if index.entries.len() * ENTRY_SIZE != bytes.len() {
            index.rewrite()?;
        }
        Ok(index)
    }

    /// A new, empty index for a new segment; a file of the same name is stale and removed.
    pub fn create(path: &Path) -> Result<TxnIndex> {
        let index = TxnIndex {
            path: path.to_owned(),
            entries: Vec::new(),
        };
        index.rewrite()?;
        Ok(index)
    }

    pub fn path(&self) -> &Path {
        &self.path
    }

    pub fn entries(&self) -> &[AbortedTxn] {
        &self.entries
    }

    /// Adds `entry` unless an entry for the same or a later marker is there already (a
    /// rebuild offering it again).
    pub fn append(&mut self, entry: AbortedTxn) -> Result<bool> {
        if self
            .entries
            .last()
            .is_some_and(|last| last.last_offset >= entry.last_offset)
        {
            return Ok(false);
        }
        let mut file = OpenOptions::new()
            .create(true)
            .append(true)
            .open(&self.path)
            .context(|| format!("open {}", self.path.display()))?;
        file.write_all(&entry.encode())
            .context(|| format!("append to {}", self.path.display()))?;
        self.entries.push(entry);
        Ok(true)
    }

    /// Pushes onto `out` the entries whose transactions overlap [`fetch_offset`, `upper_bound`)
    /// (Kafka's collectAbortedTxns) and returns true when an entry shows that no later one can
    /// (its last stable offset reaches `upper_bound`), so the search may stop.
    pub fn collect(&self, fetch_offset: i64, upper_bound: i64, out: &mut Vec<AbortedTxn>) -> bool {
        for entry in &self.entries {
            if entry.last_offset >= fetch_offset && entry.first_offset < upper_bound {
                out.push(*entry);
            }
            if entry.last_stable_offset >= upper_bound {
                return true;
            }
        }
        false
    }

    /// Removes the entries whose marker is at or after `offset` (the log was cut there).
    pub fn truncate_to(&mut self, offset: i64) -> Result<()> {
        let keep = self.entries.partition_point(|e| e.last_offset < offset);
        if keep == self.entries.len() {
            return Ok(());
        }
        self.entries.truncate(keep);
        self.rewrite()
    }

    /// Deletes the file (with its segment).
    pub fn delete(&mut self) {
        let _ = std::fs::remove_file(&self.path);
        self.entries.clear();
    }

    /// Writes the file to hold exactly the entries in memory (none: no file).
    fn rewrite(&self) -> Result<()> {
        if self.entries.is_empty() {
            return match std::fs::remove_file(&self.path) {
                Err(e) if e.kind() != std::io::ErrorKind::NotFound => {
                    Err(e).context(|| format!("remove {}", self.path.display()))
                }
                _ => Ok(()),
            };
        }
        let file = File::options()
            .write(true)
            .open(&self.path)
            .context(|| format!("open {}", self.path.display()))?;
        file.set_len((self.entries.len() * ENTRY_SIZE) as u64)
            .context(|| format!("truncate {}", self.path.display()))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn entry(producer_id: i64, first: i64, last: i64, lso: i64) -> AbortedTxn {
        AbortedTxn {
            producer_id,
            first_offset: first,
            last_offset: last,
            last_stable_offset: lso,
        }
    }

    fn temp_path(name: &str) -> PathBuf {
        let dir = std::env::temp_dir().join(format!("seglog-txn-{}-{name}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        dir.join("00000000000000000000.txnindex")
    }

    #[test]
    fn entries_survive_a_reopen_in_kafkas_34_byte_format() {
        let path = temp_path("reopen");
        let mut index = TxnIndex::open(&path).unwrap();
        assert!(!path.exists(), "no file until the first entry");
        index.append(entry(7, 10, 15, 16)).unwrap();
        index.append(entry(8, 12, 20, 21)).unwrap();
        let bytes = std::fs::read(&path).unwrap();
        assert_eq!(bytes.len(), 2 * ENTRY_SIZE);
        assert_eq!(&bytes[0..2], &[0, 0]);
        assert_eq!(i64::from_be_bytes(bytes[2..10].try_into().unwrap()), 7);
        assert_eq!(TxnIndex::open(&path).unwrap().entries(), index.entries());
    }

    #[test]
    fn an_entry_offered_again_is_not_added_twice() {
        let path = temp_path("again");
        let mut index = TxnIndex::open(&path).unwrap();
        assert!(index.append(entry(7, 10, 15, 16)).unwrap());
        assert!(!index.append(entry(7, 10, 15, 16)).unwrap());
        assert_eq!(index.entries().len(), 1);
    }

    #[test]
    fn collects_the_transactions_overlapping_a_fetch_range() {
        let path = temp_path("collect");
        let mut index = TxnIndex::open(&path).unwrap();
        index.append(entry(1, 0, 5, 6)).unwrap();
        index.append(entry(2, 8, 12, 13)).unwrap();
        index.append(entry(3, 20, 30, 31)).unwrap();
        let mut out = Vec::new();
        assert!(index.collect(6, 13, &mut out));
        assert_eq!(
            out.iter().map(|e| e.producer_id).collect::<Vec<_>>(),
            vec![2]
        );
        out.clear();
        assert!(!index.collect(0, 100, &mut out));
        assert_eq!(out.len(), 3);
    }

    #[test]
    fn truncation_drops_entries_whose_marker_was_cut_and_a_torn_tail_is_ignored() {
        let path = temp_path("truncate");
        let mut index = TxnIndex::open(&path).unwrap();
        index.append(entry(1, 0, 5, 6)).unwrap();
        index.append(entry(2, 8, 12, 13)).unwrap();
        index.truncate_to(12).unwrap();
        assert_eq!(index.entries(), &[entry(1, 0, 5, 6)]);
        assert_eq!(std::fs::metadata(&path).unwrap().len(), ENTRY_SIZE as u64);
        // A crash in the middle of an append leaves a partial entry.
        let mut file = OpenOptions::new().append(true).open(&path).unwrap();
        file.write_all(&[0, 0, 1, 2, 3]).unwrap();
        let reopened = TxnIndex::open(&path).unwrap();
        assert_eq!(reopened.entries(), &[entry(1, 0, 5, 6)]);
        assert_eq!(std::fs::metadata(&path).unwrap().len(), ENTRY_SIZE as u64);
        index.truncate_to(0).unwrap();
        assert!(!path.exists());
    }
}
