//! [`RedisConfig`]: where Redis is, how keys are named and keyed, and how patient to be.

use std::fmt;
use std::time::Duration;

use siphasher::sip128::{Hasher128, SipHasher13};

use crate::error::{redact_url, SharedTierError};

/// The environment variable [`RedisConfig::new`] reads the fleet-wide key secret from.
///
/// ```
/// assert_eq!(cachekit::redis::ENV_SECRET, "CACHEKIT_REDIS_SECRET");
/// ```
pub const ENV_SECRET: &str = "CACHEKIT_REDIS_SECRET";

/// The secret used when neither [`RedisConfig::secret`] nor [`ENV_SECRET`] gives one.
///
/// It is public (it is in this source), so keys made with it are guessable by anyone who
/// can guess the arguments: connecting with it logs a warning. It exists so that a
/// development set-up works without configuration, and so that every process of a fleet
/// that forgot the secret still agrees on keys.
///
/// ```
/// assert!(!cachekit::redis::DEFAULT_SECRET.is_empty());
/// ```
pub const DEFAULT_SECRET: &str = "cachekit-default-secret-change-me";

/// The namespace prefix of every key unless [`RedisConfig::prefix`] says otherwise.
///
/// ```
/// use cachekit::redis::{RedisConfig, DEFAULT_PREFIX};
/// assert_eq!(RedisConfig::default().get_prefix(), DEFAULT_PREFIX);
/// ```
pub const DEFAULT_PREFIX: &str = "cachekit";

/// How to reach Redis and how the shared tier behaves: a builder, passed to
/// [`connect_with`](crate::connect_with) or [`RedisBackend::connect`](crate::RedisBackend::connect).
///
/// | setting | default | |
/// | --- | --- | --- |
/// | [`prefix`](Self::prefix) | `"cachekit"` | keys are `<prefix>:<name>:<32 hex digits>` |
/// | [`secret`](Self::secret) | `$CACHEKIT_REDIS_SECRET`, else [`DEFAULT_SECRET`] (with a warning) | keys the fingerprints |
/// | [`connect_timeout`](Self::connect_timeout) | 250 ms | per connection attempt |
/// | [`command_timeout`](Self::command_timeout) | 250 ms | per command, read and write |
/// | [`breaker_failures`](Self::breaker_failures) | 5 | consecutive failures that open the breaker |
/// | [`breaker_reset`](Self::breaker_reset) | 5 s | open time before a probe |
/// | [`channel`](Self::channel) | `"<prefix>:invalidate"` | pub/sub channel of invalidations |
/// | [`lock_ttl`](Self::lock_ttl) | 10 s | life of a `shared_lock` lock |
/// | [`lock_wait`](Self::lock_wait) | 2 s | how long others wait for the lock holder |
/// | [`lock_poll`](Self::lock_poll) | 20 ms | how often they look for its value |
/// | [`resubscribe_delay`](Self::resubscribe_delay) | 500 ms | pause between subscriber reconnects |
/// | [`max_idle_connections`](Self::max_idle_connections) | 8 | blocking connections kept for reuse |
///
/// `Debug` shows every setting but the secret, and the URL without its password.
///
/// # Examples
///
/// ```
/// use cachekit::redis::RedisConfig;
/// use std::time::Duration;
///
/// let config = RedisConfig::new("redis://127.0.0.1:6379/0")
///     .prefix("shop")
///     .secret("a long random string shared by the fleet")
///     .command_timeout(Duration::from_millis(100))
///     .breaker_failures(3);
/// assert_eq!(config.get_prefix(), "shop");
/// assert_eq!(config.get_channel(), "shop:invalidate");
/// assert!(!format!("{config:?}").contains("long random"));
/// ```
#[derive(Clone)]
pub struct RedisConfig {
    pub(crate) url: String,
    pub(crate) prefix: String,
    pub(crate) secret: Option<String>,
    pub(crate) connect_timeout: Duration,
    pub(crate) command_timeout: Duration,
    pub(crate) breaker_failures: u32,
    pub(crate) breaker_reset: Duration,
    pub(crate) channel: Option<String>,
    pub(crate) lock_ttl: Duration,
    pub(crate) lock_wait: Duration,
    pub(crate) lock_poll: Duration,
    pub(crate) resubscribe_delay: Duration,
    pub(crate) max_idle_connections: usize,
}

impl fmt::Debug for RedisConfig {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("RedisConfig")
            .field("url", &redact_url(&self.url))
            .field("prefix", &self.prefix)
            .field("secret", &self.secret.as_ref().map(|_| "***"))
            .field("connect_timeout", &self.connect_timeout)
            .field("command_timeout", &self.command_timeout)
            .field("breaker_failures", &self.breaker_failures)
            .field("breaker_reset", &self.breaker_reset)
            .field("channel", &self.get_channel())
            .field("lock_ttl", &self.lock_ttl)
            .field("lock_wait", &self.lock_wait)
            .field("lock_poll", &self.lock_poll)
            .field("resubscribe_delay", &self.resubscribe_delay)
            .field("max_idle_connections", &self.max_idle_connections)
            .finish()
    }
}

