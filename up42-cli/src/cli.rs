//! The command line: commands, their arguments and the global options.

use std::path::PathBuf;
use std::time::Duration;

use clap::{Args, Parser, Subcommand, ValueEnum};
use up42::orders::OrderStatus;
use up42::processing::JobStatus;

use crate::output::Format;
use crate::values;

/// Tokens, API calls and downloads for UP42.
///
/// Credentials come from UP42_USERNAME and UP42_PASSWORD, else from
/// ~/.up42/credentials.json (which `up42 login` writes). Tokens are cached
/// between runs in the platform cache directory (~/.cache/up42 on Linux).
///
/// Exit codes: 0 success, 1 the API answered an error, 2 usage error,
/// 3 authentication failed, 4 network or timeout, 5 the awaited work ended
/// without success or needs your decision.
#[derive(Debug, Parser)]
#[command(name = "up42", version, propagate_version = true, max_term_width = 100)]
pub struct Cli {
    #[command(flatten)]
    pub global: Global,
    #[command(subcommand)]
    pub command: Command,
}

/// Options every command takes.
#[derive(Debug, Args)]
pub struct Global {
    /// The UP42 region: its token URL and API URL.
    #[arg(long, global = true, value_enum, default_value_t = Region::Eu)]
    pub region: Region,
    /// The token endpoint, instead of the region's.
    #[arg(long, global = true, value_name = "URL", env = "UP42_TOKEN_URL")]
    pub token_url: Option<String>,
    /// The API's base URL, instead of the region's.
    #[arg(long, global = true, value_name = "URL", env = "UP42_API_URL")]
    pub api_url: Option<String>,
    /// Runs against a local sandbox started for this command, with a demo
    /// user: try every command with no account.
    #[arg(long, global = true)]
    pub sandbox: bool,
    /// Prints what the toolkit does on stderr (-v: each request with its
    /// status and time; -vv: token renewals and debug events too); never a
    /// secret.
    #[arg(short, long, global = true, action = clap::ArgAction::Count)]
    pub verbose: u8,
}

/// UP42's regions.
#[derive(Debug, Clone, Copy, ValueEnum)]
pub enum Region {
    /// Europe: auth.up42.com, api.up42.com.
    Eu,
    /// South America: auth.sa.up42.com, api.sa.up42.com.
    Sa,
}

/// The commands.
#[derive(Debug, Subcommand)]
pub enum Command {
    /// Checks your email and password with one token request and saves them
    /// to ~/.up42/credentials.json (mode 0600).
    Login(Login),
    /// Prints a valid access token and nothing else:
    /// curl -H "Authorization: Bearer $(up42 token)" ...
    Token {
        /// Prints {"access_token": ..., "expires_in": seconds} instead.
        #[arg(long)]
        json: bool,
    },
    /// Shows the account behind the token (the auth host's user info).
    Whoami,
    /// An authenticated GET on the API; prints the JSON answer.
    Get(Get),
    /// An authenticated POST on the API with a JSON body.
    Post(Send),
    /// An authenticated PUT on the API with a JSON body.
    Put(Send),
    /// An authenticated PATCH on the API with a JSON body.
    Patch(Send),
    /// An authenticated DELETE on the API.
    Delete(Send),
    /// Downloads an asset: asks for its signed URL and streams it to a file
    /// (no token goes to the storage host; no partial file is left).
    Download(Download),
    /// Orders: list, show, estimate, place, wait for and cancel them.
    #[command(subcommand, after_help = ORDERS_EXAMPLES)]
    Orders(OrdersCommand),
    /// Tasking quotations: list, accept, reject.
    #[command(subcommand)]
    Quotations(QuotationsCommand),
    /// Processing jobs: list, show, wait for them; check, price and run a process.
    #[command(subcommand)]
    Jobs(JobsCommand),
    /// The account's credits: what can be spent.
    ///
    /// Example: up42 balance
    Balance {
        #[command(flatten)]
        output: Output,
    },
    /// Feasibility studies of tasking orders: list them, choose an option.
    #[command(subcommand)]
    Feasibility(FeasibilityCommand),
    /// Budgets and what they have used.
    #[command(subcommand)]
    Budgets(BudgetsCommand),
    /// The collections of UP42's glossary: what can be ordered.
    ///
    /// Example: up42 collections --type archive
    Collections(Collections),
    /// Prints a completion script for a shell:
    /// up42 completions bash > ~/.local/share/bash-completion/completions/up42
    Completions {
        /// The shell.
        shell: clap_complete::Shell,
    },
    /// The catalog: search a host's archive for scenes.
    #[command(subcommand)]
    Catalog(CatalogCommand),
    /// Storage: delivered and processed items, and their files.
    #[command(subcommand)]
    Storage(StorageCommand),
    /// Lists UP42's endpoints known to the toolkit (its compile-time catalogue).
    Endpoints {
        /// Only the endpoints whose method or path contains this text.
        filter: Option<String>,
    },
    /// Areas of interest: checked before they are sent.
    #[command(subcommand)]
    Aoi(AoiCommand),
    /// Runs a local sandbox of UP42 (a demo user, seeded orders, scenes and
    /// files) until Ctrl-C, and prints the line that points other shells at
    /// it: what is placed there lasts until it stops.
    ///
    /// Example: up42 sandbox --port 8042 (then run the `export ...` line it prints in another shell)
    Sandbox {
        /// The port on 127.0.0.1 (default: a free one).
        #[arg(long, default_value_t = 0)]
        port: u16,
    },
    /// Forgets the cached tokens.
    Logout {
        /// Also removes the credentials file.
        #[arg(long)]
        forget_credentials: bool,
    },
}

