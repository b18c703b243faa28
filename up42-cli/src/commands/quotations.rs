//! `up42 quotations list|accept|reject`, on the typed client.

use clap::Subcommand;
use futures_util::TryStreamExt;
use up42::list::Direction;
use up42::tasking::{Quotation, QuotationDecision, QuotationSortField};

use crate::cli::Output;
use crate::failure::Failure;
use crate::output::{self, Format};
use crate::session::Session;
use crate::table::{Table, Tone};
use crate::term::note;

/// `up42 quotations ...`.
#[derive(Debug, Subcommand)]
pub enum QuotationsCommand {
    /// Lists tasking quotations, newest first.
    ///
    /// Example: up42 quotations list --order 00000000-0000-4000-8000-000000000023
    List {
        /// Only the quotations of this order.
        #[arg(long, value_name = "ID")]
        order: Option<String>,
        #[command(flatten)]
        output: Output,
    },
    /// Accepts a quotation: its order goes ahead at the quoted price.
    ///
    /// Example: up42 quotations accept b1d00000-0000-4000-8000-000000000001
    Accept {
        /// The quotation's id.
        id: String,
        #[command(flatten)]
        output: Output,
    },
    /// Rejects a quotation: its order fails.
    ///
    /// Example: up42 quotations reject b1d00000-0000-4000-8000-000000000001
    Reject {
        /// The quotation's id.
        id: String,
        #[command(flatten)]
        output: Output,
    },
}

/// Runs a `quotations` command.
pub async fn run(session: &Session, command: QuotationsCommand) -> Result<(), Failure> {
    let client = session.typed();
    let quotations = client.tasking().quotations();
    match command {
        QuotationsCommand::List { order, output } => {
            let mut list = quotations
                .list()
                .sort(QuotationSortField::CreatedAt, Direction::Descending);
            if let Some(order) = order {
                list = list.order(order);
            }
            let found: Vec<Quotation> = list.items().try_collect().await?;
            show(&found, output.format)
        }
        QuotationsCommand::Accept { id, output } => {
            let decided = quotations.decide(id, QuotationDecision::Accepted).await?;
            note!(
                "accepted; order {} goes ahead (`up42 orders wait {}`)",
                decided.order_id,
                decided.order_id
            );
            output::single(&decided, output.format, table)
        }
        QuotationsCommand::Reject { id, output } => {
            let decided = quotations.decide(id, QuotationDecision::Rejected).await?;
            note!("rejected; order {} will fail", decided.order_id);
            output::single(&decided, output.format, table)
        }
    }
}

/// Quotations as a table or as the typed model in JSON.
fn show(quotations: &[Quotation], format: Option<Format>) -> Result<(), Failure> {
    output::items(quotations, format, table)
}

/// The table of `quotations`.
fn table(quotations: &[Quotation]) -> Table {
    let mut table = Table::new(&["ID", "ORDER", "CREDITS", "DECISION", "CREATED"]);
    for quotation in quotations {
        let tone = match quotation.decision {
            QuotationDecision::Accepted => Tone::Good,
            QuotationDecision::Rejected => Tone::Bad,
            _ => Tone::Pending,
        };
        table.row(vec![
            (quotation.id.to_string(), Tone::Plain),
            (quotation.order_id.to_string(), Tone::Plain),
            (quotation.credits_price.to_string(), Tone::Plain),
            (quotation.decision.to_string(), tone),
            (
                quotation.created_at.format("%Y-%m-%d %H:%M").to_string(),
                Tone::Plain,
            ),
        ]);
    }
    table
}
