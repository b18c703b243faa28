//! A proxy from the environment never sees a loopback sandbox's traffic: the
//! password and the token of a plain-http URL would reach it in clear text.
//!
//! A test binary of its own: it sets `HTTP_PROXY`/`HTTPS_PROXY`/`ALL_PROXY`
//! for the whole process before anything else runs.

mod common;

use std::net::TcpListener;
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};

use up42_testkit::Sandbox;

/// A "proxy" that counts the connections it gets and answers none of them.
fn counting_proxy() -> (String, Arc<AtomicUsize>) {
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let address = format!("http://{}", listener.local_addr().unwrap());
    let connections = Arc::new(AtomicUsize::new(0));
    let seen = Arc::clone(&connections);
    std::thread::spawn(move || {
        for stream in listener.incoming() {
            seen.fetch_add(1, Ordering::SeqCst);
            drop(stream);
        }
    });
    (address, connections)
}

#[test]
fn loopback_token_and_api_urls_bypass_the_environment_proxy() {
    let (proxy, connections) = counting_proxy();
    for name in [
        "HTTP_PROXY",
        "HTTPS_PROXY",
        "ALL_PROXY",
        "http_proxy",
        "all_proxy",
    ] {
        // SAFETY: the only test of this binary, before any other thread reads the environment.
        unsafe { std::env::set_var(name, &proxy) };
    }
    for name in ["NO_PROXY", "no_proxy"] {
        // SAFETY: as above.
        unsafe { std::env::remove_var(name) };
    }
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap();
    runtime.block_on(async {
        let sandbox = Sandbox::start().await;

        // The control: a plain client does go through the proxy.
        let plain = up42_auth::reqwest::Client::new()
            .get(format!("{}/public/echo/control", sandbox.base_url()))
            .send()
            .await;
        assert!(plain.is_err(), "the counting proxy answers nothing");
        let through_proxy = connections.load(Ordering::SeqCst);
        assert!(through_proxy >= 1, "reqwest honours the proxy variables");

        let client = sandbox.client().unwrap();
        let response = common::get_by_hand(&client, &["echo", "x"]).await;
        assert_eq!(response.status(), 200);
        assert_eq!(
            connections.load(Ordering::SeqCst),
            through_proxy,
            "neither the password nor the token went to the proxy"
        );
        assert_eq!(sandbox.counters().token_requests, 1);
    });
}
