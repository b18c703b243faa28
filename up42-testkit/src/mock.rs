//! Rules: what a test puts in front of the built-in fake. A rule matches a
//! method and path (`Mock::given`) or a whole side of the sandbox
//! (`Mock::on`), and answers with a sequence of steps, each an answer
//! ([`Respond`]) or a [`Fault`], each for a number of requests
//! ([`Mock::times`]) or for good; an expected number of calls is checked
//! when the sandbox is dropped. [`Sandbox::inject`](crate::Sandbox::inject)
//! is a rule on a side whose steps are faults.
//!
//! The sandbox keeps its own server rather than building on `wiremock`: it
//! must close a connection without answering (`Fault::DropConnection`), serve
//! the token endpoint with Keycloak's exact answers, and share one token
//! store between the token endpoint and the bearer check of every route,
//! mounted ones included. The API follows wiremock's where it can
//! (`given`, `respond_with`, `expect`) and aws-smithy-mocks' sequences
//! (`then`, `times`).

use std::fmt;
use std::sync::{Arc, Mutex};

use axum::body::Body;
use axum::http::{HeaderName, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use serde_json::Value;

use crate::faults::Fault;
use crate::journal::Recorded;
use crate::route::Route;

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

/// One step of a rule: an answer or a fault, made with `into()` from either.
///
/// ```
/// use up42_testkit::{Fault, Respond, Step};
///
/// let answer: Step = Respond::status(204).into();
/// let fault: Step = Fault::DropConnection.into();
/// # let _ = (answer, fault);
/// ```
#[derive(Clone)]
pub struct Step(Action);

/// What a step does.
#[derive(Clone)]
pub(crate) enum Action {
    /// Answer what the function makes of the request.
    Respond(Responder),
    /// Go wrong this way.
    Fault(Fault),
}

impl From<Respond> for Step {
    fn from(respond: Respond) -> Step {
        Step(Action::Respond(Arc::new(move |_| respond.clone())))
    }
}

impl From<Fault> for Step {
    fn from(fault: Fault) -> Step {
        Step(Action::Fault(fault))
    }
}

impl fmt::Debug for Step {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match &self.0 {
            Action::Respond(_) => f.write_str("Step::Respond(..)"),
            Action::Fault(fault) => write!(f, "Step::Fault({fault:?})"),
        }
    }
}

/// A step and how often it may still be taken.
struct Slot {
    action: Action,
    /// `None`: for good.
    times: Option<usize>,
    taken: usize,
}

/// What a rule matches.
#[derive(Debug, Clone, PartialEq, Eq)]
enum Scope {
    /// Every request to one side of the sandbox.
    Side(Route),
    /// Requests with this method and path, and the conditions given.
    Request(Matcher),
}

/// What a rule for a path matches.
#[derive(Debug, Clone, PartialEq, Eq)]
struct Matcher {
    method: String,
    path: Vec<Segment>,
    query: Vec<(String, String)>,
    headers: Vec<(String, String)>,
    body_json: Option<Value>,
}

/// A rule a test mounts with [`Sandbox::mount`](crate::Sandbox::mount): what
/// requests it matches, the steps it answers with, and how often it expects
/// to be called.
///
/// The path is exact (`/v2/orders/o-1`) or a template whose `{placeholders}`
/// match any one segment (`/v2/orders/{id}`). Every condition given must hold:
/// query pairs and headers present, a JSON body equal. Rules for a path are
/// bearer-checked like the built-in routes unless marked
/// [`public`](Self::public); rules for a whole side ([`Mock::on`]) are not.
///
/// Rules for a side come first, then rules for a path; among each, the
/// newest with a step left answers. A rule whose steps are all used up
/// ([`times`](Self::times)) lets requests through to the built-in fake.
///
/// ```
/// use up42_testkit::{Fault, Mock, Respond, Route, Sandbox};
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
/// # let http = up42_auth::reqwest::Client::new();
/// # let token = up42_auth::Authenticated::access_token(&sandbox.client().unwrap()).await.unwrap();
/// # http.get(format!("{}/v2/orders/o-1?verbose=true", sandbox.base_url()))
/// #     .header("Authorization", token.bearer_header()).send().await.unwrap();
///
/// // Two failures, a dropped connection, then the built-in fake again:
/// sandbox.mount(
///     Mock::on(Route::Api)
///         .respond_with(Fault::status(503))
///         .times(2)
///         .then(Fault::DropConnection)
///         .times(1),
/// );
/// # }
/// ```
pub struct Mock {
    scope: Scope,
    template: String,
    public: bool,
    expected: Option<usize>,
    steps: Vec<Slot>,
    calls: usize,
    /// Made by [`Sandbox::inject`](crate::Sandbox::inject): further faults
    /// join its steps, and [`Sandbox::clear_faults`](crate::Sandbox::clear_faults) removes it.
    injected: bool,
}

