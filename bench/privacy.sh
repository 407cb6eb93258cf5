#!/usr/bin/env bash
# The privacy toolkit's figures (issue 15), on the embedded PostgreSQL:
# 1. one guest with 200 reservations, 200 messages, 50 conversations (4 messages each) and 20
#    calls (2 webhook events each): the export and the deletion through `hostsystem privacy`,
#    their time (the command's own start, about the time of `privacy find`, printed beside)
#    and the rows they touched;
# 2. offboarding a restaurant with 100,000 reservations (10,000 guests): the deletion's time,
#    and another restaurant's request latency (p50/p99 of GET /api/v1/reservations) before
#    and while it runs (goal: p99 within 2x).
# Usage: bench/privacy.sh [RESERVATIONS]
set -euo pipefail
cd "$(dirname "$0")/.."
n="${1:-100000}"
cargo build --release --locked -q -p hostsystem --bin hostsystem
bin=./target/release/hostsystem
dir=$(mktemp -d /tmp/hs-privacy-XXXX); chmod 755 "$dir"
export HOSTSYSTEM_DATA_DIR="$dir/data" HOSTSYSTEM_BIND=127.0.0.1:${PORT:-8099} HOSTSYSTEM_LOG_LEVEL=warn HOSTSYSTEM_API_RATE_PER_MINUTE=10000000
base="http://$HOSTSYSTEM_BIND"
big=$("$bin" admin create-restaurant --name "Groß")
other=$("$bin" admin create-restaurant --name "Nebenan")
token=$("$bin" admin create-api-token --restaurant "$other" --role owner --name bench)
"$bin" serve > "$dir/serve.log" 2>&1 & pid=$!
trap 'kill -TERM $pid 2>/dev/null; wait $pid 2>/dev/null; rm -rf "$dir"' EXIT
until curl -sf "$base/api/health" > /dev/null; do sleep 0.05; done
sql() { psql -h "$HOSTSYSTEM_DATA_DIR/run" -p 5432 -U postgres -d hostsystem -v ON_ERROR_STOP=1 -q -t -A "$@"; }
guest=$(sql -c "SELECT gen_random_uuid()")
echo "== seeding: one guest's history, $n reservations of 10,000 guests, a neighbour with 2,000"
(sql -v big="$big" -v other="$other" -v g="$guest" -v n="$n" <<'SQL'
-- As the app would, in each restaurant's name (the audit trigger writes under its tenant).
SELECT set_config('app.restaurant_id', :'big', false), set_config('app.actor', 'bench', false);
INSERT INTO guests (restaurant_id, id, name, phone, email, created_at, updated_at)
  VALUES (:'big', :'g', 'Bruno Benchmark', '+4915100000001', 'bruno@bench.example', now(), now());
INSERT INTO reservations (restaurant_id, id, code, guest_id, party_size, starts_at, ends_at, status, channel, notes, created_at, updated_at)
  SELECT :'big', gen_random_uuid(), 'G' || lpad(i::text, 5, '0'), :'g', 2, now() - make_interval(days => i),
         now() - make_interval(days => i) + interval '2 hours', 'completed', 'dashboard', 'Fensterplatz', now(), now()
  FROM generate_series(1, 200) i;
INSERT INTO messages (restaurant_id, id, reservation_id, guest_id, recipient, channel, kind, language, to_address, status, created_at, updated_at)
  SELECT :'big', gen_random_uuid(), r.id, :'g', 'guest', 'email', 'confirmation', 'de', 'bruno@bench.example', 'sent', now(), now()
  FROM reservations r WHERE r.restaurant_id = :'big' AND r.guest_id = :'g';
INSERT INTO conversations (restaurant_id, id, channel, state_enc, guest_id, created_at, updated_at)
  SELECT :'big', gen_random_uuid(), 'web', '', :'g', now(), now() FROM generate_series(1, 50);
INSERT INTO conversation_messages (restaurant_id, id, conversation_id, position, role, created_at)
  SELECT :'big', gen_random_uuid(), c.id, p, CASE WHEN p % 2 = 0 THEN 'guest' ELSE 'agent' END, now()
  FROM conversations c, generate_series(0, 3) p WHERE c.restaurant_id = :'big';
INSERT INTO voice_calls (restaurant_id, id, provider, external_id, caller, started_at, created_at, updated_at)
  SELECT :'big', gen_random_uuid(), 'vapi', 'call-' || i, '+4915100000001', now() - make_interval(days => i), now(), now()
  FROM generate_series(1, 20) i;
INSERT INTO voice_events (restaurant_id, id, call_id, at, kind, name)
  SELECT :'big', gen_random_uuid(), c.id, now(), 'status', s FROM voice_calls c, unnest(ARRAY['ringing', 'ended']) s
  WHERE c.restaurant_id = :'big';
INSERT INTO guests (restaurant_id, id, name, created_at, updated_at)
  SELECT :'big', md5('g' || j)::uuid, 'Gast ' || j, now(), now() FROM generate_series(0, 9999) j;
INSERT INTO reservations (restaurant_id, id, code, guest_id, party_size, starts_at, ends_at, status, channel, created_at, updated_at)
  SELECT :'big', gen_random_uuid(), upper(lpad(to_hex(i), 6, '0')), md5('g' || (i % 10000))::uuid, 2 + i % 6,
         now() - make_interval(hours => i), now() - make_interval(hours => i) + interval '2 hours', 'completed', 'phone_ai', now(), now()
  FROM generate_series(1, :n) i;
SELECT set_config('app.restaurant_id', :'other', false);
INSERT INTO guests (restaurant_id, id, name, created_at, updated_at)
  SELECT :'other', md5('o' || j)::uuid, 'Nachbar ' || j, now(), now() FROM generate_series(0, 199) j;
INSERT INTO reservations (restaurant_id, id, code, guest_id, party_size, starts_at, ends_at, status, channel, created_at, updated_at)
  SELECT :'other', gen_random_uuid(), upper(lpad(to_hex(i), 6, '0')), md5('o' || (i % 200))::uuid, 2,
         date_trunc('day', now()) + make_interval(days => i % 10, mins => 17 * 60 + (i / 10) % 300),
         date_trunc('day', now()) + make_interval(days => i % 10, mins => 19 * 60 + (i / 10) % 300), 'confirmed', 'api', now(), now()
  FROM generate_series(1, 2000) i;
ANALYZE;
SQL
) > /dev/null
ms() { local s=$(date +%s%N); "$@" > "$dir/out.json"; echo $(( ($(date +%s%N) - s) / 1000000 )); }
echo "== one guest: 200 reservations, 200 messages, 50 conversations, 20 calls"
t_find=$(ms "$bin" privacy find --restaurant "$big" --guest "$guest")
t_export=$(ms "$bin" privacy export --restaurant "$big" --guest "$guest" --out "$dir/bruno.zip")
rows_export=$(python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))["rows"])' "$dir/out.json")
t_delete=$(ms "$bin" privacy delete --restaurant "$big" --guest "$guest" --confirm "Bruno Benchmark")
rows_delete=$(python3 -c 'import json,sys; print(sum(r["rows"] for r in json.load(open(sys.argv[1]))["protocol"]))' "$dir/out.json")
echo "command start alone (privacy find): $t_find ms"
echo "export: $t_export ms, $rows_export rows, $(stat -c %s "$dir/bruno.zip") bytes of ZIP"
echo "delete: $t_delete ms, $rows_delete rows deleted (protocol)"
day=$(date +%F)
probe() { # p50 and p99 of N requests of the neighbour's day list
  for i in $(seq 1 "$1"); do
    curl -s -o /dev/null -w "%{time_total}\n" -H "Authorization: Bearer $token" "$base/api/v1/reservations?date=$day"
  done | sort -n | awk '{a[NR]=$1} END {printf "p50 %.1f ms, p99 %.1f ms (%d requests)", a[int(NR*0.5)]*1000, a[int(NR*0.99)]*1000, NR}'
}
echo "== offboarding a restaurant with $n reservations"
echo "neighbour before: $(probe 400)"
"$bin" tenant offboard --restaurant "$big" --on "$(date -u -d '-31 days' +%F)" > /dev/null
( while :; do
    curl -s -o /dev/null -w "%{time_total}\n" -H "Authorization: Bearer $token" "$base/api/v1/reservations?date=$day" >> "$dir/during.raw"
  done ) & probe_pid=$!