/// `up42 login`.
#[derive(Debug, Args)]
pub struct Login {
    /// Your UP42 email; asked for if not given.
    #[arg(long, value_name = "EMAIL")]
    pub username: Option<String>,
    /// Reads the password from stdin (one line) instead of asking, for scripts.
    #[arg(long)]
    pub password_stdin: bool,
}

/// `up42 get`.
#[derive(Debug, Args)]
pub struct Get {
    /// The path on the API host, from its first `/`: /v2/orders.
    pub path: String,
    /// A query parameter; repeat for more.
    #[arg(short, long = "query", value_name = "KEY=VALUE", value_parser = key_value)]
    pub query: Vec<(String, String)>,
    /// Follows UP42's page object (page=0, 1, ...) and prints one JSON
    /// array of every item.
    #[arg(long)]
    pub all: bool,
}

/// `up42 post`, `put`, `patch`, `delete`.
#[derive(Debug, Args)]
pub struct Send {
    /// The path on the API host, from its first `/`.
    pub path: String,
    /// A query parameter; repeat for more.
    #[arg(short, long = "query", value_name = "KEY=VALUE", value_parser = key_value)]
    pub query: Vec<(String, String)>,
    /// The JSON body: inline ('{"a": 1}'), @file.json, or @- for stdin.
    #[arg(short, long, value_name = "JSON")]
    pub data: Option<String>,
}

/// `up42 download`.
#[derive(Debug, Args)]
pub struct Download {
    /// The asset's id.
    pub asset_id: String,
    /// Where to write it: a file (replaced only once complete), a FIFO or
    /// device (written directly), or `-` for standard output.
    #[arg(short, long, value_name = "FILE")]
    pub output: PathBuf,
}

fn key_value(text: &str) -> Result<(String, String), String> {
    match text.split_once('=') {
        Some((key, value)) if !key.is_empty() => Ok((key.to_string(), value.to_string())),
        _ => Err(format!("`{text}` is not KEY=VALUE")),
    }
}

/// What `up42 help orders` shows under the commands.
const ORDERS_EXAMPLES: &str = "Examples:
  up42 orders list --status being_fulfilled --limit 10
  up42 orders get ORDER_ID --output json
  up42 catalog search --collection phr --bbox 13.3,52.4,13.5,52.6 --max-cloud 20 -o geojson > scenes.geojson
  up42 orders estimate --scenes scenes.geojson
  up42 orders place --scenes scenes.geojson --max-credits 500 --yes --wait --download scenes/
  up42 orders place --product phr-display --aoi berlin.geojson --params @params.json --name Berlin
  up42 orders wait ORDER_ID --timeout 2h
  up42 orders cancel ORDER_ID";

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

/// What an order buys.
#[derive(Debug, Clone, Copy, ValueEnum)]
pub enum OrderKind {
    /// Images from a provider's archive.
    Archive,
    /// New acquisitions.
    Tasking,
}

/// `up42 orders wait`.
#[derive(Debug, Args)]
pub struct Wait {
    /// The order's id.
    pub id: String,
    #[command(flatten)]
    pub pace: Pace,
    #[command(flatten)]
    pub output: Output,
}

/// How long and how often a wait looks.
#[derive(Debug, Args)]
pub struct Pace {
    /// Gives up after this long (30s, 5m, 2h; default 24h), with exit code 4.
    #[arg(long, value_name = "DURATION", value_parser = values::duration)]
    pub timeout: Option<Duration>,
    /// The first pause between two looks (default 5s); later pauses grow,
    /// up to a minute.
    #[arg(long, value_name = "DURATION", value_parser = values::every)]
    pub every: Option<Duration>,
}

