//! `up42 endpoints [FILTER]`: UP42's endpoints as the toolkit's compile-time
//! check knows them (the catalogue bundled with `up42-macros`).

use crate::failure::Failure;
use crate::output;

/// The catalogue: an OpenAPI 3 document of UP42's current endpoints.
const CATALOGUE: &str = include_str!("../../up42-macros/catalogue/up42-openapi.json");
const METHODS: [&str; 6] = ["get", "post", "put", "patch", "delete", "head"];

/// Prints `METHOD PATH` lines, those containing `filter` (any case) only.
pub fn list(filter: Option<&str>) -> Result<(), Failure> {
    let document: serde_json::Value = serde_json::from_str(CATALOGUE)
        .map_err(|e| Failure::Local(format!("the bundled catalogue is not JSON: {e}")))?;
    let filter = filter.map(str::to_lowercase);
    let mut lines = Vec::new();
    if let Some(paths) = document["paths"].as_object() {
        for (path, item) in paths {
            for method in METHODS.iter().filter(|m| item.get(**m).is_some()) {
                let line = format!("{:<7}{path}", method.to_uppercase());
                if filter.as_ref().is_none_or(|f| line.to_lowercase().contains(f)) {
                    lines.push(line);
                }
            }
        }
    }
    lines.sort_by(|a, b| a[7..].cmp(&b[7..]).then(a.cmp(b)));
    if lines.is_empty() {
        eprintln!("up42: no known endpoint matches");
    }
    for line in lines {
        output::line(&line)?;
    }
    Ok(())
}
