//! Redirects of API calls: the bearer token never leaves the origin the call
//! was sent to. Two sandboxes play the two hosts: the API on `127.0.0.1`, and a
//! foreign host reached as `localhost` on another port, which counts every
//! request that carried an `Authorization` header.

use crate::common;

use serde::Deserialize;
use up42_auth::reqwest::{Response, StatusCode};
use up42_auth::{Error, ErrorKind, Up42Client, up42_endpoint};
use up42_testkit::{Fault, Route, Sandbox};

#[derive(Debug, Deserialize)]
struct Echo {
    path: String,
    headers: std::collections::BTreeMap<String, Vec<String>>,
}

#[up42_endpoint(GET, "/echo/orders", unchecked)]
async fn list_orders(client: &Up42Client) -> Result<Echo, Error>;

#[up42_endpoint(GET, "/echo/assets/{asset_id}", raw, unchecked)]
async fn download(client: &Up42Client, asset_id: &str) -> Result<Response, Error>;

#[up42_endpoint(POST, "/echo/assets/{asset_id}", raw, unchecked)]
async fn post_raw(client: &Up42Client, asset_id: &str) -> Result<Response, Error>;

/// The API sandbox, a client for it, and a second sandbox as a foreign host.
async fn two_hosts() -> (Sandbox, Up42Client, Sandbox, String) {
    let api = Sandbox::start().await;
    let client = api.client().unwrap();
    let foreign = Sandbox::start().await;
    let foreign_url = format!("http://localhost:{}", foreign.addr().port());
    (api, client, foreign, foreign_url)
}

fn assert_redirect_refused(err: &Error, foreign_url: &str) {
    assert_eq!(err.kind(), ErrorKind::Redirected, "{err:?}");
    assert_eq!(err.redirect_target(), Some(foreign_url));
    assert_eq!(err.status(), Some(StatusCode::TEMPORARY_REDIRECT));
    let shown = err.to_string();
    assert!(
        shown.contains(foreign_url),
        "the message names the target: {shown}"
    );
}

#[tokio::test]
async fn one_hop_to_another_host_is_refused() {
    let (api, client, foreign, foreign_url) = two_hosts().await;
    api.inject(
        Route::Api,
        Fault::redirect(307, &format!("{foreign_url}/public/echo/stolen")),
        1,
    );
    let err = list_orders(&client).await.unwrap_err();
    assert_redirect_refused(&err, &foreign_url);
    assert_eq!(
        foreign.counters().api_calls,
        0,
        "the foreign host is never contacted"
    );
}

#[tokio::test]
async fn two_hops_through_another_host_are_refused() {
    let (api, client, foreign, foreign_url) = two_hosts().await;
    // API → foreign host → the foreign host again: reqwest alone re-adds the
    // token on the second hop.
    api.inject(
        Route::Api,
        Fault::redirect(307, &format!("{foreign_url}/redirect/public/echo/stolen")),
        1,
    );
    let err = list_orders(&client).await.unwrap_err();
    assert_redirect_refused(&err, &foreign_url);
    let seen = foreign.counters();
    assert_eq!((seen.api_calls, seen.with_authorization), (0, 0));
}

#[tokio::test]
async fn the_hand_written_pattern_gets_the_redirect_unfollowed() {
    let (api, client, foreign, foreign_url) = two_hosts().await;
    api.inject(
        Route::Api,
        Fault::redirect(307, &format!("{foreign_url}/redirect/public/echo/stolen")),
        1,
    );
    let response = common::get_by_hand(&client, &["echo", "orders"]).await;
    assert_eq!(response.status(), StatusCode::TEMPORARY_REDIRECT);
    assert_eq!(foreign.counters().api_calls, 0);
}

