#!/usr/bin/env bash
# Local RabbitMQ 3.10 and PostgreSQL 15 as plain processes on 127.0.0.1, with
# their state under .local/ in the checkout. No Docker: many bank development
# VMs have none, and neither does this project's CI.
#
#   servers.sh up      install (apt) if missing, start, wait until ready
#   servers.sh down    stop both
#   servers.sh status  print what is running
#
# Idempotent: `up` reuses servers that are already running.
set -euo pipefail

ROOT=$(cd "$(dirname "$0")/../.." && pwd)
LOCAL=${BAOHAN_LOCAL_DIR:-$ROOT/.local}

PG_BIN=/usr/lib/postgresql/15/bin
PG_PORT=${BAOHAN_PG_PORT:-55432}
PG_DATA=$LOCAL/postgres/data
# DEV ONLY credentials; config/local.toml carries the same ones.
PG_USER=baohan
PG_PASSWORD=baohan-local-DEV-ONLY
PG_DB=baohan

RMQ_BIN=/usr/lib/rabbitmq/bin
RMQ_DIR=$LOCAL/rabbitmq
RMQ_PORT=${BAOHAN_AMQP_PORT:-5672}
RMQ_USER=baohan
RMQ_PASSWORD=baohan-local-DEV-ONLY

log() { printf '[servers] %s\n' "$*" >&2; }

