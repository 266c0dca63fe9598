use cachekit::ttl_cached;

#[ttl_cached]
fn first_word(text: &str) -> &str {
    text.split(' ').next().unwrap_or("")
}

#[ttl_cached]
fn words<'a>(text: &'a str) -> Vec<std::borrow::Cow<'a, str>> {
    text.split(' ').map(Into::into).collect()
}

fn main() {
    let _ = first_word("a b");
    let _ = words("a b");
}
