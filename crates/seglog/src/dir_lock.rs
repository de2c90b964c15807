//! An exclusive lock on a log directory: Kafka's `.lock` file. A broker holds it for as long as
//! it has the directory's logs open, so a second process started on the same directory stops
//! before it reads, recovers or truncates anything another process is writing.
//!
//! The lock is the operating system's advisory file lock (flock on Linux) on `<dir>/.lock`; it
//! is released when the holder drops it or its process dies, so a crash never leaves a stale
//! lock behind.

use std::fs::{File, OpenOptions, TryLockError};
use std::path::{Path, PathBuf};

use crate::error::{Error, Result};

/// The lock file's name, as Kafka names it.
pub const LOCK_FILE: &str = ".lock";

/// Holds the lock until dropped. Thread-safe to move; not meant to be shared.
#[derive(Debug)]
pub struct DirLock {
    _file: File,
    dir: PathBuf,
}

impl DirLock {
    /// Takes the lock on `dir` (which must exist) without waiting; `Error::DirLocked` when
    /// another process (or another holder in this one) has it.
    pub fn acquire(dir: &Path) -> Result<DirLock> {
        let path = dir.join(LOCK_FILE);
        let file = OpenOptions::new()
            .create(true)
            .truncate(false)
            .write(true)
            .open(&path)
            .map_err(|e| Error::io(format!("opening {}", path.display()), e))?;
        match file.try_lock() {
            Ok(()) => Ok(DirLock {
                _file: file,
                dir: dir.to_path_buf(),
            }),
            Err(TryLockError::WouldBlock) => Err(Error::DirLocked {
                dir: dir.to_path_buf(),
            }),
            Err(TryLockError::Error(e)) => Err(Error::io(format!("locking {}", path.display()), e)),
        }
    }

    pub fn dir(&self) -> &Path {
        &self.dir
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_second_holder_is_refused_until_the_first_lets_go() {
        let dir = tempfile::tempdir().unwrap();
        let first = DirLock::acquire(dir.path()).unwrap();
        let second = DirLock::acquire(dir.path()).unwrap_err();
        assert_eq!(second.code(), "SEGLOG_DIR_LOCKED");
        assert!(second
            .to_string()
            .contains("another process is using the log directory"));
        drop(first);
        DirLock::acquire(dir.path()).unwrap();
    }
}