install_missing() {
  local need=()
  [ -x "$PG_BIN/postgres" ] || need+=(postgresql-15)
  [ -x "$RMQ_BIN/rabbitmq-server" ] || need+=(rabbitmq-server)
  if [ ${#need[@]} -gt 0 ]; then
    log "installing ${need[*]} with apt"
    export DEBIAN_FRONTEND=noninteractive
    # Debian's maintainer scripts would start system-wide instances; ours run
    # from .local instead, so keep theirs from starting.
    local policy=/usr/sbin/policy-rc.d created=0
    if [ ! -e "$policy" ]; then printf '#!/bin/sh\nexit 101\n' >"$policy"; chmod +x "$policy"; created=1; fi
    apt-get update -qq || true
    apt-get install -y -qq --no-install-recommends "${need[@]}" >/dev/null
    if [ "$created" = 1 ]; then rm -f "$policy"; fi
  fi
}

# ---- PostgreSQL -----------------------------------------------------------
pg() { runuser -u postgres -- "$@"; }

pg_up() {
  mkdir -p "$LOCAL/postgres"
  chown postgres:postgres "$LOCAL/postgres"
  if [ ! -f "$PG_DATA/PG_VERSION" ]; then
    log "initdb $PG_DATA"
    local pwfile; pwfile=$(mktemp); echo "postgres-local-DEV-ONLY" >"$pwfile"; chmod 644 "$pwfile"
    pg "$PG_BIN/initdb" -D "$PG_DATA" -U postgres --pwfile="$pwfile" \
      --auth-local=trust --auth-host=scram-sha-256 -E UTF8 --locale=C.UTF-8 >/dev/null
    rm -f "$pwfile"
    cat >>"$PG_DATA/postgresql.conf" <<CONF
listen_addresses = '127.0.0.1'
port = $PG_PORT
unix_socket_directories = '$LOCAL/postgres'
timezone = 'Asia/Shanghai'
max_connections = 200
shared_buffers = 256MB
CONF
  fi
  if pg "$PG_BIN/pg_ctl" -D "$PG_DATA" status >/dev/null 2>&1; then
    log "postgres already running on 127.0.0.1:$PG_PORT"
  else
    log "starting postgres on 127.0.0.1:$PG_PORT"
    pg "$PG_BIN/pg_ctl" -D "$PG_DATA" -l "$LOCAL/postgres/server.log" -w -t 60 start >/dev/null
  fi
  # The role and database, created once. CREATEDB lets the tests make a
  # database of their own each.
  psql_su() { pg psql -h "$LOCAL/postgres" -p "$PG_PORT" -U postgres -d postgres -v ON_ERROR_STOP=1 -qAtc "$1"; }
  if [ "$(psql_su "select 1 from pg_roles where rolname = '$PG_USER'")" != 1 ]; then
    psql_su "create role $PG_USER login createdb password '$PG_PASSWORD'"
  fi
  if [ "$(psql_su "select 1 from pg_database where datname = '$PG_DB'")" != 1 ]; then
    psql_su "create database $PG_DB owner $PG_USER"
  fi
}

pg_down() {
  if [ -f "$PG_DATA/PG_VERSION" ] && pg "$PG_BIN/pg_ctl" -D "$PG_DATA" status >/dev/null 2>&1; then
    log "stopping postgres"
    pg "$PG_BIN/pg_ctl" -D "$PG_DATA" -m fast -w stop >/dev/null
  fi
}

# ---- RabbitMQ -------------------------------------------------------------
# Facts measured on this machine kind: the /usr/sbin wrappers switch user, so
# run the scripts in /usr/lib/rabbitmq/bin; pin the node name; give the node
# its own HOME for the Erlang cookie; and wait on the pid file before
# await_startup.
rmq_env() {
  export HOME=$RMQ_DIR/home
  export RABBITMQ_NODENAME=rabbit@localhost
  export RABBITMQ_CONF_ENV_FILE=$RMQ_DIR/rabbitmq-env.conf
  export RABBITMQ_CONFIG_FILE=$RMQ_DIR/rabbitmq
  export RABBITMQ_ENABLED_PLUGINS_FILE=$RMQ_DIR/enabled_plugins
  export RABBITMQ_MNESIA_BASE=$RMQ_DIR/mnesia
  export RABBITMQ_LOG_BASE=$RMQ_DIR/log
  export RABBITMQ_PID_FILE=$RMQ_DIR/rabbit.pid
  export RABBITMQ_NODE_IP_ADDRESS=127.0.0.1
  export RABBITMQ_NODE_PORT=$RMQ_PORT
  export ERL_EPMD_ADDRESS=127.0.0.1
  # Keep Erlang distribution (inter-node and CLI traffic) on loopback too.
  export RABBITMQ_SERVER_ADDITIONAL_ERL_ARGS="-kernel inet_dist_use_interface {127,0,0,1}"
}

rmq_write_config() {
  mkdir -p "$RMQ_DIR/home" "$RMQ_DIR/mnesia" "$RMQ_DIR/log"
  : >"$RMQ_DIR/rabbitmq-env.conf"
  # Plugins enabled offline, through the file, before the first start.
  echo '[rabbitmq_management,rabbitmq_prometheus,rabbitmq_stream].' >"$RMQ_DIR/enabled_plugins"
  cat >"$RMQ_DIR/rabbitmq.conf" <<CONF
listeners.tcp.1 = 127.0.0.1:$RMQ_PORT
management.tcp.ip = 127.0.0.1
management.tcp.port = ${BAOHAN_RMQ_MGMT_PORT:-15672}
prometheus.tcp.ip = 127.0.0.1
prometheus.tcp.port = ${BAOHAN_RMQ_PROM_PORT:-15692}
stream.listeners.tcp.1 = 127.0.0.1:${BAOHAN_RMQ_STREAM_PORT:-5552}
default_user = $RMQ_USER
default_pass = $RMQ_PASSWORD
default_user_tags.administrator = true
# A laptop or CI disk is often small; don't block publishers on it.
disk_free_limit.absolute = 50MB
CONF
}

rmq_running() { rmq_env; "$RMQ_BIN/rabbitmqctl" -q status >/dev/null 2>&1; }

rmq_up() {
  rmq_write_config
  if rmq_running; then
    log "rabbitmq already running on 127.0.0.1:$RMQ_PORT"
    return
  fi
  log "starting rabbitmq on 127.0.0.1:$RMQ_PORT (a cold start takes ~8 s)"
  rmq_env
  rm -f "$RABBITMQ_PID_FILE"
  nohup setsid "$RMQ_BIN/rabbitmq-server" >"$RMQ_DIR/log/console.log" 2>&1 </dev/null &
  "$RMQ_BIN/rabbitmqctl" -q wait --timeout 120 "$RABBITMQ_PID_FILE" >/dev/null
  "$RMQ_BIN/rabbitmqctl" -q await_startup --timeout 120 >/dev/null
}

rmq_down() {
  if rmq_running; then
    log "stopping rabbitmq"
    rmq_env
    "$RMQ_BIN/rabbitmqctl" -q stop "$RABBITMQ_PID_FILE" >/dev/null 2>&1 || true
  fi
}

case "${1:-}" in
  up)
    install_missing
    pg_up
    rmq_up
    log "postgres  postgres://$PG_USER@127.0.0.1:$PG_PORT/$PG_DB"
    log "rabbitmq  amqp://$RMQ_USER@127.0.0.1:$RMQ_PORT  (management http://127.0.0.1:${BAOHAN_RMQ_MGMT_PORT:-15672})"
    ;;
  down) rmq_down; pg_down ;;
  status)
    if pg "$PG_BIN/pg_ctl" -D "$PG_DATA" status >/dev/null 2>&1; then echo "postgres: running"; else echo "postgres: stopped"; fi
    if rmq_running; then echo "rabbitmq: running"; else echo "rabbitmq: stopped"; fi
    ;;
  rabbitmqctl) shift; rmq_env; exec "$RMQ_BIN/rabbitmqctl" "$@" ;;
  *) echo "usage: $0 up|down|status|rabbitmqctl ARGS" >&2; exit 2 ;;
esac
