//! Where each memoized function keeps its cache: a [`Slot`] per function, holding one
//! [`Handle`] per instantiation.
//!
//! The macros put a `static` [`Slot`] in a hidden function beside the memoized one. A
//! static inside a function cannot name the function's generic parameters (nor the
//! generic parameters of the `impl` around a method, which an attribute on the method
//! cannot even see), so the slot is type-erased: it maps the `TypeId` of the
//! instantiation and value type to a handle, and `handle::<I, V>` can only ever find the
//! `Handle<V>` that it stored under that `TypeId`. Generic code therefore gets one cache
//! per instantiation, and no lookup can meet a value of another type.
//!
//! The first instantiation is found without a lock (a `OnceLock` and two `TypeId`
//! comparisons); further instantiations of a generic function sit behind a read lock.

use std::any::{Any, TypeId};
use std::fmt;
use std::hash::{Hash, Hasher};
use std::marker::PhantomData;
use std::sync::{Arc, OnceLock, PoisonError, RwLock};
use std::time::Duration;

use cache_core::{registry, TtlCache};

use super::key::{Fingerprint, FingerprintBuildHasher, KeyHasher};
use super::markers::CacheableValue;

/// The cache of a memoized function: fingerprints to values, hashed by identity.
///
/// ```
/// use cachekit::__private::{FingerprintBuildHasher, FnCache};
/// let cache: FnCache<u64> = cachekit::TtlCache::builder().hasher(FingerprintBuildHasher).build();
/// assert!(cache.is_empty());
/// ```
pub type FnCache<V> = TtlCache<Fingerprint, V, FingerprintBuildHasher>;

/// How to make a memoized function's cache: what the macro's options said.
///
/// ```
/// use cachekit::__private::Config;
/// let config = Config::new("shop", "price");
/// assert_eq!(config.registry_name(), "shop::price");
/// ```
#[derive(Clone, Debug)]
pub struct Config {
    /// `module_path!()` where the function is.
    pub module: &'static str,
    /// The function's name.
    pub function: &'static str,
    /// The `name = ..` option, if given.
    pub name: Option<String>,
    /// `type_name::<Self>()` for a method.
    pub self_type: Option<&'static str>,
    /// `type_name` of each type parameter of a generic function.
    pub type_args: Vec<&'static str>,
    /// The `max_size = ..` option; the registry's default otherwise.
    pub max_size: Option<usize>,
    /// The `ttl = ..` option; the registry's default otherwise.
    pub ttl: Option<Duration>,
}

impl Config {
    /// A configuration with no options set.
    ///
    /// ```
    /// let config = cachekit::__private::Config::new("app", "f");
    /// assert_eq!(config.max_size, None);
    /// ```
    pub fn new(module: &'static str, function: &'static str) -> Self {
        Self {
            module,
            function,
            name: None,
            self_type: None,
            type_args: Vec::new(),
            max_size: None,
            ttl: None,
        }
    }

    /// The name the cache is registered under: `name` if given, else
    /// `module::function`, or `module::Type::method` for a method of a type that is a path;
    /// a generic function's instantiation is appended as `<T, U>`.
    ///
    /// ```
    /// use cachekit::__private::Config;
    /// let mut config = Config::new("app::repo", "find");
    /// config.self_type = Some("app::repo::Repo<alloc::string::String>");
    /// assert_eq!(config.registry_name(), "app::repo::Repo<alloc::string::String>::find");
    /// config.self_type = Some("dyn app::Store");
    /// assert_eq!(config.registry_name(), "app::repo::find");
    /// config.name = Some("finder".to_string());
    /// config.type_args = vec!["u32", "i8"];
    /// assert_eq!(config.registry_name(), "finder<u32, i8>");
    /// ```
    pub fn registry_name(&self) -> String {
        let mut name = match (&self.name, self.self_type.and_then(type_segment)) {
            (Some(name), _) => name.clone(),
            (None, Some(ty)) => format!("{}::{}::{}", self.module, ty, self.function),
            (None, None) => format!("{}::{}", self.module, self.function),
        };
        if !self.type_args.is_empty() {
            name.push('<');
            name.push_str(&self.type_args.join(", "));
            name.push('>');
        }
        name
    }
}

/// The last path segment of a type name, with its generic arguments
/// (`a::b::Repo<c::D>` → `Repo<c::D>`), or `None` if the type is not a path (`dyn T`,
/// `[u8]`, `(A, B)`, `&T`).
fn type_segment(type_name: &str) -> Option<&str> {
    let head = &type_name[..type_name.find('<').unwrap_or(type_name.len())];
    let path_like = head
        .chars()
        .all(|c| c.is_alphanumeric() || c == '_' || c == ':');
    if head.is_empty() || !path_like || head.starts_with(|c: char| c.is_ascii_digit()) {
        return None;
    }
    let start = head.rfind("::").map_or(0, |at| at + 2);
    Some(&type_name[start..])
}

