//! Helpers shared by the integration tests.

use up42_auth::reqwest::Response;
use up42_auth::{Authenticated, Up42Client};

/// The README's hand-written call: a token, the API URL with `segments`
/// appended as encoded path segments, and a `GET` with the bearer header.
pub async fn get_by_hand(client: &Up42Client, segments: &[&str]) -> Response {
    let token = client.access_token().await.unwrap();
    let mut url = client.api_url().clone();
    url.path_segments_mut().unwrap().pop_if_empty().extend(segments);
    client
        .http_client()
        .get(url)
        .header("Authorization", token.bearer_header())
        .send()
        .await
        .unwrap()
}