/// `up42 orders wait`.
#[derive(Debug, Args)]
pub struct OrderWait {
    #[command(flatten)]
    pub wait: Wait,
    #[command(flatten)]
    pub then: Then,
}

/// What `orders wait` and `orders place --wait` do once the orders are fulfilled.
#[derive(Debug, Args)]
pub struct Then {
    /// Once fulfilled, delivers the orders' files into this directory, as
    /// `storage download --order` does.
    #[arg(long, value_name = "DIR")]
    pub download: Option<PathBuf>,
    /// With --download: how many files are fetched at once.
    #[arg(short, long, value_name = "N", default_value_t = up42::storage::DEFAULT_CONCURRENCY as u16,
          value_parser = clap::value_parser!(u16).range(1..=64), requires = "download")]
    pub jobs: u16,
    /// With --download: replaces files on disk the delivery did not write.
    #[arg(long, requires = "download")]
    pub overwrite: bool,
}

/// How a resource command prints.
#[derive(Debug, Args)]
pub struct Output {
    /// table, json (the typed models) or ndjson; default: a table on a
    /// terminal, JSON otherwise.
    #[arg(short = 'o', long = "output", value_enum, value_name = "FORMAT")]
    pub format: Option<Format>,
}

fn order_status(text: &str) -> Result<OrderStatus, String> {
    values::one_of(text, OrderStatus::KNOWN, "an order status")
}

/// `up42 jobs ...`.
#[derive(Debug, Subcommand)]
pub enum JobsCommand {
    /// Lists the account's processing jobs.
    ///
    /// Example: up42 jobs list --status running
    List(JobsList),
    /// Shows one job.
    ///
    /// Example: up42 jobs get 10000000-0000-4000-8000-000000000000
    Get {
        /// The job's id.
        id: String,
        #[command(flatten)]
        output: Output,
    },
    /// Waits until the job succeeds (exit 0), ends otherwise (exit 5: a
    /// failed job ends when its credits are released), or the time is up (exit 4).
    ///
    /// Example: up42 jobs wait 10000000-0000-4000-8000-000000000000 --timeout 1h
    Wait(Wait),
    /// Checks a process's inputs: exit 0 when they can be run, 5 with each
    /// problem when not.
    ///
    /// Example: up42 jobs validate detection-ships-airbus --inputs @inputs.json
    Validate(ProcessInputs),
    /// What running a process on the inputs would cost.
    ///
    /// Example: up42 jobs cost detection-ships-airbus --inputs @inputs.json
    Cost(ProcessInputs),
    /// Runs a process on the inputs in your workspace; prints the job.
    ///
    /// Example: up42 jobs run detection-ships-airbus --inputs @inputs.json --budget ID
    Run {
        #[command(flatten)]
        process: ProcessInputs,
        /// The budget the job draws from.
        #[arg(long, value_name = "ID")]
        budget: Option<String>,
    },
}

/// A process and its inputs.
#[derive(Debug, Args)]
pub struct ProcessInputs {
    /// The process's id.
    pub process: String,
    /// The inputs: JSON, or @FILE (@- for standard input).
    #[arg(long, value_name = "JSON|@FILE")]
    pub inputs: String,
    #[command(flatten)]
    pub output: Output,
}

/// `up42 feasibility ...`.
#[derive(Debug, Subcommand)]
pub enum FeasibilityCommand {
    /// Lists feasibility studies, newest first.
    ///
    /// Example: up42 feasibility list --order 00000000-0000-4000-8000-000000000023
    List {
        /// Only the studies of this order.
        #[arg(long, value_name = "ID")]
        order: Option<String>,
        #[command(flatten)]
        output: Output,
    },
    /// Chooses an option of a study; its order goes ahead with it.
    ///
    /// Example: up42 feasibility choose STUDY_ID OPTION_ID
    Choose {
        /// The study's id.
        id: String,
        /// The option's id (`feasibility list` shows them).
        option: String,
        #[command(flatten)]
        output: Output,
    },
}

/// `up42 jobs list`.
#[derive(Debug, Args)]
pub struct JobsList {
    /// Only jobs in this status (successful, running, ...); repeat for more.
    #[arg(long, value_name = "STATUS", value_parser = job_status)]
    pub status: Vec<JobStatus>,
    /// At most this many jobs: paging stops there.
    #[arg(long, value_name = "N")]
    pub limit: Option<usize>,
    #[command(flatten)]
    pub output: Output,
}

