//! What crosses processes: [`StableKey`]s (keyed fingerprints of canonically serialized
//! arguments), the values, and the names of the Redis keys that hold them.
//!
//! # Why JSON
//!
//! Values and arguments are serialized with `serde_json`:
//!
//! * it is the best-kept serde format there is, and already an (optional) dependency of
//!   cache-core, so it costs the tree nothing;
//! * a value in Redis can be read with `redis-cli GET`, which is what one does when a
//!   shared cache misbehaves in production;
//! * it is self-describing, so a value written by an older build whose type has since
//!   changed fails to deserialize (and is then a miss, overwritten) instead of decoding
//!   into the wrong fields, which a compact positional format like postcard or bincode
//!   can do when two fields of one type swap or are appended;
//! * its output for a given value is deterministic (struct fields in declaration order,
//!   floats printed by `ryu`), which is what a canonical form of the arguments needs.
//!
//! It is larger and slower than postcard for big numeric values; the values of memoized
//! functions are typically small, and a Redis round trip dwarfs the encoding either way.
//!
//! # Canonical arguments
//!
//! A fingerprint is the same in every process exactly when the JSON of the arguments is.
//! That holds for numbers, strings, `Vec`s, `BTreeMap`s, structs and enums with derived
//! `Serialize`, but **not** for `HashMap` or `HashSet`, whose iteration order differs
//! between processes: such arguments give different keys in different processes (the
//! call still works, the processes just do not share). Pass a `BTreeMap` or a sorted
//! `Vec` instead.

use std::fmt;
use std::hash::Hasher;
use std::io;

use serde::de::DeserializeOwned;
use serde::Serialize;
use siphasher::sip128::{Hasher128, SipHasher13};

/// The key of one call in the shared tier: a 128-bit keyed hash (SipHash-1-3-128, keyed
/// with the fleet's secret) of the JSON of the arguments. The same arguments give the same
/// key in every process that shares the secret; `Display` writes it as the 32 lowercase
/// hex digits that end its Redis key.
///
/// Make one with [`SharedTier::key`](crate::SharedTier::key).
///
/// # Examples
///
/// ```
/// use cachekit::redis::StableKey;
///
/// let key = StableKey(0xab);
/// assert_eq!(key.to_string(), "000000000000000000000000000000ab");
/// assert_eq!(StableKey::parse_hex(&key.to_string()), Some(key));
/// ```
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct StableKey(pub u128);

impl StableKey {
    /// The key `SharedTier::key` gives arguments that cannot be serialized: calls with it
    /// run the body and cache nothing, locally or in Redis (see
    /// [`SharedTier::key`](crate::SharedTier::key)). A real fingerprint equals it with
    /// probability 2^-128.
    ///
    /// ```
    /// assert_eq!(cachekit::redis::StableKey::UNCACHEABLE.0, 0);
    /// ```
    pub const UNCACHEABLE: StableKey = StableKey(0);

    /// The key written by `Display` (exactly 32 hex digits, either case), or `None`.
    ///
    /// ```
    /// use cachekit::redis::StableKey;
    /// assert_eq!(StableKey::parse_hex("0000000000000000000000000000002A"), Some(StableKey(42)));
    /// assert_eq!(StableKey::parse_hex("2a"), None);
    /// assert_eq!(StableKey::parse_hex("+0000000000000000000000000000002a"), None);
    /// ```
    pub fn parse_hex(text: &str) -> Option<StableKey> {
        if text.len() != 32 || !text.bytes().all(|b| b.is_ascii_hexdigit()) {
            return None;
        }
        u128::from_str_radix(text, 16).ok().map(StableKey)
    }
}

impl fmt::Display for StableKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{:032x}", self.0)
    }
}

/// The hasher of a tier's local cache: a [`StableKey`] is a keyed hash already, so it hashes
/// to its own low 64 bits ([`PrehashedHasher`](cache_core::PrehashedHasher)).
///
/// ```
/// use cachekit::redis::{StableKey, StableKeyBuildHasher};
/// use std::hash::BuildHasher;
/// assert_eq!(StableKeyBuildHasher.hash_one(StableKey((7 << 64) | 1)), 1);
/// ```
pub use cache_core::PrehashedBuildHasher as StableKeyBuildHasher;
/// The hasher [`StableKeyBuildHasher`] builds.
pub use cache_core::PrehashedHasher as StableKeyHasher;

/// Feeds what serde_json writes straight into the hasher: no buffer for the arguments.
struct HashWriter<'a>(&'a mut SipHasher13);

impl io::Write for HashWriter<'_> {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        self.0.write(buf);
        Ok(buf.len())
    }

    fn flush(&mut self) -> io::Result<()> {
        Ok(())
    }
}

/// Bumped if the canonical form of arguments ever changes, so that old and new builds
/// use different keys instead of misreading each other's values.
const KEY_FORMAT: &[u8] = b"cachekit-redis/json/1\0";

