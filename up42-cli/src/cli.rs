//! The command line: commands, their arguments and the global options.

use std::path::PathBuf;
use std::time::Duration;

use clap::{Args, Parser, Subcommand, ValueEnum};
use up42::Region;

use crate::commands::{
    aoi, api, auth, budgets, catalog, download, feasibility, glossary, jobs, orders, processes, quotations,
    storage,
};
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
#[command(name = "up42", version, propagate_version = true, max_term_width = 100, after_help = FLOW)]
pub struct Cli {
    #[command(flatten)]
    pub global: Global,
    #[command(subcommand)]
    pub command: Command,
}

/// What `up42 --help` shows last: the whole flow, from an area to files.
const FLOW: &str = "From an area to files (try it on `up42 sandbox` first):
  up42 catalog search --collection phr --bbox 13.3,52.4,13.5,52.6 --max-cloud 20 -o geojson > scenes.geojson
  up42 orders place --scenes scenes.geojson --max-credits 500 --yes --wait --download scenes/
`up42 help GROUP` shows a worked example of each command of a group.";

impl Cli {
    /// The command line's definition, each group's help ending with its
    /// commands' worked examples (`up42 help orders`): the `Example:` line
    /// of every command's own help, so each is written once.
    pub fn command() -> clap::Command {
        <Cli as clap::CommandFactory>::command().mut_subcommands(|group| {
            let examples: Vec<String> = group
                .get_subcommands()
                .filter_map(|command| {
                    let help = command.get_long_about()?.to_string();
                    let example = help.lines().find_map(|line| line.strip_prefix("Example: "))?;
                    Some(format!("  {example}"))
                })
                .collect();
            match examples.is_empty() {
                true => group,
                false => group.after_help(format!("Examples:\n{}", examples.join("\n"))),
            }
        })
    }

