"""`devnet --state FILE`: the ledger survives a restart, is written atomically, and refuses foreign files."""

import dataclasses
import hashlib
import json
import os
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

import httpx
import pytest

from app.chain.address import decode_address
from app.chain.keys import SigningKey
from app.chain.messages import SIDE_BUY, TIF_GTE, CancelOrder, Coin, NewOrder, Send, TokenFreeze, Vote
from app.chain.tx import order_id, sign_tx
from app.devnet import persist
from app.devnet.server import create_app
from app.devnet.state import Balance, Ledger

pytestmark = pytest.mark.timeout(60)

CHAIN_ID = "Binance-Dev"
HRP = "tbnb"
COIN = 10**8
ROOT = Path(__file__).resolve().parents[2]
ALICE = SigningKey.from_hex(hashlib.sha256(b"persist-alice").hexdigest())
BOB = SigningKey.from_hex(hashlib.sha256(b"persist-bob").hexdigest())
A, B = ALICE.address(HRP), BOB.address(HRP)


def new_ledger() -> Ledger:
    return Ledger(chain_id=CHAIN_ID, hrp=HRP, genesis=[A, B])


def signed(ledger: Ledger, msg, key: SigningKey = ALICE) -> bytes:
    """msg signed by key at its account's current number and sequence."""
    account = ledger.account(key.address(HRP))
    assert account is not None
    tx = sign_tx(key=key, msg=msg, chain_id=CHAIN_ID, account_number=account.account_number, sequence=account.sequence)
    return tx.encode()


def new_order(ledger: Ledger) -> NewOrder:
    sequence = ledger.account(A).sequence
    return NewOrder(
        sender=A,
        id=order_id(decode_address(A), sequence),
        symbol="ANN-457_BNB",
        side=SIDE_BUY,
        price=COIN // 100,
        quantity=10 * COIN,
        timeinforce=TIF_GTE,
    )


def busy_ledger() -> tuple[Ledger, NewOrder]:
    """A ledger with a transfer, a resting order, a freeze and a vote applied."""
    ledger = new_ledger()
    ledger.broadcast(signed(ledger, Send.simple(sender=A, to=B, coins=[Coin("BNB", 3 * COIN)])))
    order = new_order(ledger)
    ledger.broadcast(signed(ledger, order))
    ledger.broadcast(signed(ledger, TokenFreeze(from_=A, symbol="BNB", amount=COIN)))
    ledger.broadcast(signed(ledger, Vote(voter=A, proposal_id=2, option=1)))
    return ledger, order


def test_saved_ledger_loads_into_the_same_state(tmp_path: Path) -> None:
    ledger, _ = busy_ledger()
    path = tmp_path / "devnet.json"
    persist.save(ledger, path)
    restored = new_ledger()
    assert persist.load(restored, path) is True
    assert persist.snapshot(restored) == persist.snapshot(ledger)
    assert restored.height == 4
    assert restored.account(A).sequence == 4
    assert restored.account(A).balance("BNB").frozen == COIN
    assert restored.vote(2, A) == 1
    first = next(iter(ledger.state.txs))
    assert restored.tx(first) == ledger.tx(first)  # committed txs come back as equal dataclasses


def test_restored_ledger_goes_on_where_it_stopped(tmp_path: Path) -> None:
    ledger, order = busy_ledger()
    path = tmp_path / "devnet.json"
    persist.save(ledger, path)
    restored = new_ledger()
    persist.load(restored, path)
    # The resting order's lock came back: cancelling it frees the quote coins; the sequence follows on.
    committed = restored.broadcast(signed(restored, CancelOrder(sender=A, symbol=order.symbol, refid=order.id)))
    assert committed.height == 5
    assert restored.open_orders(A) == []
    assert restored.account(A).balance("BNB").locked == 0


def test_missing_file_loads_nothing(tmp_path: Path) -> None:
    ledger = new_ledger()
    assert persist.load(ledger, tmp_path / "absent.json") is False
    assert ledger.height == 0


