"""The node client bounds every request (a total deadline, a size cap) and reads only answers of the right shape."""

import asyncio
import json
import time
from collections.abc import AsyncIterator

import httpx
import pytest

from app.chain.node import MAX_ANSWER_BYTES, NodeClient, NodeError, NodeTimeout

URL = "http://node.test"


def _client(handler, timeout: float = 1.0) -> NodeClient:  # type: ignore[no-untyped-def]
    return NodeClient(URL, timeout=timeout, transport=httpx.MockTransport(handler))


async def _drip_server(interval: float, total: int, handlers: set[asyncio.Task[None]]) -> asyncio.Server:
    """A node that sends its headers, then its body one byte per interval."""

    async def serve(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        handlers.add(asyncio.current_task())  # type: ignore[arg-type]
        await reader.readuntil(b"\r\n\r\n")
        writer.write(b"HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: %d\r\n\r\n" % total)
        try:
            for _ in range(total):
                writer.write(b" ")
                await writer.drain()
                await asyncio.sleep(interval)  # the drip itself: real time is what is under test
        except (ConnectionError, asyncio.CancelledError):
            pass
        writer.close()
        await writer.wait_closed()

    return await asyncio.start_server(serve, "127.0.0.1", 0)


async def test_a_slow_drip_is_cut_at_the_total_deadline_not_per_read() -> None:
    handlers: set[asyncio.Task[None]] = set()
    server = await _drip_server(interval=0.05, total=200, handlers=handlers)  # 10 s in all, each read within 0.5 s
    port = server.sockets[0].getsockname()[1]
    client = NodeClient(f"http://127.0.0.1:{port}", timeout=0.5)
    started = time.monotonic()
    with pytest.raises(NodeTimeout, match=r"127\.0\.0\.1"):
        await client.chain_id()
    assert time.monotonic() - started < 2
    await client.aclose()
    server.close()
    for task in handlers:
        task.cancel()
    await asyncio.gather(*handlers, return_exceptions=True)
    await server.wait_closed()


async def test_a_huge_answer_is_refused_without_reading_it_all() -> None:
    sent = 0

    async def endless() -> AsyncIterator[bytes]:
        nonlocal sent
        chunk = b"[" * 65536
        while sent < 64 * MAX_ANSWER_BYTES:
            sent += len(chunk)
            yield chunk

    client = _client(lambda request: httpx.Response(200, content=endless()))
    with pytest.raises(NodeError, match=f"larger than {MAX_ANSWER_BYTES} bytes"):
        await client.chain_id()
    assert sent <= MAX_ANSWER_BYTES + 65536


def _answer(body: str, status: int = 200):  # type: ignore[no-untyped-def]
    return lambda request: httpx.Response(status, content=body.encode(), headers={"Content-Type": "application/json"})


@pytest.mark.parametrize(
    "body",
    [
        "[" * 100_000 + "]" * 100_000,
        '{"account_number": Infinity, "sequence": 1}',
        '{"account_number": NaN, "sequence": 1}',
        '{"account_number": 1, "sequence": 18446744073709551616}',
        '{"account_number": 9223372036854775808, "sequence": 1}',
        '{"account_number": 1, "sequence": -1}',
        '{"account_number": 1, "sequence": 1.0}',
        '{"account_number": 1, "sequence": true}',
        '{"account_number": "1", "sequence": 1}',
        '{"account_number": 1}',
        "[1, 2]",
    ],
    ids=[
        "deep",
        "infinity",
        "nan",
        "2^64",
        "2^63",
        "negative",
        "float",
        "bool",
        "string",
        "missing",
        "list",
    ],
)
async def test_account_answers_of_the_wrong_shape_are_node_errors_naming_the_node(body) -> None:
    with pytest.raises(NodeError, match=r"node http://node\.test"):
        await _client(_answer(body)).account("tbnb1x")


async def test_a_good_account_answer_is_read() -> None:
    body = json.dumps({"account_number": 2**63 - 1, "sequence": 0, "balances": [], "flags": 0})
    state = await _client(_answer(body)).account("tbnb1x")
    assert (state.account_number, state.sequence) == (2**63 - 1, 0)


@pytest.mark.parametrize(
    "network",
    ['Binance"Chain', "", "a" * 51, "Binance Chain", "Bínance", None, 5, ["x"]],
    ids=["quote", "empty", "long", "space", "non-ascii", "null", "number", "list"],
)
async def test_a_chain_id_outside_the_chain_charset_is_refused(network) -> None:
    body = json.dumps({"node_info": {"network": network}})
    with pytest.raises(NodeError, match=r"node http://node\.test"):
        await _client(_answer(body)).chain_id()


@pytest.mark.parametrize("network", ["Binance-Chain-Tigris", "Binance-Chain-Ganges", "Binance-Dev", "chain_1.x"])
async def test_real_chain_ids_are_read(network) -> None:
    body = json.dumps({"node_info": {"network": network}, "sync_info": {}})
    assert await _client(_answer(body)).chain_id() == network


@pytest.mark.parametrize(
    ("status", "body"),
    [
        (200, '{"code": 0, "hash": "AB"}'),
        (200, '[{"code": 0}]'),
        (200, '[{"code": 0, "hash": 5, "ok": true}]'),
        (200, "[]"),
        (400, '["tx parse error"]'),
        (400, '{"code": "x", "message": "m"}'),
    ],
    ids=["object", "no-hash", "hash-number", "empty-list", "error-list", "error-code-string"],
)
async def test_broadcast_answers_of_the_wrong_shape_are_node_errors(status, body) -> None:
    with pytest.raises(NodeError, match=r"node http://node\.test"):
        await _client(_answer(body, status)).broadcast("00")


async def test_good_broadcast_answers_are_passed_on_unchanged() -> None:
    ok = [{"code": 0, "hash": "AB12", "log": "Msg 0: ", "ok": True, "data": ""}]
    result = await _client(_answer(json.dumps(ok))).broadcast("00")
    assert result.body == ok
    refusal = {"code": 403, "failed_tx_index": 0, "message": "Invalid sequence", "success_tx_results": []}
    result = await _client(_answer(json.dumps(refusal), 403)).broadcast("00")
    assert (result.status_code, result.body) == (403, refusal)
