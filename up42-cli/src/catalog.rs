//! `up42 catalog search`: scenes of a host's archive, on the typed client.

use up42::catalog::{CatalogSearch, Scene};

use crate::cli::{self, CatalogCommand};
use crate::failure::Failure;
use crate::limit;
use crate::output;
use crate::session::Session;
use crate::table::{Table, Tone};
use crate::values;

/// Runs a `catalog` command.
pub async fn run(session: &Session, command: CatalogCommand) -> Result<(), Failure> {
    let CatalogCommand::Search(args) = command;
    let search = search(&args)?;
    let mut scenes = session.typed().catalog().search(args.host, &search);
    if let Some(limit) = args.limit {
        scenes = scenes.page_size(limit::page_size(limit, 500));
    }
    let scenes = scenes.items();
    let found: Vec<Scene> = limit::collect(scenes, args.limit).await?;
    output::items(&found, args.output.format, |scenes| {
        let mut table = Table::new(&["ID", "COLLECTION", "TAKEN", "CLOUDS %", "RESOLUTION M"]);
        let number = |n: Option<f64>| n.map(|n| n.to_string()).unwrap_or_default();
        for scene in scenes {
            let p = &scene.properties;
            let taken = p.datetime.map(|at| at.format("%Y-%m-%d %H:%M").to_string());
            table.row(vec![
                (p.id.to_string(), Tone::Plain),
                (p.collection.to_string(), Tone::Plain),
                (taken.unwrap_or_default(), Tone::Plain),
                (number(p.cloud_coverage), Tone::Plain),
                (number(p.resolution), Tone::Plain),
            ]);
        }
        table
    })
}

/// The search the flags describe.
fn search(args: &cli::CatalogSearch) -> Result<CatalogSearch, Failure> {
    let mut search = CatalogSearch::new().collections(args.collections.iter().map(String::as_str));
    if let Some(bbox) = args.bbox {
        search = search.bbox(bbox);
    }
    if let Some(path) = &args.aoi {
        let aoi = values::aoi(path).map_err(Failure::Usage)?;
        search = search.intersects(values::first_geometry(&aoi).map_err(Failure::Usage)?);
    }
    if args.from.is_some() || args.to.is_some() {
        let from = args.from.as_deref().unwrap_or("..");
        let to = args.to.as_deref().unwrap_or("..");
        search = search.datetime(format!("{from}/{to}"));
    }
    Ok(search)
}
