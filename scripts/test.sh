#!/usr/bin/env bash
# Set up .venv with the test requirements and run lint plus the whole test suite.
# Extra arguments go to pytest, e.g. ./scripts/test.sh -k transfer
set -euo pipefail
cd "$(dirname "$0")/.."
say() { printf '==> %s\n' "$*"; }
if [ ! -x .venv/bin/python ]; then
  say "first run: creating .venv and .venv-checkov (see README, Quick start, for the time and disk this takes)"
fi
. scripts/_venv.sh
say "test requirements -> .venv (pip -qq: errors only)"
pip install -qq -r requirements-test.txt
if ! python -c 'import binance_chain' 2>/dev/null; then
  say "python-binance-chain 0.1.20 -> .venv with --no-deps: its own pins no longer install (scripts/install-client.sh says why)"
  scripts/install-client.sh
fi
# checkov (static scan of terraform/) pins packages that clash with the test tools: own venv.
if [ ! -x .venv-checkov/bin/checkov ]; then
  say "checkov -> .venv-checkov (its pins clash with the test tools; once)"
  "$PYTHON" -m venv .venv-checkov
  .venv-checkov/bin/pip install -qq checkov==3.3.30
fi
export CHECKOV="$PWD/.venv-checkov/bin/checkov"
# tests/deploy/test_container.py builds and runs the image: it needs a Docker engine and debootstrap
# (its base image is made from the Debian mirror). Installed once when missing, if apt-get can;
# otherwise that test skips and says why.
if ! command -v dockerd >/dev/null || ! command -v debootstrap >/dev/null; then
  if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null; then
    say "docker.io, debootstrap -> apt-get (for the container test; once)"
    { apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq docker.io debootstrap; } >/dev/null \
      || say "apt-get could not install them: the container test will skip"
  else
    say "no dockerd or debootstrap, and no apt-get as root: the container test will skip"
  fi
fi
say "ruff check, ruff format --check"
ruff check .
ruff format --check .
say "pytest $*"
python -m pytest "$@"
