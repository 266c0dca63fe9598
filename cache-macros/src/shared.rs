//! Generation for `#[ttl_cached(shared = "redis")]`: the same companions as a local cache,
//! backed by a two-tier `SharedTier` (the local `TtlCache` in front of Redis).
//!
//! What differs from the local expansion is the key: every process must compute the same
//! one, so the arguments are serialized (serde) into the tier's stable fingerprint instead
//! of being fed to the per-process `Hash`-based key hasher. Each argument passes through
//! `__private::redis::arg::<T>`, whose bound explains a type that is not `Serialize`; the
//! cached value's bound does the same for `Serialize + DeserializeOwned`.

use proc_macro2::{Span, TokenStream};
use quote::quote;
use syn::{Ident, Type};

use crate::expand::{config, docs, duration, local, subject, Attrs, Names};
use crate::validate::{Mode, Plan, RedisPlan};

/// Arguments per serialized tuple: serde implements `Serialize` for tuples of up to 16
/// elements, so longer argument lists nest.
const TUPLE_CHUNK: usize = 12;

/// Every generated item of a shared function.
pub(crate) fn generate(
    plan: &Plan,
    redis: &RedisPlan,
    names: &Names,
    attrs: &Attrs,
) -> TokenStream {
    let mut tokens = wrapper(plan, names, attrs);
    tokens.extend(crate::expand::uncached(plan, names, attrs));
    tokens.extend(invalidate(plan, names, attrs));
    tokens.extend(cache(plan, names, attrs));
    tokens.extend(handle(plan, redis, names, attrs));
    tokens
}

