//! Drives `TtlCache` and its reference model with operation sequences decoded from
//! libFuzzer's inputs; any disagreement or broken invariant panics, which libFuzzer reports as
//! a crash and saves under `fuzz/artifacts/model_ops/`.
//!
//! The model and the decoder are the ones the tests use (`tests/model/mod.rs`), so an input
//! copied into `fuzz/regressions/` is replayed by `cargo test --test fuzz_regressions`.

#![no_main]

use libfuzzer_sys::fuzz_target;

#[path = "../../tests/model/mod.rs"]
mod model;

fuzz_target!(|data: &[u8]| {
    if let Err(failure) = model::run_bytes(data) {
        panic!("the cache disagrees with the model: {failure}");
    }
});
