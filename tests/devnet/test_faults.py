"""Fault injection in the devnet: the admin API, each fault kind, count and FIFO semantics, sequence tampering."""

import asyncio
import subprocess
import sys
from collections.abc import AsyncIterator, Awaitable
from typing import Any

import httpx
import pytest
import pytest_asyncio
from fastapi import FastAPI

from app.chain.node import NodeClient, NodeError, NodeTimeout
from app.devnet import create_app
from app.devnet.cli import SHUTDOWN_GRACE_SECONDS, build_parser
from app.devnet.faults import Endpoint, FaultKind, FaultQueue, FaultSpec, endpoint_of
from app.devnet.state import Ledger
from tests.devnet.test_devnet import (
    ALICE,
    BOB,
    CHAIN_ID,
    COIN,
    HRP,
    REPO_ROOT,
    A,
    B,
    C,
    _free_port,
    _wait_for_node,
    assert_ok,
    assert_rejected,
    broadcast,
    signed_hex,
    transfer,
)

pytestmark = pytest.mark.asyncio
HANG_CHECK_SECONDS = 0.3  # how long an in-process request must stay unanswered to count as hanging


@pytest.fixture
def app() -> FastAPI:
    """A devnet with faults enabled where alice (account 0) and bob (account 1) are funded."""
    return create_app(chain_id=CHAIN_ID, hrp=HRP, genesis=[A, B], faults_enabled=True)


@pytest_asyncio.fixture
async def client(app: FastAPI) -> AsyncIterator[httpx.AsyncClient]:
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://devnet") as http:
        yield http


# ---- helpers ----


async def add_fault(client: httpx.AsyncClient, **spec: Any) -> dict[str, Any]:
    response = await client.post("/admin/faults", json=spec)
    assert response.status_code == 201, response.text
    return response.json()


async def pending(client: httpx.AsyncClient) -> list[dict[str, Any]]:
    response = await client.get("/admin/faults")
    assert response.status_code == 200, response.text
    return response.json()["faults"]


async def sequence_of(client: httpx.AsyncClient, address: str) -> int:
    response = await client.get(f"/api/v1/account/{address}/sequence")
    assert response.status_code == 200, response.text
    return response.json()["sequence"]


async def node_info_ok(client: httpx.AsyncClient) -> bool:
    response = await client.get("/api/v1/node-info")
    return response.status_code == 200 and response.json()["node_info"]["network"] == CHAIN_ID


async def assert_hangs(request: Awaitable[httpx.Response]) -> None:
    """The in-process request gets no answer in HANG_CHECK_SECONDS (ASGITransport ignores httpx timeouts)."""
    with pytest.raises(TimeoutError):
        await asyncio.wait_for(request, HANG_CHECK_SECONDS)


def alice_tx(sequence: int, amount: int = COIN) -> str:
    return signed_hex(ALICE, transfer(A, B, amount), account_number=0, sequence=sequence)


# ---- enabled only by the flag ----


async def test_admin_routes_do_not_exist_without_the_flag() -> None:
    plain = create_app(chain_id=CHAIN_ID, hrp=HRP, genesis=[A])
    assert not hasattr(plain.state, "faults")
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=plain), base_url="http://devnet") as http:
        requests = [
            http.post("/admin/faults", json={"kind": "garbage"}),
            http.get("/admin/faults"),
            http.delete("/admin/faults"),
            http.post(f"/admin/accounts/{A}/sequence-jump", json={"by": 1}),
            http.post(f"/admin/accounts/{A}/set-sequence", json={"sequence": 5}),
        ]
        for request in requests:
            response = await request
            assert response.status_code == 404
            assert response.json() == {"code": 404, "message": "not found"}
        assert await sequence_of(http, A) == 0


async def test_cli_flag_is_off_by_default() -> None:
    parser = build_parser()
    assert parser.parse_args([]).enable_faults is False
    assert parser.parse_args(["--enable-faults"]).enable_faults is True