impl Default for RedisConfig {
    /// [`RedisConfig::new`] with `redis://127.0.0.1:6379`.
    ///
    /// ```
    /// let config = cachekit::redis::RedisConfig::default();
    /// assert_eq!(config.get_url(), "redis://127.0.0.1:6379");
    /// ```
    fn default() -> Self {
        Self::new("redis://127.0.0.1:6379")
    }
}

impl RedisConfig {
    /// The defaults of the table above for the Redis at `url`; the secret is read from
    /// [`ENV_SECRET`] now (an empty value counts as absent).
    ///
    /// ```
    /// let config = cachekit::redis::RedisConfig::new("redis://:pw@10.0.0.5:6380/2");
    /// assert_eq!(config.get_prefix(), "cachekit");
    /// ```
    pub fn new(url: impl Into<String>) -> Self {
        Self {
            url: url.into(),
            prefix: DEFAULT_PREFIX.to_owned(),
            secret: std::env::var(ENV_SECRET).ok().filter(|s| !s.is_empty()),
            connect_timeout: Duration::from_millis(250),
            command_timeout: Duration::from_millis(250),
            breaker_failures: 5,
            breaker_reset: Duration::from_secs(5),
            channel: None,
            lock_ttl: Duration::from_secs(10),
            lock_wait: Duration::from_secs(2),
            lock_poll: Duration::from_millis(20),
            resubscribe_delay: Duration::from_millis(500),
            max_idle_connections: 8,
        }
    }

    /// The namespace prefix: keys are `<prefix>:<name>:<hex>`. Fleets (or environments)
    /// sharing one Redis keep apart by prefix. Must not be empty.
    ///
    /// ```
    /// let config = cachekit::redis::RedisConfig::default().prefix("staging");
    /// assert_eq!(config.get_prefix(), "staging");
    /// ```
    pub fn prefix(mut self, prefix: impl Into<String>) -> Self {
        self.prefix = prefix.into();
        self
    }

    /// The fleet-wide secret that keys the argument fingerprints, so that keys cannot be
    /// guessed from arguments. Every process sharing the cache must use the same one; any
    /// length, preferably 16 random bytes or more.
    ///
    /// ```
    /// let config = cachekit::redis::RedisConfig::default().secret("s3cr3t-from-the-vault");
    /// # let _ = config;
    /// ```
    pub fn secret(mut self, secret: impl Into<String>) -> Self {
        self.secret = Some(secret.into());
        self
    }

    /// How long one attempt to open a connection may take (DNS, TCP, handshake).
    ///
    /// ```
    /// use std::time::Duration;
    /// let config = cachekit::redis::RedisConfig::default().connect_timeout(Duration::from_millis(100));
    /// # let _ = config;
    /// ```
    pub fn connect_timeout(mut self, timeout: Duration) -> Self {
        self.connect_timeout = timeout;
        self
    }

    /// How long one command may take to be written and answered. A command that takes
    /// longer counts as a failure (towards the breaker) and the call runs locally.
    ///
    /// ```
    /// use std::time::Duration;
    /// let config = cachekit::redis::RedisConfig::default().command_timeout(Duration::from_millis(50));
    /// # let _ = config;
    /// ```
    pub fn command_timeout(mut self, timeout: Duration) -> Self {
        self.command_timeout = timeout;
        self
    }

    /// How many consecutive failures (connection refused or lost, timeouts) open the
    /// circuit breaker. At least 1.
    ///
    /// ```
    /// let config = cachekit::redis::RedisConfig::default().breaker_failures(3);
    /// # let _ = config;
    /// ```
    pub fn breaker_failures(mut self, failures: u32) -> Self {
        self.breaker_failures = failures;
        self
    }

    /// How long an open breaker stays open before one call probes Redis again.
    ///
    /// ```
    /// use std::time::Duration;
    /// let config = cachekit::redis::RedisConfig::default().breaker_reset(Duration::from_secs(10));
    /// # let _ = config;
    /// ```
    pub fn breaker_reset(mut self, reset: Duration) -> Self {
        self.breaker_reset = reset;
        self
    }

    /// The pub/sub channel invalidations travel on; by default `<prefix>:invalidate`.
    ///
    /// ```
    /// let config = cachekit::redis::RedisConfig::default().channel("cache-events");
    /// assert_eq!(config.get_channel(), "cache-events");
    /// ```
    pub fn channel(mut self, channel: impl Into<String>) -> Self {
        self.channel = Some(channel.into());
        self
    }

    /// How long a `shared_lock` lock lives if its holder never releases it (it crashed):
    /// after that, another process may compute the value.
    ///
    /// ```
    /// use std::time::Duration;
    /// let config = cachekit::redis::RedisConfig::default().lock_ttl(Duration::from_secs(30));
    /// # let _ = config;
    /// ```
    pub fn lock_ttl(mut self, ttl: Duration) -> Self {
        self.lock_ttl = ttl;
        self
    }

    /// How long a process that found the lock taken waits for the holder's value before
    /// it computes the value itself.
    ///
    /// ```
    /// use std::time::Duration;
    /// let config = cachekit::redis::RedisConfig::default().lock_wait(Duration::from_millis(500));
    /// # let _ = config;
    /// ```
    pub fn lock_wait(mut self, wait: Duration) -> Self {
        self.lock_wait = wait;
        self
    }