/// The fingerprint of `args` under `keys` (the fleet's secret).
pub(crate) fn fingerprint<A: Serialize + ?Sized>(
    keys: (u64, u64),
    args: &A,
) -> Result<StableKey, serde_json::Error> {
    let mut hasher = SipHasher13::new_with_keys(keys.0, keys.1);
    hasher.write(KEY_FORMAT);
    serde_json::to_writer(HashWriter(&mut hasher), args)?;
    let key = StableKey(hasher.finish128().as_u128());
    // The reserved key stands for "cannot cache"; a real fingerprint that happens to be it
    // (probability 2^-128) moves aside rather than silently disabling caching.
    Ok(if key == StableKey::UNCACHEABLE {
        StableKey(1)
    } else {
        key
    })
}

/// The bytes stored in Redis for `value`.
pub(crate) fn encode<V: Serialize>(value: &V) -> Result<Vec<u8>, serde_json::Error> {
    serde_json::to_vec(value)
}

/// The value in `bytes`, or why they are not one.
pub(crate) fn decode<V: DeserializeOwned>(bytes: &[u8]) -> Result<V, serde_json::Error> {
    serde_json::from_slice(bytes)
}

/// `<prefix>:<name>:<hex>`: where the value of `key` lives.
pub(crate) fn value_key(prefix: &str, name: &str, key: StableKey) -> String {
    format!("{prefix}:{name}:{key}")
}

/// `<prefix>:<name>:<hex>:lock`: the `shared_lock` lock of `key`.
pub(crate) fn lock_key(prefix: &str, name: &str, key: StableKey) -> String {
    format!("{prefix}:{name}:{key}:lock")
}

/// The `SCAN MATCH` pattern of everything under `<prefix>:<name>:`, with the glob
/// characters of the prefix and name escaped. The pattern also matches the keys of longer
/// names (`a:b` under `a`); [`in_namespace`] filters those out.
pub(crate) fn namespace_pattern(prefix: &str, name: &str) -> String {
    let mut pattern = String::with_capacity(prefix.len() + name.len() + 3);
    for part in [prefix, ":", name, ":"] {
        for c in part.chars() {
            if matches!(c, '*' | '?' | '[' | ']' | '\\' | '^' | '-') {
                pattern.push('\\');
            }
            pattern.push(c);
        }
    }
    pattern.push('*');
    pattern
}

/// Whether the Redis key `key` is a value or a lock of the tier `name` itself: after
/// `<prefix>:<name>:` comes exactly a 32-digit hex key, optionally followed by `:lock`.
pub(crate) fn in_namespace(prefix: &str, name: &str, key: &[u8]) -> bool {
    let head = prefix.len() + name.len() + 2;
    if key.len() < head
        || !key.starts_with(prefix.as_bytes())
        || key[prefix.len()] != b':'
        || &key[prefix.len() + 1..head - 1] != name.as_bytes()
        || key[head - 1] != b':'
    {
        return false;
    }
    let rest = &key[head..];
    let (hex, suffix) = rest.split_at(rest.len().min(32));
    hex.len() == 32
        && hex.iter().all(u8::is_ascii_hexdigit)
        && (suffix.is_empty() || suffix == b":lock")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn chunked_serialization_hashes_like_one_write() {
        let args = (1_u32, "two", vec![3.5_f64, -0.0], Some(("x", 4_i8)));
        let streamed = fingerprint((1, 2), &args).unwrap();
        let mut hasher = SipHasher13::new_with_keys(1, 2);
        hasher.write(KEY_FORMAT);
        hasher.write(&serde_json::to_vec(&args).unwrap());
        assert_eq!(streamed, StableKey(hasher.finish128().as_u128()));
    }

    #[test]
    fn keys_depend_on_arguments_and_secret() {
        let a = fingerprint((1, 2), &("a", 1)).unwrap();
        assert_eq!(a, fingerprint((1, 2), &("a", 1)).unwrap());
        assert_ne!(a, fingerprint((1, 2), &("a", 2)).unwrap());
        assert_ne!(a, fingerprint((1, 3), &("a", 1)).unwrap());
        // Argument boundaries are part of the key.
        assert_ne!(
            fingerprint((1, 2), &("ab", "c")).unwrap(),
            fingerprint((1, 2), &("a", "bc")).unwrap()
        );
    }

    #[test]
    fn unserializable_arguments_are_an_error() {
        let mut map = std::collections::BTreeMap::new();
        map.insert((1, 2), 3);
        assert!(fingerprint((1, 2), &(map,)).is_err());
    }

    #[test]
    fn namespaces_do_not_overlap() {
        let key = StableKey(0xfeed);
        let value = value_key("ck", "a", key);
        let lock = lock_key("ck", "a", key);
        assert!(in_namespace("ck", "a", value.as_bytes()));
        assert!(in_namespace("ck", "a", lock.as_bytes()));
        let longer = value_key("ck", "a:b", key);
        assert!(!in_namespace("ck", "a", longer.as_bytes()));
        assert!(in_namespace("ck", "a:b", longer.as_bytes()));
        assert!(!in_namespace("ck", "a", b"ck:a:"));
        assert!(!in_namespace(
            "ck",
            "a",
            b"ck:a:0000000000000000000000000000feed:x"
        ));
        assert_eq!(namespace_pattern("c*k", "f[1]"), "c\\*k:f\\[1\\]:*");
    }
}
