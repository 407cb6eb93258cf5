#!/usr/bin/env bash
# Installs what is missing, builds HostSystem and runs it with the demo restaurant on the
# embedded PostgreSQL. Prints the URL and the demo logins. Stop with Ctrl-C.
set -euo pipefail
cd "$(dirname "$0")/.."
. scripts/common.sh
ensure_rust
ensure_postgres
echo "==> building (release)"
cargo build --release --locked -p hostsystem
data="${HOSTSYSTEM_DATA_DIR:-./data}"
# As root, PostgreSQL runs as the 'postgres' user, which must be able to enter the data dir.
if [ "$(id -u)" -eq 0 ] && id postgres >/dev/null 2>&1; then
  mkdir -p "$data"
  if ! runuser -u postgres -- test -x "$(cd "$data" && pwd)"; then
    data=/var/lib/hostsystem
    echo "==> $PWD is closed to the postgres user; using $data for data"
  fi
fi
export HOSTSYSTEM_DATA_DIR="$data"
export HOSTSYSTEM_LOG_FORMAT="${HOSTSYSTEM_LOG_FORMAT:-pretty}"
exec ./target/release/hostsystem serve --demo "$@"
