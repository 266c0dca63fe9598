//! Validation: from the parsed options and function to a [`Plan`] that `expand` can
//! generate code from without any further checks, or to every error at once.
//!
//! Like serde's `Ctxt`, [`Errors`] collects each problem with the span of the offending
//! token and merges them with `syn::Error::combine`, so one compile shows them all.

use std::fmt::Display;

use proc_macro2::Span;
use quote::ToTokens;
use syn::ext::IdentExt;
use syn::spanned::Spanned;
use syn::{
    parse_quote, Expr, ExprLit, ExprUnary, FnArg, GenericArgument, GenericParam, Ident, ItemFn,
    Lit, Pat, PathArguments, Receiver, ReturnType, Type, TypeParamBound, UnOp,
};

use crate::parse::{Kind, Opt, Options};

/// Every error found so far.
#[derive(Default)]
pub(crate) struct Errors {
    combined: Option<syn::Error>,
}

impl Errors {
    /// An error spanning `tokens` (all of them, where the compiler can show a range).
    pub(crate) fn error(&mut self, tokens: impl ToTokens, message: impl Display) {
        self.push(syn::Error::new_spanned(tokens, message));
    }

    pub(crate) fn push(&mut self, error: syn::Error) {
        match &mut self.combined {
            Some(combined) => combined.combine(error),
            None => self.combined = Some(error),
        }
    }

    pub(crate) fn finish(self) -> syn::Result<()> {
        match self.combined {
            Some(error) => Err(error),
            None => Ok(()),
        }
    }
}

/// Everything `expand` needs, checked.
pub(crate) struct Plan {
    pub(crate) kind: Kind,
    /// The user's function, untouched.
    pub(crate) function: ItemFn,
    pub(crate) ttl: Option<Ttl>,
    pub(crate) max_size: Option<MaxSize>,
    pub(crate) name: Option<Expr>,
    /// `key = ..`: hashed instead of the arguments.
    pub(crate) key: Option<Expr>,
    pub(crate) receiver: Option<ReceiverPlan>,
    pub(crate) output: Output,
    pub(crate) args: Vec<Arg>,
    /// The function's type parameters: each instantiation gets its own cache.
    pub(crate) type_params: Vec<Ident>,
    /// The function's const parameters, hashed into the key with their types.
    pub(crate) const_params: Vec<(Ident, Type)>,
    /// `shared = "redis"`: a Redis tier behind the local cache.
    pub(crate) redis: Option<RedisPlan>,
}

/// The options of a function with `shared = "redis"`.
pub(crate) struct RedisPlan {
    /// `local_ttl`: how long the local tier keeps a value (the `ttl` otherwise).
    pub(crate) local_ttl: Option<Ttl>,
    /// `shared_lock`: one process computes a missing key while the others wait for it.
    pub(crate) lock: bool,
}

/// The `ttl` option.
pub(crate) enum Ttl {
    /// A literal, checked here: whole seconds and nanoseconds.
    Literal { secs: u64, nanos: u32 },
    /// Any other expression, which must be a `Duration`.
    Expr(Expr),
}

/// The `max_size` option.
pub(crate) enum MaxSize {
    /// A literal, checked here.
    Literal(usize),
    /// Any other expression, which must be a `usize`.
    Expr(Expr),
}

/// How the return value is cached.
#[derive(Clone, Copy, PartialEq, Eq)]
pub(crate) enum Mode {
    /// Every value.
    Plain,
    /// `Ok` values only.
    Result,
    /// `Some` values only.
    Option,
}

pub(crate) struct Output {
    pub(crate) mode: Mode,
    /// The function's return type (`()` if none is written).
    pub(crate) returned: Type,
    /// Where errors about the return type point: the type, or the function's name when
    /// it returns `()` implicitly.
    pub(crate) span: Span,
    /// The type the cache stores.
    pub(crate) value: Type,
}

