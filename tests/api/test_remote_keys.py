"""Wallets whose key lives in SoftHSM2 (PKCS#11) or a moto KMS server, through the real app and the devnet.

Every message type signs and broadcasts byte-exact and low-S (the devnet, like the chain, refuses a
high-S signature); a KMS that dies mid-run gives 503, keeps the sequence and leaves the in-process
wallets signing; a wrong PIN stops start-up naming the wallet, never the PIN.
"""

import hashlib
from collections.abc import AsyncIterator
from typing import Any

import httpx
import pytest

from app.chain.node import NodeClient
from app.config import parse_config
from app.devnet import create_app as create_devnet
from app.keys import KeySetupError
from app.main import create_app
from app.permissions import Permission
from app.services import Services
from app.signing.table import MESSAGE_TYPES
from app.signing.wallets import Environment
from tests import leakcheck
from tests.api.payloads import PAYLOAD_OF, verified
from tests.backends import MotoServer, SoftHsm, create_kms_key, kms_client, start_moto
from tests.helpers import CHAIN_ID, FUNDED, HRP, PASSWORDS, make_config

pytestmark = pytest.mark.timeout(120)
ROUTES = ["order", "transfer", "freeze", "unfreeze", "vote"]


@pytest.fixture(scope="module")
def hsm_address(softhsm: SoftHsm) -> str:
    return str(softhsm.create("api-hot")["addresses"][HRP])


@pytest.fixture
def kms(aws_env: None, tmp_path) -> Any:  # type: ignore[no-untyped-def]
    server = start_moto(tmp_path / "moto.log")
    key_id = create_kms_key(kms_client(server.url))
    yield server, key_id
    server.stop()


def _config(softhsm: SoftHsm, kms_server: MotoServer, key_id: str) -> dict[str, Any]:
    data = make_config()
    every = [str(p) for p in Permission if p not in (Permission.APPROVE, Permission.AUDIT)]
    pin = softhsm.pins["signer"]
    data["wallets"] += [
        {
            "name": "hsm",
            "env_name": "DEVNET",
            "permissions": every,
            "pkcs11": {"module": softhsm.module, "token_label": "signer", "key_label": "api-hot", "pin": pin},
        },
        {
            "name": "kms",
            "env_name": "DEVNET",
            "permissions": every,
            # Generous: a fresh moto on a loaded 2-core machine can take seconds; a dead one fails at once.
            "aws_kms": {"key_id": key_id, "region": "us-east-1", "endpoint_url": kms_server.url, "timeout_seconds": 20},
        },
    ]
    for user in data["users"]:
        if user["username"] == "alice":
            user["wallet_permissions"] += [{"wallet_name": n, "permissions": every} for n in ("hsm", "kms")]
    return data


async def _kms_address(server: MotoServer, key_id: str) -> str:
    from app.keys.kms import open_aws_kms
    from app.keys.settings import AwsKmsSettings

    settings = AwsKmsSettings(key_id=key_id, region="us-east-1", endpoint_url=server.url, timeout_seconds=30)
    source = await open_aws_kms(settings, wallet_name="probe")
    await source.aclose()
    from app.chain.address import encode_address, key_hash

    return encode_address(HRP, key_hash(source.public_key))


@pytest.fixture
async def stack(softhsm: SoftHsm, hsm_address: str, kms: Any, tmp_path) -> AsyncIterator[Any]:  # type: ignore[no-untyped-def]
    server, key_id = kms
    kms_address = await _kms_address(server, key_id)
    devnet = create_devnet(chain_id=CHAIN_ID, hrp=HRP, genesis=[*FUNDED, hsm_address, kms_address])
    config = parse_config(_config(softhsm, server, key_id), base_dir=tmp_path)

    def node_factory(env: Environment) -> NodeClient:
        return NodeClient(env.api_url, timeout=5, transport=httpx.ASGITransport(devnet))  # type: ignore[arg-type]

    services = await Services.open(config, node_factory=node_factory)
    app = create_app(services.config, services=services)

    async def keep(response: httpx.Response) -> None:
        await response.aread()
        leakcheck.record(f"{response.headers}\n{response.text}")

    transport = httpx.ASGITransport(app)
    async with httpx.AsyncClient(transport=transport, base_url="http://t", event_hooks={"response": [keep]}) as c:
        login = await c.post("/api/auth/login", json={"username": "alice", "password": PASSWORDS["alice"]})
        c.headers["Authorization"] = f"Bearer {login.json()['access_token']}"
        yield c, services, server, devnet
    await services.close()


async def _broadcast(client: httpx.AsyncClient, route: str, msg: dict[str, Any], wallet: str) -> httpx.Response:
    return await client.post(f"/api/{route}/broadcast", json={"msg": msg, "wallet_name": wallet})


