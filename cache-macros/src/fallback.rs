//! What the macros emit when the input is wrong: the errors, and the user's item as it was
//! written, so that the rest of the crate (and the IDE) still sees the function and its
//! callers keep compiling. Only the companions (`_uncached`, `_invalidate`, `_cache`) are
//! missing until the errors are fixed.

use proc_macro2::TokenStream;
use quote::ToTokens;
use syn::ItemFn;

/// The errors beside the unparsed item.
pub(crate) fn item(item: TokenStream, error: syn::Error) -> TokenStream {
    let mut tokens = error.into_compile_error();
    tokens.extend(item);
    tokens
}

/// The errors beside the function, unchanged.
pub(crate) fn function(function: &ItemFn, error: syn::Error) -> TokenStream {
    let mut tokens = error.into_compile_error();
    function.to_tokens(&mut tokens);
    tokens
}
