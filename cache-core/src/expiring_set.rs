//! [`ExpiringSet`]: a set of in-flight ids whose members are dropped once stale, so that a
//! forgotten `discard` cannot leak.

use std::borrow::Borrow;
use std::collections::HashMap;
use std::fmt;
use std::hash::Hash;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Mutex, MutexGuard, PoisonError};
use std::time::Duration;

use crate::builder::DEFAULT_CLEANUP_INTERVAL;
use crate::cache::DefaultHashBuilder;
use crate::clock::{duration_to_ticks, Clock, Tick};

/// How long a member of an [`ExpiringSet`] stays when no threshold is given: one hour.
///
/// ```
/// let set = cachekit::ExpiringSet::<u8>::builder().build();
/// assert_eq!(set.stale_after(), cachekit::DEFAULT_STALE_AFTER);
/// assert_eq!(cachekit::DEFAULT_STALE_AFTER.as_secs(), 3600);
/// ```
pub const DEFAULT_STALE_AFTER: Duration = Duration::from_secs(3600);

/// A thread-safe set of in-flight ids whose members are dropped after a stale threshold.
///
/// It is meant for work like "this record is being deleted, skip its signal handlers":
/// [`add`](Self::add) an id when the work starts and [`discard`](Self::discard) it when it
/// ends, or hold a [`guard`](Self::guard) that discards it when dropped, panic or not. A
/// member that is never discarded stops counting once it is `stale_after` old, and is
/// removed by the next sweep, so a forgotten `discard` cannot leak forever.
///
/// # Staleness and sweeps
///
/// A member added at time `t` is stale from `t + stale_after` on: [`contains`](Self::contains)
/// no longer reports it. Stale members stay stored (and counted by [`len`](Self::len)) until
/// a sweep removes them: [`add`](Self::add) sweeps at most once per cleanup interval
/// (default [`DEFAULT_CLEANUP_INTERVAL`]), and [`force_cleanup`](Self::force_cleanup) sweeps
/// now. Time comes from a [`Clock`], so tests can use a [`MockClock`](crate::MockClock).
///
/// # Locking
///
/// One mutex guards the members: every method takes it once, briefly, and runs no user code
/// under it other than `T`'s `Hash`, `Eq` and `Drop`. The set suits a modest number of
/// in-flight ids, not a hot cache.
///
/// # Examples
///
/// ```
/// use cachekit::ExpiringSet;
/// use std::time::Duration;
///
/// let deleting = ExpiringSet::<u64>::new(Duration::from_secs(3600));
/// deleting.add(7);
/// assert!(deleting.contains(&7));
/// deleting.discard(&7);
/// assert!(!deleting.contains(&7));
/// {
///     let _g = deleting.guard(8);
///     assert!(deleting.contains(&8));
/// }
/// assert!(!deleting.contains(&8));
/// ```
pub struct ExpiringSet<T> {
    /// Each member with the tick at which it turns stale.
    members: Mutex<HashMap<T, Tick, DefaultHashBuilder>>,
    stale_after: Duration,
    stale_ticks: Tick,
    clock: Clock,
    cleanup_interval: Tick,
    next_cleanup: AtomicU64,
}

impl<T> fmt::Debug for ExpiringSet<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("ExpiringSet")
            .field("len", &lock(&self.members).len())
            .field("stale_after", &self.stale_after)
            .finish_non_exhaustive()
    }
}

impl<T: Hash + Eq> ExpiringSet<T> {
    /// An empty set whose members turn stale `stale_after` after they are added, on the
    /// system clock, sweeping at most every [`DEFAULT_CLEANUP_INTERVAL`].
    ///
    /// ```
    /// let set = cachekit::ExpiringSet::<String>::new(std::time::Duration::from_secs(60));
    /// assert!(set.is_empty());
    /// assert_eq!(set.stale_after(), std::time::Duration::from_secs(60));
    /// ```
    pub fn new(stale_after: Duration) -> Self {
        Self::builder().stale_after(stale_after).build()
    }

