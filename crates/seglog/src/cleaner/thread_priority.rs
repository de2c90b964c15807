//! The cleaner's thread runs at a lower CPU priority (nice +10) than the broker's event loop.
//!
//! Why: a cleaning is seconds to minutes of CPU (parse, hash, copy) that nobody waits for, while
//! the event loop answers produce and fetch requests; when both want the CPU, the event loop
//! should win (bench:cleaner measures the produce p99 with and without a cleaning running).
//! Linux applies setpriority(PRIO_PROCESS, tid) to one thread, and an
//! unprivileged thread can never raise its priority back, so the cleaning runs on a thread of
//! its own that ends with it (never on a shared pool thread). The price: on a machine busy with
//! other work the cleaner runs slower.

#![allow(unsafe_code)]

/// Lowers the calling thread's priority by `nice` steps; failure (a seccomp filter, a
/// non-Linux kernel) leaves it as it was, which only costs latency.
pub(crate) fn lower_current_thread(nice: i32) {
    // SAFETY: gettid and setpriority take plain integers and touch no memory of ours; on Linux,
    // PRIO_PROCESS with a thread id changes that one thread's nice value.
    unsafe {
        let tid = libc::syscall(libc::SYS_gettid) as libc::id_t;
        let current = libc::getpriority(libc::PRIO_PROCESS, tid);
        libc::setpriority(libc::PRIO_PROCESS, tid, (current + nice).min(19));
    }
}
