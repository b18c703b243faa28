//! `up42 orders list|get|wait|estimate|place|update|schema|coverage|cancel`, on the typed client.

use std::path::PathBuf;

use clap::{Args, Subcommand};
use up42::list::Direction;
use up42::orders::{Order, OrderOutcome, OrderSortField, OrderStatus, OrderSubStatus, OrderType};

use crate::cli::{self, NewTags, OrderKind, Output, Pace, Then, Wait};
use crate::deliver;
use crate::failure::Failure;
use crate::limit;
use crate::output::{self, Format};
use crate::session::Session;
use crate::table::{Table, Tone};
use crate::term::note;
use crate::{values, watch};

mod plan;

/// `up42 orders ...`.
#[derive(Debug, Subcommand)]
pub enum OrdersCommand {
    /// Lists the account's orders, newest first.
    ///
    /// Example: up42 orders list --status being_fulfilled --limit 10
    List(OrdersList),
    /// Shows one order.
    ///
    /// Example: up42 orders get 00000000-0000-4000-8000-000000000000
    Get {
        /// The order's id.
        id: String,
        #[command(flatten)]
        output: Output,
    },
    /// Waits until the order is fulfilled (exit 0), ends without success or
    /// needs your decision (exit 5), or the time is up (exit 4); with
    /// --download DIR, then delivers its files as `storage download --order` does.
    ///
    /// Example: up42 orders wait 00000000-0000-4000-8000-000000000000 --timeout 2h --download scenes/
    Wait(OrderWait),
    /// Estimates orders: what each would cost, and the total. Exit 5 when
    /// every feature is refused (each reason on stderr).
    ///
    /// Example: up42 catalog search --collection phr --bbox 13.3,52.4,13.5,52.6 -o geojson | up42 orders estimate --scenes -
    Estimate(NewOrderArgs),
    /// Places orders in your workspace, after showing the estimate and
    /// asking (--yes for scripts; --max-credits refuses a costlier one):
    /// one per scene, or one per feature of the area.
    ///
    /// Example: up42 orders place --scenes scenes.geojson --max-credits 500 --yes --wait --download scenes/
    Place(PlaceArgs),
    /// Changes an order's tags or budget, and shows it.
    ///
    /// Example: up42 orders update 00000000-0000-4000-8000-000000000000 --tag berlin --tag 2026 --budget BUDGET_ID
    Update(UpdateArgs),
    /// The JSON Schema of a data product's order parameters: what --params
    /// must match (a table of them on a terminal, the schema in JSON).
    ///
    /// Example: up42 orders schema phr-display
    Schema {
        /// The data product: its name as `up42 collections` shows it, or its id.
        #[arg(value_name = "PRODUCT")]
        product: String,
        #[command(flatten)]
        output: Output,
    },
    /// How much of a tasking order's area has been acquired, and what is left.
    ///
    /// Example: up42 orders coverage 00000000-0000-4000-8000-000000000023
    Coverage {
        /// The tasking order's id.
        id: String,
        #[command(flatten)]
        output: Output,
    },
    /// Cancels an order (UP42 refuses one past the point of no return) and
    /// shows it.
    ///
    /// Example: up42 orders cancel 00000000-0000-4000-8000-000000000000
    Cancel {
        /// The order's id.
        id: String,
        #[command(flatten)]
        output: Output,
    },
}

/// `up42 orders update`: at least one change.
#[derive(Debug, Args)]
#[command(group(clap::ArgGroup::new("change").required(true).multiple(true)
    .args(["tag", "no_tags", "budget", "no_budget"])))]
pub struct UpdateArgs {
    /// The order's id.
    pub id: String,
    #[command(flatten)]
    pub tags: NewTags,
    /// Moves the order to this budget.
    #[arg(long, value_name = "ID", conflicts_with = "no_budget")]
    pub budget: Option<String>,
    /// Takes the order off its budget.
    #[arg(long)]
    pub no_budget: bool,
    #[command(flatten)]
    pub output: Output,
}

/// `up42 orders list`.
#[derive(Debug, Args)]
pub struct OrdersList {
    /// Only orders in this status, in UP42's spelling or lower case
    /// (fulfilled, being_placed, ...); repeat for more.
    #[arg(long, value_name = "STATUS", value_parser = order_status)]
    pub status: Vec<OrderStatus>,
    /// Only archive or only tasking orders.
    #[arg(long = "type", value_enum, ignore_case = true, value_name = "TYPE")]
    pub order_type: Option<OrderKind>,
    /// Only orders with this tag; repeat for more.
    #[arg(long, value_name = "TAG")]
    pub tag: Vec<String>,
    /// At most this many orders: paging stops there.
    #[arg(long, value_name = "N")]
    pub limit: Option<usize>,
    #[command(flatten)]
    pub output: Output,
}

/// `up42 orders wait`.
#[derive(Debug, Args)]
pub struct OrderWait {
    #[command(flatten)]
    pub wait: Wait,
    #[command(flatten)]
    pub then: Then,
}

fn order_status(text: &str) -> Result<OrderStatus, String> {
    values::one_of(text, OrderStatus::KNOWN, "an order status")
}

