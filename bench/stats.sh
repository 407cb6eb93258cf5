#!/usr/bin/env bash
# Statistics (issue 16), on the embedded PostgreSQL: the demo restaurant with 100,000
# reservations over three years (plus 20,000 calls and 20,000 conversations, 10,000 guests),
# then the server time (time to first byte) of the statistics page for one year (goal p99 <
# 200 ms) and for all three years (goal p99 < 500 ms), the JSON API for one year, and as the
# yardstick a plain `SELECT count(*)` over the same reservations in the same run.
# Usage: bench/stats.sh [RESERVATIONS] [REQUESTS]
set -euo pipefail
cd "$(dirname "$0")/.."
n="${1:-100000}"
requests="${2:-100}"
cargo build --release --locked -q -p hostsystem --bin hostsystem
bin=./target/release/hostsystem
dir=$(mktemp -d /tmp/hs-stats-XXXX); chmod 755 "$dir"
export HOSTSYSTEM_DATA_DIR="$dir/data" HOSTSYSTEM_BIND=127.0.0.1:${PORT:-8097} HOSTSYSTEM_LOG_LEVEL=${LOG_LEVEL:-warn,hs_service::stats=debug} HOSTSYSTEM_API_RATE_PER_MINUTE=10000000
base="http://$HOSTSYSTEM_BIND"
"$bin" demo --json > "$dir/demo.json"
field() { python3 -c 'import json,sys; d=json.load(open(sys.argv[1])); print(eval(sys.argv[2]))' "$dir/demo.json" "$1"; }
rid=$(field 'd["restaurant_id"]')
token=$(field 'd["api_token"]')
email=$(field '[u for u in d["users"] if u["role"] == "owner"][0]["email"]')
password=$(field '[u for u in d["users"] if u["role"] == "owner"][0]["password"]')
"$bin" serve > "$dir/serve.log" 2>&1 & pid=$!
trap 'kill -TERM $pid 2>/dev/null; wait $pid 2>/dev/null; rm -rf "$dir"' EXIT
until curl -sf "$base/api/health" > /dev/null; do sleep 0.05; done
sql() { psql -h "$HOSTSYSTEM_DATA_DIR/run" -p 5432 -U postgres -d hostsystem -v ON_ERROR_STOP=1 -q -t -A "$@"; }
echo "== seeding $n reservations over three years, 20,000 calls, 20,000 conversations"
(sql -v r="$rid" -v n="$n" <<'SQL'
SELECT set_config('app.restaurant_id', :'r', false), set_config('app.actor', 'bench', false);
INSERT INTO guests (restaurant_id, id, name, created_at, updated_at)
  SELECT :'r', md5('s' || j)::uuid, 'Gast ' || j, now(), now() FROM generate_series(0, 9999) j;
INSERT INTO reservations (restaurant_id, id, code, guest_id, party_size, starts_at, ends_at, status, channel, created_at, updated_at)
  SELECT :'r', gen_random_uuid(), 'S' || upper(lpad(to_hex(i), 5, '0')),
         CASE WHEN i % 7 = 0 THEN NULL ELSE md5('s' || (i % 10000))::uuid END, 1 + i % 8, t, t + interval '2 hours',
         CASE WHEN i % 20 = 0 THEN 'cancelled' WHEN i % 25 = 1 THEN 'no_show' WHEN t > now() THEN 'confirmed' ELSE 'completed' END,
         (ARRAY['phone_ai', 'chat', 'whatsapp', 'online', 'dashboard', 'walk_in', 'api'])[1 + i % 7],
         t - make_interval(days => i % 40), now()
  FROM (SELECT i, date_trunc('day', now()) - make_interval(days => i % 1095) + make_interval(mins => 17 * 60 + (i * 7) % 300) AS t
        FROM generate_series(1, :n) i) s;
INSERT INTO voice_calls (restaurant_id, id, provider, external_id, started_at, outcome, created_at, updated_at)
  SELECT :'r', gen_random_uuid(), 'vapi', 'bench-' || i, now() - make_interval(mins => i * 79),
         (ARRAY['booked', 'changed', 'cancelled', 'informed', 'handed_over', 'abandoned', 'failed'])[1 + i % 7], now(), now()
  FROM generate_series(1, 20000) i;
INSERT INTO conversations (restaurant_id, id, channel, state_enc, outcome, created_at, updated_at)
  SELECT :'r', gen_random_uuid(), (ARRAY['web', 'whatsapp'])[1 + i % 2], '',
         (ARRAY['booked', 'changed', 'cancelled', 'informed', 'handed_over', 'abandoned'])[1 + i % 6],
         now() - make_interval(mins => i * 79), now()
  FROM generate_series(1, 20000) i;
VACUUM ANALYZE;
SQL
) > /dev/null
if [ -n "${EXPLAIN:-}" ]; then # the plans of the page's reads, as the app runs them
  (sql -v r="$rid" <<'SQL'
SET ROLE hostsystem_app;
SELECT set_config('app.restaurant_id', :'r', false);
EXPLAIN (ANALYZE, BUFFERS) SELECT starts_at, ends_at, created_at, party_size, status, channel, guest_id
  FROM reservations WHERE starts_at >= now() - interval '730 days' AND starts_at < now() + interval '1 day';
EXPLAIN (ANALYZE, BUFFERS) SELECT guest_id, min(starts_at) FROM reservations
  WHERE guest_id IS NOT NULL AND starts_at < now() + interval '1 day' AND status NOT IN ('cancelled', 'no_show') GROUP BY guest_id;
SQL
  ) | grep -E "Scan|Aggregate|Execution|Planning|Filter|Index Cond"