    /// A builder for the threshold, the cleanup interval and the clock.
    ///
    /// ```
    /// use cachekit::{ExpiringSet, MockClock};
    /// use std::time::Duration;
    ///
    /// let clock = MockClock::new();
    /// let set = ExpiringSet::<u32>::builder()
    ///     .stale_after(Duration::from_secs(10))
    ///     .clock(clock.clone())
    ///     .build();
    /// set.add(1);
    /// clock.advance(Duration::from_secs(10));
    /// assert!(!set.contains(&1));
    /// ```
    pub fn builder() -> ExpiringSetBuilder<T> {
        ExpiringSetBuilder {
            stale_after: DEFAULT_STALE_AFTER,
            cleanup_interval: DEFAULT_CLEANUP_INTERVAL,
            clock: Clock::system(),
            marker: std::marker::PhantomData,
        }
    }

    /// Adds `item`, or restarts its stale countdown if it is a member already. Returns
    /// whether it was new (a stale member counts as new).
    ///
    /// Sweeps stale members first when the cleanup interval has passed since the last
    /// sweep, under the same lock: O(members) then, O(1) otherwise.
    ///
    /// ```
    /// let set = cachekit::ExpiringSet::new(std::time::Duration::from_secs(60));
    /// assert!(set.add("job-1"));
    /// assert!(!set.add("job-1"));
    /// assert_eq!(set.len(), 1);
    /// ```
    pub fn add(&self, item: T) -> bool {
        let now = self.clock.now();
        let mut members = lock(&self.members);
        let due = self.next_cleanup.load(Ordering::Relaxed);
        if now >= due {
            self.next_cleanup
                .store(now.saturating_add(self.cleanup_interval), Ordering::Relaxed);
            members.retain(|_, stale_at| *stale_at > now);
        }
        let stale_at = now.saturating_add(self.stale_ticks);
        members
            .insert(item, stale_at)
            .is_none_or(|previous| previous <= now)
    }

    /// Whether `item` is a member that is not stale yet.
    ///
    /// ```
    /// let set = cachekit::ExpiringSet::new(std::time::Duration::from_secs(60));
    /// set.add("job-1".to_string());
    /// assert!(set.contains("job-1")); // a `&str` looks up a `String` member
    /// assert!(!set.contains("job-2"));
    /// ```
    pub fn contains<Q>(&self, item: &Q) -> bool
    where
        T: Borrow<Q>,
        Q: Hash + Eq + ?Sized,
    {
        let now = self.clock.now();
        lock(&self.members)
            .get(item)
            .is_some_and(|stale_at| *stale_at > now)
    }

    /// Removes `item`; returns whether it was a member that was not stale. Discarding
    /// something that is not there does nothing, so it is safe to call twice.
    ///
    /// ```
    /// let set = cachekit::ExpiringSet::new(std::time::Duration::from_secs(60));
    /// set.add(7);
    /// assert!(set.discard(&7));
    /// assert!(!set.discard(&7));
    /// ```
    pub fn discard<Q>(&self, item: &Q) -> bool
    where
        T: Borrow<Q>,
        Q: Hash + Eq + ?Sized,
    {
        let now = self.clock.now();
        lock(&self.members)
            .remove(item)
            .is_some_and(|stale_at| stale_at > now)
    }

    /// Removes every stale member now and returns how many it removed; live members stay.
    ///
    /// ```
    /// use cachekit::{ExpiringSet, MockClock};
    /// use std::time::Duration;
    ///
    /// let clock = MockClock::new();
    /// let set = ExpiringSet::builder()
    ///     .stale_after(Duration::from_secs(10))
    ///     .clock(clock.clone())
    ///     .build();
    /// set.add(1);
    /// clock.advance(Duration::from_secs(5));
    /// set.add(2);
    /// clock.advance(Duration::from_secs(5));
    /// assert_eq!(set.force_cleanup(), 1); // 1 is stale, 2 is not
    /// assert_eq!(set.len(), 1);
    /// ```
    pub fn force_cleanup(&self) -> usize {
        let now = self.clock.now();
        let mut members = lock(&self.members);
        let before = members.len();
        members.retain(|_, stale_at| *stale_at > now);
        before - members.len()
    }

