//! The cleaner's offset map (Kafka's SkimpyOffsetMap): key → offset of the key's last record in
//! the dirty range.
//!
//! Why a flat table of fixed-size entries rather than a `HashMap<Vec<u8>, i64>`: the memory must
//! be bounded by log.cleaner.dedupe.buffer.size whatever the keys look like (a changelog may
//! carry kilobyte keys), and a dirty range of tens of millions of keys must cost no allocation
//! per key. Each slot holds a 128-bit hash of the key and an offset (24 bytes), so the number of
//! keys that fit is known before the scan starts. Two keys with equal 128-bit hashes would be
//! taken for one key (the older record of the other would be dropped); at 2^-128 per pair that
//! is far rarer than a disk error, which is the trade Kafka makes with MD5 too.
//!
//! Linear probing, filled only up to `LOAD_FACTOR` (Kafka's log.cleaner.io.buffer.load.factor
//! default) so probes stay short.
//!
//! Not thread-safe; one cleaning owns its map.

use std::hash::{BuildHasher, Hasher};

/// Bytes per slot: two u64 hash halves and an i64 offset.
pub(crate) const ENTRY_SIZE: usize = 24;
const LOAD_FACTOR: f64 = 0.9;
const EMPTY: i64 = -1;

/// Fixed hasher keys, so a hash never depends on the process (the map lives for one cleaning,
/// but tests compare runs).
#[derive(Clone, Copy)]
struct FixedState(u64);

impl BuildHasher for FixedState {
    type Hasher = std::collections::hash_map::DefaultHasher;
    fn build_hasher(&self) -> Self::Hasher {
        let mut hasher = std::collections::hash_map::DefaultHasher::new();
        hasher.write_u64(self.0);
        hasher
    }
}

pub struct OffsetMap {
    /// (hash high, hash low, offset); offset EMPTY marks a free slot.
    slots: Vec<(u64, u64, i64)>,
    entries: usize,
    max_entries: usize,
    /// The largest offset put (-1 when empty).
    latest_offset: i64,
}

fn key_hash(key: &[u8]) -> (u64, u64) {
    let mut high = FixedState(0x5341_4d53_4100_0001).build_hasher();
    high.write(key);
    let mut low = FixedState(0x5341_4d53_4100_0002).build_hasher();
    low.write(key);
    (high.finish(), low.finish())
}

impl OffsetMap {
    /// A map using at most `memory_bytes` of memory (at least one slot).
    pub fn with_memory(memory_bytes: usize) -> OffsetMap {
        let slot_count = (memory_bytes / ENTRY_SIZE).max(2);
        OffsetMap {
            slots: vec![(0, 0, EMPTY); slot_count],
            entries: 0,
            max_entries: ((slot_count as f64 * LOAD_FACTOR) as usize).max(1),
            latest_offset: -1,
        }
    }

    /// How many distinct keys the map can hold.
    pub fn capacity(&self) -> usize {
        self.max_entries
    }
    pub fn len(&self) -> usize {
        self.entries
    }
    pub fn is_empty(&self) -> bool {
        self.entries == 0
    }
    pub fn is_full(&self) -> bool {
        self.entries >= self.max_entries
    }
    pub fn latest_offset(&self) -> i64 {
        self.latest_offset
    }

    fn probe(&self, hash: (u64, u64)) -> usize {
        let n = self.slots.len();
        let mut i = (hash.1 % n as u64) as usize;
        loop {
            let slot = &self.slots[i];
            if slot.2 == EMPTY || (slot.0 == hash.0 && slot.1 == hash.1) {
                return i;
            }
            i = (i + 1) % n;
        }
    }

    /// Records `offset` as the key's latest. Returns false (and changes nothing) when the key is
    /// new and the map is full.
    pub fn put(&mut self, key: &[u8], offset: i64) -> bool {
        let hash = key_hash(key);
        let i = self.probe(hash);
        if self.slots[i].2 == EMPTY {
            if self.is_full() {
                return false;
            }
            self.entries += 1;
        }
        self.slots[i] = (hash.0, hash.1, offset);
        self.latest_offset = self.latest_offset.max(offset);
        true
    }

    /// The latest offset recorded for the key.
    pub fn get(&self, key: &[u8]) -> Option<i64> {
        let slot = self.slots[self.probe(key_hash(key))];
        (slot.2 != EMPTY).then_some(slot.2)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keeps_the_latest_offset_of_each_key() {
        let mut map = OffsetMap::with_memory(1 << 16);
        assert!(map.put(b"a", 1));
        assert!(map.put(b"b", 2));
        assert!(map.put(b"a", 7));
        assert_eq!(map.get(b"a"), Some(7));
        assert_eq!(map.get(b"b"), Some(2));
        assert_eq!(map.get(b"c"), None);
        assert_eq!(map.len(), 2);
        assert_eq!(map.latest_offset(), 7);
    }

    #[test]
    fn memory_bounds_the_number_of_keys_and_updates_still_fit_when_full() {
        let mut map = OffsetMap::with_memory(10 * ENTRY_SIZE);
        assert_eq!(map.capacity(), 9);
        for i in 0..9u32 {
            assert!(map.put(&i.to_be_bytes(), i64::from(i)));
        }
        assert!(map.is_full());
        assert!(!map.put(b"one more", 100), "a new key is refused when full");
        assert!(
            map.put(&3u32.to_be_bytes(), 50),
            "an existing key is updated"
        );
        assert_eq!(map.get(&3u32.to_be_bytes()), Some(50));
        assert_eq!(map.get(b"one more"), None);
    }

    #[test]
    fn many_keys_are_all_found() {
        let mut map = OffsetMap::with_memory(100_000 * ENTRY_SIZE);
        for i in 0..80_000u64 {
            assert!(map.put(format!("key-{i}").as_bytes(), i as i64));
        }
        for i in 0..80_000u64 {
            assert_eq!(map.get(format!("key-{i}").as_bytes()), Some(i as i64));
        }
    }
}
