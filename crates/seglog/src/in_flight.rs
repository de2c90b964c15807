//! Work of a log that runs without the log's lock and touches its directory: the fsyncs and the
//! leader-epoch checkpoint of a flush job, and the unlinks queued when retention drops the
//! segments it took. Each such piece of work holds a `WorkTicket` while it runs; closing waits
//! until none is left (`InFlight::wait_idle`), so that once a close has finished nothing of the
//! log writes into its directory any more (a caller may remove the directory right away).

use std::sync::{Arc, Condvar, Mutex, MutexGuard};

#[derive(Default)]
struct Count {
    tickets: Mutex<usize>,
    idle: Condvar,
}

/// The count of a log's work in flight. Cloning shares the count.
#[derive(Clone, Default)]
pub struct InFlight(Arc<Count>);

/// Held by one piece of work while it runs; dropping it ends the work.
pub struct WorkTicket(InFlight);

impl InFlight {
    fn tickets(&self) -> MutexGuard<'_, usize> {
        // A counter is consistent whatever a panicking holder was doing.
        self.0
            .tickets
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
    }

    pub(crate) fn ticket(&self) -> WorkTicket {
        *self.tickets() += 1;
        WorkTicket(self.clone())
    }

    /// How many tickets are held now.
    pub fn len(&self) -> usize {
        *self.tickets()
    }

    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// Blocks until every ticket has been dropped and the unlinks their work queued are done.
    /// Call it without the log's lock: a flush job's owner takes the lock to complete the flush
    /// before it drops the job.
    pub fn wait_idle(&self) {
        let mut tickets = self.tickets();
        while *tickets > 0 {
            tickets = self
                .0
                .idle
                .wait(tickets)
                .unwrap_or_else(|poisoned| poisoned.into_inner());
        }
        drop(tickets);
        crate::deleter::wait_for_queued();
    }
}

impl Drop for WorkTicket {
    fn drop(&mut self) {
        let mut tickets = self.0.tickets();
        *tickets -= 1;
        if *tickets == 0 {
            self.0 .0.idle.notify_all();
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::atomic::{AtomicBool, Ordering};
    use std::time::Duration;

    #[test]
    fn wait_idle_returns_only_after_the_last_ticket_is_dropped() {
        let in_flight = InFlight::default();
        let ticket = in_flight.ticket();
        let finished = Arc::new(AtomicBool::new(false));
        let worker = {
            let finished = Arc::clone(&finished);
            std::thread::spawn(move || {
                std::thread::sleep(Duration::from_millis(50));
                finished.store(true, Ordering::SeqCst);
                drop(ticket);
            })
        };
        in_flight.wait_idle();
        assert!(finished.load(Ordering::SeqCst));
        assert!(in_flight.is_empty());
        worker.join().unwrap();
    }
}
