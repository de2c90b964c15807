//! Decompression bombs (CVE-2023-34455's lesson): 1 GiB of zeros compressed with every codec and
//! framing variant must fail with `TooLarge` under a 1 MiB limit, with memory bounded by the
//! limit. A counting global allocator measures the Rust heap's peak during each call. The output
//! buffer itself never exceeds the limit, but while it grows the old and new buffers coexist for
//! a moment, so the bound is 1.5x the limit plus the decoders' own state.
//!
//! libzstd allocates its window with C malloc, which this allocator does not see; zstd.rs explains
//! why that window is bounded (2^27, reserved lazily) and never filled beyond the output we accept.
#![allow(unsafe_code)]

use std::alloc::{GlobalAlloc, Layout, System};
use std::io::Write;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Instant;

use seglog::codec::{compress, decompress, Codec, CodecError};

struct CountingAllocator;

static CURRENT: AtomicUsize = AtomicUsize::new(0);
static PEAK: AtomicUsize = AtomicUsize::new(0);

fn grew(bytes: usize) {
    let now = CURRENT.fetch_add(bytes, Ordering::Relaxed) + bytes;
    PEAK.fetch_max(now, Ordering::Relaxed);
}

// SAFETY: every call is forwarded unchanged to the system allocator; the counters are plain
// atomics that never allocate.
unsafe impl GlobalAlloc for CountingAllocator {
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        grew(layout.size());
        // SAFETY: same contract as our caller's.
        unsafe { System.alloc(layout) }
    }

    unsafe fn alloc_zeroed(&self, layout: Layout) -> *mut u8 {
        grew(layout.size());
        // SAFETY: same contract as our caller's.
        unsafe { System.alloc_zeroed(layout) }
    }

    unsafe fn dealloc(&self, ptr: *mut u8, layout: Layout) {
        CURRENT.fetch_sub(layout.size(), Ordering::Relaxed);
        // SAFETY: same contract as our caller's.
        unsafe { System.dealloc(ptr, layout) }
    }

    unsafe fn realloc(&self, ptr: *mut u8, layout: Layout, new_size: usize) -> *mut u8 {
        // Count the old and new blocks as briefly coexisting, as a moving realloc does.
        grew(new_size);
        // SAFETY: same contract as our caller's.
        let moved = unsafe { System.realloc(ptr, layout, new_size) };
        CURRENT.fetch_sub(layout.size(), Ordering::Relaxed);
        moved
    }
}

#[global_allocator]
static ALLOCATOR: CountingAllocator = CountingAllocator;

const GIB: usize = 1 << 30;
const LIMIT: usize = 1 << 20;
/// Growth by doubling: at worst a buffer of half the limit is copied into one of the full limit.
const PEAK_OUTPUT: usize = LIMIT + LIMIT / 2;
/// Decoder state on top of the output (flate2's window and tables).
const OVERHEAD: usize = 256 * 1024;

fn zeros_through(mut sink: impl Write) {
    let chunk = vec![0u8; 1 << 20];
    for _ in 0..GIB / chunk.len() {
        sink.write_all(&chunk).unwrap();
    }
}

/// A frame that repeats one compressed block of zeros until it stands for 1 GiB.
fn repeated_block(header: &[u8], block: &[u8], block_output: usize, trailer: &[u8]) -> Vec<u8> {
    let count = GIB / block_output;
    let mut bomb = Vec::with_capacity(header.len() + block.len() * count + trailer.len());
    bomb.extend_from_slice(header);
    for _ in 0..count {
        bomb.extend_from_slice(block);
    }
    bomb.extend_from_slice(trailer);
    bomb
}

fn bombs() -> Vec<(&'static str, Codec, Vec<u8>)> {
    let mut bombs = Vec::new();

    let mut gzip = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::default());
    zeros_through(&mut gzip);
    bombs.push(("gzip member", Codec::Gzip, gzip.finish().unwrap()));

    let one_block = compress(Codec::Snappy, &[0u8; 32 * 1024], None).unwrap();
    bombs.push((
        "snappy xerial, 32 KiB blocks",
        Codec::Snappy,
        repeated_block(&one_block[..16], &one_block[16..], 32 * 1024, &[]),
    ));

    let one_block = compress(Codec::Lz4, &[0u8; 64 * 1024], None).unwrap();
    let (header, rest) = one_block.split_at(7);
    let (block, end_mark) = rest.split_at(rest.len() - 4);
    bombs.push((
        "lz4 frame, 64 KiB independent blocks",
        Codec::Lz4,
        repeated_block(header, block, 64 * 1024, end_mark),
    ));

    let info = lz4_flex::frame::FrameInfo::new()
        .block_size(lz4_flex::frame::BlockSize::Max4MB)
        .block_mode(lz4_flex::frame::BlockMode::Linked);
    let mut lz4 = lz4_flex::frame::FrameEncoder::with_frame_info(info, Vec::new());
    zeros_through(&mut lz4);
    bombs.push((
        "lz4 frame, 4 MiB linked blocks",
        Codec::Lz4,
        lz4.finish().unwrap(),
    ));

    let mut zstd = zstd::stream::write::Encoder::new(Vec::new(), 1).unwrap();
    zstd.include_contentsize(false).unwrap();
    zeros_through(&mut zstd);
    bombs.push((
        "zstd, streamed without content size",
        Codec::Zstd,
        zstd.finish().unwrap(),
    ));

    let mut zstd = zstd::stream::write::Encoder::new(Vec::new(), 1).unwrap();
    zstd.set_pledged_src_size(Some(GIB as u64)).unwrap();
    zeros_through(&mut zstd);
    bombs.push((
        "zstd, with content size",
        Codec::Zstd,
        zstd.finish().unwrap(),
    ));

    bombs
}

#[test]
fn one_gibibyte_bombs_fail_fast_with_memory_bounded_by_the_limit() {
    for (name, codec, bomb) in bombs() {
        let baseline = CURRENT.load(Ordering::Relaxed);
        PEAK.store(baseline, Ordering::Relaxed);
        let started = Instant::now();
        let result = decompress(codec, &bomb, LIMIT);
        let elapsed = started.elapsed();
        let peak = PEAK.load(Ordering::Relaxed) - baseline;
        println!(
            "{name}: {} compressed bytes, rejected in {elapsed:?}, peak heap {peak} bytes",
            bomb.len()
        );
        assert!(
            matches!(result, Err(CodecError::TooLarge { limit: LIMIT, .. })),
            "{name}: {result:?}"
        );
        assert!(
            peak <= PEAK_OUTPUT + OVERHEAD,
            "{name}: peak heap {peak} bytes during a {LIMIT}-byte-limited call"
        );
    }
}
