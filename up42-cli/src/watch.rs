//! How a wait looks: a spinner with the status and the time so far on a
//! terminal, a line per status change on stderr otherwise; and a wait that
//! ran out of time as the exit code 4 with what was last seen.

use std::io::IsTerminal;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use indicatif::{ProgressBar, ProgressStyle};
use up42::wait::Wait;

use crate::failure::Failure;
use crate::session::Session;
use crate::term::note;
use crate::values;
use up42::toolkit::Authenticated;

/// How long a wait waits unless told: the library's default (24 hours).
pub const DEFAULT_TIMEOUT: Duration = up42::toolkit::poll::DEFAULT_POLL_TIMEOUT;
/// The first pause of a wait unless told.
pub const DEFAULT_EVERY: Duration = Duration::from_secs(5);

/// The shortest first pause of a wait on UP42's API.
pub const SHORTEST_EVERY: Duration = Duration::from_secs(1);

/// How often and for how long a wait looks.
#[derive(Debug, Clone, Copy)]
pub struct Pace {
    every: Duration,
    timeout: Duration,
}

impl Pace {
    /// The pace `--every` and `--timeout` ask for. Looks at UP42 are at
    /// least a second apart; only an API on this machine (a sandbox) is
    /// looked at faster.
    pub fn of(session: &Session, flags: &crate::cli::Pace) -> Result<Pace, Failure> {
        let (every, timeout) = (flags.every.unwrap_or(DEFAULT_EVERY), flags.timeout);
        if every < SHORTEST_EVERY && !up42::toolkit::is_loopback(session.client.api_url()) {
            return Err(Failure::Usage(format!(
                "--every {} is too short: looks at UP42 are at least a second apart",
                values::show_duration(every)
            )));
        }
        Ok(Pace {
            every,
            timeout: timeout.unwrap_or(DEFAULT_TIMEOUT),
        })
    }
}

/// Runs `wait` for the `what` (`order ID`, `job ID`) at `pace`, showing
/// `state` of each look.
pub async fn run<T: Send + 'static, O: 'static>(
    what: String,
    wait: Wait<T, O>,
    pace: Pace,
    state: fn(&T) -> String,
) -> Result<O, Failure> {
    let spinner = std::io::stderr().is_terminal().then(|| {
        let spinner = ProgressBar::new_spinner();
        let style = ProgressStyle::with_template("{spinner} {prefix}: {msg} ({elapsed})")
            .unwrap_or_else(|_| ProgressStyle::default_spinner());
        spinner.set_style(style);
        spinner.set_prefix(crate::term::clean(&what).into_owned());
        spinner.enable_steady_tick(Duration::from_millis(100));
        spinner
    });
    let seen = Arc::new(Mutex::new(String::new()));
    let (report, log, name) = (spinner.clone(), seen.clone(), what.clone());
    let timeout = pace.timeout;
    let outcome = wait
        .every(pace.every)
        .timeout(timeout)
        .on_progress(move |resource| {
            let state = crate::term::clean(&state(resource)).into_owned();
            let mut last = log.lock().unwrap_or_else(|p| p.into_inner());
            match &report {
                Some(spinner) => spinner.set_message(state.clone()),
                None if *last != state => note!("{name}: {state}"),
                None => {}
            }
            *last = state;
        })
        .await;
    if let Some(spinner) = spinner {
        spinner.finish_and_clear();
    }
    match outcome {
        Err(error) if error.is_timeout() => {
            let last = seen.lock().unwrap_or_else(|p| p.into_inner()).clone();
            Err(Failure::TimedOut(format!(
                "{what} is still {last} after {}; wait longer with --timeout",
                values::show_duration(timeout)
            )))
        }
        outcome => Ok(outcome?),
    }
}
