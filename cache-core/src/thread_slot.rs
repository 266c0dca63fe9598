//! A small number for each live thread, handed back when the thread exits.
//!
//! Statistics counters give each slot below [`exclusive_slots`] a stripe of its own, which
//! only the thread holding that slot writes: it can then count with a plain load and store
//! (under 1 ns) instead of an atomic read-modify-write (about 7 ns, measured), which would
//! be a large share of a cache hit. Recycling slots keeps the exclusive stripes in use by
//! live threads, however many threads a process starts and stops over its life.

use std::cell::Cell;
use std::cmp::Reverse;
use std::collections::BinaryHeap;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Mutex;

use once_cell::sync::Lazy;

/// Returned where a thread has no slot (while its thread-locals are being destroyed).
pub(crate) const NO_SLOT: usize = usize::MAX;

static NEXT: AtomicUsize = AtomicUsize::new(0);
/// Slots of exited threads, lowest first, so that live threads crowd into the exclusive
/// range.
static FREE: Lazy<Mutex<BinaryHeap<Reverse<usize>>>> = Lazy::new(Default::default);

/// Not yet taken: the thread has not asked for a slot.
const UNASSIGNED: usize = usize::MAX - 1;

thread_local! {
    /// This thread's slot. Destructor-free, so reading it is one load with no
    /// initialisation check: it is read on every cache hit.
    static SLOT: Cell<usize> = const { Cell::new(UNASSIGNED) };
    /// Hands the slot back when the thread exits. Only touched when the slot is taken.
    static OWNER: Owner = const { Owner };
}

struct Owner;

impl Drop for Owner {
    fn drop(&mut self) {
        let slot = SLOT.replace(NO_SLOT);
        if slot < UNASSIGNED {
            // The mutex also orders this thread's last counter writes before the next owner's.
            if let Ok(mut free) = FREE.lock() {
                free.push(Reverse(slot));
            }
        }
    }
}

/// This thread's slot, or [`NO_SLOT`] while its thread-locals are being torn down.
#[inline]
pub(crate) fn current() -> usize {
    match SLOT.get() {
        UNASSIGNED => assign(),
        slot => slot,
    }
}

/// This thread's slot if it has one already, else a number at or above every slot
/// ([`NO_SLOT`] or an unassigned marker): for a hot path that falls back to [`current`].
#[inline]
pub(crate) fn peek() -> usize {
    SLOT.get()
}

#[cold]
fn assign() -> usize {
    // Registering the owner first: a thread whose thread-locals are already being torn
    // down cannot register it, and then takes no slot (which it could never hand back).
    if OWNER.try_with(|_| ()).is_err() {
        SLOT.set(NO_SLOT);
        return NO_SLOT;
    }
    let recycled = FREE.lock().ok().and_then(|mut free| free.pop());
    let slot = recycled.map_or_else(|| NEXT.fetch_add(1, Ordering::Relaxed), |Reverse(s)| s);
    SLOT.set(slot);
    slot
}

/// How many slots get an exclusive counter stripe: twice the cores, at least 8.
pub(crate) fn exclusive_slots() -> usize {
    static EXCLUSIVE: Lazy<usize> = Lazy::new(|| {
        std::thread::available_parallelism()
            .map_or(8, |n| n.get() * 2)
            .clamp(8, 512)
            .next_power_of_two()
    });
    *EXCLUSIVE
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn live_threads_hold_distinct_stable_slots() {
        let here = current();
        assert_eq!(current(), here);
        let barrier = std::sync::Barrier::new(2);
        // Both threads hold their slots at once (the barrier), so they must differ.
        let (a, b) = std::thread::scope(|s| {
            let take = || {
                let slot = current();
                barrier.wait();
                slot
            };
            let a = s.spawn(take);
            let b = s.spawn(take);
            (a.join().unwrap(), b.join().unwrap())
        });
        assert!(a != b && a != here && b != here);
    }

    #[test]
    fn a_cache_used_from_a_thread_local_destructor_still_counts() {
        use crate::TtlCache;
        use std::sync::Arc;

        struct UsesCacheOnDrop(Arc<TtlCache<u32, u32>>);
        impl Drop for UsesCacheOnDrop {
            fn drop(&mut self) {
                // By now the thread may have handed back its slot, or never taken one.
                assert_eq!(self.0.get(&1), Some(1));
                assert_eq!(self.0.get(&2), None);
            }
        }
        thread_local! {
            static LATE: std::cell::RefCell<Option<UsesCacheOnDrop>> =
                const { std::cell::RefCell::new(None) };
        }

        let cache = Arc::new(TtlCache::<u32, u32>::new(
            10,
            std::time::Duration::from_secs(60),
        ));
        cache.insert(1, 1);
        // First a thread that meets the cache only in the destructor (it takes a slot while
        // exiting), then one that used it before: its slot owner was registered after
        // `LATE`, so it is dropped first and the destructor finds the slot handed back.
        for uses_cache_while_alive in [false, true] {
            let shared = Arc::clone(&cache);
            std::thread::spawn(move || {
                let also_here = Arc::clone(&shared);
                LATE.with(|late| *late.borrow_mut() = Some(UsesCacheOnDrop(shared)));
                if uses_cache_while_alive {
                    assert_eq!(also_here.get(&1), Some(1));
                }
            })
            .join()
            .unwrap();
        }
        let stats = cache.stats();
        assert_eq!((stats.hits, stats.misses), (3, 2));
    }
}