@pytest.mark.parametrize("wallet", ["hsm", "kms"])
async def test_a_remote_key_signs_and_broadcasts_every_message_type(stack, wallet) -> None:  # type: ignore[no-untyped-def]
    client = stack[0]
    info = (await client.get(f"/api/wallet/{wallet}")).json()
    for route in ROUTES:
        signed = await client.post(f"/api/{route}/sign", json={"msg": PAYLOAD_OF[route], "wallet_name": wallet})
        assert signed.status_code == 200, signed.text
        tx = verified(signed.json()["signed_msg"])  # low-S too: verify() refuses high-S, as the chain does
        assert tx.public_key.hex() == info["public_key"]
        r = await _broadcast(client, route, PAYLOAD_OF[route], wallet)
        assert r.status_code == 200, r.text
        assert r.json()[0]["ok"] is True
    # A cancel of the order this wallet just placed (its id is in the node's answer).
    placed = await _broadcast(client, "order", PAYLOAD_OF["order"], wallet)
    order_id = placed.json()[0]["data"].split('"order_id":"')[1].split('"')[0]
    cancel = await _broadcast(client, "cancel_order", {"symbol": "ANN-457_BNB", "order_id": order_id}, wallet)
    assert cancel.status_code == 200, cancel.text


@pytest.mark.parametrize("wallet", ["hsm", "kms"])
async def test_a_remote_key_signs_every_type_of_the_message_table(stack, wallet) -> None:  # type: ignore[no-untyped-def]
    """Every row of the table, with its documented example: the devnet-style check of each signature."""
    client = stack[0]
    public_key = (await client.get(f"/api/wallet/{wallet}")).json()["public_key"]
    for message in MESSAGE_TYPES:
        example = message.model.model_config["json_schema_extra"]["examples"][0]  # type: ignore[index]
        r = await client.post(f"/api/{message.name}/sign", json={"msg": example, "wallet_name": wallet})
        assert r.status_code == 200, (message.name, r.text)
        assert verified(r.json()["signed_msg"]).public_key.hex() == public_key  # low-S: verify() refuses high-S


# The issue-16 types whose documented example lands as it is (no value an earlier answer assigns).
LANDS_AS_IS = (
    "multi_send",
    "transfer_out",
    "burn",
    "set_account_flags",
    "issue",
    "side_chain_delegate",
    "side_chain_redelegate",
    "side_chain_undelegate",
    "time_lock",
)


@pytest.mark.parametrize("wallet", ["hsm", "kms"])
async def test_a_remote_key_broadcasts_the_new_message_types_through_the_devnet(stack, wallet) -> None:  # type: ignore[no-untyped-def]
    client = stack[0]
    by_name = {m.name: m for m in MESSAGE_TYPES}
    for name in LANDS_AS_IS:
        example = by_name[name].model.model_config["json_schema_extra"]["examples"][0]  # type: ignore[index]
        r = await _broadcast(client, name, example, wallet)
        assert r.status_code == 200, (name, r.text)
        assert r.json()[0]["ok"] is True


async def test_the_hsm_signature_is_normalized_to_low_s_when_the_token_gives_high_s(stack) -> None:  # type: ignore[no-untyped-def]
    client, services, _, _ = stack
    source = services.wallets.get("hsm").key
    before = source.high_s_normalized
    for _ in range(48):  # P(no high-S among 48 raw signatures) = 2^-48
        r = await client.post("/api/transfer/sign", json={"msg": PAYLOAD_OF["transfer"], "wallet_name": "hsm"})
        assert r.status_code == 200, r.text
        verified(r.json()["signed_msg"])
    assert source.high_s_normalized > before


async def test_a_dead_kms_gives_503_keeps_the_sequence_and_other_wallets_sign(stack) -> None:  # type: ignore[no-untyped-def]
    client, services, server, _ = stack
    body = {"msg": PAYLOAD_OF["transfer"], "wallet_name": "kms"}
    first = await client.post("/api/transfer/sign", json=body)
    assert first.status_code == 200, first.text
    server.stop()
    for action in ("sign", "broadcast"):
        r = await client.post(f"/api/transfer/{action}", json=body)
        assert r.status_code == 503, r.text
        assert r.json()["message"] == "key backend for wallet 'kms' unavailable"
    info = (await client.get("/api/wallet/kms")).json()
    assert info["next_sequence"] == first.json()["sequence"] + 1  # nothing consumed by the failures
    other = await client.post("/api/transfer/sign", json={**body, "wallet_name": "main"})
    assert other.status_code == 200, other.text
    failed = [e async for e in services.signing.audit.entries() if e.get("outcome") == "failed"]
    assert [(e["wallet"], e["action"]) for e in failed] == [("kms", "transfer/sign"), ("kms", "transfer/broadcast")]
    ready = (await client.get("/ready")).json()
    assert ready == {
        "status": "ready",
        "key_backends": [{"kind": "pkcs11", "ok": True}, {"kind": "aws_kms", "ok": False}],
    }


async def test_a_wrong_pin_stops_start_up_naming_the_wallet_and_not_the_pin(
    softhsm, hsm_address, kms, tmp_path
) -> None:  # type: ignore[no-untyped-def]
    server, key_id = kms
    data = _config(softhsm, server, key_id)
    wrong = "wrong-pin-31337"
    data["wallets"][-2]["pkcs11"]["pin"] = wrong
    config = parse_config(data, base_dir=tmp_path)
    with pytest.raises(KeySetupError) as caught:
        await Services.open(config)
    message = str(caught.value)
    assert message.startswith("wallet 'hsm':") and "PIN" in message
    assert wrong not in message and softhsm.pins["signer"] not in message
    assert hashlib.sha256(wrong.encode()).hexdigest() not in message
