//! `NativeLog`: one partition log, exposed to JS. The TypeScript `PartitionLog` wraps it.
//!
//! Thread-safety: the log sits in `Arc<Mutex<Log>>`. Synchronous methods run on the JS thread
//! and take the lock briefly (appends are page-cache writes: microseconds). Blocking work
//! (open, flush, close, retention) runs as AsyncTasks on the libuv pool; flush releases the lock
//! while it fsyncs, so appends never wait for a disk.

use std::sync::{Arc, Mutex, MutexGuard};

use std::cell::RefCell;

use napi::bindgen_prelude::{AsyncTask, Buffer, BufferSlice, External};
use napi_derive::napi;
use seglog::{AbortedTxn, LoadReport, Log, LogConfig};

use crate::cleaner::{CleanTask, CleanerCancel, JsCleanOptions, JsCleanableStats};
use crate::config::{JsLogConfig, JsRecoveryOptions};
use crate::error::{poisoned, to_js};
use crate::tasks::{now_ms, CloseTask, FlushTask, IdleTask, OpenTask, RetentionTask};

/// Producer fields of one stored batch (to rebuild idempotent-producer state at start).
#[napi(object)]
pub struct BatchHeaderInfo {
    pub base_offset: i64,
    pub last_offset: i64,
    pub producer_id: i64,
    pub producer_epoch: i32,
    pub base_sequence: i32,
    /// baseSequence + lastOffsetDelta (wrapping like Kafka), -1 without a sequence.
    pub last_sequence: i32,
    pub max_timestamp: i64,
    pub is_transactional: bool,
    pub is_control: bool,
    pub partition_leader_epoch: i32,
}

/// One entry of a segment's aborted-transaction index (`.txnindex`).
#[napi(object)]
pub struct AbortedTxnInfo {
    pub producer_id: i64,
    pub first_offset: i64,
    pub last_offset: i64,
    pub last_stable_offset: i64,
}

#[napi(object)]
pub struct TimestampAndOffset {
    pub timestamp: i64,
    pub offset: i64,
}

#[napi(object)]
pub struct EpochEndOffset {
    /// The largest known epoch at or below the requested one, or -1.
    pub epoch: i32,
    /// Where that epoch ends (the next epoch's start offset, or the log end offset), or -1.
    pub end_offset: i64,
}

/// What opening found: how much was scanned, rebuilt and cut.
#[napi(object)]
pub struct OpenReport {
    pub segments: u32,
    pub recovered_segments: u32,
    pub rebuilt_indexes: u32,
    pub truncated_bytes: i64,
    pub deleted_segments: u32,
}

#[napi]
pub struct NativeLog {
    inner: Arc<Mutex<Log>>,
    dir: String,
    report: LoadReport,
    /// Where appends and reads put their results (see `set_result_buffer`).
    results: RefCell<Option<Buffer>>,
}

impl NativeLog {
    pub(crate) fn new(log: Log, report: LoadReport) -> NativeLog {
        let dir = log.dir().display().to_string();
        NativeLog {
            inner: Arc::new(Mutex::new(log)),
            dir,
            report,
            results: RefCell::new(None),
        }
    }

    /// Writes result fields (native-endian f64) into the result buffer.
    fn write_results(&self, fields: &[f64]) -> napi::Result<(), String> {
        let mut results = self.results.borrow_mut();
        let Some(buffer) = results.as_mut() else {
            return Err(napi::Error::new(
                "SEGLOG_NAPI_INVALID_ARG".to_string(),
                "setResultBuffer must be called before appends and reads".to_string(),
            ));
        };
        for (slot, value) in buffer.as_mut().chunks_exact_mut(8).zip(fields) {
            slot.copy_from_slice(&value.to_ne_bytes());
        }
        Ok(())
    }

    fn lock(&self) -> napi::Result<MutexGuard<'_, Log>, String> {
        self.inner.lock().map_err(|_| poisoned(&self.dir))
    }
}

