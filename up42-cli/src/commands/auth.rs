//! `login`, `token`, `whoami` and `logout`.

use std::io::{BufRead, IsTerminal, Write};

use clap::Args;
use up42::toolkit::Authenticated;
use up42::{Credentials, ErrorKind};

use crate::cli::{Global, Output};
use crate::failure::Failure;
use crate::output;
use crate::session::{self, Session};
use crate::table::{Table, Tone};
use crate::term::note;

/// `up42 login`.
#[derive(Debug, Args)]
pub struct Login {
    /// Your UP42 email; asked for if not given.
    #[arg(long, value_name = "EMAIL")]
    pub username: Option<String>,
    /// Reads the password from stdin (one line) instead of asking, for scripts.
    #[arg(long)]
    pub password_stdin: bool,
}

/// Reads one line of stdin, without its line ending.
fn read_line(what: &str) -> Result<String, Failure> {
    let mut line = String::new();
    std::io::stdin()
        .lock()
        .read_line(&mut line)
        .map_err(|e| Failure::Local(format!("cannot read the {what} from stdin: {e}")))?;
    Ok(line.trim_end_matches(['\n', '\r']).to_string())
}

/// `up42 login`: checks the credentials with one token request, then saves them.
pub async fn login(global: &Global, args: Login) -> Result<(), Failure> {
    let username = match args.username {
        Some(username) => username,
        None => {
            eprint!("UP42 email: ");
            let _ = std::io::stderr().flush();
            read_line("email")?
        }
    };
    if username.trim().is_empty() {
        return Err(Failure::Usage("the email is empty".to_string()));
    }
    let password = if args.password_stdin {
        read_line("password")?
    } else if std::io::stdin().is_terminal() {
        rpassword::prompt_password("Password: ")
            .map_err(|e| Failure::Local(format!("cannot read the password: {e}")))?
    } else {
        return Err(Failure::Usage(
            "stdin is not a terminal: pass the password with --password-stdin".to_string(),
        ));
    };
    let credentials = Credentials::new(username.trim(), password);
    if global.sandbox {
        let session = session::open(global).await?;
        session.client.token_cache().log_in().await?;
        note!("the sandbox accepted the credentials; nothing was saved");
        return Ok(());
    }
    // One password login, of the client with the token store: it checks the
    // password (a stored token or refresh token cannot stand in for it), and
    // the next runs find its tokens.
    let builder = session::builder(global).credentials(credentials.clone());
    session::with_store(builder)
        .build()?
        .token_cache()
        .log_in()
        .await?;
    let path = up42::toolkit::auth::default_credentials_file()
        .ok_or_else(|| Failure::Local("no home directory to save the credentials in".to_string()))?;
    credentials.save(&path)?;
    note!(
        "logged in as {}; credentials saved to {} (mode 0600)",
        credentials.username(),
        path.display()
    );
    Ok(())
}

/// `up42 token`: the access token alone on stdout, or `--json`.
pub async fn token(session: &Session, json: bool) -> Result<(), Failure> {
    let token = session.client.access_token().await?;
    match json {
        true => output::json(&serde_json::json!({
            "access_token": token.secret(),
            "expires_in": token.expires_in().as_secs(),
        })),
        false => output::line(token.secret()),
    }
}

/// `up42 whoami`: the auth host's user info (`sub`, `email`, ...), one JSON object.
pub async fn whoami(session: &Session, output: Output) -> Result<(), Failure> {
    let info = session.typed().account().user_info().await?;
    output::one(&info, output.format, |info| {
        let mut table = Table::new(&["USER", "EMAIL", "WORKSPACE"]);
        table.row(vec![
            (info.preferred_username.clone().unwrap_or_default(), Tone::Plain),
            (info.email.clone().unwrap_or_default(), Tone::Plain),
            (info.sub.to_string(), Tone::Plain),
        ]);
        table
    })
}

/// `up42 logout`: forgets the cached tokens, and the credentials file if asked.
pub async fn logout(global: &Global, forget_credentials: bool) -> Result<(), Failure> {
    match session::open(global).await {
        Ok(session) => session.client.token_cache().forget().await?,
        // No credentials: no key, so no tokens of theirs to forget.
        Err(Failure::Up42(error)) if error.kind() == ErrorKind::CredentialsMissing => {}
        // A broken credentials file names no key either; it is what is to go.
        Err(Failure::Up42(error)) if error.kind() == ErrorKind::CredentialsFile && forget_credentials => {
            note!("{error}");
        }
        Err(other) => return Err(other),
    }
    if forget_credentials
        && let Some(path) = up42::toolkit::auth::default_credentials_file()
        && Credentials::forget(&path)?
    {
        note!("removed {}", path.display());
    }
    note!("logged out");
    say_what_is_left();
    Ok(())
}

/// Names the token cache's entries a logout could not: they are sealed with
/// credentials it does not have (other accounts, earlier passwords), so
/// only someone who knows those can read them.
fn say_what_is_left() {
    let Ok(store) = up42::toolkit::store::FileTokenStore::default_location() else {
        return;
    };
    let entries = std::fs::read_dir(store.dir()).into_iter().flatten().flatten();
    let left = entries
        .filter(|e| e.path().extension().is_some_and(|ext| ext == "json"))
        .count();
    if left > 0 {
        note!(
            "{left} other token cache entr{} (other accounts or earlier passwords, sealed \
             with those) remain in {}; they expire with their tokens, or remove the directory",
            if left == 1 { "y" } else { "ies" },
            store.dir().display()
        );
    }
}
