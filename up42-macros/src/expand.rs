//! Code generation: a thin body that describes the call and hands it to the
//! runtime in `up42_auth::__private`.

use proc_macro2::{Span, TokenStream};
use quote::{format_ident, quote, quote_spanned};
use syn::Ident;
use syn::spanned::Spanned;

use crate::ast::{self, Client, EndpointFn};
use crate::attr::{self, Paged};
use crate::catalogue;
use crate::ctxt::Ctxt;
use crate::model::{Fill, Model, Output, Source};
use crate::path::{self, Part};
use crate::valid;

/// The whole macro: parse, validate, expand; on errors, the errors and a
/// signature with a diverging body, so that one mistake does not cascade.
pub(crate) fn expand(attr_tokens: TokenStream, item_tokens: TokenStream) -> TokenStream {
    let item: EndpointFn = match syn::parse2(item_tokens.clone()) {
        Ok(item) => item,
        Err(error) => {
            let message = format!(
                "`#[up42_endpoint]` goes on a body-less `async fn` signature ending in `;` ({error})"
            );
            // The item stays, so that one mistake does not cascade into "not found" errors.
            let error = syn::Error::new(error.span(), message).to_compile_error();
            return quote!(#error #item_tokens);
        }
    };
    let mut cx = Ctxt::default();
    let args = attr::parse(&mut cx, attr_tokens);
    let parts = args
        .as_ref()
        .and_then(|args| match path::parse(&args.path.value()) {
            Ok(parts) => Some(parts),
            Err(errors) => {
                for error in errors {
                    cx.error_spanned_by(&args.path, error);
                }
                None
            }
        });
    let placeholders: Vec<&str> = parts
        .as_deref()
        .map(|p| path::params(p).collect())
        .unwrap_or_default();
    let fn_args = item.args(&mut cx, item.client(&placeholders).is_some());
    valid::check(&mut cx, args.as_ref(), parts.as_deref(), &item, &fn_args);
    let mut checked = catalogue::Checked::default();
    if let (Some(args), Some(parts)) = (&args, &parts)
        && !args.options.unchecked
    {
        checked = catalogue::check(&mut cx, args, parts, &fn_args);
    }
    if let Err(errors) = cx.check() {
        return fallback(&item, errors);
    }
    // Every mistake was reported above; stay total all the same.
    let model = args
        .as_ref()
        .zip(parts.as_deref())
        .and_then(|(args, parts)| Model::resolve(args, parts, &item, &fn_args));
    match model {
        Some(model) => generate(&model, &checked),
        None => fallback(
            &item,
            syn::Error::new(
                Span::call_site(),
                "`#[up42_endpoint]` could not read this endpoint; please report it with the declaration",
            ),
        ),
    }
}

/// The signature as the user wrote it, without our role attributes.
fn clean_signature(item: &EndpointFn) -> TokenStream {
    let mut sig = item.sig.clone();
    for input in sig.inputs.iter_mut() {
        if let syn::FnArg::Typed(typed) = input {
            typed.attrs.retain(|a| !ast::is_role_attr(a));
        }
    }
    let attrs = &item.attrs;
    let vis = &item.vis;
    quote!(#(#attrs)* #vis #sig)
}

fn fallback(item: &EndpointFn, errors: syn::Error) -> TokenStream {
    let signature = clean_signature(item);
    let errors = errors.to_compile_error();
    quote! {
        #errors
        #[allow(unused_variables, clippy::diverging_sub_expression)]
        #signature {
            ::core::unimplemented!("this endpoint did not compile")
        }
    }
}

/// The name of `up42_auth`'s module for generated code. It carries the
/// version, and `up42-auth` pins this crate's exact version: generated code
/// relies on items that are not a public API, so only the matching pair may meet.
pub(crate) fn private_module() -> Ident {
    let version = env!("CARGO_PKG_VERSION").replace(['.', '-', '+'], "_");
    Ident::new(&format!("__private_{version}"), Span::call_site())
}

/// Where generated code reaches the runtime, in this order: the
/// `crate = "..."` option; else the `up42` crate, under the name the calling
/// crate gave it in its `Cargo.toml`; else `up42-auth`, likewise (so
/// `u = { package = "up42" }` and `auth = { package = "up42-auth" }` work);
/// else `::up42_auth`.
pub(crate) fn runtime_crate(krate: Option<&syn::Path>) -> TokenStream {
    if let Some(path) = krate {
        return quote!(#path);
    }
    for (package, itself) in [("up42", "up42"), ("up42-auth", "up42_auth")] {
        match proc_macro_crate::crate_name(package) {
            Ok(proc_macro_crate::FoundCrate::Name(name)) => {
                let name = Ident::new(&name, Span::call_site());
                return quote!(::#name);
            }
            // The crate's own code, doctests and tests, which see it by its own name.
            Ok(proc_macro_crate::FoundCrate::Itself) => {
                let name = Ident::new(itself, Span::call_site());
                return quote!(::#name);
            }
            Err(_) => {}
        }
    }
    quote!(::up42_auth)
}

fn generate(model: &Model<'_>, checked: &catalogue::Checked) -> TokenStream {
    let runtime = runtime_crate(model.args.options.krate.as_ref());
    let module = private_module();
    let private = quote!(#runtime::#module);
    let names = Names {
        request: Ident::new("__up42_request", Span::mixed_site()),
        response: Ident::new("__up42_response", Span::mixed_site()),
        endpoint: format_ident!("__UP42_ENDPOINT"),
    };
    let endpoint_static = endpoint_static(model, &private, &names.endpoint);
    let call = call(model, &private, &names);
    let tracked = tracked(checked);
    let query_checks = query_checks(model, checked, &private);
    let signature = clean_signature(model.item);
    quote! {
        #signature {
            #tracked
            #query_checks
            #endpoint_static
            #call
        }
    }
}

/// The hygienic names the generated body uses.
struct Names {
    request: Ident,
    response: Ident,
    endpoint: Ident,
}

/// The `static` description of the endpoint the runtime reads.
fn endpoint_static(model: &Model<'_>, private: &TokenStream, endpoint: &Ident) -> TokenStream {
    let (args, item) = (model.args, model.item);
    let method = syn::Ident::new(args.method.as_str(), args.method_span);
    let path_parts = model.parts.iter().map(|part| match part {
        Part::Literal(text) => quote!(#private::PathPart::Literal(#text)),
        Part::Param(name) => quote!(#private::PathPart::Param(#name)),
    });
    let public = args.options.public.is_some();
    let raw = args.options.raw;
    let template = args.path.value();
    let function = item.sig.ident.to_string();
    let retry = match args.options.retry {
        None => quote!(#private::Retry::IfIdempotent),
        Some(true) => quote!(#private::Retry::Always),
        Some(false) => quote!(#private::Retry::Never),
    };
    let paging = match model.paged() {
        None => quote!(#private::Paging::None),
        Some(Paged::Numbered) => quote!(#private::Paging::Numbered),
        Some(Paged::NextLink(field)) => quote!(#private::Paging::NextLink(#field)),
    };
    let some = |value: TokenStream| quote!(::core::option::Option::Some(#value));
    let none = quote!(::core::option::Option::None);
    let timeout = match args.options.timeout {
        Some(ms) => some(quote!(#private::Duration::from_millis(#ms))),
        None => none.clone(),
    };
    let content_type = match &args.options.content_type {
        Some((media, _)) => some(quote!(#media)),
        None => none,
    };
    quote! {
        static #endpoint: #private::Endpoint = #private::Endpoint {
            method: #private::Method::#method,
            template: ::core::option::Option::Some(#template),
            function: #function,
            path: &[#(#path_parts),*],
            public: #public,
            retry: #retry,
            raw: #raw,
            paging: #paging,
            timeout: #timeout,
            content_type: #content_type,
        };
    }
}

/// The statements that put each argument into the request, each spanned
/// at the argument, so that a value that cannot be sent points there.
fn fills(model: &Model<'_>, request: &Ident) -> Vec<TokenStream> {
    let fill = model.fills.iter().map(|fill| {
        let (value, span) = match fill {
            Fill::Path { value, .. }
            | Fill::Query { value, .. }
            | Fill::QueryFields { value, .. }
            | Fill::Header { value, .. }
            | Fill::Body { value, .. } => (value, value.span()),
        };
        let value = match value {
            Source::Arg { ident, .. } => quote!(#ident),
            Source::Field(expr) => quote!(#expr),
        };
        match fill {
            Fill::Path { name, .. } => quote_spanned!(span=> #request.path(#name, &#value)?;),
            Fill::Query {
                key, joined: false, ..
            } => quote_spanned!(span=> #request.query(#key, &#value)?;),
            Fill::Query {
                key, joined: true, ..
            } => {
                quote_spanned!(span=> #request.query_joined(#key, &#value)?;)
            }
            Fill::QueryFields { .. } => quote_spanned!(span=> #request.query_fields(&#value)?;),
            Fill::Header { name, .. } => quote_spanned!(span=> #request.header(#name, &#value)?;),
            Fill::Body { name, .. } => quote_spanned!(span=> #request.json_body(#name, &#value)?;),
        }
    });
    fill.collect()
}

/// The call itself: the request filled, sent, and its answer decoded as
/// the function's output says.
fn call(model: &Model<'_>, private: &TokenStream, names: &Names) -> TokenStream {
    let Names {
        request,
        response,
        endpoint,
    } = names;
    let fill = fills(model, request);
    let client = match &model.client {
        Client::SelfRef(receiver) => {
            let self_token = &receiver.self_token;
            quote_spanned!(receiver.span()=> #self_token as &dyn #private::Authenticated)
        }
        Client::Param { ident, ty } => quote_spanned!(ty.span()=> #ident as &dyn #private::Authenticated),
    };
    let decode_page = |item_type: &syn::Type| quote_spanned!(item_type.span()=> <#item_type as #private::FromJson>::from_page);
    let filled = |finish: TokenStream| {
        quote! {
            let mut #request = #private::Request::new(&#endpoint);
            #(#fill)*
            #finish
        }
    };
    match model.output {
        // The stream form: an argument that cannot be sent is the stream's first item.
        Output::Stream(item_type) => {
            let decode_page = decode_page(item_type);
            quote! {
                let #request = (|| {
                    let mut #request = #private::Request::new(&#endpoint);
                    #(#fill)*
                    ::core::result::Result::Ok::<_, #private::Error>(#request)
                })();
                #private::stream_pages(#client, #request, #decode_page)
            }
        }
        Output::Collect(item_type) => {
            let decode_page = decode_page(item_type);
            filled(quote!(#private::collect_pages(#client, #request, #decode_page).await))
        }
        Output::Raw(success) => filled(quote_spanned!(success.span()=>
            ::core::result::Result::Ok(#private::send(#client, #request).await?)
        )),
        Output::Unit => filled(quote! {
            let #response = #private::send(#client, #request).await?;
            #private::decode_unit(#response).await
        }),
        Output::Json(success) => filled(quote_spanned! {success.span()=>
            let #response = #private::send(#client, #request).await?;
            #private::decode_json(#response, <#success as #private::FromJson>::from_json).await
        }),
    }
}

/// Cargo rebuilds the crate when the user's OpenAPI document, or the
/// variable naming it, changes: both become inputs of the generated code.
fn tracked(checked: &catalogue::Checked) -> TokenStream {
    let spec_env = catalogue::SPEC_ENV;
    let mut tracked = quote!(
        const _: ::core::option::Option<&str> = ::core::option_env!(#spec_env);
    );
    if let Some(file) = checked.user_file.as_ref().and_then(|f| f.to_str()) {
        tracked.extend(quote!(
            const _: &[u8] = ::core::include_bytes!(#file);
        ));
    }
    tracked
}

/// For each `#[query(flatten)]` struct, a `const` the compiler evaluates:
/// it fails the build, at the attribute, when a field is not a query key of
/// the operation or is sent by another argument too. Without the catalogue's
/// keys (`unchecked`) only the `Query` bound is checked, by the call.
fn query_checks(model: &Model<'_>, checked: &catalogue::Checked, private: &TokenStream) -> TokenStream {
    let Some((operation, keys)) = &checked.query_keys else {
        return TokenStream::new();
    };
    let mut taken: Vec<&str> = model
        .fills
        .iter()
        .filter_map(|fill| match fill {
            Fill::Query { key, .. } => Some(*key),
            _ => None,
        })
        .collect();
    if matches!(model.paged(), Some(Paged::Numbered)) {
        taken.push("page");
    }
    let checks = model.fills.iter().filter_map(|fill| {
        let Fill::QueryFields { ty, .. } = fill else {
            return None;
        };
        let mut ty = *ty;
        while let syn::Type::Reference(reference) = ty {
            ty = &reference.elem;
        }
        // At the struct's name: the message names the field of it that does not fit.
        Some(quote_spanned! {ty.span()=>
            const _: () = match #private::query_problem::<#ty>(&[#(#keys),*], &[#(#taken),*], #operation) {
                ::core::option::Option::Some(problem) => ::core::panic!("{}", problem.as_str()),
                ::core::option::Option::None => {}
            };
        })
    });
    quote!(#(#checks)*)
}

#[cfg(test)]
mod tests {
    use quote::quote;

    /// The expansion the crate documentation shows (`doc/get_order.rs`):
    /// the real one, formatted, with the runtime's module for generated code
    /// written `rt`. Regenerate it with `UP42_BLESS=1 cargo test -p up42-macros`.
    #[test]
    fn the_documented_expansion_is_the_real_one() {
        let attr = quote!(GET, "/v2/orders/{order_id}");
        let item = quote! {
            /// Fetches one order.
            pub async fn get_order(client: &impl Authenticated, order_id: &str) -> Result<Order, Error>;
        };
        let expanded = super::expand(attr, item);
        let file: syn::File = syn::parse2(expanded).expect("the expansion parses as Rust");
        let module = format!("{}::{}", quote!(::up42_auth), super::private_module());
        let shown = prettyplease::unparse(&file).replace(&module.replace(' ', ""), "rt");
        let path = concat!(env!("CARGO_MANIFEST_DIR"), "/doc/get_order.rs");
        if std::env::var_os("UP42_BLESS").is_some() {
            std::fs::write(path, &shown).unwrap();
        }
        let documented = std::fs::read_to_string(path).unwrap();
        assert_eq!(
            documented, shown,
            "the documented expansion is out of date: UP42_BLESS=1 cargo test -p up42-macros"
        );
    }
}
