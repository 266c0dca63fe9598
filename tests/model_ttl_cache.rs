//! Model-based property test: random operation sequences run against `TtlCache` and the
//! reference model in `tests/model/mod.rs` (a `HashMap` with deadlines). The cache may forget
//! (evict) entries the model still holds, but it must never return a value the model does not
//! hold live for that key: no stale, expired or foreign results, whatever the interleaving of
//! operations. The fuzz target (`fuzz/`) drives the same model with libFuzzer's inputs.

mod model;

use model::{Case, Op, KEYS};
use proptest::prelude::*;

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

proptest! {
    #![proptest_config(ProptestConfig { cases: 512, ..ProptestConfig::default() })]

    #[test]
    fn cache_agrees_with_the_model(
        max_size in 0usize..8,
        ttl_ms in prop_oneof![Just(0u64), 1..5_000u64],
        ops in proptest::collection::vec(op(), 1..80),
    ) {
        model::run(&Case { max_size, ttl_ms, ops }).map_err(TestCaseError::fail)?;
    }
}

/// Failures found by this test and the fuzzer, shrunk, kept so that they stay fixed (proptest
/// also replays any `proptest-regressions/` file it wrote on a failure).
#[test]
fn shrunk_failures_stay_fixed() {
    let cases = [
        // A hit that ignored deadlines returned an expired value (the check's own mutation
        // test, shrunk by proptest).
        Case {
            max_size: 2,
            ttl_ms: 1,
            ops: vec![Op::Insert(0, 7), Op::Advance(2), Op::Get(0)],
        },
        // `remove` that returned an expired value (shrunk by `cargo fuzz tmin`).
        Case {
            max_size: 7,
            ttl_ms: 1,
            ops: vec![Op::Insert(0, 256), Op::Advance(59), Op::Remove(0)],
        },
        // Edges of the bound: a one-entry cache that is full and hit, and a zero bound.
        Case {
            max_size: 1,
            ttl_ms: 4_000,
            ops: vec![
                Op::Insert(0, 1),
                Op::Get(0),
                Op::Get(0),
                Op::Insert(1, 2),
                Op::Get(1),
            ],
        },
        Case {
            max_size: 0,
            ttl_ms: 4_000,
            ops: vec![Op::Insert(0, 1), Op::Get(0), Op::GetOrInsertWith(0, 3)],
        },
    ];
    for case in &cases {
        model::run(case).unwrap_or_else(|problem| panic!("{problem}"));
    }
}
