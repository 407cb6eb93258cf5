#!/usr/bin/env bash
# The website widget's figures (issue: widget under 20 KB, takeover live, 1,000 idle streams):
# 1. the script's bytes, plain and gzipped, as a browser gets it;
# 2. the first paint of the launcher on a restaurant's page (Chromium, a fresh browser context
#    each time, the page on another origin with a strict CSP): bench/widget_paint.mjs;
# 3. a team member's send on the dashboard to the message in the guest's open widget stream,
#    p50/p99 over N messages (goal < 1 s);
# 4. STREAMS (default 1,000) idle open widget streams on one server process: memory added
#    (goal < 50 MB) and the p99 of other requests while they are open.
# Usage: bench/widget.sh [STREAMS] [MESSAGES]
set -euo pipefail
cd "$(dirname "$0")/.."
streams="${1:-1000}"; messages="${2:-200}"
cargo build --release --locked -q -p hostsystem --bin hostsystem --example widget_load
bin=./target/release/hostsystem
load=./target/release/examples/widget_load
dir=$(mktemp -d /tmp/hs-widget-XXXX); chmod 755 "$dir"
port=${PORT:-8095}
# One open stream is one connection: the server (and this client) need more than the default
# 1,024 file descriptors.
ulimit -n 8192
export HOSTSYSTEM_DATA_DIR="$dir/data" HOSTSYSTEM_BIND=127.0.0.1:$port HOSTSYSTEM_LOG_LEVEL=warn
base="http://$HOSTSYSTEM_BIND"
"$bin" demo --json > "$dir/demo.json"
read -r pid_public email password < <(python3 -c '
import json, sys
d = json.load(open(sys.argv[1]))
m = next(u for u in d["users"] if u["role"] == "manager")
print(d["widget"]["public_id"], m["email"], m["password"])' "$dir/demo.json")
server=
cleanup() { [ -n "$server" ] && { kill -TERM "$server" 2>/dev/null || true; wait "$server" 2>/dev/null || true; }; rm -rf "$dir"; }
trap cleanup EXIT
"$bin" serve > "$dir/serve.log" 2>&1 & server=$!
until curl -sf "$base/api/health" > /dev/null; do sleep 0.05; done

echo "== widget.js as a browser gets it"
plain=$(curl -s "$base/widget.js" | wc -c)
gz=$(curl -s -H 'accept-encoding: gzip' "$base/widget.js" | wc -c)
echo "widget.js: $plain bytes, $gz bytes gzipped (goal < 20 KB with everything it loads)"

echo "== a team member's message to the guest's open widget, $messages messages"
"$load" latency "$base" "$pid_public" "$email" "$password" "$messages"

echo "== $streams idle widget streams on one server process"
"$load" streams "$base" "$pid_public" "$streams" "$server"
kill -TERM "$server"; wait "$server" 2>/dev/null || true; server=

echo "== first paint of the launcher (Chromium)"
if [ -x /usr/bin/chromium ] && [ -d tests/browser/node_modules/playwright-core ]; then
  HOSTSYSTEM_BIN="$(pwd)/$bin" node bench/widget_paint.mjs
else
  echo "skipped: needs Debian's chromium and tests/browser's npm packages (run the test suite once)"
fi
