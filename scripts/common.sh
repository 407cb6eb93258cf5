# Shared by run-demo.sh and test.sh: make sure the tools HostSystem needs are on this Debian
# machine, installing what is missing from Debian's packages (as root).
set -euo pipefail

as_root() {
  if [ "$(id -u)" -eq 0 ]; then "$@"; elif command -v sudo >/dev/null; then sudo "$@"; else
    echo "error: need root to run: $*" >&2; exit 1; fi
}

apt_updated=0
apt_install() {
  if [ "$apt_updated" -eq 0 ]; then as_root apt-get update -qq; apt_updated=1; fi
  as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "$@"
}

have_postgres() {
  if [ -n "${HOSTSYSTEM_PG_BIN_DIR:-}" ] && [ -x "$HOSTSYSTEM_PG_BIN_DIR/initdb" ]; then return 0; fi
  ls /usr/lib/postgresql/*/bin/initdb >/dev/null 2>&1 || command -v initdb >/dev/null 2>&1
}

ensure_postgres() {
  if ! have_postgres; then
    echo "==> installing PostgreSQL from Debian's packages"
    apt_install postgresql
  fi
}

ensure_rust() {
  if ! command -v cargo >/dev/null 2>&1 && [ -x "$HOME/.cargo/bin/cargo" ]; then
    export PATH="$HOME/.cargo/bin:$PATH"
  fi
  if ! command -v cargo >/dev/null 2>&1; then
    echo "==> installing the Rust toolchain (rustup)"
    command -v curl >/dev/null 2>&1 || apt_install curl ca-certificates
    command -v cc >/dev/null 2>&1 || apt_install gcc libc6-dev
    curl --proto '=https' --tlsv1.2 -sSf https://sh.rustup.rs | sh -s -- -y --profile minimal -c clippy,rustfmt
    export PATH="$HOME/.cargo/bin:$PATH"
  fi
  command -v cc >/dev/null 2>&1 || apt_install gcc libc6-dev
}

ensure_browser_tools() {
  if [ ! -x /usr/bin/chromium ]; then
    echo "==> installing Chromium from Debian's packages"
    apt_install chromium
  fi
  if ! command -v node >/dev/null 2>&1 || ! command -v npm >/dev/null 2>&1; then
    echo "==> installing Node.js from Debian's packages"
    apt_install nodejs npm
  fi
}

ensure_python_venv() {
  if ! command -v python3 >/dev/null 2>&1; then
    echo "==> installing Python from Debian's packages"
    apt_install python3 python3-venv
  elif ! python3 -c 'import ensurepip, venv' >/dev/null 2>&1; then
    echo "==> installing python3-venv from Debian's packages"
    apt_install python3-venv
  fi
  command -v curl >/dev/null 2>&1 || apt_install curl ca-certificates
}

# The Python the tests use, in its own venv with packages from PyPI: aiosmtpd (a real SMTP
# server for the SMTP transport's test) and the official openai client (which talks to the
# agent's chat-completions endpoint in a test). Exports HOSTSYSTEM_TEST_SMTPD and
# HOSTSYSTEM_TEST_PYTHON, both that Python.
ensure_smtp_server() {
  ensure_python_venv
  # moto's S3 server stands in for an S3-compatible bucket (guests' files).
  local venv=target/smtpd-venv smtpd=1.4.6 openai=3.57.0 moto=5.2.5
  if [ ! -x "$venv/bin/python" ] || ! "$venv/bin/python" -c "import aiosmtpd, openai, moto, moto.server, sys; sys.exit(aiosmtpd.__version__ != '$smtpd' or openai.__version__ != '$openai' or moto.__version__ != '$moto')" 2>/dev/null; then
    echo "==> installing aiosmtpd $smtpd, openai $openai and moto[server] $moto into $venv"
    python3 -m venv "$venv"
    "$venv/bin/pip" install -q --disable-pip-version-check "aiosmtpd==$smtpd" "openai==$openai" "moto[server]==$moto"
  fi
  HOSTSYSTEM_TEST_SMTPD="$(pwd)/$venv/bin/python"
  HOSTSYSTEM_TEST_PYTHON="$HOSTSYSTEM_TEST_SMTPD"
  export HOSTSYSTEM_TEST_SMTPD HOSTSYSTEM_TEST_PYTHON
}
