//! Keys an attacker controls: cache poisoning by collision and hash flooding.
//!
//! * The macros' fingerprint secret is drawn per process, so fingerprints cannot be
//!   precomputed: checked with two real child processes.
//! * Arguments that collide under a fixed-seed hash (FxHash, a truncated fixed-key SipHash)
//!   still get their own entries, both in a memoized function and in a `TtlCache` whose own
//!   hasher collides on them.
//! * A degenerate hasher (every key hashes to 0, the end state of a flood) costs speed
//!   only: every key keeps its own value and the cache keeps its bound.
//! * The documented limit: a memoized function stores fingerprints, not arguments, so a
//!   `Hash` impl that leaves out something `Eq` looks at merges calls.

use cachekit::__private::{hash_arg, secret, Fingerprint, KeyHasher};
use cachekit::{ttl_cached, MockClock, TtlCache};
use std::collections::hash_map::DefaultHasher;
use std::collections::{HashMap, HashSet};
use std::fmt::Write;
use std::hash::{BuildHasher, BuildHasherDefault, Hash, Hasher};
use std::process::Command;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::OnceLock;
use std::time::Duration;

// ---------------------------------------------------------------------------------------
// Reference hashes an attacker can collide at will.
// ---------------------------------------------------------------------------------------

/// rustc's FxHasher (rustc-hash 1.x): one rotate, xor and multiply per word, no seed. Only
/// the word step matters here; `write` feeds bytes as little-endian words, zero-padded,
/// which is enough for a reference (rustc's tail handling differs, not its weakness).
#[derive(Clone, Copy, Default)]
struct FxHasher {
    hash: u64,
}

const FX_SEED: u64 = 0x51_7c_c1_b7_27_22_0a_95;

impl FxHasher {
    fn add_word(&mut self, word: u64) {
        self.hash = (self.hash.rotate_left(5) ^ word).wrapping_mul(FX_SEED);
    }
}

impl Hasher for FxHasher {
    fn write(&mut self, bytes: &[u8]) {
        for chunk in bytes.chunks(8) {
            let mut word = [0; 8];
            word[..chunk.len()].copy_from_slice(chunk);
            self.add_word(u64::from_le_bytes(word));
        }
    }
    fn write_u8(&mut self, value: u8) {
        self.add_word(u64::from(value));
    }
    fn write_u32(&mut self, value: u32) {
        self.add_word(u64::from(value));
    }
    fn write_u64(&mut self, value: u64) {
        self.add_word(value);
    }
    fn write_usize(&mut self, value: usize) {
        self.add_word(value as u64);
    }
    fn finish(&self) -> u64 {
        self.hash
    }
}

type FxBuildHasher = BuildHasherDefault<FxHasher>;

/// `count` distinct `(a, b)` pairs with one FxHash, as `(u64, u64).hash` and a memoized
/// `fn(a: u64, b: u64)` both feed them (two `write_u64`s).
///
/// After `a` the state is `a * K`; after `b` it is `(rotl(a * K, 5) ^ b) * K`, and since `K`
/// is odd the multiply is a bijection. So `(a', b')` collides with `(a, b)` exactly when
/// `b' = b ^ rotl(a * K, 5) ^ rotl(a' * K, 5)`: any `a'` has its partner.
fn fx_colliding_pairs(count: u64) -> Vec<(u64, u64)> {
    let (a, b) = (0x1234_5678, 0x9abc_def0);
    let mixed = |a: u64| a.wrapping_mul(FX_SEED).rotate_left(5);
    (0..count)
        .map(|i| {
            let other = a + i;
            (other, b ^ mixed(a) ^ mixed(other))
        })
        .collect()
}

/// A fixed-key SipHash (`DefaultHasher::new()`) cut to 32 bits: strong, but with a fixed
/// key and a short output, so a birthday search finds collisions in ~2^16 tries.
fn truncated_sip(text: &str) -> u64 {
    let mut hasher = DefaultHasher::new();
    text.hash(&mut hasher);
    hasher.finish() & 0xFFFF_FFFF
}

