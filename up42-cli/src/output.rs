//! What goes to stdout: JSON, pretty-printed, in colour on a terminal only,
//! so that piped output stays plain JSON for `jq`.

use std::io::{IsTerminal, Write};

use crate::failure::Failure;

/// Prints `value` on stdout.
pub fn json(value: &serde_json::Value) -> Result<(), Failure> {
    let text = match std::io::stdout().is_terminal() {
        true => colored_json::to_colored_json_auto(value),
        false => serde_json::to_string_pretty(value),
    }
    .map_err(|e| Failure::Local(format!("cannot print the answer: {e}")))?;
    line(&text)
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
