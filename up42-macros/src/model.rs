//! The endpoint as the expansion needs it: resolved once, after every check
//! passed, so that writing the code looks nothing up that could be missing.
//! Each value knows where it comes from (an argument or a field of `self`)
//! and where it goes (a placeholder, a query key, a header, the body).

use proc_macro2::Span;
use syn::spanned::Spanned;
use syn::{Expr, Ident, LitStr, Type};

use crate::ast::{Arg, Client, EndpointFn, Role};
use crate::attr::{Args, BindingKind, Paged};
use crate::path::{self, Part};

/// Where a value comes from.
pub(crate) enum Source<'a> {
    /// A function argument; errors about its type point at `ty`.
    Arg { ident: &'a Ident, ty: &'a Type },
    /// `self.field`, from `query(..)` or `path(..)`.
    Field(&'a Expr),
}

impl Source<'_> {
    /// Where rustc reports a value of the wrong type.
    pub(crate) fn span(&self) -> Span {
        match self {
            Source::Arg { ty, .. } => ty.span(),
            Source::Field(expr) => expr.span(),
        }
    }
}

/// One value of the request, in the order the request is filled.
pub(crate) enum Fill<'a> {
    /// A `{placeholder}` of the path.
    Path { name: &'a str, value: Source<'a> },
    /// A query key; `joined`: a list as one comma-joined value.
    Query {
        key: &'a str,
        joined: bool,
        value: Source<'a>,
    },
    /// The fields of a `Query` struct (`#[query(flatten)]`), each under its
    /// own key; a field the endpoint does not take is reported at `ty`.
    QueryFields { ty: &'a Type, value: Source<'a> },
    /// A request header.
    Header { name: &'a LitStr, value: Source<'a> },
    /// The JSON body; `name` is the argument's, for errors.
    Body { name: String, value: Source<'a> },
}

/// What the function returns.
pub(crate) enum Output<'a> {
    /// `fn .. -> Paged<T>`: the items of every page, streamed.
    Stream(&'a Type),
    /// `async fn .. -> Result<Vec<T>, E>` with `paged`: every page collected.
    Collect(&'a Type),
    /// `raw`: the response itself.
    Raw(&'a Type),
    /// `Result<(), E>`: the body ignored.
    Unit,
    /// `Result<T, E>`: the body decoded as JSON.
    Json(&'a Type),
}

/// The resolved endpoint.
pub(crate) struct Model<'a> {
    pub(crate) args: &'a Args,
    pub(crate) parts: &'a [Part],
    pub(crate) item: &'a EndpointFn,
    pub(crate) client: Client<'a>,
    /// Path values in template order, then fields of `self` bound to query
    /// keys, then the other arguments in the order they are written.
    pub(crate) fills: Vec<Fill<'a>>,
    pub(crate) output: Output<'a>,
}

impl<'a> Model<'a> {
    /// The model of a checked endpoint; `None` only if the checks let
    /// something through they should have reported (then the caller reports
    /// a generic error rather than panicking).
    pub(crate) fn resolve(
        args: &'a Args,
        parts: &'a [Part],
        item: &'a EndpointFn,
        fn_args: &'a [Arg<'a>],
    ) -> Option<Model<'a>> {
        let placeholders: Vec<&str> = path::params(parts).collect();
        let client = item.client(&placeholders)?;
        let mut fills = Vec::new();
        for name in path::params(parts) {
            let bound = args
                .options
                .bindings
                .iter()
                .find(|b| b.kind == BindingKind::Path && b.name == name);
            let value = match bound {
                Some(binding) => Source::Field(&binding.value),
                None => {
                    let arg = fn_args.iter().find(|a| a.ident == name)?;
                    Source::Arg {
                        ident: arg.ident,
                        ty: arg.ty,
                    }
                }
            };
            fills.push(Fill::Path { name, value });
        }
        for binding in args
            .options
            .bindings
            .iter()
            .filter(|b| b.kind == BindingKind::Query)
        {
            fills.push(Fill::Query {
                key: &binding.name,
                joined: false,
                value: Source::Field(&binding.value),
            });
        }
        for arg in fn_args {
            let value = Source::Arg {
                ident: arg.ident,
                ty: arg.ty,
            };
            match &arg.role {
                Role::Path | Role::Invalid => {}
                Role::Query { key, joined } => fills.push(Fill::Query {
                    key,
                    joined: *joined,
                    value,
                }),
                Role::QueryFields => fills.push(Fill::QueryFields { ty: arg.ty, value }),
                Role::Header { name } => fills.push(Fill::Header { name, value }),
                Role::Body => fills.push(Fill::Body {
                    name: arg.ident.to_string(),
                    value,
                }),
            }
        }
        let output = output(args, item)?;
        Some(Model {
            args,
            parts,
            item,
            client,
            fills,
            output,
        })
    }

    /// Whether the answers page, and how.
    pub(crate) fn paged(&self) -> Option<&'a Paged> {
        self.args.options.paged.as_ref().map(|(paged, _)| paged)
    }
}

/// What the function answers, and so how the call decodes: a stream or a
/// collection of pages' items, the raw response, nothing, or one JSON value.
fn output<'a>(args: &'a Args, item: &'a EndpointFn) -> Option<Output<'a>> {
    Some(match (&args.options.paged, item.paged_item(), item.vec_item()) {
        (Some(_), Some(streamed), _) => Output::Stream(streamed),
        (Some(_), None, Some(collected)) => Output::Collect(collected),
        (Some(_), None, None) => return None,
        (None, ..) => {
            let success = item.success_type()?;
            match success {
                _ if args.options.raw => Output::Raw(success),
                Type::Tuple(unit) if unit.elems.is_empty() => Output::Unit,
                other => Output::Json(other),
            }
        }
    })
}