#[napi]
impl NativeLog {
    /// Opens (or creates) the partition directory `dir` on the libuv pool, recovering when
    /// `recovery.cleanShutdown` is not true.
    #[napi(ts_return_type = "Promise<NativeLog>")]
    pub fn open(
        dir: String,
        config: Option<JsLogConfig>,
        recovery: Option<JsRecoveryOptions>,
    ) -> napi::Result<AsyncTask<OpenTask>, String> {
        let config = LogConfig::try_from(&config.unwrap_or_default()).map_err(to_js)?;
        Ok(AsyncTask::new(OpenTask {
            dir: dir.into(),
            config,
            options: recovery.unwrap_or_default().into(),
        }))
    }

    /// Gives the log the buffer (at least 48 bytes, shared with a Float64Array on the JS side)
    /// where appends and reads leave their results. Called once, before any append or read.
    #[napi]
    pub fn set_result_buffer(&self, buffer: Buffer) -> napi::Result<(), String> {
        if buffer.len() < 48 {
            return Err(napi::Error::new(
                "SEGLOG_NAPI_INVALID_ARG".to_string(),
                "the result buffer needs 48 bytes".to_string(),
            ));
        }
        *self.results.borrow_mut() = Some(buffer);
        Ok(())
    }

    /// Validates, assigns offsets in place (baseOffset, partitionLeaderEpoch) and appends.
    /// `flags`: bit 0 = allow a non-zero client baseOffset, bit 1 = allow control batches,
    /// bit 2 = refuse records without a key (a compacted topic).
    /// The result goes into the result buffer (6 fields: baseOffset, lastOffset, logAppendTime,
    /// maxTimestamp, recordCount, flushNeeded) instead of a new JS object: building an object
    /// through N-API costs a dozen calls, more than the page-cache write itself for small
    /// batches (measured with bench/micro/storage/append.bench.ts).
    #[napi]
    pub fn append_as_leader(
        &self,
        mut records: BufferSlice<'_>,
        leader_epoch: i32,
        flags: u32,
    ) -> napi::Result<(), String> {
        let options = seglog::LeaderAppendOptions {
            require_zero_base_offset: flags & APPEND_ALLOW_NON_ZERO_BASE_OFFSET == 0,
            allow_control_batches: flags & APPEND_ALLOW_CONTROL_BATCHES != 0,
            require_keys: flags & APPEND_REQUIRE_KEYS != 0,
        };
        let info = self
            .lock()?
            .append_as_leader(&mut records, leader_epoch, options, now_ms())
            .map_err(to_js)?;
        self.write_results(&append_fields(&info))
    }

    /// Appends batches replicated from the leader, keeping their offsets; result as for
    /// `appendAsLeader`.
    #[napi]
    pub fn append_as_follower(&self, mut records: BufferSlice<'_>) -> napi::Result<(), String> {
        let info = self
            .lock()?
            .append_as_follower(&mut records, now_ms())
            .map_err(to_js)?;
        self.write_results(&append_fields(&info))
    }

    /// Closes the files of old segments not read since the previous call and held by nothing
    /// else (seglog's `Log::release_idle_segments`); returns how many old segments still hold
    /// a file. Quick: no I/O but close(2) and munmap(2).
    #[napi]
    pub fn release_idle_segments(&self) -> napi::Result<u32, String> {
        Ok(self.lock()?.release_idle_segments() as u32)
    }

    /// Plans a read; the plan's byte length goes into the result buffer so the TypeScript
    /// ReadPlan gets it without another call. `upper_bound` < 0 means the log end.
    #[napi(ts_return_type = "ExternalObject<'ReadPlan'>")]
    pub fn read(
        &self,
        offset: i64,
        max_bytes: i64,
        upper_bound: i64,
    ) -> napi::Result<External<seglog::ReadPlan>, String> {
        let upper_bound = (upper_bound >= 0).then_some(upper_bound);
        let plan = self
            .lock()?
            .read(offset, max_bytes.max(0) as u64, upper_bound)
            .map_err(to_js)?;
        self.write_results(&[plan.byte_length() as f64])?;
        Ok(External::new(plan))
    }

