#!/usr/bin/env bash
# Provide a local PostgreSQL for the tests and benchmarks, one cluster per checkout.
#
#   scripts/postgres.sh [start]   install if missing, create (once) and start the checkout's cluster;
#                                 print ONLY its SQLAlchemy URL on stdout:
#                                 postgresql+psycopg://leapplan:leapplan@127.0.0.1:PORT/leapplan_test
#   scripts/postgres.sh stop      stop the checkout's cluster (its data stays for the next start)
#   scripts/postgres.sh status    exit 0 when the checkout's cluster is running, 1 when not
#   scripts/postgres.sh name      print the cluster's name, port and data directory
#
# Installs Debian's postgresql (apt-get, needs root) if it is missing. The cluster is named after the
# checkout (leapplan-<first 8 hex digits of the sha1 of the checkout's absolute path>), so two checkouts
# on one machine never share a cluster, a port or a data directory (/var/lib/postgresql/VERSION/NAME);
# its port is derived from the same hash (5433-5932; the next free one when taken). It listens on
# 127.0.0.1 only, with the role leapplan (password leapplan, may create databases) and the database
# leapplan_test. Everything but the URL goes to stderr. Re-running is safe (the cluster may be running,
# stopped or left with a stale pid file by a killed session). Exits non-zero when PostgreSQL cannot start.
# Environment: LEAPPLAN_PG_PORT chooses the port when the cluster is first created.
set -euo pipefail

ACTION=${1:-start}
CHECKOUT=$(cd "$(dirname "$0")/.." && pwd -P)
HASH=$(printf '%s' "$CHECKOUT" | sha1sum | cut -c1-8)
CLUSTER="leapplan-$HASH"
ROLE=leapplan
PASSWORD=leapplan
DATABASE=leapplan_test

log() { echo "postgres.sh: $*" >&2; }
die() { log "$*"; exit 1; }

newest_version() {
  local v
  v=$(ls -1 /usr/lib/postgresql 2>/dev/null | sort -n | tail -n 1 || true)
  if [ -n "$v" ] && [ -x "/usr/lib/postgresql/$v/bin/postgres" ]; then echo "$v"; fi
}

cluster_field() { # $1: version, $2: column of pg_lsclusters (3 port, 4 status, 6 data directory)
  pg_lsclusters -h 2>/dev/null | awk -v v="$1" -v c="$CLUSTER" -v f="$2" '$1 == v && $2 == c {print $f}'
}

case "$ACTION" in
  start) ;;
  stop | status | name)
    VERSION=$(newest_version)
    if [ -z "$VERSION" ] || ! command -v pg_lsclusters >/dev/null 2>&1; then
      [ "$ACTION" = name ] && echo "$CLUSTER (PostgreSQL is not installed)"
      [ "$ACTION" = stop ] && exit 0
      exit 1
    fi
    case "$ACTION" in
      name)
        port=$(cluster_field "$VERSION" 3)
        echo "$CLUSTER port ${port:-(chosen when first started)} data /var/lib/postgresql/$VERSION/$CLUSTER"
        exit 0
        ;;
      status) [ "$(cluster_field "$VERSION" 4)" = online ] && exit 0 || exit 1 ;;
      stop)
        if [ "$(cluster_field "$VERSION" 4)" = online ]; then
          log "stopping cluster $VERSION/$CLUSTER"
          pg_ctlcluster "$VERSION" "$CLUSTER" stop -m fast >&2 || die "pg_ctlcluster $VERSION $CLUSTER stop failed"
        fi
        exit 0
        ;;
    esac
    ;;
  *) die "unknown action '$ACTION' (start, stop, status or name)" ;;
esac

# --- 1. install ----------------------------------------------------------------------------------

if ! command -v pg_ctlcluster >/dev/null 2>&1 || [ -z "$(newest_version)" ]; then
  [ "$(id -u)" -eq 0 ] || die "postgresql is not installed and this is not root; run: apt-get install postgresql"
  log "installing postgresql with apt-get"
  export DEBIAN_FRONTEND=noninteractive
  # The package's own post-install may create and start a 'main' cluster; we do not use it.
  apt-get update -q >&2 || die "apt-get update failed"
  apt-get install -y -q --no-install-recommends postgresql postgresql-contrib >&2 || die "apt-get install postgresql failed"
fi
VERSION=$(newest_version)
[ -n "$VERSION" ] || die "no PostgreSQL server binaries found under /usr/lib/postgresql"

as_postgres() {
  if [ "$(id -un)" = postgres ]; then
    "$@"
  elif [ "$(id -u)" -eq 0 ]; then
    runuser -u postgres -- "$@"
  else
    sudo -n -u postgres -- "$@"
  fi
}

