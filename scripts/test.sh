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
# System packages some tests need, installed once when missing, if apt-get can (else those tests
# skip and say why): SoftHSM2 (a PKCS#11 token in software) for the HSM wallets; a Docker engine
# and debootstrap (the image's base is made from the Debian mirror) for tests/deploy/test_container.py;
# Chromium and its WebDriver for the browser tests of /docs and the console (tests/e2e/test_docs.py,
# tests/e2e/test_console.py).
missing=()
command -v softhsm2-util >/dev/null || missing+=(softhsm2)
command -v dockerd >/dev/null || missing+=(docker.io)
command -v debootstrap >/dev/null || missing+=(debootstrap)
command -v chromium >/dev/null || missing+=(chromium)
command -v chromedriver >/dev/null || missing+=(chromium-driver)
if [ ${#missing[@]} -gt 0 ]; then
  if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null; then
    say "${missing[*]} -> apt-get (once)"
    # On a shared machine another apt may hold the dpkg lock: wait for it (up to 10 minutes) rather than fail.
    apt=(apt-get -qq -o DPkg::Lock::Timeout=600)
    { "${apt[@]}" update && DEBIAN_FRONTEND=noninteractive "${apt[@]}" install -y "${missing[@]}"; } >/dev/null \
      || say "apt-get could not install them: the tests that need them will skip"
  else
    say "missing ${missing[*]}, and no apt-get as root: the tests that need them will skip"
  fi
fi
say "ruff check, ruff format --check, mypy --strict"
ruff check .
ruff format --check .
mypy  # strict, over app/ (pyproject.toml)
# Every skip's reason is printed at the end (-rs, pyproject.toml); with CI=true a skipped required part
# (PostgreSQL, browser, container, SoftHSM2, python-binance-chain) fails the run (tests/runcheck.py).
say "pytest $*"
python -m pytest "$@"