    #[napi]
    pub fn read_batch_headers(
        &self,
        from_offset: i64,
        max_batches: u32,
    ) -> napi::Result<Vec<BatchHeaderInfo>, String> {
        let headers = self
            .lock()?
            .read_batch_headers(from_offset, max_batches as usize)
            .map_err(to_js)?;
        Ok(headers
            .into_iter()
            .map(|h| BatchHeaderInfo {
                base_offset: h.base_offset,
                last_offset: h.last_offset,
                producer_id: h.producer_id,
                producer_epoch: h.producer_epoch.into(),
                base_sequence: h.base_sequence,
                last_sequence: h.last_sequence,
                max_timestamp: h.max_timestamp,
                is_transactional: h.is_transactional,
                is_control: h.is_control,
                partition_leader_epoch: h.partition_leader_epoch,
            })
            .collect())
    }

    /// Records an aborted transaction in the `.txnindex` of the segment holding its marker;
    /// false when already there. A page-cache write, as appends are.
    #[napi]
    pub fn append_aborted_txn(
        &self,
        producer_id: i64,
        first_offset: i64,
        last_offset: i64,
        last_stable_offset: i64,
    ) -> napi::Result<bool, String> {
        self.lock()?
            .append_aborted_txn(AbortedTxn {
                producer_id,
                first_offset,
                last_offset,
                last_stable_offset,
            })
            .map_err(to_js)
    }

    /// The aborted transactions overlapping [fetchOffset, upperBound), for read_committed
    /// fetches. In-memory entries only: no disk read.
    #[napi]
    pub fn collect_aborted_txns(
        &self,
        fetch_offset: i64,
        upper_bound: i64,
    ) -> napi::Result<Vec<AbortedTxnInfo>, String> {
        let found = self
            .lock()?
            .collect_aborted_txns(fetch_offset, upper_bound)
            .map_err(to_js)?;
        Ok(found
            .into_iter()
            .map(|t| AbortedTxnInfo {
                producer_id: t.producer_id,
                first_offset: t.first_offset,
                last_offset: t.last_offset,
                last_stable_offset: t.last_stable_offset,
            })
            .collect())
    }

    #[napi]
    pub fn offset_for_timestamp(
        &self,
        timestamp: i64,
    ) -> napi::Result<Option<TimestampAndOffset>, String> {
        let found = self
            .lock()?
            .offset_for_timestamp(timestamp)
            .map_err(to_js)?;
        Ok(found.map(|t| TimestampAndOffset {
            timestamp: t.timestamp,
            offset: t.offset,
        }))
    }

    #[napi]
    pub fn max_timestamp(&self) -> napi::Result<Option<TimestampAndOffset>, String> {
        Ok(self.lock()?.max_timestamp().map(|t| TimestampAndOffset {
            timestamp: t.timestamp,
            offset: t.offset,
        }))
    }

    #[napi]
    pub fn end_offset_for_epoch(&self, epoch: i32) -> napi::Result<EpochEndOffset, String> {
        let e = self.lock()?.end_offset_for_epoch(epoch);
        Ok(EpochEndOffset {
            epoch: e.epoch,
            end_offset: e.end_offset,
        })
    }

    #[napi(getter)]
    pub fn log_start_offset(&self) -> napi::Result<i64, String> {
        Ok(self.lock()?.log_start_offset())
    }

    #[napi(getter)]
    pub fn log_end_offset(&self) -> napi::Result<i64, String> {
        Ok(self.lock()?.log_end_offset())
    }

    #[napi(getter)]
    pub fn recovery_point(&self) -> napi::Result<i64, String> {
        Ok(self.lock()?.recovery_point())
    }

    #[napi(getter)]
    pub fn size(&self) -> napi::Result<i64, String> {
        Ok(self.lock()?.size() as i64)
    }

    #[napi(getter)]
    pub fn latest_epoch(&self) -> napi::Result<Option<i32>, String> {
        Ok(self.lock()?.latest_epoch())
    }

    #[napi(getter)]
    pub fn segment_base_offsets(&self) -> napi::Result<Vec<i64>, String> {
        Ok(self.lock()?.segment_base_offsets())
    }

