"""The HTTP protocol `python -m app serve` runs: uvicorn's httptools protocol with a cap on request headers.

httptools (llhttp) itself puts no bound on a request's header block, so a client could make the
process buffer a 50 MB header before any application code runs. This protocol counts the bytes
of each request's header block as they arrive and answers 431 (closing the connection) once they
pass MAX_HEADER_BYTES, before the parser has buffered more than one network read beyond it.
"""

import json

from uvicorn.protocols.http.httptools_impl import HttpToolsProtocol

MAX_HEADER_BYTES = 64 * 1024  # request line and headers; far above any honest client (browsers send < 8 KB)
_END_OF_HEADERS = b"\r\n\r\n"


def _answer_431() -> bytes:
    message = f"request headers are larger than {MAX_HEADER_BYTES} bytes"
    body = json.dumps({"code": 431, "message": message, "detail": message}).encode()
    head = (
        b"HTTP/1.1 431 Request Header Fields Too Large\r\n"
        b"content-type: application/json\r\n"
        b"x-content-type-options: nosniff\r\n"
        b"connection: close\r\n"
        b"content-length: " + str(len(body)).encode() + b"\r\n\r\n"
    )
    return head + body


class HeaderCappedProtocol(HttpToolsProtocol):
    """HttpToolsProtocol that refuses a request whose header block passes MAX_HEADER_BYTES."""

    _header_bytes = 0
    _in_headers = True  # a new connection starts in a request's header block

    def on_message_begin(self) -> None:
        super().on_message_begin()
        self._header_bytes, self._in_headers = 0, True

    def on_headers_complete(self) -> None:
        self._in_headers = False
        super().on_headers_complete()

    def data_received(self, data: bytes) -> None:
        if self._in_headers:
            end = data.find(_END_OF_HEADERS)
            self._header_bytes += len(data) if end < 0 else end + len(_END_OF_HEADERS)
            if self._header_bytes > MAX_HEADER_BYTES:
                self.transport.write(_answer_431())
                self.transport.close()
                return
        super().data_received(data)
