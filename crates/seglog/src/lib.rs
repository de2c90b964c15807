//! seglog: a partition log in Kafka's on-disk layout.
//!
//! Pure Rust, no napi. `crates/seglog-node` exposes it to Node.js.

pub mod batch;
pub mod codec;
