//! Loading the real request traces (ARC `.lis.zst`, LIRS `.trace.gz`) from a directory.
//!
//! The traces are read in place from the shared directory; they are never copied into
//! the repository.

use std::collections::HashSet;
use std::fs::File;
use std::io::{self, BufRead, BufReader, Cursor, Read};
use std::path::Path;

use ruzstd::decoding::{FrameDecoder, StreamingDecoder};

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Format {
    /// ARC: zstd-compressed lines `start length a b`, standing for `start..start+length`.
    Lis,
    /// LIRS: gzip-compressed, one integer key per line; lines starting with `*` skipped.
    Lirs,
}

/// A trace file and the cache capacities it is replayed at.
pub struct TraceSpec {
    pub file: &'static str,
    pub format: Format,
    pub capacities: &'static [usize],
}

const SMALL: &[usize] = &[100, 500, 1000];

pub const SPECS: &[TraceSpec] = &[
    spec("OLTP.lis.zst", Format::Lis, &[256, 512, 1000, 2000]),
    spec("P3.lis.zst", Format::Lis, &[10_000, 50_000, 100_000]),
    spec("loop.trace.gz", Format::Lirs, &[256, 512, 768]),
    spec("multi1.trace.gz", Format::Lirs, SMALL),
    spec("multi2.trace.gz", Format::Lirs, SMALL),
    spec("multi3.trace.gz", Format::Lirs, SMALL),
    spec("sprite.trace.gz", Format::Lirs, SMALL),
    spec("2_pools.trace.gz", Format::Lirs, SMALL),
    spec("zigzag.trace.gz", Format::Lirs, SMALL),
    spec("gli.trace.gz", Format::Lirs, SMALL),
    spec("cs.trace.gz", Format::Lirs, SMALL),
    spec("ps.trace.gz", Format::Lirs, SMALL),
    spec("scan.trace.gz", Format::Lirs, SMALL),
    spec("cpp.trace.gz", Format::Lirs, SMALL),
];

const fn spec(file: &'static str, format: Format, capacities: &'static [usize]) -> TraceSpec {
    TraceSpec {
        file,
        format,
        capacities,
    }
}

/// A decoded trace: its request keys in order.
pub struct Trace {
    /// The file name without its compression and format suffixes, e.g. `OLTP`.
    pub name: String,
    pub requests: Vec<u64>,
    pub distinct: usize,
    /// The spec's capacities below the trace's distinct key count.
    pub capacities: Vec<usize>,
    /// Capacities skipped because they are not below the distinct key count.
    pub skipped_capacities: Vec<usize>,
}

/// Loads every trace in `SPECS` present in `dir`, reading at most `limit` requests of
/// each. Returns the traces and one note per absent or unreadable file.
pub fn load_all(dir: &Path, limit: Option<usize>) -> (Vec<Trace>, Vec<String>) {
    let mut traces = Vec::new();
    let mut notes = Vec::new();
    for spec in SPECS {
        let path = dir.join(spec.file);
        if !path.is_file() {
            notes.push(format!(
                "skipped `{}`: not found in {}",
                spec.file,
                dir.display()
            ));
            continue;
        }
        match load(&path, spec.format, limit) {
            Ok(requests) => {
                let distinct = requests.iter().collect::<HashSet<_>>().len();
                let (capacities, skipped_capacities) =
                    spec.capacities.iter().partition(|&&c| c < distinct);
                traces.push(Trace {
                    name: spec.file.split('.').next().unwrap_or(spec.file).to_string(),
                    requests,
                    distinct,
                    capacities,
                    skipped_capacities,
                });
            }
            Err(e) => notes.push(format!("skipped `{}`: {e}", spec.file)),
        }
    }
    (traces, notes)
}

pub fn load(path: &Path, format: Format, limit: Option<usize>) -> io::Result<Vec<u64>> {
    let file = File::open(path)?;
    match format {
        Format::Lis => {
            let mut compressed = Vec::new();
            BufReader::new(file).read_to_end(&mut compressed)?;
            parse_lis(BufReader::new(ZstdFrames::new(compressed)), limit)
        }
        Format::Lirs => parse_lirs(
            BufReader::new(flate2::read::MultiGzDecoder::new(BufReader::new(file))),
            limit,
        ),
    }
}

