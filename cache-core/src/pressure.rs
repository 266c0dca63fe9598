//! Memory pressure: a probe of the system's memory use, and the policy that sheds cache
//! entries when it runs high.

use std::fmt;
use std::sync::Arc;

use crate::Registry;

/// The default high watermark of [`MemoryPressurePolicy`]: at 85% of system memory used,
/// expired entries are removed.
///
/// ```
/// let policy = cachekit::MemoryPressurePolicy::new();
/// assert_eq!(policy.high_watermark_percent(), cachekit::DEFAULT_HIGH_WATERMARK_PERCENT);
/// ```
pub const DEFAULT_HIGH_WATERMARK_PERCENT: f64 = 85.0;

/// The default critical watermark of [`MemoryPressurePolicy`]: at 90% of system memory used,
/// every cache is cleared.
///
/// ```
/// let policy = cachekit::MemoryPressurePolicy::new();
/// assert_eq!(policy.critical_watermark_percent(), cachekit::DEFAULT_CRITICAL_WATERMARK_PERCENT);
/// ```
pub const DEFAULT_CRITICAL_WATERMARK_PERCENT: f64 = 90.0;

/// How much of the system's memory is in use, as a [`MemoryProbe`] reports it.
///
/// # Examples
///
/// ```
/// let usage = cachekit::MemoryUsage { used_bytes: 3 << 30, total_bytes: 4 << 30 };
/// assert_eq!(usage.used_percent(), 75.0);
/// ```
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct MemoryUsage {
    /// Bytes in use (on Linux: `MemTotal − MemAvailable`).
    pub used_bytes: u64,
    /// Bytes in all.
    pub total_bytes: u64,
}

impl MemoryUsage {
    /// `used_bytes` as a percentage of `total_bytes` (0 when that is 0).
    ///
    /// ```
    /// let usage = cachekit::MemoryUsage { used_bytes: 1, total_bytes: 0 };
    /// assert_eq!(usage.used_percent(), 0.0);
    /// ```
    pub fn used_percent(&self) -> f64 {
        if self.total_bytes == 0 {
            0.0
        } else {
            self.used_bytes as f64 * 100.0 / self.total_bytes as f64
        }
    }
}

/// A source of [`MemoryUsage`] readings: [`SystemMemory`] in production, anything else in
/// tests. Any `Fn() -> Option<MemoryUsage> + Send + Sync` is one.
///
/// # Examples
///
/// ```
/// use cachekit::{MemoryProbe, MemoryUsage};
///
/// let full = || Some(MemoryUsage { used_bytes: 95, total_bytes: 100 });
/// assert_eq!(full.usage().unwrap().used_percent(), 95.0);
/// ```
pub trait MemoryProbe: Send + Sync {
    /// The memory in use now, or `None` when it cannot be known (the policy then does
    /// nothing).
    ///
    /// ```
    /// use cachekit::{MemoryProbe, MemoryUsage};
    ///
    /// struct HalfFull;
    /// impl MemoryProbe for HalfFull {
    ///     fn usage(&self) -> Option<MemoryUsage> {
    ///         Some(MemoryUsage { used_bytes: 1 << 30, total_bytes: 2 << 30 })
    ///     }
    /// }
    /// assert_eq!(HalfFull.usage().map(|u| u.used_percent()), Some(50.0));
    /// ```
    fn usage(&self) -> Option<MemoryUsage>;
}

impl<F> MemoryProbe for F
where
    F: Fn() -> Option<MemoryUsage> + Send + Sync,
{
    fn usage(&self) -> Option<MemoryUsage> {
        self()
    }
}

/// The operating system's view of memory: `MemTotal` and `MemAvailable` from
/// `/proc/meminfo` on Linux. Elsewhere, or when the file cannot be read or lacks those
/// lines (kernels before 3.14), it reports `None`.
///
/// # Examples
///
/// ```
/// use cachekit::{MemoryProbe, SystemMemory};
///
/// if let Some(usage) = SystemMemory.usage() {
///     assert!(usage.used_bytes <= usage.total_bytes);
/// }
/// ```
#[derive(Clone, Copy, Debug, Default)]
pub struct SystemMemory;

impl MemoryProbe for SystemMemory {
    fn usage(&self) -> Option<MemoryUsage> {
        if cfg!(target_os = "linux") {
            parse_meminfo(&std::fs::read_to_string("/proc/meminfo").ok()?)
        } else {
            None
        }
    }
}

