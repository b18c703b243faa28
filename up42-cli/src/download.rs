//! `up42 download ASSET_ID -o FILE`: the asset through its signed URL, with
//! a progress bar on a terminal.

use std::io::IsTerminal;

use indicatif::{ProgressBar, ProgressStyle};

use crate::cli;
use crate::failure::Failure;
use crate::session::Session;

/// Downloads the asset; its storage host never sees the token, and an
/// expired signed URL is signed again once.
pub async fn run(session: &Session, args: cli::Download) -> Result<(), Failure> {
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
    let bytes = session
        .typed()
        .storage()
        .download(args.asset_id.as_str())
        .progress(move |p| {
            if let Some(total) = p.total {
                progress.set_length(total);
            }
            progress.set_position(p.bytes);
        })
        .to_file(&args.output)
        .await?;
    bar.finish_and_clear();
    eprintln!("up42: saved {bytes} bytes to {}", args.output.display());
    Ok(())
}
