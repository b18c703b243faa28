//! Sending a call: rate limit, token, bearer header, the one resend after a
//! 401, redirects, and retries of transient failures.

use reqwest::header::{AUTHORIZATION, CONTENT_TYPE};
use reqwest::{Method, StatusCode};
use url::Url;

use super::request::Request;
use super::response::{BodyLimit, api_error};
use crate::authenticated::Authenticated;
use crate::error::{Error, Operation, Repr, display_url};
use crate::policy::RetryPolicy;
use crate::redirect::{MAX_REDIRECTS, origin, same_origin};

/// Sends `request` through `client`: token, bearer header, one resend after a
/// 401 on a token, status check, and retries of transient failures by the
/// client's [`RequestPolicy`](crate::RequestPolicy). Returns the successful
/// response, body unread.
pub async fn send<A: Authenticated + ?Sized>(
    client: &A,
    request: Request,
) -> Result<reqwest::Response, Error> {
    let url = request.url(client.api_url())?;
    let policy = client.request_policy();
    let never = RetryPolicy::never();
    let retry = match request.endpoint.retries() {
        true => &policy.retry,
        false => &never,
    };
    // A failed token request was already retried by the token source.
    let retryable = |e: &Error| e.is_retryable() && e.operation() == Some(Operation::ApiRequest);
    let mut response = retry
        .run("API request", retryable, || send_once(client, &request, &url))
        .await?;
    response
        .extensions_mut()
        .insert(BodyLimit(policy.max_response_size));
    Ok(response)
}

/// One attempt: rate limit, token, send, and the one resend after a 401.
async fn send_once<A: Authenticated + ?Sized>(
    client: &A,
    request: &Request,
    url: &Url,
) -> Result<reqwest::Response, Error> {
    let method = &request.endpoint.method;
    let mut resent = false;
    loop {
        if let Some(limit) = &client.request_policy().rate_limit {
            limit.acquire().await;
        }
        let token = match request.endpoint.public {
            true => None,
            // The fresh-token path is static: no boxed future, no allocation.
            false => match client.token_cache().fresh() {
                Some(token) => Some(token),
                None => Some(client.access_token().await?),
            },
        };
        let mut call = client
            .http_client()
            .request(method.clone(), url.clone())
            .headers(request.headers.clone());
        if let Some(token) = &token {
            call = call.header(AUTHORIZATION, token.bearer_header().clone());
        }
        if let Some(body) = &request.body {
            call = call.header(CONTENT_TYPE, "application/json").body(body.clone());
        }
        let response = call
            .send()
            .await
            .map_err(|e| Error::transport(Operation::ApiRequest, url, e))?;
        let status = response.status();
        if status.is_success() {
            return Ok(response);
        }
        if let (StatusCode::UNAUTHORIZED, Some(token), false) = (status, &token, resent)
            && client.token_cache().rejected_by_api(token)
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
                return follow_without_token(client, target).await;
            }
            return Err(Error::from(Repr::Redirected {
                method: method.clone(),
                url: display_url(url),
                status,
                target: origin(&target),
            }));
        }
        return Err(api_error(method, url, response).await);
    }
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
) -> Result<reqwest::Response, Error> {
    let mut from = client.api_url().clone();
    for _ in 0..MAX_REDIRECTS {
        if from.scheme() == "https" && target.scheme() != "https" {
            return Err(Error::from(Repr::Redirected {
                method: Method::GET,
                url: display_url(&from),
                status: StatusCode::FOUND,
                target: origin(&target),
            }));
        }
        tracing::debug!(to = %origin(&target), "download redirected to another origin; following without the token");
        let response = client
            .http_client()
            .get(target.clone())
            .send()
            .await
            .map_err(|e| Error::transport(Operation::ApiRequest, &target, e))?;
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
    Err(Error::from(Repr::Redirected {
        method: Method::GET,
        url: display_url(&from),
        status: StatusCode::FOUND,
        target: origin(&target),
    }))
}
