//! The log directory lock, for JS: held by an object until `release()` (or process exit).

use napi_derive::napi;

use crate::error::to_js;

/// An exclusive lock on a log directory (`<dir>/.lock`, as Kafka uses). Taking it is a single
/// non-blocking syscall, so it is synchronous.
#[napi]
pub struct DirectoryLock {
    inner: Option<seglog::DirLock>,
}

#[napi]
impl DirectoryLock {
    /// Locks `dir` (which must exist); throws SEGLOG_DIR_LOCKED when another process holds it.
    #[napi(factory)]
    pub fn acquire(dir: String) -> napi::Result<DirectoryLock, String> {
        let lock = seglog::DirLock::acquire(std::path::Path::new(&dir)).map_err(to_js)?;
        Ok(DirectoryLock { inner: Some(lock) })
    }

    /// Lets go of the lock; further calls do nothing.
    #[napi]
    pub fn release(&mut self) {
        self.inner = None;
    }
}
