//! The endpoints: query parsing, the blocking registry calls, and their JSON.

use std::collections::BTreeMap;
use std::sync::Arc;

use axum::extract::{Query, State};
use axum::http::{header, HeaderMap, StatusCode, Uri};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post, MethodRouter};
use axum::{Json, Router};
use cache_core::{HealthStatus, Registry, RegistryError, RegistryStats};
use serde::de::{self, Deserializer};
use serde::{Deserialize, Serialize};

use crate::error::ApiError;
use crate::memory::MemoryReport;
use crate::{auth, dashboard, metrics, paths, AdminConfig};

/// What every handler shares.
struct Admin {
    registry: &'static Registry,
    config: AdminConfig,
}

type Shared = State<Arc<Admin>>;

pub(crate) fn router(registry: &'static Registry, config: AdminConfig) -> Router {
    // No router-wide fallback: `Router::merge` panics when both routers have one, and this
    // router is made to be merged into the application's. `serve` adds one.
    Router::new()
        .route(paths::DASHBOARD, only(get(dashboard::dashboard)))
        .route(paths::STATS, only(get(stats)))
        .route(paths::HEALTH, only(get(health)))
        .route(paths::METRICS, only(get(metrics)))
        .route(paths::CLEANUP, only(post(cleanup)))
        .route(paths::CLEAR, only(post(clear)))
        .route(paths::TRACKER, only(get(tracker)))
        .route(paths::TRACKER_CLEANUP, only(post(tracker_cleanup)))
        .with_state(Arc::new(Admin { registry, config }))
}

/// `route` with a JSON 405 for the other methods (axum's `Allow` header is kept).
fn only(route: MethodRouter<Arc<Admin>>) -> MethodRouter<Arc<Admin>> {
    route.fallback(|| async {
        ApiError::new(StatusCode::METHOD_NOT_ALLOWED, "method not allowed").into_response()
    })
}

/// The JSON 404 of `serve`'s router for paths it does not know.
pub(crate) async fn not_found(uri: Uri) -> Response {
    ApiError::not_found(format!("no admin endpoint at {}", uri.path())).into_response()
}

