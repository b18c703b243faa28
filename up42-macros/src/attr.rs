//! The attribute's own arguments: `GET, "/v2/orders/{order_id}", public`.

use proc_macro2::{Span, TokenStream};
use syn::parse::Parser;
use syn::punctuated::Punctuated;
use syn::{Expr, ExprLit, Lit, LitStr, Token};

use crate::ctxt::Ctxt;

/// The HTTP methods an endpoint can use.
pub(crate) const METHODS: [&str; 6] = ["GET", "POST", "PUT", "PATCH", "DELETE", "HEAD"];
/// The options that may follow the path.
const OPTIONS: [&str; 5] = [
    "public",
    "raw",
    "retry = true",
    "retry = false",
    "crate = \"path\"",
];

/// What the attribute says.
pub(crate) struct Args {
    /// One of [`METHODS`].
    pub(crate) method: String,
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
    for option in items {
        if let Expr::Assign(assign) = &option
            && matches!(&*assign.left, Expr::Path(p) if p.path.is_ident("crate"))
        {
            match &*assign.right {
                Expr::Lit(ExprLit {
                    lit: Lit::Str(text), ..
                }) if krate.is_none() => match text.parse::<syn::Path>() {
                    Ok(path) => krate = Some(path),
                    Err(_) => cx.error_spanned_by(
                        text,
                        format!(
                            "`{}` is not a path; write where `up42_auth` is reached from, e.g. \
                             `crate = \"my_sdk::up42_auth\"`",
                            text.value()
                        ),
                    ),
                },
                Expr::Lit(ExprLit { lit: Lit::Str(_), .. }) => {
                    cx.error_spanned_by(&option, "this option is given twice")
                }
                other => cx.error_spanned_by(
                    other,
                    "write the path as a string: `crate = \"my_sdk::up42_auth\"`",
                ),
            }
            continue;
        }
        if let Expr::Assign(assign) = &option
            && matches!(&*assign.left, Expr::Path(p) if p.path.is_ident("retry"))
        {
            match &*assign.right {
                Expr::Lit(ExprLit {
                    lit: Lit::Bool(value),
                    ..
                }) if retry.is_none() => retry = Some(value.value),
                Expr::Lit(ExprLit {
                    lit: Lit::Bool(_), ..
                }) => cx.error_spanned_by(&option, "this option is given twice"),
                other => cx.error_spanned_by(other, "write `retry = true` or `retry = false`"),
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
    })
}

fn parse_method(cx: &mut Ctxt, expr: &Expr) -> Option<(String, Span)> {
    let ident = match expr {
        Expr::Path(p) if p.qself.is_none() => p.path.get_ident(),
        _ => None,
    };
    let Some(ident) = ident else {
        cx.error_spanned_by(expr, format!("the HTTP method comes first; {}", usage()));
        return None;
    };
    let name = ident.to_string();
    if METHODS.contains(&name.as_str()) {
        return Some((name, ident.span()));
    }
    let hint = if METHODS.contains(&name.to_uppercase().as_str()) {
        format!("; write it in capitals: `{}`", name.to_uppercase())
    } else {
        String::new()
    };
    cx.error_spanned_by(
        ident,
        format!(
            "unknown HTTP method `{name}`; expected one of {}{hint}",
            backticked(&METHODS)
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
