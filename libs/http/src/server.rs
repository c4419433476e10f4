//! The one way baohan serves HTTP: every listener (ingress, portal, ops,
//! each service's probes) runs [`serve`], so no client can hold one.
//!
//! warp's own server runs hyper without a timer, so hyper's header
//! timeout is off and a client that never finishes its headers keeps its
//! connection forever. Here hyper gets a timer and each connection is
//! bounded four ways:
//! - its header block must arrive within `header_timeout` (hyper runs the
//!   same timer while a keep-alive connection waits for its next request,
//!   so an idle connection is closed after it too);
//! - a request body must arrive within `body_timeout` of its headers;
//! - a connection on which no byte moves either way for `idle_timeout`
//!   (a client that stops reading our answer, say) is closed;
//! - at most `max_connections` are open; a connection beyond that is
//!   closed as soon as it is accepted, before a byte is read.
//!
//! Each request carries the socket's peer as a [`Peer`] extension.

use crate::body::Deadline;
use std::convert::Infallible;
use std::net::SocketAddr;
use std::pin::Pin;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::task::{Context, Poll};
use std::time::Duration;
use tokio::io::{AsyncRead, AsyncWrite, ReadBuf};
use tokio::net::{TcpListener, TcpStream};
use tokio::sync::Semaphore;
use tokio::time::Instant;
use tokio_util::sync::CancellationToken;
use tokio_util::task::TaskTracker;
use warp::Filter;

/// The bounds every listener applies (`[http]` in the settings).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Limits {
    pub header_timeout: Duration,
    pub body_timeout: Duration,
    pub idle_timeout: Duration,
    /// The largest header block read; hyper's buffer, at least 8 KiB.
    pub max_header_bytes: usize,
    pub max_connections: usize,
}

impl Default for Limits {
    fn default() -> Self {
        Limits {
            header_timeout: Duration::from_secs(10),
            body_timeout: Duration::from_secs(30),
            idle_timeout: Duration::from_secs(60),
            max_header_bytes: 16 * 1024,
            max_connections: 1024,
        }
    }
}

/// The address of the socket a request came in on; behind a proxy, the
/// proxy's (see [`crate::client`] for the caller's).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Peer(pub SocketAddr);

/// The request's [`Peer`], for filters.
pub fn peer() -> impl Filter<Extract = (Option<SocketAddr>,), Error = Infallible> + Clone {
    warp::ext::optional::<Peer>().map(|p: Option<Peer>| p.map(|Peer(addr)| addr))
}

/// Serves `filter` on `listener` until `shutdown`, then lets the requests
/// in flight finish (idle connections close at once) and returns.
///
/// The filter answers everything (its rejections recovered), as every
/// baohan route tree does: a bare warp rejection is never what a caller
/// should see.
pub async fn serve<F>(listener: TcpListener, filter: F, limits: Limits, shutdown: CancellationToken)
where
    F: Filter<Extract = (warp::reply::Response,), Error = Infallible>
        + Clone
        + Send
        + Sync
        + 'static,
{
    let slots = Arc::new(Semaphore::new(limits.max_connections.max(1)));
    let connections = TaskTracker::new();
    loop {
        let accepted = tokio::select! {
            () = shutdown.cancelled() => break,
            accepted = listener.accept() => accepted,
        };
        let (stream, peer) = match accepted {
            Ok(pair) => pair,
            Err(e) => {
                // Out of file descriptors, mostly: wait rather than spin.
                tracing::warn!(error = %e, "accept failed");
                tokio::time::sleep(Duration::from_millis(50)).await;
                continue;
            }
        };
        let Ok(slot) = slots.clone().try_acquire_owned() else {
            // Dropping the stream closes it: the flood costs an accept.
            tracing::debug!(%peer, "connection limit reached, closed");
            continue;
        };
        let filter = filter.clone();
        let shutdown = shutdown.clone();
        connections.spawn(async move {
            connection(stream, peer, filter, limits, shutdown).await;
            drop(slot);
        });
    }
    drop(listener);
    connections.close();
    connections.wait().await;
}

