//! `up42 budgets list` and `up42 balance`: the account's budgets and
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
}

/// `up42 budgets list`: every budget with its usage.
pub async fn run(session: &Session, command: BudgetsCommand) -> Result<(), Failure> {
    let BudgetsCommand::List { output } = command;
    let found: Vec<Budget> = session
        .typed()
        .budgets()
        .list()
        .include_usage(true)
        .items()
        .try_collect()
        .await?;
    output::items(&found, output.format, |budgets| {
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
    })
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