async def test_with_the_flag_and_no_fault_the_node_answers_normally(client: httpx.AsyncClient) -> None:
    assert await pending(client) == []
    assert await node_info_ok(client)
    assert_ok(await broadcast(client, alice_tx(0)))
    assert await sequence_of(client, A) == 1


# ---- admin API: adding, listing, clearing ----


async def test_added_faults_are_listed_oldest_first_with_defaults(client: httpx.AsyncClient) -> None:
    first = await add_fault(client, kind="http_error")
    second = await add_fault(client, kind="latency", endpoint="broadcast", count=3, delay_ms=10)
    third = await add_fault(client, kind="http_error", endpoint="account", status=503)
    assert first == {"id": 1, "kind": "http_error", "endpoint": "any", "count": 1, "delay_ms": None, "status": 500}
    assert second == {"id": 2, "kind": "latency", "endpoint": "broadcast", "count": 3, "delay_ms": 10, "status": None}
    assert third["status"] == 503 and third["endpoint"] == "account"
    assert await pending(client) == [first, second, third]


async def test_delete_clears_every_pending_fault(client: httpx.AsyncClient) -> None:
    await add_fault(client, kind="garbage", count=5)
    await add_fault(client, kind="timeout", endpoint="broadcast")
    response = await client.delete("/admin/faults")
    assert response.status_code == 200 and response.json() == {"cleared": 2}
    assert await pending(client) == []
    assert await node_info_ok(client)
    assert (await client.delete("/admin/faults")).json() == {"cleared": 0}


@pytest.mark.parametrize(
    "spec",
    [
        {},
        {"kind": "explode"},
        {"kind": "garbage", "endpoint": "orders"},
        {"kind": "garbage", "count": 0},
        {"kind": "garbage", "count": -1},
        {"kind": "latency"},  # delay_ms required
        {"kind": "latency", "delay_ms": -5},
        {"kind": "garbage", "delay_ms": 10},  # delay_ms belongs to latency
        {"kind": "timeout", "status": 500},  # status belongs to http_error
        {"kind": "http_error", "status": 200},
        {"kind": "http_error", "status": 600},
        {"kind": "garbage", "surprise": True},
    ],
)
async def test_invalid_fault_is_400_and_not_queued(client: httpx.AsyncClient, spec: dict[str, Any]) -> None:
    response = await client.post("/admin/faults", json=spec)
    assert response.status_code == 400 and response.json()["code"] == 400, response.text
    assert await pending(client) == []


async def test_non_json_fault_body_is_400(client: httpx.AsyncClient) -> None:
    response = await client.post("/admin/faults", content=b"kind=garbage", headers={"Content-Type": "text/plain"})
    assert response.status_code == 400 and response.json()["code"] == 400


async def test_admin_routes_are_never_faulted(client: httpx.AsyncClient) -> None:
    await add_fault(client, kind="http_error", count=2)
    assert len(await pending(client)) == 1  # a GET /admin/faults does not consume the fault
    assert (await client.post(f"/admin/accounts/{A}/set-sequence", json={"sequence": 0})).status_code == 200
    assert (await pending(client))[0]["count"] == 2


# ---- each fault kind ----


async def test_http_error_answers_plain_text_500_and_skips_the_node(client: httpx.AsyncClient) -> None:
    await add_fault(client, kind="http_error", endpoint="broadcast")
    response = await broadcast(client, alice_tx(0))
    assert response.status_code == 500
    assert response.text == "internal error" and response.headers["content-type"].startswith("text/plain")
    with pytest.raises(ValueError):
        response.json()
    assert await sequence_of(client, A) == 0  # the tx never reached the ledger
    assert_ok(await broadcast(client, alice_tx(0)))  # the fault is used up


