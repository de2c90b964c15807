//! `ReadPlan`: where a read's bytes are, as slices of segment files (see seglog::read_plan).

use napi::bindgen_prelude::BufferSlice;
use napi::Env;
use napi_derive::napi;

use crate::error::{from_napi, to_js};
use crate::mmap::view_to_buffer;

/// One slice of a read plan.
#[napi(object)]
pub struct ReadPlanSlice {
    /// Base offset of the segment the slice is in.
    pub segment_base_offset: i64,
    /// Byte position in the segment's `.log` file.
    pub position: i64,
    pub length: u32,
}

/// Whole batches of a read, not yet read: (segment file, position, length) slices. Holding a
/// plan keeps its segment files open (a deleted segment is unlinked only after its last plan and
/// view are gone). Pass it to `writeToSocket` for sendfile, or call `toBuffers()` for zero-copy
/// views. Usable from the thread that created it only (like every JS object).
#[napi]
pub struct ReadPlan {
    pub(crate) inner: seglog::ReadPlan,
}

#[napi]
impl ReadPlan {
    /// Total bytes of the plan.
    #[napi(getter)]
    pub fn byte_length(&self) -> u32 {
        self.inner.byte_length() as u32
    }

    /// The slices, for tests and diagnostics.
    #[napi(getter)]
    pub fn slices(&self) -> Vec<ReadPlanSlice> {
        self.inner
            .slices
            .iter()
            .map(|s| ReadPlanSlice {
                segment_base_offset: s.segment_base_offset(),
                position: s.position as i64,
                length: s.len as u32,
            })
            .collect()
    }

    /// One Buffer per slice, viewing the memory-mapped segment without copying. The Buffers are
    /// READ-ONLY: writing into them crashes the process (the mapping is read-only). Each keeps
    /// its segment mapped until it is garbage collected. Throws SEGLOG_OFFSET_OUT_OF_RANGE if a
    /// truncation has since removed the bytes.
    #[napi(ts_return_type = "Buffer[]")]
    pub fn to_buffers<'env>(&self, env: &'env Env) -> napi::Result<Vec<BufferSlice<'env>>, String> {
        let views = self.inner.views().map_err(to_js)?;
        views
            .into_iter()
            .map(|view| view_to_buffer(env, view).map_err(from_napi))
            .collect()
    }
}
