//! Errors of the segment log. Each variant names one failed check or condition and carries the
//! values that were seen, so a message can say exactly what was wrong. `code()` gives the stable
//! `SEGLOG_*` string that the Node glue puts on the JS error.

use std::io;
use std::path::PathBuf;

/// Result type of the crate.
pub type Result<T> = std::result::Result<T, Error>;

#[derive(Debug, thiserror::Error)]
pub enum Error {
    /// The CRC-32C stored in a batch does not match its bytes.
    #[error("batch at byte {position} of the record set failed its CRC-32C check: stored {stored:#010x}, computed {computed:#010x}")]
    CorruptMessage {
        position: usize,
        stored: u32,
        computed: u32,
    },

    /// The magic byte is not 2 (only RecordBatch v2 is accepted).
    #[error(
        "batch at byte {position} of the record set has magic {magic}, expected 2 (RecordBatch v2)"
    )]
    InvalidMagic { position: usize, magic: i8 },

    /// A structural check on a batch failed; `check` says which one.
    #[error("batch at byte {position} of the record set is invalid: {check}")]
    InvalidBatch { position: usize, check: BatchCheck },

    /// The record set passed to append has no bytes.
    #[error("the record set is empty: append needs at least one RecordBatch v2")]
    EmptyRecordSet,

    /// One batch is larger than max.message.bytes.
    #[error("batch at byte {position} of the record set is {size} bytes, larger than max.message.bytes = {max}")]
    MessageTooLarge {
        position: usize,
        size: usize,
        max: usize,
    },

    /// The whole record set of one append does not fit in a segment.
    #[error("the record set is {size} bytes, larger than segment.bytes = {segment_bytes}")]
    RecordSetTooLarge { size: usize, segment_bytes: u32 },

    /// A follower append whose first offset is below the log end offset.
    #[error("follower append starts at offset {first_offset}, below the log end offset {log_end_offset}")]
    UnexpectedAppendOffset {
        first_offset: i64,
        log_end_offset: i64,
    },

    /// An offset outside [log start offset, log end offset].
    #[error(
        "offset {offset} is out of range: the log holds [{log_start_offset}, {log_end_offset})"
    )]
    OffsetOutOfRange {
        offset: i64,
        log_start_offset: i64,
        log_end_offset: i64,
    },

    /// A read plan refers to bytes that a truncation has since removed from the file.
    #[error("segment {base_offset} was truncated to {file_size} bytes after the read plan was made (it needs bytes up to {needed}); read again")]
    TruncatedUnderPlan {
        base_offset: i64,
        needed: u64,
        file_size: u64,
    },

    /// A configuration value is out of its valid range.
    #[error("invalid log config {name} = {value}: {reason}")]
    InvalidConfig {
        name: &'static str,
        value: i64,
        reason: &'static str,
    },

    /// A checkpoint file does not follow the version/count/entries format.
    #[error("checkpoint file {path} is corrupt at line {line}: {reason}")]
    CorruptCheckpoint {
        path: PathBuf,
        line: usize,
        reason: String,
    },

    /// A record without a key sent to a compacted topic (Kafka's message, then the details).
    #[error("Compacted topic cannot accept message without key: record {record} of the batch at byte {position} has a null key. Give every record a key, or produce to a topic whose cleanup.policy does not include compact")]
    RecordWithoutKey { position: usize, record: i32 },

    /// The log was closed; no operation is possible any more.
    #[error("the log at {dir} is closed")]
    Closed { dir: PathBuf },

    /// Another process holds the log directory's `.lock`.
    #[error("another process is using the log directory {dir} (it holds {dir}/.lock): stop it, or use another directory")]
    DirLocked { dir: PathBuf },

    /// An operating-system error, with what was being done.
    #[error("{context}: {source}")]
    Io {
        context: String,
        #[source]
        source: io::Error,
    },
}

