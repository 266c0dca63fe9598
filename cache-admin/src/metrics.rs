//! `GET /metrics`: the registry's statistics in the OpenMetrics text format, which
//! Prometheus scrapes natively.
//!
//! A fresh prometheus-client registry is built from one statistics snapshot per scrape, so
//! the caches keep no metric objects of their own and their hit path pays nothing.

use std::collections::BTreeMap;

use cache_core::{CacheStats, HealthReport, HealthStatus};
use prometheus_client::encoding::text::encode;
use prometheus_client::metrics::counter::Counter;
use prometheus_client::metrics::family::Family;
use prometheus_client::metrics::gauge::Gauge;
use prometheus_client::registry::{Registry as Metrics, Unit};

use crate::memory::MemoryReport;

/// The content type of [`render`]'s output.
pub(crate) const CONTENT_TYPE: &str = "application/openmetrics-text; version=1.0.0; charset=utf-8";

type Labels = [(&'static str, String); 1];

/// A metric of every cache: its name, its help text, and how to read it off the statistics.
type PerCache = (&'static str, &'static str, fn(&CacheStats) -> u64);

/// The exposition of `report` (its statistics and status), the stale members of each
/// expiring set, and `memory`.
pub(crate) fn render(
    report: &HealthReport,
    stale: &BTreeMap<String, usize>,
    memory: &MemoryReport,
) -> Result<String, std::fmt::Error> {
    let mut metrics = Metrics::default();
    let stats = &report.stats;

    let counters: [PerCache; 5] = [
        ("cachekit_hits", "Lookups that found a live entry.", |s| {
            s.hits
        }),
        (
            "cachekit_misses",
            "Lookups that found no live entry.",
            |s| s.misses,
        ),
        ("cachekit_inserts", "Values stored.", |s| s.inserts),
        (
            "cachekit_evictions",
            "Live entries removed to respect the size or weight bound.",
            |s| s.evictions,
        ),
        ("cachekit_expirations", "Expired entries removed.", |s| {
            s.expirations
        }),
    ];
    for (name, help, value) in counters {
        let family = Family::<Labels, Counter>::default();
        for (cache, cache_stats) in &stats.caches {
            family
                .get_or_create(&cache_label(cache))
                .inc_by(value(cache_stats));
        }
        metrics.register(name, help, family);
    }

    let gauges: [PerCache; 4] = [
        (
            "cachekit_entries",
            "Entries stored, expired ones not yet removed included.",
            |s| s.size as u64,
        ),
        (
            "cachekit_max_entries",
            "The bound on the number of entries.",
            |s| s.max_size as u64,
        ),
        (
            "cachekit_expired_entries",
            "Expired entries awaiting removal.",
            |s| s.expired_entries as u64,
        ),
        (
            "cachekit_weight",
            "The sum of the stored entries' weights.",
            |s| s.total_weight,
        ),
    ];
    for (name, help, value) in gauges {
        let family = Family::<Labels, Gauge>::default();
        for (cache, cache_stats) in &stats.caches {
            family
                .get_or_create(&cache_label(cache))
                .set(saturating_i64(value(cache_stats)));
        }
        metrics.register(name, help, family);
    }

    let members = Family::<Labels, Gauge>::default();
    for (set, &len) in &stats.expiring_sets {
        members
            .get_or_create(&set_label(set))
            .set(saturating_i64(len as u64));
    }
    metrics.register(
        "cachekit_expiring_set_members",
        "Members of each expiring set, stale ones not yet swept included.",
        members,
    );
    let stale_members = Family::<Labels, Gauge>::default();
    for (set, &len) in stale {
        stale_members
            .get_or_create(&set_label(set))
            .set(saturating_i64(len as u64));
    }
    metrics.register(
        "cachekit_expiring_set_stale_members",
        "Stale members of each expiring set, awaiting a sweep.",
        stale_members,
    );

    let health = Gauge::<i64>::default();
    health.set(match report.status {
        HealthStatus::Healthy => 0,
        HealthStatus::Warning => 1,
        HealthStatus::Critical => 2,
    });
    metrics.register(
        "cachekit_health_status",
        "The registry's health: 0 healthy, 1 warning, 2 critical.",
        health,
    );

    let memory_gauges = [
        (
            "cachekit_process_resident_memory",
            "Resident memory of this process.",
            memory.process_resident_bytes,
        ),
        (
            "cachekit_system_memory_used",
            "System memory in use (MemTotal - MemAvailable).",
            memory.system_used_bytes,
        ),
        (
            "cachekit_system_memory_total",
            "System memory in all.",
            memory.system_total_bytes,
        ),
    ];
    // A figure the platform does not give is left out rather than reported as 0.
    for (name, help, bytes) in memory_gauges {
        if let Some(bytes) = bytes {
            let gauge = Gauge::<i64>::default();
            gauge.set(saturating_i64(bytes));
            metrics.register_with_unit(name, help, Unit::Bytes, gauge);
        }
    }

    let mut text = String::new();
    encode(&mut text, &metrics)?;
    Ok(text)
}

fn cache_label(name: &str) -> Labels {
    [("cache", name.to_owned())]
}

fn set_label(name: &str) -> Labels {
    [("set", name.to_owned())]
}

fn saturating_i64(value: u64) -> i64 {
    i64::try_from(value).unwrap_or(i64::MAX)
}
