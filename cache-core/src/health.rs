//! Health reports: the registry's statistics judged against [`HealthThresholds`].

use std::fmt;

use crate::RegistryStats;

/// How healthy a [`Registry`](crate::Registry)'s caches are, worst last (so `Ord` compares
/// severity).
///
/// With the `serde` feature it serializes as `"healthy"`, `"warning"` or `"critical"`, as
/// its `Display` does.
///
/// # Examples
///
/// ```
/// use cachekit::HealthStatus;
/// assert!(HealthStatus::Healthy < HealthStatus::Warning);
/// assert!(HealthStatus::Warning < HealthStatus::Critical);
/// assert_eq!(HealthStatus::Critical.to_string(), "critical");
/// ```
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, PartialOrd, Ord, Hash)]
#[cfg_attr(feature = "serde", derive(serde::Serialize))]
#[cfg_attr(feature = "serde", serde(rename_all = "lowercase"))]
pub enum HealthStatus {
    /// No threshold is crossed.
    #[default]
    Healthy,
    /// A warning threshold is crossed: a cache nearly full, expired entries piling up, or an
    /// expiring set growing; or a health check attached with
    /// [`Registry::add_health_check`](crate::Registry::add_health_check) reported a problem
    /// (such as the shared Redis tier's open circuit breaker).
    Warning,
    /// The caches as a whole are nearly full.
    Critical,
}

impl fmt::Display for HealthStatus {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Self::Healthy => "healthy",
            Self::Warning => "warning",
            Self::Critical => "critical",
        })
    }
}

/// The limits [`Registry::health_with`](crate::Registry::health_with) judges by. Each
/// finding is a limit *exceeded* (strictly above it).
///
/// The defaults, used by [`Registry::health`](crate::Registry::health), follow common
/// monitoring practice: a cache above 80% of its bound, more than 50 expired entries
/// awaiting cleanup over all caches, or an expiring set of more than 100 members is a
/// [`Warning`](HealthStatus::Warning); all caches together above 95% of their bounds is
/// [`Critical`](HealthStatus::Critical).
///
/// # Examples
///
/// ```
/// use cachekit::{HealthStatus, HealthThresholds, Registry};
/// use std::time::Duration;
///
/// let registry = Registry::new();
/// let cache = registry.get_or_create::<u32, u32>("small", 10, Duration::from_secs(60))?;
/// cache.insert_many((0..6).map(|i| (i, i)));
/// assert_eq!(registry.health().status, HealthStatus::Healthy); // 60% ≤ 80%
/// let strict = HealthThresholds {
///     cache_utilization_percent: 50.0,
///     ..HealthThresholds::default()
/// };
/// assert_eq!(registry.health_with(&strict).status, HealthStatus::Warning);
/// # Ok::<(), cachekit::RegistryError>(())
/// ```
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct HealthThresholds {
    /// A cache above this utilization (percent of its `max_size`) is a warning. Default 80.
    pub cache_utilization_percent: f64,
    /// More expired-but-not-yet-removed entries than this, summed over all caches, is a
    /// warning. Default 50.
    pub expired_entries: usize,
    /// An expiring set with more members than this is a warning. Default 100.
    pub expiring_set_members: usize,
    /// A global utilization (all entries over all bounds, percent) above this is critical.
    /// Default 95.
    pub critical_utilization_percent: f64,
}

impl Default for HealthThresholds {
    /// 80% per cache, 50 expired entries, 100 set members, 95% globally.
    ///
    /// ```
    /// let t = cachekit::HealthThresholds::default();
    /// assert_eq!((t.cache_utilization_percent, t.critical_utilization_percent), (80.0, 95.0));
    /// assert_eq!((t.expired_entries, t.expiring_set_members), (50, 100));
    /// ```
    fn default() -> Self {
        Self {
            cache_utilization_percent: 80.0,
            expired_entries: 50,
            expiring_set_members: 100,
            critical_utilization_percent: 95.0,
        }
    }
}

