//! The cleaner's face in JS: option and result objects, the cancel flag, and the AsyncTask that
//! runs one cleaning (seglog::cleaner::clean) on the libuv pool. The cleaning takes the log's
//! lock only to snapshot and to swap, so appends and fetches on the JS thread never wait for it;
//! it holds one pool thread while it runs (log.cleaner.threads bounds how many).

use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};

use napi::{Env, Task};
use napi_derive::napi;
use seglog::cleaner::{self, CleanOptions, CleanStats, CleanableStats, StopAfter};
use seglog::Log;

use crate::error::reject;
use crate::tasks::now_ms;

/// What one cleaning may do (Kafka's names in the comments).
#[napi(object)]
#[derive(Clone)]
pub struct JsCleanOptions {
    /// The log's entry in cleaner-offset-checkpoint: offsets below it are clean.
    pub first_dirty_offset: i64,
    /// Nothing at or above it is cleaned (the high watermark / last stable offset).
    pub upper_bound: Option<i64>,
    /// delete.retention.ms.
    pub delete_retention_ms: i64,
    /// min.compaction.lag.ms.
    pub min_compaction_lag_ms: i64,
    /// This cleaning's share of log.cleaner.dedupe.buffer.size.
    pub dedupe_buffer_bytes: i64,
    /// This cleaning's share of log.cleaner.io.max.bytes.per.second.
    pub io_max_bytes_per_second: f64,
    /// The clock (default: now).
    pub now_ms: Option<i64>,
}

impl From<&JsCleanOptions> for CleanOptions {
    fn from(js: &JsCleanOptions) -> CleanOptions {
        CleanOptions {
            first_dirty_offset: js.first_dirty_offset,
            upper_bound: js.upper_bound,
            delete_retention_ms: js.delete_retention_ms,
            min_compaction_lag_ms: js.min_compaction_lag_ms,
            dedupe_buffer_bytes: js.dedupe_buffer_bytes.max(0) as usize,
            io_max_bytes_per_second: js.io_max_bytes_per_second,
            now_ms: js.now_ms.unwrap_or_else(now_ms),
            stop_after: StopAfter::Nothing,
        }
    }
}

#[napi(object)]
pub struct JsCleanableStats {
    pub first_dirty_offset: i64,
    pub first_uncleanable_offset: i64,
    pub clean_bytes: i64,
    pub dirty_bytes: i64,
    /// Largest timestamp of the first dirty segment, -1 if none (for max.compaction.lag.ms).
    pub first_dirty_timestamp: i64,
}

impl From<CleanableStats> for JsCleanableStats {
    fn from(s: CleanableStats) -> JsCleanableStats {
        JsCleanableStats {
            first_dirty_offset: s.first_dirty_offset,
            first_uncleanable_offset: s.first_uncleanable_offset,
            clean_bytes: s.clean_bytes as i64,
            dirty_bytes: s.dirty_bytes as i64,
            first_dirty_timestamp: s.first_dirty_timestamp,
        }
    }
}

#[napi(object)]
pub struct JsCleanStats {
    /// The new cleaner checkpoint for the log.
    pub end_offset: i64,
    pub segments_read: i64,
    pub segments_written: i64,
    pub bytes_read: i64,
    pub bytes_written: i64,
    pub records_read: i64,
    pub records_kept: i64,
    pub batches_removed: i64,
    /// The log changed under the cleaning (truncation, retention): nothing more was swapped.
    pub interrupted: bool,
    pub cancelled: bool,
    pub duration_ms: i64,
}

impl From<CleanStats> for JsCleanStats {
    fn from(s: CleanStats) -> JsCleanStats {
        JsCleanStats {
            end_offset: s.end_offset,
            segments_read: s.segments_read as i64,
            segments_written: s.segments_written as i64,
            bytes_read: s.bytes_read as i64,
            bytes_written: s.bytes_written as i64,
            records_read: s.records_read as i64,
            records_kept: s.records_kept as i64,
            batches_removed: s.batches_removed as i64,
            interrupted: s.interrupted,
            cancelled: s.cancelled,
            duration_ms: s.duration_ms as i64,
        }
    }
}

/// Stops a running cleaning between batches (and wakes its throttle) when `cancel` is called.
#[napi]
pub struct CleanerCancel {
    pub(crate) flag: Arc<AtomicBool>,
}

#[napi]
impl CleanerCancel {
    #[napi(constructor)]
    #[allow(clippy::new_without_default)]
    pub fn new() -> CleanerCancel {
        CleanerCancel {
            flag: Arc::new(AtomicBool::new(false)),
        }
    }

    #[napi]
    pub fn cancel(&self) {
        self.flag.store(true, Ordering::Relaxed);
    }
}

pub struct CleanTask {
    pub(crate) log: Arc<Mutex<Log>>,
    pub(crate) options: CleanOptions,
    pub(crate) cancel: Arc<AtomicBool>,
}

impl Task for CleanTask {
    type Output = seglog::Result<CleanStats>;
    type JsValue = JsCleanStats;

    fn compute(&mut self) -> napi::Result<Self::Output> {
        // Counted as the log's work in flight, so a close waits for the swap to finish.
        let ticket = match self.log.lock() {
            Ok(log) => log.start_work(),
            Err(_) => return Ok(Err(poisoned())),
        };
        let result = cleaner::clean(&self.log, &self.options, &self.cancel);
        drop(ticket);
        Ok(result)
    }

    fn resolve(&mut self, env: Env, output: Self::Output) -> napi::Result<JsCleanStats> {
        output.map(JsCleanStats::from).map_err(|e| reject(env, e))
    }
}

fn poisoned() -> seglog::Error {
    seglog::Error::Io {
        context: "lock the log".into(),
        source: std::io::Error::other("an earlier operation panicked while holding the log's lock"),
    }
}
