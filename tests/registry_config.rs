//! Start-up overrides: `CACHEKIT_*` variables through an injected environment, and for real
//! in a child process that reads them into the global `registry()`.

mod registry_support;

use cachekit::{
    registry, Registry, RegistryDefaults, DEFAULT_CLEANUP_INTERVAL, DEFAULT_MAX_SIZE, DEFAULT_TTL,
    ENV_CLEANUP_INTERVAL, ENV_DEFAULT_MAX_SIZE, ENV_DEFAULT_TTL,
};
use std::collections::HashMap;
use std::process::Command;
use std::time::Duration;

fn env(pairs: &[(&str, &str)]) -> impl Fn(&str) -> Option<String> {
    let map: HashMap<String, String> = pairs
        .iter()
        .map(|(k, v)| (k.to_string(), v.to_string()))
        .collect();
    move |name| map.get(name).cloned()
}

#[test]
fn the_variable_names_are_the_documented_ones() {
    assert_eq!(ENV_DEFAULT_TTL, "CACHEKIT_DEFAULT_TTL");
    assert_eq!(ENV_DEFAULT_MAX_SIZE, "CACHEKIT_DEFAULT_MAX_SIZE");
    assert_eq!(ENV_CLEANUP_INTERVAL, "CACHEKIT_CLEANUP_INTERVAL");
}

#[test]
fn an_empty_environment_keeps_the_builtin_defaults() {
    let defaults = RegistryDefaults::from_env_with(|_| None);
    assert_eq!(defaults, RegistryDefaults::default());
    assert_eq!(defaults.max_size, DEFAULT_MAX_SIZE);
    assert_eq!(defaults.ttl, DEFAULT_TTL);
    assert_eq!(defaults.cleanup_interval, DEFAULT_CLEANUP_INTERVAL);
}

#[test]
fn set_variables_override_the_defaults() {
    let defaults = RegistryDefaults::from_env_with(env(&[
        ("CACHEKIT_DEFAULT_TTL", "120"),
        ("CACHEKIT_DEFAULT_MAX_SIZE", "5000"),
        ("CACHEKIT_CLEANUP_INTERVAL", "0.5"),
    ]));
    assert_eq!(
        defaults,
        RegistryDefaults {
            max_size: 5000,
            ttl: Duration::from_secs(120),
            cleanup_interval: Duration::from_millis(500),
        }
    );
    let registry = Registry::with_defaults(defaults);
    assert_eq!(registry.defaults(), defaults);
}

#[test]
fn each_unparsable_value_is_logged_once_and_the_default_used() {
    registry_support::install();
    let defaults = RegistryDefaults::from_env_with(env(&[
        ("CACHEKIT_DEFAULT_TTL", "ten minutes"),
        ("CACHEKIT_DEFAULT_MAX_SIZE", "-3"),
        ("CACHEKIT_CLEANUP_INTERVAL", "0"),
    ]));
    assert_eq!(defaults, RegistryDefaults::default());
    for (name, value) in [
        ("CACHEKIT_DEFAULT_TTL", "ten minutes"),
        ("CACHEKIT_DEFAULT_MAX_SIZE", "-3"),
        ("CACHEKIT_CLEANUP_INTERVAL", "\"0\""),
    ] {
        let logged = registry_support::containing(&format!("{name}="));
        let about_this = logged
            .iter()
            .filter(|(_, line)| line.contains(value))
            .count();
        assert_eq!(about_this, 1, "{name}: {logged:?}");
        assert!(logged.iter().all(|(level, _)| *level == log::Level::Warn));
    }
}

#[test]
fn one_bad_value_does_not_spoil_the_others() {
    let defaults = RegistryDefaults::from_env_with(env(&[
        ("CACHEKIT_DEFAULT_TTL", "1e400"),
        ("CACHEKIT_DEFAULT_MAX_SIZE", " 64 "),
    ]));
    assert_eq!(defaults.ttl, DEFAULT_TTL);
    assert_eq!(defaults.max_size, 64);
}

/// The marker that makes `child_reads_the_environment` do its work.
const CHILD: &str = "CACHEKIT_TEST_CHILD";

/// Runs in a child process started by the tests below, with `CACHEKIT_*` set for real.
#[test]
#[ignore = "run in a child process by the tests that set its environment"]
fn child_reads_the_environment() {
    let Ok(expected) = std::env::var(CHILD) else {
        // `--include-ignored` in the parent: this process's environment is not the test's.
        return;
    };
    registry_support::install();
    let defaults = registry().defaults();
    let again = registry().defaults();
    assert_eq!(defaults, again);
    let [max_size, ttl_ms, interval_ms]: [u64; 3] = expected
        .split(',')
        .map(|n| n.parse().unwrap())
        .collect::<Vec<_>>()
        .try_into()
        .unwrap();
    assert_eq!(defaults.max_size as u64, max_size);
    assert_eq!(defaults.ttl, Duration::from_millis(ttl_ms));
    assert_eq!(
        defaults.cleanup_interval,
        Duration::from_millis(interval_ms)
    );
    // Warnings for bad values come once, however often the registry is used.
    let warned = registry_support::containing("CACHEKIT_").len();
    assert!(warned <= 1, "{warned}");
    println!("child warnings: {warned}");
}

/// Runs `child_reads_the_environment` in a fresh copy of this test binary.
fn run_child(vars: &[(&str, &str)], expected: &str) -> String {
    let mut command = Command::new(std::env::current_exe().unwrap());
    command
        .args([
            "--exact",
            "child_reads_the_environment",
            "--include-ignored",
            "--nocapture",
            "--test-threads=1",
        ])
        .env_remove(ENV_DEFAULT_TTL)
        .env_remove(ENV_DEFAULT_MAX_SIZE)
        .env_remove(ENV_CLEANUP_INTERVAL)
        .env(CHILD, expected);
    for (name, value) in vars {
        command.env(name, value);
    }
    let output = command.output().unwrap();
    let stdout = String::from_utf8_lossy(&output.stdout).into_owned();
    assert!(
        output.status.success(),
        "child failed:\n{stdout}\n{}",
        String::from_utf8_lossy(&output.stderr)
    );
    assert!(
        stdout.contains("1 passed"),
        "the child ran no test:\n{stdout}"
    );
    stdout
}

#[test]
fn the_global_registry_reads_the_variables_at_start_up() {
    let stdout = run_child(
        &[
            ("CACHEKIT_DEFAULT_TTL", "90"),
            ("CACHEKIT_DEFAULT_MAX_SIZE", "250"),
            ("CACHEKIT_CLEANUP_INTERVAL", "1.5"),
        ],
        "250,90000,1500",
    );
    assert!(stdout.contains("child warnings: 0"), "{stdout}");
}

#[test]
fn the_global_registry_survives_a_bad_variable() {
    let stdout = run_child(
        &[
            ("CACHEKIT_DEFAULT_TTL", "forever"),
            ("CACHEKIT_DEFAULT_MAX_SIZE", "250"),
        ],
        &format!(
            "250,{},{}",
            DEFAULT_TTL.as_millis(),
            DEFAULT_CLEANUP_INTERVAL.as_millis()
        ),
    );
    assert!(stdout.contains("child warnings: 1"), "{stdout}");
}
