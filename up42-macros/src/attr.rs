//! The attribute's own arguments: `GET, "/v2/orders/{order_id}", public`.

use proc_macro2::{Span, TokenStream};
use syn::parse::Parser;
use syn::punctuated::Punctuated;
use syn::{Expr, ExprLit, Lit, LitStr, Token};

use up42_catalogue::Method;

use crate::ctxt::Ctxt;

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
    /// The options after the path.
    pub(crate) options: Options,
}

/// The options after the path, as [`OPTIONS`] reads them.
#[derive(Default)]
pub(crate) struct Options {
    /// `public`: no token fetched, no `Authorization` header sent; where it was written.
    pub(crate) public: Option<Span>,
    /// Not checked against UP42's endpoint catalogue.
    pub(crate) unchecked: bool,
    /// Checked against the bundled catalogue only, never the build's own document.
    pub(crate) bundled: bool,
    /// The function returns the status-checked `reqwest::Response`.
    pub(crate) raw: bool,
    /// `retry = true` or `retry = false`; `None`: retried if idempotent.
    pub(crate) retry: Option<bool>,
    /// `crate = "path"`: where the runtime is reached from (a façade's re-export).
    pub(crate) krate: Option<syn::Path>,
    /// `paged` or `paged = "items_field"`, and where it was written.
    pub(crate) paged: Option<(Paged, Span)>,
    /// `timeout = "30s"`, in milliseconds.
    pub(crate) timeout: Option<u64>,
    /// `content_type = "application/merge-patch+json"`, and where it was written.
    pub(crate) content_type: Option<(String, Span)>,
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
    let mut options = Options::default();
    let mut seen: Vec<&'static str> = Vec::new();
    for option in items {
        let Some(spec) = option_name(&option).and_then(|name| OPTIONS.iter().find(|o| o.name == name)) else {
            let shown = quote::quote!(#option).to_string();
            let written: Vec<&str> = OPTIONS.iter().flat_map(|o| o.written.iter().copied()).collect();
            cx.error_spanned_by(
                &option,
                format!(
                    "unknown option `{shown}`; the options are {}",
                    backticked(&written)
                ),
            );
            continue;
        };
        if !spec.repeats && seen.contains(&spec.name) {
            cx.error_spanned_by(&option, "this option is given twice");
            continue;
        }
        seen.push(spec.name);
        (spec.parse)(cx, &mut options, &option);
    }
    let (method, method_span) = method?;
    Some(Args {
        method,
        method_span,
        path: path?,
        options,
    })
}

/// One option that may follow the path: its name, how it is written (the
/// forms the "the options are ..." message lists), whether it may be given
/// more than once, and what reads it.
struct OptionSpec {
    name: &'static str,
    written: &'static [&'static str],
    repeats: bool,
    parse: fn(&mut Ctxt, &mut Options, &Expr),
}

/// Every option, in the order the message lists them: the one table that
/// both dispatches and words the error, so the two cannot drift apart.
const OPTIONS: &[OptionSpec] = &[
    OptionSpec {
        name: "public",
        written: &["public"],
        repeats: false,
        parse: |cx, options, expr| {
            if flag(cx, expr, "public") {
                options.public = Some(syn::spanned::Spanned::span(expr));
            }
        },
    },
    OptionSpec {
        name: "raw",
        written: &["raw"],
        repeats: false,
        parse: |cx, options, expr| options.raw = flag(cx, expr, "raw"),
    },
    OptionSpec {
        name: "unchecked",
        written: &["unchecked"],
        repeats: false,
        parse: |cx, options, expr| options.unchecked = flag(cx, expr, "unchecked"),
    },
    OptionSpec {
        name: "bundled",
        written: &["bundled"],
        repeats: false,
        parse: |cx, options, expr| options.bundled = flag(cx, expr, "bundled"),
    },
    OptionSpec {
        name: "paged",
        written: &["paged", "paged = \"items_field\""],
        repeats: false,
        parse: parse_paged,
    },
    OptionSpec {
        name: "retry",
        written: &["retry = true", "retry = false"],
        repeats: false,
        parse: parse_retry,
    },
    OptionSpec {
        name: "timeout",
        written: &["timeout = \"30s\""],
        repeats: false,
        parse: parse_timeout,
    },
    OptionSpec {
        name: "content_type",
        written: &["content_type = \"application/merge-patch+json\""],
        repeats: false,
        parse: parse_content_type,
    },
    OptionSpec {
        name: "query",
        written: &["query(key = self.field)"],
        repeats: true,
        parse: |cx, options, expr| parse_bindings(cx, options, expr, BindingKind::Query),
    },
    OptionSpec {
        name: "path",
        written: &["path(name = self.field)"],
        repeats: true,
        parse: |cx, options, expr| parse_bindings(cx, options, expr, BindingKind::Path),
    },
    OptionSpec {
        name: "crate",
        written: &["crate = \"path\""],
        repeats: false,
        parse: parse_crate,
    },
];

/// The name an option starts with: `name`, `name = ...` or `name(...)`.
fn option_name(option: &Expr) -> Option<String> {
    let head = match option {
        Expr::Path(p) if p.attrs.is_empty() && p.qself.is_none() => &p.path,
        Expr::Assign(assign) => match &*assign.left {
            Expr::Path(left) => &left.path,
            _ => return None,
        },
        Expr::Call(call) => match &*call.func {
            Expr::Path(func) => &func.path,
            _ => return None,
        },
        _ => return None,
    };
    head.get_ident().map(ToString::to_string)
}

