//! Read plans: where a read's bytes are, as slices of segment files (see seglog::read_plan).
//!
//! A plan crosses to JS as an N-API External (one allocation and one finalizer), not as a class
//! instance: constructing a class instance through N-API costs a call into the JS constructor
//! and several N-API calls, which was most of the cost of a read (bench/micro/storage/
//! read-plan.bench.ts). The TypeScript `ReadPlan` class wraps the External.

use napi::bindgen_prelude::{BufferSlice, External};
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

/// The slices of a plan, for tests and diagnostics.
#[napi(ts_args_type = "plan: ExternalObject<'ReadPlan'>")]
pub fn read_plan_slices(plan: &External<seglog::ReadPlan>) -> Vec<ReadPlanSlice> {
    plan.slices
        .iter()
        .map(|s| ReadPlanSlice {
            segment_base_offset: s.segment_base_offset(),
            position: s.position as i64,
            length: s.len as u32,
        })
        .collect()
}

/// One Buffer per slice, viewing the memory-mapped segment without copying. The Buffers are
/// READ-ONLY: writing into them crashes the process (the mapping is read-only). Each keeps its
/// segment mapped until it is garbage collected. Throws SEGLOG_OFFSET_OUT_OF_RANGE if a
/// truncation has since removed the bytes.
#[napi(
    ts_args_type = "plan: ExternalObject<'ReadPlan'>",
    ts_return_type = "Buffer[]"
)]
pub fn read_plan_to_buffers<'env>(
    env: &'env Env,
    plan: &External<seglog::ReadPlan>,
) -> napi::Result<Vec<BufferSlice<'env>>, String> {
    let views = plan.views().map_err(to_js)?;
    views
        .into_iter()
        .map(|view| view_to_buffer(env, view).map_err(from_napi))
        .collect()
}
