//! Private marker traits whose only job is a readable compile error.
//!
//! Each is implemented for every type that meets its bounds, so it never restricts
//! anything; when a type does not meet them, `#[diagnostic::on_unimplemented]` replaces
//! "the trait bound `Foo: Hash` is not satisfied" with a sentence that says what the macro
//! needs and what to change.

use std::hash::Hash;
use std::time::Duration;

/// A type that can be part of a memoized function's key: it implements `Hash`.
///
/// ```
/// fn key_part<T: ?Sized + cachekit::__private::HashArg>() {}
/// key_part::<&str>();
/// key_part::<(u64, Vec<String>)>();
/// ```
#[diagnostic::on_unimplemented(
    message = "`{Self}` cannot be part of a cache key: it does not implement `Hash`",
    label = "this argument is hashed into the cache key, so its type must implement `Hash`",
    note = "derive or implement `Hash` for it, or give the macro `key = <expression>` to hash something else instead of the arguments"
)]
pub trait HashArg: Hash {}

impl<T: ?Sized + Hash> HashArg for T {}

/// The receiver type of a `#[cached_method]` that hashes `self`: it implements `Hash`.
///
/// ```
/// fn receiver<T: ?Sized + cachekit::__private::HashSelf>() {}
/// #[derive(Hash)]
/// struct Repo;
/// receiver::<Repo>();
/// ```
#[diagnostic::on_unimplemented(
    message = "`{Self}` does not implement `Hash`, so `self` cannot be part of the cache key",
    label = "`#[cached_method]` hashes the receiver into the key by default",
    note = "derive `Hash` for `{Self}`, or set `self_key = <expression over self>` (e.g. `self_key = self.id`) to hash part of it, or `shared = true` to leave it out of the key"
)]
pub trait HashSelf: Hash {}

impl<T: ?Sized + Hash> HashSelf for T {}

/// A type a memoized function can return: the cache stores it and hands out clones, to
/// any thread, for as long as the process runs.
///
/// ```
/// fn value<V: cachekit::__private::CacheableValue>() {}
/// value::<std::sync::Arc<Vec<u8>>>();
/// value::<Result<String, ()>>();
/// ```
#[diagnostic::on_unimplemented(
    message = "`{Self}` cannot be cached: a cached value must be `Clone + Send + Sync + 'static`",
    label = "the cache stores this type and returns clones of it, possibly to other threads",
    note = "return an owned, thread-safe type: wrap shared data in `Arc<T>`, and use `Arc<Mutex<T>>` or `Arc<RwLock<T>>` instead of `Rc<T>` or `RefCell<T>`"
)]
pub trait CacheableValue: Clone + Send + Sync + 'static {}

impl<T: Clone + Send + Sync + 'static> CacheableValue for T {}

/// A return type that `#[ttl_cached]` treats as a `Result` (its last path segment is
/// `Result`): only its `Ok` values are cached.
///
/// ```
/// use cachekit::__private::IsResult;
/// fn ok_type<R: IsResult>() {}
/// ok_type::<std::io::Result<u8>>();
/// ok_type::<std::fmt::Result>();
/// ```
#[diagnostic::on_unimplemented(
    message = "`{Self}` is named `Result` but is not `core::result::Result`",
    label = "a return type named `Result` is cached as a `Result`: only its `Ok` values are stored",
    note = "set `cache_err = true` to cache every value of this type as it is"
)]
pub trait IsResult {
    /// The `Ok` type: what the cache stores.
    type Ok;
    /// The `Err` type: returned, never stored.
    type Err;
    /// The value as a `core::result::Result`.
    fn into_result(self) -> Result<Self::Ok, Self::Err>;
    /// The value back from a `core::result::Result`.
    fn from_result(result: Result<Self::Ok, Self::Err>) -> Self;
}

impl<T, E> IsResult for Result<T, E> {
    type Ok = T;
    type Err = E;
    #[inline]
    fn into_result(self) -> Self {
        self
    }
    #[inline]
    fn from_result(result: Self) -> Self {
        result
    }
}

/// A return type that `#[ttl_cached]` treats as an `Option` (its last path segment is
/// `Option`): only its `Some` values are cached.
///
/// ```
/// use cachekit::__private::IsOption;
/// fn some_type<O: IsOption>() {}
/// some_type::<Option<String>>();
/// ```
#[diagnostic::on_unimplemented(
    message = "`{Self}` is named `Option` but is not `core::option::Option`",
    label = "a return type named `Option` is cached as an `Option`: only its `Some` values are stored",
    note = "set `cache_none = true` to cache every value of this type as it is"
)]
pub trait IsOption {
    /// The `Some` type: what the cache stores.
    type Some;
    /// The value as a `core::option::Option`.
    fn into_option(self) -> Option<Self::Some>;
    /// The value back from a `core::option::Option`.
    fn from_option(option: Option<Self::Some>) -> Self;
}

impl<T> IsOption for Option<T> {
    type Some = T;
    #[inline]
    fn into_option(self) -> Self {
        self
    }
    #[inline]
    fn from_option(option: Self) -> Self {
        option
    }
}

/// What `ttl = <expression>` accepts: a `Duration`. Its own trait so that another type
/// gets an error that shows the accepted forms.
///
/// ```
/// use std::time::Duration;
/// assert_eq!(cachekit::__private::ttl(Duration::from_secs(5)), Duration::from_secs(5));
/// ```
#[diagnostic::on_unimplemented(
    message = "`ttl` must be a `std::time::Duration`, not `{Self}`",
    label = "expected a `Duration`",
    note = "write integer seconds (`ttl = 60`), a string with units (`ttl = \"90s\"`, `\"1h30m\"`, `\"250ms\"`), or an expression such as `Duration::from_secs(n)`"
)]
pub trait TtlValue {
    /// The time to live.
    fn into_duration(self) -> Duration;
}

impl TtlValue for Duration {
    #[inline]
    fn into_duration(self) -> Duration {
        self
    }
}

/// The `ttl = <expression>` option, checked to be a `Duration`.
///
/// ```
/// use std::time::Duration;
/// assert_eq!(cachekit::__private::ttl(Duration::MAX), Duration::MAX);
/// ```
#[inline]
pub fn ttl<T: TtlValue>(value: T) -> Duration {
    value.into_duration()
}

/// What `max_size = <expression>` accepts: a `usize`.
///
/// ```
/// assert_eq!(cachekit::__private::max_size(10_usize), 10);
/// ```
#[diagnostic::on_unimplemented(
    message = "`max_size` must be a `usize`, not `{Self}`",
    label = "expected a `usize`",
    note = "write an integer (`max_size = 1000`), or convert the expression (`max_size = LIMIT as usize`)"
)]
pub trait MaxSizeValue {
    /// The bound.
    fn into_usize(self) -> usize;
}

impl MaxSizeValue for usize {
    #[inline]
    fn into_usize(self) -> usize {
        self
    }
}

/// The `max_size = <expression>` option, checked to be a `usize`.
///
/// ```
/// assert_eq!(cachekit::__private::max_size(3_usize), 3);
/// ```
#[inline]
pub fn max_size<T: MaxSizeValue>(value: T) -> usize {
    value.into_usize()
}