/// One instantiation's cache and the key hasher its calls start from.
///
/// ```
/// use cachekit::__private::{Config, Slot};
/// static SLOT: Slot = Slot::new();
/// let handle = SLOT.handle::<(), u32>(|| Config::new("doc", "handle"));
/// assert!(handle.cache().is_empty());
/// assert_eq!(handle.name(), "doc::handle");
/// ```
pub struct Handle<V> {
    cache: Arc<FnCache<V>>,
    prefix: KeyHasher,
    name: String,
    /// `TtlCache::remove`, instantiated where `V`'s bounds are known, so that
    /// `invalidate` needs none.
    remove: fn(&FnCache<V>, &Fingerprint) -> bool,
}

impl<V> fmt::Debug for Handle<V> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Handle")
            .field("name", &self.name)
            .finish_non_exhaustive()
    }
}

impl<V> Handle<V> {
    /// The cache.
    ///
    /// ```
    /// use cachekit::__private::{Config, Slot};
    /// static SLOT: Slot = Slot::new();
    /// let handle = SLOT.handle::<(), u32>(|| Config::new("doc", "cache"));
    /// assert_eq!(handle.cache().len(), 0);
    /// ```
    #[inline]
    pub fn cache(&self) -> &FnCache<V> {
        &self.cache
    }

    /// A key hasher that has absorbed this function's discriminator: feed it the
    /// arguments, then take its [`fingerprint`](KeyHasher::fingerprint).
    ///
    /// ```
    /// use cachekit::__private::{hash_arg, Config, Slot};
    /// static SLOT: Slot = Slot::new();
    /// let handle = SLOT.handle::<(), u32>(|| Config::new("doc", "key_hasher"));
    /// let mut key = handle.key_hasher();
    /// hash_arg::<u32>(&1, &mut key);
    /// let _ = key.fingerprint();
    /// ```
    #[inline]
    pub fn key_hasher(&self) -> KeyHasher {
        self.prefix
    }

    /// Drops the entry for `fingerprint`; `true` if a live one was there.
    pub(crate) fn remove(&self, fingerprint: &Fingerprint) -> bool {
        (self.remove)(&self.cache, fingerprint)
    }

    /// The name the cache is registered under.
    ///
    /// ```
    /// use cachekit::__private::{Config, Slot};
    /// static SLOT: Slot = Slot::new();
    /// let handle = SLOT.handle::<(), u32>(|| Config::new("doc", "name"));
    /// assert!(cachekit::registry().names().contains(&handle.name().to_string()));
    /// ```
    pub fn name(&self) -> &str {
        &self.name
    }
}

impl<V: CacheableValue> Handle<V> {
    /// Registers (or finds) the cache for `config` in the global registry.
    fn new(slot: &'static Slot, instance: TypeId, config: Config) -> Self {
        let registry = registry();
        let defaults = registry.defaults();
        let max_size = config.max_size.unwrap_or(defaults.max_size);
        let ttl = config.ttl.unwrap_or(defaults.ttl);
        let make = || {
            TtlCache::builder()
                .max_size(max_size)
                .ttl(ttl)
                .cleanup_interval(defaults.cleanup_interval)
                .hasher(FingerprintBuildHasher)
                .build()
        };
        let base = config.registry_name();
        let mut name = base.clone();
        // A name registered with another value type (another function given the same
        // `name`, say) is not an error worth a panic at the first call: the cache is
        // registered under the next free `name#n` instead.
        let mut attempt = 1_u32;
        let cache = loop {
            match registry.get_or_create_with(&name, make) {
                Ok(cache) => break cache,
                Err(_) if attempt < 1000 => {
                    attempt += 1;
                    name = format!("{base}#{attempt}");
                }
                Err(_) => break Arc::new(make()),
            }
        };
        let mut prefix = KeyHasher::secret();
        // The slot's address tells functions apart (each has its own static slot), and
        // the `TypeId` tells apart the instantiations of a generic one.
        prefix.write_usize(std::ptr::from_ref(slot).addr());
        instance.hash(&mut prefix);
        Self {
            cache,
            prefix,
            name,
            remove: |cache, fingerprint| cache.remove(fingerprint).is_some(),
        }
    }
}

type Erased = &'static (dyn Any + Send + Sync);

/// The per-function static that holds its handles. See the module documentation.
///
/// ```
/// use cachekit::__private::{Config, Slot};
/// static SLOT: Slot = Slot::new();
/// let a = SLOT.handle::<u8, String>(|| Config::new("doc", "slot"));
/// let b = SLOT.handle::<u8, String>(|| unreachable!("created once"));
/// assert!(std::ptr::eq(a, b));
/// let c = SLOT.handle::<u16, String>(|| Config::new("doc", "slot_u16"));
/// assert!(!std::ptr::eq(a.cache(), c.cache()));
/// ```
#[derive(Default)]
pub struct Slot {
    first: OnceLock<(TypeId, Erased)>,
    rest: RwLock<Vec<(TypeId, Erased)>>,
}

