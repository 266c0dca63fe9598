use cachekit::cached_method;

#[derive(Hash)]
struct Counter {
    count: u64,
}

impl Counter {
    #[cached_method]
    fn bump(&mut self, by: u64) -> u64 {
        self.count += by;
        self.count
    }
}

fn main() {
    let _ = Counter { count: 0 }.bump(1);
}