async def test_http_error_with_another_status(client: httpx.AsyncClient) -> None:
    await add_fault(client, kind="http_error", endpoint="node-info", status=502)
    response = await client.get("/api/v1/node-info")
    assert response.status_code == 502 and response.text == "bad gateway"


async def test_garbage_answers_200_with_a_non_json_body(client: httpx.AsyncClient) -> None:
    await add_fault(client, kind="garbage", endpoint="account")
    response = await client.get(f"/api/v1/account/{A}")
    assert response.status_code == 200 and response.text == "<html>garbage</html>"
    with pytest.raises(ValueError):
        response.json()
    assert (await client.get(f"/api/v1/account/{A}")).json()["address"] == A


async def test_garbage_on_broadcast_does_not_apply_the_tx(client: httpx.AsyncClient) -> None:
    await add_fault(client, kind="garbage", endpoint="broadcast")
    response = await broadcast(client, alice_tx(0))
    assert response.status_code == 200 and response.text == "<html>garbage</html>"
    assert await sequence_of(client, A) == 0


async def test_latency_delays_then_answers_normally(client: httpx.AsyncClient) -> None:
    await add_fault(client, kind="latency", endpoint="broadcast", delay_ms=200)
    loop = asyncio.get_running_loop()
    started = loop.time()
    assert_ok(await broadcast(client, alice_tx(0)))
    assert loop.time() - started >= 0.19
    assert await sequence_of(client, A) == 1
    started = loop.time()
    assert_ok(await broadcast(client, alice_tx(1)))
    assert loop.time() - started < 0.19


async def test_timeout_never_answers_and_does_not_apply_the_tx(app: FastAPI, client: httpx.AsyncClient) -> None:
    await add_fault(client, kind="timeout", endpoint="broadcast")
    await assert_hangs(broadcast(client, alice_tx(0)))
    assert await sequence_of(client, A) == 0
    assert app.state.ledger.height == 0
    assert_ok(await broadcast(client, alice_tx(0)))  # the fault is used up


async def test_drop_after_apply_applies_the_tx_and_withholds_the_answer(
    app: FastAPI, client: httpx.AsyncClient
) -> None:
    await add_fault(client, kind="drop_after_apply", endpoint="broadcast")
    await assert_hangs(broadcast(client, alice_tx(0)))
    assert await sequence_of(client, A) == 1  # the tx landed although the client never heard
    assert app.state.ledger.height == 1
    message = assert_rejected(await broadcast(client, alice_tx(0)), status=403, abci_code=65539)
    assert message == "Invalid sequence. Got 0, expected 1"


async def test_timeout_on_reads(client: httpx.AsyncClient) -> None:
    await add_fault(client, kind="timeout", endpoint="node-info")
    await add_fault(client, kind="timeout", endpoint="account")
    await assert_hangs(client.get("/api/v1/node-info"))
    await assert_hangs(client.get(f"/api/v1/account/{A}/sequence"))
    assert await node_info_ok(client)
    assert await sequence_of(client, A) == 0


# ---- count, endpoint matching and FIFO ----


async def test_count_affects_that_many_matching_requests(client: httpx.AsyncClient) -> None:
    await add_fault(client, kind="http_error", endpoint="node-info", count=3)
    for left in (2, 1, 0):
        assert (await client.get("/api/v1/node-info")).status_code == 500
        assert [f["count"] for f in await pending(client)] == ([left] if left else [])
    assert await node_info_ok(client)


async def test_fault_only_hits_its_endpoint(client: httpx.AsyncClient) -> None:
    await add_fault(client, kind="garbage", endpoint="broadcast")
    assert await node_info_ok(client)
    assert await sequence_of(client, A) == 0
    assert (await client.get(f"/api/v1/account/{A}")).status_code == 200
    assert len(await pending(client)) == 1
    assert (await broadcast(client, alice_tx(0))).text == "<html>garbage</html>"
    assert await pending(client) == []


