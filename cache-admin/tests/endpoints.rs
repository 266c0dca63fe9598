//! Every endpoint through the router: JSON shapes, status codes, the token, dry runs.

mod common;

use axum::http::{Method, StatusCode};
use cachekit::admin::{self, paths, AdminConfig};
use cachekit::{HealthThresholds, TtlCache};
use common::{get, populated, post, registry, router, send, TOKEN};
use std::time::Duration;

// ---------------------------------------------------------------------------------------
// GET /cache/stats

#[tokio::test]
async fn stats_has_the_registry_stats_and_memory() {
    let (registry, _clock) = populated();
    let answer = get(&router(registry), "/cache/stats").await;
    assert_eq!(answer.status, StatusCode::OK);
    let json = answer.json();
    let users = &json["caches"]["users"];
    assert_eq!(users["size"], 3);
    assert_eq!(users["max_size"], 100);
    assert_eq!(users["expired_entries"], 1);
    assert_eq!(users["ttl_seconds"], 60.0);
    let prices = &json["caches"]["prices"];
    assert_eq!(
        (prices["hits"].as_u64(), prices["misses"].as_u64()),
        (Some(1), Some(1))
    );
    assert_eq!(json["global"]["total_caches"], 2);
    assert_eq!(json["global"]["total_entries"], 5);
    assert_eq!(json["expiring_sets"]["deleting"], 2);
    let memory = json["memory"].as_object().expect("a memory object");
    for field in [
        "process_resident_bytes",
        "system_used_bytes",
        "system_total_bytes",
    ] {
        let value = &memory[field];
        assert!(value.is_u64() || value.is_null(), "{field}: {value}");
        if cfg!(target_os = "linux") {
            assert!(
                value.as_u64().is_some_and(|bytes| bytes > 0),
                "{field}: {value}"
            );
        }
    }
}

#[tokio::test]
async fn stats_of_one_cache() {
    let (registry, _clock) = populated();
    let json = get(&router(registry), "/cache/stats?name=users")
        .await
        .json();
    let caches = json["caches"].as_object().unwrap();
    assert_eq!(caches.keys().collect::<Vec<_>>(), ["users"]);
    assert_eq!(
        json["global"]["total_caches"], 2,
        "global stays the registry's"
    );
    assert!(json["expiring_sets"].as_object().unwrap().is_empty());
    assert!(json["memory"].is_object());
}

#[tokio::test]
async fn stats_names_are_percent_decoded() {
    let registry = registry();
    registry
        .get_or_create::<u8, u8>("a b/ü\"", 10, Duration::from_secs(60))
        .unwrap();
    let answer = get(&router(registry), "/cache/stats?name=a%20b%2F%C3%BC%22").await;
    assert_eq!(answer.status, StatusCode::OK);
    assert!(answer.json()["caches"]["a b/ü\""].is_object());
}

#[tokio::test]
async fn stats_of_an_unknown_cache_is_a_json_404() {
    let (registry, _clock) = populated();
    let answer = get(&router(registry), "/cache/stats?name=nobody").await;
    assert_eq!(answer.status, StatusCode::NOT_FOUND);
    assert!(answer.error().contains("nobody"));
}

#[tokio::test]
async fn unknown_or_repeated_parameters_are_a_json_400() {
    let (registry, _clock) = populated();
    let router = router(registry);
    for uri in [
        "/cache/stats?nmae=users",
        "/cache/stats?name=users&name=prices",
        "/cache/tracker?dry_run=true",
    ] {
        let answer = get(&router, uri).await;
        assert_eq!(answer.status, StatusCode::BAD_REQUEST, "{uri}");
        assert!(!answer.error().is_empty());
    }
}

#[tokio::test]
async fn an_empty_registry_has_empty_stats() {
    let json = get(&router(registry()), "/cache/stats").await.json();
    assert!(json["caches"].as_object().unwrap().is_empty());
    assert_eq!(json["global"]["total_caches"], 0);
    assert_eq!(json["global"]["hit_rate"], 0.0);
}

