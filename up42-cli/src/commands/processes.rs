//! `up42 processes get|eula`: what a process is, costs and needs accepted,
//! on the typed client. (`jobs validate|cost|run` run them.)

use clap::Subcommand;
use up42::processing::{Eula, Process};

use crate::cli::Output;
use crate::failure::Failure;
use crate::output;
use crate::session::Session;
use crate::table::{Table, Tone};

/// `up42 processes ...`.
#[derive(Debug, Subcommand)]
pub enum ProcessesCommand {
    /// Shows a process: its title, version, price and the licence it needs.
    ///
    /// Example: up42 processes get detection-ships-airbus
    Get {
        /// The process's id.
        id: String,
        #[command(flatten)]
        output: Output,
    },
    /// Shows a licence agreement a process needs, and whether the account
    /// has accepted it.
    ///
    /// Example: up42 processes eula e0100000-0000-4000-8000-000000000001
    Eula {
        /// The licence's id (`processes get` shows it).
        id: String,
        #[command(flatten)]
        output: Output,
    },
}

/// Runs a `processes` command.
pub async fn run(session: &Session, command: ProcessesCommand) -> Result<(), Failure> {
    let processing = session.typed().processing();
    match command {
        ProcessesCommand::Get { id, output } => {
            output::one(&processing.process(id).await?, output.format, process_table)
        }
        ProcessesCommand::Eula { id, output } => {
            output::one(&processing.eula(id).await?, output.format, eula_table)
        }
    }
}

/// A process's row: what a person decides on.
fn process_table(process: &Process) -> Table {
    let mut table = Table::new(&["ID", "TITLE", "VERSION", "PRICE", "EULA"]);
    let price: Vec<String> = process
        .price()
        .iter()
        .map(|price| format!("{} credits/{}", price.credits, price.unit))
        .collect();
    table.row(vec![
        (process.id.to_string(), Tone::Plain),
        (process.title.clone().unwrap_or_default(), Tone::Plain),
        (process.version.clone().unwrap_or_default(), Tone::Plain),
        (price.join(", "), Tone::Plain),
        (
            process.eula_id().map(|id| id.to_string()).unwrap_or_default(),
            Tone::Plain,
        ),
    ]);
    table
}

/// A licence's row.
fn eula_table(eula: &Eula) -> Table {
    let mut table = Table::new(&["ID", "TITLE", "ACCEPTED"]);
    let (accepted, tone) = match eula.is_accepted {
        true => ("yes", Tone::Good),
        false => ("no", Tone::Bad),
    };
    table.row(vec![
        (eula.id.to_string(), Tone::Plain),
        (eula.title.clone().unwrap_or_default(), Tone::Plain),
        (accepted.to_string(), tone),
    ]);
    table
}