/// The structural checks of a RecordBatch v2 (besides magic, CRC and size, which have variants).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum BatchCheck {
    #[error("only {remaining} bytes remain, fewer than the 61-byte batch header")]
    ShorterThanHeader { remaining: usize },
    #[error("batchLength {batch_length} is below the minimum of 49")]
    LengthBelowMinimum { batch_length: i32 },
    #[error(
        "batchLength {batch_length} runs past the end of the buffer ({remaining} bytes remain after the length field)"
    )]
    LengthPastBuffer { batch_length: i32, remaining: usize },
    #[error(
        "lastOffsetDelta {last_offset_delta} does not match recordsCount {records_count} (it must be recordsCount - 1)"
    )]
    OffsetDeltaMismatch {
        last_offset_delta: i32,
        records_count: i32,
    },
    #[error("baseOffset must be 0 in a batch from a client, found {base_offset}")]
    NonZeroBaseOffset { base_offset: i64 },
    #[error("clients may not write control batches")]
    ControlBatchFromClient,
    #[error("producerId {producer_id} is set but baseSequence is {base_sequence}")]
    MissingSequence {
        producer_id: i64,
        base_sequence: i32,
    },
    #[error("baseOffset {base_offset} is not above the previous batch's last offset {previous_last_offset}")]
    NonMonotonicOffset {
        base_offset: i64,
        previous_last_offset: i64,
    },
}

impl Error {
    /// The stable code that JS callers match on: one per check, so no caller ever needs the
    /// message text to tell two failures apart (the message is for people).
    pub fn code(&self) -> &'static str {
        match self {
            Error::CorruptMessage { .. } => "SEGLOG_CORRUPT_MESSAGE",
            Error::InvalidMagic { .. } => "SEGLOG_INVALID_MAGIC",
            Error::InvalidBatch { check, .. } => check.code(),
            Error::EmptyRecordSet => "SEGLOG_EMPTY_RECORD_SET",
            Error::RecordWithoutKey { .. } => "SEGLOG_COMPACTED_TOPIC_MISSING_KEY",
            Error::UnexpectedAppendOffset { .. } => "SEGLOG_UNEXPECTED_APPEND_OFFSET",
            Error::MessageTooLarge { .. } => "SEGLOG_MESSAGE_TOO_LARGE",
            Error::RecordSetTooLarge { .. } => "SEGLOG_RECORD_SET_TOO_LARGE",
            Error::OffsetOutOfRange { .. } | Error::TruncatedUnderPlan { .. } => {
                "SEGLOG_OFFSET_OUT_OF_RANGE"
            }
            Error::InvalidConfig { .. } => "SEGLOG_INVALID_CONFIG",
            Error::CorruptCheckpoint { .. } => "SEGLOG_CORRUPT_CHECKPOINT",
            Error::Closed { .. } => "SEGLOG_CLOSED",
            Error::DirLocked { .. } => "SEGLOG_DIR_LOCKED",
            Error::Io { .. } => "SEGLOG_IO",
        }
    }

    /// Wraps an I/O error with what was being done and on which path.
    pub(crate) fn io(context: impl Into<String>, source: io::Error) -> Error {
        Error::Io {
            context: context.into(),
            source,
        }
    }
}

impl BatchCheck {
    /// The stable code of this check (see `Error::code`).
    pub fn code(&self) -> &'static str {
        match self {
            BatchCheck::ShorterThanHeader { .. } => "SEGLOG_BATCH_SHORTER_THAN_HEADER",
            BatchCheck::LengthBelowMinimum { .. } => "SEGLOG_BATCH_LENGTH_BELOW_MINIMUM",
            BatchCheck::LengthPastBuffer { .. } => "SEGLOG_BATCH_LENGTH_PAST_BUFFER",
            BatchCheck::OffsetDeltaMismatch { .. } => "SEGLOG_BATCH_OFFSET_DELTA_MISMATCH",
            BatchCheck::NonZeroBaseOffset { .. } => "SEGLOG_BATCH_NONZERO_BASE_OFFSET",
            BatchCheck::ControlBatchFromClient => "SEGLOG_BATCH_CONTROL_FROM_CLIENT",
            BatchCheck::MissingSequence { .. } => "SEGLOG_BATCH_MISSING_SEQUENCE",
            BatchCheck::NonMonotonicOffset { .. } => "SEGLOG_BATCH_NON_MONOTONIC_OFFSET",
        }
    }
}

/// Adds context to `io::Result`s: `file.sync_data().context(|| format!("fsync {path}"))`.
pub(crate) trait IoContext<T> {
    fn context<F: FnOnce() -> String>(self, what: F) -> Result<T>;
}

impl<T> IoContext<T> for io::Result<T> {
    fn context<F: FnOnce() -> String>(self, what: F) -> Result<T> {
        self.map_err(|source| Error::io(what(), source))
    }
}
