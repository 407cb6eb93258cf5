#!/usr/bin/env bash
# The built-in chat agent: reading a message, and a whole turn in its restaurant transaction
# (state, tools, booking, commit), p50/p99 per message over N booking dialogues (default 200).
# Runs on a throwaway PostgreSQL cluster; prints its figures.
# Usage: bench/chat.sh [DIALOGUES]
set -euo pipefail
cd "$(dirname "$0")/.."
. scripts/common.sh
ensure_postgres
cargo build --release --locked -q -p hostsystem --example chat_load
./target/release/examples/chat_load "${1:-200}"
