//! The check against UP42's real endpoints: the bundled catalogue of
//! `up42-catalogue` (generated from public sources), merged
//! with the user's own OpenAPI document if there is one, and matched on
//! method plus path shape.
//!
//! Documents are read once per compiler process (and again only when a
//! user's file changes), never once per endpoint; nothing goes to the network.

use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex, OnceLock};
use std::time::SystemTime;

use proc_macro2::Span;

use crate::ast::{Arg, Role};
use crate::attr::{Args, BindingKind, Paged};
use crate::ctxt::Ctxt;
use crate::distance::{chars_distance, nearest, segment_distance};
use crate::path::{self, Part};
use up42_catalogue::{Catalogue as Spec, Method, Operation, Pagination};

/// The environment variable naming a user's OpenAPI document.
pub(crate) const SPEC_ENV: &str = "UP42_OPENAPI";
/// The user's OpenAPI document looked for at the crate root.
pub(crate) const SPEC_FILE: &str = "up42-openapi.json";

/// What the check read, for the generated code to track.
#[derive(Debug, Default)]
pub(crate) struct Checked {
    /// The user's document, if one was read: cargo must rebuild when it changes.
    pub(crate) user_file: Option<PathBuf>,
    /// The operation (`GET /v2/orders`) and the query keys it takes, when
    /// the document lists them: what a `#[query(flatten)]` struct's fields
    /// are checked against while compiling.
    pub(crate) query_keys: Option<(String, Vec<String>)>,
}

/// The user's document at `path`, read again only when it changed.
fn user_spec(path: &Path) -> Result<Arc<Spec>, String> {
    type Cache = Mutex<HashMap<PathBuf, (Option<SystemTime>, Result<Arc<Spec>, String>)>>;
    static USER: OnceLock<Cache> = OnceLock::new();
    let modified = std::fs::metadata(path).and_then(|m| m.modified()).ok();
    let mut cache = USER
        .get_or_init(Cache::default)
        .lock()
        .unwrap_or_else(|poisoned| poisoned.into_inner());
    if let Some((seen, spec)) = cache.get(path)
        && *seen == modified
        && modified.is_some()
    {
        return spec.clone();
    }
    let spec = std::fs::read_to_string(path)
        .map_err(|e| format!("it cannot be read ({e})"))
        .and_then(|text| Spec::parse(&text).map_err(|e| e.to_string()))
        .map(Arc::new);
    cache.insert(path.to_path_buf(), (modified, spec.clone()));
    spec
}

/// Where the user's document is: `UP42_OPENAPI` (relative to the crate
/// root, or absolute), else `up42-openapi.json` at the crate root if present.
/// The flag says whether the environment named it (then it must exist).
fn user_file() -> Option<(PathBuf, bool)> {
    let root = std::env::var_os("CARGO_MANIFEST_DIR").map(PathBuf::from)?;
    match std::env::var_os(SPEC_ENV).filter(|v| !v.is_empty()) {
        Some(named) => Some((root.join(named), true)),
        None => {
            let default = root.join(SPEC_FILE);
            default.is_file().then_some((default, false))
        }
    }
}

