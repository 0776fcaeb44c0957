#!/usr/bin/env bash
# Install python-binance-chain 0.1.20 (the reference client of the end-to-end tests) as its users
# must: its PyPI metadata pins packages that no longer install (two1 wants requests<=2.11.1 and
# protobuf==3.0.0a3, for instance), so pip cannot resolve it. Its real runtime dependencies are
# pinned in requirements-client.txt and installed first; then the three packages go in with
# --no-deps, which also skips pip's check of their stale pins (the "dependency resolver" ERROR
# block pip would otherwise print: expected, and harmless, since those pins are never used).
set -euo pipefail
cd "$(dirname "$0")/.."
pip install -qq -r requirements-client.txt
pip install -qq --no-deps python-binance-chain==0.1.20 pywallet==0.1.0 two1==3.10.9
