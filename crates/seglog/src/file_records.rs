//! The `.log` file of one segment (Kafka's FileRecords): positional writes, positional and mapped
//! reads, zero-copy views, deferred shrinking and two-phase deletion.
//!
//! Shared with `Arc`: the segment holds one, and so does every read plan slice and every view
//! handed to JS. Thread-safe: the mapping state sits behind its own mutex, so views can be made
//! from a read plan on any thread while the log's lock is not held.
//!
//! Two invariants keep mapped reads safe from SIGBUS:
//! - a view is only made of bytes below the file's physical length, and
//! - the file is only shrunk (`try_truncate`) when no view of its mapping is alive.
//!
//! Deletion is two-phase like Kafka's: `mark_deleted` renames the file to `<name>.deleted` at
//! once; the unlink happens when the last `Arc` holder drops (possibly a JS Buffer's finalizer).

use std::fs::{File, OpenOptions};
use std::io;
use std::os::unix::fs::FileExt;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex, MutexGuard};

use crate::deleter;
use crate::error::{Error, IoContext, Result};
use crate::file_names::deleted_name;
use crate::mmap::Mapping;

struct MapState {
    mapping: Option<Arc<Mapping>>,
    /// The file's length on disk; at least the segment's logical size.
    physical_len: u64,
    /// Length to give a new mapping (the segment's capacity).
    map_len: usize,
}

pub struct FileRecords {
    base_offset: i64,
    file: File,
    path: Mutex<PathBuf>,
    deleted: AtomicBool,
    state: Mutex<MapState>,
}

/// A read-only view of bytes of a segment file that keeps both the mapping and the file alive.
pub struct View {
    mapping: Arc<Mapping>,
    _file: Arc<FileRecords>,
    position: usize,
    len: usize,
}

impl View {
    pub fn as_slice(&self) -> &[u8] {
        self.mapping.bytes(self.position, self.len)
    }
}

fn lock<T>(mutex: &Mutex<T>) -> MutexGuard<'_, T> {
    // The guarded state is updated in single assignments, so it is consistent even if a holder
    // panicked.
    mutex
        .lock()
        .unwrap_or_else(|poisoned| poisoned.into_inner())
}

impl FileRecords {
    /// Opens (or creates) the file; `truncate` empties an existing one.
    pub fn open(
        path: &Path,
        base_offset: i64,
        map_len: usize,
        truncate: bool,
    ) -> Result<Arc<FileRecords>> {
        let file = OpenOptions::new()
            .read(true)
            .write(true)
            .create(true)
            .truncate(truncate)
            .open(path)
            .context(|| format!("open segment {}", path.display()))?;
        let physical_len = file
            .metadata()
            .context(|| format!("stat {}", path.display()))?
            .len();
        Ok(Arc::new(FileRecords {
            base_offset,
            file,
            path: Mutex::new(path.to_owned()),
            deleted: AtomicBool::new(false),
            state: Mutex::new(MapState {
                mapping: None,
                physical_len,
                map_len,
            }),
        }))
    }

    pub fn base_offset(&self) -> i64 {
        self.base_offset
    }

    pub fn file(&self) -> &File {
        &self.file
    }

    pub fn path(&self) -> PathBuf {
        lock(&self.path).clone()
    }

    pub fn physical_len(&self) -> u64 {
        lock(&self.state).physical_len
    }

    /// Writes `bytes` at `position` (one pwrite unless the kernel writes short). On failure the
    /// bytes written so far are cut off again so the file ends where it did.
    pub fn write_at(&self, position: u64, bytes: &[u8]) -> Result<()> {
        if let Err(e) = self.file.write_all_at(bytes, position) {
            let _ = self.shrink_after_failed_write(position);
            return Err(Error::io(
                format!("write {} bytes to {}", bytes.len(), self.path().display()),
                e,
            ));
        }
        let mut state = lock(&self.state);
        state.physical_len = state.physical_len.max(position + bytes.len() as u64);
        Ok(())
    }

    fn shrink_after_failed_write(&self, position: u64) -> io::Result<()> {
        // Safe under live views: every view ends at or below the logical size, which is
        // `position` here, and a shrink to at least every view's end cannot fault a mapped page.
        let mut state = lock(&self.state);
        if state.physical_len > position || self.file.metadata()?.len() > position {
            self.file.set_len(position)?;
            state.physical_len = position;
        }
        Ok(())
    }

    /// Reads `buf.len()` bytes at `position`: copied from the mapping when one exists (a header
    /// read on the fetch path then costs nanoseconds, not a syscall), else with pread. Callers
    /// read only below the segment's logical size.
    pub fn read_exact_at(&self, buf: &mut [u8], position: u64) -> Result<()> {
        {
            let state = lock(&self.state);
            if let Some(mapping) = &state.mapping {
                let end = position + buf.len() as u64;
                if end <= mapping.len() as u64 && end <= state.physical_len {
                    buf.copy_from_slice(mapping.bytes(position as usize, buf.len()));
                    return Ok(());
                }
            }
        }
        self.file.read_exact_at(buf, position).context(|| {
            format!(
                "read {} bytes at {} of {}",
                buf.len(),
                position,
                self.path().display()
            )
        })
    }

