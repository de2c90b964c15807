//! The blocking operations, each an AsyncTask that runs on the libuv pool so the event loop never
//! waits on disk: open (with recovery), flush (fsync), close, retention deletes, checkpoint I/O.
//! A task's output is the core's `Result`; `resolve` (on the JS thread) turns an error into a JS
//! error with its SEGLOG_* code.

use std::path::PathBuf;
use std::sync::{Arc, Mutex, MutexGuard};

use napi::bindgen_prelude::Buffer;
use napi::{Env, Task};
use napi_derive::napi;
use seglog::checkpoint::{self, TopicPartitionOffset};
use seglog::{InFlight, LoadOptions, Log, LogConfig};

use crate::error::reject;
use crate::js_log::NativeLog;

pub(crate) fn now_ms() -> i64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| d.as_millis() as i64)
}

fn lock(log: &Mutex<Log>) -> seglog::Result<MutexGuard<'_, Log>> {
    log.lock().map_err(|_| seglog::Error::Io {
        context: "lock the log".into(),
        source: std::io::Error::other("an earlier operation panicked while holding the log's lock"),
    })
}

pub struct OpenTask {
    pub(crate) dir: PathBuf,
    pub(crate) config: LogConfig,
    pub(crate) options: LoadOptions,
}

impl Task for OpenTask {
    type Output = seglog::Result<(Log, seglog::LoadReport)>;
    type JsValue = NativeLog;

    fn compute(&mut self) -> napi::Result<Self::Output> {
        Ok(Log::open(
            &self.dir,
            self.config.clone(),
            self.options,
            now_ms(),
        ))
    }

    fn resolve(&mut self, env: Env, output: Self::Output) -> napi::Result<NativeLog> {
        let (log, report) = output.map_err(|e| reject(env, e))?;
        Ok(NativeLog::new(log, report))
    }
}

/// fsync without holding the lock: handles are taken under it, the lock is released for the
/// fsync, and re-taken to move the recovery point.
pub struct FlushTask {
    pub(crate) log: Arc<Mutex<Log>>,
}

impl Task for FlushTask {
    type Output = seglog::Result<()>;
    type JsValue = ();

    fn compute(&mut self) -> napi::Result<Self::Output> {
        Ok((|| {
            let job = lock(&self.log)?.prepare_flush()?;
            job.run()?;
            lock(&self.log)?.complete_flush(&job);
            Ok(())
        })())
    }

    fn resolve(&mut self, env: Env, output: Self::Output) -> napi::Result<()> {
        output.map_err(|e| reject(env, e))
    }
}

/// Result of closing a log.
#[napi(object)]
pub struct CloseResult {
    /// False when a truncation is still deferred by a live view: the next open must recover
    /// (do not write a clean-shutdown marker).
    pub clean: bool,
}

pub struct CloseTask {
    pub(crate) log: Arc<Mutex<Log>>,
}

impl Task for CloseTask {
    type Output = seglog::Result<bool>;
    type JsValue = CloseResult;

    fn compute(&mut self) -> napi::Result<Self::Output> {
        Ok((|| {
            let (job, clean, in_flight) = {
                let mut log = lock(&self.log)?;
                let (job, clean) = log.begin_close()?;
                (job, clean, log.in_flight())
            };
            let ran = job.run();
            // A flush that took its handles before the close, or a retention pass still dropping
            // its segments, may be writing into the directory: the close resolves only after
            // them, so its caller may remove the directory at once.
            in_flight.wait_idle();
            ran?;
            lock(&self.log)?.complete_close(&job);
            Ok(clean)
        })())
    }

    fn resolve(&mut self, env: Env, output: Self::Output) -> napi::Result<CloseResult> {
        output
            .map(|clean| CloseResult { clean })
            .map_err(|e| reject(env, e))
    }
}

/// Waits for a log's work that runs without its lock (see seglog's `in_flight`) to finish.
pub struct IdleTask {
    pub(crate) in_flight: InFlight,
}

impl Task for IdleTask {
    type Output = ();
    type JsValue = ();

    fn compute(&mut self) -> napi::Result<Self::Output> {
        self.in_flight.wait_idle();
        Ok(())
    }

