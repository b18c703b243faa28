//! `up42 feasibility list|choose`, on the typed client.

use clap::Subcommand;
use futures_util::TryStreamExt;
use up42::tasking::FeasibilityStudy;

use crate::cli::Output;
use crate::failure::Failure;
use crate::output;
use crate::session::Session;
use crate::table::{Table, Tone};
use crate::term::note;

/// `up42 feasibility ...`.
#[derive(Debug, Subcommand)]
pub enum FeasibilityCommand {
    /// Lists feasibility studies, newest first.
    ///
    /// Example: up42 feasibility list --order 00000000-0000-4000-8000-000000000023
    List {
        /// Only the studies of this order.
        #[arg(long, value_name = "ID")]
        order: Option<String>,
        #[command(flatten)]
        output: Output,
    },
    /// Chooses an option of a study; its order goes ahead with it.
    ///
    /// Example: up42 feasibility choose STUDY_ID OPTION_ID
    Choose {
        /// The study's id.
        id: String,
        /// The option's id (`feasibility list` shows them).
        option: String,
        #[command(flatten)]
        output: Output,
    },
}

/// Runs a `feasibility` command.
pub async fn run(session: &Session, command: FeasibilityCommand) -> Result<(), Failure> {
    let studies = session.typed().tasking().feasibility_studies();
    match command {
        FeasibilityCommand::List { order, output } => {
            let mut list = studies.list();
            if let Some(order) = order {
                list = list.order(order);
            }
            let found: Vec<FeasibilityStudy> = list.items().try_collect().await?;
            output::items(&found, output.format, table)
        }
        FeasibilityCommand::Choose { id, option, output } => {
            let study = studies.choose(id, option).await?;
            note!(
                "option chosen; order {} goes ahead (`up42 orders wait {}`)",
                study.order_id,
                study.order_id
            );
            output::single(&study, output.format, table)
        }
    }
}

/// A row per study: its order, the decision and the options to choose from.
fn table(studies: &[FeasibilityStudy]) -> Table {
    let mut table = Table::new(&["ID", "ORDER", "DECISION", "OPTIONS", "CREATED"]);
    for study in studies {
        let options: Vec<String> = study
            .options
            .iter()
            .map(|o| match &o.description {
                Some(description) => format!("{} ({description})", o.id),
                None => o.id.to_string(),
            })
            .collect();
        table.row(vec![
            (study.id.to_string(), Tone::Plain),
            (study.order_id.to_string(), Tone::Plain),
            (study.decision.to_string(), Tone::Plain),
            (options.join(", "), Tone::Plain),
            (study.created_at.format("%Y-%m-%d %H:%M").to_string(), Tone::Plain),
        ]);
    }
    table
}
