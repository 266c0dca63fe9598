use cachekit::ttl_cached;

struct Query {
    text: String,
}

#[ttl_cached]
fn run(query: Query, limit: usize) -> usize {
    query.text.len().min(limit)
}

fn main() {
    let _ = run(Query { text: "a".into() }, 1);
}