def test_fields_added_later_are_saved_and_old_files_still_load(tmp_path: Path) -> None:
    """Nothing in persist names a Ledger field: a new attribute is saved, a missing one keeps its default."""
    ledger, _ = busy_ledger()
    ledger._new_state = {("X-1", 7): [Balance(free=5)], "set": frozenset({b"\x01", b"\x02"})}
    path = tmp_path / "devnet.json"
    persist.save(ledger, path)
    restored = new_ledger()
    persist.load(restored, path)
    assert restored._new_state == ledger._new_state

    document = json.loads(path.read_text())
    del document["state"]["_new_state"]  # a file written before the field existed
    for entry in document["state"]["state"]["fields"]["accounts"]["items"]:
        del entry[1]["fields"]["public_key"]  # a dataclass field added since: it takes its default
    path.write_text(json.dumps(document))
    older = new_ledger()
    persist.load(older, path)
    assert not hasattr(older, "_new_state")
    assert older.account(A).public_key is None
    assert older.account(A).sequence == 4


def test_a_value_that_is_not_plain_data_fails_the_save_and_keeps_the_old_file(tmp_path: Path) -> None:
    ledger, _ = busy_ledger()
    path = tmp_path / "devnet.json"
    persist.save(ledger, path)
    before = path.read_bytes()
    ledger._oops = object()
    with pytest.raises(TypeError, match="cannot save a object"):
        persist.save(ledger, path)
    assert path.read_bytes() == before
    assert sorted(p.name for p in tmp_path.iterdir()) == ["devnet.json"]  # no temporary file left


def test_save_replaces_the_file_by_rename(tmp_path: Path) -> None:
    ledger = new_ledger()
    path = tmp_path / "devnet.json"
    persist.save(ledger, path)
    inode = path.stat().st_ino
    ledger.broadcast(signed(ledger, Vote(voter=A, proposal_id=1, option=2)))
    persist.save(ledger, path)
    assert path.stat().st_ino != inode  # a new file renamed over the old one, never rewritten in place
    assert sorted(p.name for p in tmp_path.iterdir()) == ["devnet.json"]


@pytest.mark.parametrize(
    ("change", "message"),
    [
        (lambda d: d.update(chain_id="Other-Chain"), "chain_id 'Other-Chain'"),
        (lambda d: d.update(format=99), "format 99"),
        (lambda d: d["state"].update(proposals={"__kind__": "dataclass", "class": "os:system", "fields": {}}), "os"),
        (lambda d: d["state"].update(proposals={"__kind__": "enum", "class": "app.devnet.state:Ledger"}), "data"),
        (lambda d: d["state"].update(proposals={"__kind__": "pickle"}), "unknown entry"),
    ],
)
def test_foreign_or_tampered_files_are_refused(tmp_path: Path, change, message: str) -> None:
    path = tmp_path / "devnet.json"
    persist.save(new_ledger(), path)
    document = json.loads(path.read_text())
    change(document)
    path.write_text(json.dumps(document))
    with pytest.raises(persist.StateFileError, match=message):
        persist.load(new_ledger(), path)


def test_not_json_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "devnet.json"
    path.write_text("{half")
    with pytest.raises(persist.StateFileError, match="not JSON"):
        persist.load(new_ledger(), path)


def test_a_dataclass_comes_back_field_for_field() -> None:
    """Restoring must not re-run validation or defaults: the saved values are the state."""
    balance = persist.decode(persist.encode(Balance(free=1, locked=2, frozen=3)))
    assert dataclasses.astuple(balance) == (1, 2, 3)


