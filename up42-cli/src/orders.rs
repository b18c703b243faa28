//! `up42 orders list|get|wait|cancel`, on the typed client.

use up42::list::Direction;
use up42::orders::{NewOrder, Order, OrderOutcome, OrderSortField, OrderStatus, OrderSubStatus, OrderType};

use crate::cli::{self, OrdersCommand};
use crate::deliver;
use crate::failure::Failure;
use crate::limit;
use crate::output::{self, Format};
use crate::session::Session;
use crate::table::{Table, Tone};
use crate::term::note;
use crate::{values, watch};

/// Runs an `orders` command.
pub async fn run(session: &Session, command: OrdersCommand) -> Result<(), Failure> {
    let client = session.typed();
    match command {
        OrdersCommand::List(args) => list(&client, args).await,
        OrdersCommand::Get { id, output } => {
            let order = client.orders().get(id).await?;
            show_one(&order, output.format)
        }
        OrdersCommand::Wait(args) => wait(session, args).await,
        OrdersCommand::Estimate(args) => {
            let (order, format) = new_order(args)?;
            let estimate = client.orders().estimate(&order).await?;
            for failed in &estimate.errors {
                note!("feature {} cannot be ordered: {}", failed.index, failed.message);
            }
            note!(
                "{} credits for {} {}",
                estimate.summary.total_credits,
                estimate.summary.total_size,
                estimate.summary.unit
            );
            output::one(&estimate, format, |estimate| {
                let mut table = Table::new(&["FEATURE", "CREDITS", "SIZE", "UNIT"]);
                for cost in &estimate.results {
                    table.row(vec![
                        (cost.index.to_string(), Tone::Plain),
                        (cost.credits.to_string(), Tone::Plain),
                        (cost.size.to_string(), Tone::Plain),
                        (cost.unit.to_string(), Tone::Plain),
                    ]);
                }
                table
            })
        }
        OrdersCommand::Place(args) => {
            let (order, format) = new_order(args)?;
            let placement = client.orders().place(&order).await?;
            for failed in &placement.errors {
                note!("feature {} was not ordered: {}", failed.index, failed.message);
            }
            if placement.results.is_empty() {
                return Err(Failure::Local(
                    "no order was placed: every feature was refused".to_string(),
                ));
            }
            let mut placed = Vec::with_capacity(placement.results.len());
            for reference in &placement.results {
                placed.push(client.orders().get(&reference.id).await?);
            }
            show(&placed, format)
        }
        OrdersCommand::Cancel { id, output } => {
            let cancellation = client.orders().cancel(&id).await?;
            note!("order {} is {}", cancellation.order_id, cancellation.status);
            let order = client.orders().get(&id).await?;
            show_one(&order, output.format)
        }
    }
}

/// The order the flags of `estimate` and `place` describe, and the output format.
fn new_order(args: cli::NewOrderArgs) -> Result<(NewOrder, Option<Format>), Failure> {
    let aoi = values::aoi(&args.aoi).map_err(Failure::Usage)?;
    let mut order = NewOrder::new(args.data_product, args.name, aoi);
    if let Some(params) = &args.params {
        order = order.params(values::json_or_file("--params", params).map_err(Failure::Usage)?);
    }
    Ok((order, args.output.format))
}

/// `up42 orders list`: newest first, `--limit` stopping the paging early.
async fn list(client: &up42::Client, args: cli::OrdersList) -> Result<(), Failure> {
    let mut list = client
        .orders()
        .list()
        .status(args.status)
        .tags(args.tag)
        .sort(OrderSortField::CreatedAt, Direction::Descending);
    if let Some(kind) = args.order_type {
        list = list.order_type(match kind {
            cli::OrderKind::Archive => OrderType::Archive,
            cli::OrderKind::Tasking => OrderType::Tasking,
        });
    }
    let list = match args.limit {
        Some(limit) => list.page_size(limit::page_size(limit, 100)),
        None => list.concurrent_pages(4),
    };
    show(
        &limit::collect(list.items(), args.limit).await?,
        args.output.format,
    )
}

/// `up42 orders wait`: a spinner on a terminal, a line per change otherwise.
async fn wait(session: &Session, args: cli::OrderWait) -> Result<(), Failure> {
    let client = session.typed();
    let (id, format) = (args.wait.id, args.wait.output.format);
    let wait = client.orders().wait(&id);
    let outcome = watch::run(
        format!("order {id}"),
        wait,
        watch::Pace::of(session, args.wait.every, args.wait.timeout)?,
        state,
    )
    .await?;
    match outcome {
        OrderOutcome::Fulfilled(order) => match args.download {
            Some(dir) => {
                note!(
                    "order {id} is fulfilled; delivering its files into {}",
                    dir.display()
                );
                let options = deliver::Options {
                    dir,
                    jobs: args.jobs.into(),
                    overwrite: args.overwrite,
                    format,
                };
                deliver::run(vec![client.storage().download_order(order.id)], options).await
            }
            None => show_one(&order, format),
        },
        OrderOutcome::NeedsDecision(order) => Err(Failure::Unsuccessful(match order.sub_status() {
            Some(OrderSubStatus::FeasibilityWaitingResponse) => format!(
                "order {id} waits for you to choose a feasibility option (UP42's console, or \
                 PATCH /v2/tasking/feasibility-studies/ID with `up42 patch`)"
            ),
            _ => format!(
                "order {id} waits for your decision on its quotation: `up42 quotations list --order {id}`, \
                 then `up42 quotations accept ID` (or `reject ID`)"
            ),
        })),
        OrderOutcome::Failed(order) => Err(Failure::Unsuccessful(format!(
            "order {id} failed ({}); it will not be delivered",
            order.status
        ))),
        OrderOutcome::Canceled(_) => Err(Failure::Unsuccessful(format!("order {id} was canceled"))),
        other => Err(Failure::Unsuccessful(format!(
            "order {id} ended {}",
            other.order().status
        ))),
    }
}

/// An order's status, with a tasking order's sub-status.
fn state(order: &Order) -> String {
    match order.sub_status() {
        Some(sub) => format!("{} / {sub}", order.status),
        None => order.status.to_string(),
    }
}

/// How a status looks in a table.
fn tone(status: &OrderStatus) -> Tone {
    match status {
        OrderStatus::Fulfilled => Tone::Good,
        OrderStatus::FailedPermanently | OrderStatus::PlacementFailed | OrderStatus::Canceled => Tone::Bad,
        _ => Tone::Pending,
    }
}

/// Orders in the chosen format: a table of the columns a person scans, or
/// the typed model as JSON.
fn show(orders: &[Order], format: Option<Format>) -> Result<(), Failure> {
    output::items(orders, format, table)
}

/// One order: as [`show`], but JSON is the order's object.
fn show_one(order: &Order, format: Option<Format>) -> Result<(), Failure> {
    output::single(order, format, table)
}

/// The table of `orders`: the columns a person scans.
fn table(orders: &[Order]) -> Table {
    let mut table = Table::new(&["ID", "NAME", "STATUS", "TYPE", "CREATED"]);
    for order in orders {
        let created = order
            .created_at
            .map(|at| at.format("%Y-%m-%d %H:%M").to_string())
            .unwrap_or_default();
        table.row(vec![
            (order.id.to_string(), Tone::Plain),
            (order.display_name.clone(), Tone::Plain),
            (state(order), tone(&order.status)),
            (order.order_type.to_string(), Tone::Plain),
            (created, Tone::Plain),
        ]);
    }
    table
}
