//! The process's resident memory and the system's memory, for `GET /cache/stats` and
//! `/metrics`.

use cache_core::{MemoryProbe, SystemMemory};
use serde::Serialize;

/// Memory figures in bytes; `None` (JSON `null`) where the platform does not tell.
#[derive(Clone, Copy, Debug, Default, Serialize)]
pub(crate) struct MemoryReport {
    pub(crate) process_resident_bytes: Option<u64>,
    pub(crate) system_used_bytes: Option<u64>,
    pub(crate) system_total_bytes: Option<u64>,
}

impl MemoryReport {
    pub(crate) fn now() -> Self {
        // The registry's own probe, so that these figures are the ones its memory-pressure
        // policy acts on (`MemTotal − MemAvailable` on Linux).
        let system = SystemMemory.usage();
        Self {
            process_resident_bytes: process_resident_bytes(),
            system_used_bytes: system.map(|usage| usage.used_bytes),
            system_total_bytes: system.map(|usage| usage.total_bytes),
        }
    }
}

/// The resident set size of this process: `VmRSS` of `/proc/self/status` on Linux, `None`
/// elsewhere or when it cannot be read.
///
/// `/proc/self/statm` has the same figure in pages, but turning pages into bytes needs the
/// page size (4 KiB on x86-64, often 16 or 64 KiB on arm64), which std does not expose
/// without `unsafe`; `status` states it in kB.
fn process_resident_bytes() -> Option<u64> {
    if !cfg!(target_os = "linux") {
        return None;
    }
    parse_vm_rss(&std::fs::read_to_string("/proc/self/status").ok()?)
}

fn parse_vm_rss(status: &str) -> Option<u64> {
    status.lines().find_map(|line| {
        let kib: u64 = line
            .strip_prefix("VmRSS:")?
            .trim()
            .strip_suffix("kB")?
            .trim()
            .parse()
            .ok()?;
        kib.checked_mul(1024)
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_vm_rss() {
        let status = "Name:\tx\nVmHWM:\t  9000 kB\nVmRSS:\t    8120 kB\nThreads:\t1\n";
        assert_eq!(parse_vm_rss(status), Some(8120 * 1024));
        assert_eq!(parse_vm_rss("VmRSS:\tlots kB\n"), None);
        assert_eq!(parse_vm_rss("Name:\tx\n"), None);
        assert_eq!(parse_vm_rss(&format!("VmRSS: {} kB", u64::MAX)), None);
    }

    #[test]
    fn reads_this_process_on_linux() {
        let report = MemoryReport::now();
        if cfg!(target_os = "linux") {
            assert!(report.process_resident_bytes.is_some_and(|rss| rss > 0));
            assert!(report.system_total_bytes.is_some());
        }
    }
}
