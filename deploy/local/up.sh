#!/usr/bin/env bash
# Sets up and runs baohan locally. Today baohan is its foundation: the
# 国密 and protocol libraries and the baohanctl integrator CLI. The servers
# (RabbitMQ, PostgreSQL) and services join here as they are built.
set -euo pipefail
cd "$(dirname "$0")/../.."
cargo build --release --locked -p baohanctl
bin=$(pwd)/target/release/baohanctl
echo
echo "baohanctl: $bin"
echo "  try:  printf abc | $bin gm sm3"
echo "        $bin gm sm2 keygen"
echo "        $bin --help"