async def test_account_endpoint_covers_the_account_and_its_sequence(client: httpx.AsyncClient) -> None:
    await add_fault(client, kind="http_error", endpoint="account", count=2)
    assert (await client.get(f"/api/v1/account/{A}")).status_code == 500
    assert (await client.get(f"/api/v1/account/{A}/sequence")).status_code == 500
    assert await sequence_of(client, A) == 0


async def test_any_matches_every_node_route(client: httpx.AsyncClient) -> None:
    await add_fault(client, kind="http_error", status=503, count=5)
    requests = [
        client.get("/api/v1/node-info"),
        client.get(f"/api/v1/account/{A}"),
        broadcast(client, alice_tx(0)),
        client.get("/api/v1/orders/open", params={"address": A}),
        client.get("/api/v1/tx/" + "AB" * 32),
    ]
    for request in requests:
        assert (await request).status_code == 503
    assert await pending(client) == []


async def test_faults_apply_in_the_order_they_were_added(client: httpx.AsyncClient) -> None:
    await add_fault(client, kind="http_error", endpoint="node-info", status=502)
    await add_fault(client, kind="garbage", endpoint="any")
    await add_fault(client, kind="http_error", endpoint="node-info", status=504)
    assert (await client.get("/api/v1/node-info")).status_code == 502
    assert (await client.get("/api/v1/node-info")).text == "<html>garbage</html>"
    assert (await client.get("/api/v1/node-info")).status_code == 504
    assert await node_info_ok(client)


async def test_an_older_fault_for_another_endpoint_does_not_block_a_newer_match(client: httpx.AsyncClient) -> None:
    await add_fault(client, kind="http_error", endpoint="broadcast")
    await add_fault(client, kind="garbage", endpoint="account")
    assert (await client.get(f"/api/v1/account/{A}")).text == "<html>garbage</html>"
    assert [f["endpoint"] for f in await pending(client)] == ["broadcast"]


async def test_concurrent_requests_consume_each_unit_once(client: httpx.AsyncClient) -> None:
    await add_fault(client, kind="http_error", endpoint="node-info", count=3)
    responses = await asyncio.gather(*(client.get("/api/v1/node-info") for _ in range(10)))
    assert sorted(r.status_code for r in responses) == [200] * 7 + [500] * 3
    assert await pending(client) == []


async def test_fault_queue_takes_the_oldest_match_and_counts_down() -> None:
    queue = FaultQueue()
    queue.add(FaultSpec(kind=FaultKind.GARBAGE, endpoint=Endpoint.BROADCAST, count=2))
    queue.add(FaultSpec(kind=FaultKind.TIMEOUT))
    assert queue.take(Endpoint.NODE_INFO) is not None and len(queue.pending()) == 1  # the `any` timeout
    assert queue.take(None) is None  # only `any` matches an unnamed route, and none is left
    taken = queue.take(Endpoint.BROADCAST)
    assert taken is not None and taken.kind is FaultKind.GARBAGE and taken.count == 1
    assert queue.pending()[0].count == 1
    assert queue.take(Endpoint.BROADCAST) is not None and queue.pending() == []


async def test_endpoint_of_paths() -> None:
    assert endpoint_of("/api/v1/broadcast") is Endpoint.BROADCAST
    assert endpoint_of("/api/v1/node-info") is Endpoint.NODE_INFO
    assert endpoint_of(f"/api/v1/account/{A}") is Endpoint.ACCOUNT
    assert endpoint_of(f"/api/v1/account/{A}/sequence") is Endpoint.ACCOUNT
    assert endpoint_of("/api/v1/orders/open") is None


# ---- sequence tampering ----


