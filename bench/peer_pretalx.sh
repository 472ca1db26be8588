#!/usr/bin/env bash
# Our assessor review page against pretalx's review page: one run, same machine, same load generator (wrk),
# same gunicorn worker count, runs interleaved. Not part of `make test`.
#
# Usage: DATABASE_URL=postgres://postgres@127.0.0.1:5432/acc_x bench/peer_pretalx.sh [SECONDS_A_RUN] [ROUNDS]
# Our side uses the database <name of DATABASE_URL>_review_bench, pretalx its own (PRETALX_DB, default
# pretalx_peer) on the same server; both are dropped and created afresh. pretalx is installed from PyPI
# into var/peer/pretalx-venv (once), with its own configuration file in var/peer/. Redis: REDIS_URL (the
# cache of both). Prints the table and appends it to bench/RESULTS.md.
# Settings from the environment: WORKERS (2), CONNECTIONS ("1 10"), PRETALX_VERSION, PYTHON (ours),
# PRETALX_PYTHON (the interpreter pretalx's virtualenv is made with), OURS_PORT, PRETALX_PORT, BENCH_NOTE,
# PRETALX_QUESTIONS (52: the reviewer questions and the proposal questions of pretalx's review page).
set -euo pipefail

ROOT=$(cd "$(dirname "$0")/.." && pwd)
VAR="$ROOT/var/peer"
SECONDS_A_RUN=${1:-30}
ROUNDS=${2:-3}
WORKERS=${WORKERS:-2}
CONNECTIONS=${CONNECTIONS:-"1 10"}
PRETALX_VERSION=${PRETALX_VERSION:-2025.2.2}
PYTHON=${PYTHON:-$( [ -x "$ROOT/.venv/bin/python" ] && echo "$ROOT/.venv/bin/python" || echo /work/main/.venv/bin/python )}
PRETALX_PYTHON=${PRETALX_PYTHON:-python3.11}
OURS_PORT=${OURS_PORT:-8411}
PRETALX_PORT=${PRETALX_PORT:-8412}
REDIS_URL=${REDIS_URL:-${TEST_REDIS_URL:-redis://127.0.0.1:6379/7}}
PRETALX_DB=${PRETALX_DB:-pretalx_peer}
: "${DATABASE_URL:?set DATABASE_URL (postgres://user@host:port/name); the bench uses <name>_review_bench}"
PG_URL=${DATABASE_URL%/*}  # postgres://user@host:port
PG_USER=${PG_URL#postgres://}; PG_USER=${PG_USER%@*}
PG_HOSTPORT=${PG_URL#*@}; PG_HOST=${PG_HOSTPORT%:*}; PG_PORT=${PG_HOSTPORT##*:}

started_at=$(date +%s)
mkdir -p "$VAR/pretalx-data"
step() { echo "== $(date -u +%H:%M:%S) $*" >&2; }

# Both servers stop when the script ends, however it ends.
PIDS=()
stop_servers() { for pid in "${PIDS[@]}"; do kill "$pid" 2>/dev/null || true; done; wait 2>/dev/null || true; }
trap stop_servers EXIT

# --- pretalx: its own virtualenv, configuration and database ----------------------------------------
PRETALX_VENV="$VAR/pretalx-venv"
if ! "$PRETALX_VENV/bin/python" -c "import pretalx, gunicorn, psycopg, redis" 2>/dev/null \
   || [ "$("$PRETALX_VENV/bin/python" -c 'from importlib.metadata import version; print(version("pretalx"))')" != "$PRETALX_VERSION" ]; then
  step "installing pretalx $PRETALX_VERSION into $PRETALX_VENV"
  "$PRETALX_PYTHON" -m venv "$PRETALX_VENV"
  "$PRETALX_VENV/bin/pip" install -q "pretalx==$PRETALX_VERSION" gunicorn "psycopg[binary]" redis
fi
export PRETALX_CONFIG_FILE="$VAR/pretalx.cfg"
cat > "$PRETALX_CONFIG_FILE" <<EOF
[filesystem]
data = $VAR/pretalx-data
static = $VAR/pretalx-data/static
[site]
debug = False
url = http://127.0.0.1:$PRETALX_PORT
[database]
backend = postgresql
name = $PRETALX_DB
user = $PG_USER
password =
host = $PG_HOST
port = $PG_PORT
[redis]
location = $REDIS_URL
session = false
[mail]
from = orga@bench.example
[celery]
broker =
backend =
EOF
step "pretalx: database $PRETALX_DB afresh, migrate, collect static files"
psql -q -h "$PG_HOST" -p "$PG_PORT" -U "$PG_USER" -d postgres \
  -c "DROP DATABASE IF EXISTS $PRETALX_DB" -c "CREATE DATABASE $PRETALX_DB"
# (pretalx's `rebuild` also builds its schedule editor with npm; the review page does not use it.)
if ! { "$PRETALX_VENV/bin/python" -m pretalx migrate -v 0 \
       && "$PRETALX_VENV/bin/python" -m pretalx collectstatic --noinput -v 0; } > "$VAR/pretalx-setup.log" 2>&1; then
  cat "$VAR/pretalx-setup.log" >&2; exit 1
fi
step "pretalx: seeding"
PRETALX_SEED=$("$PRETALX_VENV/bin/python" "$ROOT/bench/peer/pretalx_seed.py" 2>> "$VAR/pretalx-setup.log" | tail -1)
echo "$PRETALX_SEED" > "$VAR/seed-pretalx.json"

# --- ours: production settings, the bench database -------------------------------------------------
export DATABASE_URL="${DATABASE_URL}_review_bench"
export DJANGO_SETTINGS_MODULE=accreditation.production DJANGO_SECRET_KEY="review-bench-$(date +%s%N)"
export ALLOWED_HOSTS=127.0.0.1 CACHE_URL="$REDIS_URL" SECURE_SSL_REDIRECT=0 STATIC_ROOT="$VAR/static"
export EMAIL_BACKEND=django.core.mail.backends.locmem.EmailBackend CELERY_BROKER_URL=
step "ours: collect static files; database ${DATABASE_URL##*/} afresh, migrate, seed"
(cd "$ROOT" && "$PYTHON" manage.py collectstatic --noinput -v 0)
OURS_SEED=$(cd "$ROOT" && "$PYTHON" bench/peer/ours_seed.py | tail -1)
echo "$OURS_SEED" > "$VAR/seed-ours.json"

field() { "$PYTHON" -c 'import json, sys; print(json.loads(sys.argv[1])[sys.argv[2]])' "$1" "$2"; }
OURS_URL="http://127.0.0.1:$OURS_PORT$(field "$OURS_SEED" path)"; OURS_COOKIE=$(field "$OURS_SEED" cookie)
PRETALX_URL="http://127.0.0.1:$PRETALX_PORT$(field "$PRETALX_SEED" path)"; PRETALX_COOKIE=$(field "$PRETALX_SEED" cookie)

# --- both servers: gunicorn, the same worker count and class ------------------------------------------
step "starting gunicorn, $WORKERS sync workers each"
(cd "$ROOT" && exec "$PYTHON" -m gunicorn accreditation.wsgi -w "$WORKERS" -b "127.0.0.1:$OURS_PORT" \
  --log-level warning) > "$VAR/gunicorn-ours.log" 2>&1 &
PIDS+=($!)
(cd "$VAR" && DJANGO_SETTINGS_MODULE=pretalx.settings exec "$PRETALX_VENV/bin/gunicorn" pretalx.wsgi -w "$WORKERS" -b "127.0.0.1:$PRETALX_PORT" \
  --log-level warning) > "$VAR/gunicorn-pretalx.log" 2>&1 &
PIDS+=($!)

# The real page, signed in (200, not a sign-in redirect), with what only that page shows.
check_page() {  # side url cookie marker
  local body="$VAR/page-$1.html" status
  for _ in $(seq 60); do
    status=$(curl -s -o "$body" -w '%{http_code}' -H "Cookie: $3" "$2" || true)
    [ "$status" != 000 ] && break  # not listening yet
    sleep 1
  done
  if [ "$status" != 200 ] || ! grep -q "$4" "$body"; then
    echo "$1: $2 answered $status without '$4' (see $body, $VAR/gunicorn-$1.log)" >&2
    exit 1
  fi
  echo $(( $(stat -c %s "$body") / 1024 ))
}
OURS_KIB=$(check_page ours "$OURS_URL" "$OURS_COOKIE" 'name="\?outcome')
PRETALX_KIB=$(check_page pretalx "$PRETALX_URL" "$PRETALX_COOKIE" 'name="\?question_')
step "both pages answer 200 signed in: ours $OURS_KIB KiB, pretalx $PRETALX_KIB KiB; warming up"
for _ in $(seq 5); do
  curl -s -o /dev/null -H "Cookie: $OURS_COOKIE" "$OURS_URL"
  curl -s -o /dev/null -H "Cookie: $PRETALX_COOKIE" "$PRETALX_URL"
done

# --- interleaved wrk runs -------------------------------------------------------------------------------
RUNS="$VAR/runs.txt"
: > "$RUNS"
LOAD_BEFORE=$(awk '{print $1", "$2", "$3}' /proc/loadavg)
run() {  # side url cookie connections round
  # bench/load.lua, as the load bench drives it: one request line (method, path, cookie), any non-2xx counted.
  local line threads=$(( $4 < 2 ? 1 : 2 )) requests="$VAR/request-$1.tsv"
  printf 'GET\t%s\t%s\t\t\n' "${2#http*://*/}" "$3" | sed 's|^GET\t|GET\t/|' > "$requests"
  line=$(BENCH_REQUESTS="$requests" BENCH_WRK_THREADS="$threads" wrk -t "$threads" -c "$4" \
    -d "${SECONDS_A_RUN}s" --timeout 120s -s "$ROOT/bench/load.lua" "$2" | grep '^BENCH')
  step "round $5, $4 connection(s), $1: $line"
  # BENCH requests=.. seconds=.. p50=.. p95=.. p99=.. non2xx=.. socket_errors=..
  echo "$1 $4 $5 $(echo "$line" | sed 's/BENCH //; s/[a-z0-9_]*=//g')" >> "$RUNS"
}
for round in $(seq "$ROUNDS"); do
  for connections in $CONNECTIONS; do
    if (( round % 2 )); then order="ours pretalx"; else order="pretalx ours"; fi
    for side in $order; do
      if [ "$side" = ours ]; then run ours "$OURS_URL" "$OURS_COOKIE" "$connections" "$round"
      else run pretalx "$PRETALX_URL" "$PRETALX_COOKIE" "$connections" "$round"; fi
    done
  done
done
# Still signed in and still the real page after the load.
check_page ours "$OURS_URL" "$OURS_COOKIE" 'name="\?outcome' > /dev/null
check_page pretalx "$PRETALX_URL" "$PRETALX_COOKIE" 'name="\?question_' > /dev/null

export BENCH_COMMIT=$(git -C "$ROOT" rev-parse --short HEAD) BENCH_WORKERS="$WORKERS" BENCH_SECONDS="$SECONDS_A_RUN"
export BENCH_WRK_VERSION=$(wrk -v 2>&1 | head -1 | awk '{print $2}') BENCH_LOAD_BEFORE="$LOAD_BEFORE"
export BENCH_OURS_PATH=$(field "$OURS_SEED" path) BENCH_OURS_WHAT=$(field "$OURS_SEED" what) BENCH_OURS_KIB="$OURS_KIB"
export BENCH_PRETALX_PATH=$(field "$PRETALX_SEED" path) BENCH_PRETALX_WHAT=$(field "$PRETALX_SEED" what)
export BENCH_OURS_QUERIES=$(field "$OURS_SEED" queries) BENCH_PRETALX_QUERIES=$(field "$PRETALX_SEED" queries)
export BENCH_PRETALX_KIB="$PRETALX_KIB" BENCH_PRETALX_VERSION="$PRETALX_VERSION" BENCH_NOTE="${BENCH_NOTE:-}"
"$PYTHON" "$ROOT/bench/peer/summary.py" "$RUNS"
step "done in $(( $(date +%s) - started_at )) s"
