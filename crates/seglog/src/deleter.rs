//! Second phase of a two-phase delete: unlinking a `.deleted` file once nothing maps it.
//!
//! The last holder of a deleted segment's file may be a JS Buffer whose finalizer runs on the
//! event loop thread during GC, and unlinking a large file frees its extents and page cache
//! (milliseconds for a 1 GiB segment), so the unlink is handed to one background thread.

use std::path::PathBuf;
use std::sync::mpsc::{channel, sync_channel, Sender, SyncSender};
use std::sync::{Mutex, OnceLock};

enum Job {
    Unlink(PathBuf),
    /// Answered once every unlink queued before it is done (see `wait_for_queued`).
    Barrier(SyncSender<()>),
}

static QUEUE: OnceLock<Mutex<Sender<Job>>> = OnceLock::new();

fn queue() -> &'static Mutex<Sender<Job>> {
    QUEUE.get_or_init(|| {
        let (sender, receiver) = channel::<Job>();
        // If the thread cannot start, the receiver is dropped, every send fails and `schedule`
        // unlinks inline instead: the file still goes.
        let _ = std::thread::Builder::new()
            .name("seglog-deleter".into())
            .spawn(move || {
                for job in receiver {
                    match job {
                        // Gone already (the partition directory was removed) is fine.
                        Job::Unlink(path) => {
                            let _ = std::fs::remove_file(&path);
                        }
                        Job::Barrier(done) => {
                            let _ = done.send(());
                        }
                    }
                }
            });
        Mutex::new(sender)
    })
}

fn send(job: Job) -> Result<(), Job> {
    let sent = match queue().lock() {
        Ok(sender) => sender.send(job),
        Err(poisoned) => poisoned.into_inner().send(job),
    };
    sent.map_err(|failed| failed.0)
}

/// Unlinks `path` soon, off the caller's thread.
pub(crate) fn schedule(path: PathBuf) {
    if let Err(Job::Unlink(path)) = send(Job::Unlink(path)) {
        let _ = std::fs::remove_file(path);
    }
}

/// Blocks until every unlink scheduled before this call is done. Closing a log calls it so that
/// the unlinks of segments it gave up never land after the close (files that views still hold
/// are scheduled later, when their last view goes).
pub(crate) fn wait_for_queued() {
    let (done, answered) = sync_channel(1);
    // Without a thread every unlink ran inline: nothing is queued.
    if send(Job::Barrier(done)).is_ok() {
        let _ = answered.recv();
    }
}
