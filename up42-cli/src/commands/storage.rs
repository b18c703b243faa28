//! `up42 storage ...`: what orders delivered and jobs made (STAC
//! collections and items, their search, their files), on the typed client;
//! downloads are deliveries (see `deliver`).

use std::path::PathBuf;

use clap::{Args, Subcommand};
use up42::storage::{StacCollection, StacItem, StacSearch};
use up42::toolkit::Authenticated;

use crate::cli::{NewTags, Output, Period};
use crate::deliver;
use crate::failure::Failure;
use crate::limit;
use crate::output::{self, Format};
use crate::session::Session;
use crate::table::{Table, Tone};
use crate::term::note;
use crate::{confirm, values};

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
    /// Searches every item in storage: by collection, area, time, the order
    /// that delivered it, or a CQL2 filter (`storage queryables` names the
    /// properties).
    ///
    /// Example: up42 storage search --order 00000000-0000-4000-8000-000000000001 --bbox 13.3,52.4,13.5,52.6
    Search(SearchArgs),
    /// Shows one item.
    ///
    /// Example: up42 storage item ITEM_ID --collection COLLECTION_ID
    Item {
        /// The item's id.
        id: String,
        /// Its STAC collection.
        #[arg(long, value_name = "ID")]
        collection: String,
        #[command(flatten)]
        output: Output,
    },
    /// Changes an item's title or tags, and shows it.
    ///
    /// Example: up42 storage update-item ITEM_ID --collection COLLECTION_ID --title "Berlin, May" --tag berlin
    UpdateItem(UpdateItemArgs),
    /// Lists the STAC collections in storage: one per delivery or job result.
    ///
    /// Example: up42 storage collections
    Collections {
        /// At most this many collections: paging stops there.
        #[arg(long, value_name = "N")]
        limit: Option<usize>,
        #[command(flatten)]
        output: Output,
    },
    /// Shows one STAC collection.
    ///
    /// Example: up42 storage collection c0110000-0000-4000-8000-000000000000
    Collection {
        /// The collection's id.
        id: String,
        #[command(flatten)]
        output: Output,
    },
    /// Deletes a STAC collection with its items and their files, for good.
    ///
    /// Example: up42 storage delete-collection c0110000-0000-4000-8000-000000000000 --yes
    DeleteCollection {
        /// The collection's id.
        id: String,
        /// Deletes without asking (scripts; without a terminal it is required).
        #[arg(short, long)]
        yes: bool,
    },
    /// Prints an asset's signed URL: short-lived, fetched without a token
    /// (curl -o file "$(up42 storage url ASSET_ID)").
    ///
    /// Example: up42 storage url a5500000-0000-4000-8000-000000000000
    Url {
        /// The asset's id.
        asset: String,
        /// json: {"url": ...}; otherwise the URL alone on a line.
        #[arg(short = 'o', long = "output", value_enum, value_name = "FORMAT")]
        output: Option<Format>,
    },
    /// The properties a --filter of `storage search` can name: a table on a
    /// terminal, the JSON Schema otherwise.
    ///
    /// Example: up42 storage queryables
    Queryables {
        #[command(flatten)]
        output: Output,
    },
    /// Storage's STAC landing page: its title and what it conforms to.
    ///
    /// Example: up42 storage info
    Info {
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

/// `up42 storage search`.
#[derive(Debug, Args)]
pub struct SearchArgs {
    /// Only items of this STAC collection; repeat for more.
    #[arg(long = "collection", value_name = "ID")]
    pub collections: Vec<String>,
    /// Only the items an order delivered.
    #[arg(long, value_name = "ID")]
    pub order: Option<String>,
    /// Only items over this box: west,south,east,north in degrees.
    #[arg(long, value_name = "W,S,E,N", value_parser = values::bbox, allow_hyphen_values = true)]
    pub bbox: Option<[f64; 4]>,
    #[command(flatten)]
    pub period: Period,
    /// A CQL2-JSON filter: JSON, or @FILE (@- for standard input).
    #[arg(long, value_name = "JSON|@FILE")]
    pub filter: Option<String>,
    /// At most this many items: paging stops there.
    #[arg(long, value_name = "N")]
    pub limit: Option<usize>,
    #[command(flatten)]
    pub output: Output,
}

/// `up42 storage update-item`: at least one change.
#[derive(Debug, Args)]
#[command(group(clap::ArgGroup::new("change").required(true).multiple(true).args(["title", "tag", "no_tags"])))]
pub struct UpdateItemArgs {
    /// The item's id.
    pub id: String,
    /// Its STAC collection.
    #[arg(long, value_name = "ID")]
    pub collection: String,
    /// The item's new title.
    #[arg(long, value_name = "TITLE")]
    pub title: Option<String>,
    #[command(flatten)]
    pub tags: NewTags,
    #[command(flatten)]
    pub output: Output,
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
            output::items(&found, output.format, items_table)
        }
        StorageCommand::Search(args) => {
            let items = storage.search(&search(&args)?).items();
            let found: Vec<StacItem> = limit::collect(items, args.limit).await?;
            output::items(&found, args.output.format, items_table)
        }
        StorageCommand::Item {
            id,
            collection,
            output,
        } => output::single(&storage.item(collection, id).await?, output.format, items_table),
        StorageCommand::UpdateItem(args) => {
            let mut update = storage.update_item(args.collection, args.id);
            if let Some(title) = args.title {
                update = update.title(title);
            }
            if let Some(tags) = args.tags.change() {
                update = update.tags(tags);
            }
            output::single(&update.send().await?, args.output.format, items_table)
        }
        StorageCommand::Collections { limit, output } => {
            let found: Vec<StacCollection> = limit::collect(storage.collections().items(), limit).await?;
            output::items(&found, output.format, collections_table)
        }
        StorageCommand::Collection { id, output } => {
            output::single(&storage.collection(id).await?, output.format, collections_table)
        }
        StorageCommand::DeleteCollection { id, yes } => {
            if !yes {
                confirm::ask(
                    &format!("delete STAC collection {id} with its items and their files, for good?"),
                    "deleting a collection deletes its files for good",
                    "nothing was deleted",
                )?;
            }
            storage.delete_collection(&id).await?;
            note!("deleted STAC collection {id}");
            Ok(())
        }
        StorageCommand::Url { asset, output } => {
            let signed = storage.download_url(asset).await?;
            let object = serde_json::json!({"url": signed.url});
            match output {
                Some(Format::Json) => output::json(&object),
                Some(Format::Ndjson) => output::json_line(&object),
                Some(Format::Geojson) => Err(output::no_geometry()),
                Some(Format::Table) | None => output::line(&crate::term::clean(&signed.url)),
            }
        }
        StorageCommand::Queryables { output } => {
            output::one(&storage.queryables().await?, output.format, output::schema_table)
        }
        StorageCommand::Info { output } => {
            let landing = storage.landing_page().await?;
            output::one(&landing, output.format, |landing| {
                let mut table = Table::new(&["ID", "TITLE", "CONFORMS TO"]);
                table.row(vec![
                    (landing.id.clone(), Tone::Plain),
                    (landing.title.clone().unwrap_or_default(), Tone::Plain),
                    (landing.conforms_to.len().to_string(), Tone::Plain),
                ]);
                table
            })
        }
        StorageCommand::Download(args) => download(session, args).await,
    }
}

