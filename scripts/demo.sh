#!/usr/bin/env bash
# Set up .venv, start the local devnet (funding the demo wallets) and the signing service on the
# demo config. Ctrl-C stops both.
set -euo pipefail
cd "$(dirname "$0")/.."
. scripts/_venv.sh
pip install -q -r requirements.txt
CONFIG="${CONFIG:-config/config.yml}"
DEVNET_PORT="${DEVNET_PORT:-8080}"
PORT="${PORT:-8000}"
python -m app check-config --config "$CONFIG" >/dev/null
python -m app devnet --config "$CONFIG" --port "$DEVNET_PORT" &
DEVNET_PID=$!
trap 'kill $DEVNET_PID 2>/dev/null || true' EXIT
for _ in $(seq 1 50); do
  if python -c "import httpx,sys; httpx.get('http://127.0.0.1:$DEVNET_PORT/api/v1/node-info', timeout=1)" 2>/dev/null; then
    break
  fi
  sleep 0.2
done
cat <<MSG

  Signing service: http://127.0.0.1:$PORT      API docs (Swagger UI): http://127.0.0.1:$PORT/docs
  Demo login: username "demo", password "demo-password" (or "bot" / "bot-password")
  Local chain node (devnet): http://127.0.0.1:$DEVNET_PORT

MSG
python -m app serve --config "$CONFIG" --port "$PORT"
