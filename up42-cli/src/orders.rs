//! `up42 orders list|get|wait|estimate|place|cancel`, on the typed client.

use up42::list::Direction;
use up42::orders::{Order, OrderOutcome, OrderSortField, OrderStatus, OrderSubStatus, OrderType};

use crate::cli::{self, OrdersCommand};
use crate::deliver;
use crate::failure::Failure;
use crate::limit;
use crate::output::{self, Format};
use crate::session::Session;
use crate::table::{Table, Tone};
use crate::term::note;
use crate::{plan, watch};
use std::io::IsTerminal;

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
            let planned = plan::orders(&client, &args).await?;
            let costs = plan::Costs::of(&client, &planned).await?;
            let refused_all = costs.report_refusals();
            note!("{} credits for {} orders", costs.credits(), costs.orders());
            match output::chosen(args.output.format) {
                Format::Table => output::line(&costs.table().render(std::io::stdout().is_terminal()))?,
                format => output::one(&costs.json(), Some(format), |_| costs.table())?,
            }
            match refused_all {
                true => Err(Failure::Unsuccessful(
                    "nothing can be ordered: every feature was refused".into(),
                )),
                false => Ok(()),
            }
        }
        OrdersCommand::Place(args) => place(session, args).await,
        OrdersCommand::Cancel { id, output } => {
            let cancellation = client.orders().cancel(&id).await?;
            note!("order {} is {}", cancellation.order_id, cancellation.status);
            let order = client.orders().get(&id).await?;
            show_one(&order, output.format)
        }
    }
}

/// `up42 orders place`: the estimate first, the cost guard and the
/// question, then the orders; with `--wait`, each until fulfilled, and with
/// `--download`, their files.
async fn place(session: &Session, args: cli::PlaceArgs) -> Result<(), Failure> {
    let client = session.typed();
    let planned = plan::orders(&client, &args.order).await?;
    let costs = plan::Costs::of(&client, &planned).await?;
    if costs.report_refusals() {
        return Err(Failure::Unsuccessful(
            "nothing was placed: every feature was refused".into(),
        ));
    }
    let (count, credits) = (costs.orders(), costs.credits());
    note!(
        "{count} order{} for {credits} credits",
        if count == 1 { "" } else { "s" }
    );
    if let Some(most) = args.max_credits
        && credits > most as i64
    {
        return Err(Failure::Unsuccessful(format!(
            "the estimate is {credits} credits, above --max-credits {most}: nothing was placed"
        )));
    }
    if !args.yes {
        confirm(count, credits)?;
    }
    let mut placed = Vec::new();
    for p in &planned {
        let placement = client.orders().place(&p.order).await?;
        for failed in &placement.errors {
            note!(
                "feature {} was not ordered: {}",
                failed.index,
                plan::reason(failed)
            );
        }
        for id in placement.ids() {
            placed.push(client.orders().get(id).await?);
        }
    }
    if placed.is_empty() {
        return Err(Failure::Unsuccessful(
            "no order was placed: every feature was refused".into(),
        ));
    }
    if !args.wait && args.then.download.is_none() {
        return show(&placed, args.order.output.format);
    }
    let pace = watch::Pace::of(session, &args.pace)?;
    let mut fulfilled = Vec::with_capacity(placed.len());
    for order in &placed {
        fulfilled.push(fulfilled_order(&client, order.id.as_ref(), pace).await?);
    }
    match args.then.download.clone() {
        Some(dir) => {
            note!(
                "{} order(s) fulfilled; delivering their files into {}",
                fulfilled.len(),
                dir.display()
            );
            let options = deliver::Options::new(dir, &args.then, args.order.output.format);
            let deliveries = fulfilled
                .iter()
                .map(|o| client.storage().download_order(o.id.clone()))
                .collect();
            deliver::run(deliveries, options).await
        }
        None => show(&fulfilled, args.order.output.format),
    }
}

/// Asks on the terminal before spending `credits`; without one, refuses:
/// a script says `--yes`.
fn confirm(count: usize, credits: i64) -> Result<(), Failure> {
    use std::io::{BufRead, IsTerminal, Write};
    if !std::io::stdin().is_terminal() || !std::io::stderr().is_terminal() {
        return Err(Failure::Usage(format!(
            "placing spends {credits} credits: give --yes to place without asking (there is no terminal to ask on)"
        )));
    }
    eprint!(
        "place {count} order{} for {credits} credits? [y/N] ",
        if count == 1 { "" } else { "s" }
    );
    let _ = std::io::stderr().flush();
    let mut answer = String::new();
    std::io::stdin()
        .lock()
        .read_line(&mut answer)
        .map_err(|e| Failure::Local(format!("cannot read the answer: {e}")))?;
    match answer.trim().to_ascii_lowercase().as_str() {
        "y" | "yes" => Ok(()),
        _ => Err(Failure::Unsuccessful("nothing was placed".into())),
    }
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
    let pace = watch::Pace::of(session, &args.wait.pace)?;
    let order = fulfilled_order(&client, &id, pace).await?;
    match args.then.download.clone() {
        Some(dir) => {
            note!(
                "order {id} is fulfilled; delivering its files into {}",
                dir.display()
            );
            let options = deliver::Options::new(dir, &args.then, format);
            deliver::run(vec![client.storage().download_order(order.id)], options).await
        }
        None => show_one(&order, format),
    }
}

/// Waits at `pace` until order `id` is fulfilled; an order that ends
/// otherwise or needs a decision is exit 5, with what to do.
async fn fulfilled_order(client: &up42::Client, id: &str, pace: watch::Pace) -> Result<Order, Failure> {
    let outcome = watch::run(format!("order {id}"), client.orders().wait(id), pace, state).await?;
    match outcome {
        OrderOutcome::Fulfilled(order) => Ok(order),
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