/// Eight pairs of distinct strings whose `truncated_sip` collide, found by a birthday
/// search over `"user-{n}"` (about 2.6e5 tries) once per test binary. Deterministic: the
/// key is fixed.
fn truncated_sip_collisions() -> &'static [(String, String)] {
    static FOUND: OnceLock<Vec<(String, String)>> = OnceLock::new();
    FOUND.get_or_init(|| {
        // Hash to index only: one `String` per try would dominate the search's time.
        let mut seen: HashMap<u32, u64> = HashMap::with_capacity(1 << 19);
        let mut found = Vec::new();
        let mut text = String::new();
        for n in 0_u64.. {
            text.clear();
            write!(text, "user-{n}").unwrap();
            let hash = truncated_sip(&text) as u32;
            if let Some(&earlier) = seen.get(&hash) {
                found.push((format!("user-{earlier}"), text.clone()));
                if found.len() == 8 {
                    break;
                }
            } else {
                seen.insert(hash, n);
            }
        }
        found
    })
}

/// Hashes strings with [`truncated_sip`], so that its collisions are the map's collisions.
#[derive(Clone, Copy, Default)]
struct TruncatedSipBuildHasher;

/// Feeds the cache's hashing to `truncated_sip` (via the same `Hash` impl `str` uses).
#[derive(Default)]
struct TruncatedSipHasher(DefaultHasher);

impl Hasher for TruncatedSipHasher {
    fn write(&mut self, bytes: &[u8]) {
        self.0.write(bytes);
    }
    fn finish(&self) -> u64 {
        self.0.finish() & 0xFFFF_FFFF
    }
}

impl BuildHasher for TruncatedSipBuildHasher {
    type Hasher = TruncatedSipHasher;
    fn build_hasher(&self) -> TruncatedSipHasher {
        TruncatedSipHasher(DefaultHasher::new())
    }
}

/// The end state of a successful flood: every key hashes to 0.
#[derive(Clone, Copy, Default)]
struct ZeroBuildHasher;

#[derive(Default)]
struct ZeroHasher;

impl Hasher for ZeroHasher {
    fn write(&mut self, _: &[u8]) {}
    fn finish(&self) -> u64 {
        0
    }
}

impl BuildHasher for ZeroBuildHasher {
    type Hasher = ZeroHasher;
    fn build_hasher(&self) -> ZeroHasher {
        ZeroHasher
    }
}

#[test]
fn the_reference_collisions_are_real() {
    let pairs = fx_colliding_pairs(64);
    let distinct: HashSet<_> = pairs.iter().collect();
    assert_eq!(distinct.len(), 64);
    let fx = FxBuildHasher::default();
    let hashes: HashSet<u64> = pairs.iter().map(|pair| fx.hash_one(pair)).collect();
    assert_eq!(hashes.len(), 1, "every pair must share one FxHash");
    // The macros feed arguments one by one; the same two words, so the same collision.
    let by_argument: HashSet<u64> = pairs
        .iter()
        .map(|&(a, b)| {
            let mut hasher = FxHasher::default();
            a.hash(&mut hasher);
            b.hash(&mut hasher);
            hasher.finish()
        })
        .collect();
    assert_eq!(by_argument, hashes);

    for (left, right) in truncated_sip_collisions() {
        assert_ne!(left, right);
        assert_eq!(truncated_sip(left), truncated_sip(right));
        let build = TruncatedSipBuildHasher;
        assert_eq!(
            build.hash_one(left.as_str()),
            build.hash_one(right.as_str())
        );
    }
}

// ---------------------------------------------------------------------------------------
// 1. The fingerprint secret is per process.
// ---------------------------------------------------------------------------------------

/// Set in a child process: print the fingerprints and exit.
const PRINT_FINGERPRINT: &str = "CACHEKIT_TEST_PRINT_FINGERPRINT";
/// What marks the child's line, so libtest's own output is ignored.
const FINGERPRINT_LINE: &str = "cachekit-fingerprint:";

static FINGERPRINTED_CALLS: AtomicUsize = AtomicUsize::new(0);

#[ttl_cached(ttl = 3600, max_size = 16)]
fn fingerprinted(tenant: &str, id: u64) -> String {
    FINGERPRINTED_CALLS.fetch_add(1, Ordering::SeqCst);
    format!("{tenant}/{id}")
}

/// The fixed arguments hashed with nothing but the process secret (no per-function
/// prefix, whose slot address ASLR alone would change), so that a difference between two
/// processes can only come from the secret.
fn secret_only_fingerprint() -> Fingerprint {
    let (key0, key1) = secret();
    let mut key = KeyHasher::new(key0, key1);
    hash_arg::<&str>(&"tenant-42", &mut key);
    hash_arg::<u64>(&7, &mut key);
    key.fingerprint()
}

