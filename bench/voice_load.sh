#!/usr/bin/env bash
# Voice tool calls end to end over HTTP: CALLERS concurrent callers (default 50) each ask
# check_availability and then create_reservation through the demo restaurant's generic voice
# endpoint for SECONDS (default 20), first paced like callers (1 s between tool calls), then
# without pause. Prints calls/s and p50/p99 latency (goal p99 < 50 ms at 50 callers).
# Usage: bench/voice_load.sh [CALLERS] [SECONDS]
set -euo pipefail
cd "$(dirname "$0")/.."
callers="${1:-50}"; seconds="${2:-20}"
cargo build --release --locked -q -p hostsystem --bin hostsystem --example voice_load
bin=./target/release/hostsystem
dir=$(mktemp -d /tmp/hs-voice-XXXX); chmod 755 "$dir"
export HOSTSYSTEM_DATA_DIR="$dir/data" HOSTSYSTEM_BIND=127.0.0.1:${PORT:-8098} HOSTSYSTEM_LOG_LEVEL=warn HOSTSYSTEM_API_RATE_PER_MINUTE=10000000 HOSTSYSTEM_VOICE_RATE_PER_MINUTE=10000000
"$bin" demo --json > "$dir/demo.json"
rid=$(python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))["restaurant_id"])' "$dir/demo.json")
secret=$(python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))["voice"]["secret"])' "$dir/demo.json")
"$bin" serve > /dev/null 2>&1 & pid=$!
cleanup() { kill -TERM "$pid" 2>/dev/null || true; wait "$pid" 2>/dev/null || true; rm -rf "$dir"; }
trap cleanup EXIT
until curl -sf "http://$HOSTSYSTEM_BIND/api/health" > /dev/null; do sleep 0.05; done
echo "== voice tools over HTTP: $callers callers, paced (1 s between a caller's tool calls; real calls pause longer)"
THINK_MS=1000 ./target/release/examples/voice_load "http://$HOSTSYSTEM_BIND" "$rid" "$secret" "$callers" "$seconds"
echo "== the same callers without any pause (saturation: the server's capacity on this machine)"
THINK_MS=0 ./target/release/examples/voice_load "http://$HOSTSYSTEM_BIND" "$rid" "$secret" "$callers" "$seconds"
echo "server RSS after the run: $(( $(awk '/VmRSS/ {print $2}' /proc/$pid/status) / 1024 )) MiB"
