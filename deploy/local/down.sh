#!/usr/bin/env bash
# Stops what up.sh started: the services (SIGTERM, so they finish the work
# in flight), then RabbitMQ and PostgreSQL.
set -euo pipefail
ROOT=$(cd "$(dirname "$0")/../.." && pwd)
LOCAL=${BAOHAN_LOCAL_DIR:-$ROOT/.local}
RUN=$LOCAL/run

shopt -s nullglob
for pidfile in "$RUN"/*.pid; do
  name=$(basename "$pidfile" .pid)
  pid=$(cat "$pidfile")
  if kill -0 "$pid" 2>/dev/null; then
    echo "[down] stopping $name (pid $pid)"
    kill -TERM "$pid"
    for _ in $(seq 1 60); do kill -0 "$pid" 2>/dev/null || break; sleep 0.5; done
    kill -0 "$pid" 2>/dev/null && { echo "[down] $name did not stop; killing" >&2; kill -KILL "$pid"; }
  fi
  rm -f "$pidfile"
done
"$ROOT/deploy/local/servers.sh" down
