#!/usr/bin/env bash
# Start / stop the real servers the integration tests talk to, all on 127.0.0.1:
#   FerretDB (MongoDB wire protocol, SQLite backend)          port $NETSEC_MONGO_PORT   (27117)
#   MLflow tracking server (SQLite store, proxied artifacts)    port $NETSEC_MLFLOW_PORT  (5055)
#   MLflow with the basic-auth app                             port $NETSEC_MLFLOW_AUTH_PORT (5056)
#   MLflow 2.7.1 (the version DagsHub serves; own venv)          port $NETSEC_MLFLOW27_PORT (5057)
#   DagsHub-like front door (scripts/dagshub-proxy.mjs):        port $NETSEC_DAGSHUB_PORT  (5058)
#     /api/v1/user (bearer token) and, only with basic auth <user>:<token>,
#     /netsec-test/phishing-27.mlflow/ → MLflow 2.7.1, /netsec-test/phishing-3.mlflow/ → MLflow 3,
#     /netsec-test/phishing-noregistry.mlflow/ → MLflow 2.7.1 with the registry answering 404
#   PostgreSQL (Debian's, own cluster in .services/postgres)     port $NETSEC_PG_PORT (5439)
#   MLflow 3 on that PostgreSQL, proxied artifacts ("mlflow-pg") port $NETSEC_MLFLOW_PG_PORT (5059)
# State lives in .services/ (one folder per server); `start` is idempotent; `env` prints the
# variables tests read; `stop` stops what `start` started. Run scripts/setup.sh first.
set -euo pipefail
cd "$(dirname "$0")/.."
CACHE="${NETSEC_CACHE:-$HOME/.cache/netsec}"
STATE="${NETSEC_SERVICES_DIR:-$PWD/.services}"
MONGO_PORT="${NETSEC_MONGO_PORT:-27117}"
MLFLOW_PORT="${NETSEC_MLFLOW_PORT:-5055}"
AUTH_PORT="${NETSEC_MLFLOW_AUTH_PORT:-5056}"
AUTH_ADMIN_PASSWORD="${NETSEC_MLFLOW_ADMIN_PASSWORD:-netsec-admin-password-1}"
MLFLOW27_PORT="${NETSEC_MLFLOW27_PORT:-5057}"
DAGSHUB_PORT="${NETSEC_DAGSHUB_PORT:-5058}"
# Test credentials of the DagsHub stand-in (not a secret: it only guards loopback test servers).
DAGSHUB_USER="${NETSEC_DAGSHUB_USER:-netsec-tester}"
DAGSHUB_TOKEN="${NETSEC_DAGSHUB_TOKEN:-dhtest_0f3a9c2e7b1d4a6f8e5c}"
PG_PORT="${NETSEC_PG_PORT:-5439}"
MLFLOW_PG_PORT="${NETSEC_MLFLOW_PG_PORT:-5059}"
# Test credentials of the loopback PostgreSQL cluster (not a secret: a throwaway test database).
PG_USER=netsec PG_PASSWORD="${NETSEC_PG_PASSWORD:-netsec-pg-test-1}" PG_DB=mlflow
SERVICES="ferretdb mlflow mlflow-auth mlflow27 dagshub postgres mlflow-pg"
mkdir -p "$STATE"
log() { printf '[services] %s\n' "$*" >&2; }

