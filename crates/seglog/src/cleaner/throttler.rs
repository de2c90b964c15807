//! The cleaner's I/O throttle (Kafka's Throttler): sleeps whenever the bytes read and written
//! since the window began run ahead of log.cleaner.io.max.bytes.per.second, so a cleaning never
//! takes the disk from appends and fetches. Checks the cancel flag while it sleeps, so a
//! shutdown never waits on a throttled cleaning.

use std::sync::atomic::{AtomicBool, Ordering};
use std::time::{Duration, Instant};

pub(crate) struct Throttler {
    bytes_per_second: f64,
    window_start: Instant,
    bytes_in_window: f64,
}

/// Long windows average out bursts; short enough that a rate change shows within a second.
const WINDOW: Duration = Duration::from_millis(300);

impl Throttler {
    pub(crate) fn new(bytes_per_second: f64) -> Throttler {
        Throttler {
            bytes_per_second,
            window_start: Instant::now(),
            bytes_in_window: 0.0,
        }
    }

    pub(crate) fn account(&mut self, bytes: u64, cancel: &AtomicBool) {
        if !self.bytes_per_second.is_finite() || self.bytes_per_second >= 1e15 {
            return;
        }
        self.bytes_in_window += bytes as f64;
        let elapsed = self.window_start.elapsed().as_secs_f64();
        let due = self.bytes_in_window / self.bytes_per_second;
        if due > elapsed {
            let mut remaining = Duration::from_secs_f64(due - elapsed);
            while !remaining.is_zero() && !cancel.load(Ordering::Relaxed) {
                let step = remaining.min(Duration::from_millis(50));
                std::thread::sleep(step);
                remaining -= step;
            }
        }
        if self.window_start.elapsed() >= WINDOW {
            self.window_start = Instant::now();
            self.bytes_in_window = 0.0;
        }
    }
}