/// What kind of `self` a method takes.
#[derive(Clone, Copy, PartialEq, Eq)]
pub(crate) enum ReceiverKind {
    /// `&self`, `&'a self`.
    Ref,
    /// `self`, `mut self`.
    Value,
    /// `self: Box<Self>`, `self: Arc<Self>`, `self: &Self`, ...
    Typed,
}

pub(crate) struct ReceiverPlan {
    pub(crate) kind: ReceiverKind,
    pub(crate) receiver: Receiver,
    pub(crate) hash: SelfHash,
}

/// What of `self` goes into the key.
pub(crate) enum SelfHash {
    /// All of it (`Self: Hash`).
    Whole,
    /// `self_key = ..`.
    Expr(Expr),
    /// Nothing: `shared = true`.
    Shared,
}

/// An argument, as the generated functions take it.
pub(crate) struct Arg {
    /// The attributes on the argument (`#[cfg]`, ...).
    pub(crate) attrs: Vec<syn::Attribute>,
    /// The binding: the user's identifier for a plain `name: Type` (without `mut`), a
    /// fresh `__cachekit_argN` for any other pattern.
    pub(crate) ident: Ident,
    pub(crate) ty: Box<Type>,
}

/// Checks everything, collecting every error into `errors`.
pub(crate) fn plan(
    kind: Kind,
    options: Options,
    function: &ItemFn,
    mut errors: Errors,
) -> syn::Result<Plan> {
    let ttl = options
        .ttl
        .as_ref()
        .and_then(|opt| time_to_live(opt, &mut errors));
    let max_size = options
        .max_size
        .as_ref()
        .and_then(|opt| max_size(opt, &mut errors));
    let name = options.name.as_ref().and_then(|opt| name(opt, &mut errors));
    let key = options
        .key
        .as_ref()
        .and_then(|opt| required(opt, "an expression over the arguments", &mut errors));
    let cache_err = options
        .cache_err
        .as_ref()
        .map(|opt| (opt, flag(opt, &mut errors)));
    let cache_none = options
        .cache_none
        .as_ref()
        .map(|opt| (opt, flag(opt, &mut errors)));
    let (shared, redis_tier) = match kind {
        Kind::Method => (
            options
                .shared
                .as_ref()
                .map(|opt| (opt, method_shared(opt, &mut errors))),
            false,
        ),
        Kind::Function => (
            None,
            options
                .shared
                .as_ref()
                .is_some_and(|opt| function_shared(opt, &mut errors)),
        ),
    };
    let local_ttl = options
        .local_ttl
        .as_ref()
        .and_then(|opt| time_to_live(opt, &mut errors));
    let shared_lock = options
        .shared_lock
        .as_ref()
        .map(|opt| (opt, flag(opt, &mut errors)));
    if options.shared.is_none() {
        for opt in [&options.local_ttl, &options.shared_lock]
            .into_iter()
            .flatten()
        {
            errors.error(
                &opt.key,
                format!(
                    "`{}` configures the shared tier, and this function has none: add \
                     `shared = \"redis\"`",
                    opt.key
                ),
            );
        }
    }
    if let (
        Some(Ttl::Literal { secs, nanos }),
        Some(Ttl::Literal {
            secs: local_secs,
            nanos: local_nanos,
        }),
    ) = (&ttl, &local_ttl)
    {
        if (local_secs, local_nanos) > (secs, nanos) {
            if let Some(opt) = &options.local_ttl {
                errors.error(
                    opt.value.as_ref().unwrap_or_else(|| unreachable!()),
                    "`local_ttl` is longer than `ttl`: the local tier would keep values that \
                     Redis has already expired; make it at most `ttl`",
                );
            }
        }
    }
    let self_key = options
        .self_key
        .as_ref()
        .and_then(|opt| required(opt, "an expression over `self`", &mut errors));

    let sig = &function.sig;
    if let Some(constness) = &sig.constness {
        errors.error(
            constness,
            format!(
                "{} cannot cache a `const fn`: a cache lives at run time, while a const call \
                 must be evaluable at compile time; remove `const`",
                kind.attribute()
            ),
        );
    }
    if let Some(variadic) = &sig.variadic {
        errors.error(
            variadic,
            format!("{} cannot cache a variadic function", kind.attribute()),
        );
    }

    let mut receiver_plan = None;
    let mut args = Vec::new();
    for (index, input) in sig.inputs.iter().enumerate() {
        match input {
            FnArg::Receiver(receiver) => {
                receiver_plan =
                    receiver_kind(kind, receiver, &mut errors).map(|kind| ReceiverPlan {
                        kind,
                        receiver: receiver.clone(),
                        hash: SelfHash::Whole,
                    });
            }
            FnArg::Typed(arg) => {
                check_argument_type(&arg.ty, &mut errors);
                let ident = match &*arg.pat {
                    Pat::Ident(pat) if pat.by_ref.is_none() && pat.subpat.is_none() => {
                        pat.ident.clone()
                    }
                    _ => Ident::new(&format!("__cachekit_arg{index}"), Span::mixed_site()),
                };
                args.push(Arg {
                    attrs: arg.attrs.clone(),
                    ident,
                    ty: arg.ty.clone(),
                });
            }
        }
    }
    let has_receiver = sig
        .inputs
        .iter()
        .any(|arg| matches!(arg, FnArg::Receiver(_)));
    if kind == Kind::Function && !has_receiver {
        if let Some(self_type) = find_self_type(sig) {
            errors.error(
                self_type,
                "#[ttl_cached] is for free functions, and this one mentions `Self`, so it is an \
                 associated function: its companions would be called without `Self::`; make \
                 it a free function, or a method taking `&self` with #[cached_method]",
            );
        }
    }
    if kind == Kind::Method && !has_receiver {
        errors.error(
            &sig.ident,
            "#[cached_method] applies to methods that take `self`, and this function has \
             none: use #[ttl_cached] for a free function",
        );
    }

    // The receiver's part of the key.
    let shared_on = shared.as_ref().is_some_and(|(_, on)| *on);
    if let (Some(_), Some((shared_opt, true))) = (&self_key, &shared) {
        errors.error(
            &shared_opt.key,
            "`shared = true` leaves `self` out of the key, so it conflicts with `self_key`: \
             keep `self_key = ..` to key entries by part of `self`, or `shared = true` to \
             share them between all instances",
        );
    }
    if let Some(plan) = &mut receiver_plan {
        plan.hash = match (self_key, shared_on) {
            (Some(expr), false) => SelfHash::Expr(expr),
            (None, true) => SelfHash::Shared,
            _ => SelfHash::Whole,
        };
    }

    let output = output(
        &sig.ident,
        &sig.output,
        cache_err.as_ref(),
        cache_none.as_ref(),
        &mut errors,
    );

    let mut type_params = Vec::new();
    let mut const_params = Vec::new();
    for param in &sig.generics.params {
        match param {
            GenericParam::Type(param) => type_params.push(param.ident.clone()),
            GenericParam::Const(param) => {
                const_params.push((param.ident.clone(), param.ty.clone()));
            }
            GenericParam::Lifetime(_) => {}
        }
    }

    if redis_tier {
        if let Some(param) = sig
            .generics
            .params
            .iter()
            .find(|param| !matches!(param, GenericParam::Lifetime(_)))
        {
            errors.error(
                param,
                "`shared = \"redis\"` does not support generic functions: every process must \
                 name the cache alike, and a type parameter's name is not stable across builds; \
                 write a non-generic wrapper for each type and share that",
            );
        }
    }
    let redis = redis_tier.then(|| RedisPlan {
        local_ttl,
        lock: shared_lock.is_some_and(|(_, on)| on),
    });

    errors.finish()?;
    Ok(Plan {
        kind,
        function: function.clone(),
        ttl,
        max_size,
        name,
        key,
        receiver: receiver_plan,
        output,
        args,
        type_params,
        const_params,
        redis,
    })
}

