#!/usr/bin/env bash
# Install python-binance-chain (test dependency) as its users must: its own pins no longer resolve.
set -euo pipefail
cd "$(dirname "$0")/.."
pip install -q --no-deps python-binance-chain==0.1.20 pywallet==0.1.0 two1==3.10.9
pip install -q -r requirements-client.txt
