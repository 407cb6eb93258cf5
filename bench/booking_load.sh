#!/usr/bin/env bash
# Booking throughput over HTTP against one restaurant-day until it is full, next to the
# transactions/s of a plain single-row INSERT transaction on the same PostgreSQL (pgbench).
# Prints bookings/s, p50/p99 latency, double bookings (must be 0) and the ratio (goal >= 0.3),
# and next to it the transactions/s of the booking's own SQL run by pgbench without HTTP.
# Usage: bench/booking_load.sh [CLIENTS]   (default 16; BROWSE=1: availability before each booking)
set -euo pipefail
cd "$(dirname "$0")/.."
clients="${1:-16}"
cargo build --release --locked -q -p hostsystem --bin hostsystem --example booking_load --example http_floor
bin=./target/release/hostsystem
dir=$(mktemp -d /tmp/hs-load-XXXX); chmod 755 "$dir"
export HOSTSYSTEM_DATA_DIR="$dir/data" HOSTSYSTEM_BIND=127.0.0.1:${PORT:-8097} HOSTSYSTEM_LOG_LEVEL=warn HOSTSYSTEM_API_RATE_PER_MINUTE=10000000
rid=$("$bin" admin create-restaurant --name "Lasttest")
token=$("$bin" admin create-api-token --restaurant "$rid" --role owner --name load)
"$bin" serve > /dev/null 2>&1 & pid=$!
cleanup() { kill -TERM "$pid" 2>/dev/null || true; wait "$pid" 2>/dev/null || true; rm -rf "$dir"; }
trap cleanup EXIT
until curl -sf "http://$HOSTSYSTEM_BIND/api/health" > /dev/null; do sleep 0.05; done
day=$(date -d "+3 days" +%F)
echo "== HTTP booking, $clients clients, one restaurant-day ($day), 60 tables"
out=$(./target/release/examples/booking_load "http://$HOSTSYSTEM_BIND" "$token" "$day" "$clients")
echo "$out"
bps=$(echo "$out" | awk '/^bookings\/s:/ {print $2}')
echo "== HTTP floor: GET /api/health, $clients clients, 5 s (no booking can be faster)"
./target/release/examples/http_floor "http://$HOSTSYSTEM_BIND" "$clients" 5

echo "== pgbench: single-row INSERT transactions, $clients clients, same server"
pgbin=$(dirname "$(ls /usr/lib/postgresql/*/bin/pgbench | sort -V | tail -1)")
run_pg() { if [ "$(id -u)" -eq 0 ]; then runuser -u postgres -- "$@"; else "$@"; fi; }
sock="$dir/data/run"
run_pg "$pgbin/psql" -q -h "$sock" -U postgres -d postgres -c "CREATE DATABASE bench" > /dev/null
run_pg "$pgbin/psql" -q -h "$sock" -U postgres -d bench -c "CREATE TABLE t (id bigserial PRIMARY KEY, v integer NOT NULL, at timestamptz NOT NULL DEFAULT now())" > /dev/null
echo "INSERT INTO t (v) VALUES (1);" > "$dir/insert.sql"; chmod 644 "$dir/insert.sql"
tps=$(run_pg "$pgbin/pgbench" -n -h "$sock" -U postgres -c "$clients" -j 2 -T 10 -f "$dir/insert.sql" bench 2>/dev/null | awk '/^tps/ {print $3; exit}')
echo "pgbench tps: $tps"

echo "== pgbench: the booking's own SQL in one round trip (bench/booking_floor.sql), $clients clients, app role under RLS"
# The SQL a booking cannot do without, with no HTTP and no Rust: what any implementation of
# this schema (RLS, audit, exclusion constraint, the day's lock) must pay per booking.
sql() { run_pg "$pgbin/psql" -At -h "$sock" -U postgres -d hostsystem -c "$1"; }
tz=$(sql "SELECT time_zone FROM restaurant_settings WHERE restaurant_id = '$rid'")
# An empty day: the holds read costs least, so this is an upper bound.
fday=$(date -d "$day + 1 day" +%F)
cp bench/booking_floor.sql "$dir/floor.sql"; chmod 644 "$dir/floor.sql"
floor=$(run_pg "$pgbin/pgbench" -n -h "$sock" -U hostsystem_app -c "$clients" -j 2 -T 10 \
  -D "rid=$rid" -D "tid=$(sql "SELECT id FROM tables WHERE restaurant_id = '$rid' LIMIT 1")" \
  -D "day_key=book:$rid:$fday" \
  -D "hold_from=$(sql "SELECT '$fday'::timestamp AT TIME ZONE '$tz'")" \
  -D "hold_to=$(sql "SELECT ('$fday'::date + 2)::timestamp AT TIME ZONE '$tz'")" \
  -f "$dir/floor.sql" hostsystem 2>/dev/null | awk '/^tps/ {print $3; exit}')
echo "booking SQL transactions/s: $floor (on an empty day, so an upper bound)"
echo "ratio bookings/s : insert tps = $(echo "scale=3; $bps / $tps" | bc)  (goal >= 0.3)"
echo "ratio booking SQL alone : insert tps = $(echo "scale=3; $floor / $tps" | bc)  (one round trip, no HTTP, an empty day: an upper bound for this schema)"
echo "HTTP bookings/s reach $(echo "scale=0; 100 * $bps / $floor" | bc) % of the booking SQL alone"
