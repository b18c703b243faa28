//! What goes to stdout: JSON, pretty-printed, in colour on a terminal only,
//! so that piped output stays plain JSON for `jq`; resource commands' items
//! as a table, JSON or NDJSON.

use std::io::{IsTerminal, Write};

use crate::failure::Failure;
use crate::table::Table;

/// Prints `value` on stdout.
pub fn json(value: &serde_json::Value) -> Result<(), Failure> {
    let text = match std::io::stdout().is_terminal() {
        true => colored_json::to_colored_json_auto(value),
        false => serde_json::to_string_pretty(value),
    }
    .map_err(|e| Failure::Local(format!("cannot print the answer: {e}")))?;
    line(&crate::term::clean_json(&text))
}

/// Prints `text` and a newline on stdout; a closed pipe (`| head`) is not an error.
pub fn line(text: &str) -> Result<(), Failure> {
    let mut out = std::io::stdout().lock();
    match writeln!(out, "{text}").and_then(|()| out.flush()) {
        Err(e) if e.kind() != std::io::ErrorKind::BrokenPipe => {
            Err(Failure::Local(format!("cannot write to stdout: {e}")))
        }
        _ => Ok(()),
    }
}

/// How a resource command prints what it found.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum Format {
    /// A table for people (the default on a terminal).
    Table,
    /// One JSON array (the default when stdout is not a terminal): the typed models.
    Json,
    /// One JSON object per line.
    Ndjson,
    /// One GeoJSON FeatureCollection: for things with a geometry (scenes).
    Geojson,
}

/// The refusal of `-o geojson` for things without a geometry.
pub fn no_geometry() -> Failure {
    Failure::Usage(
        "-o geojson is for things with a geometry (catalog search); use json or ndjson".to_string(),
    )
}

/// Prints one `item` as `format` says (JSON: the object itself), or as
/// suits stdout: `table` makes its table.
pub fn one<T: serde::Serialize>(
    item: &T,
    format: Option<Format>,
    table: impl FnOnce(&T) -> Table,
) -> Result<(), Failure> {
    let unprintable = |e: serde_json::Error| Failure::Local(format!("cannot print the answer: {e}"));
    match chosen(format) {
        Format::Table => line(&table(item).render(std::io::stdout().is_terminal())),
        Format::Json => json(&serde_json::to_value(item).map_err(unprintable)?),
        Format::Ndjson => json_line(item),
        Format::Geojson => Err(no_geometry()),
    }
}

/// `format`, or what suits stdout: a table on a terminal, JSON otherwise.
pub fn chosen(format: Option<Format>) -> Format {
    format.unwrap_or(match std::io::stdout().is_terminal() {
        true => Format::Table,
        false => Format::Json,
    })
}

/// Prints `items` as `format` says, or as suits stdout: `table` makes the
/// table of them.
pub fn items<T: serde::Serialize>(
    items: &[T],
    format: Option<Format>,
    table: impl FnOnce(&[T]) -> Table,
) -> Result<(), Failure> {
    let unprintable = |e: serde_json::Error| Failure::Local(format!("cannot print the answer: {e}"));
    match chosen(format) {
        Format::Table => line(&table(items).render(std::io::stdout().is_terminal())),
        Format::Json => json(&serde_json::to_value(items).map_err(unprintable)?),
        Format::Ndjson => {
            for item in items {
                json_line(item)?;
            }
            Ok(())
        }
        Format::Geojson => Err(no_geometry()),
    }
}

/// Prints `item` as JSON on one line (for NDJSON).
pub fn json_line<T: serde::Serialize>(item: &T) -> Result<(), Failure> {
    let text =
        serde_json::to_string(item).map_err(|e| Failure::Local(format!("cannot print the answer: {e}")))?;
    line(&crate::term::clean_json(&text))
}

/// Prints one `item` of a kind that is also listed: JSON is the object itself
/// (never an array of one), the table is the list's with one row.
pub fn single<T: serde::Serialize>(
    item: &T,
    format: Option<Format>,
    table: impl FnOnce(&[T]) -> Table,
) -> Result<(), Failure> {
    one(item, format, |item| table(std::slice::from_ref(item)))
}

/// The table of a JSON Schema's properties (an order's parameters, storage's
/// queryables): each one's name, type, whether it is required, and its
/// title or description. The JSON is the schema itself.
pub fn schema_table(schema: &serde_json::Value) -> Table {
    let mut table = Table::new(&["PROPERTY", "TYPE", "REQUIRED", "ABOUT"]);
    let required: Vec<&str> = schema["required"]
        .as_array()
        .map(|names| names.iter().filter_map(serde_json::Value::as_str).collect())
        .unwrap_or_default();
    let Some(properties) = schema["properties"].as_object() else {
        return table;
    };
    for (name, property) in properties {
        let kind = match (&property["type"], &property["$ref"], &property["format"]) {
            (serde_json::Value::String(kind), _, serde_json::Value::String(format)) => {
                format!("{kind} ({format})")
            }
            (serde_json::Value::String(kind), _, _) => kind.clone(),
            (serde_json::Value::Array(kinds), _, _) => {
                let kinds: Vec<&str> = kinds.iter().filter_map(serde_json::Value::as_str).collect();
                kinds.join(" | ")
            }
            (_, serde_json::Value::String(reference), _) => reference.clone(),
            _ => String::new(),
        };
        let about = [&property["title"], &property["description"]]
            .into_iter()
            .find_map(serde_json::Value::as_str)
            .unwrap_or_default();
        let needed = match required.contains(&name.as_str()) {
            true => ("yes", crate::table::Tone::Good),
            false => ("", crate::table::Tone::Plain),
        };
        table.row(vec![
            (name.clone(), crate::table::Tone::Plain),
            (kind, crate::table::Tone::Plain),
            (needed.0.to_string(), needed.1),
            (about.to_string(), crate::table::Tone::Plain),
        ]);
    }
    table
}
