#!/usr/bin/env bash
# Set up .venv, start the local devnet (funding the demo wallets) and the signing service on the
# demo config. Ctrl-C stops both.
#   PORT         the service's port (default 8000)
#   DEVNET_PORT  the devnet's port (default 8080); the service is pointed at it
#   DEVNET_HOST  the devnet's address (default 127.0.0.1)
#   CONFIG       the config to start from (default config/config.yml)
#   DEMO_DIR     where all demo state lives (default .demo, ignored by git): the config written from
#                CONFIG, the service's store and the devnet's ledger. Delete it to start over.
set -euo pipefail
cd "$(dirname "$0")/.."
. scripts/_venv.sh
pip install -qq -r requirements.txt
CONFIG="${CONFIG:-config/config.yml}"
PORT="${PORT:-8000}"
DEVNET_PORT="${DEVNET_PORT:-8080}"
DEVNET_HOST="${DEVNET_HOST:-127.0.0.1}"
DEMO_DIR="${DEMO_DIR:-.demo}"
mkdir -p "$DEMO_DIR"
# The service's own config: CONFIG with its local node on DEVNET_PORT and its store in DEMO_DIR.
python scripts/demo_config.py --config "$CONFIG" --node-url "http://$DEVNET_HOST:$DEVNET_PORT" --out "$DEMO_DIR/config.yml"
python -m app check-config --config "$DEMO_DIR/config.yml" >/dev/null
# The devnet keeps its ledger beside the service's store, so restarting both keeps them in step.
python -m app devnet --config "$DEMO_DIR/config.yml" --host "$DEVNET_HOST" --port "$DEVNET_PORT" \
  --state "$DEMO_DIR/devnet.json" &
DEVNET_PID=$!
trap 'kill $DEVNET_PID 2>/dev/null || true' EXIT
python - "$DEVNET_HOST" "$DEVNET_PORT" "$DEVNET_PID" <<'PY'
import os, sys, time
import httpx
host, port, pid = sys.argv[1], sys.argv[2], int(sys.argv[3])
deadline = time.monotonic() + 20
while time.monotonic() < deadline:
    try:
        os.kill(pid, 0)
        with open(f"/proc/{pid}/stat") as stat:  # exited but not yet reaped by this shell: a zombie
            if stat.read().rsplit(")", 1)[1].split()[0] == "Z":
                raise ProcessLookupError
    except ProcessLookupError:
        sys.exit("the devnet exited: see its message above")
    except OSError:
        pass  # no /proc here: the deadline still bounds the wait
    try:
        httpx.get(f"http://{host}:{port}/api/v1/node-info", timeout=1)
        sys.exit(0)
    except httpx.HTTPError:
        time.sleep(0.2)
sys.exit(f"the devnet did not answer on {host}:{port} within 20 s")
PY
cat <<MSG

  Signing service: http://127.0.0.1:$PORT      API docs (Swagger UI): http://127.0.0.1:$PORT/docs
  Demo login: username "demo", password "demo-password" (or "bot" / "bot-password")
  Local chain node (devnet): http://$DEVNET_HOST:$DEVNET_PORT
  State (config, store, ledger): $DEMO_DIR/ (delete it to start over)

MSG
python -m app serve --config "$DEMO_DIR/config.yml" --port "$PORT"
