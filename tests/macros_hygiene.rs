//! The generated code is hygienic: it names everything through `::cachekit::__private`,
//! `::core` and `::std`, so it compiles with lints that forbid needless qualification, with
//! a local `mod core {}`, with prelude names shadowed or absent (`#[no_implicit_prelude]`),
//! and with arguments named like the macro's own locals. The user's attributes, docs,
//! visibility, lifetimes, `where` clauses and `unsafe` survive.
#![deny(unused_qualifications, unsafe_op_in_unsafe_fn, warnings)]

use cachekit::{cached_method, ttl_cached};

/// A local `core`, as in async-trait's test: generated `::core::` paths must not see it.
#[allow(dead_code)]
mod core {}

/// A local `std` too.
#[allow(dead_code)]
mod std {}

#[ttl_cached]
fn clashing_names(key: u32, cache: u32, result: u32, handle: u32) -> u64 {
    u64::from(key + cache + result + handle)
}

#[ttl_cached(key = (__cachekit_key, __cachekit_handle))]
fn macro_local_names(__cachekit_key: u32, __cachekit_handle: u32, __cachekit_arg0: u32) -> u32 {
    __cachekit_key + __cachekit_handle + __cachekit_arg0
}

#[test]
fn arguments_named_like_the_macros_locals() {
    assert_eq!(clashing_names(1, 2, 3, 4), 10);
    assert_eq!(clashing_names(1, 2, 3, 4), 10);
    assert!(clashing_names_invalidate(1, 2, 3, 4));
    assert_eq!(macro_local_names(1, 2, 3), 6);
    assert_eq!(
        macro_local_names(1, 2, 100),
        6,
        "the key is (key, handle) only"
    );
}

/// Prelude names shadowed where the macro expands.
mod shadowed {
    #![allow(dead_code, non_snake_case, non_upper_case_globals)]
    use ::cachekit::ttl_cached;

    pub struct Vec;
    pub struct String;
    pub struct Box;
    pub struct Option;
    pub struct Duration;
    pub trait Clone {}
    pub trait Hash {}
    pub fn drop() {}
    pub const None: u8 = 0;
    pub fn Some() {}
    pub fn Ok() {}
    pub mod cachekit {}

    #[ttl_cached(ttl = "1m", max_size = 10, name = "macros-hygiene-shadowed")]
    pub fn shadowing(x: u32) -> ::std::string::String {
        ::std::format!("{x}")
    }

    #[ttl_cached]
    pub fn shadowing_result(x: u32) -> ::core::result::Result<u32, u8> {
        ::core::result::Result::Ok(x)
    }

    #[ttl_cached]
    pub fn shadowing_option(x: u32) -> ::core::option::Option<u32> {
        ::core::option::Option::Some(x)
    }
}

#[test]
fn prelude_names_shadowed() {
    assert_eq!(shadowed::shadowing(3), "3");
    assert_eq!(shadowed::shadowing_result(3), Ok(3));
    assert_eq!(shadowed::shadowing_option(3), Some(3));
    assert!(shadowed::shadowing_invalidate(3));
}

/// No prelude at all where the macro expands.
#[no_implicit_prelude]
mod without_prelude {
    use ::cachekit::{cached_method, ttl_cached};

    #[ttl_cached(ttl = 5)]
    pub fn bare(x: u32) -> u32 {
        x + 1
    }

    #[ttl_cached]
    pub async fn bare_async(x: u32) -> ::core::option::Option<u32> {
        ::core::option::Option::Some(x)
    }

    #[derive(Hash)]
    pub struct Thing(pub u32);

    impl Thing {
        #[cached_method]
        pub fn get(&self, y: u32) -> ::core::result::Result<u32, ()> {
            ::core::result::Result::Ok(self.0 + y)
        }
    }
}

#[test]
fn no_implicit_prelude() {
    assert_eq!(without_prelude::bare(1), 2);
    assert_eq!(common_block_on(without_prelude::bare_async(1)), Some(1));
    assert_eq!(without_prelude::Thing(1).get(2), Ok(3));
}

