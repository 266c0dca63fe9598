//! [`ServeError`], and the JSON error responses of the endpoints.

use std::error::Error;
use std::fmt;
use std::io;

use axum::http::{header, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::Json;

/// An endpoint's failure: a status and a message, answered as `{"error": "<message>"}`.
#[derive(Debug)]
pub(crate) struct ApiError {
    status: StatusCode,
    message: String,
}

impl ApiError {
    pub(crate) fn new(status: StatusCode, message: impl Into<String>) -> Self {
        Self {
            status,
            message: message.into(),
        }
    }

    pub(crate) fn bad_request(message: impl Into<String>) -> Self {
        Self::new(StatusCode::BAD_REQUEST, message)
    }

    pub(crate) fn unauthorized(message: impl Into<String>) -> Self {
        Self::new(StatusCode::UNAUTHORIZED, message)
    }

    pub(crate) fn forbidden(message: impl Into<String>) -> Self {
        Self::new(StatusCode::FORBIDDEN, message)
    }

    pub(crate) fn not_found(message: impl Into<String>) -> Self {
        Self::new(StatusCode::NOT_FOUND, message)
    }

    pub(crate) fn internal(message: impl Into<String>) -> Self {
        Self::new(StatusCode::INTERNAL_SERVER_ERROR, message)
    }
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        let unauthorized = self.status == StatusCode::UNAUTHORIZED;
        let mut response = (
            self.status,
            Json(serde_json::json!({ "error": self.message })),
        )
            .into_response();
        if unauthorized {
            // RFC 6750 §3: a 401 names the scheme the client should use.
            response.headers_mut().insert(
                header::WWW_AUTHENTICATE,
                HeaderValue::from_static("Bearer realm=\"cachekit-admin\""),
            );
        }
        response
    }
}

/// Why [`serve`](crate::serve) could not start the admin server.
///
/// # Examples
///
/// ```
/// use cachekit::admin::{serve_registry, AdminConfig, ServeError};
/// use cachekit::Registry;
///
/// let registry: &'static Registry = Box::leak(Box::new(Registry::new()));
/// let first = serve_registry(registry, "127.0.0.1:0", AdminConfig::new())?;
/// // The same port again: taken.
/// let err = serve_registry(registry, first.local_addr(), AdminConfig::new()).unwrap_err();
/// assert!(matches!(err, ServeError::Bind { .. }));
/// assert!(err.to_string().contains(&first.local_addr().to_string()));
/// # Ok::<(), ServeError>(())
/// ```
#[derive(Debug)]
#[non_exhaustive]
pub enum ServeError {
    /// The address could not be resolved or bound (in use, not permitted, not local).
    Bind {
        /// The address as given, or as resolved.
        addr: String,
        /// The operating system's error.
        source: io::Error,
    },
    /// The server's runtime or thread could not be started.
    Start(io::Error),
}

impl fmt::Display for ServeError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Bind { addr, source } => {
                write!(
                    f,
                    "cannot bind the cachekit admin server to {addr}: {source}"
                )
            }
            Self::Start(source) => write!(f, "cannot start the cachekit admin server: {source}"),
        }
    }
}

impl Error for ServeError {
    fn source(&self) -> Option<&(dyn Error + 'static)> {
        match self {
            Self::Bind { source, .. } | Self::Start(source) => Some(source),
        }
    }
}
