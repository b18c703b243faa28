//! Fault injection: failing statuses, delays, dropped connections and broken
//! bodies, for the token endpoint and the API routes alike.

use std::collections::{HashMap, VecDeque};
use std::sync::{Arc, Mutex, MutexGuard};
use std::time::Duration;

use axum::body::Body;
use axum::extract::{Request, State};
use axum::http::{StatusCode, header};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use serde_json::json;
use tokio::sync::Notify;

use crate::lock::lock;
use crate::route::Route;

/// Something that goes wrong with one request.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum Fault {
    /// Answer `status` with an error body in the route's style, and a
    /// `Retry-After` header if given (seconds or an HTTP date).
    Status {
        /// The HTTP status.
        status: u16,
        /// The `Retry-After` header value.
        retry_after: Option<String>,
    },
    /// Wait, then answer normally.
    Delay(Duration),
    /// Close the connection without answering.
    DropConnection,
    /// Answer with a redirect: `status` (301, 302, 303, 307, 308) and
    /// `Location: location`.
    Redirect {
        /// The HTTP status.
        status: u16,
        /// The `Location` header, absolute or relative.
        location: String,
    },
    /// Answer with exactly this status, content type and body.
    Body {
        /// The HTTP status.
        status: u16,
        /// The `Content-Type` header.
        content_type: String,
        /// The body bytes.
        body: Vec<u8>,
    },
}

impl Fault {
    /// `status` with an error body and no `Retry-After`.
    pub fn status(status: u16) -> Fault {
        Fault::Status {
            status,
            retry_after: None,
        }
    }

    /// `status` with `Retry-After: retry_after`.
    pub fn retry_after(status: u16, retry_after: &str) -> Fault {
        Fault::Status {
            status,
            retry_after: Some(retry_after.to_string()),
        }
    }

    /// A redirect to `location` with `status`.
    pub fn redirect(status: u16, location: &str) -> Fault {
        Fault::Redirect {
            status,
            location: location.to_string(),
        }
    }

    /// Exactly this answer.
    pub fn body(status: u16, content_type: &str, body: impl Into<Vec<u8>>) -> Fault {
        Fault::Body {
            status,
            content_type: content_type.to_string(),
            body: body.into(),
        }
    }
}

/// What fault injection remembers for one route.
#[derive(Debug, Default)]
pub(crate) struct RouteFaults {
    /// Faults for the next requests, one each.
    pub(crate) queue: VecDeque<Fault>,
    /// `(n, status)`: every n-th request answers `status`.
    pub(crate) every: Option<(u64, u16)>,
    pub(crate) seen: u64,
    /// Added to every request.
    pub(crate) delay: Duration,
    /// `(min, max)`: a further delay drawn from this range for each request.
    pub(crate) latency: Option<(Duration, Duration)>,
    /// `(percent, status)`: that share of requests, drawn at random, answers `status`.
    pub(crate) failure_rate: Option<(f64, u16)>,
}

/// The faults and delays queued for each route, and the seeded random
/// source that latency ranges and failure rates draw from.
#[derive(Debug)]
pub(crate) struct Faults {
    table: Mutex<HashMap<Route, RouteFaults>>,
    random: Mutex<fastrand::Rng>,
}

impl Faults {
    /// No faults; random draws from `seed`.
    pub(crate) fn new(seed: u64) -> Faults {
        Faults {
            table: Mutex::default(),
            random: Mutex::new(fastrand::Rng::with_seed(seed)),
        }
    }

    /// The table, locked.
    pub(crate) fn table(&self) -> MutexGuard<'_, HashMap<Route, RouteFaults>> {
        lock(&self.table)
    }

    /// A number in `[0, 1)` from the seeded source.
    fn draw(&self) -> f64 {
        lock(&self.random).f64()
    }
}

/// Closes the connection a request came on; put into each request's extensions.
#[derive(Clone)]
pub(crate) struct ConnectionKill(pub(crate) Arc<Notify>);

/// The middleware in front of every route (inside the counting one): applies
/// the delay and the next fault of the request's route, if any.
pub(crate) async fn inject(State(faults): State<Arc<Faults>>, request: Request, next: Next) -> Response {
    let route = Route::of(request.uri().path());
    let (delay, fault) = {
        let mut table = faults.table();
        let route_faults = table.entry(route).or_default();
        route_faults.seen += 1;
        let mut fault = route_faults
            .queue
            .pop_front()
            .or_else(|| match route_faults.every {
                Some((n, status)) if route_faults.seen % n == 0 => Some(Fault::status(status)),
                _ => None,
            });
        let mut delay = route_faults.delay;
        // Random draws in a fixed order per request, so that a seed replays a run.
        if let Some((min, max)) = route_faults.latency {
            delay += min + (max.saturating_sub(min)).mul_f64(faults.draw());
        }
        if let Some((percent, status)) = route_faults.failure_rate
            && faults.draw() * 100.0 < percent
        {
            fault = fault.or(Some(Fault::status(status)));
        }
        (delay, fault)
    };
    if !delay.is_zero() {
        tokio::time::sleep(delay).await;
    }
    match fault {
        None => next.run(request).await,
        Some(Fault::Delay(extra)) => {
            tokio::time::sleep(extra).await;
            next.run(request).await
        }
        Some(Fault::DropConnection) => {
            if let Some(kill) = request.extensions().get::<ConnectionKill>() {
                kill.0.notify_one();
            }
            // The connection is dropped with this future; nothing is answered.
            std::future::pending().await
        }
        Some(Fault::Status { status, retry_after }) => {
            let code = StatusCode::from_u16(status).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR);
            let body = match route {
                Route::Token => {
                    json!({"error": "temporarily_unavailable", "error_description": "Injected fault"})
                }
                Route::Api | Route::Storage => {
                    json!({"error": {"code": status, "message": "Injected fault", "details": null}})
                }
            };
            let mut response = (code, axum::Json(body)).into_response();
            if let Some(value) = retry_after.and_then(|v| header::HeaderValue::from_str(&v).ok()) {
                response.headers_mut().insert(header::RETRY_AFTER, value);
            }
            response
        }
        Some(Fault::Redirect { status, location }) => {
            let code = StatusCode::from_u16(status).unwrap_or(StatusCode::TEMPORARY_REDIRECT);
            (code, [(header::LOCATION, location)]).into_response()
        }
        Some(Fault::Body {
            status,
            content_type,
            body,
        }) => {
            let code = StatusCode::from_u16(status).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR);
            (code, [(header::CONTENT_TYPE, content_type)], Body::from(body)).into_response()
        }
    }
}
