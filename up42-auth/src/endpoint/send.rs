//! Sending a call: rate limit, token, bearer header, the one resend after a
//! 401, redirects, and retries of transient failures.

use std::sync::atomic::{AtomicU32, Ordering};

use reqwest::header::{AUTHORIZATION, CONTENT_TYPE};
use reqwest::{Method, StatusCode};
use tracing::Instrument;
use tracing::field::Empty;
use url::Url;

use super::request::Request;
use super::response::{BodyLimit, DownloadLimit, api_error};
use crate::auth::AccessToken;
use crate::authenticated::Authenticated;
use crate::error::{Error, Operation, Timing, WaitedFor, display_url};
use crate::policy::RetryPolicy;
use crate::redirect::{MAX_REDIRECTS, origin, same_origin};

/// Sends `request` through `client`: token, bearer header, one resend after a
/// 401 on a token, status check, and retries of transient failures by the
/// client's [`RequestPolicy`](crate::policy::RequestPolicy). Returns the successful
/// response, body unread.
///
/// All of it runs in one `up42.request` span, with OpenTelemetry's HTTP client
/// field names: the method, the path *template* (never the filled-in path,
/// which holds ids), the server, the status, how many times the request was
/// sent again (retries and the 401 resend) and the error type; retries and
/// the resend are events inside it.
pub async fn send<A: Authenticated + ?Sized>(
    client: &A,
    request: Request,
) -> Result<reqwest::Response, Error> {
    let url = request.url(client.api_url())?;
    send_to(client, &request, url).await
}

/// [`send`] to `url` instead of the endpoint's own URL: a page of a paged
/// endpoint, found through a next link on the API's origin.
pub(crate) async fn send_to<A: Authenticated + ?Sized>(
    client: &A,
    request: &Request,
    url: Url,
) -> Result<reqwest::Response, Error> {
    let endpoint = request.endpoint;
    let span = tracing::info_span!(
        "up42.request",
        http.request.method = %request.method,
        url.template = endpoint.template,
        server.address = client.api_url().host_str().unwrap_or_default(),
        code.function = endpoint.function,
        http.response.status_code = Empty,
        http.request.resend_count = Empty,
        error.type = Empty,
    );
    let sends = AtomicU32::new(0);
    let outcome = send_traced(client, request, &url, &sends)
        .instrument(span.clone())
        .await;
    let resends = sends.load(Ordering::Relaxed).saturating_sub(1);
    span.record("http.request.resend_count", resends);
    match &outcome {
        Ok(response) => span.record("http.response.status_code", response.status().as_u16()),
        Err(error) => {
            if let Some(status) = error.status() {
                span.record("http.response.status_code", status.as_u16());
            }
            span.record("error.type", error_type(error))
        }
    };
    outcome
}

/// OpenTelemetry's `error.type`: the status code of an HTTP error, else the
/// kind of failure (`timeout`, `transport`, ...).
fn error_type(error: &Error) -> String {
    match (error.kind(), error.status()) {
        (crate::ErrorKind::Api, Some(status)) => status.as_u16().to_string(),
        (kind, _) => kind.name().to_string(),
    }
}

async fn send_traced<A: Authenticated + ?Sized>(
    client: &A,
    request: &Request,
    url: &Url,
    sends: &AtomicU32,
) -> Result<reqwest::Response, Error> {
    let policy = client.request_policy();
    let never = RetryPolicy::never();
    let retry = match request.endpoint.retries() {
        true => &policy.retry,
        false => &never,
    };
    // A failed token request was already retried by the token source.
    let retryable = |e: &Error| e.is_retryable() && e.operation() == Some(Operation::ApiRequest);
    let mut response = retry
        .run("API request", retryable, || {
            send_once(client, request, url, sends)
        })
        .await?;
    let extensions = response.extensions_mut();
    extensions.insert(BodyLimit(policy.max_response_size));
    extensions.insert(DownloadLimit(policy.max_download_size));
    Ok(response)
}

/// One attempt: rate limit, token, send, and the one resend after a 401.
/// `sends` counts every request put on the wire.
async fn send_once<A: Authenticated + ?Sized>(
    client: &A,
    request: &Request,
    url: &Url,
    sends: &AtomicU32,
) -> Result<reqwest::Response, Error> {
    let method = &request.method;
    // Downloads are bounded by the read timeout only, unless the endpoint sets its own.
    let total = match request.endpoint.raw {
        true => request.endpoint.timeout,
        false => request.endpoint.timeout.or(client.request_policy().timeout),
    };
    let mut resent = false;
    loop {
        let started = std::time::Instant::now();
        let token = waited(client, request, url, total, started).await?;
        let call = call_of(client, request, url, token.as_ref());
        sends.fetch_add(1, Ordering::Relaxed);
        let response = send_timed(call, url, total, started).await?;
        let status = response.status();
        if !same_origin(response.url(), url) {
            // A client of the user's, with another redirect policy, followed
            // the API to another origin: its answer is not the API's.
            tracing::warn!(
                to = %origin(response.url()),
                "the HTTP client followed a redirect to another origin; use up42_auth::redirect::policy() on it"
            );
            return Err(redirected(method, url, StatusCode::FOUND, response.url()));
        }
        if status.is_success() {
            return Ok(response);
        }
        if let (StatusCode::UNAUTHORIZED, Some(token), false) = (status, &token, resent)
            && client.token_cache().report_rejected(token)
        {
            tracing::info!(%method, url = %display_url(url), "the API rejected the token; resending once with a new one");
            resent = true;
            continue;
        }
        // Redirects that reach this point left the request's origin (see `redirect`).
        if status.is_redirection()
            && let Some(target) = location(&response)
        {
            if request.endpoint.raw && *method == Method::GET {
                return follow_without_token(client, target, total).await;
            }
            return Err(redirected(method, url, status, &target));
        }
        return Err(api_error(method, url, response).await);
    }
}

