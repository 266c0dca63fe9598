use cachekit::ttl_cached;

#[ttl_cached]
fn drain(items: &mut Vec<u32>) -> usize {
    items.drain(..).count()
}

fn main() {
    let _ = drain(&mut vec![1]);
}
