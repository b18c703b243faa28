//! The attribute's own arguments: `GET, "/v2/orders/{order_id}", public`.

use proc_macro2::{Span, TokenStream};
use syn::parse::Parser;
use syn::punctuated::Punctuated;
use syn::{Expr, ExprLit, Lit, LitStr, Token};

use up42_catalogue::Method;

use crate::ctxt::Ctxt;

/// The options that may follow the path.
const OPTIONS: [&str; 10] = [
    "public",
    "raw",
    "paged",
    "paged = \"items_field\"",
    "retry = true",
    "retry = false",
    "timeout = \"30s\"",
    "query(key = self.field)",
    "path(name = self.field)",
    "crate = \"path\"",
];

/// How a `paged` endpoint's answers are paged.
pub(crate) enum Paged {
    /// `paged`: UP42's page object, `page=0, 1, ...`.
    Numbered,
    /// `paged = "jobs"`: the items under that field, and a `rel: "next"` link.
    NextLink(LitStr),
}

/// A path or query value taken from a field of `self`.
pub(crate) struct Binding {
    /// `path` or `query`.
    pub(crate) kind: BindingKind,
    /// The placeholder or query key.
    pub(crate) name: String,
    /// Where the name was written, for errors.
    pub(crate) name_span: Span,
    /// `self.field` (checked to be a field path of `self`).
    pub(crate) value: Expr,
}

/// Where a [`Binding`] goes.
#[derive(Clone, Copy, PartialEq, Eq)]
pub(crate) enum BindingKind {
    Path,
    Query,
}

/// What the attribute says.
pub(crate) struct Args {
    pub(crate) method: Method,
    pub(crate) method_span: Span,
    pub(crate) path: LitStr,
    /// No token fetched, no `Authorization` header sent.
    pub(crate) public: bool,
    /// Where `public` was written, for errors about it.
    pub(crate) public_span: Option<Span>,
    /// Not checked against UP42's endpoint catalogue.
    pub(crate) unchecked: bool,
    /// The function returns the status-checked `reqwest::Response`.
    pub(crate) raw: bool,
    /// `retry = true` or `retry = false`; `None`: retried if idempotent.
    pub(crate) retry: Option<bool>,
    /// `crate = "path"`: where `up42_auth` is reached from (a façade's re-export).
    pub(crate) krate: Option<syn::Path>,
    /// `paged` or `paged = "items_field"`, and where it was written.
    pub(crate) paged: Option<(Paged, Span)>,
    /// `timeout = "30s"`, in milliseconds.
    pub(crate) timeout: Option<u64>,
    /// `query(..)` and `path(..)` values from fields of `self`.
    pub(crate) bindings: Vec<Binding>,
}

fn usage() -> &'static str {
    "expected `#[up42_endpoint(METHOD, \"/path/{param}\")]`, e.g. `#[up42_endpoint(GET, \"/v2/orders/{order_id}\")]`"
}