// ---------------------------------------------------------------------------------------
// GET /cache/health

#[tokio::test]
async fn health_is_200_when_healthy() {
    let (registry, _clock) = populated();
    let answer = get(&router(registry), "/cache/health").await;
    assert_eq!(answer.status, StatusCode::OK);
    let json = answer.json();
    assert_eq!(json["status"], "healthy");
    assert_eq!(json["warnings"], serde_json::json!([]));
    assert_eq!(json["stats"]["caches"]["users"]["size"], 3);
}

#[tokio::test]
async fn health_is_200_with_a_warning() {
    let registry = registry();
    // 9 of 10 (90% > 80%) is a warning; 9 of 10+100 globally is far from critical.
    let full = registry
        .get_or_create::<u32, u32>("nearly-full", 10, Duration::from_secs(60))
        .unwrap();
    full.insert_many((0..9).map(|i| (i, i)));
    registry
        .get_or_create::<u32, u32>("roomy", 100, Duration::from_secs(60))
        .unwrap();
    let answer = get(&router(registry), "/cache/health").await;
    assert_eq!(answer.status, StatusCode::OK);
    let json = answer.json();
    assert_eq!(json["status"], "warning");
    assert!(json["warnings"][0]
        .as_str()
        .unwrap()
        .contains("nearly-full"));
}

#[tokio::test]
async fn health_is_503_when_critical() {
    let registry = registry();
    let full = registry
        .get_or_create::<u32, u32>("full", 10, Duration::from_secs(60))
        .unwrap();
    full.insert_many((0..10).map(|i| (i, i)));
    let answer = get(&router(registry), "/cache/health?probe=lb&x=%ZZ").await;
    assert_eq!(answer.status, StatusCode::SERVICE_UNAVAILABLE);
    assert_eq!(answer.json()["status"], "critical");
}

#[tokio::test]
async fn health_uses_the_configured_thresholds() {
    let (registry, _clock) = populated();
    let strict = HealthThresholds {
        expiring_set_members: 1,
        ..HealthThresholds::default()
    };
    let router = admin::router(registry, AdminConfig::new().health_thresholds(strict));
    let json = get(&router, "/cache/health").await.json();
    assert_eq!(json["status"], "warning");
    assert!(json["warnings"][0].as_str().unwrap().contains("deleting"));
}

// ---------------------------------------------------------------------------------------
// GET /metrics

#[tokio::test]
async fn metrics_are_openmetrics_text() {
    let (registry, _clock) = populated();
    let answer = get(&router(registry), "/metrics").await;
    assert_eq!(answer.status, StatusCode::OK);
    assert!(
        answer
            .content_type
            .starts_with("application/openmetrics-text"),
        "{}",
        answer.content_type
    );
    let text = answer.text();
    for line in [
        "# TYPE cachekit_hits counter",
        "cachekit_hits_total{cache=\"prices\"} 1",
        "cachekit_misses_total{cache=\"prices\"} 1",
        "cachekit_inserts_total{cache=\"users\"} 3",
        "cachekit_evictions_total{cache=\"users\"} 0",
        "cachekit_expirations_total{cache=\"users\"} 0",
        "# TYPE cachekit_entries gauge",
        "cachekit_entries{cache=\"users\"} 3",
        "cachekit_max_entries{cache=\"prices\"} 50",
        "cachekit_expired_entries{cache=\"users\"} 1",
        "cachekit_expiring_set_members{set=\"deleting\"} 2",
        "cachekit_expiring_set_stale_members{set=\"deleting\"} 1",
        "cachekit_health_status 0",
    ] {
        assert!(
            text.lines().any(|l| l == line),
            "missing {line:?} in:\n{text}"
        );
    }
    if cfg!(target_os = "linux") {
        assert!(text.contains("\ncachekit_process_resident_memory_bytes "));
        assert!(text.contains("\ncachekit_system_memory_total_bytes "));
    }
    assert!(text.ends_with("# EOF\n"));
}

