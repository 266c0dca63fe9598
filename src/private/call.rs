//! What a memoized call runs: the cache's single-flight `get_or_insert_with` in its four
//! forms (plain, `Result`, `Option`, and async), and invalidation.
//!
//! Every function takes the [`KeyHasher`] the generated code fed the arguments to, so the
//! fingerprint is finished here, in one place.

use std::future::Future;

use super::key::KeyHasher;
use super::markers::{CacheableValue, IsOption, IsResult};
use super::slot::Handle;

/// The error that stands for a `None` in the cache's `try_` path: `None` is returned to
/// the caller and not stored.
#[derive(Debug)]
struct NoValue;

/// A plain memoized call: the cached value, or `loader()`'s, stored.
///
/// ```
/// use cachekit::__private::{get_or_insert_with, hash_arg, Config, Slot};
/// static SLOT: Slot = Slot::new();
/// let handle = SLOT.handle::<(), u64>(|| Config::new("doc", "plain"));
/// let mut key = handle.key_hasher();
/// hash_arg::<u32>(&7, &mut key);
/// assert_eq!(get_or_insert_with(handle, key, || 49), 49);
/// assert_eq!(get_or_insert_with(handle, key, || unreachable!()), 49);
/// ```
#[inline]
pub fn get_or_insert_with<V: CacheableValue, F: FnOnce() -> V>(
    handle: &Handle<V>,
    key: KeyHasher,
    loader: F,
) -> V {
    handle.cache().get_or_insert_with(key.fingerprint(), loader)
}

/// A memoized call returning a `Result`: `Ok` values are cached, an `Err` is returned and
/// not stored.
///
/// ```
/// use cachekit::__private::{try_get_or_insert_with, Config, Slot};
/// static SLOT: Slot = Slot::new();
/// let handle = SLOT.handle::<(), u64>(|| Config::new("doc", "result"));
/// let failed = try_get_or_insert_with(handle, handle.key_hasher(), || Err::<u64, _>("down"));
/// assert_eq!(failed, Err("down"));
/// assert_eq!(try_get_or_insert_with(handle, handle.key_hasher(), || Ok::<_, &str>(1)), Ok(1));
/// ```
#[inline]
pub fn try_get_or_insert_with<R, F>(handle: &Handle<R::Ok>, key: KeyHasher, loader: F) -> R
where
    R: IsResult,
    R::Ok: CacheableValue,
    F: FnOnce() -> R,
{
    R::from_result(
        handle
            .cache()
            .try_get_or_insert_with(key.fingerprint(), || loader().into_result()),
    )
}

/// A memoized call returning an `Option`: `Some` values are cached, a `None` is returned
/// and not stored.
///
/// ```
/// use cachekit::__private::{get_or_insert_some, Config, Slot};
/// static SLOT: Slot = Slot::new();
/// let handle = SLOT.handle::<(), u64>(|| Config::new("doc", "option"));
/// assert_eq!(get_or_insert_some(handle, handle.key_hasher(), || None::<u64>), None);
/// assert_eq!(get_or_insert_some(handle, handle.key_hasher(), || Some(2)), Some(2));
/// ```
#[inline]
pub fn get_or_insert_some<O, F>(handle: &Handle<O::Some>, key: KeyHasher, loader: F) -> O
where
    O: IsOption,
    O::Some: CacheableValue,
    F: FnOnce() -> O,
{
    O::from_option(
        handle
            .cache()
            .try_get_or_insert_with(key.fingerprint(), || loader().into_option().ok_or(NoValue))
            .ok(),
    )
}

/// The async form of [`get_or_insert_with`]: `loader` is polled only by the one caller that
/// loads the key.
///
/// ```
/// # fn block_on<F: std::future::Future>(f: F) -> F::Output {
/// #     use std::task::{Context, Poll, Waker};
/// #     let mut f = std::pin::pin!(f);
/// #     let mut cx = Context::from_waker(Waker::noop());
/// #     loop { if let Poll::Ready(v) = f.as_mut().poll(&mut cx) { return v; } }
/// # }
/// use cachekit::__private::{get_or_insert_with_async, Config, Slot};
/// static SLOT: Slot = Slot::new();
/// let handle = SLOT.handle::<(), u64>(|| Config::new("doc", "plain_async"));
/// assert_eq!(block_on(get_or_insert_with_async(handle, handle.key_hasher(), async { 3 })), 3);
/// ```
pub async fn get_or_insert_with_async<V: CacheableValue, F: Future<Output = V>>(
    handle: &Handle<V>,
    key: KeyHasher,
    loader: F,
) -> V {
    let fingerprint = key.fingerprint();
    handle
        .cache()
        .get_or_insert_with_async(fingerprint, loader)
        .await
}

