//! The admin listener's routes, served on their own address (`--admin-listen`), never on the
//! public one: `GET /healthz` (alive), `GET /readyz` (able to take deliveries),
//! `GET /metrics` (Prometheus text format).

use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Duration;

use axum::extract::State;
use axum::http::{header, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use axum::Router;
use tokio::task::JoinHandle;

use super::metrics::Metrics;
use crate::inbox::Inbox;

/// The content type of the Prometheus text format.
pub const METRICS_CONTENT_TYPE: &str = "text/plain; version=0.0.4; charset=utf-8";

/// Whether the receiver can take deliveries now (the inbox accepts writes).
pub type Ready = Arc<dyn Fn() -> bool + Send + Sync>;

#[derive(Clone)]
struct Admin {
    metrics: Metrics,
    ready: Ready,
}

/// The admin routes: `/healthz` answers 200 while the process serves; `/readyz` 200 while
/// `ready` says so, else 503; `/metrics` the metrics of `metrics`, its gauges refreshed first.
/// Other paths get 404, other methods 405.
pub fn router(metrics: Metrics, ready: Ready) -> Router {
    Router::new()
        .route("/healthz", get(healthz))
        .route("/readyz", get(readyz))
        .route("/metrics", get(render))
        .with_state(Admin { metrics, ready })
}

async fn healthz() -> &'static str {
    "ok\n"
}

async fn readyz(State(admin): State<Admin>) -> Response {
    if (admin.ready)() {
        (StatusCode::OK, "ready\n").into_response()
    } else {
        (StatusCode::SERVICE_UNAVAILABLE, "not ready\n").into_response()
    }
}

async fn render(State(admin): State<Admin>) -> Response {
    let text = admin.metrics.render().await;
    ([(header::CONTENT_TYPE, METRICS_CONTENT_TYPE)], text).into_response()
}

/// The admin listener could not start.
#[derive(Debug, thiserror::Error)]
pub enum AdminError {
    /// The metrics recorder could not be installed.
    #[error(transparent)]
    Metrics(#[from] super::metrics::MetricsError),
    /// The address could not be bound.
    #[error("cannot listen on {addr} (--admin-listen): {source}")]
    Bind {
        /// The address asked for.
        addr: SocketAddr,
        /// Why not.
        source: std::io::Error,
    },
}

/// A running admin listener; dropping it stops it.
#[derive(Debug)]
pub struct AdminListener {
    local: SocketAddr,
    served: JoinHandle<()>,
    upkeep: JoinHandle<()>,
}

impl AdminListener {
    /// The address it listens on.
    pub fn local_addr(&self) -> SocketAddr {
        self.local
    }
}

impl Drop for AdminListener {
    fn drop(&mut self) {
        self.served.abort();
        self.upkeep.abort();
    }
}

/// How often the inbox's gauges are refreshed between scrapes.
pub const UPKEEP_EVERY: Duration = Duration::from_secs(5);

/// Installs the metrics recorder, refreshes `inbox`'s gauges every [`UPKEEP_EVERY`] and
/// before each scrape, and serves [`router`] on `addr`, `ready` answering `/readyz`.
pub async fn start<I: Inbox>(
    addr: SocketAddr,
    inbox: Arc<I>,
    ready: Ready,
) -> Result<AdminListener, AdminError> {
    let metrics = super::metrics::install()?.with_refresh(super::metrics::inbox_refresh(inbox));
    let bind = |source| AdminError::Bind { addr, source };
    let listener = tokio::net::TcpListener::bind(addr).await.map_err(bind)?;
    let local = listener.local_addr().map_err(bind)?;
    let upkeep = metrics.spawn_upkeep(UPKEEP_EVERY);
    let app = router(metrics, ready);
    let served = tokio::spawn(async move {
        if let Err(e) = axum::serve(listener, app).await {
            tracing::error!(error = %e, "the admin listener stopped");
        }
    });
    Ok(AdminListener {
        local,
        served,
        upkeep,
    })
}

#[cfg(test)]
mod tests {
    use std::sync::atomic::{AtomicBool, Ordering};

    use axum::body::Body;
    use axum::http::Request;
    use tower::ServiceExt;

    use super::*;

    async fn status(app: &Router, path: &str) -> StatusCode {
        let request = Request::get(path).body(Body::empty()).expect("a request");
        app.clone()
            .oneshot(request)
            .await
            .expect("an answer")
            .status()
    }

    #[tokio::test]
    async fn readyz_follows_the_readiness_while_healthz_stays_200() {
        // Installing twice gives the same recorder, not an error.
        super::super::metrics::install().expect("installed");
        let metrics = super::super::metrics::install().expect("installed again");
        let ready = Arc::new(AtomicBool::new(true));
        let flag = Arc::clone(&ready);
        let app = router(metrics, Arc::new(move || flag.load(Ordering::SeqCst)));
        assert_eq!(status(&app, "/readyz").await, StatusCode::OK);
        ready.store(false, Ordering::SeqCst);
        assert_eq!(
            status(&app, "/readyz").await,
            StatusCode::SERVICE_UNAVAILABLE
        );
        assert_eq!(status(&app, "/healthz").await, StatusCode::OK);
        assert_eq!(status(&app, "/metrics").await, StatusCode::OK);
        assert_eq!(status(&app, "/").await, StatusCode::NOT_FOUND);
    }
}
