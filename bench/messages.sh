#!/usr/bin/env bash
# Guest messages: enqueue-to-sent latency and messages/s for one worker with the file mailer
# and with Resend's client against a local fake (RATE per second for SECONDS, then a burst),
# and 10,000 reservations' reminders on a simulated clock (each once, within a minute, none
# for cancelled ones). Runs on a throwaway PostgreSQL cluster; prints its figures.
# Usage: bench/messages.sh [RATE] [SECONDS] [RESERVATIONS]
set -euo pipefail
cd "$(dirname "$0")/.."
. scripts/common.sh
ensure_postgres
cargo build --release --locked -q -p hostsystem --example message_load
echo "== enqueue to sent, ${1:-100} messages/s for ${2:-20} s, one worker"
./target/release/examples/message_load throughput "${1:-100}" "${2:-20}"
echo "== reminders of ${3:-10000} reservations over a week (simulated clock, one-minute steps)"
./target/release/examples/message_load reminders "${3:-10000}"
