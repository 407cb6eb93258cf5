#!/usr/bin/env bash
# Measures `hostsystem serve` start-to-healthy on an existing embedded cluster (goal < 2 s) and
# the server's idle RSS (goal < 60 MB). Builds the release binary first. Prints the figures.
set -euo pipefail
cd "$(dirname "$0")/.."
cargo build --release --locked -q -p hostsystem
bin=./target/release/hostsystem
dir=$(mktemp -d /tmp/hs-bench-XXXX); chmod 755 "$dir"
trap 'rm -rf "$dir"' EXIT
export HOSTSYSTEM_DATA_DIR="$dir/data" HOSTSYSTEM_BIND=127.0.0.1:${PORT:-8099} HOSTSYSTEM_LOG_LEVEL=warn
url="http://$HOSTSYSTEM_BIND/api/health"
"$bin" demo --json > /dev/null          # first start: initdb, migrations, demo data
for i in 1 2 3 4 5; do
  start=$(date +%s%N)
  "$bin" serve > /dev/null 2>&1 & pid=$!
  until curl -sf "$url" > /dev/null; do sleep 0.005; done
  echo "start-to-healthy run $i: $(( ($(date +%s%N) - start) / 1000000 )) ms"
  if [ "$i" = 5 ]; then
    for _ in $(seq 20); do curl -s "http://$HOSTSYSTEM_BIND/login" > /dev/null; curl -s "$url" > /dev/null; done
    sleep 2
    echo "idle RSS of hostsystem after 40 requests: $(( $(ps -o rss= -p "$pid") / 1024 )) MiB"
  fi
  kill -TERM "$pid"; wait "$pid"
done
