//! The JSON shape of `CacheStats`, `RegistryStats` and `HealthReport` (the `serde`
//! feature): field names exactly as documented, `ttl` as `ttl_seconds`.
#![cfg(feature = "serde")]

use cachekit::{HealthStatus, Registry, TtlCache};
use serde_json::{json, Value};
use std::time::Duration;

fn keys(value: &Value) -> Vec<&str> {
    let mut keys: Vec<&str> = value
        .as_object()
        .expect("an object")
        .keys()
        .map(String::as_str)
        .collect();
    keys.sort_unstable();
    keys
}

#[test]
fn cache_stats_fields_with_ttl_in_seconds() {
    let cache = TtlCache::<u32, u32>::new(10, Duration::from_millis(1500));
    cache.insert(1, 1);
    cache.get(&1);
    let value = serde_json::to_value(cache.stats()).unwrap();
    assert_eq!(
        keys(&value),
        [
            "evictions",
            "expirations",
            "expired_entries",
            "hit_rate",
            "hits",
            "inserts",
            "max_size",
            "max_weight",
            "misses",
            "size",
            "total_weight",
            "ttl_seconds",
            "utilization_percent",
        ]
    );
    assert_eq!(value["ttl_seconds"], json!(1.5));
    assert_eq!(value["size"], json!(1));
    assert_eq!(value["hits"], json!(1));
    assert_eq!(value["hit_rate"], json!(1.0));
    assert_eq!(value["max_weight"], Value::Null);
}

#[test]
fn registry_stats_shape() {
    let registry = Registry::new();
    registry
        .get_or_create::<u32, u32>("users", 500, Duration::from_secs(1800))
        .unwrap()
        .insert(1, 1);
    registry
        .get_or_create_expiring_set::<u32>("deleting", Duration::from_secs(60))
        .unwrap()
        .add(7);
    let value = serde_json::to_value(registry.stats()).unwrap();
    assert_eq!(keys(&value), ["caches", "expiring_sets", "global"]);
    assert_eq!(
        keys(&value["global"]),
        [
            "global_utilization_percent",
            "hit_rate",
            "hits",
            "misses",
            "total_caches",
            "total_entries",
            "total_max_entries",
        ]
    );
    assert_eq!(value["caches"]["users"]["ttl_seconds"], json!(1800.0));
    assert_eq!(value["caches"]["users"]["max_size"], json!(500));
    assert_eq!(value["global"]["total_caches"], json!(1));
    assert_eq!(value["global"]["total_entries"], json!(1));
    assert_eq!(value["global"]["global_utilization_percent"], json!(0.2));
    assert_eq!(value["expiring_sets"], json!({ "deleting": 1 }));
}

#[test]
fn stats_json_is_the_json_of_stats() {
    let registry = Registry::new();
    registry
        .get_or_create::<u32, u32>("a", 10, Duration::from_secs(60))
        .unwrap()
        .insert(1, 1);
    let parsed: Value = serde_json::from_str(&registry.stats_json()).unwrap();
    assert_eq!(parsed, serde_json::to_value(registry.stats()).unwrap());
    assert_eq!(parsed["caches"]["a"]["ttl_seconds"], json!(60.0));
    assert!(parsed["caches"]["a"].get("ttl").is_none());
}

#[test]
fn health_report_shape_with_lowercase_status() {
    let registry = Registry::new();
    registry
        .get_or_create::<u32, u32>("hot", 10, Duration::from_secs(60))
        .unwrap()
        .insert_many((0..9).map(|i| (i, i)));
    let report = registry.health();
    assert_eq!(report.status, HealthStatus::Warning);
    let value = serde_json::to_value(&report).unwrap();
    assert_eq!(keys(&value), ["stats", "status", "warnings"]);
    assert_eq!(value["status"], json!("warning"));
    assert_eq!(value["warnings"].as_array().unwrap().len(), 1);
    assert_eq!(value["stats"]["caches"]["hot"]["size"], json!(9));
    for (status, text) in [
        (HealthStatus::Healthy, "healthy"),
        (HealthStatus::Warning, "warning"),
        (HealthStatus::Critical, "critical"),
    ] {
        assert_eq!(serde_json::to_value(status).unwrap(), json!(text));
        assert_eq!(status.to_string(), text);
    }
}
