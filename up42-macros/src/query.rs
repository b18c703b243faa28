//! `#[derive(Query)]`: publishes a `Serialize` struct's serialized field
//! names, so that `#[up42_endpoint]` can check them against the catalogue.
//!
//! Parse (the struct, serde's renames, `#[query(comma)]`), validate (what
//! serde would send that cannot be named here is an error), expand (one
//! `impl Query` with the names).

use proc_macro2::TokenStream;
use quote::quote;
use syn::{Attribute, Data, DeriveInput, Fields, LitStr};

use crate::ctxt::Ctxt;
use crate::expand::{private_module, runtime_crate};

/// One field as it is sent.
struct Field {
    name: String,
    joined: bool,
}

/// The whole derive.
pub(crate) fn derive(input: TokenStream) -> TokenStream {
    let input: DeriveInput = match syn::parse2(input) {
        Ok(input) => input,
        Err(error) => return error.to_compile_error(),
    };
    let mut cx = Ctxt::default();
    let fields = fields(&mut cx, &input);
    if let Err(errors) = cx.check() {
        return errors.to_compile_error();
    }
    let runtime = runtime_crate(None);
    let private = private_module();
    let ident = &input.ident;
    let (impl_generics, ty_generics, where_clause) = input.generics.split_for_impl();
    let name = ident.to_string();
    let fields = fields.iter().map(
        |Field { name, joined }| quote!(#runtime::#private::QueryField { name: #name, joined: #joined }),
    );
    quote! {
        impl #impl_generics #runtime::#private::Query for #ident #ty_generics #where_clause {
            const NAME: &'static str = #name;
            const FIELDS: &'static [#runtime::#private::QueryField] = &[#(#fields),*];
        }
    }
}

/// The fields serde sends, with the names it sends them under.
fn fields(cx: &mut Ctxt, input: &DeriveInput) -> Vec<Field> {
    let named = match &input.data {
        Data::Struct(data) => match &data.fields {
            Fields::Named(named) => named,
            _ => {
                cx.error_spanned_by(
                    &input.ident,
                    "`Query` is derived for structs with named fields: each field is a query key",
                );
                return Vec::new();
            }
        },
        _ => {
            cx.error_spanned_by(
                &input.ident,
                "`Query` is derived for structs with named fields: each field is a query key",
            );
            return Vec::new();
        }
    };
    let container = serde_attrs(cx, &input.attrs, Level::Container);
    // A rule serde does not know is serde's error to report.
    let rule = container
        .rename_all
        .as_ref()
        .and_then(|lit| RenameRule::parse(&lit.value()));
    let mut out = Vec::new();
    for field in &named.named {
        let Some(ident) = &field.ident else { continue };
        let serde = serde_attrs(cx, &field.attrs, Level::Field);
        let joined = query_attrs(cx, &field.attrs);
        if serde.skip {
            continue;
        }
        let written = ident.to_string();
        let written = written.strip_prefix("r#").unwrap_or(&written);
        let name = match (&serde.rename, rule) {
            (Some(lit), _) => lit.value(),
            (None, Some(rule)) => rule.apply(written),
            (None, None) => written.to_string(),
        };
        out.push(Field { name, joined });
    }
    out
}

/// Where a `#[serde(..)]` attribute sits.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Level {
    Container,
    Field,
}

/// What the derive needs of serde's attributes.
#[derive(Default)]
struct SerdeAttrs {
    rename_all: Option<LitStr>,
    rename: Option<LitStr>,
    skip: bool,
}

/// Reads `#[serde(..)]`: renames and skips; refuses what would send keys
/// the derive cannot name (`flatten`, `tag`, `untagged`, `transparent`,
/// `into`, `serialize_with` on the whole struct).
fn serde_attrs(cx: &mut Ctxt, attrs: &[Attribute], level: Level) -> SerdeAttrs {
    let mut out = SerdeAttrs::default();
    for attr in attrs.iter().filter(|a| a.path().is_ident("serde")) {
        let result = attr.parse_nested_meta(|meta| {
            let path = &meta.path;
            let refused = match level {
                Level::Container => ["tag", "untagged", "transparent", "into", "remote"].as_slice(),
                Level::Field => ["flatten"].as_slice(),
            };
            if let Some(word) = refused.iter().find(|w| path.is_ident(w)) {
                cx.error_spanned_by(
                    path,
                    format!(
                        "`#[serde({word})]` sends keys `Query` cannot name: write each query key as a \
                         field of its own"
                    ),
                );
            }
            if path.is_ident("rename_all") && level == Level::Container {
                out.rename_all = serialize_name(&meta)?;
            } else if path.is_ident("rename") && level == Level::Field {
                out.rename = serialize_name(&meta)?;
            } else if level == Level::Field && (path.is_ident("skip") || path.is_ident("skip_serializing")) {
                out.skip = true;
            } else {
                skip_value(&meta)?;
            }
            Ok(())
        });
        if let Err(error) = result {
            cx.error_spanned_by(attr, format!("cannot read this `#[serde]` attribute: {error}"));
        }
    }
    out
}

