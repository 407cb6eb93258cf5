#!/usr/bin/env bash
# The whole test suite: formatting, lints, and every test (unit, PostgreSQL, HTTP, CLI).
# Installs what is missing first. CI runs exactly this (.ci/run).
set -euo pipefail
cd "$(dirname "$0")/.."
. scripts/common.sh
ensure_rust
ensure_postgres
ensure_smtp_server
started=$(date +%s)
echo "==> cargo fmt --check"
cargo fmt --all -- --check
echo "==> cargo clippy -D warnings"
cargo clippy --locked --all-targets -- -D warnings
echo "==> cargo test"
cargo test --locked --workspace
echo "==> API fuzzing: schemathesis against the served OpenAPI document"
bash scripts/api-fuzz.sh
echo "==> browser tests (playwright-core driving Debian's Chromium; screenshots in test-output/)"
ensure_browser_tools
(
  cd tests/browser
  [ -d node_modules/playwright-core ] || npm ci --no-audit --no-fund --loglevel=error
  node --test --test-concurrency=1
)
echo "==> test suite finished in $(( $(date +%s) - started )) s"