    /// The command line of this process, parsed (exit 2 with the usage on a
    /// mistake).
    pub fn from_env() -> Cli {
        use clap::FromArgMatches;
        Cli::from_arg_matches(&Cli::command().get_matches()).unwrap_or_else(|e| e.exit())
    }
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

/// The commands.
#[derive(Debug, Subcommand)]
pub enum Command {
    /// Checks your email and password with one token request and saves them
    /// to ~/.up42/credentials.json (mode 0600).
    Login(auth::Login),
    /// Prints a valid access token and nothing else:
    /// curl -H "Authorization: Bearer $(up42 token)" ...
    Token {
        /// Prints {"access_token": ..., "expires_in": seconds} instead.
        #[arg(long)]
        json: bool,
    },
    /// Shows the account behind the token (the auth host's user info).
    Whoami {
        #[command(flatten)]
        output: Output,
    },
    /// An authenticated GET on the API; prints the JSON answer.
    Get(api::Get),
    /// An authenticated POST on the API with a JSON body.
    Post(api::Send),
    /// An authenticated PUT on the API with a JSON body.
    Put(api::Send),
    /// An authenticated PATCH on the API with a JSON body.
    Patch(api::Send),
    /// An authenticated DELETE on the API.
    Delete(api::Send),
    /// Downloads an asset: asks for its signed URL and streams it to a file
    /// (no token goes to the storage host; no partial file is left).
    Download(download::Download),
    /// Orders: list, show, estimate, place, wait for, update and cancel them;
    /// a product's order parameters; a tasking order's coverage.
    #[command(subcommand)]
    Orders(orders::OrdersCommand),
    /// Tasking quotations: list, accept, reject.
    #[command(subcommand)]
    Quotations(quotations::QuotationsCommand),
    /// Processes: what one does, costs and needs accepted (`jobs` runs them).
    #[command(subcommand)]
    Processes(processes::ProcessesCommand),
    /// Processing jobs: list, show, wait for them; check, price and run a process.
    #[command(subcommand)]
    Jobs(jobs::JobsCommand),
    /// The account's credits: what can be spent.
    ///
    /// Example: up42 balance
    Balance {
        #[command(flatten)]
        output: Output,
    },
    /// Feasibility studies of tasking orders: list them, choose an option.
    #[command(subcommand)]
    Feasibility(feasibility::FeasibilityCommand),
    /// Budgets and what they have used.
    #[command(subcommand)]
    Budgets(budgets::BudgetsCommand),
    /// The collections of UP42's glossary: what can be ordered.
    ///
    /// Example: up42 collections --type archive
    Collections(glossary::Collections),
    /// Prints a completion script for a shell:
    /// up42 completions bash > ~/.local/share/bash-completion/completions/up42
    Completions {
        /// The shell.
        shell: clap_complete::Shell,
    },
    /// The catalog: search a host's archive for scenes.
    #[command(subcommand)]
    Catalog(catalog::CatalogCommand),
    /// Storage: delivered and processed items, and their files.
    #[command(subcommand)]
    Storage(storage::StorageCommand),
    /// Lists UP42's endpoints known to the toolkit (its compile-time catalogue).
    Endpoints {
        /// Only the endpoints whose method or path contains this text.
        filter: Option<String>,
    },
    /// Areas of interest: checked before they are sent.
    #[command(subcommand)]
    Aoi(aoi::AoiCommand),
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

/// What an order buys.
#[derive(Debug, Clone, Copy, ValueEnum)]
pub enum OrderKind {
    /// Images from a provider's archive.
    Archive,
    /// New acquisitions.
    Tasking,
}

/// `up42 orders wait` and `up42 jobs wait`: what to wait for, and how.
#[derive(Debug, Args)]
pub struct Wait {
    /// The order's or job's id.
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

/// `--tag T... | --no-tags`: what a thing's tags become.
#[derive(Debug, Args)]
pub struct NewTags {
    /// The tags become these; repeat for more.
    #[arg(long, value_name = "TAG", conflicts_with = "no_tags")]
    pub tag: Vec<String>,
    /// Removes every tag.
    #[arg(long)]
    pub no_tags: bool,
}

impl NewTags {
    /// The new tags, when the flags change them (`--no-tags`: none).
    pub fn change(self) -> Option<Vec<String>> {
        (!self.tag.is_empty() || self.no_tags).then_some(self.tag)
    }
}

/// When what is searched for was taken: `--from` and `--to`.
#[derive(Debug, Args)]
pub struct Period {
    /// Only what was taken from this day (2026-01-31) or time (RFC 3339) on.
    #[arg(long, value_name = "DATE", value_parser = |text: &str| values::date(text, false))]
    pub from: Option<String>,
    /// Only what was taken until this day (all of it) or time.
    #[arg(long, value_name = "DATE", value_parser = |text: &str| values::date(text, true))]
    pub to: Option<String>,
}

impl Period {
    /// The STAC `datetime` interval (`FROM/TO`, `..` for an open end), if
    /// either end is given; a `--from` after `--to` is a usage error.
    pub fn interval(&self) -> Result<Option<String>, crate::failure::Failure> {
        match (&self.from, &self.to) {
            (None, None) => Ok(None),
            (Some(from), Some(to)) if from > to => Err(crate::failure::Failure::Usage(format!(
                "--from {from} is after --to {to}"
            ))),
            (from, to) => Ok(Some(format!(
                "{}/{}",
                from.as_deref().unwrap_or(".."),
                to.as_deref().unwrap_or("..")
            ))),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::Cli;

    #[test]
    fn every_command_of_a_group_has_a_worked_example_in_the_groups_help() {
        let command = Cli::command();
        command.clone().debug_assert();
        let mut groups = 0;
        for group in command.get_subcommands().filter(|g| g.has_subcommands()) {
            groups += 1;
            let help = group
                .get_after_help()
                .map(ToString::to_string)
                .unwrap_or_default();
            for sub in group.get_subcommands().filter(|s| s.get_name() != "help") {
                let call = ["up42", group.get_name(), sub.get_name()];
                let shown = help.lines().any(|line| {
                    let words: Vec<&str> = line.split_whitespace().collect();
                    words.windows(3).any(|w| w == call)
                });
                assert!(
                    shown,
                    "`up42 help {}` shows no example of `{}`:\n{help}",
                    group.get_name(),
                    call.join(" ")
                );
            }
        }
        assert!(groups >= 9, "{groups} groups");
    }
}
