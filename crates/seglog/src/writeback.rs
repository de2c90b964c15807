//! Early writeback: the kernel is asked to start writing appended log data to disk a megabyte at
//! a time (writeback.bytes), soon after it is appended, instead of letting dirty pages pile up.
//!
//! Left alone, Linux starts writing dirty pages back only when they reach
//! `vm.dirty_background_ratio` of memory (gigabytes on a machine with a few tens of GiB), and
//! then writes them in one burst during which appends to the page cache stall: measured on the
//! 2-core build VM, appending 64 KiB at 80 MB/s, writes took under 1 ms until 2.3 GB were dirty,
//! then 10-75 ms each for two seconds while 1.1 GB/s went to disk. A broker appends on its event
//! loop, so every such stall is added to every request's latency. Starting writeback of each
//! full megabyte as it fills kept the dirty set near zero and the slowest write at 7.6 ms
//! (RocksDB's `bytes_per_sync` does the same for the same reason).
//!
//! This changes when data reaches the disk, never what is durable when: an append is still
//! acknowledged from the page cache, and only `flush` (fsync) promises durability. The requests
//! go to one background thread because `sync_file_range` may block while the device's queue is
//! full; when the thread falls behind, requests are dropped and the kernel writes those pages
//! back on its own schedule, as it would without this module.

#![allow(unsafe_code)]

use crate::file_records::FileRecords;
use std::sync::mpsc::{sync_channel, SyncSender};
use std::sync::{Arc, Mutex, OnceLock};

/// Writeback is started only for whole pages below the end of the log: the last, partly filled
/// page is appended to again, and writing it back now could make that append wait for the write
/// (on devices that need stable pages) and would write the page twice.
const PAGE_SIZE: u32 = 4096;

/// Requests waiting for the thread (a gigabyte of appends at the default interval); beyond this
/// many, new ones are dropped.
const QUEUE_DEPTH: usize = 1024;

struct Request {
    records: Arc<FileRecords>,
    from: u64,
    len: u64,
}

static QUEUE: OnceLock<Option<Mutex<SyncSender<Request>>>> = OnceLock::new();

fn queue() -> Option<&'static Mutex<SyncSender<Request>>> {
    QUEUE
        .get_or_init(|| {
            let (sender, receiver) = sync_channel::<Request>(QUEUE_DEPTH);
            std::thread::Builder::new()
                .name("seglog-writeback".into())
                .spawn(move || {
                    for request in receiver {
                        start_writeback(&request.records, request.from, request.len);
                    }
                })
                .ok()
                .map(|_| Mutex::new(sender))
        })
        .as_ref()
}

/// Tracks how far one segment's writeback has been started.
#[derive(Debug, Default, Clone, Copy)]
pub(crate) struct WritebackMark {
    started_to: u32,
}

impl WritebackMark {
    /// A mark for a segment that already holds `size` bytes (their writeback is the kernel's).
    pub(crate) fn at(size: u32) -> WritebackMark {
        WritebackMark {
            started_to: size - size % PAGE_SIZE,
        }
    }

    /// Called after an append grew the segment to `size` bytes: starts the writeback of the whole
    /// pages appended since the last start once they reach `interval` bytes (writeback.bytes).
    pub(crate) fn after_append(&mut self, records: &Arc<FileRecords>, size: u32, interval: u32) {
        let end = size - size % PAGE_SIZE;
        if end < self.started_to.saturating_add(interval) {
            return;
        }
        let request = Request {
            records: Arc::clone(records),
            from: u64::from(self.started_to),
            len: u64::from(end - self.started_to),
        };
        self.started_to = end;
        if let Some(queue) = queue() {
            let sender = match queue.lock() {
                Ok(sender) => sender,
                Err(poisoned) => poisoned.into_inner(),
            };
            // Full or gone: the kernel writes these pages back on its own schedule.
            let _ = sender.try_send(request);
        }
    }

    /// Called after a truncation cut the segment to `size` bytes.
    pub(crate) fn after_truncate(&mut self, size: u32) {
        self.started_to = self.started_to.min(size - size % PAGE_SIZE);
    }
}

#[cfg(target_os = "linux")]
fn start_writeback(records: &FileRecords, from: u64, len: u64) {
    use std::os::fd::AsRawFd;
    // SAFETY: sync_file_range reads no memory of ours; the descriptor stays open while `records`
    // is borrowed. Errors are ignored on purpose: this only starts I/O early, and an I/O error is
    // reported by the fsync of a flush, as it would be without it.
    unsafe {
        libc::sync_file_range(
            records.file().as_raw_fd(),
            from as libc::off64_t,
            len as libc::off64_t,
            libc::SYNC_FILE_RANGE_WRITE,
        );
    }
}

#[cfg(not(target_os = "linux"))]
fn start_writeback(_records: &FileRecords, _from: u64, _len: u64) {}

#[cfg(test)]
mod tests {
    use super::*;

    fn records(dir: &std::path::Path) -> Arc<FileRecords> {
        FileRecords::open(&dir.join("00000000000000000000.log"), 0, 0, true).unwrap()
    }

    const WRITEBACK_INTERVAL_BYTES: u32 = 1 << 20;

    #[test]
    fn starts_whole_pages_once_a_megabyte_has_accumulated() {
        let dir = tempfile::tempdir().unwrap();
        let records = records(dir.path());
        let data = vec![7u8; 3 << 20];
        records.write_at(0, &data).unwrap();
        let mut mark = WritebackMark::default();
        mark.after_append(
            &records,
            WRITEBACK_INTERVAL_BYTES - 1,
            WRITEBACK_INTERVAL_BYTES,
        );
        assert_eq!(mark.started_to, 0, "less than a megabyte: nothing started");
        mark.after_append(
            &records,
            WRITEBACK_INTERVAL_BYTES + 100,
            WRITEBACK_INTERVAL_BYTES,
        );
        assert_eq!(
            mark.started_to, WRITEBACK_INTERVAL_BYTES,
            "the partly filled page is left"
        );
        mark.after_append(
            &records,
            2 * WRITEBACK_INTERVAL_BYTES + 5000,
            WRITEBACK_INTERVAL_BYTES,
        );
        assert_eq!(mark.started_to, 2 * WRITEBACK_INTERVAL_BYTES + PAGE_SIZE);
    }

    #[test]
    fn a_truncation_moves_the_mark_back_to_a_page_boundary() {
        let mut mark = WritebackMark::at(3 * WRITEBACK_INTERVAL_BYTES + 10);
        assert_eq!(mark.started_to, 3 * WRITEBACK_INTERVAL_BYTES);
        mark.after_truncate(WRITEBACK_INTERVAL_BYTES + 5000);
        assert_eq!(mark.started_to, WRITEBACK_INTERVAL_BYTES + PAGE_SIZE);
        mark.after_truncate(2 * WRITEBACK_INTERVAL_BYTES);
        assert_eq!(
            mark.started_to,
            WRITEBACK_INTERVAL_BYTES + PAGE_SIZE,
            "never moves forward"
        );
    }
}