/// `MemTotal` and `MemAvailable` (in kB) from the text of `/proc/meminfo`.
fn parse_meminfo(text: &str) -> Option<MemoryUsage> {
    let field = |name: &str| {
        text.lines().find_map(|line| {
            let rest = line.strip_prefix(name)?.strip_prefix(':')?;
            let kib: u64 = rest.trim().trim_end_matches("kB").trim().parse().ok()?;
            kib.checked_mul(1024)
        })
    };
    let total_bytes = field("MemTotal")?;
    let available = field("MemAvailable")?;
    Some(MemoryUsage {
        used_bytes: total_bytes.saturating_sub(available),
        total_bytes,
    })
}

/// What [`MemoryPressurePolicy::check`] found and did.
///
/// # Examples
///
/// ```
/// use cachekit::{MemoryPressurePolicy, MemoryUsage, PressureAction, Registry};
///
/// let policy = MemoryPressurePolicy::new()
///     .with_probe(|| Some(MemoryUsage { used_bytes: 50, total_bytes: 100 }));
/// assert_eq!(policy.check(&Registry::new()), PressureAction::Normal);
/// ```
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum PressureAction {
    /// The probe could not tell; nothing was done.
    Unmeasured,
    /// Memory use is below the high watermark; nothing was done.
    Normal,
    /// Memory use reached the high watermark: expired entries were removed from every cache.
    CleanedUp {
        /// How many entries were removed.
        removed: usize,
    },
    /// Memory use reached the critical watermark: every cache was cleared.
    Cleared,
}

/// Sheds cache entries when the system runs short of memory: from the high watermark on
/// (default [`DEFAULT_HIGH_WATERMARK_PERCENT`]) it removes expired entries from every cache
/// ([`Registry::cleanup_all`]); from the critical one on (default
/// [`DEFAULT_CRITICAL_WATERMARK_PERCENT`]) it clears every cache ([`Registry::clear_all`]).
/// Each action is logged through the [`log`] facade (`warn` for cleanups, `error` for
/// clears).
///
/// Run it yourself with [`check`](Self::check), or on every tick of a janitor with
/// [`Registry::start_janitor_with_pressure`].
///
/// # Examples
///
/// ```
/// use cachekit::{MemoryPressurePolicy, MemoryUsage, PressureAction, Registry};
/// use std::time::Duration;
///
/// let registry = Registry::new();
/// let cache = registry.get_or_create::<u32, u32>("big", 100, Duration::from_secs(60))?;
/// cache.insert(1, 1);
/// // A probe that always reports 92% of memory in use, as under real pressure.
/// let policy = MemoryPressurePolicy::new()
///     .with_probe(|| Some(MemoryUsage { used_bytes: 92, total_bytes: 100 }));
/// assert_eq!(policy.check(&registry), PressureAction::Cleared);
/// assert!(cache.is_empty());
/// # Ok::<(), cachekit::RegistryError>(())
/// ```
#[derive(Clone)]
pub struct MemoryPressurePolicy {
    high_watermark_percent: f64,
    critical_watermark_percent: f64,
    probe: Arc<dyn MemoryProbe>,
}

impl fmt::Debug for MemoryPressurePolicy {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("MemoryPressurePolicy")
            .field("high_watermark_percent", &self.high_watermark_percent)
            .field(
                "critical_watermark_percent",
                &self.critical_watermark_percent,
            )
            .finish_non_exhaustive()
    }
}

impl Default for MemoryPressurePolicy {
    /// The same as [`MemoryPressurePolicy::new`].
    ///
    /// ```
    /// let policy = cachekit::MemoryPressurePolicy::default();
    /// assert_eq!(policy.high_watermark_percent(), 85.0);
    /// ```
    fn default() -> Self {
        Self::new()
    }
}

impl MemoryPressurePolicy {
    /// The default watermarks (85% and 90%) with the [`SystemMemory`] probe.
    ///
    /// ```
    /// let policy = cachekit::MemoryPressurePolicy::new();
    /// assert_eq!(policy.critical_watermark_percent(), 90.0);
    /// ```
    pub fn new() -> Self {
        Self {
            high_watermark_percent: DEFAULT_HIGH_WATERMARK_PERCENT,
            critical_watermark_percent: DEFAULT_CRITICAL_WATERMARK_PERCENT,
            probe: Arc::new(SystemMemory),
        }
    }

    /// Replaces the probe, for tests that simulate pressure or for another source of
    /// readings (a cgroup limit, say).
    ///
    /// ```
    /// use cachekit::{MemoryPressurePolicy, PressureAction, Registry};
    /// let policy = MemoryPressurePolicy::new().with_probe(|| None);
    /// assert_eq!(policy.check(&Registry::new()), PressureAction::Unmeasured);
    /// ```
    #[must_use]
    pub fn with_probe(mut self, probe: impl MemoryProbe + 'static) -> Self {
        self.probe = Arc::new(probe);
        self
    }