free_port() { python3 -c 'import socket;s=socket.socket();s.bind(("127.0.0.1",0));print(s.getsockname()[1])'; }
listening() { (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null; }
alive() { [ -f "$STATE/$1.pid" ] && kill -0 "$(cat "$STATE/$1.pid")" 2>/dev/null; }

wait_for() { # name port seconds [url]
  local name=$1 port=$2 limit=$3 url=${4:-}
  for _ in $(seq 1 $((limit * 4))); do
    if [ -n "$url" ]; then curl -fsS -o /dev/null "$url" 2>/dev/null && return 0
    elif listening "$port"; then return 0; fi
    alive "$name" || { log "$name exited; last lines of $STATE/$name.log:"; tail -20 "$STATE/$name.log" >&2; return 1; }
    sleep 0.25
  done
  log "$name did not answer on 127.0.0.1:$port within ${limit}s; see $STATE/$name.log"; return 1
}

start_ferretdb() {
  if alive ferretdb && listening "$MONGO_PORT"; then return 0; fi
  local bin="$CACHE/bin/ferretdb"
  [ -x "$bin" ] || { log "FerretDB not built: run scripts/setup.sh"; return 1; }
  mkdir -p "$STATE/ferretdb/data"
  nohup "$bin" --handler=sqlite --sqlite-url="file:$STATE/ferretdb/data/" \
    --listen-addr="127.0.0.1:$MONGO_PORT" --state-dir="$STATE/ferretdb" \
    --debug-addr="127.0.0.1:$(free_port)" --telemetry=disable --log-level=warn \
    >"$STATE/ferretdb.log" 2>&1 &
  echo $! >"$STATE/ferretdb.pid"
  wait_for ferretdb "$MONGO_PORT" 30
  log "FerretDB on mongodb://127.0.0.1:$MONGO_PORT"
}

start_mlflow() {
  if alive mlflow && listening "$MLFLOW_PORT"; then return 0; fi
  mkdir -p "$STATE/mlflow/artifacts"
  nohup "$CACHE/venv/bin/mlflow" server --host 127.0.0.1 --port "$MLFLOW_PORT" --workers 1 \
    --backend-store-uri "sqlite:///$STATE/mlflow/mlflow.db" \
    --artifacts-destination "$STATE/mlflow/artifacts" --serve-artifacts \
    >"$STATE/mlflow.log" 2>&1 &
  echo $! >"$STATE/mlflow.pid"
  wait_for mlflow "$MLFLOW_PORT" 120 "http://127.0.0.1:$MLFLOW_PORT/health"
  log "MLflow on http://127.0.0.1:$MLFLOW_PORT"
}

start_mlflow_auth() {
  if alive mlflow-auth && listening "$AUTH_PORT"; then return 0; fi
  mkdir -p "$STATE/mlflow-auth/artifacts"
  cat >"$STATE/mlflow-auth/basic_auth.ini" <<INI
[mlflow]
default_permission = READ
database_uri = sqlite:///$STATE/mlflow-auth/basic_auth.db
admin_username = admin
admin_password = $AUTH_ADMIN_PASSWORD
authorization_function = mlflow.server.auth:authenticate_request_basic_auth
INI
  MLFLOW_AUTH_CONFIG_PATH="$STATE/mlflow-auth/basic_auth.ini" \
  MLFLOW_FLASK_SERVER_SECRET_KEY="netsec-test-secret" \
  MLFLOW_AUTH_ADMIN_PASSWORD="$AUTH_ADMIN_PASSWORD" \
  nohup "$CACHE/venv/bin/mlflow" server --app-name basic-auth --host 127.0.0.1 --port "$AUTH_PORT" --workers 1 \
    --backend-store-uri "sqlite:///$STATE/mlflow-auth/mlflow.db" \
    --artifacts-destination "$STATE/mlflow-auth/artifacts" --serve-artifacts \
    >"$STATE/mlflow-auth.log" 2>&1 &
  echo $! >"$STATE/mlflow-auth.pid"
  # /health may answer 500 with basic auth on some versions: check an authenticated API call.
  for _ in $(seq 1 480); do
    if curl -fsS -o /dev/null -u "admin:$AUTH_ADMIN_PASSWORD" \
      "http://127.0.0.1:$AUTH_PORT/api/2.0/mlflow/experiments/get-by-name?experiment_name=Default" 2>/dev/null; then
      log "MLflow (basic auth) on http://127.0.0.1:$AUTH_PORT"; return 0
    fi
    alive mlflow-auth || { log "mlflow-auth exited:"; tail -20 "$STATE/mlflow-auth.log" >&2; return 1; }
    sleep 0.25
  done
  log "mlflow-auth did not answer; see $STATE/mlflow-auth.log"; return 1
}

start_mlflow27() {
  if alive mlflow27 && listening "$MLFLOW27_PORT"; then return 0; fi
  local venv="$CACHE/venv-mlflow27"
  [ -x "$venv/bin/mlflow" ] || { log "MLflow 2.7.1 venv missing at $venv: run scripts/setup.sh"; return 1; }
  mkdir -p "$STATE/mlflow27/artifacts"
  # Its own process group (setsid): `mlflow server` starts gunicorn, which outlives a plain kill of
  # the parent; stop_one kills the whole group. gunicorn is found on PATH, so the venv's bin/ first.
  PATH="$venv/bin:$PATH" setsid nohup "$venv/bin/mlflow" server --host 127.0.0.1 --port "$MLFLOW27_PORT" --workers 1 \
    --backend-store-uri "sqlite:///$STATE/mlflow27/mlflow.db" \
    --artifacts-destination "$STATE/mlflow27/artifacts" --serve-artifacts \
    >"$STATE/mlflow27.log" 2>&1 </dev/null &
  echo $! >"$STATE/mlflow27.pid"
  wait_for mlflow27 "$MLFLOW27_PORT" 120 "http://127.0.0.1:$MLFLOW27_PORT/health"
  log "MLflow $(curl -fsS "http://127.0.0.1:$MLFLOW27_PORT/version") on http://127.0.0.1:$MLFLOW27_PORT"
}

start_dagshub() {
  if alive dagshub && listening "$DAGSHUB_PORT"; then return 0; fi
  setsid nohup node scripts/dagshub-proxy.mjs --port "$DAGSHUB_PORT" --user "$DAGSHUB_USER" --token "$DAGSHUB_TOKEN" \
    --repo "netsec-test/phishing-27=http://127.0.0.1:$MLFLOW27_PORT" \
    --repo "netsec-test/phishing-3=http://127.0.0.1:$MLFLOW_PORT" \
    --repo "netsec-test/phishing-noregistry=http://127.0.0.1:$MLFLOW27_PORT" --no-registry netsec-test/phishing-noregistry \
    >"$STATE/dagshub.log" 2>&1 </dev/null &
  echo $! >"$STATE/dagshub.pid"
  wait_for dagshub "$DAGSHUB_PORT" 30
  log "DagsHub stand-in on http://127.0.0.1:$DAGSHUB_PORT"
}

# PostgreSQL: Debian's binaries, a cluster of our own in $PG_DIR (data/, the unix socket
# in run/), listening on 127.0.0.1 only, password (scram) on TCP. initdb refuses root: as root the
# cluster belongs to the postgres user and its commands run through runuser.
pg_bin() { local d; for d in /usr/lib/postgresql/*/bin; do [ -x "$d/$1" ] && { echo "$d/$1"; return 0; }; done; command -v "$1"; }
as_pg() { if [ "$(id -u)" = 0 ]; then runuser -u postgres -- "$@"; else "$@"; fi; }
# The cluster's folder: $STATE/postgres, unless we are root and the postgres user cannot reach
# $STATE (a clone under /root): then a folder of its own in /tmp, named after $STATE.
PG_DIR="$STATE/postgres"
if [ "$(id -u)" = 0 ] && id postgres >/dev/null 2>&1 && ! runuser -u postgres -- test -x "$STATE" 2>/dev/null; then
  PG_DIR="/tmp/netsec-postgres-$(printf '%s' "$STATE" | sha256sum | cut -c1-12)"
fi
pg_running() { [ -f "$PG_DIR/data/postmaster.pid" ] && as_pg "$(pg_bin pg_ctl)" status -D "$PG_DIR/data" >/dev/null 2>&1; }

start_postgres() {
  local dir="$PG_DIR"
  if pg_running && listening "$PG_PORT"; then return 0; fi
  [ -n "$(pg_bin initdb)" ] || { log "PostgreSQL not installed: run scripts/setup.sh"; return 1; }
  mkdir -p "$dir/run"
  [ "$(id -u)" = 0 ] && chown -R postgres:postgres "$dir"
  if [ ! -f "$dir/data/PG_VERSION" ]; then
    printf '%s\n' "$PG_PASSWORD" >"$dir/pwfile"; chmod 600 "$dir/pwfile"
    [ "$(id -u)" = 0 ] && chown postgres:postgres "$dir/pwfile"
    as_pg "$(pg_bin initdb)" -D "$dir/data" -U "$PG_USER" --pwfile="$dir/pwfile" \
      --auth-local=trust --auth-host=scram-sha-256 -E UTF8 --locale=C.UTF-8 >"$STATE/postgres.log" 2>&1 \
      || { log "initdb failed:"; tail -20 "$STATE/postgres.log" >&2; return 1; }
    rm -f "$dir/pwfile"
  fi
  as_pg "$(pg_bin pg_ctl)" start -w -t 60 -D "$dir/data" -l "$dir/server.log" \
    -o "-c listen_addresses=127.0.0.1 -p $PG_PORT -c unix_socket_directories=$dir/run" >/dev/null \
    || { log "PostgreSQL did not start:"; tail -20 "$dir/server.log" >&2; return 1; }
  head -1 "$dir/data/postmaster.pid" >"$STATE/postgres.pid"
  local psql; psql=$(pg_bin psql)
  if [ "$(as_pg "$psql" -h "$dir/run" -p "$PG_PORT" -U "$PG_USER" -d postgres -tAc "SELECT 1 FROM pg_database WHERE datname='$PG_DB'")" != 1 ]; then
    as_pg "$psql" -h "$dir/run" -p "$PG_PORT" -U "$PG_USER" -d postgres -qc "CREATE DATABASE $PG_DB" >/dev/null
  fi
  log "PostgreSQL on 127.0.0.1:$PG_PORT (database $PG_DB)"
}

stop_postgres() {
  if pg_running; then as_pg "$(pg_bin pg_ctl)" stop -m fast -w -D "$PG_DIR/data" >/dev/null || true; fi
  rm -f "$STATE/postgres.pid"
}

# MLflow 3 with the team deployment's stores: runs, metrics and the registry in PostgreSQL, artifacts
# proxied by the server (clients only talk HTTP to it; here the destination is a folder, in
# production an object store: docs/scale.md).
start_mlflow_pg() {
  if alive mlflow-pg && listening "$MLFLOW_PG_PORT"; then return 0; fi
  "$CACHE/venv/bin/python" -c "import psycopg2" 2>/dev/null || { log "psycopg2 missing in $CACHE/venv: run scripts/setup.sh"; return 1; }
  start_postgres
  mkdir -p "$STATE/mlflow-pg/artifacts"
  PATH="$CACHE/venv/bin:$PATH" setsid nohup "$CACHE/venv/bin/mlflow" server --host 127.0.0.1 --port "$MLFLOW_PG_PORT" --workers 1 \
    --backend-store-uri "postgresql+psycopg2://$PG_USER:$PG_PASSWORD@127.0.0.1:$PG_PORT/$PG_DB" \
    --artifacts-destination "$STATE/mlflow-pg/artifacts" --serve-artifacts \
    >"$STATE/mlflow-pg.log" 2>&1 </dev/null &
  echo $! >"$STATE/mlflow-pg.pid"
  wait_for mlflow-pg "$MLFLOW_PG_PORT" 180 "http://127.0.0.1:$MLFLOW_PG_PORT/health"
  log "MLflow (PostgreSQL store) on http://127.0.0.1:$MLFLOW_PG_PORT"
}

stop_one() {
  if [ "$1" = postgres ]; then stop_postgres; return 0; fi
  if alive "$1"; then
    local pid; pid=$(cat "$STATE/$1.pid")
    if [ "$(ps -o pgid= -p "$pid" | tr -d ' ')" = "$pid" ]; then
      kill -- "-$pid" 2>/dev/null || true   # started with setsid: the whole group (gunicorn too)
    else
      kill "$pid" 2>/dev/null || true
      pkill -P "$pid" 2>/dev/null || true
    fi
    for _ in $(seq 1 40); do kill -0 "$pid" 2>/dev/null || break; sleep 0.25; done
    kill -9 "$pid" 2>/dev/null || true
    kill -9 -- "-$pid" 2>/dev/null || true
  fi
  rm -f "$STATE/$1.pid"
}

print_env() {
  cat <<ENV
NETSEC_TEST_MONGO_URI=mongodb://127.0.0.1:$MONGO_PORT
NETSEC_TEST_MLFLOW_URI=http://127.0.0.1:$MLFLOW_PORT
NETSEC_TEST_MLFLOW_AUTH_URI=http://127.0.0.1:$AUTH_PORT
NETSEC_TEST_MLFLOW_ADMIN_USER=admin
NETSEC_TEST_MLFLOW_ADMIN_PASSWORD=$AUTH_ADMIN_PASSWORD
NETSEC_TEST_MLFLOW27_URI=http://127.0.0.1:$MLFLOW27_PORT
NETSEC_TEST_DAGSHUB_HOST=http://127.0.0.1:$DAGSHUB_PORT
NETSEC_TEST_DAGSHUB_USER=$DAGSHUB_USER
NETSEC_TEST_DAGSHUB_TOKEN=$DAGSHUB_TOKEN
NETSEC_TEST_MLFLOW_PG_URI=http://127.0.0.1:$MLFLOW_PG_PORT
NETSEC_TEST_PG_URI=postgresql://$PG_USER:$PG_PASSWORD@127.0.0.1:$PG_PORT/$PG_DB
NETSEC_TEST_PG_PSQL=$(pg_bin psql)
NETSEC_SERVICES_DIR=$STATE
NETSEC_PYTHON=$CACHE/venv/bin/python
NETSEC_PYTHON27=$CACHE/venv-mlflow27/bin/python
ENV
}

what=${2:-all}
case "${1:-}" in
  start)
    case "$what" in
      all) start_ferretdb & p1=$!; start_mlflow & p2=$!; start_mlflow_auth & p3=$!; start_mlflow27 & p4=$!
           start_mlflow_pg & p5=$!
           wait $p1 && wait $p2 && wait $p3 && wait $p4 && start_dagshub && wait $p5 ;;
      ferretdb) start_ferretdb ;;
      mlflow) start_mlflow ;;
      mlflow-auth) start_mlflow_auth ;;
      mlflow27) start_mlflow27 ;;
      dagshub) start_dagshub ;;
      postgres) start_postgres ;;
      mlflow-pg) start_mlflow_pg ;;
      *) log "unknown service $what"; exit 2 ;;
    esac
    print_env >"$STATE/env" ;;
  stop)
    # mlflow-pg before postgres (listed in that order): the server holds connections to it
    if [ "$what" = all ]; then for s in $SERVICES; do [ "$s" = postgres ] || stop_one "$s"; done; stop_one postgres
    else stop_one "$what"; fi ;;
  restart) "$0" stop "$what"; "$0" start "$what" ;;
  env) print_env ;;
  status)
    for s in $SERVICES; do if [ "$s" = postgres ]; then
      if pg_running; then echo "postgres: running (pid $(head -1 "$PG_DIR/data/postmaster.pid"))"; else echo "postgres: stopped"; fi
    elif alive "$s"; then echo "$s: running (pid $(cat "$STATE/$s.pid"))"; else echo "$s: stopped"; fi; done ;;
  *) echo "usage: scripts/services.sh start|stop|restart|status|env [all|ferretdb|mlflow|mlflow-auth|mlflow27|dagshub|postgres|mlflow-pg]" >&2; exit 2 ;;
esac