/// The serialized name of `rename = ".."` or `rename(serialize = "..")`.
fn serialize_name(meta: &syn::meta::ParseNestedMeta<'_>) -> syn::Result<Option<LitStr>> {
    if meta.input.peek(syn::Token![=]) {
        return Ok(Some(meta.value()?.parse()?));
    }
    let mut name = None;
    meta.parse_nested_meta(|inner| {
        let value: LitStr = inner.value()?.parse()?;
        if inner.path.is_ident("serialize") {
            name = Some(value);
        }
        Ok(())
    })?;
    Ok(name)
}

/// Passes over an option this derive has no use for.
fn skip_value(meta: &syn::meta::ParseNestedMeta<'_>) -> syn::Result<()> {
    if meta.input.peek(syn::Token![=]) {
        meta.value()?.parse::<syn::Expr>()?;
    } else if meta.input.peek(syn::token::Paren) {
        let content;
        syn::parenthesized!(content in meta.input);
        content.parse::<TokenStream>()?;
    }
    Ok(())
}

/// `#[query(comma)]`: the field's list goes as one comma-joined value.
fn query_attrs(cx: &mut Ctxt, attrs: &[Attribute]) -> bool {
    let mut joined = false;
    for attr in attrs.iter().filter(|a| a.path().is_ident("query")) {
        let result = attr.parse_nested_meta(|meta| {
            if meta.path.is_ident("comma") {
                joined = true;
                Ok(())
            } else {
                Err(meta.error("the only option is `comma`: `#[query(comma)]`"))
            }
        });
        if let Err(error) = result {
            cx.error_at(error.span(), error);
        }
    }
    joined
}

/// serde's `rename_all` rules, applied to a `snake_case` field name.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum RenameRule {
    Lower,
    Upper,
    Pascal,
    Camel,
    Snake,
    ScreamingSnake,
    Kebab,
    ScreamingKebab,
}

impl RenameRule {
    fn parse(rule: &str) -> Option<RenameRule> {
        Some(match rule {
            "lowercase" => RenameRule::Lower,
            "UPPERCASE" => RenameRule::Upper,
            "PascalCase" => RenameRule::Pascal,
            "camelCase" => RenameRule::Camel,
            "snake_case" => RenameRule::Snake,
            "SCREAMING_SNAKE_CASE" => RenameRule::ScreamingSnake,
            "kebab-case" => RenameRule::Kebab,
            "SCREAMING-KEBAB-CASE" => RenameRule::ScreamingKebab,
            _ => return None,
        })
    }

    fn apply(self, field: &str) -> String {
        match self {
            RenameRule::Lower | RenameRule::Snake => field.to_string(),
            RenameRule::Upper | RenameRule::ScreamingSnake => field.to_ascii_uppercase(),
            RenameRule::Kebab => field.replace('_', "-"),
            RenameRule::ScreamingKebab => field.replace('_', "-").to_ascii_uppercase(),
            RenameRule::Pascal | RenameRule::Camel => {
                let mut out = String::with_capacity(field.len());
                let mut capital = self == RenameRule::Pascal;
                for c in field.chars() {
                    if c == '_' {
                        capital = true;
                    } else if capital {
                        out.extend(c.to_uppercase());
                        capital = false;
                    } else {
                        out.push(c);
                    }
                }
                out
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn names(source: &str) -> Result<Vec<(String, bool)>, String> {
        let input: DeriveInput = syn::parse_str(source).unwrap();
        let mut cx = Ctxt::default();
        let fields = fields(&mut cx, &input);
        cx.check().map_err(|e| e.to_string())?;
        Ok(fields.into_iter().map(|f| (f.name, f.joined)).collect())
    }

    #[test]
    fn names_follow_serde() {
        let found = names(
            r#"#[derive(Serialize)] #[serde(rename_all = "camelCase", deny_unknown_fields)]
            struct Q {
                workspace_id: Option<String>,
                #[serde(rename = "type")] order_type: Option<String>,
                #[serde(skip)] hidden: u8,
                #[serde(skip_serializing_if = "Vec::is_empty")] #[query(comma)] order_ids: Vec<String>,
                #[serde(rename(serialize = "s", deserialize = "t"))] r#sort: Option<String>,
            }"#,
        )
        .unwrap();
        let expected = [
            ("workspaceId", false),
            ("type", false),
            ("orderIds", true),
            ("s", false),
        ];
        let expected: Vec<(String, bool)> = expected.iter().map(|(n, j)| (n.to_string(), *j)).collect();
        assert_eq!(found, expected);
    }

    #[test]
    fn every_rename_rule() {
        let cases = [
            ("lowercase", "page_size"),
            ("UPPERCASE", "PAGE_SIZE"),
            ("PascalCase", "PageSize"),
            ("camelCase", "pageSize"),
            ("snake_case", "page_size"),
            ("SCREAMING_SNAKE_CASE", "PAGE_SIZE"),
            ("kebab-case", "page-size"),
            ("SCREAMING-KEBAB-CASE", "PAGE-SIZE"),
        ];
        for (rule, expected) in cases {
            assert_eq!(
                RenameRule::parse(rule).unwrap().apply("page_size"),
                expected,
                "{rule}"
            );
        }
    }

    #[test]
    fn what_cannot_be_named_is_refused() {
        for source in [
            "struct Q(u32);",
            "enum Q { A }",
            "struct Q { #[serde(flatten)] rest: Other }",
            "#[serde(tag = \"kind\")] struct Q { a: u32 }",
            "struct Q { #[query(joined)] a: Vec<u32> }",
        ] {
            assert!(names(source).is_err(), "{source}");
        }
    }
}
