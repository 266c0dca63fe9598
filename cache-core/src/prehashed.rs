//! A hasher for keys that are already uniform hashes (the memoization macros' fingerprints,
//! the Redis tier's stable keys): hashing them again would only cost time.

use std::hash::{BuildHasher, Hasher};

/// Builds [`PrehashedHasher`]s: the hasher of caches whose keys are already uniform 128-bit
/// hashes, such as keyed fingerprints.
///
/// ```
/// use cachekit::{PrehashedBuildHasher, TtlCache};
/// use std::hash::BuildHasher;
///
/// #[derive(Clone, Copy, PartialEq, Eq, Hash)]
/// struct Fingerprint(u128);
///
/// assert_eq!(PrehashedBuildHasher.hash_one(Fingerprint((7 << 64) | 1)), 1);
/// let cache = TtlCache::<Fingerprint, u32>::builder().hasher(PrehashedBuildHasher).build();
/// cache.insert(Fingerprint(42), 1);
/// assert_eq!(cache.get(&Fingerprint(42)), Some(1));
/// ```
#[derive(Clone, Copy, Debug, Default)]
pub struct PrehashedBuildHasher;

impl BuildHasher for PrehashedBuildHasher {
    type Hasher = PrehashedHasher;

    #[inline]
    fn build_hasher(&self) -> PrehashedHasher {
        PrehashedHasher::default()
    }
}

/// Hashes a `u128` (a key that is a uniform hash already) to its own low 64 bits. Other input
/// is folded in with a multiply-rotate step, so the hasher stays usable, if weak, for keys it
/// was not made for: it offers no resistance to chosen keys, so use it only for keys that are
/// themselves keyed hashes.
///
/// ```
/// use cachekit::PrehashedHasher;
/// use std::hash::Hasher;
/// let mut hasher = PrehashedHasher::default();
/// hasher.write_u128(5);
/// assert_eq!(hasher.finish(), 5);
/// ```
#[derive(Clone, Copy, Debug, Default)]
pub struct PrehashedHasher(u64);

impl Hasher for PrehashedHasher {
    #[inline]
    fn write_u128(&mut self, value: u128) {
        // Truncation on purpose: the low half of a uniform 128-bit hash is a uniform u64.
        self.0 = value as u64;
    }

    fn write(&mut self, bytes: &[u8]) {
        for &byte in bytes {
            self.0 = (self.0 ^ u64::from(byte))
                .wrapping_mul(0x9E37_79B9_7F4A_7C15)
                .rotate_left(23);
        }
    }

    #[inline]
    fn finish(&self) -> u64 {
        self.0
    }
}
