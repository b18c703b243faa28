//! The sandbox's own HTTP server: hyper under axum, so that a fault can
//! close a connection without answering, with TLS when asked for.

use std::sync::Arc;

use axum::Router;
use tokio::sync::oneshot;

use crate::counters::Count;
use crate::faults;
use crate::middleware;
use crate::state::Shared;

/// What both hosts of the sandbox put in front of their routes: the rules
/// tests mount and the conditions they set, and outermost the counters and
/// journal, so that every request is counted whatever rule it meets.
pub(crate) fn ruled_and_counted(routes: Router<Arc<Shared>>, shared: &Arc<Shared>) -> Router {
    routes
        .layer(axum::middleware::from_fn_with_state(
            Arc::clone(shared),
            middleware::rules,
        ))
        .layer(axum::middleware::from_fn_with_state(
            Arc::clone(shared),
            middleware::count,
        ))
        .with_state(Arc::clone(shared))
}

/// Accepts connections until `stopped`; each connection can be closed from a
/// handler (through [`faults::ConnectionKill`]) to simulate a dropped connection.
pub(crate) async fn serve(
    listener: tokio::net::TcpListener,
    app: Router,
    shared: Arc<Shared>,
    tls: Option<tokio_rustls::TlsAcceptor>,
    mut stopped: oneshot::Receiver<()>,
) {
    loop {
        let stream = tokio::select! {
            accepted = listener.accept() => match accepted {
                Ok((stream, _)) => stream,
                Err(_) => continue,
            },
            _ = &mut stopped => return,
        };
        shared.counters.bump(Count::Connection);
        let kill = Arc::new(tokio::sync::Notify::new());
        let connection_kill = faults::ConnectionKill(Arc::clone(&kill));
        let app = app.clone();
        let service =
            hyper::service::service_fn(move |mut request: axum::http::Request<hyper::body::Incoming>| {
                request.extensions_mut().insert(connection_kill.clone());
                tower::ServiceExt::oneshot(app.clone(), request)
            });
        let tls = tls.clone();
        tokio::spawn(async move {
            let http = hyper::server::conn::http1::Builder::new();
            let connection = async {
                match tls {
                    Some(acceptor) => {
                        // A failed handshake (a client that does not trust us) ends the connection.
                        if let Ok(stream) = acceptor.accept(stream).await {
                            let _ = http
                                .serve_connection(hyper_util::rt::TokioIo::new(stream), service)
                                .await;
                        }
                    }
                    None => {
                        let _ = http
                            .serve_connection(hyper_util::rt::TokioIo::new(stream), service)
                            .await;
                    }
                }
            };
            tokio::select! {
                _ = connection => {}
                _ = kill.notified() => {} // dropping the connection closes the socket unanswered
            }
        });
    }
}
