//! The macros' compile-time errors, one trybuild case per error (`tests/ui/*.rs`, each with
//! the `.stderr` it must produce), and cases that must compile (`tests/ui/pass/`).
//!
//! The `.stderr` files are pinned to this repository's toolchain (see `rust-version` and
//! the CI machines' `rustc`); after a compiler upgrade changes their wording, regenerate
//! them with `TRYBUILD=overwrite cargo test --test ui` and review the diff.

#[test]
fn ui() {
    let cases = trybuild::TestCases::new();
    cases.compile_fail("tests/ui/*.rs");
    cases.pass("tests/ui/pass/*.rs");
}

/// The shared tier's errors, which name serde's traits: only with the `redis` feature, which
/// the generated code of `shared = "redis"` needs.
#[cfg(feature = "redis")]
#[test]
fn ui_redis() {
    let cases = trybuild::TestCases::new();
    cases.compile_fail("tests/ui/redis/*.rs");
}