async fn connection<F>(
    stream: TcpStream,
    peer: SocketAddr,
    filter: F,
    limits: Limits,
    shutdown: CancellationToken,
) where
    F: Filter<Extract = (warp::reply::Response,), Error = Infallible>
        + Clone
        + Send
        + Sync
        + 'static,
{
    let service = warp::service(filter);
    let started = Instant::now();
    let last = Arc::new(AtomicU64::new(0));
    let io = hyper_util::rt::TokioIo::new(Watched {
        inner: stream,
        started,
        last: last.clone(),
    });
    let body_timeout = limits.body_timeout;
    let handler =
        hyper::service::service_fn(move |request: hyper::Request<hyper::body::Incoming>| {
            let mut service = service.clone();
            let mut request = request.map(|body| Deadline::new(body, body_timeout));
            request.extensions_mut().insert(Peer(peer));
            tower_service::Service::call(&mut service, request)
        });
    let mut builder = hyper::server::conn::http1::Builder::new();
    builder
        .timer(hyper_util::rt::TokioTimer::new())
        .header_read_timeout(limits.header_timeout)
        .max_buf_size(limits.max_header_bytes.max(8192));
    let conn = builder.serve_connection(io, handler);
    let mut conn = std::pin::pin!(conn);
    let mut closing = false;
    loop {
        let idle_since = started + Duration::from_millis(last.load(Ordering::Relaxed));
        tokio::select! {
            result = conn.as_mut() => {
                if let Err(e) = result {
                    // Timeouts, resets, garbage: the client's doing.
                    tracing::debug!(%peer, error = %e, "connection ended");
                }
                return;
            }
            () = shutdown.cancelled(), if !closing => {
                closing = true;
                conn.as_mut().graceful_shutdown();
            }
            () = tokio::time::sleep_until(idle_since + limits.idle_timeout) => {
                let moved = started + Duration::from_millis(last.load(Ordering::Relaxed));
                if moved + limits.idle_timeout <= Instant::now() {
                    tracing::debug!(%peer, "connection idle, closed");
                    return;
                }
            }
        }
    }
}

/// A stream that notes when a byte last moved either way.
struct Watched {
    inner: TcpStream,
    started: Instant,
    last: Arc<AtomicU64>,
}

impl Watched {
    fn moved(&self) {
        let ms = u64::try_from(self.started.elapsed().as_millis()).unwrap_or(u64::MAX);
        self.last.store(ms, Ordering::Relaxed);
    }
}

impl AsyncRead for Watched {
    fn poll_read(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &mut ReadBuf<'_>,
    ) -> Poll<std::io::Result<()>> {
        let before = buf.filled().len();
        let polled = Pin::new(&mut self.inner).poll_read(cx, buf);
        if matches!(polled, Poll::Ready(Ok(()))) && buf.filled().len() > before {
            self.moved();
        }
        polled
    }
}

impl AsyncWrite for Watched {
    fn poll_write(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &[u8],
    ) -> Poll<std::io::Result<usize>> {
        let polled = Pin::new(&mut self.inner).poll_write(cx, buf);
        if matches!(polled, Poll::Ready(Ok(n)) if n > 0) {
            self.moved();
        }
        polled
    }

    fn poll_write_vectored(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        bufs: &[std::io::IoSlice<'_>],
    ) -> Poll<std::io::Result<usize>> {
        let polled = Pin::new(&mut self.inner).poll_write_vectored(cx, bufs);
        if matches!(polled, Poll::Ready(Ok(n)) if n > 0) {
            self.moved();
        }
        polled
    }

    fn is_write_vectored(&self) -> bool {
        self.inner.is_write_vectored()
    }

    fn poll_flush(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<std::io::Result<()>> {
        Pin::new(&mut self.inner).poll_flush(cx)
    }

    fn poll_shutdown(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<std::io::Result<()>> {
        Pin::new(&mut self.inner).poll_shutdown(cx)
    }
}
