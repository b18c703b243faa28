//! Progress across the files of a delivery: each file's bytes added up,
//! reported to the caller's callback as they move.

use std::collections::HashMap;
use std::path::Path;
use std::sync::Mutex;

use super::report::{DeliveryProgress, FileProgress};

/// What [`Delivery::progress`](super::Delivery::progress) calls.
pub(super) type ProgressFn<'a> = Box<dyn FnMut(&DeliveryProgress) + Send + 'a>;

/// The progress of a delivery, fed by its files.
pub(super) struct Tracker<'a> {
    state: Mutex<State<'a>>,
}

struct State<'a> {
    report: Option<ProgressFn<'a>>,
    progress: DeliveryProgress,
    /// Each file's bytes and size (when known) as last reported.
    files: HashMap<String, (u64, Option<u64>)>,
}

impl<'a> Tracker<'a> {
    /// A delivery of the files `sizes` names, with their sizes when declared.
    pub(super) fn new(
        report: Option<ProgressFn<'a>>,
        sizes: impl IntoIterator<Item = (String, Option<u64>)>,
    ) -> Tracker<'a> {
        let files: HashMap<_, _> = sizes.into_iter().map(|(key, size)| (key, (0, size))).collect();
        let progress = DeliveryProgress {
            bytes: 0,
            total_bytes: files.values().filter_map(|(_, size)| *size).sum(),
            files_done: 0,
            files_total: files.len(),
            file: None,
        };
        Tracker {
            state: Mutex::new(State {
                report,
                progress,
                files,
            }),
        }
    }

    /// The file `key` (at `path`) has `bytes` on disk of `total`, and is
    /// finished with `outcome`, or not yet (`None`). The first size known of
    /// a file adds to the delivery's total; a declared size stays the one
    /// counted.
    pub(super) fn file(
        &self,
        key: &str,
        path: &Path,
        bytes: u64,
        total: Option<u64>,
        outcome: Option<&'static str>,
    ) {
        let mut state = self
            .state
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        let State {
            report,
            progress,
            files,
        } = &mut *state;
        let (was, known) = files.get(key).copied().unwrap_or((0, None));
        let total = known.or(total);
        if let (None, Some(learned)) = (known, total) {
            progress.total_bytes += learned;
        }
        progress.bytes = progress.bytes.saturating_sub(was) + bytes;
        files.insert(key.to_string(), (bytes, total));
        if outcome.is_some() {
            progress.files_done += 1;
        }
        progress.file = Some(FileProgress {
            path: path.to_path_buf(),
            bytes,
            total,
            done: outcome.is_some(),
            outcome,
        });
        if let Some(report) = report {
            report(progress);
        }
    }
}
