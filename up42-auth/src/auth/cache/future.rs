//! `TokenFuture`: a token that is ready at once on the hot path, or the
//! outcome of a renewal.

use std::fmt;
use std::future::Future;
use std::pin::Pin;
use std::task::{Context, Poll};

use crate::auth::token::AccessToken;
use crate::error::Error;

/// A valid access token, on its way: what [`TokenCache::get`](super::TokenCache::get) and
/// [`Authenticated::access_token`](crate::Authenticated::access_token) return.
///
/// Ready at once, with no allocation, while the cached token is fresh or in
/// its early-renewal window; otherwise it waits for the renewal's outcome.
/// Only a [`TokenCache`](super::TokenCache) makes one, so the cache stays the source of truth.
#[must_use = "a token future does nothing until awaited"]
pub struct TokenFuture<'a> {
    pub(super) state: TokenFutureState<'a>,
}

pub(super) enum TokenFutureState<'a> {
    Ready(Option<Result<AccessToken, Error>>),
    Waiting(Pin<Box<dyn Future<Output = Result<AccessToken, Error>> + Send + 'a>>),
}

impl Future for TokenFuture<'_> {
    type Output = Result<AccessToken, Error>;

    fn poll(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Self::Output> {
        match &mut self.state {
            TokenFutureState::Ready(outcome) => Poll::Ready(
                outcome
                    .take()
                    .expect("a TokenFuture is not polled after it completed"),
            ),
            TokenFutureState::Waiting(future) => future.as_mut().poll(cx),
        }
    }
}

impl fmt::Debug for TokenFuture<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let ready = matches!(self.state, TokenFutureState::Ready(_));
        f.debug_struct("TokenFuture").field("ready", &ready).finish()
    }
}

pub(super) fn ready(outcome: Result<AccessToken, Error>) -> TokenFuture<'static> {
    TokenFuture {
        state: TokenFutureState::Ready(Some(outcome)),
    }
}
