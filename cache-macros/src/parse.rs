//! Parsing: the attribute's options and the annotated item, into plain data. Nothing here
//! judges whether the options fit the function; `validate` does.
//!
//! One parser knows every option of both attributes, so that a duplicate is reported with
//! the span of its second occurrence, an unknown key with the list of the valid ones, and
//! an option of the other attribute with a pointer to it.

use proc_macro2::{Span, TokenStream};
use syn::ext::IdentExt;
use syn::parse::{ParseStream, Parser};
use syn::{Expr, Ident, Item, ItemFn, Token};

use crate::validate::Errors;

/// Which attribute is being expanded.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub(crate) enum Kind {
    /// `#[ttl_cached]`, for functions without `self`.
    Function,
    /// `#[cached_method]`, for methods with `&self` or `self`.
    Method,
}

impl Kind {
    pub(crate) fn attribute(self) -> &'static str {
        match self {
            Kind::Function => "#[ttl_cached]",
            Kind::Method => "#[cached_method]",
        }
    }

    fn other(self) -> Kind {
        match self {
            Kind::Function => Kind::Method,
            Kind::Method => Kind::Function,
        }
    }
}

/// Every option, and which attributes take it.
const OPTIONS: &[(&str, &[Kind])] = &[
    ("ttl", &[Kind::Function, Kind::Method]),
    ("max_size", &[Kind::Function, Kind::Method]),
    ("name", &[Kind::Function, Kind::Method]),
    ("key", &[Kind::Function, Kind::Method]),
    ("cache_err", &[Kind::Function, Kind::Method]),
    ("cache_none", &[Kind::Function, Kind::Method]),
    ("self_key", &[Kind::Method]),
    // A flag on a method (one cache for all instances); `"redis"` on a function.
    ("shared", &[Kind::Function, Kind::Method]),
    ("local_ttl", &[Kind::Function]),
    ("shared_lock", &[Kind::Function]),
];

fn takes(kind: Kind, key: &str) -> bool {
    OPTIONS
        .iter()
        .any(|(name, kinds)| *name == key && kinds.contains(&kind))
}

fn valid_keys(kind: Kind) -> String {
    OPTIONS
        .iter()
        .filter(|(_, kinds)| kinds.contains(&kind))
        .map(|(name, _)| format!("`{name}`"))
        .collect::<Vec<_>>()
        .join(", ")
}

/// One `key = value` (or bare `key`) of the attribute.
pub(crate) struct Opt {
    pub(crate) key: Ident,
    /// `None` for a bare flag such as `cache_err`.
    pub(crate) value: Option<Expr>,
}

/// The options as written; each at most once.
#[derive(Default)]
pub(crate) struct Options {
    pub(crate) ttl: Option<Opt>,
    pub(crate) max_size: Option<Opt>,
    pub(crate) name: Option<Opt>,
    pub(crate) key: Option<Opt>,
    pub(crate) cache_err: Option<Opt>,
    pub(crate) cache_none: Option<Opt>,
    pub(crate) self_key: Option<Opt>,
    pub(crate) shared: Option<Opt>,
    pub(crate) local_ttl: Option<Opt>,
    pub(crate) shared_lock: Option<Opt>,
}

impl Options {
    fn slot(&mut self, key: &str) -> Option<&mut Option<Opt>> {
        Some(match key {
            "ttl" => &mut self.ttl,
            "max_size" => &mut self.max_size,
            "name" => &mut self.name,
            "key" => &mut self.key,
            "cache_err" => &mut self.cache_err,
            "cache_none" => &mut self.cache_none,
            "self_key" => &mut self.self_key,
            "shared" => &mut self.shared,
            "local_ttl" => &mut self.local_ttl,
            "shared_lock" => &mut self.shared_lock,
            _ => return None,
        })
    }