s=$(date +%s%N)
"$bin" jobs offboarding > /dev/null
# The server's own worker may take the job first: wait for the restaurant to be marked deleted.
until [ "$(echo "SELECT deleted_at IS NOT NULL FROM restaurants WHERE id = :'big'" | sql -v big="$big")" = t ]; do sleep 0.1; done
t_off=$(( ($(date +%s%N) - s) / 1000000 ))
kill "$probe_pid" 2>/dev/null || true; wait "$probe_pid" 2>/dev/null || true
left=$(echo "SELECT (SELECT count(*) FROM reservations WHERE restaurant_id = :'big') + (SELECT count(*) FROM guests WHERE restaurant_id = :'big')" | sql -v big="$big")
confirmed=$(echo "SELECT rows_affected FROM deletion_protocol WHERE restaurant_id = :'big' AND category = 'restaurant_deleted'" | sql -v big="$big")
echo "offboarding: $t_off ms for $confirmed rows (confirmation row), $left reservations and guests left"
echo "neighbour while it ran: $(sort -n "$dir/during.raw" | awk '{a[NR]=$1} END {printf "p50 %.1f ms, p99 %.1f ms (%d requests)", a[int(NR*0.5)]*1000, a[int(NR*0.99)]*1000, NR}')"
echo "neighbour after: $(probe 400)"