#[tokio::test]
async fn a_port_change_on_the_same_host_is_another_origin() {
    let api = Sandbox::start().await;
    let client = api.client().unwrap();
    let other_port = Sandbox::start().await;
    let other = other_port.base_url().to_string(); // 127.0.0.1, another port
    api.inject(Route::Api, Fault::redirect(308, &format!("{other}/echo/x")), 1);
    let err = list_orders(&client).await.unwrap_err();
    assert_eq!(err.redirect_target(), Some(other.as_str()), "{err:?}");
    assert_eq!(other_port.counters().api_calls, 0);
}

#[tokio::test]
async fn same_origin_redirects_keep_the_token() {
    let api = Sandbox::start().await;
    let client = api.client().unwrap();
    api.inject(Route::Api, Fault::redirect(307, "/redirect/echo/moved"), 1);
    let echo = list_orders(&client).await.unwrap();
    assert_eq!(echo.path, "/echo/moved");
    assert!(echo.headers.contains_key("authorization"));
    assert!(!echo.headers.contains_key("referer"), "no Referer is sent");
    assert_eq!(api.counters().unauthorized, 0);
}

#[tokio::test]
async fn a_download_moved_to_a_storage_host_is_fetched_without_the_token() {
    let (api, client, storage, storage_url) = two_hosts().await;
    // The storage host redirects once more, on itself.
    api.inject(
        Route::Api,
        Fault::redirect(302, &format!("{storage_url}/redirect/public/echo/bucket/a.tif")),
        1,
    );
    let response = download(&client, "a").await.unwrap();
    assert_eq!(response.url().port(), Some(storage.addr().port()));
    let echo: Echo = response.json().await.unwrap();
    assert_eq!(echo.path, "/public/echo/bucket/a.tif");
    assert!(!echo.headers.contains_key("authorization"), "{:?}", echo.headers);
    let seen = storage.counters();
    assert_eq!((seen.api_calls, seen.with_authorization), (2, 0));
}

#[tokio::test]
async fn only_downloads_follow_a_redirect_to_another_host() {
    let (api, client, storage, storage_url) = two_hosts().await;
    api.inject(
        Route::Api,
        Fault::redirect(307, &format!("{storage_url}/public/echo/bucket")),
        1,
    );
    let err = post_raw(&client, "a").await.unwrap_err();
    assert_redirect_refused(&err, &storage_url);
    assert_eq!(storage.counters().api_calls, 0);
}

#[tokio::test]
async fn a_users_client_that_follows_another_origin_gets_no_answer_from_it() {
    let (api, _, foreign, foreign_url) = two_hosts().await;
    // The user's client keeps reqwest's default policy, which follows.
    let client = api
        .client_builder()
        .http_client(up42_auth::reqwest::Client::new())
        .build()
        .unwrap();
    api.inject(
        Route::Api,
        Fault::redirect(307, &format!("{foreign_url}/public/echo/elsewhere")),
        1,
    );
    let err = list_orders(&client).await.unwrap_err();
    assert_eq!(err.redirect_target(), Some(foreign_url.as_str()), "{err:?}");
    // One hop: reqwest itself dropped the header; two hops would not (see above).
    assert_eq!(foreign.counters().with_authorization, 0);
}

#[tokio::test]
async fn an_https_api_redirecting_down_to_http_is_refused() {
    let api = Sandbox::builder().https().start().await;
    let client = api.client().unwrap();
    let plain = Sandbox::start().await;
    // https → http on the same machine, then http → http on that host: the
    // chain that let reqwest's own policy send the token in clear text.
    let down = format!("{}/redirect/public/echo/clear-text", plain.base_url());
    api.inject(Route::Api, Fault::redirect(307, &down), 1);
    let err = list_orders(&client).await.unwrap_err();
    assert_eq!(err.kind(), ErrorKind::Redirected, "{err:?}");
    assert_eq!(err.redirect_target(), Some(plain.base_url()));
    let seen = plain.counters();
    assert_eq!(
        (seen.api_calls, seen.with_authorization),
        (0, 0),
        "nothing went out in clear text"
    );
}
