//! Cross-checks between the attribute, the path template and the signature.
//! Every problem is recorded; nothing stops at the first.

use std::collections::BTreeMap;

use crate::ast::{Arg, Client, EndpointFn, Role};
use crate::attr::{Args, BindingKind, Paged};
use crate::ctxt::Ctxt;
use crate::distance::nearest;
use crate::path::{self, Part};
use up42_catalogue::Method;

const CLIENT_HINT: &str = "the first parameter must be the client: `&self`, or a reference to an \
                           `Authenticated` value such as `client: &impl Authenticated`, \
                           `client: &dyn Authenticated` or `client: &Up42Client`";

/// Checks everything that can be checked before generating code. With a
/// malformed path (`parts` is `None`), the signature is still checked, so
/// that every mistake is reported at once.
pub(crate) fn check(
    cx: &mut Ctxt,
    args: Option<&Args>,
    parts: Option<&[Part]>,
    item: &EndpointFn,
    fn_args: &[Arg<'_>],
) {
    let streamed = args.is_some_and(|a| a.options.paged.is_some()) && item.paged_item().is_some();
    check_function(cx, item, streamed);
    if let Some(args) = args {
        check_raw(cx, args, item);
        check_paged(cx, args, item, fn_args);
    }
    match (args, parts) {
        (Some(args), Some(parts)) => {
            check_client(cx, parts, item);
            check_placeholders(cx, args, parts, item, fn_args);
            check_roles(cx, args, parts, fn_args);
            check_bindings(cx, args, parts, item, fn_args);
        }
        (Some(args), None) => check_roles(cx, args, &[], fn_args),
        _ => {}
    }
}

/// `raw` endpoints hand back the response itself.
fn check_raw(cx: &mut Ctxt, args: &Args, item: &EndpointFn) {
    let Some(success) = item.success_type().filter(|_| args.options.raw) else {
        return;
    };
    let is_response = matches!(success, syn::Type::Path(p) if p.path.segments.last().is_some_and(|s| s.ident == "Response"));
    if !is_response {
        cx.error_spanned_by(
            success,
            "a `raw` endpoint returns the response itself: write `-> Result<up42_auth::reqwest::Response, Error>`, \
             or remove `raw` to have the body decoded",
        );
    }
}

/// `paged` endpoints list items: a `GET` list, or a `POST` search whose next
/// links are POSTed again, whose items are collected (`Result<Vec<T>, E>`) or
/// streamed (`Paged<T>`), with `page` left to the toolkit.
fn check_paged(cx: &mut Ctxt, args: &Args, item: &EndpointFn, fn_args: &[Arg<'_>]) {
    let Some((paged, span)) = &args.options.paged else {
        if let Some(item_type) = item.paged_item() {
            cx.error_spanned_by(
                item_type,
                "a function returning `Paged<T>` streams the items of a list: add the `paged` option, \
                 e.g. `#[up42_endpoint(GET, \"/v2/orders\", paged)]`",
            );
        }
        return;
    };
    match (args.method, paged) {
        (Method::Get, _) | (Method::Post, Paged::NextLink(_)) => {}
        (Method::Post, Paged::Numbered) => cx.error_at(
            *span,
            "a `POST` search links each page to the next: write `paged = \"features\"` with the field \
             that holds the items; `paged` alone follows UP42's page object of a `GET` list",
        ),
        (method, _) => cx.error_at(
            *span,
            format!(
                "`paged` follows the pages of a `GET` list or a `POST` search; this endpoint is `{method}`"
            ),
        ),
    }
    if args.options.raw {
        cx.error_at(
            *span,
            "`paged` decodes the items of each page and cannot be `raw`",
        );
    }
    if item.paged_item().is_none() && item.vec_item().is_none() && item.success_type().is_some() {
        cx.error_spanned_by(
            item.success_type().expect("checked above"),
            "a `paged` endpoint returns the items of every page: `async fn ... -> Result<Vec<T>, Error>` \
             collects them, `fn ... -> Paged<T>` streams them",
        );
    }
    if matches!(paged, Paged::Numbered) {
        let page_args = fn_args
            .iter()
            .filter(|a| matches!(&a.role, Role::Query { key, .. } if key == "page"));
        for arg in page_args {
            cx.error_spanned_by(
                arg.role_attr.expect("#[query] is an attribute"),
                "a `paged` endpoint sets `page` itself, page after page; remove this argument \
                 (a `#[query] size: Option<u32>` argument sets the page size)",
            );
        }
        for binding in args
            .options
            .bindings
            .iter()
            .filter(|b| b.kind == BindingKind::Query && b.name == "page")
        {
            cx.error_at(
                binding.name_span,
                "a `paged` endpoint sets `page` itself, page after page",
            );
        }
    }
}

/// `query(key = self.field)` and `path(name = self.field)`: on `&self` methods,
/// naming placeholders and keys nothing else fills.
fn check_bindings(cx: &mut Ctxt, args: &Args, parts: &[Part], item: &EndpointFn, fn_args: &[Arg<'_>]) {
    let placeholders: Vec<&str> = path::params(parts).collect();
    let on_self = matches!(item.client(&placeholders), Some(Client::SelfRef(_)));
    let mut keys: BTreeMap<&str, ()> = BTreeMap::new();
    for arg in fn_args {
        if let Role::Query { key, .. } = &arg.role {
            keys.insert(key, ());
        }
    }
    let mut bound_paths: Vec<&str> = Vec::new();
    for binding in &args.options.bindings {
        if !on_self {
            cx.error_at(
                binding.name_span,
                "`query(..)` and `path(..)` take values from fields of `self`: declare the endpoint as a \
                 method on `&self`",
            );
            continue;
        }
        match binding.kind {
            BindingKind::Query => {
                if keys.insert(&binding.name, ()).is_some() {
                    cx.error_at(
                        binding.name_span,
                        format!("query key `{}` is sent twice", binding.name),
                    );
                }
            }
            BindingKind::Path => {
                if !placeholders.contains(&binding.name.as_str()) {
                    let hint = match nearest(
                        &binding.name,
                        placeholders.iter().copied(),
                        (binding.name.len() / 3).max(1),
                    ) {
                        Some(near) => format!("; did you mean `{near}`?"),
                        None => String::new(),
                    };
                    cx.error_at(
                        binding.name_span,
                        format!("the path has no `{{{}}}` placeholder{hint}", binding.name),
                    );
                } else if fn_args.iter().any(|a| *a.ident == binding.name)
                    || bound_paths.contains(&binding.name.as_str())
                {
                    cx.error_at(
                        binding.name_span,
                        format!(
                            "`{{{}}}` is filled twice: by this field and by an argument",
                            binding.name
                        ),
                    );
                }
                bound_paths.push(&binding.name);
            }
        }
    }
}

fn check_function(cx: &mut Ctxt, item: &EndpointFn, streamed: bool) {
    if item.body.is_some() {
        cx.error_at(
            item.fn_span(),
            "remove the function body: `#[up42_endpoint]` writes it; end the signature with `;`",
        );
    }
    if streamed {
        if let Some(asyncness) = &item.sig.asyncness {
            cx.error_spanned_by(
                asyncness,
                "a `paged` endpoint returning `Paged<T>` is a plain `fn`: the stream fetches each page \
                 when it gets there; remove `async`",
            );
        }
        return;
    }
    if item.sig.asyncness.is_none() {
        cx.error_at(item.fn_span(), "endpoint functions must be `async fn`");
    }
    if item.success_type().is_none() {
        let message = "endpoint functions return `Result<T, up42_auth::Error>` (or a `Result` whose error \
                       converts from `up42_auth::Error`)";
        match &item.sig.output {
            syn::ReturnType::Default => cx.error_spanned_by(&item.sig, message),
            syn::ReturnType::Type(_, ty) => cx.error_spanned_by(ty, message),
        }
    }
}

fn check_client(cx: &mut Ctxt, parts: &[Part], item: &EndpointFn) {
    let placeholders: Vec<&str> = path::params(parts).collect();
    match item.client(&placeholders) {
        None => match item.sig.inputs.first() {
            Some(syn::FnArg::Typed(typed)) => match &*typed.pat {
                syn::Pat::Ident(pat) if placeholders.iter().any(|p| pat.ident == p) => cx.error_spanned_by(
                    &pat.ident,
                    format!(
                        "`{0}` fills `{{{0}}}` in the path, so there is no client; {CLIENT_HINT}",
                        pat.ident
                    ),
                ),
                _ => cx.error_spanned_by(typed, CLIENT_HINT),
            },
            Some(first) => cx.error_spanned_by(first, CLIENT_HINT),
            // An argument written as a pattern was reported already; its name is unknown.
            None if item.has_pattern_args() => {}
            None => cx.error_spanned_by(&item.sig, CLIENT_HINT),
        },
        Some(Client::SelfRef(receiver)) => {
            if receiver.reference.is_none() || receiver.mutability.is_some() || receiver.colon_token.is_some()
            {
                cx.error_spanned_by(receiver, "write the receiver as `&self`");
            }
        }
        Some(Client::Param { ident, ty }) => {
            if !matches!(ty, syn::Type::Reference(_)) {
                cx.error_spanned_by(
                    ty,
                    format!("the client is borrowed: put `&` before the type of `{ident}`"),
                );
            }
        }
    }
}

/// Every `{name}` binds exactly one argument, and every role-less argument is a placeholder.
fn check_placeholders(cx: &mut Ctxt, args: &Args, parts: &[Part], item: &EndpointFn, fn_args: &[Arg<'_>]) {
    let names: Vec<String> = fn_args.iter().map(|a| format!("`{}`", a.ident)).collect();
    let listed = if names.is_empty() {
        "none".to_string()
    } else {
        names.join(", ")
    };
    let bound = |p: &str| {
        args.options
            .bindings
            .iter()
            .any(|b| b.kind == BindingKind::Path && b.name == p)
    };
    for placeholder in path::params(parts).filter(|p| !bound(p)) {
        match fn_args.iter().find(|a| a.ident == placeholder) {
            // An argument written as a pattern was reported already; its name is unknown.
            None if item.has_pattern_args() => {}
            None => {
                let unused = fn_args.iter().filter(|a| a.role == Role::Path).map(|a| a.ident.to_string());
                let unused: Vec<String> = unused.collect();
                let close = (placeholder.len() / 3).max(1);
                let hint = match nearest(placeholder, unused.iter().map(String::as_str), close) {
                    Some(near) => format!("; did you mean `{near}`?"),
                    None => format!("; arguments: {listed}"),
                };
                cx.error_spanned_by(
                    &args.path,
                    format!("path parameter `{{{placeholder}}}` has no matching function argument{hint}"),
                )
            }
            Some(arg) if !matches!(arg.role, Role::Path | Role::Invalid) => cx.error_spanned_by(
                arg.role_attr.expect("a role other than Path comes from an attribute"),
                format!(
                    "argument `{placeholder}` fills `{{{placeholder}}}` in the path and cannot also have a role \
                     attribute; remove the attribute or rename the argument"
                ),
            ),
            Some(_) => {}
        }
    }
    for arg in fn_args.iter().filter(|a| a.role == Role::Path) {
        if !path::params(parts).any(|p| arg.ident == p) {
            cx.error_spanned_by(
                arg.original,
                format!(
                    "argument `{0}` is used nowhere: add `{{{0}}}` to the path, or mark it `#[query]`, \
                     `#[header(\"Name\")]` or `#[body]`",
                    arg.ident
                ),
            );
        }
    }
}

fn check_roles(cx: &mut Ctxt, args: &Args, parts: &[Part], fn_args: &[Arg<'_>]) {
    let bodies: Vec<&Arg<'_>> = fn_args.iter().filter(|a| a.role == Role::Body).collect();
    if let Some((media, span)) = &args.options.content_type
        && bodies.is_empty()
    {
        cx.error_at(
            *span,
            format!("`{media}` would be the `Content-Type` of the body, and this endpoint has no `#[body]` argument"),
        );
    }
    if matches!(args.method, Method::Get | Method::Head) {
        for body in &bodies {
            cx.error_spanned_by(
                body.role_attr.expect("#[body] is an attribute"),
                format!("a {} request has no body; use `POST`, `PUT` or `PATCH`, or send the value with `#[query]`", args.method),
            );
        }
    } else {
        for extra in bodies.iter().skip(1) {
            cx.error_spanned_by(
                extra.role_attr.expect("#[body] is an attribute"),
                "only one argument can be the `#[body]`; put the values in one struct",
            );
        }
    }
    let mut keys: BTreeMap<&str, &Arg<'_>> = BTreeMap::new();
    let placeholders: Vec<&str> = path::params(parts).collect();
    for arg in fn_args {
        let Role::Query { key, .. } = &arg.role else {
            continue;
        };
        if placeholders.contains(&arg.ident.to_string().as_str()) {
            continue; // reported as a placeholder with a role
        }
        if let Some(first) = keys.insert(key, arg) {
            cx.error_spanned_by(
                arg.role_attr.expect("#[query] is an attribute"),
                format!("query key `{key}` is already sent by argument `{}`", first.ident),
            );
        }
    }
}
