//! `up42 collections [NAME]`: the glossary, on the typed client.

use clap::Args;
use futures_util::TryStreamExt;
use up42::glossary::{Collection, CollectionType};

use crate::cli::{OrderKind, Output};
use crate::failure::Failure;
use crate::output;
use crate::session::Session;
use crate::table::{Table, Tone};

/// `up42 collections`.
#[derive(Debug, Args)]
pub struct Collections {
    /// Shows this collection only (its data products, its host).
    #[arg(value_name = "NAME", conflicts_with = "collection_type")]
    pub name: Option<String>,
    /// Only archive or only tasking collections.
    #[arg(long = "type", value_enum, ignore_case = true, value_name = "TYPE")]
    pub collection_type: Option<OrderKind>,
    #[command(flatten)]
    pub output: Output,
}

/// `up42 collections`: the glossary, archive or tasking only if asked.
pub async fn collections(session: &Session, args: Collections) -> Result<(), Failure> {
    if let Some(name) = args.name {
        let collection = session.typed().glossary().collection(name).await?;
        return output::single(&collection, args.output.format, table);
    }
    let wanted = args.collection_type.map(|kind| match kind {
        OrderKind::Archive => CollectionType::Archive,
        OrderKind::Tasking => CollectionType::Tasking,
    });
    let found: Vec<Collection> = session
        .typed()
        .glossary()
        .collections()
        .items()
        .try_filter(|c| std::future::ready(wanted.as_ref().is_none_or(|w| &c.collection_type == w)))
        .try_collect()
        .await?;
    output::items(&found, args.output.format, table)
}

/// The table of glossary collections.
fn table(collections: &[Collection]) -> Table {
    let mut table = Table::new(&["NAME", "TITLE", "TYPE", "HOST", "DATA PRODUCTS"]);
    for collection in collections {
        let products: Vec<&str> = collection.data_products.iter().map(|p| p.name.as_str()).collect();
        table.row(vec![
            (collection.name.to_string(), Tone::Plain),
            (collection.title.clone(), Tone::Plain),
            (collection.collection_type.to_string(), Tone::Plain),
            (
                collection.host().map(|h| h.name.clone()).unwrap_or_default(),
                Tone::Plain,
            ),
            (products.join(", "), Tone::Plain),
        ]);
    }
    table
}