    /// The mapping, made on first use, covering at least `end` bytes. Callers read only below the
    /// physical length.
    pub fn mapping(&self, end: u64) -> Result<Arc<Mapping>> {
        let mut state = lock(&self.state);
        self.mapping_locked(&mut state, end)
    }

    fn mapping_locked(&self, state: &mut MapState, end: u64) -> Result<Arc<Mapping>> {
        if let Some(mapping) = &state.mapping {
            if mapping.len() as u64 >= end {
                return Ok(Arc::clone(mapping));
            }
        }
        // A segment whose capacity grew (segment.bytes raised) gets a larger mapping; views of
        // the old one keep it alive until they go.
        let len = state.map_len.max(end as usize);
        let mapping = Arc::new(
            Mapping::map(&self.file, len)
                .context(|| format!("mmap {} bytes of {}", len, self.path().display()))?,
        );
        state.mapping = Some(Arc::clone(&mapping));
        Ok(mapping)
    }

    /// A zero-copy view of `[position, position + len)`, or an error if the file no longer holds
    /// those bytes (a truncation since the read plan was made).
    pub fn view(self: &Arc<Self>, position: u64, len: usize) -> Result<View> {
        let mut state = lock(&self.state);
        let end = position + len as u64;
        if end > state.physical_len {
            return Err(Error::TruncatedUnderPlan {
                base_offset: self.base_offset,
                needed: end,
                file_size: state.physical_len,
            });
        }
        let mapping = self.mapping_locked(&mut state, end)?;
        Ok(View {
            mapping,
            _file: Arc::clone(self),
            position: position as usize,
            len,
        })
    }

    /// Whether views of the mapping exist besides the file's own reference.
    pub fn has_live_views(&self) -> bool {
        lock(&self.state)
            .mapping
            .as_ref()
            .is_some_and(|m| Arc::strong_count(m) > 1)
    }

    /// Shrinks the file to `len` unless a view is alive; returns whether it did. A file already
    /// at or below `len` counts as done.
    pub fn try_truncate(&self, len: u64) -> Result<bool> {
        let mut state = lock(&self.state);
        if state.physical_len <= len {
            return Ok(true);
        }
        if state
            .mapping
            .as_ref()
            .is_some_and(|m| Arc::strong_count(m) > 1)
        {
            return Ok(false);
        }
        self.file
            .set_len(len)
            .context(|| format!("truncate {} to {len}", self.path().display()))?;
        state.physical_len = len;
        Ok(true)
    }

    /// First phase of deletion: rename to `.deleted`. The unlink happens when the last holder of
    /// this `FileRecords` drops.
    pub fn mark_deleted(&self) -> Result<()> {
        let mut path = lock(&self.path);
        let to = deleted_name(&path);
        std::fs::rename(&*path, &to)
            .context(|| format!("rename {} to {}", path.display(), to.display()))?;
        *path = to;
        self.deleted.store(true, Ordering::Release);
        Ok(())
    }

    pub fn sync(&self) -> Result<()> {
        self.file
            .sync_data()
            .context(|| format!("fsync {}", self.path().display()))
    }
}

impl Drop for FileRecords {
    fn drop(&mut self) {
        if self.deleted.load(Ordering::Acquire) {
            deleter::schedule(lock(&self.path).clone());
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_live_view_defers_the_shrink_and_keeps_its_bytes() {
        let dir = tempfile::tempdir().unwrap();
        let records = FileRecords::open(&dir.path().join("0.log"), 0, 1 << 20, true).unwrap();
        records.write_at(0, &[7u8; 10_000]).unwrap();
        let view = records.view(8000, 2000).unwrap();
        assert!(!records.try_truncate(100).unwrap());
        assert_eq!(records.physical_len(), 10_000);
        assert!(view.as_slice().iter().all(|&b| b == 7));
        drop(view);
        assert!(records.try_truncate(100).unwrap());
        assert_eq!(
            std::fs::metadata(dir.path().join("0.log")).unwrap().len(),
            100
        );
        assert!(matches!(
            records.view(50, 100),
            Err(Error::TruncatedUnderPlan { .. })
        ));
    }

    #[test]
    fn a_deleted_file_is_unlinked_after_its_last_view_drops() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("0.log");
        let records = FileRecords::open(&path, 0, 4096, true).unwrap();
        records.write_at(0, b"hello").unwrap();
        let view = records.view(0, 5).unwrap();
        records.mark_deleted().unwrap();
        drop(records);
        let deleted = dir.path().join("0.log.deleted");
        assert!(deleted.exists());
        assert_eq!(view.as_slice(), b"hello");
        drop(view);
        let deadline = std::time::Instant::now() + std::time::Duration::from_secs(10);
        while deleted.exists() && std::time::Instant::now() < deadline {
            std::thread::sleep(std::time::Duration::from_millis(5));
        }
        assert!(!deleted.exists());
    }
}
