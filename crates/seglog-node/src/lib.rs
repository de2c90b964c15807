//! napi-rs glue for seglog. Only conversions live here; the logic is in crates/seglog.

mod cleaner;
mod codec;
mod config;
mod dir_lock;
mod error;
mod js_log;
mod mmap;
mod read_plan;
mod socket;
pub use read_plan::{read_plan_slices, read_plan_to_buffers, ReadPlanSlice};
pub use socket::write_to_socket;
mod tasks;

use napi::bindgen_prelude::{AsyncTask, Buffer};
use napi_derive::napi;

use crate::tasks::{
    OffsetCheckpointEntry, ReadOffsetCheckpointTask, SyncDirTask, WriteFileDurablyTask,
    WriteOffsetCheckpointTask,
};

/// CRC-32C (Castagnoli) of the bytes, as Kafka's RecordBatch v2 uses it.
#[napi(js_name = "crc32c")]
pub fn crc32c(bytes: &[u8]) -> u32 {
    seglog::batch::crc32c(bytes)
}

/// Reads a Kafka offset checkpoint file (`<topic> <partition> <offset>` entries); null if the
/// file does not exist; rejects with SEGLOG_CORRUPT_CHECKPOINT if it is malformed.
#[napi(ts_return_type = "Promise<OffsetCheckpointEntry[] | null>")]
pub fn read_offset_checkpoint(path: String) -> AsyncTask<ReadOffsetCheckpointTask> {
    AsyncTask::new(ReadOffsetCheckpointTask { path: path.into() })
}

/// Writes a Kafka offset checkpoint file durably (temp file, fsync, rename, directory fsync).
#[napi(ts_return_type = "Promise<void>")]
pub fn write_offset_checkpoint(
    path: String,
    entries: Vec<OffsetCheckpointEntry>,
) -> AsyncTask<WriteOffsetCheckpointTask> {
    let entries = entries
        .into_iter()
        .map(|e| seglog::checkpoint::TopicPartitionOffset {
            topic: e.topic,
            partition: e.partition,
            offset: e.offset,
        })
        .collect();
    AsyncTask::new(WriteOffsetCheckpointTask {
        path: path.into(),
        entries,
    })
}

/// Writes `data` to `path` durably (temp file, fsync, rename, directory fsync).
#[napi(ts_return_type = "Promise<void>")]
pub fn write_file_durably(path: String, data: Buffer) -> AsyncTask<WriteFileDurablyTask> {
    AsyncTask::new(WriteFileDurablyTask {
        path: path.into(),
        data,
    })
}

/// fsyncs a directory so that renames and unlinks in it survive a power loss.
#[napi(ts_return_type = "Promise<void>")]
pub fn sync_dir(path: String) -> AsyncTask<SyncDirTask> {
    AsyncTask::new(SyncDirTask { path: path.into() })
}
