//! The real `up42` binary against a sandbox the test starts: every command,
//! every exit code, tokens cached between runs, and no secret in any output
//! but `up42 token`'s stdout.

use std::io::Write;
use std::path::Path;
use std::process::{Command, Output, Stdio};

#[path = "../../tests/support/declarations.rs"]
mod declarations;

use up42_testkit::{
    AssetRules, Checksums, Fault, Mock, ORDER_ID, PASSWORD, Respond, Route, Sandbox, USERNAME, WORKSPACE_ID,
    generated_asset,
};

/// A home directory of the test's own: no credentials file, no token cache.
struct Home(tempfile::TempDir);

impl Home {
    fn new() -> Home {
        Home(tempfile::tempdir().unwrap())
    }
    fn path(&self) -> &Path {
        self.0.path()
    }
}

/// `up42 ARGS` against `sandbox` in `home`, with nothing else of the
/// environment: no credentials yet.
fn command(sandbox: &Sandbox, home: &Home, args: &[&str]) -> Command {
    let mut command = Command::new(env!("CARGO_BIN_EXE_up42"));
    command
        .args([
            "--token-url",
            &sandbox.token_url(),
            "--api-url",
            &sandbox.api_url(),
        ])
        .args(args)
        .env_clear()
        .env("HOME", home.path())
        .env("XDG_CACHE_HOME", home.path().join("cache"));
    command
}

/// `up42 ARGS` against `sandbox`, with the sandbox user's credentials in the
/// environment unless `creds` is false; `stdin` is written to its input.
async fn up42_with(sandbox: &Sandbox, home: &Home, args: &[&str], creds: bool, stdin: &str) -> Output {
    let mut command = command(sandbox, home, args);
    command
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped());
    if creds {
        command
            .env("UP42_USERNAME", USERNAME)
            .env("UP42_PASSWORD", PASSWORD);
    }
    let stdin = stdin.to_string();
    tokio::task::spawn_blocking(move || {
        let mut child = command.spawn().unwrap();
        child.stdin.take().unwrap().write_all(stdin.as_bytes()).unwrap();
        child.wait_with_output().unwrap()
    })
    .await
    .unwrap()
}

async fn up42(sandbox: &Sandbox, home: &Home, args: &[&str]) -> Output {
    up42_with(sandbox, home, args, true, "").await
}

fn stdout(output: &Output) -> String {
    String::from_utf8(output.stdout.clone()).unwrap()
}

fn stderr(output: &Output) -> String {
    String::from_utf8(output.stderr.clone()).unwrap()
}

fn json(output: &Output) -> serde_json::Value {
    assert_eq!(output.status.code(), Some(0), "{}", stderr(output));
    serde_json::from_slice(&output.stdout).unwrap_or_else(|e| panic!("not JSON ({e}): {}", stdout(output)))
}