async def test_sequence_jump_makes_the_old_sequence_stale(client: httpx.AsyncClient) -> None:
    assert_ok(await broadcast(client, alice_tx(0)))
    response = await client.post(f"/admin/accounts/{A}/sequence-jump", json={"by": 3})
    assert response.status_code == 200 and response.json() == {"address": A, "sequence": 4}
    assert await sequence_of(client, A) == 4
    message = assert_rejected(await broadcast(client, alice_tx(1)), status=403, abci_code=65539)
    assert message == "Invalid sequence. Got 1, expected 4"
    assert_ok(await broadcast(client, alice_tx(4)))
    assert await sequence_of(client, A) == 5


async def test_sequence_jump_defaults_to_one(client: httpx.AsyncClient) -> None:
    for body in ({}, None):
        response = await client.post(f"/admin/accounts/{A.upper()}/sequence-jump", json=body)
        assert response.status_code == 200, response.text
    assert response.json() == {"address": A, "sequence": 2}
    message = assert_rejected(await broadcast(client, alice_tx(0)), status=403, abci_code=65539)
    assert message == "Invalid sequence. Got 0, expected 2"


async def test_sequence_jump_only_touches_that_account(client: httpx.AsyncClient) -> None:
    await client.post(f"/admin/accounts/{A}/sequence-jump", json={"by": 1})
    assert await sequence_of(client, B) == 0
    assert_ok(await broadcast(client, signed_hex(BOB, transfer(B, A, 1), account_number=1, sequence=0)))


async def test_set_sequence_sets_it(app: FastAPI, client: httpx.AsyncClient) -> None:
    response = await client.post(f"/admin/accounts/{A}/set-sequence", json={"sequence": 41})
    assert response.status_code == 200 and response.json() == {"address": A, "sequence": 41}
    message = assert_rejected(await broadcast(client, alice_tx(40)), status=403, abci_code=65539)
    assert message == "Invalid sequence. Got 40, expected 41"
    await client.post(f"/admin/accounts/{A}/set-sequence", json={"sequence": 0})
    assert_ok(await broadcast(client, alice_tx(0)))
    ledger: Ledger = app.state.ledger
    account = ledger.account(A)
    assert account is not None and account.sequence == 1


async def test_sequence_admin_on_unknown_or_invalid_account_is_404(client: httpx.AsyncClient) -> None:
    for address in (C, "tbnb1notanaddress"):
        for path, body in (("sequence-jump", {"by": 1}), ("set-sequence", {"sequence": 1})):
            response = await client.post(f"/admin/accounts/{address}/{path}", json=body)
            assert response.status_code == 404
            assert response.json() == {"code": 404, "message": "account not found"}


@pytest.mark.parametrize(
    ("path", "body"),
    [
        ("sequence-jump", {"by": 0}),
        ("sequence-jump", {"by": -1}),
        ("sequence-jump", {"by": "x"}),
        ("sequence-jump", {"by": 2**63}),
        ("set-sequence", {}),
        ("set-sequence", {"sequence": -1}),
        ("set-sequence", {"sequence": 2**63}),
        ("set-sequence", {"sequence": 1, "extra": 1}),
    ],
)
async def test_sequence_admin_with_a_bad_body_is_400(
    client: httpx.AsyncClient, path: str, body: dict[str, Any]
) -> None:
    response = await client.post(f"/admin/accounts/{A}/{path}", json=body)
    assert response.status_code == 400 and response.json()["code"] == 400, response.text
    assert await sequence_of(client, A) == 0


async def test_sequence_jump_past_int64_is_400(client: httpx.AsyncClient) -> None:
    await client.post(f"/admin/accounts/{A}/set-sequence", json={"sequence": 2**63 - 1})
    response = await client.post(f"/admin/accounts/{A}/sequence-jump", json={"by": 1})
    assert response.status_code == 400 and "sequence" in response.json()["message"]
    assert await sequence_of(client, A) == 2**63 - 1


# ---- a real node: client timeouts over TCP ----


