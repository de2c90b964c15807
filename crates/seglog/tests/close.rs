//! Closing waits for the log's work that runs without its lock: once a close has finished,
//! nothing of the log writes into its directory (a caller may remove it at once).

mod common;

use common::*;
use seglog::{LeaderAppendOptions, LoadOptions, Log};
use std::sync::mpsc::channel;
use std::sync::{Arc, Mutex};
use std::time::Duration;

fn open_with_batches(dir: &std::path::Path) -> Arc<Mutex<Log>> {
    let (mut log, _) = Log::open(dir, small_config(4096), LoadOptions::default(), NOW).unwrap();
    for i in 0..20u8 {
        let mut batch = batch_with(2, 300, NOW, i);
        log.append_as_leader(&mut batch, 3, LeaderAppendOptions::default(), NOW)
            .unwrap();
    }
    Arc::new(Mutex::new(log))
}

/// What the Node glue's CloseTask does.
fn close(log: &Mutex<Log>) {
    let (job, _clean, in_flight) = {
        let mut log = log.lock().unwrap();
        let (job, clean) = log.begin_close().unwrap();
        (job, clean, log.in_flight())
    };
    job.run().unwrap();
    in_flight.wait_idle();
    log.lock().unwrap().complete_close(&job);
}

#[test]
fn close_finishes_after_a_flush_that_took_its_handles_before_it() {
    let dir = tempfile::tempdir().unwrap();
    let log = open_with_batches(dir.path());
    let flush = log.lock().unwrap().prepare_flush().unwrap();
    let (closed_tx, closed) = channel();
    let closer = {
        let log = Arc::clone(&log);
        std::thread::spawn(move || {
            close(&log);
            closed_tx.send(()).unwrap();
        })
    };
    // The flush job has not run yet: the close must not finish before it.
    assert!(closed.recv_timeout(Duration::from_millis(200)).is_err());
    // The flush writes the leader-epoch checkpoint into the directory, then completes.
    flush.run().unwrap();
    log.lock().unwrap().complete_flush(&flush);
    drop(flush);
    closed.recv_timeout(Duration::from_secs(10)).unwrap();
    closer.join().unwrap();
    assert!(log.lock().unwrap().is_closed());
}

#[test]
fn close_finishes_after_the_unlinks_of_segments_retention_took() {
    let dir = tempfile::tempdir().unwrap();
    let log = open_with_batches(dir.path());
    let (taken, work) = {
        let mut log = log.lock().unwrap();
        log.update_config(seglog::LogConfig {
            retention_bytes: 0,
            ..small_config(4096)
        })
        .unwrap();
        let taken = log.take_old_segments(NOW, None).unwrap();
        (taken, log.start_work())
    };
    assert!(!taken.is_empty());
    let (closed_tx, closed) = channel();
    let closer = {
        let log = Arc::clone(&log);
        std::thread::spawn(move || {
            close(&log);
            closed_tx.send(()).unwrap();
        })
    };
    assert!(closed.recv_timeout(Duration::from_millis(200)).is_err());
    drop(taken);
    drop(work);
    closed.recv_timeout(Duration::from_secs(10)).unwrap();
    closer.join().unwrap();
    let left: Vec<String> = std::fs::read_dir(dir.path())
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .filter(|name| name.ends_with(".deleted"))
        .collect();
    assert!(
        left.is_empty(),
        "unlinks still pending after close: {left:?}"
    );
}
