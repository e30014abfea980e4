#!/usr/bin/env bash
# A throw-away PostgreSQL cluster for the `postgres` store's tests (issue 15).
#
#   scripts/pg-cluster.sh start   # prints the cluster's URL (postgres://...@127.0.0.1:PORT/postgres)
#   scripts/pg-cluster.sh url     # prints it again (exit 1 when no cluster runs)
#   scripts/pg-cluster.sh stop    # stops the cluster and deletes its folder
#
# Debian's `postgresql` package (any major version under /usr/lib/postgresql/). The cluster
# lives in a temporary folder owned by the `postgres` user, listens on 127.0.0.1 only, on a
# free port, with its Unix socket in that folder (never /var/run/postgresql), password
# authentication (SCRAM, so the tests can check a wrong password) and TLS on with a
# certificate for 127.0.0.1/localhost signed by a CA of its own (data/root.crt), so the tests
# can check sslmode=require and verify-full against a real server. `start` is idempotent: a second start prints the URL of
# the cluster already running. The state file (FLAMEIQ_PG_STATE, default
# /tmp/flameiq-pg-cluster.state) remembers where it is, so `stop` finds it from any shell.
set -euo pipefail

state="${FLAMEIQ_PG_STATE:-/tmp/flameiq-pg-cluster.state}"

bindir() {
  local d
  d=$(find /usr/lib/postgresql -mindepth 2 -maxdepth 2 -type d -name bin 2>/dev/null | sort -V | tail -n 1)
  if [[ -z "$d" || ! -x "$d/initdb" ]]; then
    echo "pg-cluster: no PostgreSQL server found under /usr/lib/postgresql (apt-get install postgresql)" >&2
    exit 1
  fi
  echo "$d"
}

as_postgres() { runuser -u postgres -- "$@"; }

running() {
  [[ -f "$state" ]] || return 1
  # shellcheck disable=SC1090
  source "$state"
  as_postgres "$(bindir)/pg_ctl" -D "$dir/data" status >/dev/null 2>&1
}

url() { echo "postgres://postgres:${password}@127.0.0.1:${port}/postgres"; }

free_port() {
  python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'
}

start() {
  if running; then
    url
    return
  fi
  # A state file of a cluster that no longer runs (a reboot, a killed CI): clean it up.
  [[ -f "$state" ]] && stop >/dev/null 2>&1 || true
  local bin
  bin=$(bindir)
  dir=$(mktemp -d /tmp/flameiq-pg.XXXXXX)
  port=$(free_port)
  password=$(python3 -c 'import secrets; print(secrets.token_hex(16))')
  chown postgres: "$dir"
  chmod 700 "$dir"
  printf '%s\n' "$password" >"$dir/pwfile"
  chown postgres: "$dir/pwfile"
  as_postgres "$bin/initdb" -D "$dir/data" -U postgres --auth=scram-sha-256 \
    --pwfile="$dir/pwfile" --encoding=UTF8 --locale=C.UTF-8 >"$dir/initdb.log" 2>&1 ||
    { cat "$dir/initdb.log" >&2; exit 1; }
  rm -f "$dir/pwfile"
  local ssl=off
  if command -v openssl >/dev/null; then
    # A CA of its own (root.crt, for the tests' sslrootcert) and a server certificate it
    # signs for 127.0.0.1/localhost: a self-signed CA certificate is no end-entity cert.
    local tls="$dir/data"
    openssl req -x509 -newkey rsa:2048 -nodes -days 2 -subj "/CN=flameiq test CA" \
      -addext "basicConstraints=critical,CA:TRUE" -addext "keyUsage=critical,keyCertSign" \
      -keyout "$dir/ca.key" -out "$tls/root.crt" >/dev/null 2>&1
    openssl req -newkey rsa:2048 -nodes -subj "/CN=localhost" \
      -keyout "$tls/server.key" -out "$dir/server.csr" >/dev/null 2>&1
    printf 'subjectAltName=DNS:localhost,IP:127.0.0.1\nbasicConstraints=CA:FALSE\nextendedKeyUsage=serverAuth\n' >"$dir/ext.cnf"
    openssl x509 -req -in "$dir/server.csr" -CA "$tls/root.crt" -CAkey "$dir/ca.key" \
      -CAcreateserial -days 2 -extfile "$dir/ext.cnf" -out "$tls/server.crt" >/dev/null 2>&1
    rm -f "$dir/ca.key" "$dir/server.csr" "$dir/ext.cnf" "$tls/root.srl"
    chown postgres: "$tls/server.key" "$tls/server.crt" "$tls/root.crt"
    chmod 600 "$dir/data/server.key"
    ssl=on
  fi
  printf 'dir=%q\nport=%q\npassword=%q\n' "$dir" "$port" "$password" >"$state"
  chmod 600 "$state"
  as_postgres "$bin/pg_ctl" -D "$dir/data" -l "$dir/server.log" -w -t 60 \
    -o "-c listen_addresses=127.0.0.1 -p $port -c unix_socket_directories=$dir -c ssl=$ssl -c max_connections=200 -c fsync=on" \
    start >/dev/null || { cat "$dir/server.log" >&2; exit 1; }
  url
}

stop() {
  [[ -f "$state" ]] || return 0
  # shellcheck disable=SC1090
  source "$state"
  if [[ -d "$dir/data" ]]; then
    as_postgres "$(bindir)/pg_ctl" -D "$dir/data" -m fast -w stop >/dev/null 2>&1 || true
  fi
  rm -rf -- "$dir"
  rm -f -- "$state"
}

case "${1:-}" in
  start) start ;;
  url) running && url ;;
  stop) stop ;;
  *) echo "usage: $0 start|url|stop" >&2; exit 2 ;;
esac
