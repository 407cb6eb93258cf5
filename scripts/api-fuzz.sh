#!/usr/bin/env bash
# Fuzzes the JSON API with schemathesis (from PyPI) against a fresh demo server: every
# operation of the served /api/openapi.json with the demo's manager token, all checks, about
# 3,900 generated cases. Exits non-zero on any failure. Part of scripts/test.sh.
#
#   HOSTSYSTEM_FUZZ_EXAMPLES  examples per operation and phase (default 100)
#   HOSTSYSTEM_FUZZ_SEED      hypothesis seed (default fixed, so CI runs are repeatable)
set -euo pipefail
cd "$(dirname "$0")/.."
. scripts/common.sh
ensure_rust
ensure_postgres
ensure_python_venv

version=4.32.5
venv=target/schemathesis-venv
if [ ! -x "$venv/bin/schemathesis" ] || ! "$venv/bin/schemathesis" --version | grep -q "$version"; then
  echo "==> installing schemathesis $version into $venv"
  python3 -m venv "$venv"
  "$venv/bin/pip" install -q --disable-pip-version-check "schemathesis==$version"
fi

cargo build --locked -q -p hostsystem
bin=target/debug/hostsystem
data=$(mktemp -d /tmp/hs-fuzz-XXXXXX)
chmod 755 "$data"
port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
export HOSTSYSTEM_DATA_DIR="$data/data" HOSTSYSTEM_BIND="127.0.0.1:$port" HOSTSYSTEM_LOG_LEVEL=warn
# The fuzzer sends thousands of requests a minute with one token.
export HOSTSYSTEM_API_RATE_PER_MINUTE=1000000
server=""
cleanup() {
  if [ -n "$server" ]; then kill -TERM "$server" 2>/dev/null || true; wait "$server" 2>/dev/null || true; fi
  rm -rf "$data"
}
trap cleanup EXIT

token=$("$bin" demo --json | python3 -c 'import json, sys; print(json.load(sys.stdin)["api_token"])')
"$bin" serve >"$data/serve.log" 2>&1 &
server=$!
for _ in $(seq 1 600); do
  if curl -fsS "http://127.0.0.1:$port/api/health" >/dev/null 2>&1; then break; fi
  kill -0 "$server" 2>/dev/null || { cat "$data/serve.log"; echo "server exited" >&2; exit 1; }
  sleep 0.1
done

# Voice webhooks and the agent's completions endpoint authenticate with the restaurant's
# secret or a Retell signature, not the API token; they are covered by the provider-payload
# tests (tests/it/voice.rs) and the agent endpoint's tests (tests/it/chat_api.rs).
status=0
# One worker: with two threads, CPython 3.11's ast.parse (which hypothesis calls to describe
# its filters) can fail with "SystemError: AST constructor recursion depth mismatch"
# (python/cpython#106905), a crash of the tool and not a finding about the API.
"$venv/bin/schemathesis" --no-color --config-file tests/api-fuzz/schemathesis.toml run \
  "http://127.0.0.1:$port/api/openapi.json" \
  -H "Authorization: Bearer $token" \
  --checks all \
  --max-examples "${HOSTSYSTEM_FUZZ_EXAMPLES:-100}" \
  --seed "${HOSTSYSTEM_FUZZ_SEED:-20261201}" \
  --exclude-path-regex '/(voice|agent)/' \
  --workers 1 || status=$?
if grep -q "panicked" "$data/serve.log"; then
  echo "the server panicked during the fuzz run:" >&2
  grep -A3 "panicked" "$data/serve.log" >&2
  status=1
fi
exit $status
