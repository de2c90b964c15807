//! What the cleaner must know about transactions before it rewrites anything, found by one scan
//! of batch headers over the whole log (control batches are the only ones read whole):
//!
//! - which transactional batches belong to aborted transactions (their data goes, Kafka's
//!   "abortedTransactions" that the .txnindex would otherwise list),
//! - the first offset of a transaction still open (nothing from there on may be cleaned: a
//!   consumer in read_committed mode has not been allowed to see it yet; Kafka bounds cleaning
//!   by the first unstable offset for the same reason),
//! - each producer's last batch, which keeps at least an empty header so the producer's last
//!   sequence and epoch survive (Kafka's BatchRetention.RETAIN_EMPTY). Kafka asks its producer
//!   state which producers are still alive; this scan sees every producer that still has a batch,
//!   so it keeps a superset of the headers Kafka keeps, never fewer.

use std::collections::HashMap;

use crate::batch::BatchHeader;
use crate::error::Result;

use super::records::control_is_commit;
use super::SegmentSnapshot;

#[derive(Default)]
pub(crate) struct TransactionScan {
    /// Per producer: [first, marker] offset ranges of aborted transactions.
    aborted: HashMap<i64, Vec<(i64, i64)>>,
    /// First offset of the earliest transaction without a marker yet.
    pub first_open_offset: Option<i64>,
    /// Per producer: the last offset of its last batch.
    last_batch_of_producer: HashMap<i64, i64>,
}

impl TransactionScan {
    pub(crate) fn scan(segments: &[SegmentSnapshot]) -> Result<TransactionScan> {
        let mut scan = TransactionScan::default();
        // Per producer: first offset of its open transaction.
        let mut open: HashMap<i64, i64> = HashMap::new();
        for segment in segments {
            segment.for_each_header(|header, position| {
                let pid = header.producer_id();
                if pid >= 0 {
                    scan.last_batch_of_producer
                        .insert(pid, header.last_offset());
                }
                if header.is_control() {
                    if let Some(first) = open.remove(&pid) {
                        let bytes = segment.read_at(position, header.size())?;
                        if !control_is_commit(&bytes)? {
                            scan.aborted
                                .entry(pid)
                                .or_default()
                                .push((first, header.base_offset()));
                        }
                    }
                } else if header.is_transactional() {
                    open.entry(pid).or_insert(header.base_offset());
                }
                Ok(true)
            })?;
        }
        scan.first_open_offset = open.values().copied().min();
        Ok(scan)
    }

    /// Whether a transactional data batch belongs to an aborted transaction.
    pub(crate) fn is_aborted(&self, header: &BatchHeader<'_>) -> bool {
        header.is_transactional()
            && !header.is_control()
            && self
                .aborted
                .get(&header.producer_id())
                .is_some_and(|ranges| {
                    let offset = header.base_offset();
                    ranges
                        .iter()
                        .any(|&(first, last)| first <= offset && offset < last)
                })
    }

    /// Whether this batch is its producer's last one in the log.
    pub(crate) fn is_last_of_producer(&self, header: &BatchHeader<'_>) -> bool {
        header.producer_id() >= 0
            && self.last_batch_of_producer.get(&header.producer_id()) == Some(&header.last_offset())
    }
}