/// The fingerprints stored in `fingerprinted`'s cache: what the generated code computed.
fn stored_fingerprints() -> Vec<Fingerprint> {
    let mut keys = Vec::new();
    fingerprinted_cache().retain(|key, _| {
        keys.push(*key);
        true
    });
    keys
}

/// `(secret, secret-only fingerprint, macro fingerprint)` from a fresh copy of this binary.
fn fingerprints_of_a_child() -> (String, String, String) {
    let output = Command::new(std::env::current_exe().unwrap())
        .args([
            "the_fingerprint_secret_differs_between_processes",
            "--exact",
            "--nocapture",
            "--test-threads=1",
        ])
        .env(PRINT_FINGERPRINT, "1")
        .output()
        .unwrap();
    let stdout = String::from_utf8_lossy(&output.stdout).into_owned();
    assert!(
        output.status.success(),
        "child failed:\n{stdout}\n{}",
        String::from_utf8_lossy(&output.stderr)
    );
    let line = stdout
        .lines()
        // libtest may print "test <name> ... " before it on the same line.
        .find_map(|line| line.split_once(FINGERPRINT_LINE).map(|(_, fields)| fields))
        .unwrap_or_else(|| panic!("the child printed no fingerprint:\n{stdout}"));
    let fields: Vec<String> = line.split_whitespace().map(str::to_string).collect();
    let [secret, plain, stored] = <[String; 3]>::try_from(fields).unwrap();
    (secret, plain, stored)
}

#[test]
fn the_fingerprint_secret_differs_between_processes() {
    if std::env::var_os(PRINT_FINGERPRINT).is_some() {
        assert_eq!(fingerprinted("tenant-42", 7), "tenant-42/7");
        let stored = stored_fingerprints();
        assert_eq!(stored.len(), 1);
        let (key0, key1) = secret();
        println!(
            "{FINGERPRINT_LINE} {key0:016x}{key1:016x} {:032x} {:032x}",
            secret_only_fingerprint().0,
            stored[0].0
        );
        return;
    }

    // Within one process, the same arguments give the same fingerprint and one entry.
    let before = FINGERPRINTED_CALLS.load(Ordering::SeqCst);
    assert_eq!(fingerprinted("tenant-42", 7), "tenant-42/7");
    assert_eq!(fingerprinted(&String::from("tenant-42"), 7), "tenant-42/7");
    assert_eq!(FINGERPRINTED_CALLS.load(Ordering::SeqCst) - before, 1);
    assert_eq!(stored_fingerprints().len(), 1);
    assert_eq!(secret_only_fingerprint(), secret_only_fingerprint());

    let first = fingerprints_of_a_child();
    let second = fingerprints_of_a_child();
    assert_ne!(first.0, second.0, "two processes drew one secret");
    assert_ne!(
        first.1, second.1,
        "the same arguments hashed alike in two processes"
    );
    assert_ne!(
        first.2, second.2,
        "a memoized function stored one fingerprint in two processes"
    );
    // And neither child shares this process's secret.
    let (key0, key1) = secret();
    let ours = format!("{key0:016x}{key1:016x}");
    assert!(first.0 != ours && second.0 != ours);
}

#[test]
fn the_secret_does_not_show_in_debug_output() {
    let (key0, key1) = secret();
    let mut hasher = KeyHasher::new(key0, key1);
    hash_arg::<u64>(&1, &mut hasher);
    let shown = format!("{hasher:?} {hasher:#?}");
    for key in [key0, key1] {
        assert!(
            !shown.contains(&key.to_string()) && !shown.contains(&format!("{key:x}")),
            "{shown}"
        );
    }
}

// ---------------------------------------------------------------------------------------
// 2a. Colliding arguments in a memoized function.
// ---------------------------------------------------------------------------------------

static PAIR_CALLS: AtomicUsize = AtomicUsize::new(0);

#[ttl_cached(ttl = 3600, max_size = 1000)]
fn pair_label(a: u64, b: u64) -> String {
    PAIR_CALLS.fetch_add(1, Ordering::SeqCst);
    format!("{a:x}:{b:x}")
}

static USER_CALLS: AtomicUsize = AtomicUsize::new(0);

#[ttl_cached(ttl = 3600, max_size = 1000)]
fn user_label(name: &str) -> String {
    USER_CALLS.fetch_add(1, Ordering::SeqCst);
    format!("profile of {name}")
}

