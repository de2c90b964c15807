//! A read plan: where the bytes of a fetch are, as (segment file, position, length) slices of
//! whole batches, without having read them. The network layer sends the slices with sendfile;
//! other readers turn them into zero-copy views of the mapped segments.
//!
//! Thread-safe and independent of the log's lock: each slice holds its segment file, which stays
//! readable (renamed, not unlinked) even if retention deletes the segment meanwhile. A
//! truncation that shrinks the file is detected when a view is made or a transfer runs short.

use std::sync::Arc;

use crate::error::Result;
use crate::file_records::{FileRecords, View};

#[derive(Clone)]
pub struct FileSlice {
    pub records: Arc<FileRecords>,
    pub position: u64,
    pub len: usize,
}

impl FileSlice {
    pub fn segment_base_offset(&self) -> i64 {
        self.records.base_offset()
    }

    /// A zero-copy view of `[from, from + len)` within this slice.
    pub fn view(&self, from: usize, len: usize) -> Result<View> {
        debug_assert!(from + len <= self.len);
        self.records.view(self.position + from as u64, len)
    }
}

#[derive(Clone, Default)]
pub struct ReadPlan {
    pub slices: Vec<FileSlice>,
}

impl ReadPlan {
    pub fn byte_length(&self) -> usize {
        self.slices.iter().map(|s| s.len).sum()
    }

    pub fn is_empty(&self) -> bool {
        self.slices.is_empty()
    }

    /// One view per slice.
    pub fn views(&self) -> Result<Vec<View>> {
        self.slices.iter().map(|s| s.view(0, s.len)).collect()
    }

    /// Copies the planned bytes into one Vec (tests and the copying fallback).
    pub fn to_vec(&self) -> Result<Vec<u8>> {
        let mut out = Vec::with_capacity(self.byte_length());
        for view in self.views()? {
            out.extend_from_slice(view.as_slice());
        }
        Ok(out)
    }
}
