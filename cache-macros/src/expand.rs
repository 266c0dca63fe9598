//! The pipeline (parse → validate → generate) and the generation step.
//!
//! For `#[ttl_cached] fn price(sku: &str, qty: u32) -> u64 { body }` the output is:
//!
//! * `price_uncached`: the user's function, renamed, its body quoted here and only here;
//! * `price`: same signature, hashes the arguments into a key and calls
//!   `get_or_insert_with(.., || price_uncached(sku, qty))` (or the `Result`, `Option` or
//!   async form);
//! * `price_invalidate(sku, qty) -> bool` and `price_cache()`;
//! * a hidden `__cachekit_handle_price()` holding the function's static slot, which the
//!   other three share.
//!
//! For a method the companions are associated functions and are called through `Self::`.
//! Everything reaches the runtime through `::cachekit::__private`, std through `::core` /
//! `::std`, and the locals the macro introduces have `Span::mixed_site()`, so user
//! arguments named `key`, `cache`, `result` or `__cachekit_key` cannot clash.

use proc_macro2::{Span, TokenStream, TokenTree};
use quote::{format_ident, quote, quote_spanned, ToTokens};
use syn::ext::IdentExt;
use syn::spanned::Spanned;
use syn::{parse_quote, Attribute, GenericParam, Generics, Ident, Meta, WhereClause};

use crate::fallback;
use crate::parse::{self, Kind};
use crate::shared;
use crate::validate::{self, Errors, MaxSize, Mode, Plan, ReceiverKind, SelfHash, Ttl};

/// The whole pipeline, for either attribute.
pub(crate) fn expand(kind: Kind, args: TokenStream, item: TokenStream) -> TokenStream {
    let mut errors = Errors::default();
    let options = parse::options(kind, args, &mut errors);
    let function = match parse::function(kind, item.clone()) {
        Ok(function) => function,
        Err(error) => {
            let error = match errors.finish() {
                Ok(()) => error,
                Err(mut earlier) => {
                    earlier.combine(error);
                    earlier
                }
            };
            return fallback::item(item, error);
        }
    };
    match validate::plan(kind, options, &function, errors) {
        Ok(plan) => generate(&plan),
        Err(error) => fallback::function(&function, error),
    }
}

/// The names of the generated items.
pub(crate) struct Names {
    /// The function's name as written (for messages and the registry name).
    pub(crate) plain: String,
    pub(crate) uncached: Ident,
    pub(crate) invalidate: Ident,
    pub(crate) cache: Ident,
    pub(crate) handle: Ident,
}

impl Names {
    fn new(ident: &Ident) -> Self {
        let span = ident.span();
        Self {
            plain: ident.unraw().to_string(),
            uncached: format_ident!("{}_uncached", ident, span = span),
            invalidate: format_ident!("{}_invalidate", ident, span = span),
            cache: format_ident!("{}_cache", ident, span = span),
            handle: format_ident!("__cachekit_handle_{}", ident, span = span),
        }
    }
}

/// The user's attributes, sorted by the generated items they belong on.
pub(crate) struct Attrs {
    /// The memoized function: all of them, with `expect` turned into `allow` (the lint it
    /// expects fires in the body, which is in `_uncached`).
    pub(crate) wrapper: Vec<Attribute>,
    /// `_uncached`, which holds the body: `cfg`, `doc(hidden)`, lint levels, `must_use`,
    /// `target_feature`.
    pub(crate) uncached: Vec<Attribute>,
    /// The other companions: `cfg`, `doc(hidden)`, and lint levels as `allow`.
    pub(crate) companions: Vec<Attribute>,
}

impl Attrs {
    fn split(attrs: &[Attribute]) -> Self {
        let mut split = Attrs {
            wrapper: Vec::new(),
            uncached: Vec::new(),
            companions: Vec::new(),
        };
        for attr in attrs {
            let path = attr.path();
            let is = |name: &str| path.is_ident(name);
            let hidden = is("doc")
                && matches!(&attr.meta, Meta::List(list) if list.tokens.to_string() == "hidden");
            if hidden || is("cfg") || is("allow") || is("warn") || is("deny") || is("forbid") {
                split.wrapper.push(attr.clone());
                split.uncached.push(attr.clone());
                split.companions.push(attr.clone());
            } else if is("expect") {
                let allow = as_allow(attr);
                split.wrapper.push(allow.clone());
                split.uncached.push(attr.clone());
                split.companions.push(allow);
            } else if is("must_use") || is("target_feature") {
                split.wrapper.push(attr.clone());
                split.uncached.push(attr.clone());
            } else {
                split.wrapper.push(attr.clone());
            }
        }
        split
    }
}