/// The value of `name = value`, or an error saying how the option is written.
fn assigned<'a>(cx: &mut Ctxt, option: &'a Expr, how: &str) -> Option<&'a Expr> {
    match option {
        Expr::Assign(assign) => Some(&assign.right),
        other => {
            cx.error_spanned_by(other, format!("write {how}"));
            None
        }
    }
}

/// The string literal of `name = "..."`, or an error saying to write `how`.
fn assigned_string<'a>(cx: &mut Ctxt, option: &'a Expr, how: &str) -> Option<&'a LitStr> {
    let value = assigned(cx, option, how)?;
    let text = string(value);
    if text.is_none() {
        cx.error_spanned_by(value, format!("write {how}"));
    }
    text
}

/// A string literal, or `None`.
fn string(expr: &Expr) -> Option<&LitStr> {
    match expr {
        Expr::Lit(ExprLit {
            lit: Lit::Str(text), ..
        }) => Some(text),
        _ => None,
    }
}

/// A flag option: its name alone.
fn flag(cx: &mut Ctxt, option: &Expr, name: &str) -> bool {
    if matches!(option, Expr::Path(_)) {
        return true;
    }
    cx.error_spanned_by(option, format!("`{name}` takes no value: write `{name}` alone"));
    false
}

fn parse_paged(cx: &mut Ctxt, options: &mut Options, option: &Expr) {
    let span = syn::spanned::Spanned::span(option);
    if matches!(option, Expr::Path(_)) {
        options.paged = Some((Paged::Numbered, span));
        return;
    }
    match assigned(cx, option, "`paged` or `paged = \"jobs\"`").map(string) {
        Some(Some(field)) if !field.value().is_empty() => {
            options.paged = Some((Paged::NextLink(field.clone()), span));
        }
        Some(_) => {
            let value = match option {
                Expr::Assign(assign) => &*assign.right,
                other => other,
            };
            cx.error_spanned_by(
                value,
                "write `paged` for UP42's page object, or `paged = \"jobs\"` with the field that \
                 holds the items of a list that links to its next page",
            );
        }
        None => {}
    }
}

fn parse_retry(cx: &mut Ctxt, options: &mut Options, option: &Expr) {
    match assigned(cx, option, "`retry = true` or `retry = false`") {
        Some(Expr::Lit(ExprLit {
            lit: Lit::Bool(value),
            ..
        })) => options.retry = Some(value.value),
        Some(other) => cx.error_spanned_by(other, "write `retry = true` or `retry = false`"),
        None => {}
    }
}

fn parse_timeout(cx: &mut Ctxt, options: &mut Options, option: &Expr) {
    let Some(text) = assigned_string(cx, option, "the timeout as a string: `timeout = \"30s\"`") else {
        return;
    };
    match parse_duration(&text.value()) {
        Some(ms) => options.timeout = Some(ms),
        None => cx.error_spanned_by(
            text,
            format!(
                "`{}` is not a timeout; write a positive number and a unit: `\"30s\"`, \
                 `\"500ms\"`, `\"2m\"` or `\"1h\"`",
                text.value()
            ),
        ),
    }
}

fn parse_content_type(cx: &mut Ctxt, options: &mut Options, option: &Expr) {
    let how = "the media type as a string: `content_type = \"application/merge-patch+json\"`";
    let Some(text) = assigned_string(cx, option, how) else {
        return;
    };
    let media = text.value();
    if !is_media_type(&media) {
        cx.error_spanned_by(
            text,
            format!(
                "`{media}` is not a media type; write `type/subtype`, such as \
                 `\"application/merge-patch+json\"`"
            ),
        );
        return;
    }
    options.content_type = Some((media, text.span()));
}

/// `type/subtype`, perhaps with `; parameters`, in header-safe characters.
fn is_media_type(text: &str) -> bool {
    let token = |t: &str| {
        !t.is_empty()
            && t.bytes()
                .all(|b| b.is_ascii_alphanumeric() || b"!#$&-^_.+".contains(&b))
    };
    let essence = text.split(';').next().unwrap_or_default().trim();
    let parameters_ok = text.bytes().all(|b| (b' '..=b'~').contains(&b));
    matches!(essence.split_once('/'), Some((kind, sub)) if token(kind) && token(sub)) && parameters_ok
}

fn parse_crate(cx: &mut Ctxt, options: &mut Options, option: &Expr) {
    let how = "the path as a string: `crate = \"my_sdk::up42_auth\"`";
    let Some(text) = assigned_string(cx, option, how) else {
        return;
    };
    match text.parse::<syn::Path>() {
        Ok(path) => options.krate = Some(path),
        Err(_) => cx.error_spanned_by(
            text,
            format!(
                "`{}` is not a path; write where `up42` or `up42_auth` is reached from, e.g. \
                 `crate = \"my_sdk::up42_auth\"`",
                text.value()
            ),
        ),
    }
}

/// `query(key = self.field, ...)` or `path(name = self.field, ...)`.
fn parse_bindings(cx: &mut Ctxt, options: &mut Options, option: &Expr, kind: BindingKind) {
    let Expr::Call(call) = option else {
        let which = match kind {
            BindingKind::Query => "query(workspaceId = self.workspace_id)",
            BindingKind::Path => "path(workspace_id = self.workspace_id)",
        };
        cx.error_spanned_by(
            option,
            format!("write `{which}`: a name, `=`, and a field of `self`"),
        );
        return;
    };
    for arg in &call.args {
        if let Some(binding) = parse_binding(cx, kind, arg) {
            options.bindings.push(binding);
        }
    }
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