/// Checks the endpoint against the catalogue (and the user's document),
/// recording every problem in `cx`.
pub(crate) fn check(cx: &mut Ctxt, args: &Args, parts: &[Part], fn_args: &[Arg<'_>]) -> Checked {
    let mut checked = Checked::default();
    let found = match args.options.bundled {
        true => None,
        false => user_file(),
    };
    let user = match found {
        Some((path, named)) => {
            checked.user_file = Some(path.clone());
            match user_spec(&path) {
                Ok(spec) => Some(spec),
                Err(problem) => {
                    let from = match named {
                        true => format!(" (named by {SPEC_ENV})"),
                        false => String::new(),
                    };
                    cx.error_at(
                        Span::call_site(),
                        format!(
                            "cannot use the OpenAPI document `{}`{from}: {problem}; fix it, or remove it to \
                             check against the bundled catalogue only",
                            path.display()
                        ),
                    );
                    return checked;
                }
            }
        }
        None => None,
    };
    let catalogue = Catalogue {
        user: user.as_deref(),
        bundled: up42_catalogue::bundled(),
    };
    let template = path::render(parts);
    let shape = up42_catalogue::shape(&template);
    let method = args.method;
    let on_path = catalogue.operations_on(&shape);
    let Some(op) = on_path.iter().find(|op| op.method == method) else {
        cx.error_spanned_by(&args.path, catalogue.unknown(method, &template, &shape, &on_path));
        return checked;
    };
    if args.options.public.is_some() && op.public == Some(false) {
        cx.error_at(
            args.options.public.unwrap_or_else(Span::call_site),
            format!(
                "`{method} {}` needs a token: remove `public`, which would send the call without one",
                op.template
            ),
        );
    }
    if let Some(known) = &op.query {
        check_query_keys(cx, method, op, known, fn_args);
        check_bound_keys(cx, method, op, known, args);
        checked.query_keys = Some((format!("{method} {}", op.template), known.clone()));
    }
    if let (Some((paged, span)), Some(pagination), Method::Get | Method::Post) =
        (&args.options.paged, op.pagination, method)
    {
        check_pagination(cx, method, op, paged, *span, pagination);
    }
    checked
}

/// `paged` in the shape the catalogue says the endpoint pages in.
fn check_pagination(
    cx: &mut Ctxt,
    method: Method,
    op: &Operation,
    paged: &Paged,
    span: Span,
    pagination: Pagination,
) {
    let problem = match (paged, pagination) {
        // Reported by the signature's checks: a POST search has no page object.
        (Paged::Numbered, _) if method == Method::Post => return,
        (_, Pagination::None) => "is not paged: remove `paged`".to_string(),
        (Paged::NextLink(_), Pagination::Page) => {
            "answers UP42's page object (`content`, `totalPages`, ...): write `paged` without a field"
                .to_string()
        }
        (Paged::Numbered, Pagination::LinksNext | Pagination::Token) => {
            "links each page to the next: write `paged = \"...\"` with the field that holds the items \
             (`jobs` for processing jobs, `features` for STAC items)"
                .to_string()
        }
        _ => return,
    };
    cx.error_at(span, format!("`{method} {}` {problem}", op.template));
}

/// Keys of `query(key = self.field)` the document does not list.
fn check_bound_keys(cx: &mut Ctxt, method: Method, op: &Operation, known: &[String], args: &Args) {
    let bound = args
        .options
        .bindings
        .iter()
        .filter(|b| b.kind == BindingKind::Query);
    for binding in bound.filter(|b| !known.contains(&b.name)) {
        cx.error_at(
            binding.name_span,
            format!(
                "`{}` is not a query parameter of `{method} {}`{}",
                binding.name,
                op.template,
                suggest(&binding.name, known)
            ),
        );
    }
}

/// The bundled catalogue under the user's document, which wins on conflicts.
struct Catalogue<'a> {
    user: Option<&'a Spec>,
    bundled: &'a Spec,
}

impl Catalogue<'_> {
    fn operations(&self) -> impl Iterator<Item = &Operation> {
        let user = self.user.map(|s| s.operations.as_slice()).unwrap_or_default();
        let overridden = |op: &Operation| user.iter().any(|u| u.method == op.method && u.shape == op.shape);
        user.iter()
            .chain(self.bundled.operations.iter().filter(move |op| !overridden(op)))
    }

    fn operations_on(&self, shape: &[String]) -> Vec<&Operation> {
        self.operations().filter(|op| op.shape == shape).collect()
    }

    /// The message for a method and path no operation has.
    fn unknown(&self, method: Method, template: &str, shape: &[String], on_path: &[&Operation]) -> String {
        if let Some(first) = on_path.first() {
            let mut methods: Vec<Method> = on_path.iter().map(|op| op.method).collect();
            methods.sort_unstable();
            let methods: Vec<&str> = methods.into_iter().map(Method::as_str).collect();
            return format!(
                "UP42 allows {} on `{}`, not {method}; declare an endpoint UP42 does not list with the \
                 `unchecked` option",
                methods.join(", "),
                first.template
            );
        }
        let retired = self.user.into_iter().chain([self.bundled]);
        if let Some(retired) = retired.into_iter().find_map(|s| s.retired(method, shape)) {
            let when = retired
                .last_seen
                .as_deref()
                .map(|w| format!(" ({w})"))
                .unwrap_or_default();
            return match &retired.replaced_by {
                // `POST /v2/orders?workspaceId=` reads better with the value left open.
                Some(by) if by.ends_with('=') => {
                    format!("`{method} {}` was replaced by `{by}…`{when}", retired.template)
                }
                Some(by) => format!("`{method} {}` was replaced by `{by}`{when}", retired.template),
                None => format!(
                    "`{method} {}` was retired{when} and has no replacement in UP42's API",
                    retired.template
                ),
            };
        }
        // Near: a few segments apart, and a few characters too, so that a
        // path with one unrelated word is not "near" every path of its length.
        let joined = shape.join("/");
        let max_chars = (joined.len() / 4).max(3);
        let mut near: Vec<(usize, bool, usize, &Operation)> = self
            .operations()
            .filter_map(|op| {
                let distance = segment_distance(shape, &op.shape)?;
                let chars = chars_distance(&joined, &op.shape.join("/"));
                (chars <= max_chars).then_some((distance, op.method != method, chars, op))
            })
            .collect();
        near.sort_by_key(|(distance, other_method, chars, _)| (*distance, *other_method, *chars));
        match near.first() {
            Some((.., op)) if op.method == method => format!(
                "`{method} {template}` is not an UP42 endpoint; did you mean `{}`?",
                op.template
            ),
            Some((.., op)) => format!(
                "`{method} {template}` is not an UP42 endpoint; did you mean `{} {}`?",
                op.method, op.template
            ),
            None => format!(
                "`{method} {template}` is not an UP42 endpoint the catalogue knows; declare it with \
                 `unchecked`, or add it to your own `{SPEC_FILE}`"
            ),
        }
    }
}

