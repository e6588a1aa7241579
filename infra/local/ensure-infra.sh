#!/usr/bin/env bash
# Makes sure the local PostgreSQL (127.0.0.1:5432) and NATS JetStream (127.0.0.1:4222) are up,
# starting them the way this machine's packages install them, and that the databases exist.
set -euo pipefail

PG_HOST=127.0.0.1
PG_PORT=5432
NATS_PORT=4222

port_open() { (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null; }

wait_for() {
  local what=$1 check=$2
  for _ in $(seq 1 60); do
    if eval "$check"; then return 0; fi
    sleep 0.5
  done
  echo "ensure-infra: $what did not come up" >&2
  return 1
}

if ! pg_isready -h "$PG_HOST" -p "$PG_PORT" -q 2>/dev/null; then
  echo "ensure-infra: starting PostgreSQL"
  pg_ctlcluster --skip-systemctl-redirect "$(ls /etc/postgresql | sort -V | tail -n 1)" main start
  wait_for PostgreSQL "pg_isready -h $PG_HOST -p $PG_PORT -q"
fi

if ! port_open "$NATS_PORT"; then
  echo "ensure-infra: starting NATS with JetStream"
  mkdir -p /var/lib/nats-server
  start-stop-daemon --start --oknodo --background --exec /usr/sbin/nats-server -- \
    -a 127.0.0.1 -p "$NATS_PORT" -js -sd /var/lib/nats-server -l /var/log/nats-server.log
  wait_for NATS "port_open $NATS_PORT"
fi

# `test` holds the test suites' throw-away schemas; `marketing` is the local system's database.
for db in test marketing; do
  if [ "$(psql -h "$PG_HOST" -p "$PG_PORT" -U postgres -d postgres -tAc "SELECT 1 FROM pg_database WHERE datname = '$db'")" != "1" ]; then
    psql -h "$PG_HOST" -p "$PG_PORT" -U postgres -d postgres -qc "CREATE DATABASE $db"
  fi
done

command -v nats-server >/dev/null || { echo "ensure-infra: nats-server is not on PATH (tests start private servers)" >&2; exit 1; }
echo "ensure-infra: PostgreSQL $(psql -h "$PG_HOST" -U postgres -d postgres -tAc 'SHOW server_version') and $(nats-server --version) are up"
