use cachekit::ttl_cached;

struct Report {
    lines: Vec<String>,
}

#[ttl_cached]
fn report(day: u32) -> Report {
    Report {
        lines: vec![day.to_string()],
    }
}

fn main() {
    let _ = report(1).lines;
}