/// `shared` on a method: a flag (one cache for all instances).
fn method_shared(opt: &Opt, errors: &mut Errors) -> bool {
    if let Some(Expr::Lit(ExprLit {
        lit: Lit::Str(text),
        ..
    })) = &opt.value
    {
        errors.error(
            text,
            "on #[cached_method], `shared` takes `true` or `false` (one cache for all \
             instances); a Redis tier (`shared = \"redis\"`) is for #[ttl_cached] functions",
        );
        return false;
    }
    flag(opt, errors)
}

/// `shared` on a function: the name of a shared tier, of which there is one, `"redis"`.
fn function_shared(opt: &Opt, errors: &mut Errors) -> bool {
    match &opt.value {
        Some(Expr::Lit(ExprLit {
            lit: Lit::Str(text),
            ..
        })) if text.value() == "redis" => true,
        Some(Expr::Lit(ExprLit {
            lit: Lit::Str(text),
            ..
        })) => {
            errors.error(
                text,
                format!(
                    "unknown shared tier {:?}: the one cachekit has is `shared = \"redis\"`",
                    text.value()
                ),
            );
            false
        }
        Some(Expr::Lit(ExprLit {
            lit: Lit::Bool(_), ..
        })) => {
            errors.error(
                opt.value.as_ref().unwrap_or_else(|| unreachable!()),
                "on #[ttl_cached], `shared` names a shared tier: `shared = \"redis\"`; \
                 `shared = true` is the #[cached_method] option that shares one cache between \
                 all instances",
            );
            false
        }
        Some(other) => {
            errors.error(
                other,
                "`shared` takes a string literal: `shared = \"redis\"`",
            );
            false
        }
        None => {
            errors.error(&opt.key, "`shared` needs a value: `shared = \"redis\"`");
            false
        }
    }
}