    #[napi(getter)]
    pub fn open_report(&self) -> OpenReport {
        let r = self.report;
        OpenReport {
            segments: r.segments as u32,
            recovered_segments: r.recovered_segments as u32,
            rebuilt_indexes: r.rebuilt_indexes as u32,
            truncated_bytes: r.truncated_bytes as i64,
            deleted_segments: r.deleted_segments as u32,
        }
    }

    #[napi]
    pub fn truncate_to(&self, offset: i64) -> napi::Result<(), String> {
        self.lock()?.truncate_to(offset, now_ms()).map_err(to_js)
    }

    #[napi]
    pub fn truncate_fully_and_start_at(&self, offset: i64) -> napi::Result<(), String> {
        self.lock()?
            .truncate_fully_and_start_at(offset, now_ms())
            .map_err(to_js)
    }

    #[napi]
    pub fn delete_records_before(&self, offset: i64) -> napi::Result<i64, String> {
        self.lock()?.delete_records_before(offset).map_err(to_js)
    }

    /// Retention pass on the libuv pool; resolves to the number of segments deleted.
    #[napi(ts_return_type = "Promise<number>")]
    pub fn delete_old_segments(
        &self,
        now_ms: i64,
        high_watermark: Option<i64>,
    ) -> AsyncTask<RetentionTask> {
        AsyncTask::new(RetentionTask {
            log: Arc::clone(&self.inner),
            now_ms,
            high_watermark,
        })
    }

    #[napi(ts_return_type = "Promise<void>")]
    pub fn flush(&self) -> AsyncTask<FlushTask> {
        AsyncTask::new(FlushTask {
            log: Arc::clone(&self.inner),
        })
    }

    #[napi(ts_return_type = "Promise<CloseResult>")]
    pub fn close(&self) -> AsyncTask<CloseTask> {
        AsyncTask::new(CloseTask {
            log: Arc::clone(&self.inner),
        })
    }

    /// Closes without flushing (the partition is being deleted): every method fails from now
    /// on. The promise resolves once the work already running without the lock (a flush that
    /// took its handles, a retention pass dropping segments) has finished: after that nothing of
    /// the log writes into its directory, which the caller may then rename or remove.
    #[napi(ts_return_type = "Promise<void>")]
    pub fn abandon(&self) -> napi::Result<AsyncTask<IdleTask>, String> {
        let mut log = self.lock()?;
        log.abandon();
        Ok(AsyncTask::new(IdleTask {
            in_flight: log.in_flight(),
        }))
    }

    /// How dirty the log is for the cleaner (sizes from memory; quick).
    #[napi]
    pub fn cleanable_stats(
        &self,
        options: JsCleanOptions,
    ) -> napi::Result<JsCleanableStats, String> {
        let options = seglog::cleaner::CleanOptions::from(&options);
        Ok(seglog::cleaner::cleanable_stats(&*self.lock()?, &options).into())
    }

    /// One cleaning (log compaction) on the libuv pool; `cancel` stops it between batches.
    #[napi(ts_return_type = "Promise<JsCleanStats>")]
    pub fn clean(&self, options: JsCleanOptions, cancel: &CleanerCancel) -> AsyncTask<CleanTask> {
        AsyncTask::new(CleanTask {
            log: Arc::clone(&self.inner),
            options: (&options).into(),
            cancel: Arc::clone(&cancel.flag),
        })
    }

    #[napi]
    pub fn update_config(&self, config: JsLogConfig) -> napi::Result<(), String> {
        let config = LogConfig::try_from(&config).map_err(to_js)?;
        self.lock()?.update_config(config).map_err(to_js)
    }
}

const APPEND_ALLOW_NON_ZERO_BASE_OFFSET: u32 = 1;
const APPEND_ALLOW_CONTROL_BATCHES: u32 = 2;
const APPEND_REQUIRE_KEYS: u32 = 4;
fn append_fields(info: &seglog::AppendInfo) -> [f64; 6] {
    [
        info.base_offset as f64,
        info.last_offset as f64,
        info.log_append_time as f64,
        info.max_timestamp as f64,
        info.record_count as f64,
        if info.flush_needed { 1.0 } else { 0.0 },
    ]
}
