//! JS-facing option objects and their conversion into the core's types (the glue never holds
//! logic of its own beyond these conversions).

use napi_derive::napi;
use seglog::error::Error;
use seglog::{LogConfig, TimestampType};

/// Log settings; each is optional and defaults to Kafka's default. Names are the camelCase of
/// Kafka's topic configs (segment.bytes → segmentBytes).
#[napi(object)]
#[derive(Default, Clone)]
pub struct JsLogConfig {
    /// segment.bytes (default 1073741824): roll the active segment before it grows past this.
    pub segment_bytes: Option<i64>,
    /// segment.ms (default 604800000): roll when the active segment's first batch is this old.
    pub segment_ms: Option<i64>,
    /// index.interval.bytes (default 4096): bytes between offset index entries.
    pub index_interval_bytes: Option<i64>,
    /// max.message.bytes (default 1048588): largest batch a leader append accepts.
    pub max_message_bytes: Option<i64>,
    /// retention.ms (default 604800000, -1 = forever).
    pub retention_ms: Option<i64>,
    /// retention.bytes (default -1 = no limit).
    pub retention_bytes: Option<i64>,
    /// flush.messages (default unset: the OS writes back).
    pub flush_messages: Option<i64>,
    /// flush.ms (default unset).
    pub flush_ms: Option<i64>,
    /// message.timestamp.type: 'CreateTime' (default) or 'LogAppendTime'.
    pub message_timestamp_type: Option<String>,
    /// writeback.bytes (Samsa's own, default 1048576): start writing appended data back to disk
    /// each time this many bytes accumulate; 0 leaves writeback to the kernel.
    pub writeback_bytes: Option<i64>,
}

fn in_range(name: &'static str, value: i64, min: i64, max: i64) -> Result<i64, Error> {
    if value < min || value > max {
        return Err(Error::InvalidConfig {
            name,
            value,
            reason: "out of range",
        });
    }
    Ok(value)
}

impl TryFrom<&JsLogConfig> for LogConfig {
    type Error = Error;

    fn try_from(js: &JsLogConfig) -> Result<LogConfig, Error> {
        let mut config = LogConfig::default();
        if let Some(v) = js.segment_bytes {
            config.segment_bytes = in_range("segment.bytes", v, 14, i32::MAX.into())? as u32;
        }
        if let Some(v) = js.segment_ms {
            config.segment_ms = v;
        }
        if let Some(v) = js.index_interval_bytes {
            config.index_interval_bytes =
                in_range("index.interval.bytes", v, 0, i32::MAX.into())? as u32;
        }
        if let Some(v) = js.max_message_bytes {
            config.max_message_bytes = in_range("max.message.bytes", v, 0, i32::MAX.into())? as u32;
        }
        if let Some(v) = js.retention_ms {
            config.retention_ms = v;
        }
        if let Some(v) = js.retention_bytes {
            config.retention_bytes = v;
        }
        if let Some(v) = js.flush_messages {
            config.flush_messages = Some(in_range("flush.messages", v, 1, i64::MAX)? as u64);
        }
        config.flush_ms = js.flush_ms;
        if let Some(v) = js.writeback_bytes {
            config.writeback_bytes = match in_range("writeback.bytes", v, 0, i32::MAX.into())? {
                0 => None,
                bytes => Some(bytes as u32),
            };
        }
        match js.message_timestamp_type.as_deref() {
            None | Some("CreateTime") => {}
            Some("LogAppendTime") => config.message_timestamp_type = TimestampType::LogAppendTime,
            Some(_) => {
                return Err(Error::InvalidConfig {
                    name: "message.timestamp.type",
                    value: -1,
                    reason: "must be CreateTime or LogAppendTime",
                })
            }
        }
        config.validate()?;
        Ok(config)
    }
}

/// How the log was last closed, from the log dir's clean-shutdown marker and checkpoints.
#[napi(object)]
#[derive(Default, Clone, Copy)]
pub struct JsRecoveryOptions {
    /// The clean-shutdown marker was present: no scan is needed (indexes are still sanity
    /// checked). Default false: scan from `recoveryPoint`.
    pub clean_shutdown: Option<bool>,
    /// Offset below which data is known to be flushed; default 0 (scan everything).
    pub recovery_point: Option<i64>,
    /// Log start offset from the log-start-offset checkpoint; default 0.
    pub log_start_offset: Option<i64>,
}

impl From<JsRecoveryOptions> for seglog::LoadOptions {
    fn from(js: JsRecoveryOptions) -> seglog::LoadOptions {
        seglog::LoadOptions {
            clean_shutdown: js.clean_shutdown.unwrap_or(false),
            recovery_point: js.recovery_point.unwrap_or(0),
            log_start_offset: js.log_start_offset.unwrap_or(0),
        }
    }
}
