//! Cache keys of the memoization macros: a 128-bit keyed hash of the arguments.
//!
//! A memoized call hashes its arguments (by reference: nothing is cloned or allocated)
//! with SipHash-1-3 in its 128-bit variant, keyed with a secret drawn once per process.
//! The cache then stores the 16-byte [`Fingerprint`] instead of the arguments, which is
//! what lets borrowed arguments (`&str`, `&[T]`, `&T`) be keys. Two different argument
//! lists of one function map to one fingerprint with probability about 2^-128 per pair
//! (2^-64 after 2^32 distinct calls), and since the key is secret, inputs chosen by an
//! attacker collide no more often than random ones.
//!
//! Each cached function's hasher starts from a prefix state that has already absorbed a
//! per-function discriminator (the address of its slot, and the `TypeId` of the
//! instantiation for generic code), so two functions never produce each other's
//! fingerprints, even when they share a cache through one registry name.

use std::collections::hash_map::RandomState;
use std::fmt;
use std::hash::{BuildHasher, Hash, Hasher};
use std::sync::OnceLock;

use siphasher::sip128::{Hasher128, SipHasher13};

use super::markers::{HashArg, HashSelf};

/// The key of a memoized call: a keyed 128-bit hash of its arguments.
///
/// ```
/// use cachekit::__private::{Fingerprint, KeyHasher};
/// let mut a = KeyHasher::new(1, 2);
/// cachekit::__private::hash_arg::<&str>(&"sku-1", &mut a);
/// let mut b = KeyHasher::new(1, 2);
/// cachekit::__private::hash_arg::<&str>(&"sku-1", &mut b);
/// assert_eq!(a.fingerprint(), b.fingerprint());
/// ```
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Fingerprint(pub u128);

/// The hasher of every memoized function's cache: a [`Fingerprint`] is a keyed hash
/// already, uniformly distributed, so it hashes to its own low 64 bits
/// ([`PrehashedHasher`](cache_core::PrehashedHasher)).
///
/// ```
/// use cachekit::__private::{Fingerprint, FingerprintBuildHasher};
/// use cachekit::TtlCache;
/// use std::hash::BuildHasher;
/// let hash = FingerprintBuildHasher.hash_one(Fingerprint(0xAB_0000_0000_0000_0001_u128));
/// assert_eq!(hash, 1);
/// let cache = TtlCache::<Fingerprint, u32>::builder().hasher(FingerprintBuildHasher).build();
/// cache.insert(Fingerprint(7), 1);
/// assert_eq!(cache.get(&Fingerprint(7)), Some(1));
/// ```
pub use cache_core::PrehashedBuildHasher as FingerprintBuildHasher;
/// The hasher [`FingerprintBuildHasher`] builds.
pub use cache_core::PrehashedHasher as FingerprintHasher;

/// The hasher a memoized call feeds its arguments to; [`fingerprint`](Self::fingerprint)
/// ends it.
///
/// ```
/// use cachekit::__private::{hash_arg, KeyHasher};
/// let mut one = KeyHasher::new(1, 2);
/// hash_arg::<u32>(&1, &mut one);
/// let mut two = KeyHasher::new(1, 2);
/// hash_arg::<u32>(&2, &mut two);
/// assert_ne!(one.fingerprint(), two.fingerprint());
/// ```
#[derive(Clone, Copy)]
pub struct KeyHasher(SipHasher13);

/// Opaque: the inner hasher's derived `Debug` prints its two keys, which for a function's
/// prefix are the process secret.
///
/// ```
/// let hasher = cachekit::__private::KeyHasher::new(0x5ec7e7, 0x5ec7e7);
/// assert_eq!(format!("{hasher:?}"), "KeyHasher { .. }");
/// ```
impl fmt::Debug for KeyHasher {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("KeyHasher").finish_non_exhaustive()
    }
}

impl KeyHasher {
    /// A hasher keyed with `(key0, key1)`. Generated code starts from a function's prefix
    /// (keyed with the process secret) instead.
    pub fn new(key0: u64, key1: u64) -> Self {
        Self(SipHasher13::new_with_keys(key0, key1))
    }

    /// A hasher keyed with this process's secret (see [`secret`]).
    pub(crate) fn secret() -> Self {
        let (key0, key1) = secret();
        Self::new(key0, key1)
    }

