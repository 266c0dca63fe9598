//! [`RegistryDefaults`]: the settings a deployment can change without a rebuild, read from
//! `CACHEKIT_*` environment variables.

use std::time::Duration;

use crate::builder::{DEFAULT_CLEANUP_INTERVAL, DEFAULT_MAX_SIZE, DEFAULT_TTL};

/// The environment variable that overrides [`RegistryDefaults::ttl`], in seconds.
///
/// ```
/// use cachekit::{RegistryDefaults, ENV_DEFAULT_TTL};
/// let d = RegistryDefaults::from_env_with(|name| {
///     (name == ENV_DEFAULT_TTL).then(|| "30".to_string())
/// });
/// assert_eq!(d.ttl, std::time::Duration::from_secs(30));
/// ```
pub const ENV_DEFAULT_TTL: &str = "CACHEKIT_DEFAULT_TTL";

/// The environment variable that overrides [`RegistryDefaults::max_size`].
///
/// ```
/// use cachekit::{RegistryDefaults, ENV_DEFAULT_MAX_SIZE};
/// let d = RegistryDefaults::from_env_with(|name| {
///     (name == ENV_DEFAULT_MAX_SIZE).then(|| "64".to_string())
/// });
/// assert_eq!(d.max_size, 64);
/// ```
pub const ENV_DEFAULT_MAX_SIZE: &str = "CACHEKIT_DEFAULT_MAX_SIZE";

/// The environment variable that overrides [`RegistryDefaults::cleanup_interval`], in
/// seconds.
///
/// ```
/// use cachekit::{RegistryDefaults, ENV_CLEANUP_INTERVAL};
/// let d = RegistryDefaults::from_env_with(|name| {
///     (name == ENV_CLEANUP_INTERVAL).then(|| "0.25".to_string())
/// });
/// assert_eq!(d.cleanup_interval, std::time::Duration::from_millis(250));
/// ```
pub const ENV_CLEANUP_INTERVAL: &str = "CACHEKIT_CLEANUP_INTERVAL";

/// The defaults of a [`Registry`](crate::Registry): what a cache gets when its code does
/// not say, and how often caches are swept.
///
/// The global [`registry()`](crate::registry()) reads them once, when it is first used,
/// from the environment ([`from_env`](Self::from_env)):
///
/// | variable | field | unit |
/// | --- | --- | --- |
/// | `CACHEKIT_DEFAULT_TTL` | [`ttl`](Self::ttl) | seconds, decimals allowed |
/// | `CACHEKIT_DEFAULT_MAX_SIZE` | [`max_size`](Self::max_size) | entries |
/// | `CACHEKIT_CLEANUP_INTERVAL` | [`cleanup_interval`](Self::cleanup_interval) | seconds, > 0 |
///
/// A variable that is unset keeps the built-in default; one that does not parse is
/// reported once through the [`log`] facade (at `warn` level) and also keeps the default.
/// Reading them never panics.
///
/// Surrounding whitespace is ignored. Empty, negative, non-numeric (`NaN`, `inf`, `5s`),
/// out-of-range (`1e400`, a count beyond `usize`) and non-UTF-8 values do not parse. `0`
/// is accepted for the TTL and the size: every cache that takes that default then stores
/// nothing, which turns caching off. A positive number of seconds under a nanosecond
/// counts as one nanosecond.
///
/// # Examples
///
/// ```
/// use cachekit::{Registry, RegistryDefaults};
/// use std::time::Duration;
///
/// let defaults = RegistryDefaults {
///     ttl: Duration::from_secs(600),
///     ..RegistryDefaults::default()
/// };
/// let registry = Registry::with_defaults(defaults);
/// assert_eq!(registry.defaults().ttl, Duration::from_secs(600));
/// assert_eq!(registry.defaults().max_size, cachekit::DEFAULT_MAX_SIZE);
/// ```
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct RegistryDefaults {
    /// The bound for caches whose code gives none (built in: [`DEFAULT_MAX_SIZE`]).
    pub max_size: usize,
    /// The TTL for caches whose code gives none (built in: [`DEFAULT_TTL`]).
    pub ttl: Duration,
    /// How often the caches that [`Registry::get_or_create`](crate::Registry::get_or_create)
    /// builds sweep themselves on insert, and the interval a janitor is meant to use
    /// (built in: [`DEFAULT_CLEANUP_INTERVAL`]).
    pub cleanup_interval: Duration,
}

impl Default for RegistryDefaults {
    /// The built-in defaults, ignoring the environment.
    ///
    /// ```
    /// let defaults = cachekit::RegistryDefaults::default();
    /// assert_eq!(defaults.ttl, cachekit::DEFAULT_TTL);
    /// assert_eq!(defaults.cleanup_interval, cachekit::DEFAULT_CLEANUP_INTERVAL);
    /// ```
    fn default() -> Self {
        Self {
            max_size: DEFAULT_MAX_SIZE,
            ttl: DEFAULT_TTL,
            cleanup_interval: DEFAULT_CLEANUP_INTERVAL,
        }
    }
}