/// The STAC search `storage search`'s flags make.
fn search(args: &SearchArgs) -> Result<StacSearch, Failure> {
    let mut search = StacSearch::new();
    if !args.collections.is_empty() {
        search = search.collections(args.collections.iter().map(String::as_str));
    }
    if let Some(bbox) = args.bbox {
        search = search.bbox(bbox);
    }
    if let Some(interval) = args.period.interval()? {
        search = search.datetime(interval);
    }
    match (&args.filter, &args.order) {
        (Some(_), Some(_)) => {
            return Err(Failure::Usage(
                "--order is a filter itself: put `order_id` in --filter instead".into(),
            ));
        }
        (Some(filter), None) => {
            search = search.filter(values::json_or_file("--filter", filter).map_err(Failure::Usage)?)
        }
        (None, Some(order)) => search = search.order(order.as_str()),
        (None, None) => {}
    }
    Ok(search)
}

/// The table of STAC items.
fn items_table(items: &[StacItem]) -> Table {
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
}

/// The table of STAC collections.
fn collections_table(collections: &[StacCollection]) -> Table {
    let mut table = Table::new(&["ID", "TITLE", "DESCRIPTION"]);
    for collection in collections {
        table.row(vec![
            (collection.id.to_string(), Tone::Plain),
            (collection.title.clone().unwrap_or_default(), Tone::Plain),
            (collection.description.clone().unwrap_or_default(), Tone::Plain),
        ]);
    }
    table
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
