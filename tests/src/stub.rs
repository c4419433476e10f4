//! The platforms' side of the callbacks: a real HTTP server on loopback
//! that checks what it receives as each platform would. Fujian: the
//! appkey, the SM3 sign, the clock, then the 密文 fields decrypted with the
//! shared SM4 key. ELY: the SM3 sign, the SM2 data decrypted with the
//! platform's private key, the msgcode and reqtime. What passes is kept,
//! in arrival order; what fails is answered as the platform would and
//! kept apart. It can be told to fail for a while.

use crate::platform::{ElyPlatform, FujianPlatform};
use baohan_protocol::ely::{self, ResponseCode};
use baohan_protocol::fujian::{self, Interface};
use baohan_protocol::wire::{Map, Value, WireMessage};
use std::net::SocketAddr;
use std::sync::{Arc, Mutex};
use std::time::Duration;
use warp::Filter;

/// One callback the stub accepted.
#[derive(Debug, Clone, PartialEq)]
pub struct Received {
    /// `baohannotice`, `ELY102`, …
    pub interface: String,
    /// The business fields, decrypted (Fujian: without appkey, timestamp
    /// and sign).
    pub fields: Map,
    /// When it arrived (before the stub answered).
    pub at: std::time::Instant,
}

/// How the stub answers for now.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Mode {
    Accept,
    /// HTTP 500.
    ServerError,
    /// A well-formed failure code (Fujian 0, ELY 302).
    FailureCode,
    /// Answers a failure after this long (longer than the caller's
    /// timeout).
    Slow(Duration),
    /// Accepts, answering after this long: a platform's own latency.
    Latency(Duration),
    /// `307 Temporary Redirect` to this stub's `/elsewhere`, which counts
    /// whatever reaches it.
    Redirect,
}

#[derive(Default)]
struct Book {
    received: Vec<Received>,
    refused: Vec<String>,
    /// Every request, whatever the answer.
    hits: u64,
    /// Requests that followed a redirect to `/elsewhere`.
    redirected: u64,
}

#[derive(Clone)]
pub struct PlatformStub {
    pub addr: SocketAddr,
    book: Arc<Mutex<Book>>,
    mode: Arc<Mutex<Mode>>,
    serve: Arc<Serve>,
    server: Arc<tokio::sync::Mutex<Option<Running>>>,
}

impl PlatformStub {
    /// Starts on 127.0.0.1, on `port` (0 for any), until the runtime ends.
    pub async fn start(fujian: FujianPlatform, ely: ElyPlatform, port: u16) -> PlatformStub {
        let book = Arc::new(Mutex::new(Book::default()));
        let mode = Arc::new(Mutex::new(Mode::Accept));
        let listener = tokio::net::TcpListener::bind(SocketAddr::from(([127, 0, 0, 1], port)))
            .await
            .unwrap_or_else(|e| panic!("stub port {port}: {e}"));
        let addr = listener.local_addr().unwrap_or_else(|e| panic!("{e}"));
        let serve: Arc<Serve> = Arc::new(routes(book.clone(), mode.clone(), fujian, ely));
        let server = serve(listener);
        PlatformStub {
            addr,
            book,
            mode,
            serve,
            server: Arc::new(tokio::sync::Mutex::new(Some(server))),
        }
    }

    /// Stops listening: idle connections are closed and new ones refused,
    /// as when a platform's server is down.
    pub async fn go_down(&self) {
        if let Some((stop, task)) = self.server.lock().await.take() {
            let _ = stop.send(());
            let _ = task.await;
        }
    }

    /// Listens again, on the same port.
    pub async fn come_back(&self) {
        let mut server = self.server.lock().await;
        if server.is_none() {
            let listener = tokio::net::TcpListener::bind(self.addr)
                .await
                .unwrap_or_else(|e| panic!("stub port {}: {e}", self.addr));
            *server = Some((self.serve)(listener));
        }
    }

    pub fn set_mode(&self, mode: Mode) {
        *self.mode.lock().unwrap_or_else(|e| e.into_inner()) = mode;
    }

    pub fn received(&self) -> Vec<Received> {
        lock(&self.book).received.clone()
    }

    pub fn refused(&self) -> Vec<String> {
        lock(&self.book).refused.clone()
    }

    pub fn hits(&self) -> u64 {
        lock(&self.book).hits
    }

    /// Requests that reached `/elsewhere`, where [`Mode::Redirect`] points.
    pub fn redirected(&self) -> u64 {
        lock(&self.book).redirected
    }

    /// The callback URLs of this stub, as `BAOHAN_…` overrides of the
    /// demo platforms' settings.
    pub fn env(&self) -> Vec<(String, String)> {
        let base = format!("http://{}", self.addr);
        let mut vars: Vec<(String, String)> = ["baohannotice", "quitnotice", "claimsresultnotice"]
            .iter()
            .map(|i| {
                (
                    format!(
                        "BAOHAN_PLATFORMS__FUJIAN_DEMO__CALLBACKS__{}",
                        i.to_uppercase()
                    ),
                    format!("{base}/fujian/{i}"),
                )
            })
            .collect();
        vars.push((
            "BAOHAN_PLATFORMS__ELY_DEMO__CALLBACK_URL".into(),
            format!("{base}/ely"),
        ));
        vars
    }
}

/// A running server: what stops it, and its task.
type Running = (
    tokio::sync::oneshot::Sender<()>,
    tokio::task::JoinHandle<()>,
);

/// Serves on a listener until told to stop.
type Serve = dyn Fn(tokio::net::TcpListener) -> Running + Send + Sync;