/// Parses ARC `.lis` text: each line `start length ...` expands to `start..start+length`.
pub fn parse_lis(reader: impl BufRead, limit: Option<usize>) -> io::Result<Vec<u64>> {
    let limit = limit.unwrap_or(usize::MAX);
    let mut out = Vec::new();
    for (n, line) in reader.lines().enumerate() {
        let line = line?;
        let mut fields = line.split_whitespace();
        let Some(start) = fields.next() else { continue };
        let (start, len) = match (start.parse::<u64>(), fields.next().map(str::parse::<u64>)) {
            (Ok(s), Some(Ok(l))) => (s, l),
            _ => return Err(bad_line(n, &line)),
        };
        for key in start..start.saturating_add(len) {
            if out.len() >= limit {
                return Ok(out);
            }
            out.push(key);
        }
    }
    Ok(out)
}

/// Parses LIRS `.trace` text: one integer key per line; `*` lines and blank lines skipped.
pub fn parse_lirs(reader: impl BufRead, limit: Option<usize>) -> io::Result<Vec<u64>> {
    let limit = limit.unwrap_or(usize::MAX);
    let mut out = Vec::new();
    for (n, line) in reader.lines().enumerate() {
        if out.len() >= limit {
            break;
        }
        let line = line?;
        let t = line.trim();
        if t.is_empty() || t.starts_with('*') {
            continue;
        }
        // Keys are block numbers; a negative one is kept as its two's-complement bits.
        let key = t.parse::<i64>().map_err(|_| bad_line(n, &line))?;
        out.push(key as u64);
    }
    Ok(out)
}

fn bad_line(n: usize, line: &str) -> io::Error {
    io::Error::new(
        io::ErrorKind::InvalidData,
        format!("line {}: cannot parse {line:?}", n + 1),
    )
}

/// A reader over the concatenated output of every zstd frame in `data`.
struct ZstdFrames {
    decoder: Option<StreamingDecoder<Cursor<Vec<u8>>, FrameDecoder>>,
    rest: Option<Cursor<Vec<u8>>>,
}

impl ZstdFrames {
    fn new(data: Vec<u8>) -> Self {
        Self {
            decoder: None,
            rest: Some(Cursor::new(data)),
        }
    }
}

impl Read for ZstdFrames {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        loop {
            if let Some(dec) = &mut self.decoder {
                let n = dec.read(buf)?;
                if n > 0 || buf.is_empty() {
                    return Ok(n);
                }
                // This frame is done; continue with whatever input follows it.
                self.rest = self.decoder.take().map(StreamingDecoder::into_inner);
            }
            let Some(cursor) = self.rest.take() else {
                return Ok(0);
            };
            if cursor.position() >= cursor.get_ref().len() as u64 {
                return Ok(0);
            }
            self.decoder = Some(StreamingDecoder::new(cursor).map_err(io::Error::other)?);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn lis_lines_expand_to_ranges() {
        let text = "10 3 0 0\n\n7 1 0 1\n100 0 0 2\n";
        assert_eq!(
            parse_lis(text.as_bytes(), None).unwrap(),
            vec![10, 11, 12, 7]
        );
        assert_eq!(parse_lis(text.as_bytes(), Some(2)).unwrap(), vec![10, 11]);
        assert!(parse_lis("12 x 0 0\n".as_bytes(), None).is_err());
    }

    #[test]
    fn lirs_skips_star_and_blank_lines() {
        let text = "*\n5\n* a comment\n6\n\n5\n";
        assert_eq!(parse_lirs(text.as_bytes(), None).unwrap(), vec![5, 6, 5]);
        assert_eq!(parse_lirs(text.as_bytes(), Some(1)).unwrap(), vec![5]);
        assert!(parse_lirs("abc\n".as_bytes(), None).is_err());
    }
}