/// The first `Self` in a signature, if any: the mark of an associated function.
fn find_self_type(sig: &syn::Signature) -> Option<Ident> {
    fn search(tokens: proc_macro2::TokenStream) -> Option<Ident> {
        tokens.into_iter().find_map(|tree| match tree {
            proc_macro2::TokenTree::Ident(ident) if ident == "Self" => Some(ident),
            proc_macro2::TokenTree::Group(group) => search(group.stream()),
            _ => None,
        })
    }
    search(sig.to_token_stream())
}

/// The value of an option that needs one.
fn required(opt: &Opt, what: &str, errors: &mut Errors) -> Option<Expr> {
    match &opt.value {
        Some(value) => Some(value.clone()),
        None => {
            errors.error(&opt.key, format!("`{}` needs a value: {what}", opt.key));
            None
        }
    }
}

/// A flag: bare `cache_err`, or `cache_err = true` / `false`.
fn flag(opt: &Opt, errors: &mut Errors) -> bool {
    match &opt.value {
        None => true,
        Some(Expr::Lit(ExprLit {
            lit: Lit::Bool(value),
            ..
        })) => value.value,
        Some(other) => {
            errors.error(other, format!("`{}` takes `true` or `false`", opt.key));
            false
        }
    }
}

/// A time to live (`ttl`, `local_ttl`): its messages name the option as written.
fn time_to_live(opt: &Opt, errors: &mut Errors) -> Option<Ttl> {
    let option = opt.key.unraw().to_string();
    const FORMS: &str = "integer seconds (`ttl = 60`), a string with units (`ttl = \"90s\"`, \
                         `\"5m\"`, `\"1h30m\"`, `\"250ms\"`) or an expression of type \
                         `std::time::Duration`";
    let value = match &opt.value {
        Some(value) => value,
        None => {
            errors.error(&opt.key, format!("`{option}` needs a value: {FORMS}"));
            return None;
        }
    };
    match value {
        Expr::Lit(ExprLit { lit, .. }) => match lit {
            Lit::Int(int) => match int.base10_parse::<u64>() {
                Ok(0) => errors.error(
                    int,
                    format!("`{option}` must be positive: a zero time to live would cache nothing"),
                ),
                Ok(secs) => return Some(Ttl::Literal { secs, nanos: 0 }),
                Err(_) => errors.error(
                    int,
                    format!("`{option}` is too large for a number of seconds"),
                ),
            },
            Lit::Str(text) => match parse_duration(&text.value()) {
                Ok((secs, nanos)) => return Some(Ttl::Literal { secs, nanos }),
                Err(problem) => errors.error(text, format!("invalid `{option}`: {problem}")),
            },
            Lit::Float(float) => errors.error(
                float,
                format!(
                    "`{option}` takes whole seconds, not a fraction: write milliseconds as a \
                     string (`{option} = \"1500ms\"`); valid forms are {FORMS}"
                ),
            ),
            other => errors.error(
                other,
                format!("`{option}` has the wrong type: it takes {FORMS}"),
            ),
        },
        Expr::Unary(ExprUnary {
            op: UnOp::Neg(_), ..
        }) => errors.error(
            value,
            format!("`{option}` must be positive: a time to live cannot be negative"),
        ),
        expr => return Some(Ttl::Expr(expr.clone())),
    }
    None
}

