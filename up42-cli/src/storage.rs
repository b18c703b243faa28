//! `up42 storage items|download`: what orders delivered and jobs made, on
//! the typed client; downloads are deliveries (see `deliver`).

use up42::storage::{StacItem, StacSearch};
use up42::toolkit::Authenticated;

use crate::cli::{StorageCommand, StorageDownload};
use crate::deliver;
use crate::failure::Failure;
use crate::limit;
use crate::output;
use crate::session::Session;
use crate::table::{Table, Tone};

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