    fn resolve(&mut self, _env: Env, _output: Self::Output) -> napi::Result<()> {
        Ok(())
    }
}

/// Retention: picks and renames the segments under the lock, then drops them here, off the
/// event loop (their files are unlinked once no view holds them).
pub struct RetentionTask {
    pub(crate) log: Arc<Mutex<Log>>,
    pub(crate) now_ms: i64,
    pub(crate) high_watermark: Option<i64>,
}

impl Task for RetentionTask {
    type Output = seglog::Result<u32>;
    type JsValue = u32;

    fn compute(&mut self) -> napi::Result<Self::Output> {
        Ok((|| {
            let (taken, _work) = {
                let mut log = lock(&self.log)?;
                let taken = log.take_old_segments(self.now_ms, self.high_watermark)?;
                (taken, log.start_work())
            };
            // Dropping the segments queues their unlinks; a close waits for them (`_work`).
            let count = taken.len() as u32;
            drop(taken);
            Ok(count)
        })())
    }

    fn resolve(&mut self, env: Env, output: Self::Output) -> napi::Result<u32> {
        output.map_err(|e| reject(env, e))
    }
}

/// One entry of a log dir's offset checkpoint (`recovery-point-offset-checkpoint`,
/// `log-start-offset-checkpoint`).
#[napi(object)]
pub struct OffsetCheckpointEntry {
    pub topic: String,
    pub partition: i32,
    pub offset: i64,
}

pub struct ReadOffsetCheckpointTask {
    pub(crate) path: PathBuf,
}

impl Task for ReadOffsetCheckpointTask {
    type Output = seglog::Result<Option<Vec<TopicPartitionOffset>>>;
    type JsValue = Option<Vec<OffsetCheckpointEntry>>;

    fn compute(&mut self) -> napi::Result<Self::Output> {
        Ok(checkpoint::read_offset_checkpoint(&self.path))
    }

    fn resolve(&mut self, env: Env, output: Self::Output) -> napi::Result<Self::JsValue> {
        let entries = output.map_err(|e| reject(env, e))?;
        Ok(entries.map(|entries| {
            entries
                .into_iter()
                .map(|e| OffsetCheckpointEntry {
                    topic: e.topic,
                    partition: e.partition,
                    offset: e.offset,
                })
                .collect()
        }))
    }
}

pub struct WriteOffsetCheckpointTask {
    pub(crate) path: PathBuf,
    pub(crate) entries: Vec<TopicPartitionOffset>,
}

impl Task for WriteOffsetCheckpointTask {
    type Output = seglog::Result<()>;
    type JsValue = ();

    fn compute(&mut self) -> napi::Result<Self::Output> {
        Ok(checkpoint::write_offset_checkpoint(
            &self.path,
            &self.entries,
        ))
    }

    fn resolve(&mut self, env: Env, output: Self::Output) -> napi::Result<()> {
        output.map_err(|e| reject(env, e))
    }
}

/// Writes a small file durably (temp, fsync, rename, directory fsync). The task owns a
/// reference to the Buffer until it settles.
pub struct WriteFileDurablyTask {
    pub(crate) path: PathBuf,
    pub(crate) data: Buffer,
}

impl Task for WriteFileDurablyTask {
    type Output = seglog::Result<()>;
    type JsValue = ();

    fn compute(&mut self) -> napi::Result<Self::Output> {
        Ok(checkpoint::write_file_durably(&self.path, &self.data))
    }

    fn resolve(&mut self, env: Env, output: Self::Output) -> napi::Result<()> {
        output.map_err(|e| reject(env, e))
    }
}

/// fsyncs a directory (after renames or unlinks in it).
pub struct SyncDirTask {
    pub(crate) path: PathBuf,
}

impl Task for SyncDirTask {
    type Output = seglog::Result<()>;
    type JsValue = ();

    fn compute(&mut self) -> napi::Result<Self::Output> {
        Ok(checkpoint::sync_dir(&self.path))
    }

    fn resolve(&mut self, env: Env, output: Self::Output) -> napi::Result<()> {
        output.map_err(|e| reject(env, e))
    }
}
