//! `up42 storage items|download`: what orders delivered and jobs made, on
//! the typed client.

use futures_util::TryStreamExt;
use up42::storage::{StacItem, StacSearch};

use crate::cli::StorageCommand;
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
        StorageCommand::Download { id, output } => {
            std::fs::create_dir_all(&output)
                .map_err(|e| Failure::Local(format!("cannot make {}: {e}", output.display())))?;
            // An item's id names its files; anything else is taken for an asset's id.
            let item = storage
                .search(&StacSearch::new().ids([id.as_str()]))
                .items()
                .try_next()
                .await?;
            let files: Vec<(String, up42::ids::AssetId)> = match item {
                Some(item) => item
                    .assets
                    .iter()
                    .filter_map(|(name, asset)| asset.asset_id().map(|asset| (name.clone(), asset)))
                    .collect(),
                None => vec![(id.clone(), up42::ids::AssetId::from(id.as_str()))],
            };
            for (name, asset) in files {
                let path = output.join(&name);
                let bytes = storage.download(asset).to_file(&path).await?;
                eprintln!("up42: saved {bytes} bytes to {}", path.display());
            }
            Ok(())
        }
    }
}