# --- 2. cluster ----------------------------------------------------------------------------------
port_in_use() { (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null; }

cluster_port() { cluster_field "$VERSION" 3; }

CONF_DIR="/etc/postgresql/$VERSION/$CLUSTER"
if [ -z "$(cluster_port)" ]; then
  if [ -n "${LEAPPLAN_PG_PORT:-}" ]; then
    PORT=$LEAPPLAN_PG_PORT
  else
    used=$(pg_lsclusters -h 2>/dev/null | awk '{print $3}' | tr '\n' ' ')
    first=$((5433 + 16#$HASH % 500))
    PORT=""
    for k in $(seq 0 499); do
      p=$((5433 + (first - 5433 + k) % 500))
      case " $used " in *" $p "*) continue ;; esac
      if ! port_in_use "$p"; then PORT=$p; break; fi
    done
    [ -n "$PORT" ] || die "no free port in 5433-5932 for the cluster"
  fi
  log "creating cluster $VERSION/$CLUSTER on port $PORT"
  pg_createcluster "$VERSION" "$CLUSTER" -p "$PORT" -- --auth-local=peer --auth-host=scram-sha-256 >&2 \
    || die "pg_createcluster failed"
fi
PORT=$(cluster_port)
[ -n "$PORT" ] || die "cluster $VERSION/$CLUSTER not found after creation"

# Loopback only; enough connections for the 50-client load test. conf.d is included by Debian's
# postgresql.conf, so this file wins over the defaults and survives re-runs.
mkdir -p "$CONF_DIR/conf.d"
cat >"$CONF_DIR/conf.d/leapplan.conf" <<EOF
# written by leapplan scripts/postgres.sh
listen_addresses = '127.0.0.1'
port = $PORT
max_connections = 200
EOF
chown -R postgres:postgres "$CONF_DIR/conf.d" 2>/dev/null || true

# The socket directory lives on a tmpfs that may have been emptied.
if [ ! -d /var/run/postgresql ]; then
  mkdir -p /var/run/postgresql
  chown postgres:postgres /var/run/postgresql 2>/dev/null || true
  chmod 2775 /var/run/postgresql
fi

status=$(cluster_field "$VERSION" 4)
if [ "$status" != online ]; then
  DATA_DIR=$(cluster_field "$VERSION" 6)
  pidfile="$DATA_DIR/postmaster.pid"
  if [ -f "$pidfile" ]; then
    oldpid=$(head -n 1 "$pidfile" || true)
    if [ -z "$oldpid" ] || ! grep -qs postgres "/proc/$oldpid/comm" 2>/dev/null; then
      log "removing stale $pidfile (pid ${oldpid:-?} is not a running postgres)"
      rm -f "$pidfile"
    fi
  fi
  # A killed server's backends may need a moment to exit and release their lock files: retry.
  started=0
  for attempt in 1 2 3 4 5; do
    log "starting cluster $VERSION/$CLUSTER (attempt $attempt)"
    if pg_ctlcluster "$VERSION" "$CLUSTER" start >&2; then started=1; break; fi
    sleep 2
  done
  if [ "$started" -ne 1 ]; then
    tail -n 20 "/var/log/postgresql/postgresql-$VERSION-$CLUSTER.log" >&2 2>/dev/null || true
    die "pg_ctlcluster $VERSION $CLUSTER start failed"
  fi
fi

# --- 3. wait -------------------------------------------------------------------------------------
ready=0
for _ in $(seq 1 120); do
  if pg_isready -q -h 127.0.0.1 -p "$PORT" 2>/dev/null; then ready=1; break; fi
  sleep 0.5
done
[ "$ready" -eq 1 ] || die "PostgreSQL on 127.0.0.1:$PORT did not accept connections within 60 s"

# --- 4. role and database ------------------------------------------------------------------------
psql_admin() { as_postgres psql -X -q -v ON_ERROR_STOP=1 -p "$PORT" -d postgres "$@"; }

psql_admin >&2 <<SQL || die "could not create role $ROLE"
DO \$\$
BEGIN
  IF NOT EXISTS (SELECT FROM pg_roles WHERE rolname = '$ROLE') THEN
    CREATE ROLE $ROLE LOGIN CREATEDB PASSWORD '$PASSWORD';
  ELSE
    ALTER ROLE $ROLE LOGIN CREATEDB PASSWORD '$PASSWORD';
  END IF;
END
\$\$;
SQL
if [ "$(psql_admin -tAc "SELECT 1 FROM pg_database WHERE datname = '$DATABASE'")" != 1 ]; then
  log "creating database $DATABASE"
  as_postgres createdb -p "$PORT" -O "$ROLE" "$DATABASE" >&2 || die "createdb $DATABASE failed"
fi

# Check the exact credentials the URL carries, over TCP.
PGPASSWORD=$PASSWORD psql -X -q -h 127.0.0.1 -p "$PORT" -U "$ROLE" -d "$DATABASE" -tAc 'SELECT 1' >/dev/null \
  || die "cannot connect as $ROLE to $DATABASE on 127.0.0.1:$PORT"

log "ready on 127.0.0.1:$PORT"
echo "postgresql+psycopg://$ROLE:$PASSWORD@127.0.0.1:$PORT/$DATABASE"
