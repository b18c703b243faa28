//! `up42 download ASSET_ID -o FILE`: the asset through its signed URL, with
//! a progress bar on a terminal; `-o -` streams it to standard output.

use std::io::IsTerminal;
use std::path::PathBuf;

use clap::Args;
use indicatif::{ProgressBar, ProgressStyle};

use crate::failure::Failure;
use crate::session::Session;
use crate::term::note;

/// `up42 download`.
#[derive(Debug, Args)]
pub struct Download {
    /// The asset's id.
    pub asset_id: String,
    /// Where to write it: a file (replaced only once complete), a FIFO or
    /// device (written directly), or `-` for standard output.
    #[arg(short, long, value_name = "FILE")]
    pub output: PathBuf,
    /// Fetches the bytes from the API host, with the token, instead of
    /// through a signed URL: for networks that reach the API but not UP42's
    /// storage hosts.
    #[arg(long)]
    pub through_api: bool,
}

/// Downloads the asset; its storage host never sees the token, and an
/// expired signed URL is signed again once.
pub async fn run(session: &Session, args: Download) -> Result<(), Failure> {
    let bar = match std::io::stderr().is_terminal() {
        true => {
            let bar = ProgressBar::new(0);
            let style = ProgressStyle::with_template("{bar:40} {bytes}/{total_bytes} {bytes_per_sec} {eta}")
                .unwrap_or_else(|_| ProgressStyle::default_bar());
            bar.set_style(style);
            bar
        }
        false => ProgressBar::hidden(),
    };
    let progress = bar.clone();
    let storage = session.typed().storage();
    let mut download = storage.download(args.asset_id.as_str());
    if args.through_api {
        download = download.through_api();
    }
    let download = download.progress(move |p| {
        if let Some(total) = p.total {
            progress.set_length(total);
        }
        progress.set_position(p.bytes);
    });
    let to_stdout = args.output.as_os_str() == "-";
    let bytes = match to_stdout {
        true => download.to_writer(&mut tokio::io::stdout(), "stdout").await?,
        false => download.to_file(&args.output).await?,
    };
    bar.finish_and_clear();
    match to_stdout {
        true => note!("wrote {bytes} bytes to stdout"),
        false => note!("saved {bytes} bytes to {}", args.output.display()),
    }
    Ok(())
}
