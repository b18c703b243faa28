//! Faults: failing statuses, delays, dropped connections and broken bodies
//! (steps of a [`Mock`](crate::Mock)), and the conditions of a whole side
//! of the sandbox (a delay, a latency range, failure rates) that a seed replays.

use std::collections::HashMap;
use std::sync::{Arc, Mutex, MutexGuard};
use std::time::Duration;

use axum::body::Body;
use axum::http::{StatusCode, header};
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

/// The conditions of one side of the sandbox.
#[derive(Debug, Default)]
pub(crate) struct Conditions {
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

/// The conditions of each side, and the seeded random source that latency
/// ranges and failure rates draw from.
#[derive(Debug)]
pub(crate) struct Faults {
    table: Mutex<HashMap<Route, Conditions>>,
    random: Mutex<fastrand::Rng>,
}

impl Faults {
    /// No conditions; random draws from `seed`.
    pub(crate) fn new(seed: u64) -> Faults {
        Faults {
            table: Mutex::default(),
            random: Mutex::new(fastrand::Rng::with_seed(seed)),
        }
    }

    /// The table, locked.
    pub(crate) fn table(&self) -> MutexGuard<'_, HashMap<Route, Conditions>> {
        lock(&self.table)
    }

    /// What the conditions of `route` make of one more request: a delay, and
    /// the failure they draw, if any. Random draws come in a fixed order per
    /// request, so that a seed replays a run.
    pub(crate) fn draw_for(&self, route: Route) -> (Duration, Option<Fault>) {
        let mut table = self.table();
        let conditions = table.entry(route).or_default();
        conditions.seen += 1;
        let mut fault = match conditions.every {
            Some((n, status)) if conditions.seen.is_multiple_of(n) => Some(Fault::status(status)),
            _ => None,
        };
        let mut delay = conditions.delay;
        let mut random = lock(&self.random);
        if let Some((min, max)) = conditions.latency {
            delay += min + (max.saturating_sub(min)).mul_f64(random.f64());
        }
        if let Some((percent, status)) = conditions.failure_rate
            && random.f64() * 100.0 < percent
        {
            fault = fault.or(Some(Fault::status(status)));
        }
        (delay, fault)
    }
}

/// Closes the connection a request came on; put into each request's extensions.
#[derive(Clone)]
pub(crate) struct ConnectionKill(pub(crate) Arc<Notify>);

impl Fault {
    /// The answer this fault gives on `route`; a delay is waited out by the
    /// caller, and a dropped connection never answers.
    pub(crate) async fn answer(self, route: Route, connection: Option<ConnectionKill>) -> Response {
        match self {
            Fault::Delay(_) => StatusCode::INTERNAL_SERVER_ERROR.into_response(),
            Fault::DropConnection => {
                if let Some(kill) = connection {
                    kill.0.notify_one();
                }
                // The connection is dropped with this future; nothing is answered.
                std::future::pending().await
            }
            Fault::Status { status, retry_after } => {
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
            Fault::Redirect { status, location } => {
                let code = StatusCode::from_u16(status).unwrap_or(StatusCode::TEMPORARY_REDIRECT);
                (code, [(header::LOCATION, location)]).into_response()
            }
            Fault::Body {
                status,
                content_type,
                body,
            } => {
                let code = StatusCode::from_u16(status).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR);
                (code, [(header::CONTENT_TYPE, content_type)], Body::from(body)).into_response()
            }
        }
    }
}
