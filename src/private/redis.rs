//! What `#[ttl_cached(shared = "redis")]` generates calls into: a [`TierSlot`] per function,
//! the stable key of its arguments, and the call forms over a [`SharedTier`].
//!
//! The marker traits [`SharedValue`] and [`SharedArg`] exist for their messages: a return
//! or argument type without serde's traits gets an error that says what a shared tier
//! needs, pointing at the type the user wrote.
//!
//! ```
//! use cachekit::__private::redis::{arg, get_or_compute, key, TierConfig, TierSlot};
//! use cachekit::__private::Config;
//!
//! // What `#[ttl_cached(shared = "redis")] fn square(x: u32) -> u64 { .. }` boils down to.
//! fn square(x: u32) -> u64 {
//!     static TIER: TierSlot<u64> = TierSlot::new();
//!     let tier = TIER.tier(|| TierConfig {
//!         config: Config::new(module_path!(), "square"),
//!         local_ttl: None,
//!         lock: false,
//!     });
//!     let key = key(tier, &(arg::<u32>(&x),));
//!     get_or_compute::<u64, _>(tier, key, || u64::from(x) * u64::from(x))
//! }
//! // Without `cachekit::redis::connect`, the tier is local only.
//! assert_eq!(square(12), 144);
//! ```

use std::future::Future;
use std::sync::OnceLock;
use std::time::Duration;

use serde::de::DeserializeOwned;
use serde::Serialize;

pub use cache_redis::{SharedTier, StableKey};

use super::markers::{IsOption, IsResult};
use super::slot::Config;

/// A value a shared function can return: it crosses processes through serde.
///
/// ```
/// fn shared_value<T: cachekit::__private::redis::SharedValue>() {}
/// shared_value::<Vec<String>>();
/// ```
#[diagnostic::on_unimplemented(
    message = "`{Self}` cannot be cached in a shared Redis tier: it must implement `serde::Serialize`, `serde::de::DeserializeOwned`, `Clone`, `Send` and `Sync`",
    label = "values of a `shared = \"redis\"` function cross processes, serialized with serde",
    note = "derive them, e.g. `#[derive(Clone, serde::Serialize, serde::Deserialize)]`, or drop `shared = \"redis\"` for a cache local to this process"
)]
pub trait SharedValue: Serialize + DeserializeOwned + Clone + Send + Sync + 'static {}

impl<T: Serialize + DeserializeOwned + Clone + Send + Sync + 'static> SharedValue for T {}

/// An argument of a shared function: part of the key, which is computed from its serde
/// serialization so that every process computes the same one.
///
/// ```
/// let x = 5u32;
/// let _: &u32 = cachekit::__private::redis::arg::<u32>(&x);
/// ```
#[diagnostic::on_unimplemented(
    message = "`{Self}` cannot be part of a shared Redis key: it must implement `serde::Serialize`",
    label = "a `shared = \"redis\"` function keys its results by a serialization of its arguments",
    note = "keys must mean the same in every process, so they are built from `Serialize`, not from `Hash`; derive `serde::Serialize` or pick the key with `key = ..`"
)]
pub trait SharedArg: Serialize {}

impl<T: Serialize + ?Sized> SharedArg for T {}

/// Passes an argument through, checking that it is [`SharedArg`].
#[inline]
pub fn arg<T: SharedArg + ?Sized>(value: &T) -> &T {
    value
}

/// What the macro's options said, for [`TierSlot::tier`].
#[derive(Clone, Debug)]
pub struct TierConfig {
    /// Name, `ttl` (Redis's expiry) and `max_size` (the local tier's bound), as for a local
    /// cache.
    pub config: Config,
    /// `local_ttl`: the local tier's time to live; `ttl` if not given.
    pub local_ttl: Option<Duration>,
    /// `shared_lock`: single-flight across processes.
    pub lock: bool,
}

/// The static that holds a shared function's tier, made on first use.
///
/// ```
/// use cachekit::__private::redis::{TierConfig, TierSlot};
/// static TIER: TierSlot<u8> = TierSlot::new();
/// let config = || TierConfig {
///     config: cachekit::__private::Config::new("doc", "slot"),
///     local_ttl: None,
///     lock: false,
/// };
/// assert!(std::ptr::eq(TIER.tier(config), TIER.tier(config)));
/// ```
pub struct TierSlot<V> {
    tier: OnceLock<SharedTier<V>>,
}

