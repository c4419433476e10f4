#!/usr/bin/env bash
# Runs every test baohan has: formatting, lints, the Rust test suites
# (the system tests against a real RabbitMQ and PostgreSQL), and the check
# that independent SM2/SM3/SM4 peers accept what we produce.
# This is the README's test command, and what .ci/run calls.
set -euo pipefail
cd "$(dirname "$0")/.."

# The interop fixtures live in ../shared beside the checkout.
export BAOHAN_SHARED_DIR=${BAOHAN_SHARED_DIR:-$(cd .. && pwd)/shared}
if [ ! -f "$BAOHAN_SHARED_DIR/interop/sm2_encrypt.json" ]; then
  echo "missing $BAOHAN_SHARED_DIR/interop: set BAOHAN_SHARED_DIR to the shared/ folder" >&2
  exit 2
fi

step() { printf '\n== %s\n' "$*"; }

step "cargo fmt --check"
cargo fmt --all -- --check

step "cargo clippy (warnings are errors)"
cargo clippy --workspace --all-targets --locked -- -D warnings

step "RabbitMQ and PostgreSQL (deploy/local/servers.sh up)"
# The system tests run against the real servers; this installs them with
# apt on a fresh machine and reuses them when they are already running.
deploy/local/servers.sh up

step "cargo test"
cargo test --workspace --locked

step "peers (sm-crypto, BouncyCastle, OpenSSL) accept baohanctl's output"
# `cargo test` builds only test harnesses for a package without integration
# tests, so build the CLI binary itself before handing it to the peers.
cargo build --locked -p baohanctl
tests/interop/peers_accept_ours.sh "${CARGO_TARGET_DIR:-target}/debug/baohanctl"