#[test]
fn fx_colliding_arguments_keep_their_own_results() {
    let pairs = fx_colliding_pairs(64);
    for round in 0..2 {
        for &(a, b) in &pairs {
            assert_eq!(pair_label(a, b), format!("{a:x}:{b:x}"), "round {round}");
        }
    }
    // One body run per distinct pair: the second round was all hits, none merged.
    assert_eq!(PAIR_CALLS.load(Ordering::SeqCst), pairs.len());
    let mut stored = HashSet::new();
    pair_label_cache().retain(|key, _| {
        stored.insert(*key);
        true
    });
    assert_eq!(stored.len(), pairs.len(), "one fingerprint per pair");
    let stats = pair_label_cache().stats();
    assert_eq!((stats.hits, stats.misses), (64, 64));
}

#[test]
fn truncated_hash_collisions_keep_their_own_results() {
    let collisions = truncated_sip_collisions();
    for round in 0..2 {
        for (left, right) in collisions {
            assert_eq!(user_label(left), format!("profile of {left}"), "{round}");
            assert_eq!(user_label(right), format!("profile of {right}"), "{round}");
        }
    }
    assert_eq!(USER_CALLS.load(Ordering::SeqCst), 2 * collisions.len());
    assert_eq!(user_label_cache().len(), 2 * collisions.len());
}

// ---------------------------------------------------------------------------------------
// 2b. Colliding keys in a TtlCache whose own hasher collides on them.
// ---------------------------------------------------------------------------------------

/// Inserts every key (value: its own `label`), then checks each lookup form returns the
/// key's own value and nothing else.
fn assert_each_key_keeps_its_value<K, S>(cache: &TtlCache<K, String, S>, keys: &[K])
where
    K: Hash + Eq + Clone + Send + Sync + std::fmt::Debug + 'static,
    S: BuildHasher + Clone + Send + Sync + 'static,
{
    let label = |key: &K| format!("{key:?}");
    for key in keys {
        cache.insert(key.clone(), label(key));
    }
    assert_eq!(cache.len(), keys.len());
    for key in keys {
        assert_eq!(cache.get(key), Some(label(key)));
        assert!(cache.contains_key(key));
        let loaded = cache.get_or_insert_with(key.clone(), || unreachable!("{key:?} is cached"));
        assert_eq!(loaded, label(key));
    }
    assert_eq!(
        cache.get_many(keys),
        keys.iter().map(|key| Some(label(key))).collect::<Vec<_>>()
    );
    // Removing one colliding key leaves its partners alone.
    let (gone, kept) = keys.split_first().unwrap();
    assert_eq!(cache.remove(gone), Some(label(gone)));
    assert_eq!(cache.get(gone), None);
    for key in kept {
        assert_eq!(cache.get(key), Some(label(key)));
    }
    // A kept key's replacement is its own.
    cache.insert(kept[0].clone(), "replaced".to_string());
    assert_eq!(cache.get(&kept[0]), Some("replaced".to_string()));
    assert_eq!(cache.get(&kept[1]), Some(label(&kept[1])));
}

#[test]
fn a_cache_keyed_by_fx_colliding_pairs_keeps_them_apart() {
    let cache = TtlCache::<(u64, u64), String>::builder()
        .max_size(1000)
        .hasher(FxBuildHasher::default())
        .build();
    assert_each_key_keeps_its_value(&cache, &fx_colliding_pairs(64));
}

#[test]
fn a_cache_keyed_by_truncated_hash_collisions_keeps_them_apart() {
    let keys: Vec<String> = truncated_sip_collisions()
        .iter()
        .flat_map(|(left, right)| [left.clone(), right.clone()])
        .collect();
    let cache = TtlCache::<String, String>::builder()
        .max_size(1000)
        .hasher(TruncatedSipBuildHasher)
        .build();
    assert_each_key_keeps_its_value(&cache, &keys);
}

