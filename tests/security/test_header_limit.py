"""A request whose header block is too large gets 431 from the real server, before the app buffers it."""

import json
import socket
from collections.abc import Iterator

import pytest

from tests.e2e.conftest import StackRunner

pytestmark = pytest.mark.timeout(120)


@pytest.fixture(scope="module")
def service(tmp_path_factory: pytest.TempPathFactory) -> Iterator[StackRunner]:
    runner = StackRunner(tmp_path_factory.mktemp("headers"))
    try:
        runner.start_service()
        yield runner
    finally:
        runner.stop()


def _send(runner: StackRunner, header_value_bytes: int) -> bytes:
    """One GET /health with an X-Padding header of that many bytes; the raw answer."""
    port = int(runner.service_url.rsplit(":", 1)[1])
    head = b"GET /health HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\nX-Padding: "
    with socket.create_connection(("127.0.0.1", port), timeout=30) as sock:
        try:
            sock.sendall(head)
            sent = 0
            chunk = b"a" * 65536
            while sent < header_value_bytes:
                sock.sendall(chunk[: header_value_bytes - sent])
                sent += min(len(chunk), header_value_bytes - sent)
            sock.sendall(b"\r\n\r\n")
        except (BrokenPipeError, ConnectionResetError):
            pass  # the server answered and closed while we were still sending
        answer = b""
        while data := sock.recv(65536):
            answer += data
    return answer


def test_a_header_block_over_64_kb_gets_431_and_the_connection_closes(service: StackRunner) -> None:
    answer = _send(service, 50 * 1024 * 1024)  # 50 MB, as the attack that was accepted before
    status_line, _, rest = answer.partition(b"\r\n")
    assert status_line == b"HTTP/1.1 431 Request Header Fields Too Large"
    body = json.loads(rest.split(b"\r\n\r\n", 1)[1])
    assert body == {
        "code": 431,
        "message": "request headers are larger than 65536 bytes",
        "detail": "request headers are larger than 65536 bytes",
    }


def test_an_ordinary_large_header_still_passes(service: StackRunner) -> None:
    answer = _send(service, 16 * 1024)
    assert answer.startswith(b"HTTP/1.1 200 OK")
