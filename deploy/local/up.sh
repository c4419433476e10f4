#!/usr/bin/env bash
# Sets up and runs baohan locally: RabbitMQ and PostgreSQL (servers.sh),
# then every service in the background, built in release mode. Returns when
# every service's /readyz answers, and prints the endpoints.
#
#   deploy/local/up.sh          # BAOHAN_CONFIG picks another config file
#   deploy/local/down.sh        # stops what this started
#
# Idempotent: a service already running (its pid file alive) is left as is.
set -euo pipefail
ROOT=$(cd "$(dirname "$0")/../.." && pwd)
cd "$ROOT"
export BAOHAN_CONFIG=${BAOHAN_CONFIG:-$ROOT/config/local.toml}
LOCAL=${BAOHAN_LOCAL_DIR:-$ROOT/.local}
RUN=$LOCAL/run
LOGS=$LOCAL/logs
mkdir -p "$RUN" "$LOGS"

# service name, and the config section whose `listen` serves its /readyz.
SERVICES=(
  "ingress ingress"
  "underwriting underwriting"
  "portal portal"
  "notifier notifier"
  "issuance issuance"
  "claims claims"
  "refunds refunds"
)

deploy/local/servers.sh up

# The guarantee letter's CJK font (issuance.font_path).
if [ ! -f /usr/share/fonts/truetype/wqy/wqy-microhei.ttc ]; then
  echo "[up] installing fonts-wqy-microhei"
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq || true
  apt-get install -y -qq --no-install-recommends fonts-wqy-microhei >/dev/null
fi

echo "[up] building the services (release)"
packages=()
for entry in "${SERVICES[@]}"; do packages+=(-p "${entry%% *}"); done
cargo build --release --locked "${packages[@]}" -p baohanctl
BIN=${CARGO_TARGET_DIR:-$ROOT/target}/release

# The listen address of a config section, e.g. "127.0.0.1:8080".
listen_of() {
  awk -v want="[$1]" '
    /^\[/ { section = $0 }
    section == want && $1 == "listen" { gsub(/"/, "", $3); print $3; exit }
  ' "$BAOHAN_CONFIG"
}

for entry in "${SERVICES[@]}"; do
  name=${entry%% *}
  pidfile=$RUN/$name.pid
  if [ -f "$pidfile" ] && kill -0 "$(cat "$pidfile")" 2>/dev/null; then
    echo "[up] $name already running (pid $(cat "$pidfile"))"
    continue
  fi
  echo "[up] starting $name (log: $LOGS/$name.log)"
  nohup "$BIN/$name" --config "$BAOHAN_CONFIG" >>"$LOGS/$name.log" 2>&1 </dev/null &
  echo $! >"$pidfile"
done

for entry in "${SERVICES[@]}"; do
  name=${entry%% *}
  addr=$(listen_of "${entry##* }")
  for _ in $(seq 1 120); do
    if curl -fsS "http://$addr/readyz" >/dev/null 2>&1; then break; fi
    if ! kill -0 "$(cat "$RUN/$name.pid")" 2>/dev/null; then
      echo "[up] $name exited; the end of its log:" >&2
      tail -n 20 "$LOGS/$name.log" >&2
      exit 1
    fi
    sleep 0.5
  done
  curl -fsS "http://$addr/readyz" >/dev/null || { echo "[up] $name not ready at $addr" >&2; exit 1; }
done

cat <<EOF2

baohan is up (config: $BAOHAN_CONFIG)
  ingress     http://$(listen_of ingress)   POST /fujian/{interface}, POST /ely
              /healthz /readyz /metrics
  underwriting http://$(listen_of underwriting)  /healthz /readyz /metrics
  portal      http://$(listen_of portal)   GET /pay/{token} (the Payurl), /api/applications/{token}
  ops API     http://$(listen_of ops)   Authorization: Bearer ops-admin-token-DEV-ONLY (config/local.toml operators); /ops/applications, /ops/referrals
  notifier    http://$(listen_of notifier)   /healthz /readyz /metrics (delivers the callbacks)
  issuance    http://$(listen_of issuance)   /healthz /readyz /metrics (issues paid applications)
  claims      http://$(listen_of claims)   /healthz /readyz /metrics (checks and pays claims)
  refunds     http://$(listen_of refunds)   /healthz /readyz /metrics (give-ups, quits, cancellations, refunds)
  downloads   http://$(listen_of portal)/files/{token} (getbaohaninfo's signed URLs)
  payouts     $ROOT/.local/payouts.jsonl (the sandbox's transfers: claims paid, premiums refunded)
  SMS         $ROOT/.local/sms.jsonl (the payment links ELY bidders get)
  postgres    postgres://baohan@127.0.0.1:55432/baohan
  rabbitmq    amqp://baohan@127.0.0.1:5672   management http://127.0.0.1:15672
  baohanctl   $BIN/baohanctl
  logs        $LOGS/
Stop everything with deploy/local/down.sh
EOF2
