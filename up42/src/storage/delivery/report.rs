//! What a delivery tells its caller: progress while it runs, and a report
//! of every file at the end, in a form a script can act on (JSON).

use std::path::PathBuf;

use serde::{Serialize, Serializer};

use crate::Error;
use crate::ids::StacItemId;

/// How far a delivery has come, for [`Delivery::progress`](super::Delivery::progress).
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct DeliveryProgress {
    /// Bytes of the delivery on disk so far: downloaded, resumed from
    /// earlier runs, and files skipped as complete.
    pub bytes: u64,
    /// The size of the whole delivery as far as it is known: the files'
    /// declared sizes (`file:size`), else the sizes their answers announce.
    pub total_bytes: u64,
    /// Files finished (complete or failed).
    pub files_done: usize,
    /// Files in the delivery.
    pub files_total: usize,
    /// The file this report is about: the one that just moved on.
    pub file: Option<FileProgress>,
}

/// How far one file has come.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct FileProgress {
    /// Where it goes.
    pub path: PathBuf,
    /// Its bytes on disk so far.
    pub bytes: u64,
    /// Its size, when known.
    pub total: Option<u64>,
    /// Whether it is finished (complete or failed).
    pub done: bool,
    /// When it is finished: what happened, as [`FileOutcome::name`] says it.
    pub outcome: Option<&'static str>,
}

/// What happened to one file.
#[derive(Debug)]
#[non_exhaustive]
pub enum FileOutcome {
    /// Fetched whole in this run, and verified.
    Downloaded,
    /// Completed from partial data an earlier attempt left, and verified.
    Resumed,
    /// Already on disk, complete: its size and SHA-256 match what an earlier
    /// run recorded, read from the file, not taken from its date.
    Skipped,
    /// Not completed: nothing is at its final name unless an earlier file
    /// was there (kept as it was). Running the delivery again resumes it.
    Failed(Error),
}

impl FileOutcome {
    /// Whether the file is complete on disk.
    pub fn is_complete(&self) -> bool {
        !matches!(self, FileOutcome::Failed(_))
    }

    /// `downloaded`, `resumed`, `skipped` or `failed`.
    pub fn name(&self) -> &'static str {
        match self {
            FileOutcome::Downloaded => "downloaded",
            FileOutcome::Resumed => "resumed",
            FileOutcome::Skipped => "skipped",
            FileOutcome::Failed(_) => "failed",
        }
    }
}

/// One file of a delivery, and what happened to it.
///
/// In JSON: `{"item", "asset", "path", "bytes", "sha256", "outcome"}`, and
/// `"error"` (one line) when the outcome is `failed`.
#[derive(Debug)]
#[non_exhaustive]
pub struct DeliveredFile {
    /// The STAC item it belongs to.
    pub item: StacItemId,
    /// Its asset's key in the item (`image`, `metadata`, ...).
    pub asset: String,
    /// Where it is on disk: `DIR/<item id>/<file name>`.
    pub path: PathBuf,
    /// Its size on disk (0 when it failed).
    pub bytes: u64,
    /// Its SHA-256, lower-case hex, when complete.
    pub sha256: Option<String>,
    /// What happened.
    pub outcome: FileOutcome,
}

impl Serialize for DeliveredFile {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        #[derive(Serialize)]
        struct Shape<'a> {
            item: &'a StacItemId,
            asset: &'a str,
            path: &'a std::path::Path,
            bytes: u64,
            sha256: &'a Option<String>,
            outcome: &'static str,
            #[serde(skip_serializing_if = "Option::is_none")]
            error: Option<String>,
        }
        let error = match &self.outcome {
            FileOutcome::Failed(error) => Some(error.to_string()),
            _ => None,
        };
        Shape {
            item: &self.item,
            asset: &self.asset,
            path: &self.path,
            bytes: self.bytes,
            sha256: &self.sha256,
            outcome: self.outcome.name(),
            error,
        }
        .serialize(serializer)
    }
}

/// What a delivery did, file by file, in the order of their paths.
#[derive(Debug, Default, Serialize)]
#[non_exhaustive]
pub struct DeliveryReport {
    /// Every file of the delivery.
    pub files: Vec<DeliveredFile>,
}

impl DeliveryReport {
    /// Whether every file is complete on disk (downloaded, resumed or skipped).
    pub fn is_complete(&self) -> bool {
        self.files.iter().all(|file| file.outcome.is_complete())
    }

    /// The files that could not be completed.
    pub fn failed(&self) -> impl Iterator<Item = &DeliveredFile> {
        self.files.iter().filter(|file| !file.outcome.is_complete())
    }

    /// How many files had each outcome: downloaded, resumed, skipped, failed.
    pub fn counts(&self) -> [usize; 4] {
        let mut counts = [0; 4];
        for file in &self.files {
            let slot = match file.outcome {
                FileOutcome::Downloaded => 0,
                FileOutcome::Resumed => 1,
                FileOutcome::Skipped => 2,
                FileOutcome::Failed(_) => 3,
            };
            counts[slot] += 1;
        }
        counts
    }

    /// The bytes on disk of the complete files.
    pub fn bytes(&self) -> u64 {
        self.files.iter().map(|file| file.bytes).sum()
    }
}
