//! `get`, `post`, `put`, `patch`, `delete`: calls on the API host, the JSON
//! answer on stdout.

use clap::Args;
use up42::toolkit::Call;
use up42::toolkit::reqwest::Method;

use crate::failure::Failure;
use crate::output;
use crate::session::Session;

/// `up42 get`.
#[derive(Debug, Args)]
pub struct Get {
    /// The path on the API host, from its first `/`: /v2/orders.
    pub path: String,
    /// A query parameter; repeat for more.
    #[arg(short, long = "query", value_name = "KEY=VALUE", value_parser = key_value)]
    pub query: Vec<(String, String)>,
    /// Follows UP42's page object (page=0, 1, ...) and prints one JSON
    /// array of every item.
    #[arg(long)]
    pub all: bool,
}

/// `up42 post`, `put`, `patch`, `delete`.
#[derive(Debug, Args)]
pub struct Send {
    /// The path on the API host, from its first `/`.
    pub path: String,
    /// A query parameter; repeat for more.
    #[arg(short, long = "query", value_name = "KEY=VALUE", value_parser = key_value)]
    pub query: Vec<(String, String)>,
    /// The JSON body: inline ('{"a": 1}'), @file.json, or @- for stdin.
    #[arg(short, long, value_name = "JSON")]
    pub data: Option<String>,
}

fn key_value(text: &str) -> Result<(String, String), String> {
    match text.split_once('=') {
        Some((key, value)) if !key.is_empty() => Ok((key.to_string(), value.to_string())),
        _ => Err(format!("`{text}` is not KEY=VALUE")),
    }
}

/// The call of `path` with the query pairs added.
fn call(method: Method, path: &str, query: &[(String, String)]) -> Result<Call, Failure> {
    let mut call = Call::new(method, path)?;
    for (key, value) in query {
        call = call.query(key, value);
    }
    Ok(call)
}

/// `up42 get PATH [-q KEY=VALUE]... [--all]`.
pub async fn get(session: &Session, args: Get) -> Result<(), Failure> {
    let call = call(Method::GET, &args.path, &args.query)?;
    if args.all {
        let items: Vec<serde_json::Value> = call.collect_pages(&session.client).await?;
        return output::json(&serde_json::Value::Array(items));
    }
    answer(&call.bytes(&session.client).await?)
}

/// `up42 post|put|patch|delete PATH [--data JSON|@file|@-]`.
pub async fn send(session: &Session, method: Method, args: Send) -> Result<(), Failure> {
    let mut call = call(method, &args.path, &args.query)?;
    if let Some(data) = &args.data {
        call = call.json_body(&body(data)?)?;
    }
    answer(&call.bytes(&session.client).await?)
}

/// The `--data` argument as JSON: inline, `@file` or `@-` (stdin).
fn body(data: &str) -> Result<serde_json::Value, Failure> {
    crate::values::json_or_file("--data", data).map_err(Failure::Usage)
}

/// Prints an answer's body: JSON pretty-printed, anything else as it is.
fn answer(body: &[u8]) -> Result<(), Failure> {
    if body.is_empty() {
        return Ok(());
    }
    match serde_json::from_slice::<serde_json::Value>(body) {
        Ok(value) => output::json(&value),
        Err(_) => output::line(&crate::term::clean_lines(
            String::from_utf8_lossy(body).trim_end(),
        )),
    }
}