    /// How many stale members are stored now: what [`force_cleanup`](Self::force_cleanup)
    /// would remove, without removing anything (a dry run). O(members).
    ///
    /// ```
    /// use cachekit::{ExpiringSet, MockClock};
    /// use std::time::Duration;
    ///
    /// let clock = MockClock::new();
    /// let set = ExpiringSet::builder()
    ///     .stale_after(Duration::from_secs(10))
    ///     .clock(clock.clone())
    ///     .build();
    /// set.add(1);
    /// clock.advance(Duration::from_secs(10));
    /// assert_eq!(set.stale_len(), 1);
    /// assert_eq!(set.len(), 1); // still stored
    /// ```
    pub fn stale_len(&self) -> usize {
        let now = self.clock.now();
        lock(&self.members)
            .values()
            .filter(|&&stale_at| stale_at <= now)
            .count()
    }

    /// Adds `item` and returns a guard that discards it when dropped, including when the
    /// thread unwinds from a panic.
    ///
    /// If the same item is added again while the guard lives, the guard still discards it
    /// when dropped: a set holds each item once.
    ///
    /// ```
    /// let deleting = cachekit::ExpiringSet::new(std::time::Duration::from_secs(3600));
    /// {
    ///     let _g = deleting.guard(8);
    ///     assert!(deleting.contains(&8)); // 8 is a member until _g drops
    /// }
    /// assert!(!deleting.contains(&8));
    /// ```
    pub fn guard(&self, item: T) -> ExpiringSetGuard<'_, T>
    where
        T: Clone,
    {
        self.add(item.clone());
        ExpiringSetGuard { set: self, item }
    }

    /// Members stored, including stale ones that no sweep has removed yet.
    ///
    /// ```
    /// let set = cachekit::ExpiringSet::new(std::time::Duration::from_secs(60));
    /// set.add(1);
    /// set.add(2);
    /// assert_eq!(set.len(), 2);
    /// ```
    pub fn len(&self) -> usize {
        lock(&self.members).len()
    }

    /// Whether no members are stored.
    ///
    /// ```
    /// let set = cachekit::ExpiringSet::<u8>::new(std::time::Duration::from_secs(60));
    /// assert!(set.is_empty());
    /// ```
    pub fn is_empty(&self) -> bool {
        lock(&self.members).is_empty()
    }

    /// How long a member stays before it is stale.
    ///
    /// ```
    /// let set = cachekit::ExpiringSet::<u8>::builder().build();
    /// assert_eq!(set.stale_after(), cachekit::DEFAULT_STALE_AFTER);
    /// ```
    pub fn stale_after(&self) -> Duration {
        self.stale_after
    }
}

/// Configures and builds an [`ExpiringSet`]; get one from [`ExpiringSet::builder`].
///
/// # Examples
///
/// ```
/// use cachekit::{ExpiringSet, MockClock};
/// use std::time::Duration;
///
/// let set = ExpiringSet::<u64>::builder()
///     .stale_after(Duration::from_secs(600))
///     .cleanup_interval(Duration::from_secs(30))
///     .clock(MockClock::new())
///     .build();
/// assert_eq!(set.stale_after(), Duration::from_secs(600));
/// ```
#[must_use = "a builder does nothing until `build` is called"]
pub struct ExpiringSetBuilder<T> {
    stale_after: Duration,
    cleanup_interval: Duration,
    clock: Clock,
    marker: std::marker::PhantomData<fn(T)>,
}

impl<T> fmt::Debug for ExpiringSetBuilder<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("ExpiringSetBuilder")
            .field("stale_after", &self.stale_after)
            .field("cleanup_interval", &self.cleanup_interval)
            .field("clock", &self.clock)
            .finish()
    }
}

impl<T: Hash + Eq> ExpiringSetBuilder<T> {
    /// How long a member stays before it is stale (default [`DEFAULT_STALE_AFTER`]).
    /// `Duration::MAX` means members never turn stale.
    ///
    /// ```
    /// let set = cachekit::ExpiringSet::<u8>::builder()
    ///     .stale_after(std::time::Duration::from_secs(5))
    ///     .build();
    /// assert_eq!(set.stale_after().as_secs(), 5);
    /// ```
    pub fn stale_after(mut self, stale_after: Duration) -> Self {
        self.stale_after = stale_after;
        self
    }

