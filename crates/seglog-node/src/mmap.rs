//! Zero-copy JS Buffers over mapped segment bytes: the glue's one use of `unsafe`.

#![allow(unsafe_code)]

use napi::bindgen_prelude::BufferSlice;
use napi::Env;
use seglog::file_records::View;

/// A Buffer that views `view`'s bytes without copying. The view (and with it the mapping and the
/// segment file) lives until V8 collects the Buffer. The memory is a read-only mapping: writing
/// into the Buffer crashes the process, so these Buffers are documented as read-only.
pub(crate) fn view_to_buffer(env: &Env, view: View) -> napi::Result<BufferSlice<'_>> {
    let bytes = view.as_slice();
    if bytes.is_empty() {
        return BufferSlice::from_data(env, Vec::new());
    }
    let (data, len) = (bytes.as_ptr().cast_mut(), bytes.len());
    // SAFETY: `data..data+len` lies in a live mapping owned (through an Arc) by `view`, which is
    // moved into the finalizer and dropped only when the Buffer is collected, so the pointer
    // stays valid for the Buffer's whole life. The bytes are inside the file (FileRecords only
    // makes views below the file's length and never shrinks it under a live view).
    unsafe { BufferSlice::from_external(env, data, len, view, |_, view| drop(view)) }
}