/// Parses the arguments, recording every problem in `cx`. `None` when the
/// method or path cannot be read at all.
pub(crate) fn parse(cx: &mut Ctxt, tokens: TokenStream) -> Option<Args> {
    let items = match Punctuated::<Expr, Token![,]>::parse_terminated.parse2(tokens.clone()) {
        Ok(items) => items,
        Err(error) => {
            cx.error_at(
                error.span(),
                format!("cannot read the attribute arguments: {error}; {}", usage()),
            );
            return None;
        }
    };
    let mut items = items.into_iter();
    let method = match items.next() {
        Some(expr) => parse_method(cx, &expr),
        None => {
            cx.error_at(Span::call_site(), usage());
            return None;
        }
    };
    let path = match items.next() {
        Some(Expr::Lit(ExprLit {
            lit: Lit::Str(path), ..
        })) => Some(path),
        Some(other) => {
            cx.error_spanned_by(
                &other,
                format!("the endpoint path must be a string literal; {}", usage()),
            );
            None
        }
        None => {
            cx.error_at(
                Span::call_site(),
                format!("the endpoint path is missing; {}", usage()),
            );
            None
        }
    };
    let (mut public, mut raw, mut unchecked) = (false, false, false);
    let mut public_span = None;
    let mut retry = None;
    let mut krate = None;
    let mut paged = None;
    let mut timeout = None;
    let mut bindings = Vec::new();
    for option in items {
        if let Expr::Assign(assign) = &option
            && let Expr::Path(left) = &*assign.left
            && let Some(name) = left.path.get_ident().map(ToString::to_string)
            && ["crate", "retry", "paged", "timeout"].contains(&name.as_str())
        {
            let twice = match name.as_str() {
                "crate" => krate.is_some(),
                "retry" => retry.is_some(),
                "paged" => paged.is_some(),
                _ => timeout.is_some(),
            };
            if twice {
                cx.error_spanned_by(&option, "this option is given twice");
                continue;
            }
            let right = &*assign.right;
            match (name.as_str(), right) {
                (
                    "retry",
                    Expr::Lit(ExprLit {
                        lit: Lit::Bool(value),
                        ..
                    }),
                ) => retry = Some(value.value),
                ("retry", other) => cx.error_spanned_by(other, "write `retry = true` or `retry = false`"),
                (
                    "crate",
                    Expr::Lit(ExprLit {
                        lit: Lit::Str(text), ..
                    }),
                ) => match text.parse::<syn::Path>() {
                    Ok(path) => krate = Some(path),
                    Err(_) => cx.error_spanned_by(
                        text,
                        format!(
                            "`{}` is not a path; write where `up42` or `up42_auth` is reached from, e.g. \
                             `crate = \"my_sdk::up42_auth\"`",
                            text.value()
                        ),
                    ),
                },
                ("crate", other) => cx.error_spanned_by(
                    other,
                    "write the path as a string: `crate = \"my_sdk::up42_auth\"`",
                ),
                (
                    "paged",
                    Expr::Lit(ExprLit {
                        lit: Lit::Str(field), ..
                    }),
                ) if !field.value().is_empty() => {
                    paged = Some((
                        Paged::NextLink(field.clone()),
                        syn::spanned::Spanned::span(&option),
                    ));
                }
                ("paged", other) => cx.error_spanned_by(
                    other,
                    "write `paged` for UP42's page object, or `paged = \"jobs\"` with the field that \
                     holds the items of a list that links to its next page",
                ),
                (
                    "timeout",
                    Expr::Lit(ExprLit {
                        lit: Lit::Str(text), ..
                    }),
                ) => match parse_duration(&text.value()) {
                    Some(ms) => timeout = Some(ms),
                    None => cx.error_spanned_by(
                        text,
                        format!(
                            "`{}` is not a timeout; write a positive number and a unit: `\"30s\"`, \
                             `\"500ms\"`, `\"2m\"` or `\"1h\"`",
                            text.value()
                        ),
                    ),
                },
                (_, other) => {
                    cx.error_spanned_by(other, "write the timeout as a string: `timeout = \"30s\"`")
                }
            }
            continue;
        }
        if let Expr::Call(call) = &option
            && let Expr::Path(func) = &*call.func
            && let Some(kind) = func
                .path
                .get_ident()
                .and_then(|name| match name.to_string().as_str() {
                    "query" => Some(BindingKind::Query),
                    "path" => Some(BindingKind::Path),
                    _ => None,
                })
        {
            for arg in &call.args {
                if let Some(binding) = parse_binding(cx, kind, arg) {
                    bindings.push(binding);
                }
            }
            continue;
        }
        let name = match &option {
            Expr::Path(p) if p.attrs.is_empty() && p.qself.is_none() => {
                p.path.get_ident().map(|i| i.to_string())
            }
            _ => None,
        };
        let flag = match name.as_deref() {
            Some("public") => {
                public_span = Some(syn::spanned::Spanned::span(&option));
                &mut public
            }
            Some("raw") => &mut raw,
            Some("unchecked") => &mut unchecked,
            Some("paged") if paged.is_none() => {
                paged = Some((Paged::Numbered, syn::spanned::Spanned::span(&option)));
                continue;
            }
            Some("paged") => {
                cx.error_spanned_by(&option, "this option is given twice");
                continue;
            }
            _ => {
                let shown = quote::quote!(#option).to_string();
                cx.error_spanned_by(
                    &option,
                    format!(
                        "unknown option `{shown}`; the options are {}",
                        backticked(&OPTIONS)
                    ),
                );
                continue;
            }
        };
        if *flag {
            cx.error_spanned_by(&option, "this option is given twice");
        }
        *flag = true;
    }
    let (method, method_span) = method?;
    Some(Args {
        method,
        method_span,
        path: path?,
        public,
        public_span,
        unchecked,
        raw,
        retry,
        krate,
        paged,
        timeout,
        bindings,
    })
}

/// `key = self.field` inside `query(..)` or `path(..)`.
fn parse_binding(cx: &mut Ctxt, kind: BindingKind, arg: &Expr) -> Option<Binding> {
    let which = match kind {
        BindingKind::Query => "query(workspaceId = self.workspace_id)",
        BindingKind::Path => "path(workspace_id = self.workspace_id)",
    };
    let Expr::Assign(assign) = arg else {
        cx.error_spanned_by(
            arg,
            format!("write `{which}`: a name, `=`, and a field of `self`"),
        );
        return None;
    };
    let (name, name_span) = match &*assign.left {
        Expr::Path(p) if p.path.get_ident().is_some() => {
            let ident = p.path.get_ident()?;
            (ident.to_string(), ident.span())
        }
        Expr::Lit(ExprLit {
            lit: Lit::Str(text), ..
        }) if kind == BindingKind::Query => (text.value(), text.span()),
        other => {
            let hint = match kind {
                BindingKind::Query => "a query key (a name, or a string such as `\"page-size\"`)",
                BindingKind::Path => "the name of a `{placeholder}` of the path",
            };
            cx.error_spanned_by(other, format!("expected {hint} before `=`"));
            return None;
        }
    };
    if name.is_empty() {
        cx.error_at(name_span, "the query key cannot be empty");
        return None;
    }
    if !is_self_field(&assign.right) {
        cx.error_spanned_by(
            &assign.right,
            format!("the value must be a field of `self`, like `self.workspace_id`: write `{which}`"),
        );
        return None;
    }
    Some(Binding {
        kind,
        name,
        name_span,
        value: (*assign.right).clone(),
    })
}

/// `self.a` or `self.a.b`.
fn is_self_field(expr: &Expr) -> bool {
    match expr {
        Expr::Field(field) => match &*field.base {
            Expr::Path(p) => p.path.is_ident("self"),
            base => is_self_field(base),
        },
        _ => false,
    }
}

/// `"30s"`, `"500ms"`, `"2m"`, `"1h"` in milliseconds; `None` for anything
/// else, zero included.
pub(crate) fn parse_duration(text: &str) -> Option<u64> {
    let text = text.trim();
    let split = text.find(|c: char| !c.is_ascii_digit())?;
    let (number, unit) = text.split_at(split);
    let number: u64 = number.parse().ok()?;
    let scale = match unit.trim() {
        "ms" => 1,
        "s" => 1_000,
        "m" | "min" => 60_000,
        "h" => 3_600_000,
        _ => return None,
    };
    number.checked_mul(scale).filter(|ms| *ms > 0)
}

fn parse_method(cx: &mut Ctxt, expr: &Expr) -> Option<(Method, Span)> {
    let ident = match expr {
        Expr::Path(p) if p.qself.is_none() => p.path.get_ident(),
        _ => None,
    };
    let Some(ident) = ident else {
        cx.error_spanned_by(expr, format!("the HTTP method comes first; {}", usage()));
        return None;
    };
    let name = ident.to_string();
    let unknown = match name.parse::<Method>() {
        Ok(method) => return Some((method, ident.span())),
        Err(unknown) => unknown,
    };
    let hint = match unknown.in_capitals() {
        Some(method) => format!("; write it in capitals: `{method}`"),
        None => String::new(),
    };
    let methods = Method::ALL.map(Method::as_str);
    cx.error_spanned_by(
        ident,
        format!(
            "unknown HTTP method `{name}`; expected one of {}{hint}",
            backticked(&methods)
        ),
    );
    None
}

/// `` `a`, `b` or `c` ``.
pub(crate) fn backticked(names: &[&str]) -> String {
    let quoted: Vec<String> = names.iter().map(|n| format!("`{n}`")).collect();
    match quoted.split_last() {
        Some((last, rest)) if !rest.is_empty() => format!("{} or {last}", rest.join(", ")),
        _ => quoted.concat(),
    }
}
