use cachekit::ttl_cached;

struct Config {
    retries: u32,
}

impl Config {
    #[ttl_cached]
    fn with_retries(retries: u32) -> Self {
        Config { retries }
    }
}

fn main() {
    let _ = Config::with_retries(3).retries;
}
