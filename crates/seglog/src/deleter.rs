//! Second phase of a two-phase delete: unlinking a `.deleted` file once nothing maps it.
//!
//! The last holder of a deleted segment's file may be a JS Buffer whose finalizer runs on the
//! event loop thread during GC, and unlinking a large file frees its extents and page cache
//! (milliseconds for a 1 GiB segment), so the unlink is handed to one background thread.

use std::path::PathBuf;
use std::sync::mpsc::{channel, Sender};
use std::sync::{Mutex, OnceLock};

static QUEUE: OnceLock<Mutex<Sender<PathBuf>>> = OnceLock::new();

fn queue() -> &'static Mutex<Sender<PathBuf>> {
    QUEUE.get_or_init(|| {
        let (sender, receiver) = channel::<PathBuf>();
        // If the thread cannot start, the receiver is dropped, every send fails and `schedule`
        // unlinks inline instead: the file still goes.
        let _ = std::thread::Builder::new()
            .name("seglog-deleter".into())
            .spawn(move || {
                for path in receiver {
                    // Gone already (the partition directory was removed) is fine.
                    let _ = std::fs::remove_file(&path);
                }
            });
        Mutex::new(sender)
    })
}

/// Unlinks `path` soon, off the caller's thread.
pub(crate) fn schedule(path: PathBuf) {
    let sent = match queue().lock() {
        Ok(sender) => sender.send(path),
        Err(poisoned) => poisoned.into_inner().send(path),
    };
    if let Err(failed) = sent {
        let _ = std::fs::remove_file(failed.0);
    }
}