fn max_size(opt: &Opt, errors: &mut Errors) -> Option<MaxSize> {
    let value = required(
        opt,
        "the most entries the cache holds, e.g. `max_size = 1000`",
        errors,
    )?;
    match &value {
        Expr::Lit(ExprLit { lit, .. }) => match lit {
            Lit::Int(int) => match int.base10_parse::<usize>() {
                Ok(0) => errors.error(
                    int,
                    "`max_size` must be at least 1: a cache of size 0 would store nothing",
                ),
                Ok(value) => return Some(MaxSize::Literal(value)),
                Err(_) => errors.error(int, "`max_size` does not fit in a `usize`"),
            },
            other => errors.error(
                other,
                "`max_size` must be an integer, the most entries the cache holds: \
                 `max_size = 1000`",
            ),
        },
        Expr::Unary(ExprUnary {
            op: UnOp::Neg(_), ..
        }) => errors.error(
            &value,
            "`max_size` must be a positive integer, the most entries the cache holds",
        ),
        _ => return Some(MaxSize::Expr(value)),
    }
    None
}

fn name(opt: &Opt, errors: &mut Errors) -> Option<Expr> {
    let value = required(opt, "the registry name, e.g. `name = \"users\"`", errors)?;
    match &value {
        Expr::Lit(ExprLit {
            lit: Lit::Str(text),
            ..
        }) if text.value().is_empty() => {
            errors.error(text, "`name` must not be empty");
            None
        }
        Expr::Lit(ExprLit {
            lit: Lit::Str(_), ..
        }) => Some(value),
        Expr::Lit(ExprLit { lit, .. }) => {
            errors.error(lit, "`name` must be a string: `name = \"users\"`");
            None
        }
        _ => Some(value),
    }
}

