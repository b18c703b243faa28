//! Programmable routes: answers a test mounts for a method and a path, ahead
//! of the built-in fake, with an expected number of calls checked when the
//! sandbox is dropped.
//!
//! The sandbox keeps its own server rather than building on `wiremock`: it
//! must close a connection without answering (`Fault::DropConnection`), serve
//! the token endpoint with Keycloak's exact answers, and share one token
//! store between the token endpoint and the bearer check of every route,
//! mounted ones included. The API follows wiremock's where it can
//! (`given`, `respond_with`, `expect`).

use std::fmt;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};

use axum::body::Body;
use axum::http::{HeaderName, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use serde_json::Value;

use crate::journal::{Authorization, Recorded};

/// An answer of a mounted route: a status, headers and a body.
///
/// ```
/// use up42_testkit::Respond;
///
/// let created = Respond::json(201, serde_json::json!({"id": "o-1"}));
/// let tiff = Respond::bytes(200, "image/tiff", vec![0x49, 0x49, 0x2a, 0x00]);
/// let limited = Respond::json(429, serde_json::json!({"message": "slow down"}))
///     .header("Retry-After", "2");
/// # let _ = (created, tiff, limited);
/// ```
#[derive(Debug, Clone)]
pub struct Respond {
    status: u16,
    headers: Vec<(String, String)>,
    body: Vec<u8>,
}

impl Respond {
    /// `status` with a JSON body.
    pub fn json(status: u16, body: Value) -> Respond {
        Respond {
            status,
            headers: vec![("content-type".into(), "application/json".into())],
            body: body.to_string().into_bytes(),
        }
    }

    /// `status` with these bytes and content type.
    pub fn bytes(status: u16, content_type: &str, body: impl Into<Vec<u8>>) -> Respond {
        Respond {
            status,
            headers: vec![("content-type".into(), content_type.into())],
            body: body.into(),
        }
    }

    /// `status` and no body.
    pub fn status(status: u16) -> Respond {
        Respond {
            status,
            headers: Vec::new(),
            body: Vec::new(),
        }
    }

    /// Adds a header.
    #[must_use]
    pub fn header(mut self, name: &str, value: &str) -> Respond {
        self.headers.push((name.to_string(), value.to_string()));
        self
    }

    pub(crate) fn into_response(self) -> Response {
        let status = StatusCode::from_u16(self.status).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR);
        let mut response = (status, Body::from(self.body)).into_response();
        for (name, value) in self.headers {
            if let (Ok(name), Ok(value)) = (HeaderName::try_from(name), HeaderValue::try_from(value)) {
                response.headers_mut().append(name, value);
            }
        }
        response
    }
}

type Responder = Arc<dyn Fn(&Recorded) -> Respond + Send + Sync>;

/// A route a test mounts with [`Sandbox::mount`](crate::Sandbox::mount): what
/// requests it matches, what it answers, and how often it expects to be called.
///
/// The path is exact (`/v2/orders/o-1`) or a template whose `{placeholders}`
/// match any one segment (`/v2/orders/{id}`). Every condition given must hold:
/// query pairs and headers present, a JSON body equal. Mounted routes are
/// bearer-checked like the built-in ones unless marked [`public`](Self::public),
/// and the last one mounted that matches answers.
///
/// ```
/// use up42_testkit::{Mock, Respond, Sandbox};
///
/// # #[tokio::main(flavor = "current_thread")]
/// # async fn main() {
/// let sandbox = Sandbox::start().await;
/// sandbox.mount(
///     Mock::given("GET", "/v2/orders/{order_id}")
///         .query("verbose", "true")
///         .respond_with(Respond::json(200, serde_json::json!({"id": "o-1", "status": "FULFILLED"})))
///         .expect(1),
/// );
/// // ... the code under test calls it once; dropping the sandbox checks the count.
/// # sandbox.mount(Mock::given("GET", "/nothing").expect(0));
/// # let http = up42_auth::reqwest::Client::new();
/// # let token = up42_auth::Authenticated::access_token(&sandbox.client().unwrap()).await.unwrap();
/// # http.get(format!("{}/v2/orders/o-1?verbose=true", sandbox.base_url()))
/// #     .header("Authorization", token.bearer_header()).send().await.unwrap();
/// # }
/// ```
pub struct Mock {
    method: String,
    path: Vec<Segment>,
    template: String,
    query: Vec<(String, String)>,
    headers: Vec<(String, String)>,
    body_json: Option<Value>,
    public: bool,
    expected: Option<usize>,
    responder: Responder,
    calls: Arc<AtomicUsize>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
enum Segment {
    Literal(String),
    Placeholder,
}

impl Mock {
    /// A route for `method` (`GET`, `POST`, ...) on `path`, answering `200`
    /// with an empty JSON object until told otherwise.
    pub fn given(method: &str, path: &str) -> Mock {
        let path_segments = path
            .trim_end_matches('/')
            .split('/')
            .filter(|s| !s.is_empty())
            .map(|s| match s.starts_with('{') && s.ends_with('}') {
                true => Segment::Placeholder,
                false => Segment::Literal(s.to_string()),
            })
            .collect();
        Mock {
            method: method.to_ascii_uppercase(),
            path: path_segments,
            template: path.to_string(),
            query: Vec::new(),
            headers: Vec::new(),
            body_json: None,
            public: false,
            expected: None,
            responder: Arc::new(|_| Respond::json(200, serde_json::json!({}))),
            calls: Arc::default(),
        }
    }

