//! `up42 download ASSET_ID -o FILE`: the signed URL, then the bytes, with a
//! progress bar on a terminal.

use std::io::IsTerminal;

use indicatif::{ProgressBar, ProgressStyle};
use serde::Deserialize;
use up42_auth::{Download, Error, Up42Client, up42_endpoint};

use crate::cli;
use crate::failure::Failure;
use crate::session::Session;

/// The answer of the download-URL endpoint.
#[derive(Deserialize)]
struct SignedUrl {
    url: String,
}

#[up42_endpoint(POST, "/v2/assets/{asset_id}/download-url")]
async fn download_url(client: &Up42Client, asset_id: &str) -> Result<SignedUrl, Error>;

/// Downloads the asset; its storage host never sees the token.
pub async fn run(session: &Session, args: cli::Download) -> Result<(), Failure> {
    let signed = download_url(&session.client, &args.asset_id).await?;
    let download = Download::get(&session.client, &signed.url).await?;
    let bar = match std::io::stderr().is_terminal() {
        true => {
            let bar = ProgressBar::new(download.content_length().unwrap_or(0));
            let style = ProgressStyle::with_template("{bar:40} {bytes}/{total_bytes} {bytes_per_sec} {eta}")
                .unwrap_or_else(|_| ProgressStyle::default_bar());
            bar.set_style(style);
            bar
        }
        false => ProgressBar::hidden(),
    };
    let progress = bar.clone();
    let bytes = download
        .progress(move |p| progress.set_position(p.bytes))
        .to_file(&args.output)
        .await?;
    bar.finish_and_clear();
    eprintln!("up42: saved {bytes} bytes to {}", args.output.display());
    Ok(())
}
