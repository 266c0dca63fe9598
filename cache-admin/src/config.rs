//! [`AdminConfig`]: the admin token and the health thresholds the endpoints judge by.

use std::fmt;
use std::sync::Arc;

use cache_core::HealthThresholds;

/// The environment variable [`AdminConfig::from_env`] reads the admin token from (the
/// example and the `cachekit` CLI read it too).
///
/// ```
/// assert_eq!(cachekit::admin::ENV_ADMIN_TOKEN, "CACHEKIT_ADMIN_TOKEN");
/// ```
pub const ENV_ADMIN_TOKEN: &str = "CACHEKIT_ADMIN_TOKEN";

/// How the admin endpoints behave: the bearer token that unlocks the `POST` endpoints, and
/// the thresholds `GET /cache/health` and `/metrics` judge by.
///
/// Without a token (the default) every `POST` endpoint answers `403 Forbidden`: a cleanup
/// or a clear is never open to anyone who can reach the port. An empty token counts as
/// none. Its `Debug` output never shows the token.
///
/// # Examples
///
/// ```
/// use cachekit::admin::AdminConfig;
/// use cachekit::HealthThresholds;
///
/// let config = AdminConfig::new()
///     .token("s3cret-from-a-vault")
///     .health_thresholds(HealthThresholds { expired_entries: 500, ..HealthThresholds::default() });
/// assert!(config.has_token());
/// assert!(!format!("{config:?}").contains("s3cret"));
/// assert!(!AdminConfig::default().has_token());
/// ```
#[derive(Clone, Default)]
pub struct AdminConfig {
    pub(crate) token: Option<Arc<[u8]>>,
    pub(crate) thresholds: HealthThresholds,
}

impl fmt::Debug for AdminConfig {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("AdminConfig")
            .field("token", &self.token.as_ref().map(|_| "<redacted>"))
            .field("thresholds", &self.thresholds)
            .finish()
    }
}

impl AdminConfig {
    /// No token (so `POST` endpoints are refused) and the default [`HealthThresholds`].
    ///
    /// ```
    /// assert!(!cachekit::admin::AdminConfig::new().has_token());
    /// ```
    pub fn new() -> Self {
        Self::default()
    }

    /// [`new`](Self::new), with the token of the `CACHEKIT_ADMIN_TOKEN` environment variable
    /// ([`ENV_ADMIN_TOKEN`]) when it is set and not empty.
    ///
    /// ```
    /// let config = cachekit::admin::AdminConfig::from_env();
    /// assert_eq!(
    ///     config.has_token(),
    ///     std::env::var("CACHEKIT_ADMIN_TOKEN").is_ok_and(|t| !t.is_empty())
    /// );
    /// ```
    pub fn from_env() -> Self {
        match std::env::var(ENV_ADMIN_TOKEN) {
            Ok(token) => Self::new().token(token),
            Err(_) => Self::new(),
        }
    }

    /// Sets the bearer token `POST` requests must present (`Authorization: Bearer
    /// <token>`). Surrounding whitespace is dropped (a header value cannot carry it, so a
    /// token with it could never match, as when read from a file with its newline); an
    /// empty token leaves the `POST` endpoints refused. Use a long random string: it is
    /// compared in constant time, but it is all that guards a clear.
    ///
    /// ```
    /// use cachekit::admin::AdminConfig;
    /// assert!(AdminConfig::new().token("t0ken\n").has_token());
    /// assert!(!AdminConfig::new().token(" ").has_token());
    /// ```
    #[must_use]
    pub fn token(mut self, token: impl AsRef<str>) -> Self {
        let token = token.as_ref().trim();
        self.token = (!token.is_empty()).then(|| Arc::from(token.as_bytes()));
        self
    }

    /// Sets the thresholds `GET /cache/health` and the health gauge of `/metrics` use
    /// (default: [`HealthThresholds::default`], as [`Registry::health`](cache_core::Registry::health)).
    ///
    /// ```
    /// use cachekit::admin::AdminConfig;
    /// use cachekit::HealthThresholds;
    /// let strict = HealthThresholds { cache_utilization_percent: 50.0, ..Default::default() };
    /// let config = AdminConfig::new().health_thresholds(strict);
    /// # let _ = config;
    /// ```
    #[must_use]
    pub fn health_thresholds(mut self, thresholds: HealthThresholds) -> Self {
        self.thresholds = thresholds;
        self
    }

    /// Whether a token is set, that is, whether the `POST` endpoints can be used at all.
    ///
    /// ```
    /// assert!(!cachekit::admin::AdminConfig::new().has_token());
    /// ```
    pub fn has_token(&self) -> bool {
        self.token.is_some()
    }
}
