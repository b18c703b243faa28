//! The function the attribute sits on: its signature, the client parameter,
//! and each other argument with its role. The user's tokens are kept so that
//! errors can point at them.

use proc_macro2::{Span, TokenStream};
use syn::parse::{Parse, ParseStream};
use syn::punctuated::Punctuated;
use syn::{Attribute, FnArg, Ident, LitStr, Pat, Receiver, Signature, Token, Type, Visibility};

use crate::ctxt::Ctxt;

/// A body-less (or, by mistake, bodied) function.
pub(crate) struct EndpointFn {
    pub(crate) attrs: Vec<Attribute>,
    pub(crate) vis: Visibility,
    pub(crate) sig: Signature,
    /// The tokens of a body, if the user wrote one.
    pub(crate) body: Option<TokenStream>,
}

impl Parse for EndpointFn {
    fn parse(input: ParseStream) -> syn::Result<Self> {
        let attrs = input.call(Attribute::parse_outer)?;
        let vis: Visibility = input.parse()?;
        let sig: Signature = input.parse()?;
        let body = if input.peek(Token![;]) {
            input.parse::<Token![;]>()?;
            None
        } else {
            let content;
            syn::braced!(content in input);
            Some(content.parse::<TokenStream>()?)
        };
        Ok(EndpointFn {
            attrs,
            vis,
            sig,
            body,
        })
    }
}

/// How the endpoint reaches its client.
pub(crate) enum Client<'a> {
    /// `&self`: the type the method is on implements `Authenticated`.
    SelfRef(&'a Receiver),
    /// `client: &impl Authenticated` or any other reference.
    Param { ident: &'a Ident, ty: &'a Type },
}

/// What an argument is for.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Role {
    /// No attribute: fills the path placeholder of the same name.
    Path,
    /// `#[query]` or `#[query("key")]`; with `comma` (`#[query("ids", comma)]`),
    /// a list goes as one comma-joined value instead of a repeated key.
    Query { key: String, joined: bool },
    /// `#[query(flatten)]`: the fields of a `Query` struct, each its own key.
    QueryFields,
    /// `#[header("Name")]`.
    Header { name: LitStr },
    /// `#[body]`.
    Body,
    /// A role attribute that could not be read (already reported).
    Invalid,
}

/// One argument after the client.
pub(crate) struct Arg<'a> {
    pub(crate) ident: &'a Ident,
    pub(crate) ty: &'a Type,
    pub(crate) role: Role,
    /// The role attribute, for error spans.
    pub(crate) role_attr: Option<&'a Attribute>,
    pub(crate) original: &'a FnArg,
}

/// The role attributes this macro owns.
const ROLE_ATTRS: [&str; 3] = ["query", "header", "body"];

/// Whether `attr` is one of ours (stripped from the generated signature).
pub(crate) fn is_role_attr(attr: &Attribute) -> bool {
    ROLE_ATTRS.iter().any(|name| attr.path().is_ident(name))
}

impl EndpointFn {
    /// The client parameter: `&self`, or a first parameter that has no role
    /// attribute and fills no placeholder of `placeholders`.
    pub(crate) fn client(&self, placeholders: &[&str]) -> Option<Client<'_>> {
        match self.sig.inputs.first()? {
            FnArg::Receiver(receiver) => Some(Client::SelfRef(receiver)),
            FnArg::Typed(typed) => match &*typed.pat {
                Pat::Ident(pat)
                    if !typed.attrs.iter().any(is_role_attr)
                        && !placeholders.iter().any(|p| pat.ident == p) =>
                {
                    Some(Client::Param {
                        ident: &pat.ident,
                        ty: &typed.ty,
                    })
                }
                _ => None,
            },
        }
    }

    /// The arguments after the client (all of them, if there is no client),
    /// with their roles. Problems with the attributes are recorded in `cx`.
    pub(crate) fn args(&self, cx: &mut Ctxt, has_client: bool) -> Vec<Arg<'_>> {
        let mut args = Vec::new();
        for original in self.sig.inputs.iter().skip(usize::from(has_client)) {
            let FnArg::Typed(typed) = original else {
                cx.error_spanned_by(original, "`self` can only be the first parameter");
                continue;
            };
            let Pat::Ident(pat) = &*typed.pat else {
                cx.error_spanned_by(
                    &typed.pat,
                    "endpoint arguments must be plain names, like `order_id: &str`",
                );
                continue;
            };
            let mut role = Role::Path;
            let mut role_attr = None;
            for attr in typed.attrs.iter().filter(|a| is_role_attr(a)) {
                if role_attr.is_some() {
                    cx.error_spanned_by(
                        attr,
                        format!("argument `{}` has more than one role attribute", pat.ident),
                    );
                    continue;
                }
                role = parse_role(cx, attr, &pat.ident).unwrap_or(Role::Invalid);
                role_attr = Some(attr);
            }
            args.push(Arg {
                ident: &pat.ident,
                ty: &typed.ty,
                role,
                role_attr,
                original,
            });
        }
        args
    }

    /// Whether an argument is a pattern rather than a plain name (already
    /// reported), so that its name cannot be matched against placeholders.
    pub(crate) fn has_pattern_args(&self) -> bool {
        self.sig.inputs.iter().any(|input| match input {
            FnArg::Typed(typed) => !matches!(&*typed.pat, Pat::Ident(_)),
            FnArg::Receiver(_) => false,
        })
    }

    /// The span of the `fn` keyword, for errors about the function as a whole.
    pub(crate) fn fn_span(&self) -> Span {
        self.sig.fn_token.span
    }

    /// The `T` of a `Result<T, E>` return type.
    pub(crate) fn success_type(&self) -> Option<&Type> {
        let syn::ReturnType::Type(_, ty) = &self.sig.output else {
            return None;
        };
        first_type_arg(ty, "Result")
    }

    /// The `T` of a `Result<Vec<T>, E>` return type: the collect-all form of `paged`.
    pub(crate) fn vec_item(&self) -> Option<&Type> {
        first_type_arg(self.success_type()?, "Vec")
    }

    /// The `T` of a `Paged<T>` or `Paged<T, E>` return type: the stream form of `paged`.
    pub(crate) fn paged_item(&self) -> Option<&Type> {
        let syn::ReturnType::Type(_, ty) = &self.sig.output else {
            return None;
        };
        first_type_arg(ty, "Paged")
    }
}