impl RegistryDefaults {
    /// The built-in defaults overridden by the `CACHEKIT_*` variables of this process's
    /// environment (see the type's documentation).
    ///
    /// ```
    /// // Whatever the environment holds, this returns usable values.
    /// let defaults = cachekit::RegistryDefaults::from_env();
    /// assert!(defaults.cleanup_interval > std::time::Duration::ZERO);
    /// ```
    pub fn from_env() -> Self {
        Self::from_env_with(|name| match std::env::var(name) {
            Ok(text) => Some(text),
            Err(std::env::VarError::NotPresent) => None,
            // Not unset, so not silently ignored: the replacement characters make it fail
            // to parse, which reports it like any other bad value.
            Err(std::env::VarError::NotUnicode(raw)) => Some(raw.to_string_lossy().into_owned()),
        })
    }

    /// As [`from_env`](Self::from_env), with the variables looked up through `lookup`
    /// instead of the process environment: `lookup(name)` returns the value of the
    /// variable `name`, or `None` when it is unset. Tests use it to avoid changing the
    /// environment of the whole process.
    ///
    /// ```
    /// use cachekit::RegistryDefaults;
    /// use std::time::Duration;
    ///
    /// let defaults = RegistryDefaults::from_env_with(|name| match name {
    ///     "CACHEKIT_DEFAULT_TTL" => Some("90".to_string()),
    ///     "CACHEKIT_DEFAULT_MAX_SIZE" => Some("not a number".to_string()), // logged, ignored
    ///     _ => None,
    /// });
    /// assert_eq!(defaults.ttl, Duration::from_secs(90));
    /// assert_eq!(defaults.max_size, cachekit::DEFAULT_MAX_SIZE);
    /// ```
    pub fn from_env_with(lookup: impl Fn(&str) -> Option<String>) -> Self {
        let builtin = Self::default();
        Self {
            max_size: read(&lookup, ENV_DEFAULT_MAX_SIZE, parse_count).unwrap_or(builtin.max_size),
            ttl: read(&lookup, ENV_DEFAULT_TTL, parse_seconds).unwrap_or(builtin.ttl),
            cleanup_interval: read(&lookup, ENV_CLEANUP_INTERVAL, |text| {
                parse_seconds(text).filter(|interval| !interval.is_zero())
            })
            .unwrap_or(builtin.cleanup_interval),
        }
    }
}

/// The parsed value of `name`, or `None` (after a warning, if it was set but bad).
fn read<T>(
    lookup: &impl Fn(&str) -> Option<String>,
    name: &str,
    parse: impl Fn(&str) -> Option<T>,
) -> Option<T> {
    let text = lookup(name)?;
    let parsed = parse(text.trim());
    if parsed.is_none() {
        log::warn!("cachekit: ignoring {name}={text:?}: not a valid value; using the default");
    }
    parsed
}

fn parse_count(text: &str) -> Option<usize> {
    text.parse().ok()
}

/// Non-negative seconds, whole or decimal; `None` for anything else, including overflow.
/// A positive value under a nanosecond is one nanosecond: rounding it to zero would turn
/// a time to live into "cache nothing".
fn parse_seconds(text: &str) -> Option<Duration> {
    if let Ok(whole) = text.parse::<u64>() {
        return Some(Duration::from_secs(whole));
    }
    let seconds = text.parse::<f64>().ok()?;
    let duration = Duration::try_from_secs_f64(seconds).ok()?;
    Some(if duration.is_zero() && seconds > 0.0 {
        Duration::from_nanos(1)
    } else {
        duration
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn seconds_accept_whole_and_decimal_values_only() {
        assert_eq!(parse_seconds("0"), Some(Duration::ZERO));
        assert_eq!(parse_seconds("1.5"), Some(Duration::from_millis(1500)));
        assert_eq!(parse_seconds("-1"), None);
        assert_eq!(parse_seconds("NaN"), None);
        assert_eq!(parse_seconds("1e30"), None);
        assert_eq!(parse_seconds("1e-12"), Some(Duration::from_nanos(1)));
        assert_eq!(parse_seconds("-0"), Some(Duration::ZERO));
        assert_eq!(parse_seconds("10s"), None);
        assert_eq!(parse_seconds(""), None);
    }

    #[test]
    fn values_are_trimmed_and_a_zero_interval_is_rejected() {
        let defaults = RegistryDefaults::from_env_with(|name| match name {
            ENV_DEFAULT_MAX_SIZE => Some(" 42\n".to_string()),
            ENV_CLEANUP_INTERVAL => Some("0".to_string()),
            _ => None,
        });
        assert_eq!(defaults.max_size, 42);
        assert_eq!(defaults.cleanup_interval, DEFAULT_CLEANUP_INTERVAL);
    }
}
