//! The admin endpoints of [cachekit](https://docs.rs/cachekit): a [`Registry`]'s statistics,
//! health, Prometheus metrics and upkeep over HTTP.
//!
//! Use it through the facade's `admin` feature, as `cachekit::admin`. Mount [`router`] in
//! an axum application, or run it on a thread of its own with [`serve`]:
//!
//! ```no_run
//! use cachekit::admin::{self, AdminConfig};
//!
//! // Its own thread, on 127.0.0.1:9187; POSTs need `Authorization: Bearer $CACHEKIT_ADMIN_TOKEN`.
//! let server = admin::serve(admin::DEFAULT_ADDR, AdminConfig::from_env())?;
//! # drop(server);
//! # Ok::<(), admin::ServeError>(())
//! ```
//!
//! # Endpoints
//!
//! | request | answer |
//! | --- | --- |
//! | `GET /cache/` | the dashboard: one HTML page (no external assets) showing every cache's entries, utilization, hit rate, evictions and expired entries and the health report, refreshed every 2.5 seconds, with a clear button per cache that asks for the token |
//! | `GET /cache/stats[?name=N]` | [`RegistryStats`] as JSON (`caches`, `global`, `expiring_sets`; with `name`, `caches` and `expiring_sets` hold that name only, `global` stays the registry's totals), plus `memory`: `process_resident_bytes`, `system_used_bytes`, `system_total_bytes` (`null` where the platform does not tell; Linux reads `/proc`) |
//! | `GET /cache/health` | [`HealthReport`] as JSON (`status`, `warnings`, `stats`); 200 when healthy or warning, 503 when critical |
//! | `GET /metrics` | OpenMetrics text: `cachekit_{hits,misses,inserts,evictions,expirations}_total{cache}`, `cachekit_{entries,max_entries,expired_entries,weight}{cache}`, `cachekit_expiring_set_{members,stale_members}{set}`, `cachekit_health_status` (0, 1, 2), `cachekit_process_resident_memory_bytes`, `cachekit_system_memory_{used,total}_bytes` |
//! | `GET /cache/tracker[?name=N]` | the expiring sets: `{"expiring_sets": {N: {"members", "stale"}}, "total_members", "total_stale"}` |
//! | `POST /cache/cleanup[?name=N&dry_run=true]` | removes expired entries (of `N`, or of every cache): `{"dry_run", "removed": {N: count}, "total"}` |
//! | `POST /cache/clear[?name=N&dry_run=true]` | removes every entry (of `N`, or of every cache, running their clear hooks): the same shape, counting the entries stored just before |
//! | `POST /cache/tracker/cleanup[?dry_run=true]` | removes the stale members of every expiring set: the same shape, by set |
//!
//! With `dry_run=true` (or `1`, or a bare `dry_run`) nothing is removed and `removed` is
//! what would have been. Errors are JSON, `{"error": "..."}`: 400 for a malformed or
//! unknown parameter (unknown ones are refused, so that a misspelt `name` never widens a
//! clear to every cache), 404 for an unknown cache or set name, 405 for another method.
//! `/cache/health` and `/metrics` ignore their query strings.
//!
//! # Security
//!
//! - [`serve`] binds where it is told; pass [`DEFAULT_ADDR`] (loopback) unless other hosts
//!   must connect. The `GET` endpoints need no token: put the server behind something that
//!   authenticates before exposing it.
//! - `POST` endpoints need `Authorization: Bearer <token>` with the [`AdminConfig`] token,
//!   compared in constant time: 401 without it or with a wrong one. With no token
//!   configured they are all refused with 403.
//! - Registry calls run on Tokio's blocking pool, so a scan of a large cache never stalls
//!   the application's async workers.
//! - The dashboard is served with a Content-Security-Policy that lets only its own inline
//!   script and style run (by hash), talk only to its own origin, and never be framed. Its
//!   clear button sends the token the user types; the page keeps it in `sessionStorage`
//!   (this tab only) once the server has accepted it.
//!
//! [`Registry`]: cache_core::Registry
//! [`RegistryStats`]: cache_core::RegistryStats
//! [`HealthReport`]: cache_core::HealthReport
#![forbid(unsafe_code)]
#![warn(missing_docs)]

mod auth;
mod config;
mod dashboard;
mod error;
mod memory;
mod metrics;
mod routes;
mod server;

use cache_core::Registry;

pub use config::{AdminConfig, ENV_ADMIN_TOKEN};
pub use error::ServeError;
pub use server::{serve, serve_registry, AdminServer};

/// The address the admin server is meant to listen on: loopback, port 9187 (the `cachekit`
/// CLI's default too).
///
/// ```
/// let addr: std::net::SocketAddr = cachekit::admin::DEFAULT_ADDR.parse().unwrap();
/// assert!(addr.ip().is_loopback());
/// ```
pub const DEFAULT_ADDR: &str = "127.0.0.1:9187";

/// The paths of the endpoints, for clients (the `cachekit` CLI) and for tests.
///
/// ```
/// use cachekit::admin::paths;
/// let reads = [paths::STATS, paths::HEALTH, paths::METRICS, paths::TRACKER];
/// let actions = [paths::CLEANUP, paths::CLEAR, paths::TRACKER_CLEANUP];
/// assert_eq!(reads, ["/cache/stats", "/cache/health", "/metrics", "/cache/tracker"]);
/// assert_eq!(actions, ["/cache/cleanup", "/cache/clear", "/cache/tracker/cleanup"]);
/// assert_eq!(paths::DASHBOARD, "/cache/");
/// ```
pub mod paths {
    /// `GET`: the dashboard, an HTML page of every cache's figures and the health report
    /// that refreshes itself, with a clear button per cache (which asks for the token).
    /// With the trailing slash: the page fetches `./stats` and `./health` relative to it,
    /// so that it works under any prefix the router is nested at.
    pub const DASHBOARD: &str = "/cache/";
    /// `GET`: the registry's statistics and memory figures, as JSON.
    pub const STATS: &str = "/cache/stats";
    /// `GET`: the health report, as JSON; 503 when critical.
    pub const HEALTH: &str = "/cache/health";
    /// `GET`: the OpenMetrics exposition.
    pub const METRICS: &str = "/metrics";
    /// `POST`: removes expired entries.
    pub const CLEANUP: &str = "/cache/cleanup";
    /// `POST`: removes every entry.
    pub const CLEAR: &str = "/cache/clear";
    /// `GET`: the expiring sets' sizes.
    pub const TRACKER: &str = "/cache/tracker";
    /// `POST`: removes the expiring sets' stale members.
    pub const TRACKER_CLEANUP: &str = "/cache/tracker/cleanup";
}

/// The admin endpoints for `registry`, as an axum [`Router`](axum::Router) to merge into an
/// application (or [`nest`](axum::Router::nest) under a prefix if it has routes of the
/// same paths).
///
/// The router has no fallback of its own, so merging it never conflicts with the
/// application's; unknown paths get whatever the application answers. Its handlers need a
/// Tokio runtime, as axum does.
///
/// # Examples
///
/// ```no_run
/// use axum::{routing::get, Router};
/// use cachekit::admin::{self, AdminConfig};
///
/// # async fn run() -> std::io::Result<()> {
/// let app = Router::new()
///     .route("/", get(|| async { "hello" }))
///     .merge(admin::router(cachekit::registry(), AdminConfig::from_env()));
/// let listener = tokio::net::TcpListener::bind("127.0.0.1:8080").await?;
/// axum::serve(listener, app).await
/// # }
/// ```
pub fn router(registry: &'static Registry, config: AdminConfig) -> axum::Router {
    routes::router(registry, config)
}