/// `up42 orders estimate` and `place`: what to order.
#[derive(Debug, Args)]
#[command(group(clap::ArgGroup::new("what").required(true).multiple(true).args(["aoi", "scenes"])))]
pub struct NewOrderArgs {
    /// Scenes to order, one order each: the GeoJSON of `catalog search -o
    /// geojson` (a FeatureCollection) or `-o ndjson` (a Feature a line), a
    /// file or - for standard input.
    #[arg(long, value_name = "FILE|-")]
    pub scenes: Option<PathBuf>,
    /// The data product: its name as `up42 collections` shows it, or its id.
    /// With --scenes, the scene's collection's product when it has one.
    #[arg(long, alias = "data-product", value_name = "NAME|ID")]
    pub product: Option<String>,
    /// The area of interest: a GeoJSON file (or - for standard input) with a
    /// FeatureCollection, a Feature or a geometry. With --scenes, the part
    /// of each scene's footprint inside it is ordered (else the whole
    /// footprint); a scene it misses is an error.
    #[arg(long, value_name = "FILE.geojson")]
    pub aoi: Option<PathBuf>,
    /// The product's order parameters: JSON, or @FILE (with --scenes, the
    /// scene's id is the parameters).
    #[arg(long, value_name = "JSON|@FILE", conflicts_with = "scenes")]
    pub params: Option<String>,
    /// The order's name (default: the collection and scene, or "Ordered
    /// with up42").
    #[arg(long, value_name = "NAME")]
    pub name: Option<String>,
    /// A tag for the orders; repeat for more.
    #[arg(long, value_name = "TAG")]
    pub tag: Vec<String>,
    /// The budget the orders draw from.
    #[arg(long, value_name = "ID")]
    pub budget: Option<String>,
    #[command(flatten)]
    pub output: Output,
}

/// `up42 orders place`: what to order, the cost guard, and what follows.
#[derive(Debug, Args)]
pub struct PlaceArgs {
    #[command(flatten)]
    pub order: NewOrderArgs,
    /// Places without asking (scripts; without a terminal it is required).
    #[arg(short, long)]
    pub yes: bool,
    /// Places nothing (exit 5) if the estimate is above this many credits.
    #[arg(long, value_name = "N")]
    pub max_credits: Option<u64>,
    /// Waits until every placed order is fulfilled (exit 5 if one ends
    /// otherwise or needs a decision); --download waits too.
    #[arg(long)]
    pub wait: bool,
    #[command(flatten)]
    pub pace: Pace,
    #[command(flatten)]
    pub then: Then,
}

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
            note!(
                "{} credits for {} orders",
                plan::Credits(costs.credits()),
                costs.orders()
            );
            output::one(&costs.json(), args.output.format, |_| costs.table())?;
            match refused_all {
                true => Err(Failure::Unsuccessful(
                    "nothing can be ordered: every feature was refused".into(),
                )),
                false => Ok(()),
            }
        }
        OrdersCommand::Place(args) => place(session, args).await,
        OrdersCommand::Update(args) => {
            let mut update = client.orders().update(args.id);
            if let Some(tags) = args.tags.change() {
                update = update.tags(tags);
            }
            if let Some(budget) = args.budget {
                update = update.budget(budget);
            }
            if args.no_budget {
                update = update.clear_budget();
            }
            show_one(&update.send().await?, args.output.format)
        }
        OrdersCommand::Schema { product, output } => {
            let product = plan::product(&client, &product).await?;
            let schema = client.glossary().schema(product).await?;
            output::one(&schema, output.format, output::schema_table)
        }
        OrdersCommand::Coverage { id, output } => {
            let coverage = client.tasking().coverage(id).await?;
            output::one(&coverage, output.format, |coverage| {
                let mut table = Table::new(&["", "KM2", "%"]);
                for (what, metrics) in [("covered", &coverage.covered), ("remainder", &coverage.remainder)] {
                    table.row(vec![
                        (what.to_string(), Tone::Plain),
                        (format!("{:.2}", metrics.sq_km_area), Tone::Plain),
                        (format!("{:.1}", metrics.percentage), Tone::Plain),
                    ]);
                }
                table
            })
        }
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
async fn place(session: &Session, args: PlaceArgs) -> Result<(), Failure> {
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
        "{count} order{} for {} credits",
        if count == 1 { "" } else { "s" },
        plan::Credits(credits)
    );
    if let Some(most) = args.max_credits
        && credits > most as i64
    {
        return Err(Failure::Unsuccessful(format!(
            "the estimate is {} credits, above --max-credits {most}: nothing was placed",
            plan::Credits(credits)
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
    let credits = plan::Credits(credits);
    let orders = format!("{count} order{}", if count == 1 { "" } else { "s" });
    crate::confirm::ask(
        &format!("place {orders} for {credits} credits?"),
        &format!("placing spends {credits} credits"),
        "nothing was placed",
    )
}

/// `up42 orders list`: newest first, `--limit` stopping the paging early.
async fn list(client: &up42::Client, args: OrdersList) -> Result<(), Failure> {
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
async fn wait(session: &Session, args: OrderWait) -> Result<(), Failure> {
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
                "order {id} waits for you to choose a feasibility option: `up42 feasibility list --order {id}`, \
                 then `up42 feasibility choose STUDY OPTION`"
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
