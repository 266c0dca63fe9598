//! Helpers of the registry tests: a `log::Log` that keeps every record (installed once per
//! test binary; tests look for messages only they can cause), and a bounded wait.
#![allow(dead_code)]

use std::sync::{Mutex, Once};
use std::time::{Duration, Instant};

static RECORDS: Mutex<Vec<(log::Level, String)>> = Mutex::new(Vec::new());

struct Capture;

impl log::Log for Capture {
    fn enabled(&self, _: &log::Metadata<'_>) -> bool {
        true
    }

    fn log(&self, record: &log::Record<'_>) {
        let line = record.args().to_string();
        RECORDS
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .push((record.level(), line));
    }

    fn flush(&self) {}
}

/// Installs the capturing logger (once; later calls do nothing).
pub fn install() {
    static ONCE: Once = Once::new();
    ONCE.call_once(|| {
        log::set_logger(&Capture).expect("no other logger in this test binary");
        log::set_max_level(log::LevelFilter::Trace);
    });
}

/// Every record logged so far whose message contains `needle`.
pub fn containing(needle: &str) -> Vec<(log::Level, String)> {
    RECORDS
        .lock()
        .unwrap_or_else(|e| e.into_inner())
        .iter()
        .filter(|(_, line)| line.contains(needle))
        .cloned()
        .collect()
}

/// Polls `done` until it holds, failing after `limit`: for effects of background threads.
pub fn wait_until(limit: Duration, what: &str, mut done: impl FnMut() -> bool) {
    let start = Instant::now();
    while !done() {
        assert!(start.elapsed() < limit, "timed out waiting for {what}");
        std::thread::sleep(Duration::from_millis(1));
    }
}
