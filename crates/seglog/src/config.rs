//! Per-log settings, named after Kafka's topic-level configs, with Kafka's defaults.

use crate::error::{Error, Result};

/// How the broker sets batch timestamps (Kafka's message.timestamp.type).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TimestampType {
    /// Keep the producer's timestamps.
    CreateTime,
    /// Overwrite maxTimestamp with the append time and set attribute bit 3.
    LogAppendTime,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LogConfig {
    /// segment.bytes: roll when the active segment would grow past this.
    pub segment_bytes: u32,
    /// segment.ms: roll when the active segment's first batch is this old.
    pub segment_ms: i64,
    /// index.interval.bytes: bytes between offset index entries.
    pub index_interval_bytes: u32,
    /// max.message.bytes: largest batch a leader append accepts.
    pub max_message_bytes: u32,
    /// retention.ms: delete segments whose newest batch is older; -1 keeps them forever.
    pub retention_ms: i64,
    /// retention.bytes: delete oldest segments while the log is larger; -1 means no limit.
    pub retention_bytes: i64,
    /// flush.messages: fsync after this many messages; `None` leaves writeback to the OS.
    pub flush_messages: Option<u64>,
    /// flush.ms: fsync when the oldest unflushed append is this old; `None` = never.
    pub flush_ms: Option<i64>,
    /// message.timestamp.type.
    pub message_timestamp_type: TimestampType,
    /// writeback.bytes (Samsa's own; Kafka has none): start the kernel's writeback of appended
    /// data each time this many bytes have accumulated (see `writeback`); `None` leaves it to
    /// the kernel's dirty-page thresholds. Changes when data reaches the disk, not durability.
    pub writeback_bytes: Option<u32>,
}

pub const DAY_MS: i64 = 24 * 60 * 60 * 1000;

impl Default for LogConfig {
    fn default() -> LogConfig {
        LogConfig {
            segment_bytes: 1 << 30,
            segment_ms: 7 * DAY_MS,
            index_interval_bytes: 4096,
            max_message_bytes: 1_048_588,
            retention_ms: 7 * DAY_MS,
            retention_bytes: -1,
            flush_messages: None,
            flush_ms: None,
            message_timestamp_type: TimestampType::CreateTime,
            writeback_bytes: Some(1 << 20),
        }
    }
}

impl LogConfig {
    /// Checks the ranges Kafka enforces (and the 2 GiB limit of 32-bit index positions).
    pub fn validate(&self) -> Result<()> {
        let invalid = |name, value: i64, reason| {
            Err(Error::InvalidConfig {
                name,
                value,
                reason,
            })
        };
        if self.segment_bytes < 14 || self.segment_bytes > i32::MAX as u32 {
            return invalid(
                "segment.bytes",
                self.segment_bytes.into(),
                "must be in [14, 2147483647]",
            );
        }
        if self.segment_ms < 1 {
            return invalid("segment.ms", self.segment_ms, "must be at least 1");
        }
        if self.retention_ms < -1 {
            return invalid(
                "retention.ms",
                self.retention_ms,
                "must be -1 (forever) or at least 0",
            );
        }
        if self.retention_bytes < -1 {
            return invalid(
                "retention.bytes",
                self.retention_bytes,
                "must be -1 (no limit) or at least 0",
            );
        }
        if self.flush_messages == Some(0) {
            return invalid("flush.messages", 0, "must be at least 1, or unset");
        }
        if let Some(bytes) = self.writeback_bytes {
            if bytes < 4096 || bytes > i32::MAX as u32 {
                return invalid(
                    "writeback.bytes",
                    bytes.into(),
                    "must be in [4096, 2147483647], or unset",
                );
            }
        }
        if let Some(ms) = self.flush_ms {
            if ms < 0 {
                return invalid("flush.ms", ms, "must be at least 0, or unset");
            }
        }
        Ok(())
    }
}
