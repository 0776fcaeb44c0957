"""Node faults, injected into a real devnet process, seen through a real service process."""

from collections.abc import Iterator

import httpx
import pytest
import yaml

from tests.api.payloads import README_SHAPES
from tests.e2e.conftest import StackRunner
from tests.helpers import KEY_A, PASSWORDS, address_of, make_config

MAIN = address_of(KEY_A)
TRANSFER = {"msg": README_SHAPES["transfer"], "wallet_name": "main"}


@pytest.fixture(scope="module")
def runner(tmp_path_factory: pytest.TempPathFactory) -> Iterator[StackRunner]:
    runner = StackRunner(tmp_path_factory.mktemp("faults"), devnet_args=("--enable-faults",))
    config = make_config(api_url=runner.devnet_url)
    config["environments"]["DEVNET"]["timeout_seconds"] = 1  # a withheld answer becomes a 504 quickly
    runner.config_path.write_text(yaml.safe_dump(config))
    try:
        runner.start_service()
        yield runner
    finally:
        runner.stop()


@pytest.fixture
def service(runner: StackRunner) -> Iterator[httpx.Client]:
    with httpx.Client(base_url=runner.service_url, timeout=30) as client:
        token = client.post("/api/auth/login", json={"username": "alice", "password": PASSWORDS["alice"]})
        client.headers["Authorization"] = f"Bearer {token.json()['access_token']}"
        yield client


@pytest.fixture
def devnet(runner: StackRunner) -> Iterator[httpx.Client]:
    with httpx.Client(base_url=runner.devnet_url, timeout=30) as client:
        yield client
        client.delete("/admin/faults")


def _fault(devnet: httpx.Client, **fault: object) -> None:
    assert devnet.post("/admin/faults", json=fault).status_code == 201


def _sequence(devnet: httpx.Client) -> int:
    return int(devnet.get(f"/api/v1/account/{MAIN}/sequence").json()["sequence"])


def _resync(service: httpx.Client) -> None:
    assert service.post("/api/wallet/resync", json={"wallet_name": "main"}).status_code == 200


def test_latency_below_the_timeout_is_harmless(service, devnet) -> None:
    _resync(service)
    _fault(devnet, kind="latency", endpoint="broadcast", delay_ms=300)
    assert service.post("/api/transfer/broadcast", json=TRANSFER).status_code == 200


@pytest.mark.parametrize(
    ("fault", "status"),
    [
        ({"kind": "http_error", "status": 500}, 502),
        ({"kind": "http_error", "status": 503}, 502),
        ({"kind": "garbage"}, 502),
        ({"kind": "timeout"}, 504),
        ({"kind": "latency", "delay_ms": 2500}, 504),
    ],
    ids=["500", "503", "garbage", "timeout", "slow"],
)
def test_broadcast_faults_give_gateway_errors_and_the_next_broadcast_lands(service, devnet, fault, status) -> None:
    _resync(service)
    before = _sequence(devnet)
    _fault(devnet, endpoint="broadcast", **fault)
    failed = service.post("/api/transfer/broadcast", json=TRANSFER)
    assert failed.status_code == status, failed.text
    assert failed.json()["code"] == status
    after = service.post("/api/transfer/broadcast", json=TRANSFER)
    assert after.status_code == 200, after.text
    assert _sequence(devnet) == before + 1  # the devnet drops a request whose client hung up


def test_unknown_outcome_makes_the_next_broadcast_reread_the_node(service, devnet) -> None:
    _resync(service)
    before = _sequence(devnet)
    _fault(devnet, kind="drop_after_apply", endpoint="broadcast")
    assert service.post("/api/transfer/broadcast", json=TRANSFER).status_code == 504
    assert _sequence(devnet) == before + 1  # it landed although nobody heard back
    after = service.post("/api/transfer/broadcast", json=TRANSFER)
    assert after.status_code == 200, after.text
    assert _sequence(devnet) == before + 2


def test_sequence_jump_by_another_client_is_reconciled(service, devnet) -> None:
    _resync(service)
    before = _sequence(devnet)
    devnet.post(f"/admin/accounts/{MAIN}/sequence-jump", json={"by": 3})
    r = service.post("/api/transfer/broadcast", json=TRANSFER)
    assert r.status_code == 200, r.text
    assert _sequence(devnet) == before + 4


def test_account_lookup_faults_on_first_use_give_gateway_errors(service, devnet) -> None:
    devnet.post(f"/admin/accounts/{MAIN}/sequence-jump", json={"by": 1})
    _fault(devnet, kind="garbage", endpoint="account")
    # the jump makes the next broadcast re-read the account, and that read gets garbage
    r = service.post("/api/transfer/broadcast", json=TRANSFER)
    assert r.status_code == 502, r.text
    assert service.post("/api/transfer/broadcast", json=TRANSFER).status_code == 200
