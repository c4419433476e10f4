//! The portal: what a bidder opens from the Payurl (or the ELY SMS), and
//! what operators use.
//!
//! - Public listener (`portal.listen`): the page `/pay/{token}` with its
//!   plain HTML forms, the JSON API `/api/applications/{token}/…`, and
//!   `/healthz`, `/readyz`, `/metrics`.
//! - Ops listener (`ops.listen`, never exposed with the portal; bearer
//!   token): `/ops/applications`, `/ops/referrals`, `/ops/payments`.
//! - Background: the SMS sender (notifications table → SMS gateway) and
//!   the outbox sweeper.
//!
//! # Layout
//! - [`actions`]: what can be done, once, for the page and the APIs.
//! - [`api`]: the JSON API; [`page`]: the HTML; [`ops`]: the ops API.
//! - [`http`]: body limits, JSON replies, probes.

pub mod actions;
pub mod api;
pub mod files;
pub mod http;
pub mod ops;
pub mod page;

use baohan_bus::{Publisher, Topology, connect};
use baohan_config::Settings;
use baohan_gateways::payment::{PaymentGateway, Sandbox};
use baohan_gateways::sms::{FileSink, LogSink, SmsGateway};
use baohan_masking::Secret;
use baohan_store::Store;
use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Duration;
use tokio::net::TcpListener;
use tokio_util::sync::CancellationToken;

pub use baohan_service::StartError;

/// What every request handler shares.
pub struct State {
    pub store: Store,
    pub gateway: Arc<dyn PaymentGateway>,
    pub sms: Arc<dyn SmsGateway>,
    pub institution: String,
    /// Each platform's adapter: renders what a payment or a decision owes.
    pub adapters: baohan_protocol::adapter::Adapters,
    pub portal_base_url: String,
    pub max_upload: u64,
    /// Who may use the ops API, each with a token and roles.
    pub operators: Vec<baohan_config::Operator>,
    /// How long a failed ops authentication waits before its answer.
    pub ops_auth_delay: Duration,
    pub publisher: Publisher,
    /// Checks getbaohaninfo's signed download URLs.
    pub download_key: Secret,
}

pub struct Application {
    public: TcpListener,
    ops: TcpListener,
    state: Arc<State>,
    http: baohan_http::Limits,
}

/// How often the SMS sender and the outbox sweeper look for work.
const SEND_EVERY: Duration = Duration::from_secs(1);
const RELAY_EVERY: Duration = Duration::from_secs(5);

impl Application {
    pub async fn build(settings: Settings) -> Result<Application, StartError> {
        let uri = connect::uri(&settings.broker)?;
        let topology = Topology::new(&settings.broker);
        let publisher = Publisher::new(uri, "baohan-portal", topology);
        let store = Store::connect(&settings.database)?.publishing_to(publisher.clone());
        baohan_store::migrate::migrate(&store).await?;
        let sms: Arc<dyn SmsGateway> = match settings.portal.sms.as_str() {
            "log" => Arc::new(LogSink),
            other => match other.strip_prefix("file:") {
                Some(path) if !path.is_empty() => Arc::new(FileSink::new(path.into())),
                _ => {
                    return Err(StartError::Setting {
                        key: "portal.sms",
                        reason: format!("{other:?} is neither \"log\" nor \"file:PATH\""),
                    });
                }
            },
        };
        let bind = |addr: SocketAddr| async move {
            TcpListener::bind(addr)
                .await
                .map_err(|source| StartError::Listen { addr, source })
        };
        Ok(Application {
            http: settings.http,
            public: bind(settings.portal.listen).await?,
            ops: bind(settings.ops.listen).await?,
            state: Arc::new(State {
                store,
                gateway: Arc::new(Sandbox::default()),
                sms,
                adapters: settings.adapters(),
                institution: settings.institution.name,
                portal_base_url: settings.ingress.portal_base_url,
                max_upload: settings.portal.max_upload_bytes,
                operators: settings.ops.operators,
                ops_auth_delay: ops::AUTH_DELAY,
                publisher,
                download_key: settings.portal.download_key,
            }),
        })
    }

    pub fn local_addr(&self) -> SocketAddr {
        self.public
            .local_addr()
            .unwrap_or_else(|_| SocketAddr::from(([127, 0, 0, 1], 0)))
    }

    pub fn ops_addr(&self) -> SocketAddr {
        self.ops
            .local_addr()
            .unwrap_or_else(|_| SocketAddr::from(([127, 0, 0, 1], 0)))
    }
}

impl baohan_service::Service for Application {
    async fn run_until_stopped(self, shutdown: CancellationToken) {
        let state = self.state;
        let public = baohan_http::serve(
            self.public,
            page::routes(state.clone())
                .or(api::routes(state.clone()))
                .unify()
                .or(files::routes(state.clone()))
                .unify()
                .or(http::probes(state.clone()))
                .unify()
                .recover(http::unmatched)
                .unify(),
            self.http,
            shutdown.clone(),
        );
        let ops = baohan_http::serve(
            self.ops,
            ops::routes(state.clone()).recover(http::unmatched).unify(),
            self.http,
            shutdown.clone(),
        );
        tracing::info!("portal serving");
        tokio::join!(
            public,
            ops,
            send_sms(state.clone(), shutdown.clone()),
            baohan_store::outbox::run_relay(state.store.clone(), shutdown, RELAY_EVERY),
        );
        state.publisher.close().await;
        tracing::info!("portal stopped");
    }
}

use warp::Filter;

/// Sends what the notifications table holds, until shutdown.
async fn send_sms(state: Arc<State>, shutdown: CancellationToken) {
    loop {
        let sms = state.sms.clone();
        let sent = state
            .store
            .send_notifications(20, |to, text| {
                let sms = sms.clone();
                async move { sms.send(&to, &text).await.map_err(|e| e.to_string()) }
            })
            .await;
        match sent {
            Ok(n) if n > 0 => tracing::info!(sent = n, "sms sent"),
            Ok(_) => {}
            Err(e) => tracing::warn!(error = %e, "sms sender"),
        }
        tokio::select! {
            () = shutdown.cancelled() => return,
            () = tokio::time::sleep(SEND_EVERY) => {}
        }
    }
}