#[test]
fn a_flooded_cache_returns_the_right_values_and_keeps_its_bound() {
    const MAX_SIZE: usize = 256;
    const KEYS: u64 = 2_000;
    let clock = MockClock::new();
    let cache = TtlCache::<String, u64>::builder()
        .max_size(MAX_SIZE)
        .ttl(Duration::from_secs(60))
        .clock(clock.clone())
        .hasher(ZeroBuildHasher)
        .build();
    let value_of = |key: &str| key.trim_start_matches("key-").parse::<u64>().unwrap();
    for n in 0..KEYS {
        let key = format!("key-{n}");
        if n % 3 == 0 {
            cache.insert_with_ttl(key, n, Duration::from_secs(1));
        } else {
            cache.insert(key, n);
        }
        assert!(cache.len() <= MAX_SIZE, "{} entries after {n}", cache.len());
        // Lookups of earlier keys interleave with the flood: always their own value or none.
        let probe = format!("key-{}", n / 2);
        if let Some(found) = cache.get(&probe) {
            assert_eq!(found, value_of(&probe));
        }
    }
    let live: Vec<u64> = (0..KEYS)
        .filter_map(|n| {
            cache
                .get(&format!("key-{n}"))
                .inspect(|&v| assert_eq!(v, n))
        })
        .collect();
    assert!(!live.is_empty() && live.len() <= MAX_SIZE, "{}", live.len());

    // Expiry still finds the right entries among keys that all collide.
    clock.advance(Duration::from_secs(1));
    for n in 0..KEYS {
        let found = cache.get(&format!("key-{n}"));
        if n % 3 == 0 {
            assert_eq!(found, None, "key-{n} outlived its TTL");
        } else if let Some(value) = found {
            assert_eq!(value, n);
        }
    }
    cache.retain(|key, value| {
        assert_eq!(*value, value_of(key));
        true
    });
    assert_eq!(cache.cleanup_expired(), 0, "reads dropped the expired ones");
    let loaded = cache.get_or_insert_with("key-late".to_string(), || 7);
    assert_eq!(loaded, 7);
    assert_eq!(cache.get("key-late"), Some(7));
    assert!(cache.len() <= MAX_SIZE);
    let stats = cache.stats();
    assert!(stats.evictions > 0, "{stats:?}");
}

#[test]
fn a_flooded_large_cache_stays_within_its_bound() {
    // Large enough for several segments: the flood lands in one of them, whose share then
    // bounds it (below `max_size`, never above).
    const MAX_SIZE: usize = 4096;
    let cache = TtlCache::<u64, u64>::builder()
        .max_size(MAX_SIZE)
        .hasher(ZeroBuildHasher)
        .build();
    for n in 0..2_000 {
        cache.insert(n, n * 3);
    }
    assert!(cache.len() <= MAX_SIZE);
    for n in 0..2_000 {
        if let Some(value) = cache.get(&n) {
            assert_eq!(value, n * 3);
        }
    }
}

// ---------------------------------------------------------------------------------------
// The documented assumption: `Hash` must feed everything `Eq` compares.
// ---------------------------------------------------------------------------------------

/// A legal `Hash` (equal values hash alike) that leaves out a field `Eq` compares.
#[derive(Clone, Debug, PartialEq, Eq)]
struct Query {
    id: u64,
    include_deleted: bool,
}

impl Hash for Query {
    fn hash<H: Hasher>(&self, state: &mut H) {
        self.id.hash(state);
    }
}

fn run_query(query: &Query) -> String {
    format!("{}:{}", query.id, query.include_deleted)
}

#[ttl_cached(ttl = 3600)]
fn query_by_hash(query: &Query) -> String {
    run_query(query)
}

#[ttl_cached(ttl = 3600, key = (query.id, query.include_deleted))]
fn query_by_key(query: &Query) -> String {
    run_query(query)
}

#[test]
fn a_hash_that_ignores_a_field_merges_memoized_calls_but_not_cache_entries() {
    let live = Query {
        id: 1,
        include_deleted: false,
    };
    let all = Query {
        id: 1,
        include_deleted: true,
    };
    assert_eq!(query_by_hash(&live), "1:false");
    // The limit, as documented: only the fingerprint is stored, so `Eq` never runs.
    assert_eq!(query_by_hash(&all), "1:false");
    // The remedy: hash what tells the calls apart.
    assert_eq!(query_by_key(&live), "1:false");
    assert_eq!(query_by_key(&all), "1:true");
    // A TtlCache stores keys and compares them with `Eq`: the two stay apart.
    let cache = TtlCache::<Query, String>::new(10, Duration::from_secs(60));
    cache.insert(live.clone(), run_query(&live));
    cache.insert(all.clone(), run_query(&all));
    assert_eq!(cache.get(&live).as_deref(), Some("1:false"));
    assert_eq!(cache.get(&all).as_deref(), Some("1:true"));
}