/// The first type argument of `ty` if its last path segment is `name`.
fn first_type_arg<'a>(ty: &'a Type, name: &str) -> Option<&'a Type> {
    let Type::Path(path) = ty else {
        return None;
    };
    let last = path.path.segments.last()?;
    if last.ident != name {
        return None;
    }
    let syn::PathArguments::AngleBracketed(args) = &last.arguments else {
        return None;
    };
    args.args.iter().find_map(|arg| match arg {
        syn::GenericArgument::Type(ty) => Some(ty),
        _ => None,
    })
}

fn parse_role(cx: &mut Ctxt, attr: &Attribute, ident: &Ident) -> Option<Role> {
    let path = attr.path();
    if path.is_ident("body") {
        if !matches!(attr.meta, syn::Meta::Path(_)) {
            cx.error_spanned_by(attr, "`#[body]` takes no arguments");
        }
        return Some(Role::Body);
    }
    if path.is_ident("query") {
        let (name, joined) = match parse_query_args(cx, attr)? {
            QueryArgs::Flatten => return Some(Role::QueryFields),
            QueryArgs::Key { name, joined } => (name, joined),
        };
        let key = name.map(|l| l.value()).unwrap_or_else(|| ident.to_string());
        if key.is_empty() {
            cx.error_spanned_by(attr, "the query key cannot be empty");
        }
        return Some(Role::Query { key, joined });
    }
    let name: Option<LitStr> = match &attr.meta {
        syn::Meta::Path(_) => None,
        syn::Meta::List(_) => match attr.parse_args::<LitStr>() {
            Ok(lit) => Some(lit),
            Err(_) => {
                cx.error_spanned_by(
                    attr,
                    "expected the header name as a string literal, e.g. `#[header(\"name\")]`",
                );
                return None;
            }
        },
        syn::Meta::NameValue(_) => {
            cx.error_spanned_by(attr, format!("write `#[{}(\"name\")]`", path.get_ident()?));
            return None;
        }
    };
    match name {
        Some(name) if is_header_name(&name.value()) => Some(Role::Header { name }),
        Some(name) => {
            cx.error_spanned_by(
                &name,
                format!(
                    "`{}` is not a valid HTTP header name (letters, digits and `-`)",
                    name.value()
                ),
            );
            None
        }
        None => {
            cx.error_spanned_by(
                attr,
                "`#[header]` needs the header name, e.g. `#[header(\"X-Correlation-Id\")]`",
            );
            None
        }
    }
}

/// The arguments of `#[query(..)]`.
enum QueryArgs {
    /// An optional key (a string literal) and an optional `comma`, in that order.
    Key { name: Option<LitStr>, joined: bool },
    /// `flatten`, alone.
    Flatten,
}

fn parse_query_args(cx: &mut Ctxt, attr: &Attribute) -> Option<QueryArgs> {
    let list = match &attr.meta {
        syn::Meta::Path(_) => {
            return Some(QueryArgs::Key {
                name: None,
                joined: false,
            });
        }
        syn::Meta::NameValue(_) => {
            cx.error_spanned_by(attr, "write `#[query(\"name\")]`");
            return None;
        }
        syn::Meta::List(list) => list,
    };
    let usage = "expected the query key as a string literal and perhaps `comma`, or `flatten` alone, \
                 e.g. `#[query(\"name\")]`, `#[query(\"ids\", comma)]` or `#[query(flatten)]`";
    let items = match list.parse_args_with(Punctuated::<syn::Expr, Token![,]>::parse_terminated) {
        Ok(items) => items,
        Err(_) => {
            cx.error_spanned_by(attr, usage);
            return None;
        }
    };
    let (mut key, mut joined) = (None, false);
    for (index, item) in items.iter().enumerate() {
        match item {
            syn::Expr::Path(p) if p.path.is_ident("flatten") && items.len() == 1 => {
                return Some(QueryArgs::Flatten);
            }
            syn::Expr::Lit(syn::ExprLit {
                lit: syn::Lit::Str(text),
                ..
            }) if index == 0 => key = Some(text.clone()),
            syn::Expr::Path(p) if p.path.is_ident("comma") && !joined => joined = true,
            other => {
                cx.error_spanned_by(other, usage);
                return None;
            }
        }
    }
    Some(QueryArgs::Key { name: key, joined })
}

fn is_header_name(name: &str) -> bool {
    !name.is_empty()
        && name
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b"!#$%&'*+-.^_`|~".contains(&b))
}
