//! The HTTP/1 server under the router: accepts connections, gives each a
//! deadline for its request headers and (through [`read_body_in_time`]) its
//! body, and on shutdown stops accepting and lets open requests finish.
//! `axum::serve` has no read timeouts: a client sending a byte a second
//! would hold its connection for as long as it liked.

use axum::Router;
use axum::body::Body;
use axum::extract::Request;
use axum::http::{StatusCode, header};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use http_body_util::{BodyExt, LengthLimitError, Limited};
use hyper_util::rt::{TokioIo, TokioTimer};
use hyper_util::service::TowerToHyperService;
use std::future::Future;
use std::time::Duration;
use tokio::net::TcpListener;
use tokio_util::sync::CancellationToken;
use tokio_util::task::TaskTracker;

/// How long a client has to send a request's headers, and then as long
/// again for its body. Slack sends a whole request at once; this only ends
/// connections that trickle. A constant, not a setting: ten seconds is far
/// above any honest client and far below what would tie up the server.
pub const READ_TIMEOUT: Duration = Duration::from_secs(10);

/// Serves `app` on `listener` until `stop` completes, then waits for the
/// requests in progress.
pub async fn serve(mut listener: TcpListener, app: Router, stop: impl Future<Output = ()>) {
    let connections = TaskTracker::new();
    let closing = CancellationToken::new();
    let mut stop = std::pin::pin!(stop);
    loop {
        // axum's accept: it rides out a failed accept (a reset connection,
        // no file descriptor left) and tries again.
        let stream = tokio::select! {
            (stream, _) = axum::serve::Listener::accept(&mut listener) => stream,
            () = &mut stop => break,
        };
        let service = TowerToHyperService::new(app.clone());
        let closing = closing.clone();
        connections.spawn(async move {
            let mut builder = hyper::server::conn::http1::Builder::new();
            builder
                .timer(TokioTimer::new())
                .header_read_timeout(READ_TIMEOUT);
            let connection = builder.serve_connection(TokioIo::new(stream), service);
            let mut connection = std::pin::pin!(connection);
            let result = tokio::select! {
                result = connection.as_mut() => result,
                () = closing.cancelled() => {
                    connection.as_mut().graceful_shutdown();
                    connection.await
                }
            };
            if let Err(err) = result {
                tracing::debug!(error = %err, "connection ended with an error");
            }
        });
    }
    drop(listener);
    closing.cancel();
    connections.close();
    connections.wait().await;
}

/// Middleware: reads the whole request body within [`READ_TIMEOUT`] and at
/// most `limit` bytes, then hands it on. Too slow: 408 and the connection is
/// closed; too long: 413, as axum's own limit answers.
pub async fn read_body_in_time(limit: usize, request: Request, next: Next) -> Response {
    let (parts, body) = request.into_parts();
    let read = tokio::time::timeout(READ_TIMEOUT, Limited::new(body, limit).collect()).await;
    match read {
        Ok(Ok(collected)) => {
            next.run(Request::from_parts(parts, Body::from(collected.to_bytes())))
                .await
        }
        Ok(Err(err)) if err.is::<LengthLimitError>() => {
            (StatusCode::PAYLOAD_TOO_LARGE, "request body too large").into_response()
        }
        Ok(Err(_)) => (StatusCode::BAD_REQUEST, "could not read the request body").into_response(),
        Err(_) => {
            tracing::warn!(
                timeout_s = READ_TIMEOUT.as_secs(),
                "closed a connection whose request body did not arrive in time"
            );
            (
                StatusCode::REQUEST_TIMEOUT,
                [(header::CONNECTION, "close")],
                "request body not received in time",
            )
                .into_response()
        }
    }
}
