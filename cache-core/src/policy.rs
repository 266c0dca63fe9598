//! The eviction policy of one segment: W-TinyLFU with FIFO queues and CLOCK second chances.
//!
//! New keys enter a small admission *window* (FIFO). A key leaving the window competes with
//! the *main* queue's CLOCK victim: the one the frequency sketch says was asked for more
//! often stays. Frequency admission is what keeps a useful working set on scans and loops
//! larger than the cache, where recency policies (LRU, ARC, S3-FIFO) hit nothing.
//!
//! Hits never touch this state: they bump a saturating counter inside the entry (see
//! [`Entry::touch`](crate::entry::Entry)), and the policy folds those counts into its sketch
//! when a key passes the window exit or the CLOCK hand. The segment is only ever used under
//! its mutex, by writers.
//!
//! Queues hold keys, not entries. A key removed by `remove`, an expired read or `retain`
//! stays in its queue as a *tombstone* until the policy reaches it, so removals are O(1);
//! the weight bound is tracked exactly on the side, and tombstones are compacted once they
//! outnumber live keys.

use crate::clock::{Tick, NEVER};
use std::collections::VecDeque;

/// What a segment needs from the map that holds its entries.
pub(crate) trait Store<K> {
    fn hash_key(&self, key: &K) -> u64;
    /// Looks at `key`'s entry; with `take_count` also takes (resets) its access count.
    fn inspect(&self, key: &K, now: Tick, take_count: bool) -> Probe;
    /// Removes `key`'s entry and returns its weight, or `None` if it was absent.
    fn remove_entry(&self, key: &K, cause: Removal) -> Option<u64>;
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Probe {
    Absent,
    Expired,
    Live { accesses: u64, deadline: Tick },
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Removal {
    Evicted,
    Expired,
}

/// Share of the queued keys kept in the admission window, in percent.
const WINDOW_PERCENT: usize = 1;
/// Second chances the CLOCK hand gives before it evicts whatever it holds: bounds the work
/// of one eviction when every entry is hot.
const MAX_SECOND_CHANCES: usize = 16;

pub(crate) struct Segment<K> {
    window: VecDeque<K>,
    main: VecDeque<K>,
    sketch: FrequencySketch,
    /// Live entries and their total weight: exact, unlike the queue lengths.
    pub(crate) entries: usize,
    pub(crate) weight: u64,
    pub(crate) capacity: u64,
    /// No entry inserted since the last sweep expires before this tick.
    next_expiry: Tick,
    last_sweep: Tick,
    min_sweep_gap: Tick,
}

impl<K> Segment<K> {
    pub(crate) fn new(capacity: u64, min_sweep_gap: Tick) -> Self {
        Self {
            window: VecDeque::new(),
            main: VecDeque::new(),
            sketch: FrequencySketch::new(capacity),
            entries: 0,
            weight: 0,
            capacity,
            next_expiry: NEVER,
            last_sweep: 0,
            min_sweep_gap,
        }
    }

    /// Records a key newly stored in the map.
    pub(crate) fn on_insert(&mut self, key: K, hash: u64, weight: u64, deadline: Tick) {
        self.sketch.increment(hash, 1);
        self.window.push_back(key);
        self.entries += 1;
        self.weight += weight;
        self.next_expiry = self.next_expiry.min(deadline);
    }

    /// Records the removal of a key's entry by someone other than the policy.
    pub(crate) fn on_remove(&mut self, weight: u64) {
        self.entries -= 1;
        self.weight -= weight;
    }

    pub(crate) fn clear(&mut self) {
        self.window = VecDeque::new();
        self.main = VecDeque::new();
        self.sketch = FrequencySketch::new(self.capacity);
        self.entries = 0;
        self.weight = 0;
        self.next_expiry = NEVER;
    }

    /// Evicts until the segment is within its bound: expired entries first (by a sweep when
    /// one is known to be due), then by policy.
    pub(crate) fn make_room(&mut self, store: &impl Store<K>, now: Tick) {
        // While there is room, window overflow moves on to the main queue as it is, access
        // counts and all: there is nothing yet to compete with.
        while self.weight <= self.capacity && self.window_over_share() {
            if let Some(key) = self.window.pop_front() {
                self.main.push_back(key);
            }
        }
        if self.weight <= self.capacity {
            return;
        }
        if self.next_expiry <= now && now.saturating_sub(self.last_sweep) >= self.min_sweep_gap {
            self.sweep(store, now);
        }
        while self.weight > self.capacity {
            let progressed =
                if (self.window_over_share() || self.main.is_empty()) && !self.window.is_empty() {
                    self.evict_via_window(store, now)
                } else {
                    self.evict_from_main(store, now)
                };
            if !progressed {
                debug_assert!(false, "segment over its bound with empty queues");
                break;
            }
        }
        if self.window.len() + self.main.len() > 2 * self.entries + 64 {
            self.compact(store, now);
        }
    }

    fn window_over_share(&self) -> bool {
        self.window.len() * 100 > (self.window.len() + self.main.len()) * WINDOW_PERCENT
    }

    /// Removes every expired entry (and tombstone) of the segment; returns how many entries.
    pub(crate) fn sweep(&mut self, store: &impl Store<K>, now: Tick) -> usize {
        let mut removed = 0;
        let mut next_expiry = NEVER;
        for queue in [&mut self.window, &mut self.main] {
            queue.retain(|key| match store.inspect(key, now, false) {
                Probe::Absent => false,
                Probe::Expired => {
                    if let Some(weight) = store.remove_entry(key, Removal::Expired) {
                        self.entries -= 1;
                        self.weight -= weight;
                        removed += 1;
                    }
                    false
                }
                Probe::Live { deadline, .. } => {
                    next_expiry = next_expiry.min(deadline);
                    true
                }
            });
        }
        self.next_expiry = next_expiry;
        self.last_sweep = now;
        removed
    }

    /// Keys of the segment's live entries (and possibly some tombstones), for `retain`.
    pub(crate) fn keys(&self) -> impl Iterator<Item = &K> {
        self.window.iter().chain(self.main.iter())
    }

    fn compact(&mut self, store: &impl Store<K>, now: Tick) {
        for queue in [&mut self.window, &mut self.main] {
            queue.retain(|key| store.inspect(key, now, false) != Probe::Absent);
        }
    }

    /// Removes an expired entry the policy came across; `true` if it was there.
    fn drop_expired(&mut self, store: &impl Store<K>, key: &K) -> bool {
        match store.remove_entry(key, Removal::Expired) {
            Some(weight) => {
                self.on_remove(weight);
                true
            }
            None => false,
        }
    }

    fn evict(&mut self, store: &impl Store<K>, key: &K) {
        if let Some(weight) = store.remove_entry(key, Removal::Evicted) {
            self.on_remove(weight);
        }
    }

    /// Takes the window's oldest key and lets it compete with the main queue's victim.
    /// Returns `false` only when there was nothing to take.
    fn evict_via_window(&mut self, store: &impl Store<K>, now: Tick) -> bool {
        let Some(candidate) = self.window.pop_front() else {
            return false;
        };
        let candidate_hash = store.hash_key(&candidate);
        match store.inspect(&candidate, now, true) {
            Probe::Absent => return true,
            Probe::Expired => {
                self.drop_expired(store, &candidate);
                return true;
            }
            Probe::Live { accesses, .. } => self.sketch.increment(candidate_hash, accesses),
        }
        let Some(victim) = self.clock_victim(store, now) else {
            // The hand freed room (expired entries) or found the main queue empty.
            self.main.push_back(candidate);
            return true;
        };
        let victim_hash = store.hash_key(&victim);
        if self.sketch.estimate(candidate_hash) > self.sketch.estimate(victim_hash) {
            self.evict(store, &victim);
            self.main.push_back(candidate);
        } else {
            self.evict(store, &candidate);
            self.main.push_front(victim);
        }
        true
    }

    fn evict_from_main(&mut self, store: &impl Store<K>, now: Tick) -> bool {
        if self.main.is_empty() {
            return false;
        }
        if let Some(victim) = self.clock_victim(store, now) {
            self.evict(store, &victim);
        }
        true
    }

    /// Runs the CLOCK hand over the main queue: keys accessed since the hand last passed get
    /// a second chance (their accesses are folded into the sketch), tombstones are dropped,
    /// and expired entries are removed, in which case `None` is returned because room was
    /// made. Otherwise returns the victim, already taken off the queue.
    fn clock_victim(&mut self, store: &impl Store<K>, now: Tick) -> Option<K> {
        let mut chances = 0;
        while let Some(key) = self.main.pop_front() {
            match store.inspect(&key, now, true) {
                Probe::Absent => continue,
                Probe::Expired => {
                    if self.drop_expired(store, &key) {
                        return None;
                    }
                }
                Probe::Live { accesses, .. } => {
                    if accesses == 0 || chances == MAX_SECOND_CHANCES {
                        return Some(key);
                    }
                    chances += 1;
                    let hash = store.hash_key(&key);
                    self.sketch.increment(hash, accesses);
                    self.main.push_back(key);
                }
            }
        }
        None
    }
}

/// A count-min sketch of 4-bit counters that halves itself periodically, so it estimates
/// how often a key was asked for recently (TinyLFU). Four counters per key, each in a
/// different row-slice of one 64-bit word group.
pub(crate) struct FrequencySketch {
    table: Box<[u64]>,
    mask: usize,
    additions: u64,
    sample_size: u64,
}

const COUNTERS_PER_WORD: u64 = 16;
const SEEDS: [u64; 4] = [
    0x9E37_79B9_7F4A_7C15,
    0xC2B2_AE3D_27D4_EB4F,
    0x1656_67B1_9E37_79F9,
    0x27D4_EB2F_1656_67C5,
];

impl FrequencySketch {
    fn new(capacity: u64) -> Self {
        // About 8 counters (4 bytes) per entry: a quarter of Caffeine's width, which keeps
        // the sketch within the memory budget per entry while the error stays small.
        let words = usize::try_from(capacity / 2)
            .unwrap_or(usize::MAX)
            .clamp(8, 1 << 24)
            .next_power_of_two();
        Self {
            table: vec![0; words].into_boxed_slice(),
            mask: words - 1,
            additions: 0,
            sample_size: capacity.saturating_mul(10).max(64),
        }
    }

    #[inline]
    fn slot(&self, hash: u64, row: usize) -> (usize, u32) {
        let h = (hash ^ (hash >> 29)).wrapping_mul(SEEDS[row]);
        let word = (h >> 32) as usize & self.mask;
        let counter = (h >> 28) & (COUNTERS_PER_WORD - 1);
        (word, (counter * 4) as u32)
    }

    pub(crate) fn increment(&mut self, hash: u64, by: u64) {
        if by == 0 {
            return;
        }
        let mut added = false;
        for row in 0..SEEDS.len() {
            let (word, shift) = self.slot(hash, row);
            let count = (self.table[word] >> shift) & 0xF;
            let new = (count + by).min(15);
            if new != count {
                self.table[word] += (new - count) << shift;
                added = true;
            }
        }
        if added {
            self.additions += by;
            if self.additions >= self.sample_size {
                self.halve();
            }
        }
    }

    pub(crate) fn estimate(&self, hash: u64) -> u64 {
        (0..SEEDS.len())
            .map(|row| {
                let (word, shift) = self.slot(hash, row);
                (self.table[word] >> shift) & 0xF
            })
            .min()
            .unwrap_or(0)
    }

    fn halve(&mut self) {
        for word in self.table.iter_mut() {
            *word = (*word >> 1) & 0x7777_7777_7777_7777;
        }
        self.additions /= 2;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sketch_counts_saturate_and_age() {
        let mut sketch = FrequencySketch::new(1000);
        for _ in 0..5 {
            sketch.increment(42, 1);
        }
        assert_eq!(sketch.estimate(42), 5);
        sketch.increment(42, 100);
        assert_eq!(sketch.estimate(42), 15);
        sketch.halve();
        assert_eq!(sketch.estimate(42), 7);
        assert_eq!(sketch.estimate(43), 0);
    }
}