/// Query keys the endpoint sends that the document does not list.
fn check_query_keys(cx: &mut Ctxt, method: Method, op: &Operation, known: &[String], fn_args: &[Arg<'_>]) {
    for arg in fn_args {
        let Role::Query { key, .. } = &arg.role else {
            continue;
        };
        if known.iter().any(|k| k == key) {
            continue;
        }
        // A bare `#[query]` on a struct is most likely meant to send its fields.
        let keyed = arg
            .role_attr
            .is_some_and(|attr| matches!(attr.meta, syn::Meta::List(_)));
        let hint = match keyed || is_scalar(arg.ty) {
            true => "",
            false => " (to send the fields of a struct as keys, mark it `#[query(flatten)]`)",
        };
        cx.error_spanned_by(
            arg.role_attr.expect("a query argument has its attribute"),
            format!(
                "`{key}` is not a query parameter of `{method} {}`{}{hint}",
                op.template,
                suggest(key, known)
            ),
        );
    }
}

/// `; did you mean `k`?`, or the list of the known keys.
fn suggest(key: &str, known: &[String]) -> String {
    nearest(key, known.iter().map(String::as_str), 3)
        .map(|k| format!("; did you mean `{k}`?"))
        .unwrap_or_else(|| {
            let listed: Vec<String> = known.iter().map(|k| format!("`{k}`")).collect();
            format!("; it takes {}", listed.join(", "))
        })
}

/// Whether a query argument's type is plainly a value (one key) rather than
/// perhaps a struct: references, `Option`, `Vec`, slices and arrays of
/// strings, numbers, booleans and characters.
fn is_scalar(ty: &syn::Type) -> bool {
    match ty {
        syn::Type::Reference(r) => is_scalar(&r.elem),
        syn::Type::Slice(s) => is_scalar(&s.elem),
        syn::Type::Array(a) => is_scalar(&a.elem),
        syn::Type::Paren(p) => is_scalar(&p.elem),
        syn::Type::Path(p) => {
            let Some(last) = p.path.segments.last() else {
                return false;
            };
            let name = last.ident.to_string();
            match (&last.arguments, name.as_str()) {
                (syn::PathArguments::AngleBracketed(inner), "Option" | "Vec") => inner
                    .args
                    .iter()
                    .any(|a| matches!(a, syn::GenericArgument::Type(t) if is_scalar(t))),
                (syn::PathArguments::None, name) => matches!(
                    name,
                    "str"
                        | "String"
                        | "bool"
                        | "char"
                        | "u8"
                        | "u16"
                        | "u32"
                        | "u64"
                        | "u128"
                        | "usize"
                        | "i8"
                        | "i16"
                        | "i32"
                        | "i64"
                        | "i128"
                        | "isize"
                        | "f32"
                        | "f64"
                        | "Uuid"
                ),
                _ => false,
            }
        }
        _ => false,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn segs(path: &str) -> Vec<String> {
        up42_catalogue::shape(path)
    }

    #[test]
    fn near_paths_are_near_and_unrelated_ones_far() {
        assert_eq!(
            segment_distance(&segs("/v2/order/{}"), &segs("/v2/orders/{}")),
            Some(1)
        );
        assert_eq!(
            segment_distance(&segs("/v2/orders/{}/x"), &segs("/v2/orders/{}")),
            Some(1)
        );
        assert_eq!(
            segment_distance(&segs("/v2/order/{}"), &segs("/v2/eulas/{}")),
            Some(2)
        );
        assert_eq!(segment_distance(&segs("/foo/bar"), &segs("/v2/orders")), None);
    }

    #[test]
    fn the_nearest_endpoint_is_suggested() {
        let catalogue = Catalogue {
            user: None,
            bundled: up42_catalogue::bundled(),
        };
        let shape = segs("/v2/order/{order_id}");
        let message = catalogue.unknown(Method::Get, "/v2/order/{order_id}", &shape, &[]);
        assert!(
            message.ends_with("did you mean `/v2/orders/{order_id}`?"),
            "{message}"
        );
        let message = catalogue.unknown(
            Method::Get,
            "/nothing/like/it/at/all",
            &segs("/nothing/like/it/at/all"),
            &[],
        );
        assert!(message.contains("`unchecked`"), "{message}");
    }

    #[test]
    fn scalar_types_are_told_from_structs() {
        for scalar in [
            "&str",
            "Option<u32>",
            "&[&str]",
            "Vec<String>",
            "Option<&str>",
            "[u8; 2]",
        ] {
            assert!(is_scalar(&syn::parse_str(scalar).unwrap()), "{scalar}");
        }
        for other in ["&Filter", "Option<Filter>", "T"] {
            assert!(!is_scalar(&syn::parse_str(other).unwrap()), "{other}");
        }
    }
}
