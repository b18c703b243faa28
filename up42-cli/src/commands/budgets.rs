//! `up42 budgets list|get|usage|settings` and `up42 balance`: the account's budgets and
//! credits, on the typed client.

use clap::Subcommand;
use futures_util::TryStreamExt;
use up42::budgets::{Budget, BudgetStatus};

use crate::cli::Output;
use crate::failure::Failure;
use crate::output;
use crate::session::Session;
use crate::table::{Table, Tone};

/// `up42 budgets ...`.
#[derive(Debug, Subcommand)]
pub enum BudgetsCommand {
    /// Lists the account's budgets with what each has used.
    ///
    /// Example: up42 budgets list
    List {
        #[command(flatten)]
        output: Output,
    },
    /// Shows one budget with what it has used.
    ///
    /// Example: up42 budgets get b0d00000-0000-4000-8000-000000000001
    Get {
        /// The budget's id.
        id: String,
        #[command(flatten)]
        output: Output,
    },
    /// What a budget has used, in credits.
    ///
    /// Example: up42 budgets usage b0d00000-0000-4000-8000-000000000001
    Usage {
        /// The budget's id.
        id: String,
        #[command(flatten)]
        output: Output,
    },
    /// Whether the account enforces budgets: every order and job must then
    /// draw from one (--budget).
    ///
    /// Example: up42 budgets settings
    Settings {
        #[command(flatten)]
        output: Output,
    },
}

/// `up42 budgets list`: every budget with its usage.
pub async fn run(session: &Session, command: BudgetsCommand) -> Result<(), Failure> {
    let budgets = session.typed().budgets();
    match command {
        BudgetsCommand::List { output } => {
            let found: Vec<Budget> = budgets.list().include_usage(true).items().try_collect().await?;
            output::items(&found, output.format, table)
        }
        BudgetsCommand::Get { id, output } => output::single(&budgets.get(id).await?, output.format, table),
        BudgetsCommand::Usage { id, output } => {
            output::one(&budgets.usage(id).await?, output.format, |usage| {
                let mut table = Table::new(&["BUDGET", "USED"]);
                table.row(vec![
                    (usage.budget_id.to_string(), Tone::Plain),
                    (usage.consumed_credits.to_string(), Tone::Plain),
                ]);
                table
            })
        }
        BudgetsCommand::Settings { output } => {
            output::one(&budgets.settings().await?, output.format, |settings| {
                let mut table = Table::new(&["ENFORCED"]);
                let enforced = match settings.enforcement_enabled {
                    true => "yes: orders and jobs need --budget",
                    false => "no",
                };
                table.row(vec![(enforced.to_string(), Tone::Plain)]);
                table
            })
        }
    }
}

/// The table of budgets.
fn table(budgets: &[Budget]) -> Table {
    let mut table = Table::new(&["ID", "NAME", "STATUS", "USED", "LIMIT", "VALID UNTIL"]);
    let number = |n: Option<i64>| n.map(|n| n.to_string()).unwrap_or_default();
    for budget in budgets {
        let tone = match budget.status {
            BudgetStatus::Active => Tone::Good,
            _ => Tone::Plain,
        };
        let until = budget.validity_period.as_ref().map(|p| p.end_date.to_string());
        table.row(vec![
            (budget.id.to_string(), Tone::Plain),
            (budget.name.clone(), Tone::Plain),
            (budget.status.to_string(), tone),
            (number(budget.consumed_credits), Tone::Plain),
            (number(budget.spend_limit), Tone::Plain),
            (until.unwrap_or_default(), Tone::Plain),
        ]);
    }
    table
}

/// `up42 balance`: the credits that can be spent, one object.
pub async fn balance(session: &Session, output: Output) -> Result<(), Failure> {
    let balance = session.typed().account().balance().await?;
    output::one(&balance, output.format, |balance| {
        let mut table = Table::new(&["AVAILABLE", "UNIT"]);
        table.row(vec![
            (balance.available.amount.to_string(), Tone::Plain),
            (balance.available.unit.clone(), Tone::Plain),
        ]);
        table
    })
}
