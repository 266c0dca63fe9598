//! The reference model of a single-threaded `TtlCache`, and the driver that runs an operation
//! sequence against both and checks them after every step.
//!
//! Shared, so that every test of the cache against the model checks the same model:
//! `tests/model_ttl_cache.rs` (proptest, generates `Op`s), `fuzz/fuzz_targets/model_ops.rs`
//! (libFuzzer, decodes raw bytes with [`Case::from_bytes`]) and `tests/fuzz_regressions.rs`
//! (replays the fuzzer's committed inputs under `cargo test`). It depends on nothing but
//! `cachekit` and std, so the fuzz crate can include it by path, and a failure is an
//! `Err(String)` that each harness turns into its own kind of failure.
//!
//! The model: each key's latest value and its deadline on the mock clock. The cache may forget
//! (evict) entries the model still holds, but it must never return a value the model does not
//! hold live for that key: nothing stale, expired or foreign.

// Each includer uses a different part: the proptest test builds `Case`s itself and never
// decodes bytes.
#![allow(dead_code)]

use cachekit::{MockClock, TtlCache};
use std::collections::HashMap;
use std::fmt::Debug;
use std::time::Duration;

/// Keys are drawn from `0..KEYS`: few enough that operations keep meeting the same entries.
pub const KEYS: u64 = 12;

#[derive(Clone, Debug)]
pub enum Op {
    Insert(u64, u64),
    /// Key, value, TTL in ms.
    InsertWithTtl(u64, u64, u64),
    Get(u64),
    ContainsKey(u64),
    Remove(u64),
    GetOrInsertWith(u64, u64),
    /// `None`: the loader fails.
    TryGetOrInsertWith(u64, Option<u64>),
    RetainOdd,
    CleanupExpired,
    Clear,
    /// Advances the mock clock by this many ms.
    Advance(u64),
}

/// One run: the cache's configuration and the operations applied to it.
#[derive(Clone, Debug)]
pub struct Case {
    pub max_size: usize,
    /// The cache's default TTL in ms; 0 stores nothing.
    pub ttl_ms: u64,
    pub ops: Vec<Op>,
}

/// Reads a fuzzer's input front to back. Past the end it reads zeros rather than failing, so
/// every byte string decodes to a case and no input is wasted on being rejected.
struct Reader<'a> {
    data: &'a [u8],
}

impl Reader<'_> {
    fn byte(&mut self) -> u8 {
        match self.data.split_first() {
            Some((&first, rest)) => {
                self.data = rest;
                first
            }
            None => 0,
        }
    }

    fn u16(&mut self) -> u16 {
        u16::from_le_bytes([self.byte(), self.byte()])
    }

    fn key(&mut self) -> u64 {
        u64::from(self.byte()) % KEYS
    }

    /// Values embed the step that made them, so two stores never share a value and a value
    /// returned for the wrong key or from an older store cannot pass for the right one; the
    /// input picks only the low byte, which decides what `RetainOdd` keeps.
    fn value(&mut self, step: usize) -> u64 {
        ((step as u64 + 1) << 8) | u64::from(self.byte())
    }
}

impl Case {
    /// Decodes any byte string (`cargo fuzz`'s inputs, the committed regression files): one byte
    /// for `max_size`, two for the TTL, then operations, each a tag byte and its arguments,
    /// until the input ends. The ranges are the proptest test's, so both explore one space.
    pub fn from_bytes(data: &[u8]) -> Case {
        let mut input = Reader { data };
        let max_size = usize::from(input.byte() % 8);
        let ttl_ms = u64::from(input.u16()) % 5_000;
        let mut ops = Vec::new();
        while !input.data.is_empty() {
            let step = ops.len();
            let op = match input.byte() % 11 {
                0 => Op::Insert(input.key(), input.value(step)),
                1 => Op::InsertWithTtl(
                    input.key(),
                    input.value(step),
                    u64::from(input.u16()) % 4_000,
                ),
                2 => Op::Get(input.key()),
                3 => Op::ContainsKey(input.key()),
                4 => Op::Remove(input.key()),
                5 => Op::GetOrInsertWith(input.key(), input.value(step)),
                6 => {
                    let key = input.key();
                    let fails = input.byte() & 1 == 0;
                    let value = input.value(step);
                    Op::TryGetOrInsertWith(key, (!fails).then_some(value))
                }
                7 => Op::RetainOdd,
                8 => Op::CleanupExpired,
                9 => Op::Clear,
                _ => Op::Advance(u64::from(input.u16()) % 3_000),
            };
            ops.push(op);
        }
        Case {
            max_size,
            ttl_ms,
            ops,
        }
    }
}

/// Decodes `data` and runs it; a failure names the decoded case, which the raw bytes do not show.
pub fn run_bytes(data: &[u8]) -> Result<(), String> {
    let case = Case::from_bytes(data);
    run(&case).map_err(|failure| format!("{failure}\nin {case:#?}"))
}

macro_rules! ensure {
    ($cond:expr, $($message:tt)+) => {
        if !$cond {
            return Err(format!($($message)+));
        }
    };
}

fn ensure_eq<T: PartialEq + Debug>(got: T, expected: T, what: &str) -> Result<(), String> {
    ensure!(
        got == expected,
        "{what}: got {got:?}, expected {expected:?}"
    );
    Ok(())
}

#[derive(Default)]
struct Model {
    now_ms: u64,
    /// Key → (value, deadline in ms).
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