/// `#[expect(lint, reason = "..")]` as `#[allow(lint, reason = "..")]`.
fn as_allow(attr: &Attribute) -> Attribute {
    let mut allow = attr.clone();
    if let Meta::List(list) = &mut allow.meta {
        list.path = Ident::new("allow", list.path.span()).into();
    }
    allow
}

fn generate(plan: &Plan) -> TokenStream {
    let names = Names::new(&plan.function.sig.ident);
    let attrs = Attrs::split(&plan.function.attrs);
    if let Some(redis) = &plan.redis {
        return shared::generate(plan, redis, &names, &attrs);
    }
    let mut tokens = TokenStream::new();
    wrapper(plan, &names, &attrs).to_tokens(&mut tokens);
    uncached(plan, &names, &attrs).to_tokens(&mut tokens);
    invalidate(plan, &names, &attrs).to_tokens(&mut tokens);
    cache(plan, &names, &attrs).to_tokens(&mut tokens);
    handle(plan, &names, &attrs).to_tokens(&mut tokens);
    tokens
}

/// The locals of generated bodies: mixed-site, so invisible to (and unshadowable by) the
/// user's tokens.
pub(crate) fn local(name: &str) -> Ident {
    Ident::new(name, Span::mixed_site())
}

/// `::<T, N>` for the function's type and const parameters, or nothing.
fn turbofish(plan: &Plan) -> TokenStream {
    let params: Vec<&Ident> = plan
        .function
        .sig
        .generics
        .params
        .iter()
        .filter_map(|param| match param {
            GenericParam::Type(param) => Some(&param.ident),
            GenericParam::Const(param) => Some(&param.ident),
            GenericParam::Lifetime(_) => None,
        })
        .collect();
    if params.is_empty() {
        TokenStream::new()
    } else {
        quote!(::<#(#params),*>)
    }
}

/// How to call one of the companions: `name::<T>` or `Self::name::<T>`.
fn companion_path(plan: &Plan, name: &Ident) -> TokenStream {
    let turbofish = turbofish(plan);
    match plan.kind {
        Kind::Function => quote!(#name #turbofish),
        Kind::Method => quote!(Self::#name #turbofish),
    }
}

/// The where clause of the generated functions other than `_uncached`: the user's, plus
/// `T: 'static` for each type parameter and `Self: 'static` for a method. A cache per
/// instantiation is found by `TypeId`, which needs `'static` types, and so does a cached
/// value.
fn where_clause(plan: &Plan) -> Option<WhereClause> {
    let mut clause = plan
        .function
        .sig
        .generics
        .where_clause
        .clone()
        .unwrap_or_else(|| parse_quote!(where));
    if plan.kind == Kind::Method {
        clause.predicates.push(parse_quote!(Self: 'static));
    }
    for param in &plan.type_params {
        // Re-spanned at the call site: the bound is the macro's, not the user's (lints such
        // as clippy's `multiple_bound_locations` must not blame the user for it).
        let mut param = param.clone();
        param.set_span(Span::call_site());
        clause.predicates.push(parse_quote!(#param: 'static));
    }
    (!clause.predicates.is_empty()).then_some(clause)
}

/// The function's generics without the lifetimes that no bound mentions: for the
/// argument-less `_cache()` and the handle function, where such a lifetime would be unused.
fn generics_without_free_lifetimes(generics: &Generics) -> Generics {
    let mut mentioned = Vec::new();
    for param in &generics.params {
        match param {
            GenericParam::Type(param) => collect_lifetimes(param.to_token_stream(), &mut mentioned),
            GenericParam::Const(param) => {
                collect_lifetimes(param.to_token_stream(), &mut mentioned)
            }
            GenericParam::Lifetime(_) => {}
        }
    }
    if let Some(clause) = &generics.where_clause {
        collect_lifetimes(clause.to_token_stream(), &mut mentioned);
    }
    let mut trimmed = generics.clone();
    trimmed.params = generics
        .params
        .iter()
        .filter(|param| match param {
            GenericParam::Lifetime(param) => mentioned.contains(&param.lifetime.ident.to_string()),
            _ => true,
        })
        .cloned()
        .collect();
    trimmed
}

fn collect_lifetimes(tokens: TokenStream, into: &mut Vec<String>) {
    let mut apostrophe = false;
    for tree in tokens {
        match tree {
            TokenTree::Group(group) => collect_lifetimes(group.stream(), into),
            TokenTree::Punct(punct) => apostrophe = punct.as_char() == '\'',
            TokenTree::Ident(ident) => {
                if apostrophe {
                    into.push(ident.to_string());
                }
                apostrophe = false;
            }
            TokenTree::Literal(_) => apostrophe = false,
        }
    }
}

/// The statements that feed the key hasher `key` (receiver, const parameters, then the
/// `key` expression or every argument); `in_invalidate` when `self` is `&self` there.
fn key_statements(plan: &Plan, key: &Ident, in_invalidate: bool) -> TokenStream {
    let mut statements = TokenStream::new();
    if let Some(receiver) = &plan.receiver {
        match &receiver.hash {
            SelfHash::Whole => {
                let self_span = receiver.receiver.self_token.span;
                let self_type = quote_spanned!(self_span=> Self);
                let value = match (in_invalidate, receiver.kind) {
                    (true, _) | (false, ReceiverKind::Ref) => quote!(self),
                    (false, ReceiverKind::Value) => quote!(&self),
                    (false, ReceiverKind::Typed) => quote!(&*self),
                };
                statements.extend(quote! {
                    ::cachekit::__private::hash_self::<#self_type>(#value, &mut #key);
                });
            }
            SelfHash::Expr(expr) => statements.extend(quote! {
                ::cachekit::__private::hash_arg(&(#expr), &mut #key);
            }),
            SelfHash::Shared => {}
        }
    }
    for (ident, ty) in &plan.const_params {
        statements.extend(quote! {
            ::cachekit::__private::hash_arg::<#ty>(&#ident, &mut #key);
        });
    }
    match &plan.key {
        Some(expr) => statements.extend(quote! {
            ::cachekit::__private::hash_arg(&(#expr), &mut #key);
        }),
        None => {
            for arg in &plan.args {
                let (ident, ty) = (&arg.ident, &arg.ty);
                statements.extend(quote! {
                    ::cachekit::__private::hash_arg::<#ty>(&#ident, &mut #key);
                });
            }
        }
    }
    statements
}

/// `let handle = ..; let mut key = ..; <hash the key>`, shared by the memoized function
/// and `_invalidate`.
fn key_prelude(plan: &Plan, names: &Names, in_invalidate: bool) -> TokenStream {
    let handle = local("__cachekit_handle");
    let key = local("__cachekit_key");
    let handle_call = companion_path(plan, &names.handle);
    let statements = key_statements(plan, &key, in_invalidate);
    let mutability = if statements.is_empty() {
        None
    } else {
        Some(quote!(mut))
    };
    quote! {
        let #handle = #handle_call();
        let #mutability #key = ::cachekit::__private::Handle::key_hasher(#handle);
        #statements
    }
}

/// The argument list of the memoized function and `_invalidate`: the user's, with each
/// pattern replaced by its binding (without `mut`: these functions only pass it on).
pub(crate) fn arguments(plan: &Plan) -> Vec<TokenStream> {
    plan.args
        .iter()
        .map(|arg| {
            let (attrs, ident, ty) = (&arg.attrs, &arg.ident, &arg.ty);
            quote!(#(#attrs)* #ident: #ty)
        })
        .collect()
}

/// The memoized function: the user's signature, a body that goes through the cache.
fn wrapper(plan: &Plan, names: &Names, attrs: &Attrs) -> TokenStream {
    let function = &plan.function;
    let vis = &function.vis;
    let wrapper_attrs = &attrs.wrapper;
    let mut sig = function.sig.clone();
    let receiver = plan.receiver.as_ref().map(|receiver| {
        let mut receiver = receiver.receiver.clone();
        if receiver.reference.is_none() {
            receiver.mutability = None;
        }
        receiver
    });
    let arguments = arguments(plan);
    sig.inputs = match &receiver {
        Some(receiver) => parse_quote!(#receiver, #(#arguments),*),
        None => parse_quote!(#(#arguments),*),
    };
    sig.generics.where_clause = where_clause(plan);

    let handle = local("__cachekit_handle");
    let key = local("__cachekit_key");
    let prelude = key_prelude(plan, names, false);
    let uncached = companion_path(plan, &names.uncached);
    let idents = plan.args.iter().map(|arg| &arg.ident);
    let mut call = match plan.kind {
        Kind::Function => quote!(#uncached(#(#idents),*)),
        Kind::Method => quote!(#uncached(self, #(#idents),*)),
    };
    if sig.unsafety.is_some() {
        call = quote!(unsafe { #call });
    }
    // The turbofish carries the user's return type, so that an error about it (not
    // `Clone`, not `Send`, a `Result` that is not `core::result::Result`) points there.
    let returned = &plan.output.returned;
    let function = match (sig.asyncness.is_some(), plan.output.mode) {
        (false, Mode::Plain) => "get_or_insert_with",
        (false, Mode::Result) => "try_get_or_insert_with",
        (false, Mode::Option) => "get_or_insert_some",
        (true, Mode::Plain) => "get_or_insert_with_async",
        (true, Mode::Result) => "try_get_or_insert_with_async",
        (true, Mode::Option) => "get_or_insert_some_async",
    };
    let function = Ident::new(function, plan.output.span);
    let body = if sig.asyncness.is_some() {
        quote! {
            ::cachekit::__private::#function::<#returned, _>(#handle, #key, #call).await
        }
    } else {
        quote! {
            ::cachekit::__private::#function::<#returned, _>(#handle, #key, || #call)
        }
    };
    quote! {
        #(#wrapper_attrs)*
        #vis #sig {
            #prelude
            #body
        }
    }
}

/// `#[doc = ..]` attributes, one per line, spanned at the user's function name: lints such
/// as clippy's `missing_safety_doc` skip attributes that come from a macro expansion, and
/// would then see an undocumented function.
pub(crate) fn docs(lines: &[String], span: Span) -> TokenStream {
    lines
        .iter()
        .map(|line| {
            let text = syn::LitStr::new(&format!(" {line}"), span);
            quote_spanned!(span=> #[doc = #text])
        })
        .collect()
}

/// How generated docs refer to the memoized function.
pub(crate) fn subject(plan: &Plan, names: &Names) -> String {
    match plan.kind {
        Kind::Function => format!("`{}`", names.plain),
        Kind::Method => format!("`Self::{}`", names.plain),
    }
}

/// The user's function under the name `_uncached`: the one place its body is quoted.
pub(crate) fn uncached(plan: &Plan, names: &Names, attrs: &Attrs) -> TokenStream {
    let function = &plan.function;
    let vis = &function.vis;
    let uncached_attrs = &attrs.uncached;
    let mut sig = function.sig.clone();
    sig.ident = names.uncached.clone();
    let block = &function.block;
    let mut lines = vec![format!(
        "Runs the body of {} without its cache: nothing is looked up or stored.",
        subject(plan, names)
    )];
    if sig.unsafety.is_some() {
        lines.extend([
            String::new(),
            "# Safety".to_string(),
            String::new(),
            format!("The same contract as {}.", subject(plan, names)),
        ]);
    }
    let doc = docs(&lines, function.sig.ident.span());
    quote! {
        #(#uncached_attrs)*
        #doc
        #[allow(dead_code)]
        #vis #sig #block
    }
}

/// `_invalidate(args) -> bool`: drops the entry those arguments would hit.
fn invalidate(plan: &Plan, names: &Names, attrs: &Attrs) -> TokenStream {
    let function = &plan.function;
    let vis = &function.vis;
    let companion_attrs = &attrs.companions;
    let ident = &names.invalidate;
    let generics = &function.sig.generics;
    let where_clause = where_clause(plan);
    let arguments = arguments(plan);
    let receiver = plan.receiver.as_ref().map(|_| quote!(&self,));
    let prelude = key_prelude(plan, names, true);
    let (handle, key) = (local("__cachekit_handle"), local("__cachekit_key"));
    let doc = docs(
        &[format!(
            "Drops the cached result of {} for these arguments. Returns whether a live entry \
             was there.",
            subject(plan, names)
        )],
        function.sig.ident.span(),
    );
    quote! {
        #(#companion_attrs)*
        #doc
        #[allow(dead_code, unused_variables)]
        #vis fn #ident #generics (#receiver #(#arguments),*) -> bool #where_clause {
            #prelude
            ::cachekit::__private::invalidate(#handle, #key)
        }
    }
}

/// `_cache()`: the cache itself, for `stats()`, `len()`, `clear()`.
fn cache(plan: &Plan, names: &Names, attrs: &Attrs) -> TokenStream {
    let vis = &plan.function.vis;
    let companion_attrs = &attrs.companions;
    let ident = &names.cache;
    let generics = generics_without_free_lifetimes(&plan.function.sig.generics);
    let where_clause = where_clause(plan);
    let value = &plan.output.value;
    let handle_call = companion_path(plan, &names.handle);
    let doc = docs(
        &[format!(
            "The cache of {}, registered in `cachekit::registry()`: its `stats()`, `len()`, \
             `clear()` and the rest of `TtlCache`'s API.",
            subject(plan, names)
        )],
        plan.function.sig.ident.span(),
    );
    quote! {
        #(#companion_attrs)*
        #doc
        #[allow(dead_code)]
        #vis fn #ident #generics () -> &'static ::cachekit::__private::FnCache<#value>
            #where_clause
        {
            ::cachekit::__private::Handle::cache(#handle_call())
        }
    }
}

/// The hidden function that owns the static slot and makes the cache on first use.
fn handle(plan: &Plan, names: &Names, attrs: &Attrs) -> TokenStream {
    let companion_attrs = &attrs.companions;
    let ident = &names.handle;
    let generics = generics_without_free_lifetimes(&plan.function.sig.generics);
    let where_clause = where_clause(plan);
    let value = &plan.output.value;
    let type_params = &plan.type_params;
    let instance = match plan.kind {
        Kind::Function => quote!((#(::core::marker::PhantomData<#type_params>,)*)),
        Kind::Method => quote! {
            (::core::marker::PhantomData<Self>, #(::core::marker::PhantomData<#type_params>,)*)
        },
    };
    let config = config(plan, names);
    let slot = Ident::new("__CACHEKIT_SLOT", Span::mixed_site());
    quote! {
        #(#companion_attrs)*
        #[doc(hidden)]
        #[inline]
        #[allow(dead_code)]
        fn #ident #generics () -> &'static ::cachekit::__private::Handle<#value> #where_clause {
            static #slot: ::cachekit::__private::Slot = ::cachekit::__private::Slot::new();
            #slot.handle::<#instance, #value>(|| #config)
        }
    }
}

/// The `Config` literal: the options, evaluated once, when the cache is made.
pub(crate) fn config(plan: &Plan, names: &Names) -> TokenStream {
    let function = &names.plain;
    let name = match &plan.name {
        Some(expr) => quote! {
            ::core::option::Option::Some(::std::string::String::from(#expr))
        },
        None => quote!(::core::option::Option::None),
    };
    let self_type = match plan.kind {
        Kind::Method => quote!(::core::option::Option::Some(
            ::core::any::type_name::<Self>()
        )),
        Kind::Function => quote!(::core::option::Option::None),
    };
    let type_params = &plan.type_params;
    let type_args = if type_params.is_empty() {
        quote!(::std::vec::Vec::new())
    } else {
        quote!(::std::vec![#(::core::any::type_name::<#type_params>()),*])
    };
    let max_size = match &plan.max_size {
        Some(MaxSize::Literal(value)) => {
            let literal = proc_macro2::Literal::usize_suffixed(*value);
            quote!(::core::option::Option::Some(#literal))
        }
        Some(MaxSize::Expr(expr)) => {
            let check = Ident::new("max_size", expr.span());
            quote!(::core::option::Option::Some(::cachekit::__private::#check(#expr)))
        }
        None => quote!(::core::option::Option::None),
    };
    let ttl = match &plan.ttl {
        Some(ttl) => {
            let duration = duration(ttl);
            quote!(::core::option::Option::Some(#duration))
        }
        None => quote!(::core::option::Option::None),
    };
    quote! {
        ::cachekit::__private::Config {
            name: #name,
            self_type: #self_type,
            type_args: #type_args,
            max_size: #max_size,
            ttl: #ttl,
            ..::cachekit::__private::Config::new(::core::module_path!(), #function)
        }
    }
}

/// A `Duration` expression for a checked time to live: a literal, or the user's expression
/// through `__private::ttl`, whose bound explains a value that is not a `Duration`.
pub(crate) fn duration(ttl: &Ttl) -> TokenStream {
    match ttl {
        Ttl::Literal { secs, nanos: 0 } => quote!(::core::time::Duration::from_secs(#secs)),
        Ttl::Literal { secs, nanos } => quote!(::core::time::Duration::new(#secs, #nanos)),
        Ttl::Expr(expr) => {
            let check = Ident::new("ttl", expr.span());
            quote!(::cachekit::__private::#check(#expr))
        }
    }
}