/// What a call waits for before it is sent, inside its time limit `total`
/// from `started`: the rate limit, then the token (none for a public
/// endpoint). The fresh-token path is static: no boxed future, no allocation.
async fn waited<A: Authenticated + ?Sized>(
    client: &A,
    request: &Request,
    url: &Url,
    total: Option<std::time::Duration>,
    started: std::time::Instant,
) -> Result<Option<AccessToken>, Error> {
    if let Some(limit) = &client.request_policy().rate_limit {
        within(total, started, limit.acquire(), |limit| {
            Error::not_sent(url, limit, WaitedFor::RateLimit)
        })
        .await?;
    }
    if request.endpoint.public {
        return Ok(None);
    }
    if let Some(token) = client.token_cache().fresh() {
        return Ok(Some(token));
    }
    // The renewal runs on a task of its own: a call that stops waiting
    // leaves it to finish for the next calls.
    let renewed = within(total, started, client.access_token(), |limit| {
        Error::not_sent(url, limit, WaitedFor::Token)
    });
    Ok(Some(renewed.await??))
}

/// The request for `url`: the call's headers, the bearer `token` if any,
/// and its body with exactly one `Content-Type` (a header argument's, else
/// the endpoint's).
fn call_of<A: Authenticated + ?Sized>(
    client: &A,
    request: &Request,
    url: &Url,
    token: Option<&AccessToken>,
) -> reqwest::RequestBuilder {
    let mut call = client
        .http_client()
        .request(request.method.clone(), url.clone())
        .headers(request.headers.clone());
    if let Some(token) = token {
        call = call.header(AUTHORIZATION, token.bearer_header().clone());
    }
    if let Some(body) = &request.body {
        if !request.headers.contains_key(CONTENT_TYPE) {
            let content_type = request.endpoint.content_type.unwrap_or("application/json");
            call = call.header(CONTENT_TYPE, content_type);
        }
        call = call.body(body.clone());
    }
    call
}

/// `wait`'s output, or `expired(total)` once `total` from `started` has passed.
async fn within<T>(
    total: Option<std::time::Duration>,
    started: std::time::Instant,
    wait: impl std::future::Future<Output = T>,
    expired: impl FnOnce(std::time::Duration) -> Error,
) -> Result<T, Error> {
    match total {
        Some(total) => tokio::time::timeout(total.saturating_sub(started.elapsed()), wait)
            .await
            .map_err(|_| expired(total)),
        None => Ok(wait.await),
    }
}

/// Sends `call` to `url` with `total` from `started` as its time limit, if
/// any (what went before, a rate limit's wait, counts); a timeout names the
/// limit that expired, and the answer carries its [`Timing`] so that reading
/// its body can say the same.
async fn send_timed(
    mut call: reqwest::RequestBuilder,
    url: &Url,
    total: Option<std::time::Duration>,
    started: std::time::Instant,
) -> Result<reqwest::Response, Error> {
    if let Some(total) = total {
        let left = total.saturating_sub(started.elapsed());
        call = call.timeout(left.max(std::time::Duration::from_millis(1)));
    }
    let timing = Timing { started, total };
    let mut response = call
        .send()
        .await
        .map_err(|e| Error::transport(Operation::ApiRequest, url, e).timed(Some(&timing)))?;
    response.extensions_mut().insert(timing);
    Ok(response)
}

/// Where a redirect points, resolved against the URL that answered it.
fn location(response: &reqwest::Response) -> Option<Url> {
    let value = response.headers().get(reqwest::header::LOCATION)?.to_str().ok()?;
    response.url().join(value).ok()
}

/// A download redirected to another origin (a storage host): fresh `GET`s
/// that carry neither the token nor the call's headers, hop by hop, never
/// from `https` down to `http`.
async fn follow_without_token<A: Authenticated + ?Sized>(
    client: &A,
    mut target: Url,
    total: Option<std::time::Duration>,
) -> Result<reqwest::Response, Error> {
    let mut from = client.api_url().clone();
    for _ in 0..MAX_REDIRECTS {
        if from.scheme() == "https" && target.scheme() != "https" {
            return Err(redirected(&Method::GET, &from, StatusCode::FOUND, &target));
        }
        tracing::debug!(to = %origin(&target), "download redirected to another origin; following without the token");
        let hop = client.http_client().get(target.clone());
        let response = send_timed(hop, &target, total, std::time::Instant::now()).await?;
        let status = response.status();
        if status.is_success() {
            return Ok(response);
        }
        match location(&response).filter(|_| status.is_redirection()) {
            Some(next) if !same_origin(&next, &target) => {
                from = std::mem::replace(&mut target, next);
            }
            _ => return Err(api_error(&Method::GET, &target, response).await),
        }
    }
    Err(redirected(&Method::GET, &from, StatusCode::FOUND, &target))
}

/// The error for a redirect from `url` to another origin, `to`, not followed.
fn redirected(method: &Method, url: &Url, status: StatusCode, to: &Url) -> Error {
    Error::redirected(method.clone(), display_url(url), status, origin(to))
}
