//! Proxies from the environment apply by default: `HTTPS_PROXY` carries token
//! requests and API calls through a `CONNECT` tunnel, and `NO_PROXY` keeps a
//! host off it. The sandbox serves HTTPS under a name that is not a loopback
//! name (`api.sandbox.test`, which never resolves), so only the proxy can
//! reach it; the client trusts the sandbox's certificate.
//!
//! A test binary of its own: it sets proxy variables for the whole process.

use std::sync::{Arc, Mutex};

use tokio::io::{AsyncBufReadExt, AsyncWriteExt, BufReader};
use tokio::net::{TcpListener, TcpStream};
use up42_auth::{Authenticated, ErrorKind};
use up42_testkit::Sandbox;

/// A `CONNECT` proxy on 127.0.0.1 that sends every tunnel to 127.0.0.1 at the
/// port asked for, and remembers the `host:port` of each.
async fn connect_proxy() -> (String, Arc<Mutex<Vec<String>>>) {
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let address = format!("http://{}", listener.local_addr().unwrap());
    let tunnels = Arc::new(Mutex::new(Vec::new()));
    let seen = Arc::clone(&tunnels);
    tokio::spawn(async move {
        while let Ok((client, _)) = listener.accept().await {
            let seen = Arc::clone(&seen);
            tokio::spawn(async move {
                let mut client = BufReader::new(client);
                let mut request_line = String::new();
                client.read_line(&mut request_line).await.ok()?;
                loop {
                    let mut header = String::new();
                    client.read_line(&mut header).await.ok()?;
                    if header.trim().is_empty() {
                        break;
                    }
                }
                let target = request_line
                    .strip_prefix("CONNECT ")?
                    .split_whitespace()
                    .next()?
                    .to_string();
                let port = target.rsplit_once(':')?.1.to_string();
                seen.lock().unwrap().push(target);
                let mut upstream = TcpStream::connect(format!("127.0.0.1:{port}")).await.ok()?;
                let mut client = client.into_inner();
                client
                    .write_all(b"HTTP/1.1 200 Connection Established\r\n\r\n")
                    .await
                    .ok()?;
                tokio::io::copy_bidirectional(&mut client, &mut upstream)
                    .await
                    .ok()
            });
        }
    });
    (address, tunnels)
}

#[test]
fn https_proxy_and_no_proxy_from_the_environment_apply() {
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap();
    runtime.block_on(async {
        let sandbox = Sandbox::builder().https().start().await;
        let (proxy, tunnels) = connect_proxy().await;
        for name in [
            "NO_PROXY",
            "no_proxy",
            "HTTP_PROXY",
            "http_proxy",
            "ALL_PROXY",
            "all_proxy",
        ] {
            // SAFETY: the only test of this binary; no other thread reads the environment.
            unsafe { std::env::remove_var(name) };
        }
        // SAFETY: as above.
        unsafe { std::env::set_var("HTTPS_PROXY", &proxy) };

        let host = format!("api.sandbox.test:{}", sandbox.addr().port());
        let via_name = |sandbox: &Sandbox| {
            sandbox
                .client_builder()
                .token_url(&format!(
                    "https://{host}/realms/public/protocol/openid-connect/token"
                ))
                .api_url(&format!("https://{host}"))
                .build()
                .unwrap()
        };

        let client = via_name(&sandbox);
        let token = client.access_token().await.unwrap();
        let mut url = client.api_url().clone();
        url.path_segments_mut()
            .unwrap()
            .extend(["echo", "through-the-proxy"]);
        let response = client
            .http_client()
            .get(url)
            .header("Authorization", token.bearer_header())
            .send()
            .await
            .unwrap();
        assert_eq!(response.status(), 200);
        let seen = tunnels.lock().unwrap().clone();
        assert!(seen.len() >= 2 && seen.iter().all(|t| *t == host), "{seen:?}");
        assert_eq!(sandbox.counters().token_requests, 1);

        // NO_PROXY: the client goes direct, and the name does not resolve.
        // SAFETY: as above.
        unsafe { std::env::set_var("NO_PROXY", "api.sandbox.test") };
        let before = tunnels.lock().unwrap().len();
        let direct = via_name(&sandbox);
        let err = direct.access_token().await.unwrap_err();
        assert_eq!(err.kind(), ErrorKind::Transport, "{err}");
        assert_eq!(
            tunnels.lock().unwrap().len(),
            before,
            "no tunnel for a NO_PROXY host"
        );
    });
}