    /// Records `opt`, or reports it as unknown, misplaced or repeated.
    fn set(&mut self, kind: Kind, opt: Opt, errors: &mut Errors) {
        let key = opt.key.unraw().to_string();
        if !takes(kind, &key) {
            if takes(kind.other(), &key) {
                errors.error(
                    &opt.key,
                    format!(
                        "`{key}` is an option of {}, not of {}; {} takes {}",
                        kind.other().attribute(),
                        kind.attribute(),
                        kind.attribute(),
                        valid_keys(kind)
                    ),
                );
            } else {
                errors.error(
                    &opt.key,
                    format!(
                        "unknown option `{key}` of {}; valid options are {}",
                        kind.attribute(),
                        valid_keys(kind)
                    ),
                );
            }
            return;
        }
        let Some(slot) = self.slot(&key) else {
            return;
        };
        if slot.is_some() {
            errors.error(
                &opt.key,
                format!("duplicate option `{key}`: give each option at most once"),
            );
            return;
        }
        *slot = Some(opt);
    }
}

/// Parses `ttl = 60, name = "x", cache_err, ...`. Unknown, misplaced and duplicate keys
/// are collected in `errors` and parsing goes on; a syntax error ends it (and is collected
/// too).
pub(crate) fn options(kind: Kind, args: TokenStream, errors: &mut Errors) -> Options {
    let mut options = Options::default();
    let parser = |input: ParseStream| -> syn::Result<()> {
        while !input.is_empty() {
            let key = Ident::parse_any(input)?;
            let value = if input.peek(Token![=]) {
                input.parse::<Token![=]>()?;
                Some(input.parse::<Expr>()?)
            } else {
                None
            };
            if !input.is_empty() && !input.peek(Token![,]) {
                return Err(input.error(match value {
                    None => format!(
                        "expected `=` or `,` after `{key}`: options are written `key = value`"
                    ),
                    Some(_) => format!("expected `,` between the options of {}", kind.attribute()),
                }));
            }
            options.set(kind, Opt { key, value }, errors);
            if !input.is_empty() {
                input.parse::<Token![,]>()?;
            }
        }
        Ok(())
    };
    if let Err(err) = parser.parse2(args) {
        errors.push(err);
    }
    options
}

/// Parses the annotated item as a function with a body.
pub(crate) fn function(kind: Kind, item: TokenStream) -> syn::Result<ItemFn> {
    let (what, span) = match syn::parse2::<Item>(item) {
        Ok(Item::Fn(function)) => return Ok(function),
        Ok(item) => describe(&item),
        Err(err) => {
            return Err(syn::Error::new(
                err.span(),
                format!(
                    "{} applies to a function with a body: {err}",
                    kind.attribute()
                ),
            ))
        }
    };
    let place = match kind {
        Kind::Function => "functions",
        Kind::Method => "methods (functions with `&self` in an `impl` block)",
    };
    Err(syn::Error::new(
        span,
        format!("{} applies to {place}, not to {what}", kind.attribute()),
    ))
}

/// What the item is, and the span of its keyword.
fn describe(item: &Item) -> (&'static str, Span) {
    match item {
        Item::Const(item) => ("a constant", item.const_token.span),
        Item::Enum(item) => ("an enum", item.enum_token.span),
        Item::ExternCrate(item) => ("an `extern crate`", item.extern_token.span),
        Item::ForeignMod(item) => ("an `extern` block", item.abi.extern_token.span),
        Item::Impl(item) => (
            "an `impl` block (put it on a method inside)",
            item.impl_token.span,
        ),
        Item::Macro(item) => ("a macro invocation", item.mac.bang_token.span),
        Item::Mod(item) => ("a module", item.mod_token.span),
        Item::Static(item) => ("a static", item.static_token.span),
        Item::Struct(item) => ("a struct", item.struct_token.span),
        Item::Trait(item) => ("a trait", item.trait_token.span),
        Item::TraitAlias(item) => ("a trait alias", item.trait_token.span),
        Item::Type(item) => ("a type alias", item.type_token.span),
        Item::Union(item) => ("a union", item.union_token.span),
        Item::Use(item) => ("a `use` declaration", item.use_token.span),
        _ => ("this item", Span::call_site()),
    }
}