/// `let tier = ..; let key = ..;`: the tier and the stable key of these arguments.
fn key_prelude(plan: &Plan, names: &Names) -> TokenStream {
    let tier = local("__cachekit_tier");
    let key = local("__cachekit_key");
    let handle = &names.handle;
    let parts: Vec<TokenStream> = match &plan.key {
        Some(expr) => vec![quote!(::cachekit::__private::redis::arg(&(#expr)))],
        None => plan
            .args
            .iter()
            .map(|arg| {
                let (ident, ty) = (&arg.ident, &arg.ty);
                quote!(::cachekit::__private::redis::arg::<#ty>(&#ident))
            })
            .collect(),
    };
    let tuple = nest(&parts);
    quote! {
        let #tier = #handle();
        let #key = ::cachekit::__private::redis::key(#tier, &#tuple);
    }
}

/// `(a, b, ..)` with at most [`TUPLE_CHUNK`] elements per tuple level.
fn nest(parts: &[TokenStream]) -> TokenStream {
    if parts.len() <= TUPLE_CHUNK {
        return quote!((#(#parts,)*));
    }
    let chunks: Vec<TokenStream> = parts.chunks(TUPLE_CHUNK).map(nest).collect();
    nest(&chunks)
}

fn wrapper(plan: &Plan, names: &Names, attrs: &Attrs) -> TokenStream {
    let function = &plan.function;
    let vis = &function.vis;
    let wrapper_attrs = &attrs.wrapper;
    let mut sig = function.sig.clone();
    let arguments = crate::expand::arguments(plan);
    sig.inputs = syn::parse_quote!(#(#arguments),*);

    let (tier, key) = (local("__cachekit_tier"), local("__cachekit_key"));
    let prelude = key_prelude(plan, names);
    let uncached = &names.uncached;
    let idents = plan.args.iter().map(|arg| &arg.ident);
    let mut call = quote!(#uncached(#(#idents),*));
    if sig.unsafety.is_some() {
        call = quote!(unsafe { #call });
    }
    let returned = &plan.output.returned;
    let asynchronous = sig.asyncness.is_some();
    let function = match (asynchronous, plan.output.mode) {
        (false, Mode::Plain) => "get_or_compute",
        (false, Mode::Result) => "try_get_or_compute",
        (false, Mode::Option) => "get_or_compute_some",
        (true, Mode::Plain) => "get_or_compute_async",
        (true, Mode::Result) => "try_get_or_compute_async",
        (true, Mode::Option) => "get_or_compute_some_async",
    };
    let function = Ident::new(function, plan.output.span);
    let body = if asynchronous {
        quote!(::cachekit::__private::redis::#function::<#returned, _>(#tier, #key, #call).await)
    } else {
        quote!(::cachekit::__private::redis::#function::<#returned, _>(#tier, #key, || #call))
    };
    quote! {
        #(#wrapper_attrs)*
        #vis #sig {
            #prelude
            #body
        }
    }
}

/// `_invalidate(args) -> bool`: drops the value everywhere (Redis, this process's local
/// tier, and, through the invalidation channel, every other process's). Async for an async
/// function, so that the Redis round trip does not block an executor thread.
fn invalidate(plan: &Plan, names: &Names, attrs: &Attrs) -> TokenStream {
    let function = &plan.function;
    let vis = &function.vis;
    let companion_attrs = &attrs.companions;
    let ident = &names.invalidate;
    let arguments = crate::expand::arguments(plan);
    let prelude = key_prelude(plan, names);
    let (tier, key) = (local("__cachekit_tier"), local("__cachekit_key"));
    let doc = docs(
        &[format!(
            "Drops the cached result of {} for these arguments from Redis and from every \
             process's local tier. Returns whether this process had a live local entry.",
            subject(plan, names)
        )],
        function.sig.ident.span(),
    );
    let (asyncness, call) = if function.sig.asyncness.is_some() {
        (
            quote!(async),
            quote!(::cachekit::__private::redis::invalidate_async(#tier, #key).await),
        )
    } else {
        (
            TokenStream::new(),
            quote!(::cachekit::__private::redis::invalidate(#tier, #key)),
        )
    };
    quote! {
        #(#companion_attrs)*
        #doc
        #[allow(dead_code, unused_variables)]
        #vis #asyncness fn #ident (#(#arguments),*) -> bool {
            #prelude
            #call
        }
    }
}

/// `_cache()`: the two-tier cache, for its `stats()` (local and Redis figures), `clear()`.
fn cache(plan: &Plan, names: &Names, attrs: &Attrs) -> TokenStream {
    let vis = &plan.function.vis;
    let companion_attrs = &attrs.companions;
    let ident = &names.cache;
    let value = &plan.output.value;
    let handle = &names.handle;
    let doc = docs(
        &[format!(
            "The two-tier cache of {}: its local `TtlCache` (registered in \
             `cachekit::registry()`) in front of Redis.",
            subject(plan, names)
        )],
        plan.function.sig.ident.span(),
    );
    quote! {
        #(#companion_attrs)*
        #doc
        #[allow(dead_code)]
        #vis fn #ident () -> &'static ::cachekit::__private::redis::SharedTier<#value> {
            #handle()
        }
    }
}

/// The hidden function that owns the static tier and makes it on first use.
fn handle(plan: &Plan, redis: &RedisPlan, names: &Names, attrs: &Attrs) -> TokenStream {
    let companion_attrs = &attrs.companions;
    let ident = &names.handle;
    let value: &Type = &plan.output.value;
    let config = config(plan, names);
    let local_ttl = match &redis.local_ttl {
        Some(ttl) => {
            let duration = duration(ttl);
            quote!(::core::option::Option::Some(#duration))
        }
        None => quote!(::core::option::Option::None),
    };
    let lock = redis.lock;
    let slot = Ident::new("__CACHEKIT_TIER", Span::mixed_site());
    quote! {
        #(#companion_attrs)*
        #[doc(hidden)]
        #[inline]
        #[allow(dead_code)]
        fn #ident () -> &'static ::cachekit::__private::redis::SharedTier<#value> {
            static #slot: ::cachekit::__private::redis::TierSlot<#value> =
                ::cachekit::__private::redis::TierSlot::new();
            #slot.tier(|| ::cachekit::__private::redis::TierConfig {
                config: #config,
                local_ttl: #local_ttl,
                lock: #lock,
            })
        }
    }
}
