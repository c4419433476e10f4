#!/usr/bin/env bash
# Runs every test baohan has: formatting, lints, unused dependencies, the
# Rust test suites
# (the system tests against a real RabbitMQ and PostgreSQL), the check
# that independent SM2/SM3/SM4 peers accept what we produce, an
# independent check of the signed guarantee letter, and a short run of
# every fuzz target.
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

step "no unused dependencies (cargo-machete)"
# Every crate a manifest lists is one its code uses; a crate kept for a
# reason no import shows says why in [package.metadata.cargo-machete].
if ! command -v cargo-machete >/dev/null || [ "$(cargo-machete --version 2>/dev/null)" != "0.9.2" ]; then
  cargo install --locked --quiet cargo-machete --version 0.9.2
fi
cargo machete

step "RabbitMQ and PostgreSQL (deploy/local/servers.sh up)"
# The system tests run against the real servers; this installs them with
# apt on a fresh machine and reuses them when they are already running.
deploy/local/servers.sh up

step "headless Chromium, CJK fonts, poppler (the portal's browser test, the letter)"
# Debian's chromium and a CJK font so the page renders as bidders see it;
# the letter's font (fonts-wqy-microhei); pdftotext and pdftoppm read the
# letters back.
if ! command -v chromium >/dev/null || ! command -v pdftotext >/dev/null \
  || ! fc-list 2>/dev/null | grep -qi "wenquanyi zen hei" \
  || [ ! -f /usr/share/fonts/truetype/wqy/wqy-microhei.ttc ]; then
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq || true
  apt-get install -y -qq --no-install-recommends chromium fonts-wqy-zenhei fonts-wqy-microhei poppler-utils >/dev/null
fi

step "cargo test"
cargo test --workspace --locked

step "peers (sm-crypto, BouncyCastle, OpenSSL) accept baohanctl's output"
# baohanctl's own integration tests (services/baohanctl/tests) made
# `cargo test` build the binary, with the features of the test build: a
# separate `cargo build -p baohanctl` would resolve other features and
# rebuild half the dependency tree.
tests/interop/peers_accept_ours.sh "${CARGO_TARGET_DIR:-target}/debug/baohanctl"

step "an independent verifier (asn1crypto, gmssl) accepts the signed letter"
# libs/pdfsign's test signs a real letter and leaves it in target/; Python's
# asn1crypto and gmssl, which share no code with baohan, check it.
py="tests/interop/.cache/py"
if ! PYTHONPATH="$py" python3 -c "import asn1crypto, gmssl, Cryptodome" 2>/dev/null; then
  python3 -m pip install -q --disable-pip-version-check --root-user-action=ignore --target "$py" \
    asn1crypto==1.5.1 gmssl==3.2.2 pycryptodomex==3.24.2
fi
PYTHONPATH="$py" python3 tests/interop/verify_letter.py target/letter-signed.pdf

step "fuzz targets, ${BAOHAN_FUZZ_SECONDS:-15} s each (fuzz/run.sh: cargo-fuzz, libFuzzer)"
# Every decoder an outsider's bytes reach, briefly, from seeds made of
# tests/fixtures; a crash or a hang fails the run. Longer runs:
# fuzz/run.sh SECONDS [TARGET...].
fuzz/run.sh "${BAOHAN_FUZZ_SECONDS:-15}"