/// The stub's routes, ready to serve on any listener.
fn routes(
    book: Arc<Mutex<Book>>,
    mode: Arc<Mutex<Mode>>,
    fujian: FujianPlatform,
    ely: ElyPlatform,
) -> impl Fn(tokio::net::TcpListener) -> Running + Send + Sync + 'static {
    let fujian = Arc::new(fujian);
    let ely = Arc::new(ely);
    let redirected = book.clone();
    let state = (book, mode);
    let with = warp::any().map(move || state.clone());
    let fujian_route = warp::path!("fujian" / String)
        .and(warp::post())
        .and(warp::body::bytes())
        .and(with.clone())
        .then(
            move |name: String,
                  body: bytes::Bytes,
                  (book, mode): (Arc<Mutex<Book>>, Arc<Mutex<Mode>>)| {
                let fujian = fujian.clone();
                async move {
                    if let Some(r) =
                        misbehave(&book, &mode, || json!({"code": 0, "message": "系统繁忙"})).await
                    {
                        return r;
                    }
                    let answer = match Interface::parse(&name) {
                        None => Err(format!("no interface {name}")),
                        Some(i) => {
                            fujian::receive(i, &body, &fujian.profile, baohan_protocol::time::now())
                                .map(|req| {
                                    let mut fields = req.to_map();
                                    for k in ["appkey", "timestamp", "sign"] {
                                        fields.remove(k);
                                    }
                                    Received {
                                        interface: i.name().into(),
                                        fields,
                                        at: std::time::Instant::now(),
                                    }
                                })
                                .map_err(|e| e.to_string())
                        }
                    };
                    let reply = match answer {
                        Ok(received) => {
                            lock(&book).received.push(received);
                            json!({"code": 1, "message": "成功"})
                        }
                        Err(why) => {
                            lock(&book).refused.push(why.clone());
                            json!({"code": 0, "message": why})
                        }
                    };
                    warp::reply::json(&reply).into_response()
                }
            },
        );
    let elsewhere = {
        let book = redirected;
        warp::path!("elsewhere").map(move || {
            lock(&book).redirected += 1;
            warp::reply::json(&json!({"code": 1, "message": "成功"})).into_response()
        })
    };
    let ely_route = warp::path!("ely")
        .and(warp::post())
        .and(warp::body::bytes())
        .and(with)
        .then(
            move |body: bytes::Bytes, (book, mode): (Arc<Mutex<Book>>, Arc<Mutex<Mode>>)| {
                let ely = ely.clone();
                async move {
                    let failure = || Value::Object(ely_reply(&ely, ResponseCode::ServerError));
                    if let Some(r) = misbehave(&book, &mode, failure).await {
                        return r;
                    }
                    let reply = match ely::codec::open_request(
                        &body,
                        &ely.profile,
                        baohan_protocol::time::now(),
                    ) {
                        Ok(opened) => {
                            lock(&book).received.push(Received {
                                interface: opened.transcode.code().into(),
                                fields: opened.business,
                                at: std::time::Instant::now(),
                            });
                            latency(&mode).await;
                            ely_reply(&ely, ResponseCode::Success)
                        }
                        Err(e) => {
                            lock(&book).refused.push(e.to_string());
                            e.response().to_map()
                        }
                    };
                    warp::reply::json(&Value::Object(reply)).into_response()
                }
            },
        );
    let routes = fujian_route.or(ely_route).unify().or(elsewhere).unify();
    move |listener| {
        let (stop, stopped) = tokio::sync::oneshot::channel::<()>();
        let routes = routes.clone();
        let task = tokio::spawn(async move {
            warp::serve(routes)
                .incoming(listener)
                .graceful(async move {
                    let _ = stopped.await;
                })
                .run()
                .await;
        });
        (stop, task)
    }
}

fn lock(book: &Mutex<Book>) -> std::sync::MutexGuard<'_, Book> {
    book.lock().unwrap_or_else(|e| e.into_inner())
}

fn ely_reply(ely: &ElyPlatform, code: ResponseCode) -> Map {
    ely::codec::seal_response(code, None, None, false, &ely.profile)
        .map(|r| r.to_map())
        .unwrap_or_default()
}

/// In [`Mode::Latency`], waits before answering a callback it accepted.
async fn latency(mode: &Mutex<Mode>) {
    let now = *mode.lock().unwrap_or_else(|e| e.into_inner());
    if let Mode::Latency(d) = now {
        tokio::time::sleep(d).await;
    }
}

/// Counts the hit, and answers for the current failure mode, if any.
async fn misbehave(
    book: &Mutex<Book>,
    mode: &Mutex<Mode>,
    failure: impl Fn() -> Value,
) -> Option<warp::reply::Response> {
    lock(book).hits += 1;
    let now = *mode.lock().unwrap_or_else(|e| e.into_inner());
    match now {
        Mode::Accept | Mode::Latency(_) => None,
        Mode::ServerError => Some(
            warp::reply::with_status("boom", warp::http::StatusCode::INTERNAL_SERVER_ERROR)
                .into_response(),
        ),
        Mode::FailureCode => Some(warp::reply::json(&failure()).into_response()),
        Mode::Slow(d) => {
            tokio::time::sleep(d).await;
            Some(warp::reply::json(&failure()).into_response())
        }
        Mode::Redirect => Some(
            warp::http::Response::builder()
                .status(warp::http::StatusCode::TEMPORARY_REDIRECT)
                .header("location", "/elsewhere")
                .body(warp::hyper::body::Bytes::new().into())
                .unwrap_or_default(),
        ),
    }
}

use serde_json::json;
use warp::Reply;
