//! The object-safe views the registry keeps of caches and sets whose types it has forgotten,
//! and the `Any` it keeps beside each to get the typed `Arc` back.

use std::any::{type_name, Any};
use std::hash::{BuildHasher, Hash};
use std::sync::Arc;
use std::time::Duration;

use super::RegistryError;
use crate::{CacheStats, ExpiringSet, TtlCache};

/// What the registry does to every cache, whatever its key, value and hasher types.
pub(super) trait ErasedCache: Send + Sync {
    fn stats(&self) -> CacheStats;
    fn cleanup_expired(&self) -> usize;
    fn expired_len(&self) -> usize;
    fn clear(&self);
    fn set_max_size(&self, max_size: usize);
    fn set_ttl(&self, ttl: Duration);
}

impl<K, V, S> ErasedCache for TtlCache<K, V, S>
where
    K: Hash + Eq + Clone + Send + Sync + 'static,
    V: Clone + Send + Sync + 'static,
    S: BuildHasher + Clone + Send + Sync + 'static,
{
    fn stats(&self) -> CacheStats {
        TtlCache::stats(self)
    }

    fn cleanup_expired(&self) -> usize {
        TtlCache::cleanup_expired(self)
    }

    fn expired_len(&self) -> usize {
        TtlCache::expired_len(self)
    }

    fn clear(&self) {
        TtlCache::clear(self);
    }

    fn set_max_size(&self, max_size: usize) {
        TtlCache::set_max_size(self, max_size);
    }

    fn set_ttl(&self, ttl: Duration) {
        TtlCache::set_ttl(self, ttl);
    }
}

/// What the registry does to every expiring set, whatever its member type.
pub(super) trait ErasedSet: Send + Sync {
    fn len(&self) -> usize;
    fn force_cleanup(&self) -> usize;
    fn stale_len(&self) -> usize;
}

impl<T> ErasedSet for ExpiringSet<T>
where
    T: Hash + Eq + Send + 'static,
{
    fn len(&self) -> usize {
        ExpiringSet::len(self)
    }

    fn force_cleanup(&self) -> usize {
        ExpiringSet::force_cleanup(self)
    }

    fn stale_len(&self) -> usize {
        ExpiringSet::stale_len(self)
    }
}

/// One registered object: the erased view the registry uses, and the same object as `Any`
/// with its type's name, to hand it back typed or to say why not.
pub(super) struct Slot<E: ?Sized> {
    pub(super) erased: Arc<E>,
    any: Arc<dyn Any + Send + Sync>,
    type_name: &'static str,
}

impl<E: ?Sized> Clone for Slot<E> {
    fn clone(&self) -> Self {
        Self {
            erased: Arc::clone(&self.erased),
            any: Arc::clone(&self.any),
            type_name: self.type_name,
        }
    }
}

impl<E: ?Sized> Slot<E> {
    /// `erased` must be `object` itself, unsized (the callers coerce it).
    pub(super) fn new<C: Any + Send + Sync>(object: Arc<C>, erased: Arc<E>) -> Self {
        Self {
            erased,
            any: object,
            type_name: type_name::<C>(),
        }
    }

    /// The object as a `C`, or the mismatch between what is registered under `name` and `C`.
    pub(super) fn downcast<C: Any + Send + Sync>(
        &self,
        name: &str,
    ) -> Result<Arc<C>, RegistryError> {
        Arc::clone(&self.any)
            .downcast::<C>()
            .map_err(|_| RegistryError::TypeMismatch {
                name: name.to_owned(),
                registered: self.type_name,
                requested: type_name::<C>(),
            })
    }
}
