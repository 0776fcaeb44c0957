#!/usr/bin/env bash
# Set up .venv with the test requirements and run lint plus the whole test suite.
# Extra arguments go to pytest, e.g. ./scripts/test.sh -k transfer
set -euo pipefail
cd "$(dirname "$0")/.."
. scripts/_venv.sh
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
