//! Model-based property test: random operation sequences run against `TtlCache` and a
//! plain `HashMap` with deadlines. The cache may forget (evict) entries the model still
//! holds, but it must never return a value the model does not hold live for that key:
//! no stale, expired or foreign results, whatever the interleaving of operations.

use cachekit::{MockClock, TtlCache};
use proptest::prelude::*;
use std::collections::HashMap;
use std::time::Duration;

const KEYS: u64 = 12;

#[derive(Clone, Debug)]
enum Op {
    Insert(u64, u64),
    InsertWithTtl(u64, u64, u64),
    Get(u64),
    ContainsKey(u64),
    Remove(u64),
    GetOrInsertWith(u64, u64),
    TryGetOrInsertWith(u64, Option<u64>),
    RetainOdd,
    CleanupExpired,
    Clear,
    Advance(u64),
}

fn op() -> impl Strategy<Value = Op> {
    let key = 0..KEYS;
    prop_oneof![
        4 => (key.clone(), any::<u64>()).prop_map(|(k, v)| Op::Insert(k, v)),
        2 => (key.clone(), any::<u64>(), 0..4_000u64).prop_map(|(k, v, ms)| Op::InsertWithTtl(k, v, ms)),
        4 => key.clone().prop_map(Op::Get),
        1 => key.clone().prop_map(Op::ContainsKey),
        1 => key.clone().prop_map(Op::Remove),
        2 => (key.clone(), any::<u64>()).prop_map(|(k, v)| Op::GetOrInsertWith(k, v)),
        1 => (key.clone(), proptest::option::of(any::<u64>())).prop_map(|(k, v)| Op::TryGetOrInsertWith(k, v)),
        1 => Just(Op::RetainOdd),
        1 => Just(Op::CleanupExpired),
        1 => Just(Op::Clear),
        2 => (0..3_000u64).prop_map(Op::Advance),
    ]
}

/// The reference: each key's latest value and its deadline in ms on the mock clock.
#[derive(Default)]
struct Model {
    now_ms: u64,
    entries: HashMap<u64, (u64, u64)>,
}

impl Model {
    fn live(&self, key: u64) -> Option<u64> {
        self.entries
            .get(&key)
            .filter(|(_, deadline)| self.now_ms < *deadline)
            .map(|(value, _)| *value)
    }

    fn store(&mut self, key: u64, value: u64, ttl_ms: u64) {
        if ttl_ms == 0 {
            self.entries.remove(&key);
        } else {
            self.entries.insert(key, (value, self.now_ms + ttl_ms));
        }
    }
}

/// What the cache returned for `key` must be the model's live value; a miss where the model
/// has one means the cache evicted it, and the model forgets it too.
fn check_lookup(model: &mut Model, key: u64, got: Option<u64>) -> Result<(), TestCaseError> {
    match (got, model.live(key)) {
        (Some(value), Some(expected)) => {
            prop_assert_eq!(value, expected, "foreign value for key {}", key)
        }
        (Some(value), None) => prop_assert!(
            false,
            "key {key} returned {value}, but it is expired or absent"
        ),
        (None, _) => {
            model.entries.remove(&key);
        }
    }
    Ok(())
}

fn run(max_size: usize, ttl_ms: u64, ops: Vec<Op>) -> Result<(), TestCaseError> {
    let clock = MockClock::new();
    let cache = TtlCache::<u64, u64>::builder()
        .max_size(max_size)
        .ttl(Duration::from_millis(ttl_ms))
        .cleanup_interval(Duration::from_secs(2))
        .clock(clock.clone())
        .build();
    let mut model = Model::default();
    let mut lookups = 0u64;
    for op in ops {
        match op {
            Op::Insert(k, v) => {
                cache.insert(k, v);
                model.store(k, v, if max_size == 0 { 0 } else { ttl_ms });
            }
            Op::InsertWithTtl(k, v, ms) => {
                cache.insert_with_ttl(k, v, Duration::from_millis(ms));
                model.store(k, v, if max_size == 0 { 0 } else { ms });
            }
            Op::Get(k) => {
                lookups += 1;
                check_lookup(&mut model, k, cache.get(&k))?;
            }
            Op::ContainsKey(k) => {
                lookups += 1;
                let present = cache.contains_key(&k);
                prop_assert!(
                    !present || model.live(k).is_some(),
                    "contains_key({k}) for a dead key"
                );
                if !present {
                    model.entries.remove(&k);
                }
            }
            Op::Remove(k) => {
                let removed = cache.remove(&k);
                check_lookup(&mut model, k, removed)?;
                model.entries.remove(&k);
            }
            Op::GetOrInsertWith(k, v) => {
                lookups += 1;
                let mut loaded = false;
                let got = cache.get_or_insert_with(k, || {
                    loaded = true;
                    v
                });
                if loaded {
                    prop_assert_eq!(got, v);
                    model.store(k, v, if max_size == 0 { 0 } else { ttl_ms });
                } else {
                    check_lookup(&mut model, k, Some(got))?;
                }
            }
            Op::TryGetOrInsertWith(k, v) => {
                lookups += 1;
                let mut loaded = false;
                let got = cache.try_get_or_insert_with(k, || {
                    loaded = true;
                    v.ok_or("load failed")
                });
                match (loaded, got) {
                    (true, Ok(got)) => {
                        prop_assert_eq!(Some(got), v);
                        model.store(k, got, if max_size == 0 { 0 } else { ttl_ms });
                    }
                    (true, Err(_)) => {
                        prop_assert!(v.is_none(), "an error without a failing loader");
                        // The loader ran, so the key was absent: an error caches nothing.
                        model.entries.remove(&k);
                        prop_assert_eq!(cache.get(&k), None);
                        lookups += 1;
                    }
                    (false, Ok(got)) => check_lookup(&mut model, k, Some(got))?,
                    (false, Err(_)) => {
                        prop_assert!(false, "an error from a loader that did not run")
                    }
                }
            }
            Op::RetainOdd => {
                cache.retain(|_, v| v % 2 == 1);
                model.entries.retain(|_, (v, _)| *v % 2 == 1);
            }
            Op::CleanupExpired => {
                let expired_in_cache = cache.stats().expired_entries;
                prop_assert_eq!(cache.cleanup_expired(), expired_in_cache);
                prop_assert_eq!(cache.stats().expired_entries, 0);
            }
            Op::Clear => {
                cache.clear();
                prop_assert!(cache.is_empty());
                model.entries.clear();
            }
            Op::Advance(ms) => {
                clock.advance(Duration::from_millis(ms));
                model.now_ms += ms;
            }
        }
        prop_assert!(
            cache.len() <= max_size,
            "len {} > max_size {}",
            cache.len(),
            max_size
        );
        let stats = cache.stats();
        prop_assert_eq!(
            stats.hits + stats.misses,
            lookups,
            "hits + misses != lookups"
        );
    }
    // Finally every key, in both directions.
    for k in 0..KEYS {
        let got = cache.get(&k);
        check_lookup(&mut model, k, got)?;
    }
    Ok(())
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 512, ..ProptestConfig::default() })]

    #[test]
    fn cache_agrees_with_the_model(
        max_size in 0usize..8,
        ttl_ms in prop_oneof![Just(0u64), 1..5_000u64],
        ops in proptest::collection::vec(op(), 1..80),
    ) {
        run(max_size, ttl_ms, ops)?;
    }
}
