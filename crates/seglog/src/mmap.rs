//! Read-only shared memory maps of segment files, the one place (with sendfile.rs) where the
//! crate uses `unsafe`.
//!
//! A mapping is made once per segment, with a length that covers the segment's capacity
//! (segment.bytes), so the active segment's growth becomes visible through the same mapping
//! without remapping: on Linux, pages of a MAP_SHARED mapping that lie past EOF when the map is
//! made become readable once the file grows over them. Touching a page that is wholly past the
//! file's current end raises SIGBUS, so every reader is bounded by the written size, and
//! FileRecords never shrinks a file while a view of its mapping is alive.

#![allow(unsafe_code)]

use std::fs::File;
use std::io;

pub struct Mapping {
    map: memmap2::Mmap,
}

impl Mapping {
    /// Maps `len` bytes of `file` read-only and shared (`len` may exceed the file's size).
    pub fn map(file: &File, len: usize) -> io::Result<Mapping> {
        let len = len.max(1);
        // SAFETY: the mapping is read-only and shared. Its bytes can change under it (the log
        // appends through the file and recovery may rewrite a torn tail), which is fine for
        // plain bytes. Bytes past the file's end are never read: FileRecords bounds every
        // access by the file's physical length and defers any shrink while views exist.
        let map = unsafe { memmap2::MmapOptions::new().len(len).map(file)? };
        Ok(Mapping { map })
    }

    pub fn len(&self) -> usize {
        self.map.len()
    }

    pub fn is_empty(&self) -> bool {
        self.map.is_empty()
    }

    /// The bytes `[position, position + len)`. The caller guarantees that range lies inside the
    /// file (see the module doc); the bounds of the mapping itself are checked here.
    pub fn bytes(&self, position: usize, len: usize) -> &[u8] {
        &self.map[position..position + len]
    }
}
