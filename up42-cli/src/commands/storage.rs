//! `up42 storage items|download`: what orders delivered and jobs made, on
//! the typed client; downloads are deliveries (see `deliver`).

use std::path::PathBuf;

use clap::{Args, Subcommand};
use up42::storage::{StacItem, StacSearch};
use up42::toolkit::Authenticated;

use crate::cli::Output;
use crate::deliver;
use crate::failure::Failure;
use crate::limit;
use crate::output;
use crate::session::Session;
use crate::table::{Table, Tone};

/// `up42 storage ...`.
#[derive(Debug, Subcommand)]
pub enum StorageCommand {
    /// Lists the items in storage, or those of one collection.
    ///
    /// Example: up42 storage items --collection c0110000-0000-4000-8000-000000000000
    Items {
        /// Only the items of this STAC collection.
        #[arg(long, value_name = "ID")]
        collection: Option<String>,
        /// At most this many items: paging stops there.
        #[arg(long, value_name = "N")]
        limit: Option<usize>,
        #[command(flatten)]
        output: Output,
    },
    /// Delivers files into a directory as DIR/<item id>/<file name>: every
    /// file of the items or assets named, of an order's delivery, or of a
    /// collection. Files already complete are skipped, partial ones resumed,
    /// each checked against its checksums; a file on disk that the delivery
    /// did not write is kept unless --overwrite. Exit 5 when a file could
    /// not be completed (the others stay on disk; run again to resume).
    ///
    /// Example: up42 storage download --order 00000000-0000-4000-8000-000000000001 -d scenes/
    Download(StorageDownload),
}

/// `up42 storage download`.
#[derive(Debug, Args)]
pub struct StorageDownload {
    /// Items' ids, or assets' ids (an asset goes to DIR/<asset id>/).
    #[arg(value_name = "ITEM_OR_ASSET")]
    pub ids: Vec<String>,
    /// Every file an order delivered.
    #[arg(long, value_name = "ID")]
    pub order: Option<String>,
    /// Every file of a STAC collection (a delivery, a job's results).
    #[arg(long, value_name = "ID")]
    pub collection: Option<String>,
    #[command(flatten)]
    pub into: DeliveryArgs,
    #[command(flatten)]
    pub output: Output,
}

/// Where and how a delivery writes its files.
#[derive(Debug, Args)]
pub struct DeliveryArgs {
    /// The directory the files go to (made if missing).
    #[arg(short, long, value_name = "DIR")]
    pub dir: PathBuf,
    /// How many files are fetched at once.
    #[arg(short, long, value_name = "N", default_value_t = up42::storage::DEFAULT_CONCURRENCY as u16,
          value_parser = clap::value_parser!(u16).range(1..=64))]
    pub jobs: u16,
    /// Replaces files on disk that the delivery did not write (or that changed since).
    #[arg(long)]
    pub overwrite: bool,
}

/// Runs a `storage` command.
pub async fn run(session: &Session, command: StorageCommand) -> Result<(), Failure> {
    let storage = session.typed().storage();
    match command {
        StorageCommand::Items {
            collection,
            limit,
            output,
        } => {
            let items = match collection {
                Some(collection) => storage.items(collection).items(),
                None => storage.search(&StacSearch::new()).items(),
            };
            let found: Vec<StacItem> = limit::collect(items, limit).await?;
            output::items(&found, output.format, |items| {
                let mut table = Table::new(&["ID", "COLLECTION", "TITLE", "TAKEN", "FILES"]);
                for item in items {
                    let collection = item.collection.as_ref().map(ToString::to_string);
                    let taken = item
                        .properties
                        .datetime
                        .map(|at| at.format("%Y-%m-%d %H:%M").to_string());
                    let files: Vec<&str> = item.assets.keys().map(String::as_str).collect();
                    table.row(vec![
                        (item.id.to_string(), Tone::Plain),
                        (collection.unwrap_or_default(), Tone::Plain),
                        (item.properties.title.clone().unwrap_or_default(), Tone::Plain),
                        (taken.unwrap_or_default(), Tone::Plain),
                        (files.join(", "), Tone::Plain),
                    ]);
                }
                table
            })
        }
        StorageCommand::Download(args) => download(session, args).await,
    }
}

/// `storage download`: the named items and assets, the order's delivery and
/// the collection, delivered one after the other into one directory.
async fn download(session: &Session, args: StorageDownload) -> Result<(), Failure> {
    if args.ids.is_empty() && args.order.is_none() && args.collection.is_none() {
        return Err(Failure::Usage(
            "name what to download: items' or assets' ids, --order ID or --collection ID".into(),
        ));
    }
    let client = session.typed();
    let storage = client.storage();
    let mut deliveries = Vec::new();
    if let Some(order) = args.order {
        deliveries.push(storage.download_order(order));
    }
    if let Some(collection) = args.collection {
        deliveries.push(storage.download_collection(collection));
    }
    if !args.ids.is_empty() {
        deliveries.push(storage.download_items(items_or_assets(&client, &args.ids).await?));
    }
    let options = deliver::Options {
        dir: args.into.dir,
        jobs: args.into.jobs.into(),
        overwrite: args.into.overwrite,
        format: args.output.format,
    };
    deliver::run(deliveries, options).await
}

/// The items `ids` name; an id that is no item's is taken for an asset's,
/// delivered as an item of that one file.
async fn items_or_assets(client: &up42::Client, ids: &[String]) -> Result<Vec<StacItem>, Failure> {
    let search = StacSearch::new().ids(ids.iter().map(String::as_str));
    let found: Vec<StacItem> = client.storage().search(&search).collect().await?;
    ids.iter()
        .map(|id| match found.iter().find(|item| item.id.as_str() == id) {
            Some(item) => Ok(item.clone()),
            None => {
                let mut asset = client.toolkit().api_url().clone();
                if let Ok(mut path) = asset.path_segments_mut() {
                    path.pop_if_empty().extend(["v2", "assets", id]);
                }
                let item = serde_json::json!({
                    "type": "Feature", "id": id, "geometry": null, "properties": {},
                    "assets": {"file": {"href": asset.as_str()}},
                });
                serde_json::from_value(item)
                    .map_err(|e| Failure::Local(format!("cannot make an item of asset {id}: {e}")))
            }
        })
        .collect()
}
