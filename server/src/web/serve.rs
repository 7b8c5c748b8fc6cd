//! Serving the router on a TCP listener: what `axum::serve` does, plus the bounds it does not
//! expose. Each connection is HTTP/1.1 (the only protocol the server is built with) with a header
//! read timeout: a client that has not sent a whole request head within it, a slowloris dribbling
//! bytes or an idle keep-alive connection, is disconnected, so slow clients hold a connection for
//! a bounded time and never a worker. Request heads are bounded to `limits::MAX_HEAD_BYTES`.
//! Every request carries its peer as `ConnectInfo<SocketAddr>` (see `web::client`).
//!
//! On the shutdown signal the listener closes, every connection finishes its in-flight request
//! and closes, and `serve` returns once all have, or after `SHUTDOWN_GRACE`.

use std::{future::Future, io, net::SocketAddr, pin::pin, time::Duration};

use axum::{Router, extract::ConnectInfo, http::Request};
use hyper::body::Incoming;
use hyper_util::{
    rt::{TokioIo, TokioTimer},
    service::TowerToHyperService,
};
use tokio::{net::TcpListener, sync::watch};
use tower::ServiceExt;

use crate::{SHUTDOWN_GRACE, web::limits::MAX_HEAD_BYTES};

/// Serves `router` on `listener` until `shutdown` completes.
pub async fn serve(
    listener: TcpListener,
    router: Router,
    header_read_timeout: Duration,
    shutdown: impl Future<Output = ()> + Send,
) -> io::Result<()> {
    // Connections hold a receiver: `closed()` is when the last one has gone.
    let (stop, stopping) = watch::channel(());
    let mut shutdown = pin!(shutdown);
    loop {
        let (stream, peer) = tokio::select! {
            accepted = listener.accept() => match accepted {
                Ok(accepted) => accepted,
                Err(err) => {
                    // Out of file descriptors, or a connection reset before it was accepted:
                    // keep serving the others.
                    tracing::warn!(%err, "accept failed");
                    tokio::time::sleep(Duration::from_millis(50)).await;
                    continue;
                }
            },
            () = &mut shutdown => break,
        };
        let _ = stream.set_nodelay(true);
        let service = router.clone().map_request(move |mut request: Request<Incoming>| {
            request.extensions_mut().insert(ConnectInfo::<SocketAddr>(peer));
            request
        });
        let mut stopping = stopping.clone();
        tokio::spawn(async move {
            let mut builder = hyper::server::conn::http1::Builder::new();
            builder.timer(TokioTimer::new()).header_read_timeout(header_read_timeout).max_header_size(MAX_HEAD_BYTES);
            let connection = builder.serve_connection(TokioIo::new(stream), TowerToHyperService::new(service));
            let mut connection = pin!(connection);
            tokio::select! {
                result = connection.as_mut() => {
                    if let Err(err) = result {
                        tracing::debug!(%err, %peer, "connection ended with an error");
                    }
                }
                _ = stopping.changed() => {
                    connection.as_mut().graceful_shutdown();
                    let _ = connection.await;
                }
            }
            drop(stopping);
        });
    }
    drop(listener);
    drop(stopping);
    let _ = stop.send(());
    if tokio::time::timeout(SHUTDOWN_GRACE, stop.closed()).await.is_err() {
        tracing::warn!("connections still open after the shutdown grace period; stopping anyway");
    }
    Ok(())
}