/// `up42 quotations ...`.
#[derive(Debug, Subcommand)]
pub enum QuotationsCommand {
    /// Lists tasking quotations, newest first.
    ///
    /// Example: up42 quotations list --order 00000000-0000-4000-8000-000000000023
    List {
        /// Only the quotations of this order.
        #[arg(long, value_name = "ID")]
        order: Option<String>,
        #[command(flatten)]
        output: Output,
    },
    /// Accepts a quotation: its order goes ahead at the quoted price.
    ///
    /// Example: up42 quotations accept b1d00000-0000-4000-8000-000000000001
    Accept {
        /// The quotation's id.
        id: String,
        #[command(flatten)]
        output: Output,
    },
    /// Rejects a quotation: its order fails.
    ///
    /// Example: up42 quotations reject b1d00000-0000-4000-8000-000000000001
    Reject {
        /// The quotation's id.
        id: String,
        #[command(flatten)]
        output: Output,
    },
}

/// `up42 budgets ...`.
#[derive(Debug, Subcommand)]
pub enum BudgetsCommand {
    /// Lists the account's budgets with what each has used.
    ///
    /// Example: up42 budgets list
    List {
        #[command(flatten)]
        output: Output,
    },
}

/// `up42 collections`.
#[derive(Debug, Args)]
pub struct Collections {
    /// Only archive or only tasking collections.
    #[arg(long = "type", value_enum, ignore_case = true, value_name = "TYPE")]
    pub collection_type: Option<OrderKind>,
    #[command(flatten)]
    pub output: Output,
}

fn job_status(text: &str) -> Result<JobStatus, String> {
    values::one_of(text, JobStatus::KNOWN, "a job status")
}

/// `up42 orders estimate` and `place`: what to order.
#[derive(Debug, Args)]
#[command(group(clap::ArgGroup::new("what").required(true).args(["aoi", "scenes"])))]
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
    /// FeatureCollection, a Feature or a geometry. With --scenes, the area
    /// of each scene to order (else its whole footprint).
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

/// `up42 catalog ...`.
#[derive(Debug, Subcommand)]
pub enum CatalogCommand {
    /// Searches a collection's archive for scenes (the glossary names its host).
    ///
    /// Example: up42 catalog search --collection phr --bbox 13.3,52.4,13.5,52.6 --from 2026-01-01 --max-cloud 20 -o geojson > scenes.geojson
    Search(CatalogSearch),
}

/// `up42 catalog search`.
#[derive(Debug, Args)]
#[command(group(clap::ArgGroup::new("area").required(true).args(["aoi", "bbox"])))]
pub struct CatalogSearch {
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
    /// Only scenes taken from this day (2026-01-31) or time (RFC 3339) on.
    #[arg(long, value_name = "DATE", value_parser = from_date)]
    pub from: Option<String>,
    /// Only scenes taken until this day or time.
    #[arg(long, value_name = "DATE", value_parser = to_date)]
    pub to: Option<String>,
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

fn from_date(text: &str) -> Result<String, String> {
    values::date(text, false)
}

fn to_date(text: &str) -> Result<String, String> {
    values::date(text, true)
}

/// `up42 aoi ...`.
#[derive(Debug, Subcommand)]
pub enum AoiCommand {
    /// Checks an area of interest as UP42 would take it: rings closed,
    /// coordinates in range, no crossing edges, not across the antimeridian,
    /// one feature; prints its vertices and area (km²). Exit 2 when it
    /// cannot be sent, each problem on stderr.
    ///
    /// Example: up42 aoi check fields.geojson --union --simplify 0.0001 -O field.geojson
    Check(AoiCheck),
}

/// `up42 aoi check`.
#[derive(Debug, Args)]
pub struct AoiCheck {
    /// The GeoJSON file (a FeatureCollection, a Feature or a geometry), or - for standard input.
    #[arg(value_name = "FILE|-")]
    pub file: PathBuf,
    /// Merges the features into one area first.
    #[arg(long)]
    pub union: bool,
    /// Reduces the vertices first: none moves farther than this many degrees
    /// from the outline (0.0001 is about 10 m).
    #[arg(long, value_name = "DEGREES")]
    pub simplify: Option<f64>,
    /// Writes the area (merged, simplified) to this GeoJSON file when it can be sent.
    #[arg(short = 'O', long = "file", value_name = "FILE")]
    pub write: Option<PathBuf>,
    #[command(flatten)]
    pub output: Output,
}