/// Parses `"90s"`, `"5m"`, `"1h30m"`, `"250ms"`, `"2d"`: numbers with units from the
/// largest to the smallest, each unit at most once. Returns (seconds, nanoseconds).
pub(crate) fn parse_duration(text: &str) -> Result<(u64, u32), String> {
    const UNITS: [(&str, u128); 5] = [
        ("d", 86_400_000),
        ("h", 3_600_000),
        ("m", 60_000),
        ("s", 1_000),
        ("ms", 1),
    ];
    let usage = "expected numbers with units d, h, m, s or ms, from the largest unit to the \
                 smallest, such as \"90s\", \"5m\", \"1h30m\" or \"250ms\"";
    let mut rest = text.trim();
    if rest.is_empty() {
        return Err(format!("the string is empty; {usage}"));
    }
    let mut total_ms: u128 = 0;
    let mut last_rank = None;
    while !rest.is_empty() {
        let digits = rest.len() - rest.trim_start_matches(|c: char| c.is_ascii_digit()).len();
        if digits == 0 {
            return Err(format!("{text:?} is not a duration; {usage}"));
        }
        let number: u128 = rest[..digits]
            .parse()
            .map_err(|_| format!("{text:?} is too large"))?;
        rest = &rest[digits..];
        rest = rest.trim_start();
        let letters = rest.len()
            - rest
                .trim_start_matches(|c: char| c.is_ascii_alphabetic())
                .len();
        let unit = &rest[..letters];
        rest = rest[letters..].trim_start();
        if unit.is_empty() {
            return Err(format!(
                "{text:?} has a number without a unit; write \"{number}s\" for seconds, or \
                 use an integer (`ttl = {number}`)"
            ));
        }
        let Some(rank) = UNITS.iter().position(|(name, _)| *name == unit) else {
            return Err(format!("unknown unit {unit:?} in {text:?}; {usage}"));
        };
        if last_rank.is_some_and(|last| rank <= last) {
            return Err(format!(
                "{text:?} repeats a unit or puts a smaller one first; {usage}"
            ));
        }
        last_rank = Some(rank);
        total_ms = number
            .checked_mul(UNITS[rank].1)
            .and_then(|ms| ms.checked_add(total_ms))
            .ok_or_else(|| format!("{text:?} is too large"))?;
    }
    if total_ms == 0 {
        return Err(format!(
            "{text:?} is zero, and a zero time to live would cache nothing"
        ));
    }
    let secs = u64::try_from(total_ms / 1000).map_err(|_| format!("{text:?} is too large"))?;
    // Below 1000 ms, so below 10^9 ns: fits.
    let nanos = u32::try_from(total_ms % 1000).unwrap_or(0) * 1_000_000;
    Ok((secs, nanos))
}

fn receiver_kind(kind: Kind, receiver: &Receiver, errors: &mut Errors) -> Option<ReceiverKind> {
    if kind == Kind::Function {
        errors.error(
            receiver,
            "#[ttl_cached] is for functions without `self`; for a method, use \
             #[cached_method], which also makes `self` part of the cache key",
        );
        return None;
    }
    let mutable_ref = match (&receiver.reference, &receiver.colon_token) {
        (Some(_), _) => receiver.mutability.is_some(),
        (None, Some(_)) => contains_mut_reference(&receiver.ty),
        (None, None) => false,
    };
    if mutable_ref {
        errors.error(
            receiver,
            "#[cached_method] cannot cache a method that takes `&mut self`: a cache hit skips \
             the body, so its changes to `self` would not happen; take `&self` (with interior \
             mutability if the method must change state), or do not cache it",
        );
        return None;
    }
    Some(match (&receiver.reference, &receiver.colon_token) {
        (Some(_), _) => ReceiverKind::Ref,
        (None, Some(_)) => ReceiverKind::Typed,
        (None, None) => ReceiverKind::Value,
    })
}

fn contains_mut_reference(ty: &Type) -> bool {
    let mut found = false;
    walk(ty, &mut |event| {
        if let Found::Reference(reference) = event {
            found |= reference.mutability.is_some();
        }
    });
    found
}

fn check_argument_type(ty: &Type, errors: &mut Errors) {
    walk(ty, &mut |event| match event {
        Found::ImplTrait(impl_trait) => errors.error(
            impl_trait,
            "cached functions cannot take `impl Trait` arguments: name a type parameter \
             instead (`fn f<T: Trait>(x: T)`), so that each instantiation gets its own cache",
        ),
        Found::Reference(reference) if reference.mutability.is_some() => errors.error(
            reference,
            "cached functions cannot take `&mut` arguments: a cache hit skips the body, so its \
             changes through this reference would not happen",
        ),
        _ => {}
    });
}

/// Where `cache_err` / `cache_none` came from, and their values.
type FlagOpt<'a> = (&'a Opt, bool);