/// A [`Registry`](crate::Registry)'s health: a status, one human-readable line per finding,
/// and the statistics it was judged on. Its `Display` prints the status and the lines.
///
/// With the `serde` feature it serializes to JSON with the fields `status`, `warnings` and
/// `stats`.
///
/// # Examples
///
/// ```
/// use cachekit::{HealthStatus, Registry};
/// use std::time::Duration;
///
/// let registry = Registry::new();
/// let cache = registry.get_or_create::<u32, u32>("sessions", 10, Duration::from_secs(60))?;
/// cache.insert_many((0..9).map(|i| (i, i)));
/// let report = registry.health();
/// assert_eq!(report.status, HealthStatus::Warning);
/// assert_eq!(report.warnings.len(), 1);
/// assert!(report.warnings[0].contains("sessions"));
/// assert_eq!(report.stats.caches["sessions"].size, 9);
/// assert!(report.to_string().starts_with("warning"));
/// # Ok::<(), cachekit::RegistryError>(())
/// ```
#[derive(Clone, Debug, PartialEq)]
#[cfg_attr(feature = "serde", derive(serde::Serialize))]
pub struct HealthReport {
    /// The worst finding's severity; `Healthy` when there is none.
    pub status: HealthStatus,
    /// One line per finding, warnings and critical ones alike.
    pub warnings: Vec<String>,
    /// The statistics the report judged.
    pub stats: RegistryStats,
}

impl HealthReport {
    pub(crate) fn judge(stats: RegistryStats, thresholds: &HealthThresholds) -> Self {
        let mut status = HealthStatus::Healthy;
        let mut warnings = Vec::new();
        let mut find = |severity: HealthStatus, line: String| {
            status = status.max(severity);
            warnings.push(line);
        };
        for (name, cache) in &stats.caches {
            if cache.utilization_percent > thresholds.cache_utilization_percent {
                find(
                    HealthStatus::Warning,
                    format!(
                        "cache {name:?} is {:.1}% full ({} of {} entries; threshold {}%)",
                        cache.utilization_percent,
                        cache.size,
                        cache.max_size,
                        thresholds.cache_utilization_percent
                    ),
                );
            }
        }
        let expired: usize = stats.caches.values().map(|c| c.expired_entries).sum();
        if expired > thresholds.expired_entries {
            find(
                HealthStatus::Warning,
                format!(
                    "{expired} expired entries await cleanup across all caches (threshold {})",
                    thresholds.expired_entries
                ),
            );
        }
        for (name, &members) in &stats.expiring_sets {
            if members > thresholds.expiring_set_members {
                find(
                    HealthStatus::Warning,
                    format!(
                        "expiring set {name:?} has {members} members (threshold {})",
                        thresholds.expiring_set_members
                    ),
                );
            }
        }
        let global = stats.global.global_utilization_percent;
        if global > thresholds.critical_utilization_percent {
            find(
                HealthStatus::Critical,
                format!(
                    "all caches together are {global:.1}% full (critical threshold {}%)",
                    thresholds.critical_utilization_percent
                ),
            );
        }
        Self {
            status,
            warnings,
            stats,
        }
    }
}

impl HealthReport {
    /// Adds a finding of a health check: a warning line, and at least `Warning`.
    pub(crate) fn add_warning(&mut self, line: String) {
        self.status = self.status.max(HealthStatus::Warning);
        if !self.warnings.contains(&line) {
            self.warnings.push(line);
        }
    }
}

impl fmt::Display for HealthReport {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let global = &self.stats.global;
        write!(
            f,
            "{}: {} caches, {} of {} entries ({:.1}%), hit rate {:.1}%",
            self.status,
            global.total_caches,
            global.total_entries,
            global.total_max_entries,
            global.global_utilization_percent,
            global.hit_rate * 100.0
        )?;
        for line in &self.warnings {
            write!(f, "\n- {line}")?;
        }
        Ok(())
    }
}
