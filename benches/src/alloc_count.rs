//! A counting global allocator: the net bytes allocated while counting is switched on.
//!
//! This is the only module allowed to use `unsafe` (implementing `GlobalAlloc` requires it).
//! While counting is off (almost always) the overhead is one relaxed load of a flag that
//! nobody writes, so the timed workloads are not disturbed.
#![allow(unsafe_code)]

use std::alloc::{GlobalAlloc, Layout, System};
use std::sync::atomic::{AtomicBool, AtomicIsize, Ordering::Relaxed};

static COUNTING: AtomicBool = AtomicBool::new(false);
static NET_BYTES: AtomicIsize = AtomicIsize::new(0);

struct CountingAlloc;

#[global_allocator]
static GLOBAL: CountingAlloc = CountingAlloc;

fn record(delta: isize) {
    if COUNTING.load(Relaxed) {
        NET_BYTES.fetch_add(delta, Relaxed);
    }
}

// SAFETY: every method forwards to `System` with the caller's arguments unchanged, so
// `System`'s guarantees (and the caller's obligations) carry over exactly; the only
// addition is bookkeeping on two atomics, which neither allocates nor touches the memory.
unsafe impl GlobalAlloc for CountingAlloc {
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        // SAFETY: forwarded unchanged; the caller guarantees `layout` has non-zero size.
        let p = unsafe { System.alloc(layout) };
        if !p.is_null() {
            record(layout.size() as isize);
        }
        p
    }

    unsafe fn alloc_zeroed(&self, layout: Layout) -> *mut u8 {
        // SAFETY: as for `alloc`.
        let p = unsafe { System.alloc_zeroed(layout) };
        if !p.is_null() {
            record(layout.size() as isize);
        }
        p
    }

    unsafe fn dealloc(&self, ptr: *mut u8, layout: Layout) {
        // SAFETY: the caller guarantees `ptr` came from this allocator (hence from
        // `System`) with this `layout`.
        unsafe { System.dealloc(ptr, layout) };
        record(-(layout.size() as isize));
    }

    unsafe fn realloc(&self, ptr: *mut u8, layout: Layout, new_size: usize) -> *mut u8 {
        // SAFETY: the caller guarantees `ptr`/`layout` describe a live block from this
        // allocator (hence from `System`) and that `new_size` is valid for its alignment.
        let p = unsafe { System.realloc(ptr, layout, new_size) };
        if !p.is_null() {
            record(new_size as isize - layout.size() as isize);
        }
        p
    }
}

/// Starts counting from zero. Only meaningful while no other thread allocates.
pub fn start() {
    NET_BYTES.store(0, Relaxed);
    COUNTING.store(true, Relaxed);
}

/// The net bytes allocated (allocated minus freed) since `start`.
pub fn net_bytes() -> isize {
    NET_BYTES.load(Relaxed)
}

/// Stops counting.
pub fn stop() {
    COUNTING.store(false, Relaxed);
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn counts_live_bytes() {
        // Other test threads may allocate concurrently, so only check a lower bound.
        start();
        let v: Vec<u64> = Vec::with_capacity(1 << 20);
        let live = net_bytes();
        drop(v);
        stop();
        assert!(live >= 7 << 20, "counted {live} bytes for an 8 MiB vector");
    }
}