    /// Sets the high watermark, in percent of memory used; from it on, `check` removes
    /// expired entries.
    ///
    /// ```
    /// let policy = cachekit::MemoryPressurePolicy::new().high_watermark(70.0);
    /// assert_eq!(policy.high_watermark_percent(), 70.0);
    /// ```
    #[must_use]
    pub fn high_watermark(mut self, percent: f64) -> Self {
        self.high_watermark_percent = percent;
        self
    }

    /// Sets the critical watermark, in percent of memory used; from it on, `check` clears
    /// every cache (it wins when both watermarks are reached).
    ///
    /// ```
    /// let policy = cachekit::MemoryPressurePolicy::new().critical_watermark(97.5);
    /// assert_eq!(policy.critical_watermark_percent(), 97.5);
    /// ```
    #[must_use]
    pub fn critical_watermark(mut self, percent: f64) -> Self {
        self.critical_watermark_percent = percent;
        self
    }

    /// The high watermark, in percent.
    ///
    /// ```
    /// assert_eq!(cachekit::MemoryPressurePolicy::new().high_watermark_percent(), 85.0);
    /// ```
    pub fn high_watermark_percent(&self) -> f64 {
        self.high_watermark_percent
    }

    /// The critical watermark, in percent.
    ///
    /// ```
    /// assert_eq!(cachekit::MemoryPressurePolicy::new().critical_watermark_percent(), 90.0);
    /// ```
    pub fn critical_watermark_percent(&self) -> f64 {
        self.critical_watermark_percent
    }

    /// Reads the probe once and acts on `registry` as the watermarks say; see the type's
    /// documentation. Locks what [`Registry::cleanup_all`] or [`Registry::clear_all`] lock.
    ///
    /// ```
    /// use cachekit::{
    ///     MemoryPressurePolicy, MemoryUsage, MockClock, PressureAction, Registry, TtlCache,
    /// };
    /// use std::time::Duration;
    ///
    /// let clock = MockClock::new();
    /// let registry = Registry::new();
    /// let cache = registry.get_or_create_with("c", || {
    ///     TtlCache::<u32, u32>::builder().ttl(Duration::from_secs(1)).clock(clock.clone()).build()
    /// })?;
    /// cache.insert(1, 1);
    /// clock.advance(Duration::from_secs(2));
    /// let policy = MemoryPressurePolicy::new()
    ///     .with_probe(|| Some(MemoryUsage { used_bytes: 86, total_bytes: 100 }));
    /// assert_eq!(policy.check(&registry), PressureAction::CleanedUp { removed: 1 });
    /// # Ok::<(), cachekit::RegistryError>(())
    /// ```
    pub fn check(&self, registry: &Registry) -> PressureAction {
        let Some(usage) = self.probe.usage() else {
            return PressureAction::Unmeasured;
        };
        let used = usage.used_percent();
        if used >= self.critical_watermark_percent {
            registry.clear_all();
            log::error!(
                "cachekit: {used:.1}% of memory used (critical watermark {}%): cleared every cache",
                self.critical_watermark_percent
            );
            PressureAction::Cleared
        } else if used >= self.high_watermark_percent {
            let removed = registry.cleanup_all().values().sum();
            log::warn!(
                "cachekit: {used:.1}% of memory used (high watermark {}%): \
                 removed {removed} expired entries",
                self.high_watermark_percent
            );
            PressureAction::CleanedUp { removed }
        } else {
            PressureAction::Normal
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn meminfo_is_parsed_in_bytes() {
        let text = "MemTotal:       16000 kB\nMemFree:         1000 kB\nMemAvailable:    4000 kB\n";
        assert_eq!(
            parse_meminfo(text),
            Some(MemoryUsage {
                used_bytes: 12000 * 1024,
                total_bytes: 16000 * 1024
            })
        );
    }

    #[test]
    fn meminfo_without_available_is_unknown() {
        assert_eq!(parse_meminfo("MemTotal: 16000 kB\nMemFree: 1 kB\n"), None);
        assert_eq!(parse_meminfo("MemTotal: lots\nMemAvailable: 1 kB\n"), None);
        assert_eq!(parse_meminfo(""), None);
    }

    #[test]
    fn meminfo_prefixes_do_not_match_longer_names() {
        let text = "MemTotalX: 1 kB\nMemTotal: 10 kB\nMemAvailable: 5 kB\n";
        assert_eq!(parse_meminfo(text).map(|u| u.total_bytes), Some(10 * 1024));
    }
}
