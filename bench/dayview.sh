#!/usr/bin/env bash
# Server time to render the day view of a busy day (goal p99 < 50 ms at 300 reservations) and
# the bytes of a first load, page plus stylesheet and script (goal < 150 KB).
set -euo pipefail
cd "$(dirname "$0")/.."
cargo build --release --locked -q -p hostsystem --bin hostsystem --example booking_load
bin=./target/release/hostsystem
dir=$(mktemp -d /tmp/hs-day-XXXX); chmod 755 "$dir"
export HOSTSYSTEM_DATA_DIR="$dir/data" HOSTSYSTEM_BIND=127.0.0.1:${PORT:-8096} HOSTSYSTEM_LOG_LEVEL=warn HOSTSYSTEM_API_RATE_PER_MINUTE=10000000
base="http://$HOSTSYSTEM_BIND"
rid=$("$bin" admin create-restaurant --name "Großer Tag")
echo "Sehr-Langes-Passwort-Fuer-Tests-42" | "$bin" admin create-user --email chef@bench.example --name Chef --password-stdin > /dev/null
"$bin" admin add-member --email chef@bench.example --restaurant "$rid" --role owner > /dev/null
token=$("$bin" admin create-api-token --restaurant "$rid" --role owner --name bench)
"$bin" serve > /dev/null 2>&1 & pid=$!
trap 'kill -TERM $pid 2>/dev/null; wait $pid 2>/dev/null; rm -rf "$dir"' EXIT
until curl -sf "$base/api/health" > /dev/null; do sleep 0.05; done
day=$(date -d "+3 days" +%F)
TABLES=80 ./target/release/examples/booking_load "$base" "$token" "$day" 8 | grep -E "^bookings:"
count=$(curl -s -H "Authorization: Bearer $token" "$base/api/v1/reservations?date=$day" | grep -o '"code"' | wc -l)
# The steady state a restaurant's day view runs in: the burst's tables vacuumed and analysed.
# Timed straight after it (autovacuum and stale planner statistics), whichever view came first
# was 2.5 times slower than the same view a few seconds later.
psql -h "$HOSTSYSTEM_DATA_DIR/run" -p 5432 -U postgres -d hostsystem -q -c "VACUUM ANALYZE"
jar="$dir/cookies"
curl -s -c "$jar" -o /dev/null -d "email=chef%40bench.example&password=Sehr-Langes-Passwort-Fuer-Tests-42" "$base/login"
for view in list timeline; do
  for i in $(seq 1 220); do
    curl -s -b "$jar" -o /dev/null -w "%{time_starttransfer}\n" "$base/?date=$day&view=$view"
  done | tail -200 | sort -n | awk -v v="$view" -v n="$count" '{a[NR]=$1} END {printf "day view (%s, %d reservations): p50 %.1f ms, p99 %.1f ms\n", v, n, a[int(NR*0.5)]*1000, a[int(NR*0.99)]*1000}'
done
page=$(curl -s -b "$jar" "$base/?date=$day" | sed "s/&#x2f;/\//g")
css=$(echo "$page" | grep -o '/static/app-[0-9a-f]*\.css' | head -1)
js=$(echo "$page" | grep -o '/static/app-[0-9a-f]*\.js' | head -1)
sizes() { curl -s -b "$jar" -o /dev/null -w "%{size_download}" ${2:-} "$base$1"; }
for d in "$day" "$(date -d '+1 day' +%F)"; do
  raw=$(( $(sizes "/?date=$d") + $(sizes "$css") + $(sizes "$js") ))
  gz_page=$(sizes "/?date=$d" --compressed); gz_css=$(sizes "$css" --compressed); gz_js=$(sizes "$js" --compressed)
  echo "first load of $d as a browser gets it (gzip): page $gz_page B + css $gz_css B + js $gz_js B = $(( gz_page + gz_css + gz_js )) B ($raw B uncompressed)"
done
