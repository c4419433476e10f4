//! A small HTTP/1.1 client on one keep-alive connection, over hyper (which
//! warp already brings): enough for tests and a load generator.

use bytes::Bytes;
use http_body_util::{BodyExt, Full};
use hyper::client::conn::http1::{self, SendRequest};
use hyper_util::rt::TokioIo;
use std::net::SocketAddr;

pub type Error = Box<dyn std::error::Error + Send + Sync>;

pub struct Connection {
    addr: SocketAddr,
    sender: SendRequest<Full<Bytes>>,
}

/// A response's status, headers and body.
#[derive(Debug)]
pub struct Response {
    pub status: u16,
    pub headers: hyper::HeaderMap,
    pub body: Bytes,
}

impl Response {
    pub fn json(&self) -> serde_json::Value {
        serde_json::from_slice(&self.body).unwrap_or(serde_json::Value::Null)
    }
}

impl Connection {
    pub async fn open(addr: SocketAddr) -> Result<Connection, Error> {
        let stream = tokio::net::TcpStream::connect(addr).await?;
        stream.set_nodelay(true)?;
        let (sender, conn) = http1::handshake(TokioIo::new(stream)).await?;
        tokio::spawn(async move {
            let _ = conn.await;
        });
        Ok(Connection { addr, sender })
    }

    /// POSTs `body` as JSON.
    pub async fn post(&mut self, path: &str, body: Vec<u8>) -> Result<Response, Error> {
        self.send("POST", path, Some("application/json"), body)
            .await
    }

    pub async fn get(&mut self, path: &str) -> Result<Response, Error> {
        self.send("GET", path, None, Vec::new()).await
    }

    pub async fn send(
        &mut self,
        method: &str,
        path: &str,
        content_type: Option<&str>,
        body: Vec<u8>,
    ) -> Result<Response, Error> {
        let headers: &[(&str, &str)] = match content_type {
            Some(ct) => &[("content-type", ct)],
            None => &[],
        };
        self.send_with(method, path, headers, body).await
    }

    /// Any request, with these headers.
    pub async fn send_with(
        &mut self,
        method: &str,
        path: &str,
        headers: &[(&str, &str)],
        body: Vec<u8>,
    ) -> Result<Response, Error> {
        self.sender.ready().await?;
        let mut request = hyper::Request::builder()
            .method(method)
            .uri(path)
            .header("host", self.addr.to_string());
        for (name, value) in headers {
            request = request.header(*name, *value);
        }
        let response = self
            .sender
            .send_request(request.body(Full::new(Bytes::from(body)))?)
            .await?;
        let status = response.status().as_u16();
        let headers = response.headers().clone();
        let body = response.into_body().collect().await?.to_bytes();
        Ok(Response {
            status,
            headers,
            body,
        })
    }
}
