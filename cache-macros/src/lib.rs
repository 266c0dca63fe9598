//! The memoization attributes of [cachekit](https://docs.rs/cachekit): [`macro@ttl_cached`]
//! for functions and [`macro@cached_method`] for methods. Use them through the `cachekit`
//! facade, whose hidden `__private` module the generated code calls:
//!
//! ```
//! use cachekit::ttl_cached;
//!
//! #[ttl_cached(ttl = "5m", max_size = 1000)]
//! fn price(sku: &str, qty: u32) -> u64 {
//!     sku.len() as u64 * u64::from(qty)
//! }
//!
//! assert_eq!(price("sku-1", 2), 10); // runs the body
//! assert_eq!(price("sku-1", 2), 10); // a cache hit
//! assert_eq!(price_cache().stats().hits, 1);
//! ```
//!
//! The pipeline is `parse` (options and item) → `validate` (every error at once, each with
//! the span of the offending token) → `expand` (the generated items), with `fallback` for
//! what is emitted when the input is wrong: the errors, beside the user's function
//! unchanged, so that its callers keep compiling.
#![forbid(unsafe_code)]
#![warn(missing_docs)]

mod expand;
mod fallback;
mod parse;
mod shared;
mod validate;

use proc_macro::TokenStream;

use crate::parse::Kind;

/// Memoizes a function in a size-bounded, TTL-expiring cache of its own.
///
/// ```
/// use cachekit::ttl_cached;
/// use std::time::Duration;
///
/// #[ttl_cached(ttl = 60, max_size = 1000)]
/// fn price(sku: &str, qty: u32) -> u64 {
///     sku.len() as u64 * 100 + u64::from(qty)
/// }
///
/// assert_eq!(price("abc", 2), 302);
/// assert_eq!(price("abc", 2), 302); // from the cache
/// assert_eq!(price_uncached("abc", 2), 302); // the body, bypassing the cache
/// assert!(price_invalidate("abc", 2)); // drops that entry
/// let cache = price_cache(); // the cache itself
/// assert_eq!(cache.ttl(), Duration::from_secs(60));
/// assert_eq!(cache.len(), 0);
/// ```
///
/// # Options
///
/// All optional, in any order: `#[ttl_cached(ttl = "10m", name = "users", cache_err)]`.
///
/// | option | value | default |
/// | --- | --- | --- |
/// | `ttl` | integer seconds (`60`), a string with units (`"90s"`, `"5m"`, `"1h30m"`, `"250ms"`, `"2d"`), or any expression of type `Duration` | the registry's default TTL (1 hour unless `CACHEKIT_DEFAULT_TTL` says otherwise) |
/// | `max_size` | the most entries: an integer, or any `usize` expression | the registry's default (1000 unless `CACHEKIT_DEFAULT_MAX_SIZE` says otherwise) |
/// | `name` | the name in [`registry()`](https://docs.rs/cachekit/latest/cachekit/fn.registry.html): a string | `module_path!()::function` |
/// | `key` | an expression over the arguments, hashed instead of all of them | every argument |
/// | `cache_err` | `true` / `false` (a bare `cache_err` is `true`) | `false`: of a `Result`, only `Ok` is cached |
/// | `cache_none` | `true` / `false` | `false`: of an `Option`, only `Some` is cached |
///
/// Literal `ttl` and `max_size` values are checked at compile time (zero, negative, or a
/// string that does not parse are errors); expressions are evaluated once, when the cache
/// is created on the first call.
///
/// # What is generated
///
/// For `fn price(sku: &str, qty: u32) -> u64`, with the visibility of `price`:
///
/// * `price(sku, qty)`: hashes the arguments (by reference: nothing is cloned) into a
///   128-bit keyed fingerprint and calls the cache's single-flight `get_or_insert_with`
///   (its `try_` form for a `Result` or an `Option`, its `async` form for an `async fn`).
///   Concurrent calls with one key run the body once; recursion with other keys works; a
///   body that panics (or a future that is dropped) caches nothing and leaves no caller
///   waiting.
/// * `price_uncached(sku, qty)`: the body, as written, without the cache.
/// * `price_invalidate(sku, qty) -> bool`: drops the entry for those arguments.
/// * `price_cache()`: the `&'static TtlCache`, for `stats()`, `len()`, `clear()`.
///
/// The cache is created on the first call and registered in `cachekit::registry()`, so
/// the registry's `stats()`, `cleanup_all()` and `health()` include it. A generic function
/// gets one cache per instantiation (registered as `path::f<u32>`); its type parameters
/// must be `'static`, which the macro adds to its `where` clause.
///
/// ```
/// use cachekit::ttl_cached;
///
/// #[derive(Debug, Clone, PartialEq)]
/// struct DbError;
///
/// #[ttl_cached(ttl = "10m", name = "doc-users")]
/// fn load_user(id: u64) -> Result<String, DbError> {
///     if id == 0 { Err(DbError) } else { Ok(format!("user-{id}")) }
/// }
///
/// assert_eq!(load_user(0), Err(DbError)); // not cached
/// assert_eq!(load_user(7).as_deref(), Ok("user-7")); // cached
/// assert_eq!(load_user_cache().len(), 1);
/// assert!(cachekit::registry().names().contains(&"doc-users".to_string()));
/// ```
///
/// # Errors at compile time
///
/// Each points at the offending token and says what to do: an unknown or repeated option,
/// a bad `ttl` or `max_size`, `cache_err` on a function that does not return a `Result`,
/// `self` (use [`macro@cached_method`]), a `const fn`, a returned reference or
/// `impl Trait`, `impl Trait` or `&mut` arguments, an argument type that is not `Hash`, a
/// return type that is not `Clone + Send + Sync + 'static`, and an item that is not a
/// function. The function itself is still emitted, so its callers keep compiling.
///
/// `#[ttl_cached]` is for free functions: on an associated function without `self` inside
/// an `impl` block, the generated code would call its companions without `Self::`.
#[proc_macro_attribute]
pub fn ttl_cached(args: TokenStream, item: TokenStream) -> TokenStream {
    expand::expand(Kind::Function, args.into(), item.into()).into()
}

