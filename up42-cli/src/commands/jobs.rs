//! `up42 jobs list|get|wait`, on the typed client.

use clap::{Args, Subcommand};
use up42::processing::{Job, JobOutcome, JobStatus};

use crate::cli::{Output, Wait};
use crate::failure::Failure;
use crate::limit;
use crate::output::{self, Format};
use crate::session::Session;
use crate::table::{Table, Tone};
use crate::term::note;
use crate::values;
use crate::watch;

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

fn job_status(text: &str) -> Result<JobStatus, String> {
    values::one_of(text, JobStatus::KNOWN, "a job status")
}

/// Runs a `jobs` command.
pub async fn run(session: &Session, command: JobsCommand) -> Result<(), Failure> {
    let client = session.typed();
    let jobs = client.processing().jobs();
    match command {
        JobsCommand::List(args) => {
            let mut list = jobs.list().status(args.status);
            if let Some(limit) = args.limit {
                list = list.page_size(limit::page_size(limit, 100));
            }
            show(
                &limit::collect(list.items(), args.limit).await?,
                args.output.format,
            )
        }
        JobsCommand::Get { id, output } => output::single(&jobs.get(id).await?, output.format, table),
        JobsCommand::Validate(args) => {
            let inputs = inputs(&args)?;
            let found = client
                .processing()
                .validate(args.process.as_str(), &inputs)
                .await?;
            output::one(&found, args.output.format, |found| {
                let mut table = Table::new(&["PROBLEM", "MESSAGE"]);
                for error in &found.errors {
                    table.row(vec![
                        (error.name.clone(), Tone::Bad),
                        (error.message.clone(), Tone::Plain),
                    ]);
                }
                table
            })?;
            match found.is_valid() {
                true => Ok(()),
                false => Err(Failure::Unsuccessful(format!(
                    "the inputs cannot be run: {} problem{}",
                    found.errors.len(),
                    if found.errors.len() == 1 { "" } else { "s" }
                ))),
            }
        }
        JobsCommand::Cost(args) => {
            let inputs = inputs(&args)?;
            let cost = client.processing().cost(args.process.as_str(), &inputs).await?;
            output::one(&cost, args.output.format, |cost| {
                let mut table = Table::new(&["CREDITS", "SIZE", "UNIT", "PRICING"]);
                table.row(vec![
                    (cost.total_credits.to_string(), Tone::Plain),
                    (
                        cost.total_size.map(|s| s.to_string()).unwrap_or_default(),
                        Tone::Plain,
                    ),
                    (cost.unit.clone().unwrap_or_default(), Tone::Plain),
                    (cost.pricing_strategy.clone(), Tone::Plain),
                ]);
                table
            })
        }
        JobsCommand::Run { process, budget } => {
            let inputs = inputs(&process)?;
            let mut execution = client.processing().execute(process.process.as_str(), &inputs);
            if let Some(budget) = budget {
                execution = execution.budget(budget);
            }
            let job = execution.send().await?;
            note!("job {} started (`up42 jobs wait {}`)", job.job_id, job.job_id);
            output::single(&job, process.output.format, table)
        }
        JobsCommand::Wait(args) => {
            let id = args.id;
            let outcome = watch::run(
                format!("job {id}"),
                jobs.wait(&id),
                watch::Pace::of(session, &args.pace)?,
                |job: &Job| job.status.to_string(),
            )
            .await?;
            match outcome {
                JobOutcome::Succeeded(job) => output::single(&job, args.output.format, table),
                outcome => Err(Failure::Unsuccessful(format!(
                    "job {id} ended {}{}",
                    outcome.job().status,
                    outcome
                        .job()
                        .results
                        .iter()
                        .flat_map(|r| r.errors.first())
                        .map(|e| format!(": {}", e.message))
                        .next()
                        .unwrap_or_default()
                ))),
            }
        }
    }
}

/// The inputs of `--inputs`: JSON, or `@FILE`.
fn inputs(args: &ProcessInputs) -> Result<serde_json::Value, Failure> {
    crate::values::json_or_file("--inputs", &args.inputs).map_err(Failure::Usage)
}

/// How a job status looks in a table.
fn tone(status: &JobStatus) -> Tone {
    match status {
        JobStatus::Successful | JobStatus::Captured => Tone::Good,
        JobStatus::Failed
        | JobStatus::Released
        | JobStatus::Invalid
        | JobStatus::Rejected
        | JobStatus::Unlicensed => Tone::Bad,
        _ => Tone::Pending,
    }
}

/// Jobs as a table or as the typed model in JSON.
fn show(jobs: &[Job], format: Option<Format>) -> Result<(), Failure> {
    output::items(jobs, format, table)
}

/// The table of `jobs`.
fn table(jobs: &[Job]) -> Table {
    let mut table = Table::new(&["ID", "PROCESS", "STATUS", "CREATED", "CREDITS"]);
    for job in jobs {
        let credits = job.credit_consumption.as_ref().map(|c| c.credits.to_string());
        table.row(vec![
            (job.job_id.to_string(), Tone::Plain),
            (job.process_id.to_string(), Tone::Plain),
            (job.status.to_string(), tone(&job.status)),
            (job.created.format("%Y-%m-%d %H:%M").to_string(), Tone::Plain),
            (credits.unwrap_or_default(), Tone::Plain),
        ]);
    }
    table
}
