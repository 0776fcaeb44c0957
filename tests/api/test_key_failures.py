"""HSM and KMS failures through the real app: the client's 503 is the same whatever went wrong, the
audit row, the log line and a metric label say which class of failure it was; a SoftHSM2 token whose
directory is moved away and back signs again, and /ready tells the truth in both states.
"""

import logging
from collections.abc import AsyncIterator
from typing import Any

import httpx
import pytest

from app.chain.address import encode_address, key_hash
from app.chain.node import NodeClient
from app.clock import FakeClock
from app.config import parse_config
from app.devnet import create_app as create_devnet
from app.main import create_app
from app.permissions import Permission
from app.services import Services
from app.signing.keyhealth import CACHE_SECONDS, KeyHealth
from app.signing.wallets import Environment
from tests.api.payloads import PAYLOAD_OF, verified
from tests.api.test_metrics import metric
from tests.backends import SoftHsm
from tests.helpers import CHAIN_ID, FUNDED, HRP, PASSWORDS, make_config
from tests.kmsfake import FakeKms, fake_kms

pytestmark = pytest.mark.timeout(120)
CAUSES = {
    "wrong_key": "invalid_signature",
    "garbage_der": "bad_answer",
    "error_500": "backend_error",
    "drop": "unreachable",
    "hang": "timeout",
}
EVERY = [str(p) for p in Permission if p not in (Permission.APPROVE, Permission.AUDIT)]


@pytest.fixture(scope="module")
def roaming_key(softhsm: SoftHsm) -> dict[str, Any]:
    return softhsm.create("api-roamer", token_label="roaming")


@pytest.fixture
def kms(aws_env: None) -> Any:  # type: ignore[no-untyped-def]
    with fake_kms() as server:
        yield server


def _config(softhsm: SoftHsm, kms: FakeKms) -> dict[str, Any]:
    data = make_config()
    pkcs11 = {"module": softhsm.module, "token_label": "roaming", "key_label": "api-roamer"}
    pin = softhsm.pins["roaming"]
    data["wallets"] += [
        {"name": "hsm", "env_name": "DEVNET", "permissions": EVERY, "pkcs11": {**pkcs11, "pin": pin}},
        {
            "name": "kms",
            "env_name": "DEVNET",
            "permissions": EVERY,
            "aws_kms": {"key_id": "alias/fake", "region": "us-east-1", "endpoint_url": kms.url, "timeout_seconds": 2},
        },
    ]
    for user in data["users"]:
        if user["username"] == "alice":
            user["wallet_permissions"] += [{"wallet_name": n, "permissions": EVERY} for n in ("hsm", "kms")]
    return data


@pytest.fixture
async def stack(softhsm: SoftHsm, roaming_key: dict[str, Any], kms: FakeKms, tmp_path) -> AsyncIterator[Any]:  # type: ignore[no-untyped-def]
    kms_address = encode_address(HRP, key_hash(kms.key.public_key.format()))
    devnet = create_devnet(chain_id=CHAIN_ID, hrp=HRP, genesis=[*FUNDED, roaming_key["addresses"][HRP], kms_address])
    config = parse_config(_config(softhsm, kms), base_dir=tmp_path)

    def node_factory(env: Environment) -> NodeClient:
        return NodeClient(env.api_url, timeout=5, transport=httpx.ASGITransport(devnet))  # type: ignore[arg-type]

    services = await Services.open(config, node_factory=node_factory)
    app = create_app(services.config, services=services)
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app), base_url="http://t") as client:
        login = await client.post("/api/auth/login", json={"username": "alice", "password": PASSWORDS["alice"]})
        client.headers["Authorization"] = f"Bearer {login.json()['access_token']}"
        yield client, services
    await services.close()


async def _sign(client: httpx.AsyncClient, wallet: str) -> httpx.Response:
    return await client.post("/api/transfer/sign", json={"msg": PAYLOAD_OF["transfer"], "wallet_name": wallet})


async def _last_failure(services: Services) -> dict[str, Any]:
    return [e async for e in services.signing.audit.entries() if e.get("outcome") == "failed"][-1]


async def test_each_kms_failure_gives_the_same_503_and_its_own_cause_in_audit_log_and_metric(
    stack, kms, caplog
) -> None:  # type: ignore[no-untyped-def]
    client, services = stack
    assert (await _sign(client, "kms")).status_code == 200
    caplog.set_level(logging.WARNING, logger="app.keys")
    for mode, cause in CAUSES.items():
        kms.mode = mode
        caplog.clear()
        r = await _sign(client, "kms")
        message = "key backend for wallet 'kms' unavailable"
        assert (r.status_code, r.json()) == (503, {"code": 503, "message": message, "detail": message}), mode
        row = await _last_failure(services)
        assert (row["wallet"], row["reason"], row["cause"]) == ("kms", message, cause)
        assert await metric(client, "signing_key_backend_errors_total", wallet="kms", cause=cause) == 1
        [record] = [r for r in caplog.records if r.name == "app.keys"]
        assert (record.cause, record.backend, record.wallet) == (cause, "aws_kms", "kms")  # type: ignore[attr-defined]
        assert "testing" not in record.getMessage()  # the (fake) credentials never reach the log
        kms.mode = "ok"
    kms.release.set()  # "hang" came last: its answer may end now
    assert (await _sign(client, "kms")).status_code == 200


async def test_a_token_moved_away_and_back_signs_again_and_ready_tells_the_truth(stack, softhsm) -> None:  # type: ignore[no-untyped-def]
    client, services = stack
    clock = FakeClock()
    services.key_health = KeyHealth(services.wallets, clock)  # moved past its cache between probes

    async def ready() -> list[dict[str, Any]]:
        clock.advance(CACHE_SECONDS)
        answer = (await client.get("/ready")).json()
        return list(answer["key_backends"])

    assert await ready() == [{"kind": "pkcs11", "ok": True}, {"kind": "aws_kms", "ok": True}]
    assert (await _sign(client, "hsm")).status_code == 200
    with softhsm.token_away("roaming"):
        r = await _sign(client, "hsm")
        assert r.status_code == 503 and r.json()["message"] == "key backend for wallet 'hsm' unavailable"
        assert (await _last_failure(services))["cause"] == "unreachable"
        assert await ready() == [{"kind": "pkcs11", "ok": False}, {"kind": "aws_kms", "ok": True}]
    assert await ready() == [{"kind": "pkcs11", "ok": True}, {"kind": "aws_kms", "ok": True}]
    signed = await _sign(client, "hsm")
    assert signed.status_code == 200, signed.text
    verified(signed.json()["signed_msg"])
    other = await _sign(client, "main")  # an in-process wallet never noticed
    assert other.status_code == 200
