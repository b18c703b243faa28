//! `up42 catalog search|quicklook`: scenes of a collection's archive, on the
//! typed client; `-o geojson` writes what `orders estimate|place --scenes`
//! reads.

use std::cmp::Ordering;
use std::path::PathBuf;

use clap::{Args, Subcommand};
use serde_json::Value;
use up42::catalog::{CatalogSearch, Comparison, Scene};
use up42::geojson::{Feature, FeatureCollection};

use crate::cli::Period;
use crate::failure::Failure;
use crate::limit;
use crate::output::{self, Format};
use crate::session::Session;
use crate::table::{Table, Tone};
use crate::values;

/// `up42 catalog ...`.
#[derive(Debug, Subcommand)]
pub enum CatalogCommand {
    /// Searches a collection's archive for scenes (the glossary names its host).
    ///
    /// Example: up42 catalog search --collection phr --bbox 13.3,52.4,13.5,52.6 --from 2026-01-01 --max-cloud 20 -o geojson > scenes.geojson
    Search(SearchArgs),
    /// Writes a scene's quicklook (a small JPEG) to a file.
    ///
    /// Example: up42 catalog quicklook SCENE_ID --collection phr -O scene.jpg
    Quicklook(QuicklookArgs),
}

/// `up42 catalog quicklook`.
#[derive(Debug, Args)]
pub struct QuicklookArgs {
    /// The scene's id (`catalog search` shows it).
    #[arg(value_name = "SCENE")]
    pub scene: String,
    /// The scene's collection: the glossary names its host.
    #[arg(long, value_name = "NAME", required_unless_present = "host")]
    pub collection: Option<String>,
    /// The host whose archive holds the scene, instead of the collection's.
    #[arg(long, value_name = "HOST")]
    pub host: Option<String>,
    /// The file to write (replaced only once complete).
    #[arg(short = 'O', long = "file", value_name = "FILE")]
    pub file: PathBuf,
}

/// `up42 catalog search`.
#[derive(Debug, Args)]
#[command(group(clap::ArgGroup::new("area").required(true).args(["aoi", "bbox"])))]
pub struct SearchArgs {
    /// The host whose archive to search, instead of the one the glossary
    /// names for the collections (`up42 collections` shows it).
    #[arg(long, value_name = "HOST")]
    pub host: Option<String>,
    /// Scenes over the area of this GeoJSON file (- for standard input): one
    /// feature or geometry.
    #[arg(long, value_name = "FILE.geojson")]
    pub aoi: Option<PathBuf>,
    /// Scenes over this box: west,south,east,north in degrees.
    #[arg(long, value_name = "W,S,E,N", value_parser = values::bbox, allow_hyphen_values = true)]
    pub bbox: Option<[f64; 4]>,
    /// Merges the features of --aoi into one area (a file of several is
    /// refused otherwise).
    #[arg(long, requires = "aoi")]
    pub union: bool,
    /// The collection to search (`up42 collections` lists them); repeat for
    /// more of the same host.
    #[arg(long = "collection", value_name = "NAME", required = true)]
    pub collections: Vec<String>,
    #[command(flatten)]
    pub period: Period,
    /// Only scenes with at most this cloud cover, in percent.
    #[arg(long, value_name = "PCT", value_parser = values::percent)]
    pub max_cloud: Option<f64>,
    /// Only scenes whose property NAME compares as OP (lt, lte, gt, gte, eq,
    /// neq) with VALUE: --filter resolution lte 0.5; repeat for more.
    #[arg(long, num_args = 3, value_names = ["NAME", "OP", "VALUE"], action = clap::ArgAction::Append)]
    pub filter: Vec<String>,
    /// Sorts the scenes found by a property (cloudCoverage, datetime,
    /// resolution, ...), ascending unless `:desc`.
    #[arg(long, value_name = "FIELD[:asc|desc]", value_parser = values::sort)]
    pub sort: Option<(String, bool)>,
    /// At most this many scenes: paging stops there (with --sort, the first
    /// N found are sorted).
    #[arg(long, value_name = "N")]
    pub limit: Option<usize>,
    /// table, json (the scenes), ndjson (a GeoJSON Feature a line) or
    /// geojson (one FeatureCollection, for QGIS and `orders place --scenes`).
    #[arg(short = 'o', long = "output", value_enum, value_name = "FORMAT")]
    pub output: Option<Format>,
}

/// Runs a `catalog` command.
pub async fn run(session: &Session, command: CatalogCommand) -> Result<(), Failure> {
    match command {
        CatalogCommand::Search(args) => find(session, args).await,
        CatalogCommand::Quicklook(args) => {
            let client = session.typed();
            let search = CatalogSearch::new().collections(args.collection.as_deref());
            let host = host(&client, args.host, &search).await?;
            let image = client.catalog().quicklook(host, args.scene).await?;
            let bytes = image.to_file(&args.file).await?;
            crate::term::note!("wrote {} ({bytes} bytes)", args.file.display());
            Ok(())
        }
    }
}