impl<V> TierSlot<V> {
    /// An empty slot.
    #[allow(clippy::new_without_default)]
    pub const fn new() -> Self {
        Self {
            tier: OnceLock::new(),
        }
    }
}

impl<V: SharedValue> TierSlot<V> {
    /// The tier, made from `config()` on the first call.
    pub fn tier(&'static self, config: impl FnOnce() -> TierConfig) -> &'static SharedTier<V> {
        self.tier.get_or_init(|| {
            let TierConfig {
                config,
                local_ttl,
                lock,
            } = config();
            let defaults = cache_core::registry().defaults();
            let ttl = config.ttl.unwrap_or(defaults.ttl);
            let max_size = config.max_size.unwrap_or(defaults.max_size);
            SharedTier::new(
                &config.registry_name(),
                ttl,
                local_ttl.unwrap_or(ttl).min(ttl),
                max_size,
                lock,
            )
        })
    }
}

/// The stable key of `args` (a tuple of the arguments) in `tier`.
#[inline]
pub fn key<V: SharedValue, A: Serialize + ?Sized>(tier: &SharedTier<V>, args: &A) -> StableKey {
    tier.key(args)
}

/// A plain shared call: the local value, else Redis's, else `loader()`'s, stored in both.
#[inline]
pub fn get_or_compute<V: SharedValue, F: FnOnce() -> V>(
    tier: &SharedTier<V>,
    key: StableKey,
    loader: F,
) -> V {
    tier.get_or_compute(key, loader)
}

/// A shared call returning a `Result`: only `Ok` values are stored.
#[inline]
pub fn try_get_or_compute<R, F>(tier: &SharedTier<R::Ok>, key: StableKey, loader: F) -> R
where
    R: IsResult,
    R::Ok: SharedValue,
    F: FnOnce() -> R,
{
    R::from_result(tier.try_get_or_compute(key, || loader().into_result()))
}

/// The error that stands for a `None` in the tier's `try_` path.
struct NoValue;

/// A shared call returning an `Option`: only `Some` values are stored.
#[inline]
pub fn get_or_compute_some<O, F>(tier: &SharedTier<O::Some>, key: StableKey, loader: F) -> O
where
    O: IsOption,
    O::Some: SharedValue,
    F: FnOnce() -> O,
{
    O::from_option(
        tier.try_get_or_compute(key, || loader().into_option().ok_or(NoValue))
            .ok(),
    )
}

/// The async form of [`get_or_compute`].
pub async fn get_or_compute_async<V: SharedValue, F: Future<Output = V>>(
    tier: &SharedTier<V>,
    key: StableKey,
    loader: F,
) -> V {
    tier.get_or_compute_async(key, loader).await
}

/// The async form of [`try_get_or_compute`].
pub async fn try_get_or_compute_async<R, F>(
    tier: &SharedTier<R::Ok>,
    key: StableKey,
    loader: F,
) -> R
where
    R: IsResult,
    R::Ok: SharedValue,
    F: Future<Output = R>,
{
    R::from_result(
        tier.try_get_or_compute_async(key, async { loader.await.into_result() })
            .await,
    )
}

/// The async form of [`get_or_compute_some`].
pub async fn get_or_compute_some_async<O, F>(
    tier: &SharedTier<O::Some>,
    key: StableKey,
    loader: F,
) -> O
where
    O: IsOption,
    O::Some: SharedValue,
    F: Future<Output = O>,
{
    O::from_option(
        tier.try_get_or_compute_async(key, async { loader.await.into_option().ok_or(NoValue) })
            .await
            .ok(),
    )
}

/// Drops `key` everywhere; `true` if this process's local tier had a live entry.
pub fn invalidate<V: SharedValue>(tier: &SharedTier<V>, key: StableKey) -> bool {
    let was_local = tier.local_cache().contains_key(&key);
    tier.invalidate(key);
    was_local
}

/// The async form of [`invalidate`].
pub async fn invalidate_async<V: SharedValue>(tier: &SharedTier<V>, key: StableKey) -> bool {
    let was_local = tier.local_cache().contains_key(&key);
    tier.invalidate_async(key).await;
    was_local
}