/// Memoizes a method, with the receiver as part of the key.
///
/// Takes the options of [`macro@ttl_cached`], and two more for the receiver:
///
/// | option | effect |
/// | --- | --- |
/// | (neither) | `self` is hashed as a whole: `Self` must implement `Hash` |
/// | `self_key = <expr over self>` | that expression is hashed instead, e.g. `self_key = self.tenant` |
/// | `shared = true` | `self` is left out: all instances share entries |
///
/// `key = <expr>` replaces the other arguments in the key, not the receiver.
///
/// ```
/// use cachekit::cached_method;
///
/// #[derive(Hash)]
/// struct Repo {
///     tenant: u64,
/// }
///
/// impl Repo {
///     #[cached_method(ttl = "5m", max_size = 50)]
///     fn expensive_query(&self, filter: &str, limit: usize) -> Vec<String> {
///         (0..limit).map(|i| format!("{}:{filter}:{i}", self.tenant)).collect()
///     }
/// }
///
/// let repo = Repo { tenant: 1 };
/// assert_eq!(repo.expensive_query("open", 2).len(), 2);
/// assert_eq!(repo.expensive_query("open", 2).len(), 2); // from the cache
/// assert_eq!(repo.expensive_query_uncached("open", 1).len(), 1);
/// assert!(repo.expensive_query_invalidate("open", 2));
/// assert_eq!(Repo::expensive_query_cache().len(), 0);
/// ```
///
/// The companions are `self.m_uncached(..)`, `self.m_invalidate(..)` (which takes `&self`)
/// and `Self::m_cache()`. The cache is registered as `module_path!()::Type::method` (with
/// the generic arguments of a generic `Self`, whose every instantiation gets its own
/// cache), or `module_path!()::method` when `Self` is not a path (`dyn Trait`). The macro
/// adds `Self: 'static` to the method's `where` clause.
///
/// It rejects a method without `self` (use [`macro@ttl_cached`] on a free function),
/// `&mut self` (a cache hit would skip the body's changes to `self`), `self_key` together
/// with `shared = true`, and a non-`Hash` `Self` without `self_key` or `shared`. The
/// companions are new associated functions, so the attribute belongs in an inherent `impl`
/// block, not a trait implementation.
///
/// ```
/// use cachekit::cached_method;
///
/// struct Service {
///     tenant: u64,
///     connection: String, // not part of the key, and not `Hash`-worthy
/// }
///
/// impl Service {
///     #[cached_method(self_key = self.tenant)]
///     fn report(&self, day: u32) -> String {
///         format!("{}@{}: day {day}", self.tenant, self.connection)
///     }
/// }
///
/// let a = Service { tenant: 1, connection: "db-a".into() };
/// let b = Service { tenant: 1, connection: "db-b".into() };
/// assert_eq!(a.report(3), b.report(3)); // one tenant, one entry
/// ```
#[proc_macro_attribute]
pub fn cached_method(args: TokenStream, item: TokenStream) -> TokenStream {
    expand::expand(Kind::Method, args.into(), item.into()).into()
}
