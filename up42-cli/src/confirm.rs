//! Asking before what cannot be undone (spending credits, deleting files):
//! a `[y/N]` question on a terminal; without one, a refusal that names
//! `--yes`.

use std::io::{BufRead, IsTerminal, Write};

use crate::failure::Failure;

/// Asks `question` on the terminal; `Ok` on a yes. Without a terminal to ask
/// on, a usage error: `consequence` and that --yes does it without asking.
/// Anything but a yes is `Unsuccessful(declined)` (exit 5).
pub fn ask(question: &str, consequence: &str, declined: &str) -> Result<(), Failure> {
    if !std::io::stdin().is_terminal() || !std::io::stderr().is_terminal() {
        return Err(Failure::Usage(format!(
            "{consequence}: give --yes to go ahead without asking (there is no terminal to ask on)"
        )));
    }
    eprint!("{} [y/N] ", crate::term::clean(question));
    let _ = std::io::stderr().flush();
    let mut answer = String::new();
    std::io::stdin()
        .lock()
        .read_line(&mut answer)
        .map_err(|e| Failure::Local(format!("cannot read the answer: {e}")))?;
    match answer.trim().to_ascii_lowercase().as_str() {
        "y" | "yes" => Ok(()),
        _ => Err(Failure::Unsuccessful(declined.into())),
    }
}