/// The host to search: `--host`, else the one the glossary names for the
/// search's collections.
async fn host(
    client: &up42::Client,
    host: Option<String>,
    search: &CatalogSearch,
) -> Result<String, Failure> {
    match host {
        Some(host) => Ok(host),
        None => Ok(client
            .catalog()
            .host_for(search)
            .await
            .map_err(|e| Failure::Usage(format!("--collection: {}", reason(&e))))?
            .to_string()),
    }
}

/// `catalog search`.
async fn find(session: &Session, args: SearchArgs) -> Result<(), Failure> {
    let search = search(&args)?;
    let client = session.typed();
    let host = host(&client, args.host.clone(), &search).await?;
    let mut scenes = client.catalog().search(host.as_str(), &search);
    if let Some(limit) = args.limit {
        scenes = scenes.page_size(limit::page_size(limit, 500));
    }
    let mut found: Vec<Scene> = limit::collect(scenes.items(), args.limit).await?;
    if let Some((field, descending)) = &args.sort {
        sort(&mut found, field, *descending);
    }
    match output::chosen(args.output) {
        Format::Geojson => output::json(&features(found, &host)?),
        Format::Ndjson => {
            for feature in with_host(found, &host) {
                output::json_line(&feature)?;
            }
            Ok(())
        }
        format => output::items(&found, Some(format), table),
    }
}

/// What an invalid-argument error of the library says, without its prefix.
pub(crate) fn reason(error: &up42::Error) -> String {
    match error.argument() {
        Some((_, reason)) => reason.to_string(),
        None => error.to_string(),
    }
}

/// The table of scenes: what a person compares.
fn table(scenes: &[Scene]) -> Table {
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
}

/// The scenes as GeoJSON features, their properties as UP42 sent them plus
/// the `host` searched.
fn with_host(scenes: Vec<Scene>, host: &str) -> impl Iterator<Item = Feature> + '_ {
    scenes.into_iter().map(move |scene| {
        let mut feature = Feature::from(scene);
        feature.set_property("host", host);
        feature
    })
}

/// The scenes as one GeoJSON FeatureCollection.
fn features(scenes: Vec<Scene>, host: &str) -> Result<Value, Failure> {
    let collection = FeatureCollection::from_iter(with_host(scenes, host));
    serde_json::to_value(&collection).map_err(|e| Failure::Local(format!("cannot print the scenes: {e}")))
}

/// Sorts `scenes` by the property `field`: numbers as numbers, the rest as
/// text, descending if asked; scenes without it last either way.
fn sort(scenes: &mut [Scene], field: &str, descending: bool) {
    let key = |scene: &Scene| {
        let value = serde_json::to_value(&scene.properties).map(|p| p[field].clone());
        value.ok().filter(|v| !v.is_null())
    };
    scenes.sort_by_cached_key(|scene| Key(key(scene), descending));
}

/// A sort key: a property's value (none last), and whether descending.
#[derive(PartialEq, Eq)]
struct Key(Option<Value>, bool);

impl Ord for Key {
    fn cmp(&self, other: &Self) -> Ordering {
        let order = match (&self.0, &other.0) {
            (Some(a), Some(b)) => match (a.as_f64(), b.as_f64()) {
                (Some(x), Some(y)) => x.total_cmp(&y),
                _ => a.to_string().cmp(&b.to_string()),
            },
            (Some(_), None) => return Ordering::Less,
            (None, Some(_)) => return Ordering::Greater,
            (None, None) => return Ordering::Equal,
        };
        match self.1 {
            true => order.reverse(),
            false => order,
        }
    }
}

impl PartialOrd for Key {
    fn partial_cmp(&self, other: &Self) -> Option<Ordering> {
        Some(self.cmp(other))
    }
}

/// The search the flags describe.
fn search(args: &SearchArgs) -> Result<CatalogSearch, Failure> {
    let mut search = CatalogSearch::new().collections(args.collections.iter().map(String::as_str));
    if let Some(bbox) = args.bbox {
        search = search.bbox(bbox);
    }
    if let Some(path) = &args.aoi {
        let aoi = values::aoi(path).map_err(Failure::Usage)?;
        search = search.intersects(values::one_geometry(aoi, args.union).map_err(Failure::Usage)?);
    }
    if let Some(interval) = args.period.interval()? {
        search = search.datetime(interval);
    }
    if let Some(pct) = args.max_cloud {
        search = search.max_cloud_cover(pct);
    }
    for triple in args.filter.chunks(3) {
        let [name, op, value] = triple else {
            return Err(Failure::Usage("--filter takes NAME OP VALUE".to_string()));
        };
        let op: Comparison = op
            .parse()
            .map_err(|e: up42::Error| Failure::Usage(format!("--filter {name}: {}", reason(&e))))?;
        // A number, true/false or "quoted" text as JSON; anything else as text.
        let value = serde_json::from_str(value).unwrap_or_else(|_| Value::from(value.as_str()));
        search = search.filter(name, op, value);
    }
    Ok(search)
}
