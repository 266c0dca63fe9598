//! Replays the committed inputs of the `model_ops` fuzz target (`fuzz/regressions/`) through
//! the same decoder and model as the fuzzer (`tests/model/mod.rs`), so what the fuzzer found
//! stays fixed under a plain `cargo test`, without cargo-fuzz or a nightly toolchain.

mod model;

use std::fs;
use std::path::Path;

#[test]
fn committed_fuzz_inputs_agree_with_the_model() {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("fuzz/regressions");
    let mut files: Vec<_> = fs::read_dir(&dir)
        .unwrap_or_else(|error| panic!("reading {}: {error}", dir.display()))
        .map(|entry| entry.expect("a directory entry").path())
        .filter(|path| path.is_file())
        .collect();
    files.sort();
    // An empty or misplaced directory would otherwise pass without replaying anything.
    assert!(!files.is_empty(), "no inputs in {}", dir.display());
    let failures: Vec<String> = files
        .iter()
        .filter_map(|path| {
            let data = fs::read(path).expect("a readable input");
            model::run_bytes(&data)
                .err()
                .map(|failure| format!("{}: {failure}", path.display()))
        })
        .collect();
    assert!(
        failures.is_empty(),
        "{} of {} inputs failed:\n{}",
        failures.len(),
        files.len(),
        failures.join("\n\n")
    );
}