/// Asserts the exit code and a one-line message on stderr containing `says`.
fn fails(output: &Output, code: i32, says: &str) {
    let err = stderr(output);
    assert_eq!(output.status.code(), Some(code), "{err}");
    assert!(err.contains(says), "{err}");
    assert!(output.stdout.is_empty(), "nothing on stdout: {}", stdout(output));
    assert!(!err.contains(PASSWORD), "{err}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn token_prints_the_token_alone_and_twenty_runs_log_in_once() {
    let sandbox = Sandbox::start().await;
    let home = Home::new();
    let mut tokens = Vec::new();
    for _ in 0..20 {
        let output = up42(&sandbox, &home, &["token"]).await;
        assert_eq!(output.status.code(), Some(0), "{}", stderr(&output));
        let text = stdout(&output);
        assert_eq!(text.lines().count(), 1);
        assert_eq!(text.trim().split('.').count(), 3, "a JWT and nothing else");
        assert!(output.stderr.is_empty());
        tokens.push(text);
    }
    assert_eq!(sandbox.counters().token_requests, 1, "20 runs, 1 login");
    assert!(tokens.windows(2).all(|w| w[0] == w[1]));
    let answer = json(&up42(&sandbox, &home, &["token", "--json"]).await);
    assert_eq!(answer["access_token"].as_str(), Some(tokens[0].trim()));
    assert!(answer["expires_in"].as_u64().is_some_and(|s| s > 200 && s <= 300));
    // The same through `get`: still 1 login.
    json(&up42(&sandbox, &home, &["get", &format!("/v2/orders/{ORDER_ID}")]).await);
    assert_eq!(sandbox.counters().token_requests, 1);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn get_prints_the_answer_and_all_follows_every_page() {
    let sandbox = Sandbox::start().await;
    let home = Home::new();
    let order = json(&up42(&sandbox, &home, &["get", &format!("/v2/orders/{ORDER_ID}")]).await);
    assert_eq!(order["id"], ORDER_ID);
    // A text answer reaches the terminal without its escape sequences: each
    // control character is shown as its escape.
    sandbox.mount(Mock::given("GET", "/v2/notes").respond_with(Respond::bytes(
        200,
        "text/plain",
        "plain \x1b]0;owned\x07\x1b[2Jtext\nline two\n",
    )));
    let text = up42(&sandbox, &home, &["get", "/v2/notes"]).await;
    assert_eq!(text.status.code(), Some(0), "{}", stderr(&text));
    assert_eq!(
        String::from_utf8(text.stdout).unwrap(),
        "plain \\u{1b}]0;owned\\u{7}\\u{1b}[2Jtext\nline two\n"
    );
    let ws = format!("workspaceId={WORKSPACE_ID}");
    for (size, pages, items) in [("100", 1, 25), ("4", 7, 25)] {
        sandbox.clear_journal();
        let size = format!("size={size}");
        let all = json(
            &up42(
                &sandbox,
                &home,
                &["get", "/v2/orders", "--all", "-q", &ws, "-q", &size],
            )
            .await,
        );
        assert_eq!(all.as_array().map(Vec::len), Some(items));
        let listed = sandbox
            .journal_of(Route::Api)
            .iter()
            .filter(|r| r.path == "/v2/orders")
            .count();
        assert_eq!(listed, pages);
    }
    let none = json(
        &up42(
            &sandbox,
            &home,
            &["get", "/v2/orders", "--all", "-q", "workspaceId=none"],
        )
        .await,
    );
    assert_eq!(none, serde_json::json!([]));
    // A query in the path works too.
    let page = json(&up42(&sandbox, &home, &["get", "/v2/orders?size=2"]).await);
    assert_eq!(page["content"].as_array().map(Vec::len), Some(2));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn bodies_come_inline_from_a_file_or_from_stdin() {
    let sandbox = Sandbox::start().await;
    let home = Home::new();
    let file = home.path().join("order.json");
    std::fs::write(&file, r#"{"from": "file"}"#).unwrap();
    let at_file = format!("@{}", file.display());
    let cases: [(&str, &[&str], &str, &str); 4] = [
        ("post", &["--data", r#"{"from": "inline"}"#], "", "inline"),
        ("put", &["--data", &at_file], "", "file"),
        ("patch", &["--data", "@-"], r#"{"from": "stdin"}"#, "stdin"),
        ("delete", &[], "", ""),
    ];
    for (method, data, stdin, from) in cases {
        let mut args = vec![method, "/echo/orders"];
        args.extend_from_slice(data);
        let echo = json(&up42_with(&sandbox, &home, &args, true, stdin).await);
        assert_eq!(echo["method"], method.to_uppercase());
        if !from.is_empty() {
            let body: serde_json::Value = serde_json::from_str(echo["body"].as_str().unwrap()).unwrap();
            assert_eq!(body["from"], from);
            assert_eq!(echo["headers"]["content-type"][0], "application/json");
        }
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_exit_code() {
    let sandbox = Sandbox::start().await;
    let home = Home::new();
    // 1: the API answered an error; its status and message on stderr.
    let missing = up42(&sandbox, &home, &["get", "/v2/orders/no-such-order"]).await;
    fails(&missing, 1, "404");
    assert!(stderr(&missing).contains("Order no-such-order not found"));
    assert_eq!(stderr(&missing).lines().count(), 1);
    // 2: usage errors, clap's and ours.
    fails(&up42(&sandbox, &home, &["get"]).await, 2, "required");
    fails(
        &up42(&sandbox, &home, &["get", "v2/orders"]).await,
        2,
        "is not a path on the API host",
    );
    fails(
        &up42(&sandbox, &home, &["get", "https://example.com/v2/orders"]).await,
        2,
        "not a path",
    );
    fails(
        &up42(&sandbox, &home, &["post", "/v2/orders", "--data", "{nope"]).await,
        2,
        "--data is not JSON",
    );
    fails(
        &up42(&sandbox, &home, &["nonsense"]).await,
        2,
        "unrecognized subcommand",
    );
    // 3: authentication failed; no credentials lists where it looked.
    let nobody = up42_with(&sandbox, &home, &["token"], false, "").await;
    fails(&nobody, 3, "no UP42 credentials found");
    assert!(stderr(&nobody).contains("UP42_USERNAME") && stderr(&nobody).contains("credentials.json"));
    assert!(stderr(&nobody).contains("up42 login"));
    let mut wrong = Command::new(env!("CARGO_BIN_EXE_up42"));
    wrong
        .args([
            "--token-url",
            &sandbox.token_url(),
            "--api-url",
            &sandbox.api_url(),
            "token",
        ])
        .env_clear()
        .env("HOME", home.path())
        .env("UP42_USERNAME", USERNAME)
        .env("UP42_PASSWORD", "wrong-password");
    let wrong = tokio::task::spawn_blocking(move || wrong.output().unwrap())
        .await
        .unwrap();
    fails(&wrong, 3, "rejected");
    assert!(!stderr(&wrong).contains("wrong-password"));
    // 2: a `--data` file that is a FIFO would block forever.
    #[cfg(unix)]
    {
        let fifo = home.path().join("data.fifo");
        let made = Command::new("mkfifo").arg(&fifo).status().unwrap();
        assert!(made.success());
        let data = format!("@{}", fifo.display());
        fails(
            &up42(&sandbox, &home, &["post", "/v2/orders", "--data", &data]).await,
            2,
            "not a regular file",
        );
    }
    // 3 too: the API refuses the token even after the one renewal.
    sandbox.inject(Route::Api, Fault::status(401), 2);
    fails(&up42(&sandbox, &home, &["get", "/v2/orders"]).await, 3, "401");
    // 4: the network.
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let closed = format!("http://127.0.0.1:{port}/realms/public/protocol/openid-connect/token");
    let mut offline = Command::new(env!("CARGO_BIN_EXE_up42"));
    offline
        .args(["--token-url", &closed, "--api-url", &sandbox.api_url(), "token"])
        .env_clear()
        .env("HOME", home.path())
        .env("UP42_USERNAME", USERNAME)
        .env("UP42_PASSWORD", PASSWORD);
    let offline = tokio::task::spawn_blocking(move || offline.output().unwrap())
        .await
        .unwrap();
    fails(&offline, 4, "connection refused");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn login_saves_private_credentials_that_later_runs_use() {
    let sandbox = Sandbox::start().await;
    let home = Home::new();
    let stdin = format!("{PASSWORD}\n");
    let wrong = up42_with(
        &sandbox,
        &home,
        &["login", "--username", USERNAME, "--password-stdin"],
        false,
        "bad\n",
    )
    .await;
    fails(&wrong, 3, "rejected");
    let file = home.path().join(".up42/credentials.json");
    assert!(!file.exists(), "nothing saved after a failed login");

    let before = sandbox.counters().password_grants;
    let login = up42_with(
        &sandbox,
        &home,
        &["login", "--username", USERNAME, "--password-stdin"],
        false,
        &stdin,
    )
    .await;
    assert_eq!(login.status.code(), Some(0), "{}", stderr(&login));
    assert_eq!(
        sandbox.counters().password_grants,
        before + 1,
        "one login, checked and saved"
    );
    assert!(login.stdout.is_empty());
    assert!(!stderr(&login).contains(PASSWORD));
    let saved: serde_json::Value = serde_json::from_slice(&std::fs::read(&file).unwrap()).unwrap();
    assert_eq!(
        (saved["username"].as_str(), saved["password"].as_str()),
        (Some(USERNAME), Some(PASSWORD))
    );
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        assert_eq!(
            std::fs::metadata(&file).unwrap().permissions().mode() & 0o777,
            0o600
        );
    }
    // The next run finds the file, and the token the login cached.
    let before = sandbox.counters().token_requests;
    let token = up42_with(&sandbox, &home, &["token"], false, "").await;
    assert_eq!(token.status.code(), Some(0), "{}", stderr(&token));
    assert_eq!(sandbox.counters().token_requests, before);

    // Logout forgets the cached token; --forget-credentials the file too.
    // The refused login's record is sealed with the wrong password: logout
    // cannot name it, keeps it, and says so.
    let cache = home.path().join("cache/up42");
    let entries = || {
        let names = std::fs::read_dir(&cache).unwrap().map(|e| e.unwrap().path());
        names
            .filter(|p| p.extension().is_some_and(|x| x == "json"))
            .count()
    };
    assert_eq!(entries(), 2, "the refused login's record and the login's tokens");
    let logout = up42_with(&sandbox, &home, &["logout"], false, "").await;
    assert_eq!(logout.status.code(), Some(0), "{}", stderr(&logout));
    assert_eq!(entries(), 1, "its own entry removed, the other kept");
    assert!(
        stderr(&logout).contains("1 other token cache entry"),
        "{}",
        stderr(&logout)
    );
    up42_with(&sandbox, &home, &["token"], false, "").await;
    assert_eq!(
        sandbox.counters().token_requests,
        before + 1,
        "a new login after logout"
    );
    up42_with(&sandbox, &home, &["logout", "--forget-credentials"], false, "").await;
    assert!(!file.exists());

    // A corrupt credentials file: `logout --forget-credentials` removes it all the same.
    std::fs::write(&file, b"{\"username\": ").unwrap();
    let plain = up42_with(&sandbox, &home, &["logout"], false, "").await;
    assert_eq!(plain.status.code(), Some(3), "{}", stderr(&plain));
    let forget = up42_with(&sandbox, &home, &["logout", "--forget-credentials"], false, "").await;
    assert_eq!(forget.status.code(), Some(0), "{}", stderr(&forget));
    assert!(!file.exists());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn login_checks_the_password_even_with_a_fresh_token_stored() {
    let sandbox = Sandbox::start().await;
    let home = Home::new();
    let login = |password: &str| {
        let stdin = format!("{password}\n");
        let (sandbox, home) = (&sandbox, &home);
        async move {
            up42_with(
                sandbox,
                home,
                &["login", "--username", USERNAME, "--password-stdin"],
                false,
                &stdin,
            )
            .await
        }
    };
    let first = login(PASSWORD).await;
    assert_eq!(first.status.code(), Some(0), "{}", stderr(&first));
    let file = home.path().join(".up42/credentials.json");
    let saved = std::fs::read(&file).unwrap();

    // A fresh token is in the store now; a wrong password must still be refused.
    let before = sandbox.counters().token_requests;
    fails(&login("wr0ng-password").await, 3, "rejected");
    assert_eq!(
        sandbox.counters().token_requests,
        before + 1,
        "the password went to the token endpoint"
    );
    assert_eq!(
        std::fs::read(&file).unwrap(),
        saved,
        "the saved credentials are untouched"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_shell_loop_with_a_changed_password_costs_a_handful_of_logins() {
    let sandbox = Sandbox::start().await;
    let home = Home::new();
    let run = || {
        let mut command = command(&sandbox, &home, &["get", &format!("/v2/orders/{ORDER_ID}")]);
        command
            .env("UP42_USERNAME", USERNAME)
            .env("UP42_PASSWORD", "the-old-password");
        command
    };
    // `for i in $(seq 20); do up42 get ...; done`: the token store remembers
    // the refusal between runs, and its backoff (2 s, then 4 s) holds them back.
    for _ in 0..20 {
        let mut command = run();
        let output = tokio::task::spawn_blocking(move || command.output().unwrap())
            .await
            .unwrap();
        fails(&output, 3, "rejected");
    }
    let rejected = sandbox.counters().rejected_grants;
    println!("20 runs with a changed password: {rejected} failed logins");
    // Without the shared memory, each run logged in: 20.
    assert!((1..=3).contains(&rejected), "{rejected} failed logins");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn whoami_download_and_endpoints() {
    let sandbox = Sandbox::start().await;
    let home = Home::new();
    let me = json(&up42(&sandbox, &home, &["whoami"]).await);
    assert_eq!(me["email"], USERNAME);
    assert!(me["sub"].is_string());

    const SIZE: u64 = 3 * 1024 * 1024 + 17;
    sandbox.add_generated_asset("scene", SIZE, None);
    let target = home.path().join("scene.tif");
    let download = up42(
        &sandbox,
        &home,
        &["download", "scene", "-o", target.to_str().unwrap()],
    )
    .await;
    assert_eq!(download.status.code(), Some(0), "{}", stderr(&download));
    assert!(download.stdout.is_empty());
    assert_eq!(std::fs::read(&target).unwrap(), generated_asset(0, SIZE as usize));
    let storage = sandbox.journal_of(Route::Storage);
    assert_eq!(storage.len(), 1);
    assert!(
        storage.iter().all(|r| r.header("authorization").is_none()),
        "no token to the storage host"
    );
    sandbox.add_generated_asset("broken", SIZE, Some(1024 * 1024));
    let broken = home.path().join("broken.tif");
    let failed = up42(
        &sandbox,
        &home,
        &["download", "broken", "-o", broken.to_str().unwrap()],
    )
    .await;
    assert_ne!(failed.status.code(), Some(0));
    assert!(!broken.exists(), "no partial file");
    // `-o -`: the bytes on standard output, the report on stderr.
    let piped = up42(&sandbox, &home, &["download", "scene", "-o", "-"]).await;
    assert_eq!(piped.status.code(), Some(0), "{}", stderr(&piped));
    assert_eq!(piped.stdout, generated_asset(0, SIZE as usize));
    assert!(stderr(&piped).contains("bytes to stdout"));

    let listed = up42(&sandbox, &home, &["endpoints", "download"]).await;
    assert_eq!(listed.status.code(), Some(0));
    assert!(stdout(&listed).lines().any(|l| {
        l.split_whitespace()
            .eq(["POST", "/v2/assets/{asset-id}/download-url"])
    }));
    assert!(
        stdout(&listed)
            .lines()
            .all(|l| l.to_lowercase().contains("download"))
    );
}

#[cfg(unix)]
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn ctrl_c_during_a_download_leaves_no_temporary_file() {
    use tokio::io::{AsyncReadExt, AsyncWriteExt};
    // A storage host that sends the headers and 64 KiB of a 1 MiB file, then stalls.
    let stall = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let stall_url = format!("http://{}/scene.tif", stall.local_addr().unwrap());
    tokio::spawn(async move {
        let (mut socket, _) = stall.accept().await.unwrap();
        let mut request = [0u8; 4096];
        let _ = socket.read(&mut request).await;
        let head = "HTTP/1.1 200 OK\r\ncontent-type: image/tiff\r\ncontent-length: 1048576\r\n\r\n";
        socket.write_all(head.as_bytes()).await.unwrap();
        socket.write_all(&[7u8; 65536]).await.unwrap();
        tokio::time::sleep(std::time::Duration::from_secs(60)).await;
    });
    let sandbox = Sandbox::start().await;
    sandbox.mount(
        Mock::given("POST", "/v2/assets/{asset_id}/download-url")
            .respond_with(Respond::json(200, serde_json::json!({ "url": stall_url }))),
    );
    let home = Home::new();
    let out = home.path().join("out");
    std::fs::create_dir(&out).unwrap();
    let target = out.join("scene.tif");
    let mut download = command(
        &sandbox,
        &home,
        &["download", "scene", "-o", target.to_str().unwrap()],
    );
    download
        .env("UP42_USERNAME", USERNAME)
        .env("UP42_PASSWORD", PASSWORD)
        .stderr(Stdio::piped());
    let child = tokio::process::Command::from(download).spawn().unwrap();
    // Wait until the temporary file is there, with the first bytes under way.
    let temporary = || std::fs::read_dir(&out).unwrap().count();
    for _ in 0..500 {
        if temporary() > 0 {
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(10)).await;
    }
    assert_eq!(temporary(), 1, "the download started");
    let pid = child.id().unwrap().to_string();
    let sent = Command::new("kill").args(["-INT", &pid]).status().unwrap();
    assert!(sent.success());
    let output = child.wait_with_output().await.unwrap();
    assert_eq!(output.status.code(), Some(130), "{}", stderr(&output));
    assert!(stderr(&output).contains("interrupted"));
    assert_eq!(temporary(), 0, "no temporary file, no partial file");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sandbox_mode_needs_no_account_and_verbose_shows_no_secret() {
    let home = Home::new();
    let run = |args: &'static [&'static str]| {
        let home = home.path().to_path_buf();
        tokio::task::spawn_blocking(move || {
            Command::new(env!("CARGO_BIN_EXE_up42"))
                .args(args)
                .env_clear()
                .env("HOME", home)
                .output()
                .unwrap()
        })
    };
    let orders = run(&["--sandbox", "get", "/v2/orders", "--all"]).await.unwrap();
    assert_eq!(json(&orders).as_array().map(Vec::len), Some(25));
    let token = run(&["--sandbox", "-vv", "token"]).await.unwrap();
    assert_eq!(token.status.code(), Some(0));
    let secret = stdout(&token).trim().to_string();
    let err = stderr(&token);
    assert!(err.contains("sandbox"), "{err}");
    assert!(
        !err.contains(&secret) && !err.contains(PASSWORD),
        "-vv leaks nothing: {err}"
    );
    assert!(err.contains("up42.token_renewal"), "-vv shows the renewal: {err}");
    // -v: a line per request with its method, path template and status.
    let one = run(&[
        "--sandbox",
        "-v",
        "orders",
        "get",
        "00000000-0000-4000-8000-000000000000",
    ])
    .await
    .unwrap();
    assert_eq!(one.status.code(), Some(0));
    let err = stderr(&one);
    let requests: Vec<&str> = err.lines().filter(|l| l.contains("up42.request")).collect();
    assert_eq!(requests.len(), 1, "{err}");
    for fact in [
        "http.request.method=GET",
        "url.template=\"/v2/orders/{order_id}\"",
        "http.response.status_code=200",
        "time.busy=",
    ] {
        assert!(requests[0].contains(fact), "{fact}: {err}");
    }
    assert!(!err.contains("up42.token_renewal"), "renewals are -vv's: {err}");
    assert!(!err.contains("Bearer") && !err.contains(PASSWORD), "{err}");
}

/// A typed client of the sandbox's demo user, to set the scene for a command.
fn typed(sandbox: &Sandbox) -> up42::Client {
    up42::Client::from(sandbox.client().unwrap())
}

/// Places an archive order of the seed's scene; answers its id.
async fn place(sandbox: &Sandbox) -> String {
    let order = serde_json::from_value(up42_testkit::seed::archive_order_request("cli")).unwrap();
    let placement = typed(sandbox).orders().place(&order).await.unwrap();
    placement.results[0].id.to_string()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn orders_list_is_json_when_piped_a_table_or_ndjson_on_request() {
    let sandbox = Sandbox::start().await;
    let home = Home::new();
    let all = json(&up42(&sandbox, &home, &["orders", "list"]).await);
    let all = all.as_array().unwrap();
    assert_eq!(all.len() as u64, up42_testkit::ORDER_COUNT);
    let created: Vec<&str> = all.iter().map(|o| o["createdAt"].as_str().unwrap()).collect();
    assert!(
        created.windows(2).all(|w| w[0] >= w[1]),
        "newest first: {created:?}"
    );
    assert!(
        all.iter()
            .all(|o| o["id"].is_string() && o["displayName"].is_string())
    );

    sandbox.clear_journal();
    let three = json(&up42(&sandbox, &home, &["orders", "list", "--limit", "3"]).await);
    assert_eq!(three.as_array().unwrap().len(), 3);
    let pages = sandbox
        .journal_of(Route::Api)
        .iter()
        .filter(|r| r.path == "/v2/orders")
        .count();
    assert_eq!(pages, 1, "--limit stops paging early");

    let output = up42(
        &sandbox,
        &home,
        &["orders", "list", "--limit", "2", "--output", "ndjson"],
    )
    .await;
    let lines: Vec<serde_json::Value> = stdout(&output)
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    assert_eq!(lines.len(), 2);

    let output = up42(&sandbox, &home, &["orders", "list", "--output", "table"]).await;
    let text = stdout(&output);
    let mut rows = text.lines();
    assert!(
        rows.next()
            .unwrap()
            .split_whitespace()
            .eq(["ID", "NAME", "STATUS", "TYPE", "CREATED"])
    );
    assert_eq!(rows.count() as u64, up42_testkit::ORDER_COUNT, "a row per order");
    assert!(!text.contains('\x1b'), "no colour into a pipe");

    let fulfilled = json(
        &up42(
            &sandbox,
            &home,
            &["orders", "list", "--status", "fulfilled", "--type", "ARCHIVE"],
        )
        .await,
    );
    assert!(
        fulfilled
            .as_array()
            .unwrap()
            .iter()
            .all(|o| o["status"] == "FULFILLED" && o["type"] == "ARCHIVE")
    );
    let bad = up42(&sandbox, &home, &["orders", "list", "--status", "done"]).await;
    assert_eq!(bad.status.code(), Some(2));
    assert!(stderr(&bad).contains("not an order status"), "{}", stderr(&bad));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn orders_get_and_cancel() {
    let sandbox = Sandbox::builder()
        .order_status_schedule(&[], "CREATED")
        .start()
        .await;
    let home = Home::new();
    let order = json(&up42(&sandbox, &home, &["orders", "get", ORDER_ID]).await);
    assert_eq!(order["id"], ORDER_ID, "one order, one object");
    let id = place(&sandbox).await;
    let canceled = json(&up42(&sandbox, &home, &["orders", "cancel", &id]).await);
    assert_eq!(canceled["status"], "CANCELED");
    fails(
        &up42(&sandbox, &home, &["orders", "cancel", ORDER_ID]).await,
        1,
        "409",
    );
    fails(
        &up42(&sandbox, &home, &["orders", "get", "no-such-order"]).await,
        1,
        "404",
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn orders_wait_exits_0_when_fulfilled_5_when_not_and_4_at_the_timeout() {
    let sandbox = Sandbox::builder()
        .order_status_schedule(&[("PLACED", 1), ("BEING_FULFILLED", 1)], "FULFILLED")
        .start()
        .await;
    let home = Home::new();
    let id = place(&sandbox).await;
    let output = up42(&sandbox, &home, &["orders", "wait", &id, "--every", "10ms"]).await;
    let done = json(&output);
    assert_eq!(done["status"], "FULFILLED");
    let changes: Vec<&str> = std::str::from_utf8(&output.stderr).unwrap().lines().collect();
    assert_eq!(
        changes,
        [
            format!("up42: order {id}: PLACED"),
            format!("up42: order {id}: BEING_FULFILLED"),
            format!("up42: order {id}: FULFILLED"),
        ],
        "a line per status change"
    );

    let failed = up42(
        &sandbox,
        &home,
        &["orders", "wait", up42_testkit::seed::FAILED_ORDER_ID],
    )
    .await;
    fails(&failed, 5, "failed (FAILED_PERMANENTLY)");
    let decision = up42(
        &sandbox,
        &home,
        &["orders", "wait", up42_testkit::seed::TASKING_ORDER_ID],
    )
    .await;
    fails(&decision, 5, "up42 quotations accept");
    let choice = up42(
        &sandbox,
        &home,
        &["orders", "wait", up42_testkit::seed::FEASIBILITY_ORDER_ID],
    )
    .await;
    fails(&choice, 5, "`up42 feasibility choose STUDY OPTION`");

    let slow = Sandbox::builder()
        .order_status_schedule(&[], "BEING_FULFILLED")
        .start()
        .await;
    let id = place(&slow).await;
    let timeout = up42(
        &slow,
        &home,
        &["orders", "wait", &id, "--every", "10ms", "--timeout", "300ms"],
    )
    .await;
    fails(
        &timeout,
        4,
        "is still BEING_FULFILLED after 300ms; wait longer with --timeout",
    );
    let bad = up42(&slow, &home, &["orders", "wait", &id, "--timeout", "5x"]).await;
    assert_eq!(bad.status.code(), Some(2));
    assert!(stderr(&bad).contains("not a duration"), "{}", stderr(&bad));
    // Looks at a host that is not this machine are a second apart at least:
    // refused before anything is sent.
    let before = slow.counters();
    let remote = Command::new(env!("CARGO_BIN_EXE_up42"))
        .args([
            "--api-url",
            "https://api.up42.example",
            "--token-url",
            &slow.token_url(),
        ])
        .args(["orders", "wait", &id, "--every", "10ms"])
        .env_clear()
        .env("HOME", home.path())
        .env("UP42_USERNAME", USERNAME)
        .env("UP42_PASSWORD", PASSWORD)
        .output()
        .unwrap();
    fails(&remote, 2, "--every 10ms is too short");
    let after = slow.counters();
    assert_eq!(
        (after.token_requests, after.api_calls),
        (before.token_requests, before.api_calls),
        "nothing sent"
    );
}

/// `script`, which runs a command on a pseudo-terminal.
fn script() -> std::path::PathBuf {
    std::env::var_os("PATH")
        .iter()
        .flat_map(std::env::split_paths)
        .map(|dir| dir.join("script"))
        .find(|path| path.is_file())
        .expect("`script` (util-linux, Debian's bsdutils) runs the terminal test")
}

/// `up42 ARGS` on a pseudo-terminal (`script`), against `sandbox`, with the
/// sandbox user's credentials: what a person at a terminal sees.
async fn on_a_terminal(sandbox: &Sandbox, home: &Home, args: &str) -> Output {
    let command = format!(
        "{} --token-url {} --api-url {} {args}",
        env!("CARGO_BIN_EXE_up42"),
        sandbox.token_url(),
        sandbox.api_url()
    );
    let mut run = Command::new(script());
    run.args(["-qec", &command, "/dev/null"])
        .env_clear()
        .env("HOME", home.path())
        .env("XDG_CACHE_HOME", home.path().join("cache"))
        .env("UP42_USERNAME", USERNAME)
        .env("UP42_PASSWORD", PASSWORD)
        .env("TERM", "xterm")
        .stdin(Stdio::null());
    tokio::task::spawn_blocking(move || run.output().unwrap())
        .await
        .unwrap()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn on_a_terminal_a_hostile_order_name_steers_nothing() {
    let sandbox = Sandbox::start().await;
    let home = Home::new();
    let hostile = "Berlin\x1b]0;owned\x07\x1b[2J\u{9b}31m\u{202e}fdp.exe\u{2028}x";
    let mut request = up42_testkit::seed::archive_order_request("cli");
    request["displayName"] = serde_json::Value::from(hostile);
    let order = serde_json::from_value(request).unwrap();
    let placed = typed(&sandbox).orders().place(&order).await.unwrap();
    let id = placed.results[0].id.to_string();
    for command in [
        format!("orders get {id}"),
        format!("orders get {id} -o json"),
        "orders list".to_string(),
    ] {
        let output = on_a_terminal(&sandbox, &home, &command).await;
        let text = stdout(&output);
        assert_eq!(output.status.code(), Some(0), "{text}");
        assert!(text.contains("Berlin"), "{command}: {text:?}");
        for steering in ["\x1b]", "\x1b[2J", "\x07", "\u{9b}", "\u{202e}", "\u{2028}"] {
            assert!(
                !text.contains(steering),
                "{command}: {steering:?} reached the terminal: {text:?}"
            );
        }
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn on_a_terminal_orders_list_is_a_coloured_table() {
    let sandbox = Sandbox::start().await;
    let home = Home::new();
    let output = on_a_terminal(&sandbox, &home, "orders list --limit 4").await;
    let text = stdout(&output);
    assert_eq!(output.status.code(), Some(0), "{text}");
    let mut lines = text.lines();
    assert!(lines.next().unwrap().starts_with("ID"), "{text}");
    assert_eq!(lines.count(), 4, "{text}");
    for status in [
        "\x1b[33mBEING_PLACED",
        "\x1b[31mFAILED_PERMANENTLY",
        "\x1b[32mFULFILLED",
    ] {
        assert!(text.contains(status), "statuses in colour: {text:?}");
    }
}

/// Valid inputs of the seed's process: the seed's STAC item.
fn inputs(sandbox: &Sandbox) -> serde_json::Value {
    let item = format!(
        "{}/v2/assets/stac/collections/{}/items/{}",
        sandbox.api_url(),
        up42_testkit::seed::STAC_COLLECTION_ID,
        up42_testkit::seed::STAC_ITEM_ID
    );
    serde_json::json!({"title": "cli", "item": item})
}

/// Runs `detection-ships-airbus` on the seeded delivery; answers the job's id.
async fn execute(sandbox: &Sandbox) -> String {
    let job = typed(sandbox)
        .processing()
        .execute(up42_testkit::seed::PROCESS_ID, &inputs(sandbox))
        .send()
        .await
        .unwrap();
    job.job_id.to_string()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn jobs_list_get_and_wait() {
    let sandbox = Sandbox::builder()
        .job_status_schedule(&[("created", 1), ("running", 1)], "successful")
        .start()
        .await;
    let home = Home::new();
    let jobs = json(&up42(&sandbox, &home, &["jobs", "list"]).await);
    assert_eq!(
        jobs.as_array().unwrap().len() as u64,
        up42_testkit::seed::JOB_COUNT
    );
    let done = json(
        &up42(
            &sandbox,
            &home,
            &["jobs", "list", "--status", "SUCCESSFUL", "--limit", "1"],
        )
        .await,
    );
    assert_eq!(done.as_array().unwrap().len(), 1);
    assert_eq!(done[0]["status"], "successful");
    let one = json(&up42(&sandbox, &home, &["jobs", "get", up42_testkit::seed::JOB_ID]).await);
    assert_eq!(one["jobID"], up42_testkit::seed::JOB_ID);

    let id = execute(&sandbox).await;
    let output = up42(&sandbox, &home, &["jobs", "wait", &id, "--every", "10ms"]).await;
    assert_eq!(json(&output)["status"], "successful");
    assert!(
        stderr(&output).contains(&format!("up42: job {id}: running")),
        "{}",
        stderr(&output)
    );

    let failing = Sandbox::builder()
        .job_status_schedule(&[("created", 1), ("failed", 1)], "released")
        .start()
        .await;
    let id = execute(&failing).await;
    fails(
        &up42(&failing, &home, &["jobs", "wait", &id, "--every", "10ms"]).await,
        5,
        "ended released",
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn quotations_budgets_collections_and_completions() {
    let sandbox = Sandbox::start().await;
    let home = Home::new();
    let tasking = up42_testkit::seed::TASKING_ORDER_ID;
    let listed = json(&up42(&sandbox, &home, &["quotations", "list", "--order", tasking]).await);
    assert_eq!(listed.as_array().unwrap().len(), 1);
    let id = listed[0]["id"].as_str().unwrap().to_string();
    let accepted = json(&up42(&sandbox, &home, &["quotations", "accept", &id]).await);
    assert_eq!(accepted["decision"], "ACCEPTED");
    fails(
        &up42(&sandbox, &home, &["quotations", "reject", &id]).await,
        1,
        "422",
    );

    let budgets = json(&up42(&sandbox, &home, &["budgets", "list"]).await);
    assert!(
        budgets
            .as_array()
            .unwrap()
            .iter()
            .all(|b| b["consumedCredits"].is_number())
    );

    let tasking = json(&up42(&sandbox, &home, &["collections", "--type", "tasking"]).await);
    let tasking = tasking.as_array().unwrap();
    assert!(!tasking.is_empty() && tasking.iter().all(|c| c["type"] == "TASKING"));

    for (shell, says) in [
        ("bash", "_up42()"),
        ("zsh", "#compdef up42"),
        ("fish", "complete -c up42"),
    ] {
        let output = up42(&sandbox, &home, &["completions", shell]).await;
        assert_eq!(output.status.code(), Some(0));
        assert!(stdout(&output).contains(says), "{shell}");
        assert!(
            stdout(&output).contains("orders"),
            "{shell}: the resource commands complete"
        );
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn orders_estimate_and_place_read_the_area_and_the_parameters() {
    let sandbox = Sandbox::start().await;
    let home = Home::new();
    let dir = tempfile::tempdir().unwrap();
    let aoi = dir.path().join("berlin.geojson");
    let polygon =
        up42_testkit::seed::archive_order_request("x")["featureCollection"]["features"][0]["geometry"]
            .clone();
    std::fs::write(&aoi, polygon.to_string()).unwrap();
    let aoi = aoi.to_str().unwrap();
    let params = format!(r#"{{"id": "{}"}}"#, up42_testkit::seed::SCENE_ID);
    let product = up42_testkit::seed::ARCHIVE_PRODUCT_ID;
    let new_order = ["--product", product, "--aoi", aoi, "--params", &params];

    let estimate = json(
        &up42(
            &sandbox,
            &home,
            &[&["orders", "estimate"][..], &new_order].concat(),
        )
        .await,
    );
    assert!(
        estimate["summary"]["totalCredits"].as_i64().unwrap() > 0,
        "{estimate}"
    );
    let named = [
        &["orders", "place"][..],
        &new_order,
        &["--name", "From the command line"],
    ]
    .concat();
    // Without a terminal to ask on, placing needs --yes.
    fails(&up42(&sandbox, &home, &named).await, 2, "give --yes");
    let named = [&named[..], &["--yes"]].concat();
    let placed = json(&up42(&sandbox, &home, &named).await);
    assert_eq!(placed[0]["displayName"], "From the command line");
    assert_eq!(placed[0]["dataProductId"], product);

    // No geometry at all: refused here, before anything is sent.
    let empty = dir.path().join("empty.geojson");
    std::fs::write(
        &empty,
        r#"{"type": "Feature", "properties": {}, "geometry": null}"#,
    )
    .unwrap();
    let local = [
        "orders",
        "estimate",
        "--product",
        product,
        "--aoi",
        empty.to_str().unwrap(),
        "--params",
        &params,
    ];
    fails(
        &up42(&sandbox, &home, &local).await,
        2,
        "no feature has a geometry",
    );
    // An area away from the scene: UP42 refuses the feature, with its reason.
    let away = dir.path().join("away.geojson");
    let square = r#"{"type": "Polygon", "coordinates": [[[1, 1], [1.1, 1], [1.1, 1.1], [1, 1.1], [1, 1]]]}"#;
    std::fs::write(&away, square).unwrap();
    let nothing = [
        "--product",
        product,
        "--aoi",
        away.to_str().unwrap(),
        "--params",
        &params,
    ];
    let refused = [&["orders", "place"][..], &nothing, &["--yes"]].concat();
    fails(
        &up42(&sandbox, &home, &refused).await,
        5,
        "every feature was refused",
    );
    let estimate = up42(&sandbox, &home, &[&["orders", "estimate"][..], &nothing].concat()).await;
    assert_eq!(estimate.status.code(), Some(5), "{}", stderr(&estimate));
    assert!(
        stderr(&estimate).contains("does not intersect"),
        "the reason, not just `Failed`: {}",
        stderr(&estimate)
    );
    let unknown = ["orders", "estimate", "--product", "no-such-product", "--aoi", aoi];
    fails(
        &up42(&sandbox, &home, &unknown).await,
        2,
        "`no-such-product` is not a data product",
    );

    let text = dir.path().join("notes.txt");
    std::fs::write(&text, "not geojson").unwrap();
    let bad = [
        "orders",
        "estimate",
        "--product",
        product,
        "--aoi",
        text.to_str().unwrap(),
    ];
    fails(&up42(&sandbox, &home, &bad).await, 2, "is not GeoJSON");
    let missing = [
        "orders",
        "estimate",
        "--product",
        product,
        "--aoi",
        "/nowhere.geojson",
    ];
    fails(&up42(&sandbox, &home, &missing).await, 2, "--aoi: cannot read");
    let bad_params = [
        "orders",
        "estimate",
        "--product",
        product,
        "--aoi",
        aoi,
        "--params",
        "{id",
    ];
    fails(
        &up42(&sandbox, &home, &bad_params).await,
        2,
        "--params is not JSON",
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn catalog_search_and_storage_items_and_downloads() {
    let sandbox = Sandbox::start().await;
    let home = Home::new();
    let host = up42_testkit::seed::CATALOG_HOST;
    let search = [
        "catalog",
        "search",
        "--host",
        host,
        "--bbox",
        "13.3,52.4,13.5,52.6",
        "--collection",
        "phr",
        "--from",
        "2026-01-01",
        "--to",
        "2026-01-31",
        "--limit",
        "2",
    ];
    let scenes = json(&up42(&sandbox, &home, &search).await);
    assert_eq!(scenes.as_array().unwrap().len(), 2);
    assert!(
        scenes
            .as_array()
            .unwrap()
            .iter()
            .all(|s| s["properties"]["collection"] == "phr")
    );
    let path = format!("/catalog/hosts/{host}/stac/search");
    let sent = sandbox.journal().into_iter().find(|r| r.path == path).unwrap();
    let body: serde_json::Value = serde_json::from_slice(&sent.body).unwrap();
    assert_eq!(body["datetime"], "2026-01-01T00:00:00Z/2026-01-31T23:59:59Z");

    let no_area = up42(&sandbox, &home, &["catalog", "search", "--host", host]).await;
    assert_eq!(no_area.status.code(), Some(2));
    let bad_date = up42(
        &sandbox,
        &home,
        &[
            "catalog",
            "search",
            "--host",
            host,
            "--bbox",
            "1,2,3,4",
            "--from",
            "31.01.2026",
        ],
    )
    .await;
    assert_eq!(bad_date.status.code(), Some(2));
    assert!(stderr(&bad_date).contains("not a date"), "{}", stderr(&bad_date));

    let collection = up42_testkit::seed::STAC_COLLECTION_ID;
    let items = json(&up42(&sandbox, &home, &["storage", "items", "--collection", collection]).await);
    assert_eq!(items[0]["id"], up42_testkit::seed::STAC_ITEM_ID);

    let dir = tempfile::tempdir().unwrap();
    let into = dir.path().to_str().unwrap();
    let item_id = up42_testkit::seed::STAC_ITEM_ID;
    let item = up42(&sandbox, &home, &["storage", "download", item_id, "-d", into]).await;
    assert_eq!(item.status.code(), Some(0), "{}", stderr(&item));
    assert!(
        dir.path()
            .join(item_id)
            .join("image_0000.tif")
            .metadata()
            .unwrap()
            .len()
            > 0
    );
    let asset = up42_testkit::seed::ASSET_ID;
    let one = up42(&sandbox, &home, &["storage", "download", asset, "-d", into]).await;
    assert_eq!(one.status.code(), Some(0), "{}", stderr(&one));
    assert!(dir.path().join(asset).join("image_0000.tif").is_file());
    let fetched = sandbox.journal_of(Route::Storage);
    assert_eq!(fetched.len(), 2);
    assert!(
        fetched.iter().all(|r| r.header("authorization").is_none()),
        "no token at the storage host"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn on_a_terminal_orders_wait_shows_a_spinner_then_the_order() {
    let sandbox = Sandbox::builder()
        .order_status_schedule(&[("PLACED", 2), ("BEING_FULFILLED", 2)], "FULFILLED")
        .start()
        .await;
    let home = Home::new();
    let id = place(&sandbox).await;
    let output = on_a_terminal(&sandbox, &home, &format!("orders wait {id} --every 200ms")).await;
    let text = stdout(&output);
    assert_eq!(output.status.code(), Some(0), "{text}");
    assert!(
        text.contains(&format!("order {id}: PLACED (")),
        "the spinner's status and time: {text:?}"
    );
    assert!(
        !text.contains(&format!("up42: order {id}: PLACED")),
        "no piped lines on a terminal: {text:?}"
    );
    let table = text.lines().rev().take(2).collect::<Vec<_>>();
    assert!(
        table[0].contains("FULFILLED")
            && table[1]
                .trim_start_matches(|c: char| !c.is_ascii_alphabetic())
                .contains("ID"),
        "then the order as a table: {text:?}"
    );
}

/// The report `up42 storage download ... -o json` printed, whatever its exit code.
fn report(output: &Output) -> Vec<serde_json::Value> {
    serde_json::from_slice(&output.stdout).unwrap_or_else(|e| panic!("{e}: {}", stdout(output)))
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn storage_download_delivers_an_order_keeps_names_inside_and_exits_5_on_a_bad_file() {
    let sandbox = Sandbox::start().await;
    let home = Home::new();
    let dir = tempfile::tempdir().unwrap();
    let into = dir.path().to_str().unwrap();
    let order = up42_testkit::seed::HOSTILE_ORDER_ID;
    let hostile = up42(
        &sandbox,
        &home,
        &["storage", "download", "--order", order, "-d", into, "-o", "json"],
    )
    .await;
    assert_eq!(hostile.status.code(), Some(0), "{}", stderr(&hostile));
    let files = report(&hostile);
    assert_eq!(files.len(), 8);
    for file in &files {
        assert_eq!(file["outcome"], "downloaded");
        let path = Path::new(file["path"].as_str().unwrap());
        assert_eq!(path.parent().unwrap().parent().unwrap(), dir.path(), "{path:?}");
        assert!(path.is_file());
    }
    assert_eq!(
        stderr(&hostile)
            .lines()
            .filter(|l| l.starts_with("up42: downloaded "))
            .count(),
        8
    );

    // One file of nine fails its checksum: exit 5, the other eight on disk.
    let bad = "a55ea000-0000-4000-8000-000000000080";
    sandbox.set_asset_rules(bad, AssetRules::new().corrupt().checksums(Checksums::GoogHash));
    let order = up42_testkit::seed::MULTI_ITEM_ORDER_ID;
    let args = [
        "storage", "download", "--order", order, "-d", into, "-j", "3", "-o", "ndjson",
    ];
    let failed = up42(&sandbox, &home, &args).await;
    assert_eq!(failed.status.code(), Some(5), "{}", stderr(&failed));
    let lines: Vec<serde_json::Value> = stdout(&failed)
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    assert_eq!(lines.len(), 9);
    assert_eq!(lines.iter().filter(|f| f["outcome"] == "failed").count(), 1);
    let last = stderr(&failed).lines().last().unwrap_or_default().to_string();
    assert!(last.contains("1 of 9 files") && last.contains("again"), "{last}");

    // Fixed on the server: the same command completes it, skipping the rest.
    sandbox.set_asset_rules(bad, AssetRules::new());
    let again = up42(&sandbox, &home, &args).await;
    assert_eq!(again.status.code(), Some(0), "{}", stderr(&again));
    let outcomes: Vec<String> = stdout(&again)
        .lines()
        .map(|l| {
            serde_json::from_str::<serde_json::Value>(l).unwrap()["outcome"]
                .as_str()
                .unwrap()
                .to_string()
        })
        .collect();
    assert_eq!(outcomes.iter().filter(|o| *o == "skipped").count(), 8);
    assert_eq!(outcomes.iter().filter(|o| *o == "downloaded").count(), 1);

    // A file on disk the delivery did not write is kept; exit 5 says so.
    let item = up42_testkit::seed::STAC_ITEM_ID;
    std::fs::create_dir_all(dir.path().join(item)).unwrap();
    std::fs::write(dir.path().join(item).join("image_0000.tif"), b"mine").unwrap();
    let kept = up42(
        &sandbox,
        &home,
        &["storage", "download", item, "-d", into, "-o", "json"],
    )
    .await;
    assert_eq!(kept.status.code(), Some(5));
    assert!(report(&kept)[0]["error"].as_str().unwrap().contains("overwrite"));
    assert_eq!(
        std::fs::read(dir.path().join(item).join("image_0000.tif")).unwrap(),
        b"mine"
    );
    let replaced = up42(
        &sandbox,
        &home,
        &["storage", "download", item, "-d", into, "--overwrite"],
    )
    .await;
    assert_eq!(replaced.status.code(), Some(0), "{}", stderr(&replaced));
    let none = up42(&sandbox, &home, &["storage", "download", "-d", into]).await;
    assert_eq!(none.status.code(), Some(2));
}

#[cfg(unix)]
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sigterm_mid_file_leaves_resumable_data_and_the_next_run_resumes_it() {
    let sandbox = Sandbox::start().await;
    let len = 32 * 1024 * 1024;
    sandbox.add_generated_asset("big", len, None);
    sandbox.set_asset_rules("big", AssetRules::new().bytes_per_second(8 * 1024 * 1024));
    let home = Home::new();
    let dir = tempfile::tempdir().unwrap();
    let into = dir.path().to_str().unwrap();
    let mut download = command(&sandbox, &home, &["storage", "download", "big", "-d", into]);
    download
        .env("UP42_USERNAME", USERNAME)
        .env("UP42_PASSWORD", PASSWORD)
        .stdout(Stdio::null())
        .stderr(Stdio::piped());
    let mut child = tokio::process::Command::from(download).spawn().unwrap();
    let partial = dir.path().join("big").join(".big.bin.up42-part");
    for _ in 0..1000 {
        if partial.metadata().is_ok_and(|m| m.len() > 0) {
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(10)).await;
    }
    assert!(partial.metadata().unwrap().len() > 0, "the download began");
    let pid = child.id().unwrap().to_string();
    assert!(
        Command::new("kill")
            .args(["-TERM", &pid])
            .status()
            .unwrap()
            .success()
    );
    let _ = child.wait().await;
    assert!(
        !dir.path().join("big").join("big.bin").exists(),
        "nothing at the final name"
    );
    let kept = partial.metadata().unwrap().len();
    assert!(kept > 0 && kept < len);

    sandbox.set_asset_rules("big", AssetRules::new());
    sandbox.reset_counters();
    let resumed = up42(
        &sandbox,
        &home,
        &["storage", "download", "big", "-d", into, "-o", "json"],
    )
    .await;
    assert_eq!(resumed.status.code(), Some(0), "{}", stderr(&resumed));
    assert_eq!(report(&resumed)[0]["outcome"], "resumed");
    assert_eq!(
        sandbox.counters().asset_bytes,
        len - kept,
        "only the rest was sent"
    );
    let written = std::fs::read(dir.path().join("big").join("big.bin")).unwrap();
    assert!(written == up42_testkit::generated_asset(0, len as usize));
    assert!(!partial.exists());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn orders_wait_download_waits_then_delivers() {
    let sandbox = Sandbox::builder()
        .order_status_schedule(&[("PLACED", 1)], "FULFILLED")
        .start()
        .await;
    let home = Home::new();
    let id = place(&sandbox).await;
    let dir = tempfile::tempdir().unwrap();
    let into = dir.path().to_str().unwrap();
    let args = [
        "orders",
        "wait",
        &id,
        "--every",
        "100ms",
        "--download",
        into,
        "-o",
        "json",
    ];
    let waited = up42(&sandbox, &home, &args).await;
    assert_eq!(waited.status.code(), Some(0), "{}", stderr(&waited));
    let files = report(&waited);
    assert_eq!(files.len(), 1);
    assert_eq!(files[0]["outcome"], "downloaded");
    assert!(Path::new(files[0]["path"].as_str().unwrap()).starts_with(dir.path()));
    let jobs_without_download = up42(&sandbox, &home, &["orders", "wait", &id, "-j", "2"]).await;
    assert_eq!(
        jobs_without_download.status.code(),
        Some(2),
        "-j needs --download"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn on_a_terminal_storage_download_shows_the_delivery_and_its_files() {
    let sandbox = Sandbox::start().await;
    sandbox.add_generated_asset("paced", 4 * 1024 * 1024, None);
    sandbox.set_asset_rules("paced", AssetRules::new().bytes_per_second(8 * 1024 * 1024));
    let home = Home::new();
    let dir = home.path().join("out");
    let args = format!("storage download paced -d {}", dir.display());
    let output = on_a_terminal(&sandbox, &home, &args).await;
    let text = stdout(&output);
    assert_eq!(output.status.code(), Some(0), "{text}");
    assert!(text.contains("0/1 files"), "the delivery's bar: {text:?}");
    assert!(
        text.contains("paced/paced.bin"),
        "the file in flight, then its row: {text:?}"
    );
    assert!(text.contains("downloaded"), "{text:?}");
}

#[cfg(unix)]
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn storage_download_never_follows_a_link_at_a_final_name() {
    let sandbox = Sandbox::start().await;
    let home = Home::new();
    let dir = tempfile::tempdir().unwrap();
    let item = up42_testkit::seed::STAC_ITEM_ID;
    let outside = dir.path().join("outside.txt");
    std::fs::write(&outside, b"keep me").unwrap();
    std::fs::create_dir(dir.path().join(item)).unwrap();
    std::os::unix::fs::symlink(&outside, dir.path().join(item).join("image_0000.tif")).unwrap();
    let into = dir.path().to_str().unwrap();
    let refused = up42(
        &sandbox,
        &home,
        &["storage", "download", item, "-d", into, "-o", "json"],
    )
    .await;
    assert_eq!(refused.status.code(), Some(5), "{}", stderr(&refused));
    assert!(report(&refused)[0]["error"].as_str().unwrap().contains("link"));
    assert_eq!(std::fs::read(&outside).unwrap(), b"keep me");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn search_estimate_place_wait_and_download_in_one_pipe_with_a_cost_guard() {
    let sandbox = Sandbox::start().await;
    let home = Home::new();
    let search = [
        "catalog",
        "search",
        "--collection",
        "phr",
        "--bbox",
        "13.3,52.4,13.5,52.6",
        "--max-cloud",
        "20",
        "--sort",
        "cloudCoverage",
        "--limit",
        "2",
        "-o",
        "geojson",
    ];
    let found = up42(&sandbox, &home, &search).await;
    assert_eq!(found.status.code(), Some(0), "{}", stderr(&found));
    let scenes = stdout(&found);
    let collection = json(&found);
    assert_eq!(collection["type"], "FeatureCollection");
    let features = collection["features"].as_array().unwrap();
    assert_eq!(features.len(), 2);
    for feature in features {
        assert_eq!(feature["properties"]["collection"], "phr");
        assert_eq!(feature["properties"]["host"], up42_testkit::seed::CATALOG_HOST);
        assert!(feature["properties"]["cloudCoverage"].as_f64().unwrap() <= 20.0);
    }
    let clouds: Vec<f64> = features
        .iter()
        .map(|f| f["properties"]["cloudCoverage"].as_f64().unwrap())
        .collect();
    assert!(clouds[0] <= clouds[1], "sorted: {clouds:?}");

    let placements = |sandbox: &Sandbox| {
        sandbox
            .journal()
            .iter()
            .filter(|r| r.method == "POST" && r.path == "/v2/orders")
            .count()
    };
    let estimate = up42_with(
        &sandbox,
        &home,
        &["orders", "estimate", "--scenes", "-", "-o", "json"],
        true,
        &scenes,
    )
    .await;
    let estimate = json(&estimate);
    assert_eq!(estimate["results"].as_array().unwrap().len(), 2, "{estimate}");
    assert_eq!(estimate["results"][0]["collection"], "phr");
    let credits = estimate["summary"]["totalCredits"].as_i64().unwrap();
    assert!(credits > 0);

    // The cost guard: above --max-credits nothing is placed.
    let most = (credits - 1).to_string();
    let guarded = up42_with(
        &sandbox,
        &home,
        &[
            "orders",
            "place",
            "--scenes",
            "-",
            "--max-credits",
            &most,
            "--yes",
        ],
        true,
        &scenes,
    )
    .await;
    fails(&guarded, 5, "above --max-credits");
    assert_eq!(placements(&sandbox), 0, "nothing placed");

    let dir = tempfile::tempdir().unwrap();
    let into = dir.path().to_str().unwrap();
    let place = [
        "orders",
        "place",
        "--scenes",
        "-",
        "--max-credits",
        &credits.to_string(),
        "--yes",
        "--tag",
        "pipeline",
        "--wait",
        "--every",
        "10ms",
        "--download",
        into,
        "-o",
        "json",
    ];
    let delivered = up42_with(&sandbox, &home, &place, true, &scenes).await;
    assert_eq!(delivered.status.code(), Some(0), "{}", stderr(&delivered));
    assert_eq!(placements(&sandbox), 2, "one order a scene");
    let files = json(&delivered);
    let files = files.as_array().unwrap();
    assert!(!files.is_empty());
    for file in files {
        assert_eq!(file["outcome"], "downloaded", "{file}");
        assert!(Path::new(file["path"].as_str().unwrap()).is_file());
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_sandbox_in_the_foreground_keeps_what_other_commands_place_and_the_pipeline_runs_on_it() {
    use tokio::io::AsyncBufReadExt;
    let home = Home::new();
    let mut serve = tokio::process::Command::new(env!("CARGO_BIN_EXE_up42"));
    serve
        .arg("sandbox")
        .env_clear()
        .env("HOME", home.path())
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .kill_on_drop(true);
    let mut child = serve.spawn().unwrap();
    let mut lines = tokio::io::BufReader::new(child.stdout.take().unwrap()).lines();
    let export = tokio::time::timeout(std::time::Duration::from_secs(30), lines.next_line())
        .await
        .expect("the sandbox prints its line")
        .unwrap()
        .unwrap();
    let vars: Vec<(String, String)> = export
        .strip_prefix("export ")
        .expect("an export line")
        .split(' ')
        .map(|pair| {
            let (name, value) = pair.split_once('=').unwrap();
            (name.to_string(), value.to_string())
        })
        .collect();
    let names: Vec<&str> = vars.iter().map(|(n, _)| n.as_str()).collect();
    assert_eq!(
        names,
        ["UP42_API_URL", "UP42_TOKEN_URL", "UP42_USERNAME", "UP42_PASSWORD"]
    );
    // Other processes, pointed at it by the environment alone.
    let run = |args: Vec<String>| {
        let mut command = Command::new(env!("CARGO_BIN_EXE_up42"));
        command
            .args(args)
            .env_clear()
            .env("HOME", home.path())
            .env("XDG_CACHE_HOME", home.path().join("cache"))
            .envs(vars.iter().cloned());
        tokio::task::spawn_blocking(move || command.output().unwrap())
    };
    let dir = tempfile::tempdir().unwrap();
    let aoi = dir.path().join("aoi.geojson");
    let request = up42_testkit::seed::archive_order_request("x");
    std::fs::write(&aoi, request["featureCollection"].to_string()).unwrap();
    let params = request["params"].to_string();
    let place: Vec<String> = [
        "orders",
        "place",
        "--product",
        up42_testkit::seed::ARCHIVE_PRODUCT_ID,
        "--aoi",
        aoi.to_str().unwrap(),
        "--params",
        &params,
        "--yes",
        "-o",
        "json",
    ]
    .map(String::from)
    .to_vec();
    let placed = run(place).await.unwrap();
    assert_eq!(placed.status.code(), Some(0), "{}", stderr(&placed));
    let id = json(&placed)[0]["id"].as_str().unwrap().to_string();
    let again = run(vec![
        "orders".into(),
        "get".into(),
        id.clone(),
        "-o".into(),
        "json".into(),
    ])
    .await
    .unwrap();
    assert_eq!(
        again.status.code(),
        Some(0),
        "the order lasts: {}",
        stderr(&again)
    );
    assert_eq!(json(&again)["id"], id.as_str());

    // The whole flow as a user types it: one shell pipe, two processes.
    let up42 = env!("CARGO_BIN_EXE_up42");
    let into = dir.path().join("imagery");
    let pipeline = format!(
        "'{up42}' catalog search --collection phr --bbox 13.3,52.4,13.5,52.6 --max-cloud 20 --limit 2 -o geojson \
         | '{up42}' orders place --scenes - --yes --wait --every 10ms --download '{}' -o json",
        into.display()
    );
    let mut shell = Command::new("sh");
    shell
        .args(["-c", &pipeline])
        .env_clear()
        .env("HOME", home.path())
        .env("XDG_CACHE_HOME", home.path().join("cache"))
        .envs(vars.iter().cloned());
    let delivered = tokio::task::spawn_blocking(move || shell.output().unwrap())
        .await
        .unwrap();
    let files = json(&delivered);
    let files = files.as_array().unwrap();
    assert!(!files.is_empty(), "files delivered");
    for file in files {
        assert_eq!(file["outcome"], "downloaded", "{file}");
        let path = Path::new(file["path"].as_str().unwrap());
        assert!(path.starts_with(&into) && path.is_file(), "{file}");
    }
    child.kill().await.unwrap();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn aoi_check_names_every_problem_and_merges_on_request() {
    fn search_in<'a>(aoi: &'a str, more: &[&'a str]) -> Vec<&'a str> {
        [
            &["catalog", "search", "--collection", "phr", "--aoi", aoi][..],
            more,
        ]
        .concat()
    }
    let sandbox = Sandbox::start().await;
    let home = Home::new();
    let dir = tempfile::tempdir().unwrap();
    let write = |name: &str, text: &str| {
        let path = dir.path().join(name);
        std::fs::write(&path, text).unwrap();
        path.to_str().unwrap().to_string()
    };
    let berlin = r#"{"type": "Polygon", "coordinates": [[[13.3, 52.4], [13.5, 52.4], [13.5, 52.6], [13.3, 52.6], [13.3, 52.4]]]}"#;
    let good = write("good.geojson", berlin);
    let found = json(&up42(&sandbox, &home, &["aoi", "check", &good, "-o", "json"]).await);
    assert_eq!(found["vertices"], 4);
    assert!(
        (300.0..310.0).contains(&found["area_km2"].as_f64().unwrap()),
        "{found}"
    );
    let polygon = |ring: &str| format!(r#"{{"type": "Polygon", "coordinates": [[{ring}]]}}"#);
    for (name, ring, says) in [
        (
            "open",
            "[13.3, 52.4], [13.5, 52.4], [13.5, 52.6], [13.3, 52.6]",
            "not closed",
        ),
        (
            "far",
            "[200, 52.4], [13.5, 52.4], [13.5, 52.6], [200, 52.4]",
            "outside longitude",
        ),
        ("bowtie", "[0, 0], [2, 2], [2, 0], [0, 2], [0, 0]", "invalid"),
        (
            "dateline",
            "[179, 10], [-179, 10], [-179, 11], [179, 11], [179, 10]",
            "antimeridian",
        ),
    ] {
        let path = write(name, &polygon(ring));
        let checked = up42(&sandbox, &home, &["aoi", "check", &path, "-o", "json"]).await;
        assert_eq!(checked.status.code(), Some(2), "{name}: {}", stderr(&checked));
        assert!(stderr(&checked).contains(says), "{name}: {}", stderr(&checked));
        // The same area is refused before a search or an order sends it.
        let search = search_in(&path, &[]);
        fails(&up42(&sandbox, &home, &search).await, 2, says);
    }
    let other = r#"{"type": "Polygon", "coordinates": [[[13.4, 52.5], [13.7, 52.5], [13.7, 52.7], [13.4, 52.7], [13.4, 52.5]]]}"#;
    let two = format!(
        r#"{{"type": "FeatureCollection", "features": [{{"type": "Feature", "properties": {{}}, "geometry": {berlin}}}, {{"type": "Feature", "properties": {{}}, "geometry": {other}}}]}}"#
    );
    let two = write("two.geojson", &two);
    let several = up42(&sandbox, &home, &["aoi", "check", &two, "-o", "json"]).await;
    assert_eq!(several.status.code(), Some(2));
    assert!(stderr(&several).contains("2 features"), "{}", stderr(&several));
    let search = search_in(&two, &["-o", "json"]);
    fails(&up42(&sandbox, &home, &search).await, 2, "--union");
    let merged = dir.path().join("merged.geojson");
    let union = [
        "aoi",
        "check",
        &two,
        "--union",
        "-O",
        merged.to_str().unwrap(),
        "-o",
        "json",
    ];
    let union = up42(&sandbox, &home, &union).await;
    assert_eq!(union.status.code(), Some(0), "{}", stderr(&union));
    assert_eq!(json(&union)["features"], 1);
    let search = search_in(merged.to_str().unwrap(), &["-o", "json"]);
    let found = up42(&sandbox, &home, &search).await;
    assert_eq!(found.status.code(), Some(0), "{}", stderr(&found));
    let with_union = search_in(&two, &["--union", "-o", "json"]);
    assert_eq!(
        json(&up42(&sandbox, &home, &with_union).await),
        json(&found),
        "--union on the search is the same"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn balance_processes_and_feasibility_have_commands() {
    let sandbox = Sandbox::start().await;
    let home = Home::new();
    let balance = json(&up42(&sandbox, &home, &["balance", "-o", "json"]).await);
    assert!(balance["available"]["amount"].as_i64().is_some(), "{balance}");

    let inputs = inputs(&sandbox).to_string();
    let process = up42_testkit::seed::PROCESS_ID;
    let valid = up42(
        &sandbox,
        &home,
        &["jobs", "validate", process, "--inputs", &inputs, "-o", "json"],
    )
    .await;
    assert_eq!(valid.status.code(), Some(0), "{}", stderr(&valid));
    assert_eq!(json(&valid)["errors"], serde_json::json!([]));
    let invalid = up42(
        &sandbox,
        &home,
        &["jobs", "validate", process, "--inputs", "{}", "-o", "json"],
    )
    .await;
    assert_eq!(invalid.status.code(), Some(5), "{}", stderr(&invalid));
    let problems: serde_json::Value = serde_json::from_slice(&invalid.stdout).unwrap();
    assert!(!problems["errors"].as_array().unwrap().is_empty(), "{problems}");
    let cost = json(
        &up42(
            &sandbox,
            &home,
            &["jobs", "cost", process, "--inputs", &inputs, "-o", "json"],
        )
        .await,
    );
    assert!(cost["totalCredits"].as_i64().is_some(), "{cost}");
    let run = up42(
        &sandbox,
        &home,
        &["jobs", "run", process, "--inputs", &inputs, "-o", "json"],
    )
    .await;
    assert_eq!(run.status.code(), Some(0), "{}", stderr(&run));
    let job = json(&run);
    assert_eq!(job["processID"], process, "{job}");

    let studies = json(&up42(&sandbox, &home, &["feasibility", "list", "-o", "json"]).await);
    assert!(studies.is_array(), "{studies}");
}

/// What a command prints on stdout.
#[derive(Debug, Clone, Copy, PartialEq)]
enum Shape {
    /// One JSON object: a command about one thing.
    Object,
    /// One JSON array: a list.
    Array,
    /// One line of text.
    Line,
    /// Nothing.
    Nothing,
}

/// `METHOD /template` of every operation of the typed client: each
/// `#[up42_endpoint]` declaration in its sources.
fn typed_operations() -> std::collections::BTreeSet<String> {
    let sources = Path::new(env!("CARGO_MANIFEST_DIR")).join("../up42/src");
    declarations::declared(&sources)
        .into_iter()
        .map(|(method, template)| format!("{method} {template}"))
        .collect()
}

/// The operations `-v` reported on stderr: `METHOD /template` per request.
fn requests(output: &Output) -> Vec<String> {
    stderr(output)
        .lines()
        .filter(|line| line.contains("up42.request"))
        .filter_map(|line| {
            let method = line.split("http.request.method=").nth(1)?.split(' ').next()?;
            let template = line.split("url.template=\"").nth(1)?.split('"').next()?;
            Some(format!("{method} {template}"))
        })
        .collect()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_typed_operation_has_a_command_and_each_prints_its_shape() {
    use up42_testkit::seed;
    let sandbox = Sandbox::start().await;
    let home = Home::new();
    let dir = tempfile::tempdir().unwrap();
    let file = |name: &str| dir.path().join(name).to_str().unwrap().to_string();
    let placed = place(&sandbox).await;
    let tasking = seed::TASKING_ORDER_ID;
    let (scenes, quicklook, files) = (file("scenes.geojson"), file("scene.jpg"), file("files"));
    let search = "catalog search --collection phr --bbox 13.3,52.4,13.5,52.6 --limit 1";
    let inputs = inputs(&sandbox).to_string();
    let process = seed::PROCESS_ID;
    let (collection, item, asset) = (seed::STAC_COLLECTION_ID, seed::STAC_ITEM_ID, seed::ASSET_ID);
    let commands: Vec<(String, Shape)> = vec![
        ("whoami -o json".into(), Shape::Object),
        ("balance -o json".into(), Shape::Object),
        ("collections -o json".into(), Shape::Array),
        ("collections phr -o json".into(), Shape::Object),
        (format!("{search} -o json"), Shape::Array),
        (
            format!(
                "catalog quicklook {} --collection phr -O {quicklook}",
                seed::SCENE_ID
            ),
            Shape::Nothing,
        ),
        (
            format!("orders schema {}", seed::ARCHIVE_PRODUCT_ID),
            Shape::Object,
        ),
        (
            format!("orders estimate --scenes {scenes} -o json"),
            Shape::Object,
        ),
        (
            format!("orders place --scenes {scenes} --yes -o json"),
            Shape::Array,
        ),
        ("orders list --limit 3 -o json".into(), Shape::Array),
        (format!("orders get {ORDER_ID} -o json"), Shape::Object),
        (format!("orders wait {ORDER_ID} -o json"), Shape::Object),
        (format!("orders update {placed} --tag cli -o json"), Shape::Object),
        (format!("orders cancel {placed} -o json"), Shape::Object),
        (format!("orders coverage {tasking} -o json"), Shape::Object),
        ("quotations list -o json".into(), Shape::Array),
        (
            format!("quotations accept {} -o json", seed::QUOTATION_ID),
            Shape::Object,
        ),
        ("feasibility list -o json".into(), Shape::Array),
        (
            format!(
                "feasibility choose {} {} -o json",
                seed::FEASIBILITY_STUDY_ID,
                seed::FEASIBILITY_OPTION_ID
            ),
            Shape::Object,
        ),
        (format!("processes get {process} -o json"), Shape::Object),
        (
            format!("jobs validate {process} --inputs {inputs} -o json"),
            Shape::Object,
        ),
        (
            format!("jobs cost {process} --inputs {inputs} -o json"),
            Shape::Object,
        ),
        (
            format!("jobs run {process} --inputs {inputs} -o json"),
            Shape::Object,
        ),
        ("processes eula eula-airbus -o json".into(), Shape::Object),
        ("jobs list -o json".into(), Shape::Array),
        (format!("jobs get {} -o json", seed::JOB_ID), Shape::Object),
        (format!("jobs wait {} -o json", seed::JOB_ID), Shape::Object),
        ("budgets list -o json".into(), Shape::Array),
        (format!("budgets get {} -o json", seed::BUDGET_ID), Shape::Object),
        (
            format!("budgets usage {} -o json", seed::BUDGET_ID),
            Shape::Object,
        ),
        ("budgets settings -o json".into(), Shape::Object),
        ("storage info -o json".into(), Shape::Object),
        ("storage queryables".into(), Shape::Object),
        ("storage collections -o json".into(), Shape::Array),
        (format!("storage collection {collection} -o json"), Shape::Object),
        (
            format!("storage items --collection {collection} -o json"),
            Shape::Array,
        ),
        (format!("storage search --order {ORDER_ID} -o json"), Shape::Array),
        (
            format!("storage item {item} --collection {collection} -o json"),
            Shape::Object,
        ),
        (
            format!("storage update-item {item} --collection {collection} --title cli -o json"),
            Shape::Object,
        ),
        (format!("storage url {asset}"), Shape::Line),
        (
            format!("download {asset} --through-api -o {}", file("asset.tif")),
            Shape::Nothing,
        ),
        (
            format!("storage download {asset} -d {files} -o json"),
            Shape::Array,
        ),
        (
            format!("storage delete-collection {collection} --yes"),
            Shape::Nothing,
        ),
    ];
    // The scenes `orders estimate|place` read, as a user pipes them.
    let found = up42(
        &sandbox,
        &home,
        &[search.split(' ').collect::<Vec<_>>(), vec!["-o", "geojson"]].concat(),
    )
    .await;
    std::fs::write(&scenes, json(&found).to_string()).unwrap();
    let mut seen = std::collections::BTreeSet::new();
    for (line, shape) in &commands {
        let args: Vec<&str> = std::iter::once("-v").chain(line.split(' ')).collect();
        let output = up42(&sandbox, &home, &args).await;
        assert_eq!(output.status.code(), Some(0), "up42 {line}: {}", stderr(&output));
        let text = stdout(&output);
        let printed = match shape {
            Shape::Object => json(&output).is_object(),
            Shape::Array => json(&output).is_array(),
            Shape::Line => text.lines().count() == 1 && !text.trim().is_empty(),
            Shape::Nothing => text.is_empty(),
        };
        assert!(printed, "up42 {line} printed no {shape:?}: {text}");
        seen.extend(requests(&output));
    }
    let missing: Vec<String> = typed_operations()
        .into_iter()
        .filter(|op| !seen.contains(op))
        .collect();
    assert!(
        missing.is_empty(),
        "typed operations no command reaches: {missing:#?}"
    );
    assert!(
        std::fs::metadata(&quicklook).unwrap().len() > 0,
        "the quicklook was written"
    );
}

/// The west, south, east and north of every position in a GeoJSON geometry.
fn bounds(geometry: &serde_json::Value) -> [f64; 4] {
    fn walk(value: &serde_json::Value, b: &mut [f64; 4]) {
        match value.as_array().map(Vec::as_slice) {
            Some([lon, lat, ..]) if lon.is_number() => {
                let (lon, lat) = (lon.as_f64().unwrap(), lat.as_f64().unwrap());
                *b = [b[0].min(lon), b[1].min(lat), b[2].max(lon), b[3].max(lat)];
            }
            Some(items) => items.iter().for_each(|item| walk(item, b)),
            None => {}
        }
    }
    let mut b = [f64::INFINITY, f64::INFINITY, f64::NEG_INFINITY, f64::NEG_INFINITY];
    walk(&geometry["coordinates"], &mut b);
    b
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_aoi_with_scenes_orders_only_the_part_of_each_scene_inside_it() {
    let sandbox = Sandbox::start().await;
    let home = Home::new();
    let dir = tempfile::tempdir().unwrap();
    let search = "catalog search --collection phr --bbox 13.3,52.4,13.5,52.6 --limit 1 -o geojson";
    let found = json(&up42(&sandbox, &home, &search.split(' ').collect::<Vec<_>>()).await);
    let footprint = bounds(&found["features"][0]["geometry"]);
    let scenes = dir.path().join("scenes.geojson");
    std::fs::write(&scenes, found.to_string()).unwrap();
    // An area over the scene's eastern half and beyond it.
    let [west, south, east, north] = footprint;
    let middle = (west + east) / 2.0;
    let box_of = |w: f64, s: f64, e: f64, n: f64| serde_json::json!({"type": "Polygon", "coordinates": [[[w, s], [e, s], [e, n], [w, n], [w, s]]]});
    let aoi = dir.path().join("east.geojson");
    std::fs::write(
        &aoi,
        box_of(middle, south - 1.0, east + 1.0, north + 1.0).to_string(),
    )
    .unwrap();
    let (scenes, aoi) = (scenes.to_str().unwrap(), aoi.to_str().unwrap());
    sandbox.clear_journal();
    let estimate = up42(
        &sandbox,
        &home,
        &[
            "orders", "estimate", "--scenes", scenes, "--aoi", aoi, "-o", "json",
        ],
    )
    .await;
    assert_eq!(estimate.status.code(), Some(0), "{}", stderr(&estimate));
    let sent: Vec<serde_json::Value> = sandbox
        .journal_of(Route::Api)
        .iter()
        .filter(|r| r.method == "POST" && r.path == "/v2/orders/estimate")
        .map(|r| serde_json::from_slice(&r.body).unwrap())
        .collect();
    assert_eq!(sent.len(), 1);
    let ordered = bounds(&sent[0]["featureCollection"]["features"][0]["geometry"]);
    // Within 1e-6 degrees (about 10 cm): the clipping works at a fixed precision.
    let close = |a: f64, b: f64| (a - b).abs() < 1e-6;
    assert!(
        close(ordered[0], middle)
            && close(ordered[1], south)
            && close(ordered[2], east)
            && close(ordered[3], north),
        "the scene's eastern half, no more: {ordered:?} of {footprint:?}"
    );

    // An area that misses the scene: nothing is sent.
    std::fs::write(
        dir.path().join("away.geojson"),
        box_of(0.0, 0.0, 1.0, 1.0).to_string(),
    )
    .unwrap();
    let away = dir.path().join("away.geojson");
    sandbox.clear_journal();
    let missed = up42(
        &sandbox,
        &home,
        &[
            "orders",
            "estimate",
            "--scenes",
            scenes,
            "--aoi",
            away.to_str().unwrap(),
        ],
    )
    .await;
    fails(&missed, 2, "does not overlap scene");
    assert!(
        sandbox
            .journal_of(Route::Api)
            .iter()
            .all(|r| !r.path.starts_with("/v2/orders")),
        "nothing estimated"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_signed_url_with_escape_sequences_reaches_stdout_escaped() {
    let sandbox = Sandbox::start().await;
    let hostile = "https://storage.example/x\u{1b}]0;owned\u{7}\u{1b}[2J";
    sandbox.mount(
        Mock::given("POST", "/v2/assets/{asset_id}/download-url")
            .respond_with(Respond::json(200, serde_json::json!({ "url": hostile }))),
    );
    let home = Home::new();
    let shown = up42(&sandbox, &home, &["storage", "url", "scene"]).await;
    assert_eq!(shown.status.code(), Some(0), "{}", stderr(&shown));
    let text = stdout(&shown);
    assert!(!text.contains('\u{1b}') && !text.contains('\u{7}'), "{text:?}");
    assert_eq!(
        text.trim_end(),
        "https://storage.example/x\\u{1b}]0;owned\\u{7}\\u{1b}[2J"
    );
}