    /// The 128-bit hash of everything written so far.
    #[inline]
    pub fn fingerprint(self) -> Fingerprint {
        Fingerprint(self.0.finish128().as_u128())
    }
}

impl Hasher for KeyHasher {
    #[inline]
    fn write(&mut self, bytes: &[u8]) {
        self.0.write(bytes);
    }
    #[inline]
    fn write_u8(&mut self, value: u8) {
        self.0.write_u8(value);
    }
    #[inline]
    fn write_u16(&mut self, value: u16) {
        self.0.write_u16(value);
    }
    #[inline]
    fn write_u32(&mut self, value: u32) {
        self.0.write_u32(value);
    }
    #[inline]
    fn write_u64(&mut self, value: u64) {
        self.0.write_u64(value);
    }
    #[inline]
    fn write_usize(&mut self, value: usize) {
        self.0.write_usize(value);
    }
    #[inline]
    fn finish(&self) -> u64 {
        self.0.finish()
    }
}

/// The process's secret SipHash key, drawn on first use.
///
/// It comes from std's `RandomState`, whose keys the standard library seeds from the
/// operating system's random source (once per thread, then incremented): hashing two
/// distinct constants with a fresh `RandomState`'s SipHash gives two 64-bit values an
/// outsider cannot predict, without a dependency on a random-number crate. Two
/// `RandomState`s are used so that the two halves do not come from one key.
///
/// ```
/// let (a, b) = cachekit::__private::secret();
/// assert_eq!(cachekit::__private::secret(), (a, b)); // one per process
/// ```
pub fn secret() -> (u64, u64) {
    static SECRET: OnceLock<(u64, u64)> = OnceLock::new();
    *SECRET.get_or_init(|| {
        let first = RandomState::new().hash_one(0x6361_6368_656b_6974_u64);
        let second = RandomState::new().hash_one(0x7365_6372_6574_6b65_u64);
        (first, second)
    })
}

/// Feeds one argument (or the `key` expression) to the key hasher, by reference.
///
/// The `HashArg` bound turns a missing `Hash` into an error that says what to do.
///
/// ```
/// use cachekit::__private::{hash_arg, KeyHasher};
/// let mut hasher = KeyHasher::new(0, 0);
/// hash_arg::<&[u8]>(&&b"bytes"[..], &mut hasher);
/// let _ = hasher.fingerprint();
/// ```
#[inline]
pub fn hash_arg<T: ?Sized + HashArg>(value: &T, state: &mut KeyHasher) {
    value.hash(state);
}

/// Feeds a method's receiver to the key hasher; like [`hash_arg`], with an error message
/// about `Self`.
///
/// ```
/// use cachekit::__private::{hash_self, KeyHasher};
/// #[derive(Hash)]
/// struct Repo { tenant: u64 }
/// let mut hasher = KeyHasher::new(0, 0);
/// hash_self::<Repo>(&Repo { tenant: 1 }, &mut hasher);
/// let _ = hasher.fingerprint();
/// ```
#[inline]
pub fn hash_self<T: ?Sized + HashSelf>(value: &T, state: &mut KeyHasher) {
    value.hash(state);
}

#[cfg(test)]
mod tests {
    use super::*;

    fn fingerprint_of(args: &[&str]) -> Fingerprint {
        let mut hasher = KeyHasher::new(3, 4);
        for arg in args {
            hash_arg::<&str>(arg, &mut hasher);
        }
        hasher.fingerprint()
    }

    #[test]
    fn argument_boundaries_are_part_of_the_key() {
        assert_ne!(fingerprint_of(&["ab", "c"]), fingerprint_of(&["a", "bc"]));
        assert_ne!(fingerprint_of(&["", "x"]), fingerprint_of(&["x", ""]));
        assert_eq!(fingerprint_of(&["a", "b"]), fingerprint_of(&["a", "b"]));
    }

    #[test]
    fn the_secret_keys_the_hash() {
        let mut keyed = KeyHasher::secret();
        keyed.write_u64(1);
        let mut zero = KeyHasher::new(0, 0);
        zero.write_u64(1);
        assert_ne!(keyed.fingerprint(), zero.fingerprint());
        assert_ne!(secret(), (0, 0));
    }

    #[test]
    fn the_identity_hasher_takes_the_low_half() {
        let hash = FingerprintBuildHasher.hash_one(Fingerprint(u128::MAX - 1));
        assert_eq!(hash, u64::MAX - 1);
    }
}
