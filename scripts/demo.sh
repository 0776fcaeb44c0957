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
# Both ports must be free: a server already there (another demo's devnet, any HTTP server) would
# otherwise answer in place of ours, and the service would sign against the wrong ledger.
python - "$DEVNET_HOST" "$DEVNET_PORT" devnet 127.0.0.1 "$PORT" service <<'PY'
import socket, sys
args = sys.argv[1:]
for host, port, what in zip(args[::3], args[1::3], args[2::3]):
    try:
        with socket.create_server((host, int(port))):
            pass
    except OSError as exc:
        name = "DEVNET_PORT" if what == "devnet" else "PORT"
        sys.exit(f"demo: port {port} on {host} is in use ({exc.strerror}): stop what listens there "
                 f"(another demo?) or choose another, e.g. {name}={int(port) + 10000}")
PY
# The devnet keeps its ledger beside the service's store, so restarting both keeps them in step.
python -m app devnet --config "$DEMO_DIR/config.yml" --host "$DEVNET_HOST" --port "$DEVNET_PORT" \
  --state "$DEMO_DIR/devnet.json" &
DEVNET_PID=$!
trap 'kill $DEVNET_PID 2>/dev/null || true' EXIT
python - "$DEVNET_HOST" "$DEVNET_PORT" "$DEVNET_PID" "$DEMO_DIR/devnet.json" <<'PY'
import json, os, sys, time
import httpx
host, port, pid, state = sys.argv[1], sys.argv[2], int(sys.argv[3]), sys.argv[4]


def ours(answer: httpx.Response) -> bool:
    """node-info of this demo's devnet: its ledger id is the one in this demo's ledger file."""
    try:
        ledger_id = json.loads(open(state, encoding="utf-8").read())["state"]["ledger_id"]
        other = answer.json()["node_info"]["other"]
    except (OSError, ValueError, KeyError, TypeError):
        return False
    return answer.status_code == 200 and other.get("ledger_id") == ledger_id


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
        answer = httpx.get(f"http://{host}:{port}/api/v1/node-info", timeout=1)
    except httpx.HTTPError:
        time.sleep(0.2)
        continue
    if ours(answer):
        sys.exit(0)
    time.sleep(0.2)  # another server answered: ours may still be binding, or exit (then said above)
sys.exit(f"demo: what answers on {host}:{port} is not this demo's devnet (ledger {state}) within 20 s")
PY
cat <<MSG

  Signing service: http://127.0.0.1:$PORT      API docs (Swagger UI): http://127.0.0.1:$PORT/docs
  Demo logins: "demo" / "demo-password", "bot" / "bot-password", "approver" / "approver-password"
  Local chain node (devnet): http://$DEVNET_HOST:$DEVNET_PORT
  State (config, store, ledger): $DEMO_DIR/ (delete it to start over)

MSG
python -m app serve --config "$DEMO_DIR/config.yml" --port "$PORT"