    /// What the cache returned for `key` must be the model's live value; a miss where the model
    /// has one means the cache evicted it, and the model forgets it too.
    fn check_lookup(&mut self, key: u64, got: Option<u64>) -> Result<(), String> {
        match (got, self.live(key)) {
            (Some(value), Some(expected)) => {
                ensure_eq(value, expected, &format!("foreign value for key {key}"))
            }
            (Some(value), None) => Err(format!(
                "key {key} returned {value}, but it is expired or absent"
            )),
            (None, _) => {
                self.entries.remove(&key);
                Ok(())
            }
        }
    }
}

/// Runs `case` against a fresh cache and model; `Err` describes the first disagreement or broken
/// invariant, and the step it happened at.
pub fn run(case: &Case) -> Result<(), String> {
    let clock = MockClock::new();
    let mut harness = Harness {
        cache: TtlCache::<u64, u64>::builder()
            .max_size(case.max_size)
            .ttl(Duration::from_millis(case.ttl_ms))
            .cleanup_interval(Duration::from_secs(2))
            .clock(clock.clone())
            .build(),
        clock,
        model: Model::default(),
        lookups: 0,
        max_size: case.max_size,
        ttl_ms: case.ttl_ms,
    };
    for (step, op) in case.ops.iter().enumerate() {
        harness
            .apply(op)
            .and_then(|()| harness.check_invariants())
            .map_err(|failure| format!("step {step} ({op:?}): {failure}"))?;
    }
    // Finally every key, in both directions.
    for k in 0..KEYS {
        let got = harness.cache.get(&k);
        harness
            .model
            .check_lookup(k, got)
            .map_err(|failure| format!("final get({k}): {failure}"))?;
    }
    Ok(())
}

struct Harness {
    cache: TtlCache<u64, u64>,
    clock: MockClock,
    model: Model,
    /// Calls that count as a hit or a miss in the cache's statistics.
    lookups: u64,
    max_size: usize,
    ttl_ms: u64,
}

impl Harness {
    fn apply(&mut self, op: &Op) -> Result<(), String> {
        let (cache, model) = (&self.cache, &mut self.model);
        // The TTL the model stores with: a zero-size cache stores nothing, whatever the TTL.
        let zero_size = self.max_size == 0;
        let stored_ttl = |ttl_ms: u64| if zero_size { 0 } else { ttl_ms };
        match *op {
            Op::Insert(k, v) => {
                cache.insert(k, v);
                model.store(k, v, stored_ttl(self.ttl_ms));
            }
            Op::InsertWithTtl(k, v, ms) => {
                cache.insert_with_ttl(k, v, Duration::from_millis(ms));
                model.store(k, v, stored_ttl(ms));
            }
            Op::Get(k) => {
                self.lookups += 1;
                model.check_lookup(k, cache.get(&k))?;
            }
            Op::ContainsKey(k) => {
                self.lookups += 1;
                if cache.contains_key(&k) {
                    ensure!(model.live(k).is_some(), "contains_key({k}) for a dead key");
                } else {
                    model.entries.remove(&k);
                }
            }
            Op::Remove(k) => {
                let removed = cache.remove(&k);
                model.check_lookup(k, removed)?;
                model.entries.remove(&k);
            }
            Op::GetOrInsertWith(k, v) => {
                self.lookups += 1;
                let mut loaded = false;
                let got = cache.get_or_insert_with(k, || {
                    loaded = true;
                    v
                });
                if loaded {
                    ensure_eq(got, v, "loaded value")?;
                    model.store(k, v, stored_ttl(self.ttl_ms));
                } else {
                    model.check_lookup(k, Some(got))?;
                }
            }
            Op::TryGetOrInsertWith(k, v) => {
                self.lookups += 1;
                let mut loaded = false;
                let got = cache.try_get_or_insert_with(k, || {
                    loaded = true;
                    v.ok_or("load failed")
                });
                match (loaded, got) {
                    (true, Ok(got)) => {
                        ensure_eq(Some(got), v, "loaded value")?;
                        model.store(k, got, stored_ttl(self.ttl_ms));
                    }
                    (true, Err(_)) => {
                        ensure!(v.is_none(), "an error without a failing loader");
                        // The loader ran, so the key was absent: an error caches nothing.
                        model.entries.remove(&k);
                        self.lookups += 1;
                        ensure_eq(cache.get(&k), None, "get after a failed load")?;
                    }
                    (false, Ok(got)) => model.check_lookup(k, Some(got))?,
                    (false, Err(_)) => return Err("an error from a loader that did not run".into()),
                }
            }
            Op::RetainOdd => {
                cache.retain(|_, v| v % 2 == 1);
                model.entries.retain(|_, (v, _)| *v % 2 == 1);
            }
            Op::CleanupExpired => {
                let expired_in_cache = cache.stats().expired_entries;
                ensure_eq(cache.cleanup_expired(), expired_in_cache, "cleaned up")?;
                ensure_eq(cache.stats().expired_entries, 0, "expired after cleanup")?;
            }
            Op::Clear => {
                cache.clear();
                ensure!(cache.is_empty(), "not empty after clear");
                model.entries.clear();
            }
            Op::Advance(ms) => {
                self.clock.advance(Duration::from_millis(ms));
                model.now_ms += ms;
            }
        }
        Ok(())
    }

    fn check_invariants(&self) -> Result<(), String> {
        let len = self.cache.len();
        ensure!(
            len <= self.max_size,
            "len {len} > max_size {}",
            self.max_size
        );
        let stats = self.cache.stats();
        ensure_eq(
            stats.hits + stats.misses,
            self.lookups,
            "hits + misses vs lookups",
        )
    }
}
