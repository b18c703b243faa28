//! How a command fails: one line on stderr that says what to do, and the
//! documented exit code.

use std::error::Error as _;

use crate::term::note;
use up42::ErrorKind;

/// Exit code: the API answered an error (or another failure of the call).
pub const API: i32 = 1;
/// Exit code: the command line was wrong (clap uses it too).
pub const USAGE: i32 = 2;
/// Exit code: authentication failed, or no credentials were found.
pub const AUTH: i32 = 3;
/// Exit code: the network failed or a time limit expired.
pub const NETWORK: i32 = 4;
/// Exit code: the awaited work ended without success (failed, canceled) or
/// needs the user's decision.
pub const UNSUCCESSFUL: i32 = 5;
/// Exit code: Ctrl-C (128 + SIGINT, as shells report it).
pub const INTERRUPTED: i32 = 130;

/// Why a command failed.
#[derive(Debug)]
pub enum Failure {
    /// The toolkit's error.
    Up42(up42::Error),
    /// A wrong argument the toolkit never saw (`--data` that is not JSON, ...).
    Usage(String),
    /// Something local went wrong (a file, the terminal).
    Local(String),
    /// The awaited work ended without success; the message says what to do.
    Unsuccessful(String),
    /// A wait's time limit passed; the message says what was last seen.
    TimedOut(String),
    /// Ctrl-C.
    Interrupted,
}

impl From<up42::Error> for Failure {
    fn from(error: up42::Error) -> Self {
        Failure::Up42(error)
    }
}

impl Failure {
    /// The exit code of this failure.
    pub fn exit_code(&self) -> i32 {
        let error = match self {
            Failure::Usage(_) => return USAGE,
            Failure::Unsuccessful(_) => return UNSUCCESSFUL,
            Failure::TimedOut(_) => return NETWORK,
            Failure::Interrupted => return INTERRUPTED,
            Failure::Local(_) => return API,
            Failure::Up42(error) => error,
        };
        match error.kind() {
            ErrorKind::InvalidArgument | ErrorKind::Config => USAGE,
            ErrorKind::InvalidCredentials
            | ErrorKind::RefreshTokenRejected
            | ErrorKind::InvalidClient
            | ErrorKind::InvalidTokenRequest
            | ErrorKind::UnsupportedMediaType
            | ErrorKind::WrongTokenUrl
            | ErrorKind::CredentialsMissing
            | ErrorKind::CredentialsFile => AUTH,
            ErrorKind::Transport | ErrorKind::Timeout | ErrorKind::Server => NETWORK,
            // The API refused the token even after a renewal: an authentication failure.
            ErrorKind::Api if error.status().is_some_and(|s| s.as_u16() == 401) => AUTH,
            _ => API,
        }
    }

    /// Prints the failure on stderr: one line, and with `verbose` the chain
    /// of causes under it. The toolkit's errors never hold a secret.
    pub fn report(&self, verbose: bool) {
        match self {
            Failure::Up42(error) => {
                let hint = match error.kind() {
                    ErrorKind::CredentialsMissing | ErrorKind::InvalidCredentials => {
                        Some("run `up42 login`, or set UP42_USERNAME and UP42_PASSWORD".to_string())
                    }
                    _ => error.hint(),
                };
                let hint = hint.map(|h| format!("; {h}")).unwrap_or_default();
                note!("{error}{hint}");
                if verbose {
                    let mut cause = error.source();
                    while let Some(next) = cause {
                        eprintln!("  caused by: {}", crate::term::clean(&next.to_string()));
                        cause = next.source();
                    }
                }
            }
            Failure::Usage(message)
            | Failure::Local(message)
            | Failure::Unsuccessful(message)
            | Failure::TimedOut(message) => note!("{message}"),
            Failure::Interrupted => note!("interrupted"),
        }
    }
}
