//! What the map stores per key: the value and one atomic word of metadata.
//!
//! The word packs the deadline (upper 56 bits, in clock ticks) and an access counter (lower
//! 8 bits). One word keeps a `u64 -> u64` entry at 16 bytes beside its key, and lets a hit
//! read the deadline and bump the counter without any lock beyond the map's shard read lock.

use crate::clock::{Tick, NEVER};
use std::sync::atomic::{AtomicU64, Ordering};

/// Accesses counted per entry before the counter saturates. The eviction policy folds the
/// count into its frequency sketch and resets it; saturating early keeps hot entries from
/// writing their cache line on every hit.
pub(crate) const MAX_ACCESS_COUNT: u64 = 15;

const COUNT_BITS: u32 = 8;
const COUNT_MASK: u64 = (1 << COUNT_BITS) - 1;

#[derive(Debug)]
pub(crate) struct Entry<V> {
    pub(crate) value: V,
    meta: AtomicU64,
}

impl<V> Entry<V> {
    pub(crate) fn new(value: V, deadline: Tick) -> Self {
        Self {
            value,
            meta: AtomicU64::new(deadline.min(NEVER) << COUNT_BITS),
        }
    }

    #[inline]
    pub(crate) fn deadline(&self) -> Tick {
        self.meta.load(Ordering::Relaxed) >> COUNT_BITS
    }

    #[inline]
    pub(crate) fn is_expired(&self, now: Tick) -> bool {
        now >= self.deadline()
    }

    /// The hit path: `Some(())` and one more access counted if the entry is live at `now`.
    #[inline]
    pub(crate) fn touch(&self, now: Tick) -> Option<()> {
        let meta = self.meta.load(Ordering::Relaxed);
        if now >= meta >> COUNT_BITS {
            return None;
        }
        if meta & COUNT_MASK < MAX_ACCESS_COUNT {
            // A plain store, not a read-modify-write: two racing hits may count once, which
            // an approximate frequency tolerates, and the deadline bits cannot change under
            // us because a deadline is only ever set by replacing the whole entry.
            self.meta.store(meta + 1, Ordering::Relaxed);
        }
        Some(())
    }

    /// Returns the accesses counted since the last call and resets the counter.
    pub(crate) fn take_access_count(&self) -> u64 {
        let meta = self.meta.load(Ordering::Relaxed);
        let count = meta & COUNT_MASK;
        if count != 0 {
            self.meta.store(meta & !COUNT_MASK, Ordering::Relaxed);
        }
        count
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn touch_counts_until_saturation_and_respects_deadline() {
        let entry = Entry::new((), 100);
        for _ in 0..40 {
            assert!(entry.touch(99).is_some());
        }
        assert_eq!(entry.deadline(), 100);
        assert_eq!(entry.take_access_count(), MAX_ACCESS_COUNT);
        assert_eq!(entry.take_access_count(), 0);
        assert!(entry.touch(100).is_none());
        assert!(entry.is_expired(100) && !entry.is_expired(99));
    }

    #[test]
    fn never_deadline_survives_packing() {
        let entry = Entry::new((), NEVER);
        assert_eq!(entry.deadline(), NEVER);
        assert!(!entry.is_expired(NEVER - 1));
    }
}