async def test_the_server_saves_after_each_applied_tx_only() -> None:
    saves: list[int] = []
    app = create_app(chain_id=CHAIN_ID, hrp=HRP, genesis=[A], on_change=lambda ledger: saves.append(ledger.height))
    ledger: Ledger = app.state.ledger
    good = signed(ledger, Vote(voter=A, proposal_id=1, option=1))
    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport, base_url="http://devnet") as client:
        assert (await client.post("/api/v1/broadcast", content=good.hex())).status_code == 200
        assert (await client.post("/api/v1/broadcast", content=good.hex())).status_code == 403  # replayed: refused
    assert saves == [1]


# ---- the command line, as a process ----


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def start_devnet(state: Path, port: int, log: Path) -> subprocess.Popen:
    args = ["devnet", "--port", str(port), "--chain-id", CHAIN_ID, "--fund", A, "--state", str(state)]
    with log.open("ab") as out:
        process = subprocess.Popen([sys.executable, "-m", "app", *args], cwd=ROOT, stdout=out, stderr=out)
    deadline = time.monotonic() + 20
    while time.monotonic() < deadline:
        assert process.poll() is None, log.read_text()
        try:
            httpx.get(f"http://127.0.0.1:{port}/api/v1/node-info", timeout=0.5)
            return process
        except httpx.HTTPError:
            time.sleep(0.1)
    process.kill()
    raise AssertionError(f"devnet did not come up in 20 s: {log.read_text()}")


def stop(process: subprocess.Popen) -> None:
    process.send_signal(signal.SIGTERM)
    try:
        process.wait(timeout=10)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait()


def test_devnet_restarted_with_the_same_state_file_keeps_sequences_and_balances(tmp_path: Path) -> None:
    state, log, port = tmp_path / "devnet.json", tmp_path / "devnet.log", free_port()
    url = f"http://127.0.0.1:{port}"
    process = start_devnet(state, port, log)
    try:
        assert state.exists()  # written at start, so a bad path fails before the first tx
        tx = sign_tx(key=ALICE, msg=Send.simple(sender=A, to=B, coins=[Coin("BNB", COIN)]), chain_id=CHAIN_ID,
                     account_number=0, sequence=0)  # fmt: skip
        assert httpx.post(f"{url}/api/v1/broadcast", content=tx.encode().hex(), timeout=5).status_code == 200
    finally:
        stop(process)
    process = start_devnet(state, port, log)
    try:
        assert httpx.get(f"{url}/api/v1/account/{A}/sequence", timeout=5).json() == {"sequence": 1}
        assert httpx.get(f"{url}/api/v1/account/{B}", timeout=5).status_code == 200  # created by the transfer
        assert httpx.get(f"{url}/api/v1/node-info", timeout=5).json()["sync_info"]["latest_block_height"] == 1
    finally:
        stop(process)
    assert "devnet state loaded from" in log.read_text()
    assert [p.name for p in tmp_path.iterdir() if p.name.endswith(".tmp")] == []


def test_devnet_refuses_a_state_file_of_another_chain(tmp_path: Path) -> None:
    state = tmp_path / "devnet.json"
    persist.save(Ledger(chain_id="Other-Chain", hrp=HRP), state)
    result = subprocess.run(
        [sys.executable, "-m", "app", "devnet", "--port", str(free_port()), "--state", str(state)],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=30,
        check=False,
    )
    assert result.returncode == 2
    assert "--state: devnet state: the file is for chain_id 'Other-Chain'" in result.stderr
    assert os.path.getsize(state) > 0


async def test_a_saved_ledger_keeps_its_id_and_node_info_shows_it(tmp_path: Path) -> None:
    ledger, path = new_ledger(), tmp_path / "devnet.json"
    persist.save(ledger, path)
    app = create_app(chain_id=CHAIN_ID, hrp=HRP, genesis=[A])
    assert app.state.ledger.ledger_id != ledger.ledger_id  # each new ledger has its own
    assert persist.load(app.state.ledger, path) and app.state.ledger.ledger_id == ledger.ledger_id
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://devnet") as client:
        info = (await client.get("/api/v1/node-info")).json()
    assert info["node_info"]["other"]["ledger_id"] == ledger.ledger_id