fn common_block_on<F: ::std::future::Future>(future: F) -> F::Output {
    let mut future = ::std::pin::pin!(future);
    let mut context = ::std::task::Context::from_waker(::std::task::Waker::noop());
    loop {
        if let ::std::task::Poll::Ready(value) = future.as_mut().poll(&mut context) {
            return value;
        }
    }
}

/// Attributes, docs, visibility, lifetimes, where clauses and `unsafe` are preserved.
pub mod preserved {
    use cachekit::ttl_cached;
    use std::hash::Hash;

    /// Documented.
    #[ttl_cached]
    #[must_use]
    #[inline]
    pub fn documented<'a>(first: &'a str, second: &'a str) -> usize {
        first.len() + second.len()
    }

    #[ttl_cached]
    pub(crate) fn with_where<T>(items: &[T]) -> u64
    where
        T: Copy + Into<u64> + Hash,
    {
        items.iter().map(|&item| item.into()).sum()
    }

    /// # Safety
    ///
    /// `divisor` must not be zero.
    #[ttl_cached]
    pub unsafe fn divide(dividend: u64, divisor: u64) -> u64 {
        dividend / divisor
    }

    #[ttl_cached]
    #[expect(clippy::too_many_arguments, reason = "testing that expect is carried")]
    pub fn many(a: u8, b: u8, c: u8, d: u8, e: u8, f: u8, g: u8, h: u8) -> u32 {
        [a, b, c, d, e, f, g, h].iter().map(|&x| u32::from(x)).sum()
    }

    #[ttl_cached]
    #[cfg(any())]
    pub fn configured_out(x: u8) -> u8 {
        x
    }

    #[ttl_cached]
    #[cfg(test)]
    pub fn configured_in(x: u8) -> u8 {
        x
    }

    #[ttl_cached]
    #[allow(unused_variables)]
    pub fn unused_argument(x: u8, y: u8) -> u8 {
        x
    }

    #[ttl_cached]
    #[deprecated(note = "testing that deprecated is carried")]
    pub fn old(x: u8) -> u8 {
        x
    }

    #[ttl_cached]
    #[doc(hidden)]
    pub fn hidden(x: u8) -> u8 {
        x
    }

    #[ttl_cached]
    pub extern "C" fn with_abi(x: u8) -> u8 {
        x
    }

    #[ttl_cached]
    pub fn r#type(r#in: u8) -> u8 {
        r#in
    }
}

#[test]
fn signatures_are_preserved() {
    assert_eq!(preserved::documented("ab", "c"), 3);
    assert_eq!(preserved::with_where(&[1_u8, 2, 3]), 6);
    // SAFETY: the divisor is not zero.
    assert_eq!(unsafe { preserved::divide(10, 2) }, 5);
    assert!(
        preserved::divide_invalidate(10, 2),
        "invalidate is safe to call"
    );
    // SAFETY: the divisor is not zero.
    assert_eq!(unsafe { preserved::divide_uncached(9, 3) }, 3);
    assert_eq!(preserved::many(1, 1, 1, 1, 1, 1, 1, 1), 8);
    assert_eq!(preserved::configured_in(1), 1);
    assert_eq!(preserved::unused_argument(1, 2), 1);
    #[allow(deprecated)]
    let old = preserved::old(4);
    assert_eq!(old, 4);
    assert_eq!(preserved::with_abi(5), 5);
    assert_eq!(preserved::hidden(5) + preserved::hidden_uncached(5), 10);
    assert_eq!(preserved::r#type(6), 6);
    assert_eq!(preserved::type_cache().len(), 1);
}

#[derive(Hash)]
struct Receiver;

impl Receiver {
    #[cached_method]
    fn method_names(&self, key: u8, cache: u8, result: u8) -> u8 {
        key + cache + result
    }
}

#[test]
fn method_arguments_named_like_the_macros_locals() {
    assert_eq!(Receiver.method_names(1, 2, 3), 6);
    assert!(Receiver.method_names_invalidate(1, 2, 3));
}