    /// The least time between two sweeps that [`add`](ExpiringSet::add) runs (default
    /// [`DEFAULT_CLEANUP_INTERVAL`]).
    ///
    /// ```
    /// use std::time::Duration;
    /// let set = cachekit::ExpiringSet::<u8>::builder()
    ///     .cleanup_interval(Duration::from_secs(1))
    ///     .build();
    /// set.add(1);
    /// ```
    pub fn cleanup_interval(mut self, interval: Duration) -> Self {
        self.cleanup_interval = interval;
        self
    }

    /// The time source (default [`Clock::system`]); a [`MockClock`](crate::MockClock)
    /// makes staleness testable without sleeping.
    ///
    /// ```
    /// use cachekit::{ExpiringSet, MockClock};
    /// use std::time::Duration;
    ///
    /// let clock = MockClock::new();
    /// let set = ExpiringSet::builder()
    ///     .stale_after(Duration::from_secs(1))
    ///     .clock(clock.clone())
    ///     .build();
    /// set.add("a");
    /// clock.advance(Duration::from_secs(1));
    /// assert!(!set.contains("a"));
    /// ```
    pub fn clock(mut self, clock: impl Into<Clock>) -> Self {
        self.clock = clock.into();
        self
    }

    /// Builds the set.
    ///
    /// ```
    /// let set = cachekit::ExpiringSet::<u8>::builder().build();
    /// assert!(set.is_empty());
    /// ```
    pub fn build(self) -> ExpiringSet<T> {
        let cleanup_interval = duration_to_ticks(self.cleanup_interval);
        let now = self.clock.now();
        ExpiringSet {
            members: Mutex::new(HashMap::with_hasher(DefaultHashBuilder::default())),
            stale_after: self.stale_after,
            stale_ticks: duration_to_ticks(self.stale_after),
            next_cleanup: AtomicU64::new(now.saturating_add(cleanup_interval)),
            cleanup_interval,
            clock: self.clock,
        }
    }
}

/// Keeps an item in an [`ExpiringSet`] while it lives and discards it when dropped, also
/// when the thread unwinds from a panic. Get one from [`ExpiringSet::guard`].
///
/// # Examples
///
/// ```
/// use cachekit::ExpiringSet;
/// use std::time::Duration;
///
/// let deleting = ExpiringSet::new(Duration::from_secs(3600));
/// let result = std::panic::catch_unwind(|| {
///     let _g = deleting.guard(8);
///     panic!("the deletion failed");
/// });
/// assert!(result.is_err());
/// assert!(!deleting.contains(&8));
/// ```
#[must_use = "the item is discarded as soon as the guard is dropped"]
pub struct ExpiringSetGuard<'a, T: Hash + Eq> {
    set: &'a ExpiringSet<T>,
    item: T,
}

impl<T: Hash + Eq> ExpiringSetGuard<'_, T> {
    /// The item this guard keeps in the set.
    ///
    /// ```
    /// let set = cachekit::ExpiringSet::new(std::time::Duration::from_secs(60));
    /// let g = set.guard(3);
    /// assert_eq!(*g.item(), 3);
    /// ```
    pub fn item(&self) -> &T {
        &self.item
    }
}

impl<T: Hash + Eq + fmt::Debug> fmt::Debug for ExpiringSetGuard<'_, T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("ExpiringSetGuard")
            .field("item", &self.item)
            .finish_non_exhaustive()
    }
}

impl<T: Hash + Eq> Drop for ExpiringSetGuard<'_, T> {
    fn drop(&mut self) {
        self.set.discard(&self.item);
    }
}

/// The members survive a panic elsewhere: a poisoned lock still holds a consistent map
/// (every update is a single `HashMap` call).
fn lock<M>(mutex: &Mutex<M>) -> MutexGuard<'_, M> {
    mutex.lock().unwrap_or_else(PoisonError::into_inner)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::MockClock;

    #[test]
    fn never_stale_with_duration_max() {
        let clock = MockClock::new();
        let set = ExpiringSet::builder()
            .stale_after(Duration::MAX)
            .clock(clock.clone())
            .build();
        set.add(1);
        clock.advance(Duration::from_secs(1 << 40));
        assert!(set.contains(&1));
        assert_eq!(set.force_cleanup(), 0);
    }
}