// ---------------------------------------------------------------------------------------
// Query strings. Unknown parameters are refused rather than ignored: `POST
// /cache/clear?nmae=users` must not clear every cache.

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct NameQuery {
    name: Option<String>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct ActionQuery {
    name: Option<String>,
    #[serde(default, deserialize_with = "flag")]
    dry_run: bool,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct DryRunQuery {
    #[serde(default, deserialize_with = "flag")]
    dry_run: bool,
}

/// `true`/`1`, `false`/`0`, and a bare `?dry_run` as true: reading a bare flag as "do it
/// for real" would be the dangerous way to be lenient.
fn flag<'de, D: Deserializer<'de>>(deserializer: D) -> Result<bool, D::Error> {
    let text = String::deserialize(deserializer)?;
    match text.as_str() {
        "" | "true" | "1" => Ok(true),
        "false" | "0" => Ok(false),
        other => Err(de::Error::custom(format_args!(
            "expected true or false, found {other:?}"
        ))),
    }
}

fn query<T: serde::de::DeserializeOwned>(uri: &Uri) -> Result<T, ApiError> {
    Query::<T>::try_from_uri(uri)
        .map(|Query(query)| query)
        .map_err(|rejection| ApiError::bad_request(rejection.body_text()))
}

/// Runs `work` on Tokio's blocking pool: statistics scan every entry, and clear hooks may
/// do network I/O (the Redis tier's), neither of which belongs on an async worker of the
/// application's runtime. A panic in `work` becomes a 500, not a dropped connection.
async fn blocking<T: Send + 'static>(
    work: impl FnOnce() -> Result<T, ApiError> + Send + 'static,
) -> Result<T, ApiError> {
    tokio::task::spawn_blocking(work)
        .await
        .map_err(|err| ApiError::internal(format!("the admin task failed: {err}")))?
}

fn registry_error(err: RegistryError) -> ApiError {
    match err {
        RegistryError::NotFound { name } => ApiError::not_found(format!("no cache named {name:?}")),
        other => ApiError::internal(other.to_string()),
    }
}

// ---------------------------------------------------------------------------------------
// GET endpoints.

#[derive(Serialize)]
struct StatsBody {
    #[serde(flatten)]
    stats: RegistryStats,
    memory: MemoryReport,
}

async fn stats(State(admin): Shared, uri: Uri) -> Result<Response, ApiError> {
    let NameQuery { name } = query(&uri)?;
    let body = blocking(move || {
        let mut stats = admin.registry.stats();
        if let Some(name) = &name {
            if !stats.caches.contains_key(name) {
                return Err(ApiError::not_found(format!("no cache named {name:?}")));
            }
            // `global` stays the registry's totals, to set the one cache against.
            stats.caches.retain(|cache, _| cache == name);
            stats.expiring_sets.retain(|set, _| set == name);
        }
        Ok(StatsBody {
            stats,
            memory: MemoryReport::now(),
        })
    })
    .await?;
    Ok(Json(body).into_response())
}

// Health and metrics ignore their query strings: they are for load balancers and scrapers,
// which may add parameters of their own, and they change nothing.

async fn health(State(admin): Shared) -> Result<Response, ApiError> {
    let report = blocking(move || Ok(admin.registry.health_with(&admin.config.thresholds))).await?;
    // Warning stays 200: a load balancer should take a node out only when it is critical.
    let status = match report.status {
        HealthStatus::Critical => StatusCode::SERVICE_UNAVAILABLE,
        HealthStatus::Healthy | HealthStatus::Warning => StatusCode::OK,
    };
    Ok((status, Json(report)).into_response())
}

async fn metrics(State(admin): Shared) -> Result<Response, ApiError> {
    let text = blocking(move || {
        let report = admin.registry.health_with(&admin.config.thresholds);
        let stale = admin.registry.stale_counts();
        metrics::render(&report, &stale, &MemoryReport::now())
            .map_err(|_| ApiError::internal("cannot encode the metrics"))
    })
    .await?;
    Ok(([(header::CONTENT_TYPE, metrics::CONTENT_TYPE)], text).into_response())
}

#[derive(Serialize)]
struct SetBody {
    members: usize,
    stale: usize,
}

#[derive(Serialize)]
struct TrackerBody {
    expiring_sets: BTreeMap<String, SetBody>,
    total_members: usize,
    total_stale: usize,
}

async fn tracker(State(admin): Shared, uri: Uri) -> Result<Response, ApiError> {
    let NameQuery { name } = query(&uri)?;
    let body = blocking(move || {
        let members = admin.registry.stats().expiring_sets;
        let stale = admin.registry.stale_counts();
        let mut sets: BTreeMap<String, SetBody> = members
            .into_iter()
            .map(|(set, members)| {
                let stale = stale.get(&set).copied().unwrap_or(0);
                (set, SetBody { members, stale })
            })
            .collect();
        if let Some(name) = &name {
            if !sets.contains_key(name) {
                return Err(ApiError::not_found(format!(
                    "no expiring set named {name:?}"
                )));
            }
            sets.retain(|set, _| set == name);
        }
        Ok(TrackerBody {
            total_members: sets.values().map(|s| s.members).sum(),
            total_stale: sets.values().map(|s| s.stale).sum(),
            expiring_sets: sets,
        })
    })
    .await?;
    Ok(Json(body).into_response())
}

// ---------------------------------------------------------------------------------------
// POST endpoints: the token is checked before anything else, so that a client without it
// learns nothing, not even whether a name exists.

/// What a cleanup or clear removed, or with `dry_run` would have removed, by name.
#[derive(Serialize)]
struct RemovedBody {
    dry_run: bool,
    removed: BTreeMap<String, usize>,
    total: usize,
}

impl RemovedBody {
    fn new(dry_run: bool, removed: BTreeMap<String, usize>) -> Self {
        Self {
            dry_run,
            total: removed.values().fold(0, |sum, n| sum.saturating_add(*n)),
            removed,
        }
    }
}

fn authorize(admin: &Admin, headers: &HeaderMap) -> Result<(), ApiError> {
    auth::authorize(admin.config.token.as_deref(), headers)
}

async fn cleanup(State(admin): Shared, headers: HeaderMap, uri: Uri) -> Result<Response, ApiError> {
    authorize(&admin, &headers)?;
    let ActionQuery { name, dry_run } = query(&uri)?;
    let body = blocking(move || {
        let registry = admin.registry;
        let removed = match (name, dry_run) {
            (None, false) => registry.cleanup_all(),
            (None, true) => registry.expired_counts(),
            (Some(name), false) => {
                let n = registry.cleanup(&name).map_err(registry_error)?;
                BTreeMap::from([(name, n)])
            }
            (Some(name), true) => {
                let n = registry.expired_count(&name).map_err(registry_error)?;
                BTreeMap::from([(name, n)])
            }
        };
        Ok(RemovedBody::new(dry_run, removed))
    })
    .await?;
    Ok(Json(body).into_response())
}

async fn clear(State(admin): Shared, headers: HeaderMap, uri: Uri) -> Result<Response, ApiError> {
    authorize(&admin, &headers)?;
    let ActionQuery { name, dry_run } = query(&uri)?;
    let body = blocking(move || {
        let registry = admin.registry;
        // Each cache's size just before it is cleared: `clear` does not count what it
        // drops, and an insert racing with the clear may or may not be among them.
        let mut sizes: BTreeMap<String, usize> = registry
            .stats()
            .caches
            .into_iter()
            .map(|(cache, stats)| (cache, stats.size))
            .collect();
        if let Some(name) = &name {
            if !sizes.contains_key(name) {
                return Err(ApiError::not_found(format!("no cache named {name:?}")));
            }
            sizes.retain(|cache, _| cache == name);
        }
        if !dry_run {
            // One `clear` per cache rather than `clear_all`, so that clear hooks run: an
            // operator's clear must empty the shared Redis tier too, which `clear_all`
            // (memory pressure's) deliberately leaves alone.
            for cache in sizes.keys() {
                registry.clear(cache).map_err(registry_error)?;
            }
        }
        Ok(RemovedBody::new(dry_run, sizes))
    })
    .await?;
    Ok(Json(body).into_response())
}

async fn tracker_cleanup(
    State(admin): Shared,
    headers: HeaderMap,
    uri: Uri,
) -> Result<Response, ApiError> {
    authorize(&admin, &headers)?;
    let DryRunQuery { dry_run } = query(&uri)?;
    let body = blocking(move || {
        let removed = if dry_run {
            admin.registry.stale_counts()
        } else {
            admin.registry.cleanup_expiring_sets()
        };
        Ok(RemovedBody::new(dry_run, removed))
    })
    .await?;
    Ok(Json(body).into_response())
}
