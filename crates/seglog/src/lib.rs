//! seglog: a partition log in Kafka's on-disk layout.
//!
//! Pure Rust, no napi. `crates/seglog-node` exposes it to Node.js. `unsafe` is confined to
//! `mmap`, `sendfile`, `writeback` (sync_file_range) and `cleaner/thread_priority`
//! (setpriority).

pub mod batch;
pub mod checkpoint;
pub mod cleaner;
pub mod codec;
pub mod config;
mod deleter;
pub mod dir_lock;
pub mod error;
pub mod file_names;
pub mod file_records;
pub mod in_flight;
pub mod index_file;
pub mod leader_epoch;
pub mod log;
pub mod mmap;
pub mod offset_index;
pub mod read_plan;
pub mod recovery;
pub mod segment;
pub mod sendfile;
pub mod time_index;
pub mod txn_index;
mod writeback;

pub use config::{LogConfig, TimestampType};
pub use dir_lock::DirLock;
pub use error::{Error, Result};
pub use in_flight::{InFlight, WorkTicket};
pub use log::{AppendInfo, BatchSummary, LeaderAppendOptions, Log};
pub use read_plan::{FileSlice, ReadPlan};
pub use recovery::{LoadOptions, LoadReport};
pub use txn_index::AbortedTxn;