#[derive(Debug, Clone, PartialEq, Eq)]
enum Segment {
    Literal(String),
    Placeholder,
}

impl Mock {
    /// A rule for `method` (`GET`, `POST`, ...) on `path`, answering `200`
    /// with an empty JSON object until told otherwise.
    pub fn given(method: &str, path: &str) -> Mock {
        let segments = path
            .trim_end_matches('/')
            .split('/')
            .filter(|s| !s.is_empty())
            .map(|s| match s.starts_with('{') && s.ends_with('}') {
                true => Segment::Placeholder,
                false => Segment::Literal(s.to_string()),
            })
            .collect();
        let scope = Scope::Request(Matcher {
            method: method.to_ascii_uppercase(),
            path: segments,
            query: Vec::new(),
            headers: Vec::new(),
            body_json: None,
        });
        Mock::new(scope, path.to_string(), false)
    }

    /// A rule for every request to one side of the sandbox (the token
    /// endpoint, the API, the storage host), with no bearer check, answering
    /// `200` with an empty JSON object until told otherwise.
    pub fn on(route: Route) -> Mock {
        Mock::new(Scope::Side(route), format!("{route:?}"), true)
    }

    fn new(scope: Scope, template: String, public: bool) -> Mock {
        Mock {
            scope,
            template,
            public,
            expected: None,
            steps: vec![Slot {
                action: Step::from(Respond::json(200, serde_json::json!({}))).0,
                times: None,
                taken: 0,
            }],
            calls: 0,
            injected: false,
        }
    }

    /// The rule behind [`Sandbox::inject`](crate::Sandbox::inject).
    pub(crate) fn injected(route: Route) -> Mock {
        let mut mock = Mock::on(route);
        mock.steps.clear();
        mock.injected = true;
        mock
    }

    /// What a rule for a path matches; `None` for a rule for a side.
    fn matcher(&mut self) -> Option<&mut Matcher> {
        match &mut self.scope {
            Scope::Request(matcher) => Some(matcher),
            Scope::Side(_) => None,
        }
    }

    /// Matches only requests whose query has `key=value`.
    #[must_use]
    pub fn query(mut self, key: &str, value: &str) -> Mock {
        if let Some(matcher) = self.matcher() {
            matcher.query.push((key.to_string(), value.to_string()));
        }
        self
    }

    /// Matches only requests with this header value (name in any case).
    #[must_use]
    pub fn header(mut self, name: &str, value: &str) -> Mock {
        if let Some(matcher) = self.matcher() {
            matcher
                .headers
                .push((name.to_ascii_lowercase(), value.to_string()));
        }
        self
    }

    /// Matches only requests whose body is this JSON.
    #[must_use]
    pub fn body_json(mut self, body: Value) -> Mock {
        if let Some(matcher) = self.matcher() {
            matcher.body_json = Some(body);
        }
        self
    }

    /// Answers without checking the bearer token.
    #[must_use]
    pub fn public(mut self) -> Mock {
        self.public = true;
        self
    }

    /// Answers every match with `step` (an answer or a fault), instead of
    /// the steps so far.
    #[must_use]
    pub fn respond_with(mut self, step: impl Into<Step>) -> Mock {
        self.steps.clear();
        self.then(step)
    }

    /// Answers what `respond` makes of each matching request (as the journal
    /// records it: method, path, query, headers, body), instead of the steps
    /// so far.
    #[must_use]
    pub fn respond_with_fn(mut self, respond: impl Fn(&Recorded) -> Respond + Send + Sync + 'static) -> Mock {
        self.steps.clear();
        self.then(Step(Action::Respond(Arc::new(respond))))
    }

    /// Adds a step after the ones so far: it answers once they are used up.
    #[must_use]
    pub fn then(mut self, step: impl Into<Step>) -> Mock {
        self.steps.push(Slot {
            action: step.into().0,
            times: None,
            taken: 0,
        });
        self
    }

