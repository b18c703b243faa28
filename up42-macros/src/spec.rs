//! Reads an OpenAPI 3 JSON document into what the compile-time check needs:
//! each operation's method, path shape, query keys and whether it needs a
//! token, plus the retired endpoints of the `x-up42-retired` extension. The
//! bundled catalogue and a user's own document go through the same reader.

use serde_json::Value;

/// The methods an OpenAPI path item may hold that the macro can declare.
const METHODS: [&str; 6] = ["get", "post", "put", "patch", "delete", "head"];

/// One operation: a method on a path.
#[derive(Debug, Clone)]
pub(crate) struct Operation {
    /// Upper case, as in the attribute.
    pub(crate) method: String,
    /// The path as the document writes it.
    pub(crate) template: String,
    /// The path's segments, every placeholder as `{}`, no trailing slash.
    pub(crate) shape: Vec<String>,
    /// The query keys the document lists; `None` when it lists none (then
    /// keys are not checked).
    pub(crate) query: Option<Vec<String>>,
    /// `Some(true)`: no token needed (`security: []`); `Some(false)`: a token
    /// is needed; `None`: the document does not say.
    pub(crate) public: Option<bool>,
    /// UP42's `x-up42-pagination` extension: `page` (the page object),
    /// `links-next` or `token` (a next link), `none`; `None` when not said.
    pub(crate) pagination: Option<String>,
}

/// A retired or renamed endpoint.
#[derive(Debug, Clone)]
pub(crate) struct Retired {
    pub(crate) method: String,
    pub(crate) template: String,
    pub(crate) shape: Vec<String>,
    /// `METHOD path` of what replaced it, if anything did.
    pub(crate) replaced_by: Option<String>,
    /// When it was last seen in use, e.g. `2024-02`.
    pub(crate) last_seen: Option<String>,
}

/// What a document says.
#[derive(Debug, Clone, Default)]
pub(crate) struct Spec {
    pub(crate) operations: Vec<Operation>,
    pub(crate) retired: Vec<Retired>,
}

/// The segments of `template` with every placeholder as `{}` and no trailing
/// slash: what paths are matched on, whatever their placeholders are named.
pub(crate) fn shape(template: &str) -> Vec<String> {
    let mut shaped = String::with_capacity(template.len());
    let mut in_placeholder = false;
    for c in template.chars() {
        match c {
            '{' => {
                in_placeholder = true;
                shaped.push_str("{}");
            }
            '}' => in_placeholder = false,
            _ if in_placeholder => {}
            c => shaped.push(c),
        }
    }
    shaped
        .trim_end_matches('/')
        .split('/')
        .filter(|s| !s.is_empty())
        .map(str::to_string)
        .collect()
}

/// Reads a document; the error says what is wrong with it.
pub(crate) fn parse(text: &str) -> Result<Spec, String> {
    let document: Value = serde_json::from_str(text).map_err(|e| format!("it is not valid JSON ({e})"))?;
    let paths = document
        .get("paths")
        .and_then(Value::as_object)
        .ok_or("it has no `paths` object, as an OpenAPI 3 document has")?;
    let global_public = security_public(document.get("security"));
    let mut spec = Spec::default();
    for (template, item) in paths {
        let Some(item) = item.as_object() else {
            return Err(format!("the path item of `{template}` is not an object"));
        };
        let shared_query = query_keys(item.get("parameters"));
        for method in METHODS {
            let Some(op) = item.get(method) else { continue };
            let mut query = query_keys(op.get("parameters"));
            query.extend(shared_query.iter().cloned());
            spec.operations.push(Operation {
                method: method.to_ascii_uppercase(),
                template: template.clone(),
                shape: shape(template),
                query: (!query.is_empty()).then_some(query),
                public: security_public(op.get("security")).or(global_public),
                pagination: op
                    .get("x-up42-pagination")
                    .and_then(Value::as_str)
                    .map(str::to_string),
            });
        }
    }
    if let Some(retired) = document.get("x-up42-retired").and_then(Value::as_array) {
        for entry in retired {
            let (Some(method), Some(template)) = (
                entry.get("method").and_then(Value::as_str),
                entry.get("path").and_then(Value::as_str),
            ) else {
                return Err("an `x-up42-retired` entry lacks `method` or `path`".into());
            };
            let text = |key: &str| entry.get(key).and_then(Value::as_str).map(str::to_string);
            spec.retired.push(Retired {
                method: method.to_ascii_uppercase(),
                template: template.to_string(),
                shape: shape(template),
                replaced_by: text("replaced_by"),
                last_seen: text("last_seen"),
            });
        }
    }
    Ok(spec)
}

/// The names of the `in: query` parameters of a parameter list.
fn query_keys(parameters: Option<&Value>) -> Vec<String> {
    parameters
        .and_then(Value::as_array)
        .into_iter()
        .flatten()
        .filter(|p| p.get("in").and_then(Value::as_str) == Some("query"))
        .filter_map(|p| p.get("name").and_then(Value::as_str).map(str::to_string))
        .collect()
}

/// `security: []` means public; a non-empty list means a token; absent says nothing.
fn security_public(security: Option<&Value>) -> Option<bool> {
    security.and_then(Value::as_array).map(Vec::is_empty)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn shapes_ignore_placeholder_names_and_a_trailing_slash() {
        assert_eq!(shape("/v2/orders/{order_id}"), ["v2", "orders", "{}"]);
        assert_eq!(shape("/v2/orders/{orderId}/"), ["v2", "orders", "{}"]);
        assert_eq!(shape("/v2/assets/stac/"), ["v2", "assets", "stac"]);
        assert_eq!(shape("/"), Vec::<String>::new());
    }

    #[test]
    fn operations_query_keys_and_security() {
        let spec = parse(
            r#"{"openapi": "3.0.3", "security": [{"bearer": []}], "paths": {
                "/v2/things/{id}": {
                    "parameters": [{"name": "shared", "in": "query"}],
                    "get": {"parameters": [{"name": "id", "in": "path"}, {"name": "q", "in": "query"}]},
                    "delete": {"security": []}
                }},
                "x-up42-retired": [{"method": "get", "path": "/things/{id}", "replaced_by": "GET /v2/things/{id}", "last_seen": "2024-01"}]}"#,
        )
        .unwrap();
        let get = &spec.operations[0];
        assert_eq!((get.method.as_str(), get.public), ("GET", Some(false)));
        assert_eq!(
            get.query.as_deref(),
            Some(&["q".to_string(), "shared".to_string()][..])
        );
        let delete = &spec.operations[1];
        assert_eq!((delete.method.as_str(), delete.public), ("DELETE", Some(true)));
        assert_eq!(spec.retired[0].shape, ["things", "{}"]);
    }

    #[test]
    fn broken_documents_say_what_is_wrong() {
        assert!(parse("{").unwrap_err().contains("not valid JSON"));
        assert!(parse("{}").unwrap_err().contains("no `paths`"));
        assert!(parse(r#"{"paths": {"/x": 1}}"#).unwrap_err().contains("`/x`"));
    }

    #[test]
    fn the_bundled_catalogue_reads() {
        let spec = parse(include_str!("../catalogue/up42-openapi.json")).unwrap();
        assert_eq!(spec.operations.len(), 51);
        assert_eq!(spec.retired.len(), 60);
        let collections = spec
            .operations
            .iter()
            .find(|op| op.template == "/v2/collections" && op.method == "GET")
            .unwrap();
        assert_eq!(collections.public, Some(true));
    }
}
