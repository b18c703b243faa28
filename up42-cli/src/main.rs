//! `up42`: resource commands, tokens, API calls and downloads for UP42 from
//! the command line, on top of the `up42` toolkit and its typed client, with
//! tokens cached between runs.

mod cli;
mod commands;
mod confirm;
mod deliver;
mod failure;
mod limit;
mod output;
mod session;
mod table;
mod term;
mod values;
mod watch;

use up42::toolkit::reqwest::Method;

use cli::{Cli, Command};
use commands::{
    aoi, api, auth, budgets, catalog, download, endpoints, feasibility, glossary, jobs, orders, processes,
    quotations, storage,
};
use failure::Failure;

#[tokio::main]
async fn main() {
    let cli = Cli::from_env();
    session::trace(cli.global.verbose);
    let verbose = cli.global.verbose > 0;
    // Ctrl-C ends the command by dropping it: a download's temporary file,
    // a held lock, are cleaned up as they go, before the exit.
    let outcome = tokio::select! {
        outcome = async {
            let outcome = run(cli).await;
            session::settle().await;
            outcome
        } => outcome,
        _ = tokio::signal::ctrl_c() => Err(Failure::Interrupted),
    };
    if let Err(failure) = outcome {
        failure.report(verbose);
        std::process::exit(failure.exit_code());
    }
}

async fn run(cli: Cli) -> Result<(), Failure> {
    let global = &cli.global;
    match cli.command {
        Command::Login(login) => auth::login(global, login).await,
        Command::Token { json } => auth::token(&session::open(global).await?, json).await,
        Command::Whoami { output } => auth::whoami(&session::open(global).await?, output).await,
        Command::Logout { forget_credentials } => auth::logout(global, forget_credentials).await,
        Command::Get(get) => api::get(&session::open(global).await?, get).await,
        Command::Post(send) => api_send(global, Method::POST, send).await,
        Command::Put(send) => api_send(global, Method::PUT, send).await,
        Command::Patch(send) => api_send(global, Method::PATCH, send).await,
        Command::Delete(send) => api_send(global, Method::DELETE, send).await,
        Command::Download(download) => download::run(&session::open(global).await?, download).await,
        Command::Orders(command) => orders::run(&session::open(global).await?, command).await,
        Command::Catalog(command) => catalog::run(&session::open(global).await?, command).await,
        Command::Storage(command) => storage::run(&session::open(global).await?, command).await,
        Command::Quotations(command) => quotations::run(&session::open(global).await?, command).await,
        Command::Processes(command) => processes::run(&session::open(global).await?, command).await,
        Command::Jobs(command) => jobs::run(&session::open(global).await?, command).await,
        Command::Budgets(command) => budgets::run(&session::open(global).await?, command).await,
        Command::Balance { output } => budgets::balance(&session::open(global).await?, output).await,
        Command::Feasibility(command) => feasibility::run(&session::open(global).await?, command).await,
        Command::Collections(args) => glossary::collections(&session::open(global).await?, args).await,
        Command::Completions { shell } => {
            let mut command = Cli::command();
            clap_complete::generate(shell, &mut command, "up42", &mut std::io::stdout());
            Ok(())
        }
        Command::Endpoints { filter } => endpoints::list(filter.as_deref()),
        Command::Sandbox { port } => session::serve(port).await,
        Command::Aoi(command) => aoi::run(command),
    }
}

/// `post`, `put`, `patch` and `delete`.
async fn api_send(global: &cli::Global, method: Method, send: api::Send) -> Result<(), Failure> {
    api::send(&session::open(global).await?, method, send).await
}