/// The async form of [`try_get_or_insert_with`].
///
/// ```
/// # fn block_on<F: std::future::Future>(f: F) -> F::Output {
/// #     use std::task::{Context, Poll, Waker};
/// #     let mut f = std::pin::pin!(f);
/// #     let mut cx = Context::from_waker(Waker::noop());
/// #     loop { if let Poll::Ready(v) = f.as_mut().poll(&mut cx) { return v; } }
/// # }
/// use cachekit::__private::{try_get_or_insert_with_async, Config, Slot};
/// static SLOT: Slot = Slot::new();
/// let handle = SLOT.handle::<(), u64>(|| Config::new("doc", "result_async"));
/// let loaded = try_get_or_insert_with_async(handle, handle.key_hasher(), async { Err::<u64, _>(()) });
/// assert_eq!(block_on(loaded), Err(()));
/// ```
pub async fn try_get_or_insert_with_async<R, F>(
    handle: &Handle<R::Ok>,
    key: KeyHasher,
    loader: F,
) -> R
where
    R: IsResult,
    R::Ok: CacheableValue,
    F: Future<Output = R>,
{
    let fingerprint = key.fingerprint();
    let loader = async { loader.await.into_result() };
    R::from_result(
        handle
            .cache()
            .try_get_or_insert_with_async(fingerprint, loader)
            .await,
    )
}

/// The async form of [`get_or_insert_some`].
///
/// ```
/// # fn block_on<F: std::future::Future>(f: F) -> F::Output {
/// #     use std::task::{Context, Poll, Waker};
/// #     let mut f = std::pin::pin!(f);
/// #     let mut cx = Context::from_waker(Waker::noop());
/// #     loop { if let Poll::Ready(v) = f.as_mut().poll(&mut cx) { return v; } }
/// # }
/// use cachekit::__private::{get_or_insert_some_async, Config, Slot};
/// static SLOT: Slot = Slot::new();
/// let handle = SLOT.handle::<(), u64>(|| Config::new("doc", "option_async"));
/// let loaded = get_or_insert_some_async(handle, handle.key_hasher(), async { Some(4_u64) });
/// assert_eq!(block_on(loaded), Some(4));
/// ```
pub async fn get_or_insert_some_async<O, F>(
    handle: &Handle<O::Some>,
    key: KeyHasher,
    loader: F,
) -> O
where
    O: IsOption,
    O::Some: CacheableValue,
    F: Future<Output = O>,
{
    let fingerprint = key.fingerprint();
    let loader = async { loader.await.into_option().ok_or(NoValue) };
    O::from_option(
        handle
            .cache()
            .try_get_or_insert_with_async(fingerprint, loader)
            .await
            .ok(),
    )
}

/// Drops the entry for `key`; `true` if a live one was there.
///
/// Unlike the other call forms, this one puts no bound on `V` (the handle carries the
/// monomorphized removal), so a value type that cannot be cached is reported once per
/// call form, not once more here.
///
/// ```
/// use cachekit::__private::{get_or_insert_with, invalidate, Config, Slot};
/// static SLOT: Slot = Slot::new();
/// let handle = SLOT.handle::<(), u64>(|| Config::new("doc", "invalidate"));
/// get_or_insert_with(handle, handle.key_hasher(), || 5);
/// assert!(invalidate(handle, handle.key_hasher()));
/// assert!(!invalidate(handle, handle.key_hasher()));
/// ```
#[inline]
pub fn invalidate<V>(handle: &Handle<V>, key: KeyHasher) -> bool {
    handle.remove(&key.fingerprint())
}
