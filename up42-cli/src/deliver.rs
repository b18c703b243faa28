//! Deliveries on the command line (`storage download`, `orders wait
//! --download`): the library's `Delivery`, shown as one bar for the whole
//! delivery and a line per file in flight on a terminal, a line per
//! finished file otherwise; the report as a table, JSON or NDJSON; exit 5
//! when a file could not be completed.

use std::collections::HashMap;
use std::io::IsTerminal;
use std::path::{Path, PathBuf};

use indicatif::{MultiProgress, ProgressBar, ProgressStyle};
use up42::storage::{DeliveredFile, Delivery, DeliveryProgress};

use crate::failure::Failure;
use crate::output::{self, Format};
use crate::table::{Table, Tone};
use crate::term::note;

/// How a delivery is made and shown.
pub struct Options {
    pub dir: PathBuf,
    pub jobs: usize,
    pub overwrite: bool,
    pub format: Option<Format>,
}

impl Options {
    /// Into `dir`, as the `--download` flags `then` say, the report as `format`.
    pub fn new(dir: PathBuf, then: &crate::cli::Then, format: Option<Format>) -> Options {
        Options {
            dir,
            jobs: then.jobs.into(),
            overwrite: then.overwrite,
            format,
        }
    }
}

/// Runs `deliveries` one after the other into `options.dir`, then prints
/// every file's outcome; exit 5 when any failed.
pub async fn run(deliveries: Vec<Delivery<'static>>, options: Options) -> Result<(), Failure> {
    let mut files: Vec<DeliveredFile> = Vec::new();
    for delivery in deliveries {
        let mut shown = Shown::new(&options.dir);
        let delivery = delivery
            .to_dir(&options.dir)
            .concurrency(options.jobs)
            .overwrite(options.overwrite)
            .progress(move |p| shown.update(p));
        files.extend(delivery.await?.files);
    }
    let failed = files.iter().filter(|f| !f.outcome.is_complete()).count();
    output::items(&files, options.format, |files| table(files, &options.dir))?;
    match failed {
        0 => Ok(()),
        n => Err(Failure::Unsuccessful(format!(
            "{n} of {} files could not be completed (the others are on disk); run the same command again to resume them",
            files.len()
        ))),
    }
}

/// The report as a table: each file with its outcome, size and path.
fn table(files: &[DeliveredFile], dir: &Path) -> Table {
    let mut table = Table::new(&["OUTCOME", "BYTES", "PATH", "ERROR"]);
    for file in files {
        let tone = match file.outcome.is_complete() {
            true => Tone::Good,
            false => Tone::Bad,
        };
        let error = match &file.outcome {
            up42::storage::FileOutcome::Failed(error) => error.to_string(),
            _ => String::new(),
        };
        table.row(vec![
            (file.outcome.name().to_string(), tone),
            (file.bytes.to_string(), Tone::Plain),
            (relative(&file.path, dir), Tone::Plain),
            (error, Tone::Plain),
        ]);
    }
    table
}

/// `path` from `dir`, for display.
fn relative(path: &Path, dir: &Path) -> String {
    path.strip_prefix(dir).unwrap_or(path).display().to_string()
}

/// The progress on stderr: bars on a terminal, lines otherwise.
enum Shown {
    Bars {
        dir: PathBuf,
        multi: MultiProgress,
        total: ProgressBar,
        files: HashMap<PathBuf, ProgressBar>,
    },
    Lines {
        dir: PathBuf,
    },
}

impl Shown {
    fn new(dir: &Path) -> Shown {
        let dir = dir.to_path_buf();
        if !std::io::stderr().is_terminal() {
            return Shown::Lines { dir };
        }
        let multi = MultiProgress::new();
        let style = ProgressStyle::with_template("{bar:40} {bytes}/{total_bytes} {bytes_per_sec} {msg}")
            .unwrap_or_else(|_| ProgressStyle::default_bar());
        let total = multi.add(ProgressBar::new(0).with_style(style));
        Shown::Bars {
            dir,
            multi,
            total,
            files: HashMap::new(),
        }
    }

    fn update(&mut self, progress: &DeliveryProgress) {
        let Some(file) = &progress.file else { return };
        match self {
            Shown::Lines { dir } => {
                if let Some(outcome) = file.outcome {
                    let path = relative(&file.path, dir);
                    note!("{outcome} {path} ({} bytes)", file.bytes);
                }
            }
            Shown::Bars {
                dir,
                multi,
                total,
                files,
            } => {
                total.set_length(progress.total_bytes);
                total.set_position(progress.bytes);
                total.set_message(format!("{}/{} files", progress.files_done, progress.files_total));
                if file.outcome.is_some() {
                    if let Some(bar) = files.remove(&file.path) {
                        multi.remove(&bar);
                    }
                    return;
                }
                let bar = files.entry(file.path.clone()).or_insert_with(|| {
                    let style = ProgressStyle::with_template("  {bytes:>10}/{total_bytes:<10} {msg}")
                        .unwrap_or_else(|_| ProgressStyle::default_bar());
                    let bar = multi.add(ProgressBar::new(0).with_style(style));
                    bar.set_message(crate::term::clean(&relative(&file.path, dir)).into_owned());
                    bar
                });
                bar.set_length(file.total.unwrap_or(0));
                bar.set_position(file.bytes);
            }
        }
    }
}

impl Drop for Shown {
    fn drop(&mut self) {
        if let Shown::Bars { multi, total, .. } = self {
            total.finish_and_clear();
            let _ = multi.clear();
        }
    }
}