    /// The last step answers `times` requests, then the next step does (or,
    /// after the last, the built-in fake).
    #[must_use]
    pub fn times(mut self, times: usize) -> Mock {
        if let Some(last) = self.steps.last_mut() {
            last.times = Some(times);
        }
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
        let Scope::Request(Matcher {
            method,
            path,
            query,
            headers,
            body_json,
        }) = &self.scope
        else {
            return matches!(self.scope, Scope::Side(route) if route == request.route);
        };
        let segments: Vec<&str> = request
            .path
            .trim_end_matches('/')
            .split('/')
            .filter(|s| !s.is_empty())
            .collect();
        let path_matches = segments.len() == path.len()
            && path.iter().zip(&segments).all(|(want, got)| match want {
                Segment::Placeholder => true,
                Segment::Literal(text) => text == got,
            });
        let sent: Vec<(String, String)> =
            url::form_urlencoded::parse(request.query.as_deref().unwrap_or("").as_bytes())
                .map(|(k, v)| (k.into_owned(), v.into_owned()))
                .collect();
        path_matches
            && request.method == *method
            && query.iter().all(|pair| sent.contains(pair))
            && headers
                .iter()
                .all(|(name, value)| request.header(name) == Some(value.as_str()))
            && body_json.as_ref().is_none_or(|want| {
                serde_json::from_slice::<Value>(&request.body).is_ok_and(|got| got == *want)
            })
    }

    /// Takes the next step left, if any.
    fn take(&mut self) -> Option<Action> {
        let slot = self
            .steps
            .iter_mut()
            .find(|s| s.times.is_none_or(|t| s.taken < t))?;
        slot.taken += 1;
        self.calls += 1;
        Some(slot.action.clone())
    }
}

impl fmt::Debug for Mock {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Mock")
            .field("matches", &self.template)
            .field("steps", &self.steps.len())
            .field("expected", &self.expected)
            .field("calls", &self.calls)
            .finish_non_exhaustive()
    }
}

/// The mounted rules, oldest first.
#[derive(Default)]
pub(crate) struct Rules(Mutex<Vec<Mock>>);

/// What the rules make of a request.
pub(crate) enum Outcome {
    /// No rule has a step for it.
    Unmatched,
    /// This step, and whether the rule checks the bearer token.
    Step { action: Action, public: bool },
}

impl Rules {
    pub(crate) fn mount(&self, mock: Mock) {
        self.lock().push(mock);
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, Vec<Mock>> {
        crate::lock::lock(&self.0)
    }

    /// Adds `times` requests of `fault` to the faults injected on `route`,
    /// after those already waiting.
    pub(crate) fn inject(&self, route: Route, fault: Fault, times: usize) {
        let mut rules = self.lock();
        let existing = rules
            .iter_mut()
            .rev()
            .find(|m| m.injected && m.scope == Scope::Side(route));
        let rule = match existing {
            Some(rule) => rule,
            None => {
                rules.push(Mock::injected(route));
                rules.last_mut().expect("just pushed")
            }
        };
        rule.steps.push(Slot {
            action: Action::Fault(fault),
            times: Some(times),
            taken: 0,
        });
    }

    /// Removes the injected faults.
    pub(crate) fn clear_injected(&self) {
        self.lock().retain(|m| !m.injected);
    }

    /// The next step for `request` among the rules for a whole side
    /// (`sides`) or for a path (not `sides`): the newest rule with a step left.
    pub(crate) fn next(&self, request: &Recorded, sides: bool) -> Outcome {
        let mut rules = self.lock();
        for rule in rules.iter_mut().rev() {
            if matches!(rule.scope, Scope::Side(_)) != sides || !rule.matches(request) {
                continue;
            }
            if let Some(action) = rule.take() {
                return Outcome::Step {
                    action,
                    public: rule.public,
                };
            }
        }
        Outcome::Unmatched
    }

    /// Every rule whose expected count was not met, described.
    pub(crate) fn unmet(&self) -> Vec<String> {
        self.lock()
            .iter()
            .filter_map(|mock| {
                let expected = mock.expected?;
                let method = match &mock.scope {
                    Scope::Request(matcher) => matcher.method.as_str(),
                    Scope::Side(_) => "ANY",
                };
                (mock.calls != expected).then(|| {
                    format!(
                        "{method} {} was called {} time(s), expected {expected}",
                        mock.template, mock.calls
                    )
                })
            })
            .collect()
    }
}
