#!/usr/bin/env bash
# The chat agent over HTTP, through its OpenAI-compatible endpoint on the demo restaurant:
# 1. the built-in agent: CONVERSATIONS concurrent guests (default 50) in booking dialogues for
#    SECONDS (default 20), first paced (1 s between a guest's messages; people type far slower),
#    then without pause (the server's capacity on this machine); p50/p99 per turn
#    (goal p99 < 30 ms at 50 conversations);
# 2. the model path: a local fake model that answers after 100 ms, asked directly and through
#    the endpoint of a server configured with it; the overhead HostSystem adds to the model's
#    time to first token (goal < 5 ms).
# Usage: bench/chat_http.sh [CONVERSATIONS] [SECONDS]
set -euo pipefail
cd "$(dirname "$0")/.."
guests="${1:-50}"; seconds="${2:-20}"
cargo build --release --locked -q -p hostsystem --bin hostsystem --example chat_http_load
bin=./target/release/hostsystem
load=./target/release/examples/chat_http_load
dir=$(mktemp -d /tmp/hs-chat-XXXX); chmod 755 "$dir"
port=${PORT:-8097}; model_port=$((port + 1))
export HOSTSYSTEM_DATA_DIR="$dir/data" HOSTSYSTEM_BIND=127.0.0.1:$port HOSTSYSTEM_LOG_LEVEL=warn HOSTSYSTEM_VOICE_RATE_PER_MINUTE=10000000
"$bin" demo --json > "$dir/demo.json"
rid=$(python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))["restaurant_id"])' "$dir/demo.json")
key=$(python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))["agent"]["key"])' "$dir/demo.json")
pids=()
cleanup() { for p in "${pids[@]}"; do kill -TERM "$p" 2>/dev/null || true; wait "$p" 2>/dev/null || true; done; rm -rf "$dir"; }
trap cleanup EXIT
serve() { "$bin" serve > "$dir/serve.log" 2>&1 & pid=$!; pids+=("$pid"); until curl -sf "http://$HOSTSYSTEM_BIND/api/health" > /dev/null; do sleep 0.05; done; }
serve
echo "== the built-in agent over HTTP: $guests conversations, paced (1 s between a guest's messages)"
THINK_MS=1000 "$load" turns "http://$HOSTSYSTEM_BIND" "$rid" "$key" "$guests" "$seconds"
echo "== the same conversations without any pause (saturation)"
THINK_MS=0 "$load" turns "http://$HOSTSYSTEM_BIND" "$rid" "$key" "$guests" "$seconds"
echo "server RSS after the run: $(( $(awk '/VmRSS/ {print $2}' /proc/$pid/status) / 1024 )) MiB"
kill -TERM "$pid"; wait "$pid" 2>/dev/null || true
# The model path on fresh demo data (not on the tables the saturation run just filled).
rm -rf "$HOSTSYSTEM_DATA_DIR"; "$bin" demo --json > "$dir/demo.json"
rid=$(python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))["restaurant_id"])' "$dir/demo.json")
key=$(python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))["agent"]["key"])' "$dir/demo.json")
"$load" fake-model "127.0.0.1:$model_port" 100 & pids+=("$!")
export HOSTSYSTEM_MODEL_BASE_URL="http://127.0.0.1:$model_port/v1" HOSTSYSTEM_MODEL=fake
serve
echo "== the model path: a fake model with 100 ms to its first token, directly and through the endpoint"
"$load" ttft "http://$HOSTSYSTEM_BIND" "$rid" "$key" "http://127.0.0.1:$model_port/v1" 200