    /// Matches only requests whose query has `key=value`.
    #[must_use]
    pub fn query(mut self, key: &str, value: &str) -> Mock {
        self.query.push((key.to_string(), value.to_string()));
        self
    }

    /// Matches only requests with this header value (name in any case).
    #[must_use]
    pub fn header(mut self, name: &str, value: &str) -> Mock {
        self.headers.push((name.to_ascii_lowercase(), value.to_string()));
        self
    }

    /// Matches only requests whose body is this JSON.
    #[must_use]
    pub fn body_json(mut self, body: Value) -> Mock {
        self.body_json = Some(body);
        self
    }

    /// Answers without checking the bearer token.
    #[must_use]
    pub fn public(mut self) -> Mock {
        self.public = true;
        self
    }

    /// Answers `respond` to every match.
    #[must_use]
    pub fn respond_with(mut self, respond: Respond) -> Mock {
        self.responder = Arc::new(move |_| respond.clone());
        self
    }

    /// Answers what `respond` makes of each matching request (as the journal
    /// records it: method, path, query, headers, body).
    #[must_use]
    pub fn respond_with_fn(mut self, respond: impl Fn(&Recorded) -> Respond + Send + Sync + 'static) -> Mock {
        self.responder = Arc::new(respond);
        self
    }

    /// Expects exactly `times` matching requests by the time the sandbox is
    /// dropped (or [`Sandbox::verify`](crate::Sandbox::verify) is called).
    #[must_use]
    pub fn expect(mut self, times: usize) -> Mock {
        self.expected = Some(times);
        self
    }

    fn matches(&self, request: &Recorded) -> bool {
        let segments: Vec<&str> = request
            .path
            .trim_end_matches('/')
            .split('/')
            .filter(|s| !s.is_empty())
            .collect();
        let path_matches = segments.len() == self.path.len()
            && self.path.iter().zip(&segments).all(|(want, got)| match want {
                Segment::Placeholder => true,
                Segment::Literal(text) => text == got,
            });
        let query: Vec<(String, String)> =
            url::form_urlencoded::parse(request.query.as_deref().unwrap_or("").as_bytes())
                .map(|(k, v)| (k.into_owned(), v.into_owned()))
                .collect();
        path_matches
            && request.method == self.method
            && self.query.iter().all(|pair| query.contains(pair))
            && self
                .headers
                .iter()
                .all(|(name, value)| request.header(name) == Some(value.as_str()))
            && self.body_json.as_ref().is_none_or(|want| {
                serde_json::from_slice::<Value>(&request.body).is_ok_and(|got| got == *want)
            })
    }
}

impl fmt::Debug for Mock {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Mock")
            .field("method", &self.method)
            .field("path", &self.template)
            .field("expected", &self.expected)
            .field("calls", &self.calls.load(Ordering::SeqCst))
            .finish_non_exhaustive()
    }
}

/// The mounted routes, newest last.
#[derive(Default)]
pub(crate) struct Mocks(Mutex<Vec<Mock>>);

/// What a mounted route makes of a request.
pub(crate) enum Outcome {
    /// No mounted route matches: the built-in fake answers.
    Unmatched,
    /// A mounted route matches, but the request has no valid bearer token.
    Unauthorized,
    /// A mounted route answers this.
    Answer(Response),
}

impl Mocks {
    pub(crate) fn mount(&self, mock: Mock) {
        self.lock().push(mock);
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, Vec<Mock>> {
        crate::lock::lock(&self.0)
    }

    /// The answer of the newest mounted route that matches `request`.
    pub(crate) fn answer(&self, request: &Recorded) -> Outcome {
        let (responder, public) = {
            let mocks = self.lock();
            let Some(mock) = mocks.iter().rev().find(|m| m.matches(request)) else {
                return Outcome::Unmatched;
            };
            mock.calls.fetch_add(1, Ordering::SeqCst);
            (Arc::clone(&mock.responder), mock.public)
        };
        if !public && request.authorization != Authorization::ValidBearer {
            return Outcome::Unauthorized;
        }
        Outcome::Answer(responder(request).into_response())
    }

    /// Every mounted route whose expected count was not met, described.
    pub(crate) fn unmet(&self) -> Vec<String> {
        self.lock()
            .iter()
            .filter_map(|mock| {
                let calls = mock.calls.load(Ordering::SeqCst);
                let expected = mock.expected?;
                (calls != expected).then(|| {
                    format!(
                        "{} {} was called {calls} time(s), expected {expected}",
                        mock.method, mock.template
                    )
                })
            })
            .collect()
    }
}