@pytest_asyncio.fixture
async def real_node() -> AsyncIterator[tuple[str, subprocess.Popen[str]]]:
    """A devnet subprocess run with --enable-faults on a free port, alice funded; yields its URL and process."""
    port = _free_port()
    args = ["--port", str(port), "--chain-id", CHAIN_ID, "--fund", A, "--enable-faults"]
    code = f"from app.devnet.cli import main; main({args!r})"
    process = subprocess.Popen(
        [sys.executable, "-c", code], cwd=REPO_ROOT, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True
    )
    url = f"http://127.0.0.1:{port}"
    try:
        async with httpx.AsyncClient(base_url=url, timeout=2) as http:
            await _wait_for_node(http, process)
        yield url, process
    finally:
        if process.poll() is None:
            process.terminate()
        process.communicate(timeout=10)


async def test_real_node_timeout_and_drop_after_apply(real_node: tuple[str, subprocess.Popen[str]]) -> None:
    """Over TCP with a 0.5 s client timeout: timeout applies nothing; drop_after_apply applies the tx."""
    url, _ = real_node
    node = NodeClient(url, timeout=0.5)
    try:
        async with httpx.AsyncClient(base_url=url, timeout=2) as http:
            await add_fault(http, kind="timeout", endpoint="broadcast")
            with pytest.raises(NodeTimeout):
                await node.broadcast(alice_tx(0))
            assert await sequence_of(http, A) == 0  # not applied

            await add_fault(http, kind="drop_after_apply", endpoint="broadcast")
            with pytest.raises(NodeTimeout):
                await node.broadcast(alice_tx(0))
            assert await sequence_of(http, A) == 1  # applied: the classic unknown outcome
            message = (await broadcast(http, alice_tx(0))).json()["message"]
            assert message == "Invalid sequence. Got 0, expected 1"

            await add_fault(http, kind="garbage", endpoint="node-info")
            with pytest.raises(NodeError):
                await node.chain_id()
            assert await node.chain_id() == CHAIN_ID

            await http.post(f"/admin/accounts/{A}/sequence-jump", json={"by": 1})
            result = await node.broadcast(alice_tx(1))
            assert result.status_code == 403 and result.body["message"] == "Invalid sequence. Got 1, expected 2"
            assert_ok(await broadcast(http, alice_tx(2)))
    finally:
        await node.aclose()


async def test_real_node_admin_routes_need_the_flag() -> None:
    port = _free_port()
    code = f"from app.devnet.cli import main; main({['--port', str(port), '--fund', A]!r})"
    process = subprocess.Popen(
        [sys.executable, "-c", code], cwd=REPO_ROOT, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True
    )
    try:
        async with httpx.AsyncClient(base_url=f"http://127.0.0.1:{port}", timeout=2) as http:
            await _wait_for_node(http, process)
            assert (await http.get("/admin/faults")).status_code == 404
            assert (await http.post(f"/admin/accounts/{A}/sequence-jump", json={})).status_code == 404
    finally:
        process.terminate()
        out, _ = process.communicate(timeout=10)
    assert "fault injection" not in out


async def test_real_node_shuts_down_with_a_request_held(real_node: tuple[str, subprocess.Popen[str]]) -> None:
    url, process = real_node
    async with httpx.AsyncClient(base_url=url, timeout=30) as http:
        await add_fault(http, kind="timeout", endpoint="node-info")
        held = asyncio.create_task(http.get("/api/v1/node-info"))
        while await pending(http):  # the held request has taken the fault
            await asyncio.sleep(0.05)
        loop = asyncio.get_running_loop()
        started = loop.time()
        process.terminate()
        out, err = await asyncio.to_thread(process.communicate, timeout=10)
        assert loop.time() - started < SHUTDOWN_GRACE_SECONDS + 5
        # uvicorn cancels the held request when the grace period ends: the client sees it fail.
        try:
            assert (await held).status_code == 500
        except httpx.TransportError:
            pass  # or the connection closed without an answer
    assert "fault injection enabled" in out
    assert "Traceback" not in err
