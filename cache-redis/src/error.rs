//! [`SharedTierError`]: what can go wrong when setting the shared tier up.
//!
//! Calls through a tier never fail because of Redis (they run the body locally instead),
//! so this type only describes configuration and explicit requests such as
//! [`RedisBackend::ping`](crate::RedisBackend::ping) or [`SharedTier::try_key`](crate::SharedTier::try_key).

use std::error::Error;
use std::fmt;

/// Why setting up or explicitly querying the shared Redis tier failed.
///
/// Its `Display` never contains the password of a Redis URL.
///
/// # Examples
///
/// ```
/// use cachekit::redis::{RedisBackend, RedisConfig, SharedTierError};
///
/// let err = RedisBackend::connect(RedisConfig::new("http://127.0.0.1:6379")).unwrap_err();
/// assert!(matches!(err, SharedTierError::InvalidUrl { .. }));
/// assert!(err.to_string().contains("http://127.0.0.1:6379"));
/// ```
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum SharedTierError {
    /// The URL is not a Redis URL (`redis://[user:password@]host[:port][/db]`, `rediss://`
    /// or `unix://`) that the client can use.
    InvalidUrl {
        /// The URL, with any password replaced by `***`.
        url: String,
        /// What the client said about it.
        reason: String,
    },
    /// A setting is out of range (a zero timeout, zero breaker failures, an empty
    /// namespace prefix, …).
    InvalidConfig {
        /// Which setting, and why.
        reason: String,
    },
    /// [`connect`](crate::connect) or [`connect_with`](crate::connect_with) was already
    /// called in this process; the first connection stays.
    AlreadyConnected,
    /// Redis could not be reached or answered with an error (only from calls that ask
    /// Redis something explicitly, such as [`RedisBackend::ping`](crate::RedisBackend::ping)).
    Redis {
        /// The client's error, as text.
        reason: String,
    },
    /// The arguments could not be serialized into a stable key (see
    /// [`SharedTier::try_key`](crate::SharedTier::try_key)).
    Serialize {
        /// serde's error, as text.
        reason: String,
    },
}

impl fmt::Display for SharedTierError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::InvalidUrl { url, reason } => write!(f, "invalid Redis URL {url:?}: {reason}"),
            Self::InvalidConfig { reason } => {
                write!(f, "invalid shared tier configuration: {reason}")
            }
            Self::AlreadyConnected => f.write_str(
                "the shared Redis tier is already connected in this process (connect once, at start-up)",
            ),
            Self::Redis { reason } => write!(f, "Redis error: {reason}"),
            Self::Serialize { reason } => {
                write!(f, "the arguments cannot be serialized into a stable key: {reason}")
            }
        }
    }
}

impl Error for SharedTierError {}

/// `url` with the password of its user-info part replaced by `***`, for messages.
pub(crate) fn redact_url(url: &str) -> String {
    let Some((scheme, rest)) = url.split_once("://") else {
        return url.to_owned();
    };
    let authority_end = rest.find('/').unwrap_or(rest.len());
    let Some(at) = rest[..authority_end].rfind('@') else {
        return url.to_owned();
    };
    let user_info = &rest[..at];
    let user = match user_info.split_once(':') {
        Some((user, _password)) => format!("{user}:***"),
        // `redis://secret@host` puts the password alone in the user-info.
        None => "***".to_owned(),
    };
    format!("{scheme}://{user}{}", &rest[at..])
}

#[cfg(test)]
mod tests {
    use super::redact_url;

    #[test]
    fn passwords_never_show() {
        assert_eq!(
            redact_url("redis://user:hunter2@host:6379/0"),
            "redis://user:***@host:6379/0"
        );
        assert_eq!(redact_url("redis://hunter2@host"), "redis://***@host");
        assert_eq!(redact_url("redis://host:6379"), "redis://host:6379");
        assert_eq!(redact_url("not a url"), "not a url");
        assert_eq!(redact_url("redis://host/path@odd"), "redis://host/path@odd");
    }
}
