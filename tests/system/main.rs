//! System tests: real RabbitMQ and PostgreSQL (started by
//! `deploy/local/servers.sh up`), services in-process on port 0, and each
//! test in its own database and broker namespace.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod adapter;
mod browser;
mod consumer;
mod crash;
mod harness;
mod ingress;
mod issuance;
mod lifecycle;
mod notifier;
mod portal;
mod replay;
mod restart;
mod security;
mod store;
mod underwriting;