fn output(
    ident: &Ident,
    output: &ReturnType,
    cache_err: Option<&FlagOpt<'_>>,
    cache_none: Option<&FlagOpt<'_>>,
    errors: &mut Errors,
) -> Output {
    let (ty, span): (Type, Span) = match output {
        ReturnType::Default => (parse_quote!(()), ident.span()),
        ReturnType::Type(_, ty) => ((**ty).clone(), ty.span()),
    };
    check_return_type(&ty, errors);
    let last = last_segment(&ty);
    let named = |name: &str| last.is_some_and(|(ident, _)| ident == name);
    let cache_err_on = cache_err.is_some_and(|(_, on)| *on);
    let cache_none_on = cache_none.is_some_and(|(_, on)| *on);
    if let Some((opt, true)) = cache_err {
        if !named("Result") {
            errors.error(
                &opt.key,
                format!(
                    "`cache_err` applies to functions that return a `Result`, and this one \
                     returns `{}`: remove it",
                    pretty(&ty)
                ),
            );
        }
    }
    if let Some((opt, true)) = cache_none {
        if !named("Option") {
            errors.error(
                &opt.key,
                format!(
                    "`cache_none` applies to functions that return an `Option`, and this one \
                     returns `{}`: remove it",
                    pretty(&ty)
                ),
            );
        }
    }
    let first_arg = last.and_then(|(_, args)| match args {
        PathArguments::AngleBracketed(args) => args.args.first().and_then(|arg| match arg {
            GenericArgument::Type(ty) => Some(ty.clone()),
            _ => None,
        }),
        _ => None,
    });
    if named("Result") && !cache_err_on {
        let value =
            first_arg.unwrap_or_else(|| parse_quote!(<#ty as ::cachekit::__private::IsResult>::Ok));
        Output {
            mode: Mode::Result,
            returned: ty,
            span,
            value,
        }
    } else if named("Option") && !cache_none_on {
        let value = first_arg
            .unwrap_or_else(|| parse_quote!(<#ty as ::cachekit::__private::IsOption>::Some));
        Output {
            mode: Mode::Option,
            returned: ty,
            span,
            value,
        }
    } else {
        Output {
            mode: Mode::Plain,
            returned: ty.clone(),
            span,
            value: ty,
        }
    }
}

/// A type as a user would write it (`Option<u64>`, not `Option < u64 >`), for messages.
fn pretty(ty: &Type) -> String {
    let mut text = ty.to_token_stream().to_string();
    for (from, to) in [
        (" <", "<"),
        ("< ", "<"),
        (" >", ">"),
        (" ,", ","),
        ("& ", "&"),
        (" ::", "::"),
        (":: ", "::"),
        ("( ", "("),
        (" )", ")"),
        ("[ ", "["),
        (" ]", "]"),
        (" ;", ";"),
    ] {
        text = text.replace(from, to);
    }
    text
}

fn last_segment(ty: &Type) -> Option<(&Ident, &PathArguments)> {
    match ty {
        Type::Paren(inner) => last_segment(&inner.elem),
        Type::Group(inner) => last_segment(&inner.elem),
        Type::Path(path) if path.qself.is_none() => path
            .path
            .segments
            .last()
            .map(|segment| (&segment.ident, &segment.arguments)),
        _ => None,
    }
}

/// A cached value outlives the call: no borrows (other than `'static` ones), no `impl
/// Trait` (the type must be nameable for the cache).
fn check_return_type(ty: &Type, errors: &mut Errors) {
    let mut reported = false;
    walk(ty, &mut |event| {
        if reported {
            return;
        }
        match event {
            Found::Reference(reference)
                if reference
                    .lifetime
                    .as_ref()
                    .is_none_or(|lifetime| lifetime.ident != "static") =>
            {
                reported = true;
                errors.error(
                    reference,
                    "a cached function cannot return a reference: the cache keeps the value \
                     after the call, longer than anything it borrows; return an owned value \
                     (`String`, `Vec<T>`, `Arc<T>`) instead",
                );
            }
            Found::Lifetime(lifetime) if lifetime.ident != "static" => {
                reported = true;
                errors.error(
                    lifetime,
                    format!(
                        "a cached function cannot return a type that borrows (`{lifetime}`): \
                         the cache keeps the value after the call; return an owned value \
                         instead"
                    ),
                );
            }
            Found::ImplTrait(impl_trait) => {
                reported = true;
                errors.error(
                    impl_trait,
                    "a cached function cannot return `impl Trait`: the cache must name the type \
                     it stores; return a concrete type (or `Arc<dyn Trait + Send + Sync>`)",
                );
            }
            _ => {}
        }
    });
}

enum Found<'a> {
    Reference(&'a syn::TypeReference),
    Lifetime(&'a syn::Lifetime),
    ImplTrait(&'a syn::TypeImplTrait),
}

/// Visits the references, lifetimes (outside `fn` pointers and trait bounds, which bind
/// their own) and `impl Trait`s of a type.
fn walk<'a>(ty: &'a Type, visit: &mut impl FnMut(Found<'a>)) {
    match ty {
        Type::Reference(reference) => {
            visit(Found::Reference(reference));
            walk(&reference.elem, visit);
        }
        Type::Array(array) => walk(&array.elem, visit),
        Type::Slice(slice) => walk(&slice.elem, visit),
        Type::Ptr(ptr) => walk(&ptr.elem, visit),
        Type::Paren(paren) => walk(&paren.elem, visit),
        Type::Group(group) => walk(&group.elem, visit),
        Type::Tuple(tuple) => tuple.elems.iter().for_each(|elem| walk(elem, visit)),
        Type::ImplTrait(impl_trait) => visit(Found::ImplTrait(impl_trait)),
        Type::TraitObject(object) => {
            for bound in &object.bounds {
                if let TypeParamBound::Lifetime(lifetime) = bound {
                    visit(Found::Lifetime(lifetime));
                }
            }
        }
        Type::Path(path) => {
            if let Some(qself) = &path.qself {
                walk(&qself.ty, visit);
            }
            for segment in &path.path.segments {
                if let PathArguments::AngleBracketed(args) = &segment.arguments {
                    for arg in &args.args {
                        match arg {
                            GenericArgument::Lifetime(lifetime) => {
                                visit(Found::Lifetime(lifetime));
                            }
                            GenericArgument::Type(ty) => walk(ty, visit),
                            GenericArgument::AssocType(assoc) => walk(&assoc.ty, visit),
                            _ => {}
                        }
                    }
                }
            }
        }
        _ => {}
    }
}

#[cfg(test)]
mod tests {
    use super::parse_duration;

    #[test]
    fn durations() {
        assert_eq!(parse_duration("90s"), Ok((90, 0)));
        assert_eq!(parse_duration("5m"), Ok((300, 0)));
        assert_eq!(parse_duration("1h30m"), Ok((5400, 0)));
        assert_eq!(parse_duration("1h 30m"), Ok((5400, 0)));
        assert_eq!(parse_duration("250ms"), Ok((0, 250_000_000)));
        assert_eq!(parse_duration("1s500ms"), Ok((1, 500_000_000)));
        assert_eq!(parse_duration("2d"), Ok((172_800, 0)));
        assert!(parse_duration("").is_err());
        assert!(parse_duration("abc").is_err());
        assert!(parse_duration("90").is_err());
        assert!(parse_duration("0s").is_err());
        assert!(parse_duration("30m1h").is_err());
        assert!(parse_duration("1m1m").is_err());
        assert!(parse_duration("5 weeks").is_err());
        assert!(parse_duration("1.5s").is_err());
        assert!(parse_duration("-5s").is_err());
        assert!(parse_duration("99999999999999999999999999999999999999999d").is_err());
    }
}