impl fmt::Debug for Slot {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Slot").finish_non_exhaustive()
    }
}

impl Slot {
    /// An empty slot, for a `static`.
    ///
    /// ```
    /// static SLOT: cachekit::__private::Slot = cachekit::__private::Slot::new();
    /// ```
    pub const fn new() -> Self {
        Self {
            first: OnceLock::new(),
            rest: RwLock::new(Vec::new()),
        }
    }

    /// The handle of instantiation `I` with values `V`, made from `config()` on first use.
    ///
    /// `config` runs at most once per instantiation (unless two threads race on the first
    /// call, when both run it and one result is kept), with no lock held. Each
    /// instantiation's handle is allocated once and lives for the rest of the process.
    ///
    /// ```
    /// use cachekit::__private::{Config, Slot};
    /// static SLOT: Slot = Slot::new();
    /// let handle = SLOT.handle::<(), u64>(|| {
    ///     let mut config = Config::new("doc", "sized");
    ///     config.max_size = Some(10);
    ///     config
    /// });
    /// assert_eq!(handle.cache().max_size(), 10);
    /// ```
    #[inline]
    pub fn handle<I: ?Sized + 'static, V: CacheableValue>(
        &'static self,
        config: impl FnOnce() -> Config,
    ) -> &'static Handle<V> {
        let id = TypeId::of::<(PhantomData<I>, V)>();
        if let Some(&(first, handle)) = self.first.get() {
            if first == id {
                if let Some(handle) = handle.downcast_ref() {
                    return handle;
                }
            }
        } else {
            return self.create(id, config);
        }
        self.find_rest(id)
            .unwrap_or_else(|| self.create(id, config))
    }

    fn find_rest<V: 'static>(&self, id: TypeId) -> Option<&'static Handle<V>> {
        let rest = self.rest.read().unwrap_or_else(PoisonError::into_inner);
        find(&rest, id)
    }

    #[cold]
    fn create<V: CacheableValue>(
        &'static self,
        id: TypeId,
        config: impl FnOnce() -> Config,
    ) -> &'static Handle<V> {
        // User code (the option expressions) and the registry run before any lock here.
        let handle = Handle::new(self, id, config());
        let mut rest = self.rest.write().unwrap_or_else(PoisonError::into_inner);
        if let Some(&(first, erased)) = self.first.get() {
            if first == id {
                if let Some(existing) = erased.downcast_ref() {
                    return existing;
                }
            }
        }
        if let Some(existing) = find(&rest, id) {
            return existing;
        }
        let leaked: &'static Handle<V> = Box::leak(Box::new(handle));
        if self.first.set((id, leaked)).is_err() {
            rest.push((id, leaked));
        }
        leaked
    }
}

fn find<V: 'static>(entries: &[(TypeId, Erased)], id: TypeId) -> Option<&'static Handle<V>> {
    entries
        .iter()
        .filter(|(entry, _)| *entry == id)
        .find_map(|(_, erased)| erased.downcast_ref())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn type_segments() {
        assert_eq!(type_segment("a::b::Repo"), Some("Repo"));
        assert_eq!(type_segment("Repo"), Some("Repo"));
        assert_eq!(
            type_segment("a::Repo<b::C<d::E>>"),
            Some("Repo<b::C<d::E>>")
        );
        assert_eq!(type_segment("dyn a::Tr"), None);
        assert_eq!(type_segment("[u8]"), None);
        assert_eq!(type_segment("(u8, u16)"), None);
        assert_eq!(type_segment("&a::B"), None);
        assert_eq!(type_segment(""), None);
    }

    #[test]
    fn one_handle_per_instantiation_and_distinct_prefixes() {
        static SLOT: Slot = Slot::new();
        let a = SLOT.handle::<u8, u32>(|| Config::new("slot_test", "a"));
        let b = SLOT.handle::<u16, u32>(|| Config::new("slot_test", "b"));
        let c = SLOT.handle::<u16, u64>(|| Config::new("slot_test", "c"));
        assert!(std::ptr::eq(a, SLOT.handle::<u8, u32>(|| unreachable!())));
        assert!(std::ptr::eq(b, SLOT.handle::<u16, u32>(|| unreachable!())));
        assert!(std::ptr::eq(c, SLOT.handle::<u16, u64>(|| unreachable!())));
        assert_ne!(a.key_hasher().fingerprint(), b.key_hasher().fingerprint());
        assert_eq!(c.name(), "slot_test::c");
    }

    #[test]
    fn a_name_taken_by_another_value_type_gets_a_suffix() {
        static ONE: Slot = Slot::new();
        static TWO: Slot = Slot::new();
        let mut config = Config::new("slot_test", "taken");
        config.name = Some("slot_test::shared_name".to_string());
        let first = ONE.handle::<(), u32>(|| config.clone());
        let second = TWO.handle::<(), String>(|| config);
        assert_eq!(first.name(), "slot_test::shared_name");
        assert_eq!(second.name(), "slot_test::shared_name#2");
    }
}
