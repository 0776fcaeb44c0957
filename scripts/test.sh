#!/usr/bin/env bash
# Set up .venv with the test requirements and run lint plus the whole test suite.
# Extra arguments go to pytest, e.g. ./scripts/test.sh -k transfer
set -euo pipefail
cd "$(dirname "$0")/.."
. scripts/_venv.sh
# SoftHSM2 (a PKCS#11 token in software) for tests/keys; installed when missing and we are root,
# else those tests skip with the reason.
if ! command -v softhsm2-util >/dev/null 2>&1 && [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then
  { apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq softhsm2; } >/dev/null \
    || echo "softhsm2 could not be installed; the PKCS#11 tests will skip" >&2
fi
pip install -q -r requirements-test.txt
python -c 'import binance_chain' 2>/dev/null || scripts/install-client.sh
# checkov (static scan of terraform/) pins packages that clash with the test tools: own venv.
if [ ! -x .venv-checkov/bin/checkov ]; then
  "$PYTHON" -m venv .venv-checkov
  .venv-checkov/bin/pip install -q checkov==3.3.30
fi
export CHECKOV="$PWD/.venv-checkov/bin/checkov"
ruff check .
ruff format --check .
mypy  # strict, over app/ (pyproject.toml)
python -m pytest "$@"