#[tokio::test]
async fn metrics_escape_label_values() {
    let registry = registry();
    registry
        .get_or_create::<u8, u8>("we\"ird\\name\nx", 10, Duration::from_secs(60))
        .unwrap();
    let text = get(&router(registry), "/metrics").await.text();
    assert!(
        text.contains(r#"cachekit_entries{cache="we\"ird\\name\nx"} 0"#),
        "{text}"
    );
}

#[tokio::test]
async fn metrics_count_at_scrape_time() {
    let registry = registry();
    let cache = registry
        .get_or_create::<u8, u8>("c", 10, Duration::from_secs(60))
        .unwrap();
    let router = router(registry);
    assert!(get(&router, "/metrics")
        .await
        .text()
        .contains("cachekit_hits_total{cache=\"c\"} 0"));
    cache.insert(1, 1);
    cache.get(&1);
    cache.get(&1);
    assert!(get(&router, "/metrics")
        .await
        .text()
        .contains("cachekit_hits_total{cache=\"c\"} 2"));
}

// ---------------------------------------------------------------------------------------
// GET /cache/tracker

#[tokio::test]
async fn tracker_lists_expiring_sets() {
    let (registry, _clock) = populated();
    let router = router(registry);
    let json = get(&router, "/cache/tracker").await.json();
    assert_eq!(
        json,
        serde_json::json!({
            "expiring_sets": { "deleting": { "members": 2, "stale": 1 } },
            "total_members": 2,
            "total_stale": 1,
        })
    );
    let one = get(&router, "/cache/tracker?name=deleting").await;
    assert_eq!(one.status, StatusCode::OK);
    assert_eq!(one.json()["total_members"], 2);
    let missing = get(&router, "/cache/tracker?name=users").await;
    assert_eq!(missing.status, StatusCode::NOT_FOUND);
    assert!(missing.error().contains("users"));
}

// ---------------------------------------------------------------------------------------
// GET /cache/ (the dashboard)

fn header(answer: &common::Answer, name: &str) -> String {
    answer
        .headers
        .get(name)
        .and_then(|value| value.to_str().ok())
        .unwrap_or_default()
        .to_owned()
}

#[tokio::test]
async fn the_dashboard_is_html_with_a_strict_policy() {
    let (registry, _clock) = populated();
    let answer = get(&router(registry), paths::DASHBOARD).await;
    assert_eq!(answer.status, StatusCode::OK);
    assert_eq!(answer.content_type, "text/html; charset=utf-8");
    assert!(answer.text().starts_with("<!DOCTYPE html>"));
    let policy = header(&answer, "content-security-policy");
    let directives: Vec<&str> = policy.split(';').map(str::trim).collect();
    for directive in [
        "default-src 'none'",
        "connect-src 'self'",
        "img-src data:",
        "base-uri 'none'",
        "form-action 'none'",
        "frame-ancestors 'none'",
    ] {
        assert!(directives.contains(&directive), "{directive} in {policy}");
    }
    // The one inline script and the one inline style, by hash: nothing else runs.
    for kind in ["script-src ", "style-src "] {
        let directive = directives
            .iter()
            .find(|d| d.starts_with(kind))
            .unwrap_or_else(|| panic!("no {kind}in {policy}"));
        let sources: Vec<&str> = directive.split_whitespace().skip(1).collect();
        assert_eq!(sources.len(), 1, "{directive}");
        let hash = sources[0]
            .strip_prefix("'sha256-")
            .and_then(|s| s.strip_suffix('\''))
            .unwrap_or_else(|| panic!("{directive}"));
        assert_eq!(hash.len(), 44, "a base64 SHA-256: {directive}");
    }
    assert!(!policy.contains("unsafe"), "{policy}");
    assert_eq!(header(&answer, "x-frame-options"), "DENY");
    assert_eq!(header(&answer, "x-content-type-options"), "nosniff");
    assert_eq!(header(&answer, "referrer-policy"), "no-referrer");
}

#[tokio::test]
async fn the_dashboard_loads_nothing_from_elsewhere() {
    let page = get(&router(registry()), paths::DASHBOARD).await.text();
    for external in [
        "http://",
        "https://",
        "\"//",
        "'//",
        "@import",
        "url(",
        "<script src",
        "<iframe",
        "<img",
        "<object",
        "<embed",
    ] {
        assert!(!page.contains(external), "the page has {external:?}");
    }
    assert_eq!(page.matches("<script").count(), 1);
    assert_eq!(page.matches("<style").count(), 1);
    let links: Vec<&str> = page
        .match_indices("<link")
        .map(|(i, _)| &page[i..])
        .collect();
    assert_eq!(links.len(), 1);
    assert!(links[0].starts_with("<link rel=\"icon\" href=\"data:,\">"));
    // Cache names are user strings: the page builds its DOM without parsing markup.
    for sink in [
        "innerHTML",
        "outerHTML",
        "insertAdjacentHTML",
        "document.write",
        "eval(",
        "new Function",
    ] {
        assert!(!page.contains(sink), "the page uses {sink}");
    }
    // Relative URLs only, so that a prefix the router is nested under is kept.
    assert!(!page.contains("\"/cache") && !page.contains("'/cache"));
}

#[tokio::test]
async fn the_dashboard_urls_resolve_under_a_prefix() {
    let (registry, _clock) = populated();
    let app = axum::Router::new().nest("/admin", admin::router(registry, common::config()));
    let base = "/admin/cache/";
    let answer = get(&app, base).await;
    assert_eq!(answer.status, StatusCode::OK);
    // Each "./x" of the page, resolved against the page's URL as a browser does.
    let page = answer.text();
    let mut relative: Vec<&str> = page
        .split("\"./")
        .skip(1)
        .map(|rest| &rest[..rest.find(['"', '?']).unwrap()])
        .collect();
    relative.sort_unstable();
    relative.dedup();
    assert_eq!(relative, ["clear", "health", "stats"]);
    let stats = get(&app, &format!("{base}stats")).await;
    assert_eq!(stats.json()["global"]["total_caches"], 2);
    assert_eq!(
        get(&app, &format!("{base}health")).await.json()["status"],
        "healthy"
    );
    let cleared = post(&app, &format!("{base}clear?name=users")).await;
    assert_eq!(cleared.json()["removed"]["users"], 3);
    assert_eq!(registry.stats().caches["users"].size, 0);
}

#[tokio::test]
async fn the_dashboard_only_answers_get() {
    let (registry, _clock) = populated();
    let router = router(registry);
    let before = registry.stats();
    let answer = send(&router, Method::POST, paths::DASHBOARD, Some(TOKEN)).await;
    assert_eq!(answer.status, StatusCode::METHOD_NOT_ALLOWED);
    assert!(!answer.error().is_empty());
    assert!(header(&answer, "allow").contains("GET"));
    let head = send(&router, Method::HEAD, paths::DASHBOARD, None).await;
    assert_eq!(head.status, StatusCode::OK);
    assert!(head.body.is_empty());
    // Its query string is the page's business, not the server's.
    let answer = get(&router, "/cache/?refresh=1").await;
    assert_eq!(answer.status, StatusCode::OK);
    assert_eq!(registry.stats(), before);
}

// ---------------------------------------------------------------------------------------
// POST /cache/cleanup

#[tokio::test]
async fn cleanup_removes_expired_entries_of_every_cache() {
    let (registry, _clock) = populated();
    let answer = post(&router(registry), "/cache/cleanup").await;
    assert_eq!(answer.status, StatusCode::OK);
    assert_eq!(
        answer.json(),
        serde_json::json!({ "dry_run": false, "removed": { "prices": 0, "users": 1 }, "total": 1 })
    );
    assert_eq!(registry.stats().caches["users"].size, 2);
}

#[tokio::test]
async fn cleanup_of_one_cache() {
    let (registry, _clock) = populated();
    let json = post(&router(registry), "/cache/cleanup?name=users")
        .await
        .json();
    assert_eq!(json["removed"], serde_json::json!({ "users": 1 }));
    assert_eq!(json["total"], 1);
    assert_eq!(registry.stats().caches["users"].expired_entries, 0);
}

#[tokio::test]
async fn cleanup_dry_run_changes_nothing() {
    let (registry, _clock) = populated();
    let before = registry.stats();
    let router = router(registry);
    for uri in [
        "/cache/cleanup?dry_run=true",
        "/cache/cleanup?dry_run",
        "/cache/cleanup?dry_run=1&name=users",
    ] {
        let json = post(&router, uri).await.json();
        assert_eq!(json["dry_run"], true, "{uri}");
        assert_eq!(json["removed"]["users"], 1, "{uri}");
        assert_eq!(json["total"], 1, "{uri}");
    }
    assert_eq!(registry.stats(), before);
}

#[tokio::test]
async fn cleanup_of_an_unknown_cache_is_a_json_404() {
    let (registry, _clock) = populated();
    let router = router(registry);
    for uri in [
        "/cache/cleanup?name=nobody",
        "/cache/cleanup?name=nobody&dry_run=true",
    ] {
        let answer = post(&router, uri).await;
        assert_eq!(answer.status, StatusCode::NOT_FOUND, "{uri}");
        assert!(answer.error().contains("nobody"));
    }
}

// ---------------------------------------------------------------------------------------
// POST /cache/clear

#[tokio::test]
async fn clear_empties_every_cache_and_counts_what_it_removed() {
    let (registry, _clock) = populated();
    let answer = post(&router(registry), "/cache/clear").await;
    assert_eq!(answer.status, StatusCode::OK);
    assert_eq!(
        answer.json(),
        serde_json::json!({ "dry_run": false, "removed": { "prices": 2, "users": 3 }, "total": 5 })
    );
    assert_eq!(registry.stats().global.total_entries, 0);
    assert_eq!(
        registry.stats().expiring_sets["deleting"],
        2,
        "sets are not caches"
    );
}

#[tokio::test]
async fn clear_of_one_cache_leaves_the_others() {
    let (registry, _clock) = populated();
    let json = post(&router(registry), "/cache/clear?name=prices")
        .await
        .json();
    assert_eq!(json["removed"], serde_json::json!({ "prices": 2 }));
    let stats = registry.stats();
    assert_eq!(
        (stats.caches["prices"].size, stats.caches["users"].size),
        (0, 3)
    );
}

#[tokio::test]
async fn clear_runs_clear_hooks() {
    use std::sync::atomic::{AtomicUsize, Ordering};
    use std::sync::Arc;
    let (registry, _clock) = populated();
    let hooked = Arc::new(AtomicUsize::new(0));
    let seen = Arc::clone(&hooked);
    registry.add_clear_hook("users", move || {
        seen.fetch_add(1, Ordering::SeqCst);
    });
    let router = router(registry);
    post(&router, "/cache/clear?dry_run=true").await;
    assert_eq!(hooked.load(Ordering::SeqCst), 0, "a dry run runs no hook");
    post(&router, "/cache/clear").await;
    assert_eq!(hooked.load(Ordering::SeqCst), 1);
}

#[tokio::test]
async fn clear_dry_run_changes_nothing() {
    let (registry, _clock) = populated();
    let before = registry.stats();
    let router = router(registry);
    let json = post(&router, "/cache/clear?dry_run=true").await.json();
    assert_eq!(
        json,
        serde_json::json!({ "dry_run": true, "removed": { "prices": 2, "users": 3 }, "total": 5 })
    );
    let one = post(&router, "/cache/clear?name=users&dry_run=true")
        .await
        .json();
    assert_eq!(one["removed"], serde_json::json!({ "users": 3 }));
    assert_eq!(registry.stats(), before);
}

#[tokio::test]
async fn clear_with_a_bad_parameter_clears_nothing() {
    let (registry, _clock) = populated();
    let before = registry.stats();
    let router = router(registry);
    for uri in [
        "/cache/clear?nmae=users",
        "/cache/clear?dry_run=maybe",
        "/cache/clear?dry_run=true&dry_run=false",
        "/cache/clear?name=nobody",
    ] {
        let answer = post(&router, uri).await;
        assert!(answer.status.is_client_error(), "{uri}: {}", answer.status);
        assert!(!answer.error().is_empty());
    }
    assert_eq!(registry.stats(), before);
}

// ---------------------------------------------------------------------------------------
// POST /cache/tracker/cleanup

#[tokio::test]
async fn tracker_cleanup_removes_stale_members() {
    let (registry, _clock) = populated();
    let router = router(registry);
    let dry = post(&router, "/cache/tracker/cleanup?dry_run=true")
        .await
        .json();
    assert_eq!(
        dry,
        serde_json::json!({ "dry_run": true, "removed": { "deleting": 1 }, "total": 1 })
    );
    assert_eq!(registry.stats().expiring_sets["deleting"], 2);
    let done = post(&router, "/cache/tracker/cleanup").await.json();
    assert_eq!(done["removed"]["deleting"], 1);
    assert_eq!(registry.stats().expiring_sets["deleting"], 1);
    let refused = post(&router, "/cache/tracker/cleanup?name=deleting").await;
    assert_eq!(refused.status, StatusCode::BAD_REQUEST);
}

// ---------------------------------------------------------------------------------------
// The token.

const POSTS: [&str; 3] = [paths::CLEANUP, paths::CLEAR, paths::TRACKER_CLEANUP];

#[tokio::test]
async fn posts_without_the_token_are_401_and_change_nothing() {
    let (registry, _clock) = populated();
    let before = registry.stats();
    let router = router(registry);
    for path in POSTS {
        for token in [
            None,
            Some(""),
            Some("wrong"),
            Some(&TOKEN[..TOKEN.len() - 1]),
        ] {
            let answer = send(&router, Method::POST, path, token).await;
            assert_eq!(answer.status, StatusCode::UNAUTHORIZED, "{path} {token:?}");
            assert!(answer
                .www_authenticate
                .as_deref()
                .unwrap()
                .starts_with("Bearer"));
            assert!(!answer.error().is_empty());
        }
        // Unauthenticated callers do not learn whether a name exists.
        let probe = send(&router, Method::POST, &format!("{path}?name=nobody"), None).await;
        assert_eq!(probe.status, StatusCode::UNAUTHORIZED);
    }
    assert_eq!(registry.stats(), before);
    assert_eq!(registry.stale_counts()["deleting"], 1);
}

#[tokio::test]
async fn other_schemes_are_401() {
    let (registry, _clock) = populated();
    let router = router(registry);
    let request = axum::http::Request::builder()
        .method(Method::POST)
        .uri(paths::CLEAR)
        .header("authorization", format!("Basic {TOKEN}"))
        .body(axum::body::Body::empty())
        .unwrap();
    use tower::ServiceExt;
    let response = router.oneshot(request).await.unwrap();
    assert_eq!(response.status(), StatusCode::UNAUTHORIZED);
    assert_eq!(registry.stats().global.total_entries, 5);
}

#[tokio::test]
async fn without_a_configured_token_posts_are_403() {
    let (registry, _clock) = populated();
    let before = registry.stats();
    for config in [AdminConfig::new(), AdminConfig::new().token("")] {
        let router = admin::router(registry, config);
        for path in POSTS {
            for token in [None, Some(""), Some(TOKEN)] {
                let answer = send(&router, Method::POST, path, token).await;
                assert_eq!(answer.status, StatusCode::FORBIDDEN, "{path} {token:?}");
                assert!(answer.error().contains("no token"));
            }
        }
        // Reading needs no token.
        assert_eq!(get(&router, paths::STATS).await.status, StatusCode::OK);
    }
    assert_eq!(registry.stats(), before);
}

#[tokio::test]
async fn a_configured_token_is_trimmed() {
    let (registry, _clock) = populated();
    let router = admin::router(registry, AdminConfig::new().token(format!("  {TOKEN}\n")));
    let answer = send(
        &router,
        Method::POST,
        "/cache/cleanup?dry_run=true",
        Some(TOKEN),
    )
    .await;
    assert_eq!(answer.status, StatusCode::OK);
}

#[tokio::test]
async fn the_wrong_method_is_a_json_405() {
    let (registry, _clock) = populated();
    let router = router(registry);
    for (method, path) in [
        (Method::GET, paths::CLEAR),
        (Method::GET, paths::CLEANUP),
        (Method::DELETE, paths::STATS),
        (Method::POST, paths::HEALTH),
        (Method::PUT, paths::METRICS),
    ] {
        let answer = send(&router, method.clone(), path, Some(TOKEN)).await;
        assert_eq!(
            answer.status,
            StatusCode::METHOD_NOT_ALLOWED,
            "{method} {path}"
        );
        assert!(!answer.error().is_empty());
    }
    assert_eq!(registry.stats().global.total_entries, 5);
}

#[tokio::test]
async fn a_405_names_the_allowed_method() {
    use tower::ServiceExt;
    let request = axum::http::Request::builder()
        .method(Method::GET)
        .uri(paths::CLEAR)
        .body(axum::body::Body::empty())
        .unwrap();
    let response = router(registry()).oneshot(request).await.unwrap();
    assert_eq!(response.status(), StatusCode::METHOD_NOT_ALLOWED);
    assert_eq!(response.headers()["allow"], "POST");
}

#[tokio::test]
async fn head_requests_work_for_probes() {
    let (registry, _clock) = populated();
    let answer = send(&router(registry), Method::HEAD, paths::HEALTH, None).await;
    assert_eq!(answer.status, StatusCode::OK);
    assert!(answer.body.is_empty());
}

// ---------------------------------------------------------------------------------------
// Mounting.

#[tokio::test]
async fn the_router_merges_and_nests_into_an_application() {
    use axum::routing::get as route_get;
    let registry = registry();
    registry
        .get_or_create::<u8, u8>("c", 10, Duration::from_secs(60))
        .unwrap()
        .insert(1, 1);
    let app = axum::Router::new()
        .route("/", route_get(|| async { "app" }))
        .fallback(|| async { (StatusCode::NOT_FOUND, "the app's 404") })
        .merge(admin::router(registry, common::config()));
    assert_eq!(get(&app, "/").await.text(), "app");
    assert_eq!(
        get(&app, "/cache/stats").await.json()["global"]["total_entries"],
        1
    );
    assert_eq!(get(&app, "/nope").await.text(), "the app's 404");

    let nested = axum::Router::new().nest("/admin", admin::router(registry, common::config()));
    assert_eq!(
        get(&nested, "/admin/cache/stats?name=c").await.json()["caches"]["c"]["size"],
        1
    );
    assert_eq!(
        post(&nested, "/admin/cache/clear?name=c").await.json()["total"],
        1
    );
}

#[tokio::test]
async fn many_caches_of_many_types() {
    let registry = registry();
    for i in 0..50 {
        let cache = registry
            .get_or_create_with(&format!("c{i}"), || {
                TtlCache::<String, Vec<u8>>::builder()
                    .max_size(1000)
                    .build()
            })
            .unwrap();
        for k in 0..i {
            cache.insert(format!("k{k}"), vec![0; 8]);
        }
    }
    let router = router(registry);
    let json = get(&router, "/cache/stats").await.json();
    assert_eq!(json["global"]["total_caches"], 50);
    assert_eq!(json["global"]["total_entries"], (0..50).sum::<u64>());
    let cleared = post(&router, "/cache/clear").await.json();
    assert_eq!(cleared["total"], (0..50).sum::<u64>());
    assert_eq!(registry.stats().global.total_entries, 0);
}
