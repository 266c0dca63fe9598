//! What the admin tests share: a registry of their own, and requests through the router.

#![allow(dead_code)] // each test file uses a different part

use axum::body::Body;
use axum::http::{header, Method, Request, StatusCode};
use axum::Router;
use cachekit::admin::{self, AdminConfig};
use cachekit::{MockClock, Registry, TtlCache};
use serde_json::Value;
use std::time::Duration;
use tower::ServiceExt;

pub const TOKEN: &str = "test-token-0123456789";

/// A registry no other test sees, `'static` as the router needs.
pub fn registry() -> &'static Registry {
    Box::leak(Box::new(Registry::new()))
}

pub fn config() -> AdminConfig {
    AdminConfig::new().token(TOKEN)
}

/// A registry with two caches on a mock clock (`users`: 3 entries, 1 of them expired;
/// `prices`: 2 live entries, 1 hit, 1 miss) and an expiring set `deleting` (2 members, 1
/// stale).
pub fn populated() -> (&'static Registry, MockClock) {
    let registry = registry();
    let clock = MockClock::new();
    let users = registry
        .get_or_create_with("users", || {
            TtlCache::<u64, String>::builder()
                .max_size(100)
                .ttl(Duration::from_secs(60))
                .clock(clock.clone())
                .build()
        })
        .unwrap();
    users.insert_with_ttl(1, "short".into(), Duration::from_secs(1));
    users.insert(2, "ann".into());
    users.insert(3, "bob".into());
    let prices = registry
        .get_or_create_with("prices", || {
            TtlCache::<String, u64>::builder()
                .max_size(50)
                .clock(clock.clone())
                .build()
        })
        .unwrap();
    prices.insert("a".into(), 1);
    prices.insert("b".into(), 2);
    prices.get("a");
    prices.get("zzz");
    let deleting = registry
        .get_or_create_expiring_set_with("deleting", || {
            cachekit::ExpiringSet::<u64>::builder()
                .stale_after(Duration::from_secs(10))
                .clock(clock.clone())
                .build()
        })
        .unwrap();
    deleting.add(1);
    clock.advance(Duration::from_secs(5));
    deleting.add(2);
    clock.advance(Duration::from_secs(5)); // `1` is stale now, as is users' key 1
    (registry, clock)
}

pub struct Answer {
    pub status: StatusCode,
    pub content_type: String,
    pub www_authenticate: Option<String>,
    pub headers: axum::http::HeaderMap,
    pub body: Vec<u8>,
}

impl Answer {
    pub fn json(&self) -> Value {
        assert!(
            self.content_type.starts_with("application/json"),
            "content type {:?}, body {:?}",
            self.content_type,
            self.text()
        );
        serde_json::from_slice(&self.body).expect("a JSON body")
    }

    pub fn text(&self) -> String {
        String::from_utf8_lossy(&self.body).into_owned()
    }

    /// The `error` of a JSON error body.
    pub fn error(&self) -> String {
        self.json()["error"]
            .as_str()
            .expect("an error message")
            .to_owned()
    }
}

pub async fn send(router: &Router, method: Method, uri: &str, token: Option<&str>) -> Answer {
    let mut request = Request::builder().method(method).uri(uri);
    if let Some(token) = token {
        request = request.header(header::AUTHORIZATION, format!("Bearer {token}"));
    }
    let response = router
        .clone()
        .oneshot(request.body(Body::empty()).unwrap())
        .await
        .expect("the router's error type is Infallible");
    let status = response.status();
    let header = |name| {
        response
            .headers()
            .get(name)
            .map(|v: &axum::http::HeaderValue| v.to_str().unwrap().to_owned())
    };
    let content_type = header(header::CONTENT_TYPE).unwrap_or_default();
    let www_authenticate = header(header::WWW_AUTHENTICATE);
    let headers = response.headers().clone();
    let body = axum::body::to_bytes(response.into_body(), 16 << 20)
        .await
        .unwrap()
        .to_vec();
    Answer {
        status,
        content_type,
        www_authenticate,
        headers,
        body,
    }
}

pub async fn get(router: &Router, uri: &str) -> Answer {
    send(router, Method::GET, uri, None).await
}

pub async fn post(router: &Router, uri: &str) -> Answer {
    send(router, Method::POST, uri, Some(TOKEN)).await
}

pub fn router(registry: &'static Registry) -> Router {
    admin::router(registry, config())
}