fi
jar="$dir/cookies"
curl -s -c "$jar" -o /dev/null --data-urlencode "email=$email" --data-urlencode "password=$password" "$base/login"
today=$(date +%F)
year=$(date -d '-364 days' +%F)
three=$(date -d '-1094 days' +%F)
rows() { echo "SELECT count(*) FROM reservations WHERE restaurant_id = :'r' AND starts_at >= '$1' AND starts_at < '$today'::date + 1" | sql -v r="$rid"; }
timed() { # p50 and p99 of the time to first byte of N requests to a URL
  local label=$1; shift
  for i in $(seq 1 "$requests"); do curl -s -o /dev/null -w "%{time_starttransfer}\n" "$@"; done |
    sort -n | awk -v l="$label" '{a[NR]=$1} END {printf "%s: p50 %.1f ms, p99 %.1f ms (%d requests)\n", l, a[int(NR*0.5)]*1000, a[int(NR*0.99)]*1000, NR}'
}
count_p99() { # the yardstick: a plain count of the same rows, timed by PostgreSQL's client
  for i in $(seq 1 "$requests"); do
    printf '\\timing on\nSELECT count(*) FROM reservations WHERE restaurant_id = %s AND starts_at >= %s AND starts_at < %s;\n' "'$rid'" "'$1'" "'$today'::date + 1"
  done | sql -f - 2>&1 | grep -o 'Time: [0-9.]*' | awk '{print $2}' |
    sort -n | awk -v l="$2" '{a[NR]=$1} END {printf "%s: p50 %.1f ms, p99 %.1f ms (%d queries)\n", l, a[int(NR*0.5)], a[int(NR*0.99)], NR}'
}
echo "one year: $(rows "$year") reservations; three years: $(rows "$three")"
# The first page sums every day from the reservations and asks the queue's job to keep the
# daily sums; the runs below read those (today and the days to come are always summed).
curl -s -b "$jar" -o /dev/null -w "first page, three years, no daily sums yet: %{time_starttransfer}s\n" "$base/stats?from=$three&to=$today"
started=$(date +%s.%N)
until [ "$(echo "SELECT count(*) FROM jobs WHERE kind = 'stats_days' AND state IN ('queued', 'running')" | sql)" = 0 ]; do sleep 0.1; done
echo "the job kept $(echo "SELECT count(*) FROM stats_days" | sql) daily sums in $(python3 -c 'import sys; print(round(float(sys.argv[2]) - float(sys.argv[1]), 2))' "$started" "$(date +%s.%N)") s"
timed "statistics page, one year" -b "$jar" "$base/stats?from=$year&to=$today"
timed "statistics page, three years" -b "$jar" "$base/stats?from=$three&to=$today"
timed "API summary, one year" -H "Authorization: Bearer $token" "$base/api/v1/stats/summary?from=$year&to=$today"
count_p99 "$year" "SELECT count(*), one year (yardstick)"
count_p99 "$three" "SELECT count(*), three years (yardstick)"
timed "day view of today" -b "$jar" "$base/?date=$today"
# Where the page's time goes, from the server's own debug lines (when this connection had read
# the days: the kept sums and the reservations of the days without one; when the other had
# read the guests seen before, the calls and the conversations; then the figures computed),
# medians over every request of the run, by the days summed from reservations.
python3 - "$dir/serve.log" <<'PY'
import json, statistics, sys
runs = {}
for line in open(sys.argv[1]):
    try:
        e = json.loads(line)
    except ValueError:
        continue
    if e.get("message") == "statistics computed":
        key = (e["kept_days"], e["summed_days"], e["bookings"])
        r = runs.setdefault(key, {"days_ms": [], "others_ms": [], "compute_ms": []})
        for k in r:
            r[k].append(e[k])
for (kept, summed, n), r in sorted(runs.items()):
    print(f"  {kept} kept days, {summed} summed from {n} reservations ({len(r['days_ms'])} pages): " + ", ".join(f"{k} p50 {statistics.median(v):.1f}" for k, v in r.items()))
PY