    /// How often a waiting process re-reads the value (and retries the lock).
    ///
    /// ```
    /// use std::time::Duration;
    /// let config = cachekit::redis::RedisConfig::default().lock_poll(Duration::from_millis(5));
    /// # let _ = config;
    /// ```
    pub fn lock_poll(mut self, poll: Duration) -> Self {
        self.lock_poll = poll;
        self
    }

    /// The pause between two attempts of the invalidation subscriber to reconnect.
    ///
    /// ```
    /// use std::time::Duration;
    /// let config = cachekit::redis::RedisConfig::default().resubscribe_delay(Duration::from_millis(100));
    /// # let _ = config;
    /// ```
    pub fn resubscribe_delay(mut self, delay: Duration) -> Self {
        self.resubscribe_delay = delay;
        self
    }

    /// How many idle blocking connections are kept for reuse (the blocking calls take one
    /// per command and open another when none is idle).
    ///
    /// ```
    /// let config = cachekit::redis::RedisConfig::default().max_idle_connections(2);
    /// # let _ = config;
    /// ```
    pub fn max_idle_connections(mut self, max: usize) -> Self {
        self.max_idle_connections = max;
        self
    }

    /// The URL.
    ///
    /// ```
    /// assert_eq!(cachekit::redis::RedisConfig::new("redis://h").get_url(), "redis://h");
    /// ```
    pub fn get_url(&self) -> &str {
        &self.url
    }

    /// The namespace prefix.
    ///
    /// ```
    /// assert_eq!(cachekit::redis::RedisConfig::default().get_prefix(), "cachekit");
    /// ```
    pub fn get_prefix(&self) -> &str {
        &self.prefix
    }

    /// The invalidation channel.
    ///
    /// ```
    /// let config = cachekit::redis::RedisConfig::default();
    /// assert_eq!(config.get_channel(), "cachekit:invalidate");
    /// ```
    pub fn get_channel(&self) -> String {
        self.channel
            .clone()
            .unwrap_or_else(|| format!("{}:invalidate", self.prefix))
    }

    /// Checks the settings; `Err` names the first one out of range.
    pub(crate) fn validate(&self) -> Result<(), SharedTierError> {
        let invalid = |reason: &str| {
            Err(SharedTierError::InvalidConfig {
                reason: reason.to_owned(),
            })
        };
        if self.prefix.is_empty() {
            return invalid("the namespace prefix is empty");
        }
        if self.get_channel().is_empty() {
            return invalid("the invalidation channel is empty");
        }
        for (what, value) in [
            ("connect_timeout", self.connect_timeout),
            ("command_timeout", self.command_timeout),
            ("lock_ttl", self.lock_ttl),
            ("lock_poll", self.lock_poll),
            ("resubscribe_delay", self.resubscribe_delay),
        ] {
            // std refuses a zero socket timeout, and a zero lock or poll makes no sense.
            if value.is_zero() {
                return invalid(&format!("{what} is zero"));
            }
        }
        if self.lock_ttl.as_millis() > u128::from(u32::MAX) {
            return invalid("lock_ttl is longer than 49 days");
        }
        if self.breaker_failures == 0 {
            return invalid("breaker_failures is 0 (it must be at least 1)");
        }
        Ok(())
    }

    /// The two SipHash keys the secret stands for (the configured one, else the default),
    /// and whether it was the default.
    pub(crate) fn sip_keys(&self) -> ((u64, u64), bool) {
        let (secret, default) = match &self.secret {
            Some(secret) => (secret.as_str(), false),
            None => (DEFAULT_SECRET, true),
        };
        // A secret of any length becomes two 64-bit keys through a fixed-key SipHash-128:
        // deterministic, so every process derives the same keys from the same secret.
        let mut hasher = SipHasher13::new_with_keys(0x6361_6368_656b_6974, 0x7265_6469_732d_7631);
        std::hash::Hasher::write(&mut hasher, secret.as_bytes());
        let hash = hasher.finish128();
        ((hash.h1, hash.h2), default)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn validation_names_the_setting() {
        let ok = RedisConfig::default();
        assert!(ok.validate().is_ok());
        let err = ok.clone().command_timeout(Duration::ZERO).validate();
        assert!(err.unwrap_err().to_string().contains("command_timeout"));
        assert!(ok.clone().prefix("").validate().is_err());
        assert!(ok.clone().breaker_failures(0).validate().is_err());
        assert!(ok.clone().channel("").validate().is_err());
    }

    #[test]
    fn the_secret_decides_the_keys() {
        let a = RedisConfig::default().secret("a").sip_keys();
        let b = RedisConfig::default().secret("b").sip_keys();
        assert_ne!(a.0, b.0);
        assert!(!a.1);
        assert_eq!(a, RedisConfig::default().secret("a").sip_keys());
        let default = RedisConfig {
            secret: None,
            ..RedisConfig::default()
        };
        assert!(default.sip_keys().1);
    }
}
