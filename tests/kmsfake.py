"""A tiny KMS endpoint on loopback that answers as told: a real HTTP server botocore talks to over TCP.

moto cannot answer a garbage signature, a 500, a dropped connection or a hang on demand; this server
signs with its own secp256k1 key (GetPublicKey, Sign with MessageType=RAW) until `mode` says otherwise.
"""

import base64
import hashlib
import json
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import coincurve
from asn1crypto.keys import PublicKeyInfo  # type: ignore[import-untyped]

ARN = "arn:aws:kms:us-east-1:111122223333:key/00000000-0000-4000-8000-000000000001"
MODES = ("ok", "wrong_key", "garbage_der", "error_500", "drop", "hang")


class FakeKms:
    """The server, its key and the mode its next answers follow."""

    def __init__(self) -> None:
        self.key = coincurve.PrivateKey()
        self.other_key = coincurve.PrivateKey()
        self.mode = "ok"
        self.release = threading.Event()  # ends every hanging answer
        fake = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, format: str, *args: Any) -> None:
                """Quiet: the tests read the answers, not the server's access log."""

            def do_POST(self) -> None:
                body = json.loads(self.rfile.read(int(self.headers["Content-Length"])))
                target = self.headers["X-Amz-Target"].split(".")[-1]
                fake.answer(self, target, body)

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.server.daemon_threads = True
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}"
        self._thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self._thread.start()

    def public_key_info(self) -> bytes:
        point = self.key.public_key.format(compressed=False)
        info = {"algorithm": {"algorithm": "ec", "parameters": ("named", "1.3.132.0.10")}, "public_key": point}
        return bytes(PublicKeyInfo(info).dump())

    def answer(self, handler: BaseHTTPRequestHandler, target: str, body: dict[str, Any]) -> None:
        if self.mode == "drop" and target == "Sign":
            handler.close_connection = True  # the connection closes with no answer at all
            return
        if self.mode == "hang" and target == "Sign":
            self.release.wait(60)
            return
        if self.mode == "error_500" and target == "Sign":
            self._send(handler, 500, {"__type": "KMSInternalException", "message": "internal failure"})
            return
        if target == "GetPublicKey":
            self._send(handler, 200, self._public_key_answer())
            return
        message = base64.b64decode(body["Message"])
        signer = self.other_key if self.mode == "wrong_key" else self.key
        der = signer.sign(message, hasher=lambda m: hashlib.sha256(m).digest())
        if self.mode == "garbage_der":
            der = b"\x30\x05not-der"
        answer = {"KeyId": ARN, "Signature": base64.b64encode(der).decode(), "SigningAlgorithm": "ECDSA_SHA_256"}
        self._send(handler, 200, answer)

    def _public_key_answer(self) -> dict[str, Any]:
        return {
            "KeyId": ARN,
            "PublicKey": base64.b64encode(self.public_key_info()).decode(),
            "KeySpec": "ECC_SECG_P256K1",
            "KeyUsage": "SIGN_VERIFY",
            "SigningAlgorithms": ["ECDSA_SHA_256"],
        }

    @staticmethod
    def _send(handler: BaseHTTPRequestHandler, status: int, answer: dict[str, Any]) -> None:
        data = json.dumps(answer).encode()
        handler.send_response(status)
        handler.send_header("Content-Type", "application/x-amz-json-1.1")
        handler.send_header("Content-Length", str(len(data)))
        handler.end_headers()
        handler.wfile.write(data)

    def stop(self) -> None:
        """Stop listening: later connections are refused."""
        self.release.set()
        self.server.shutdown()
        self.server.server_close()


@contextmanager
def fake_kms() -> Iterator[FakeKms]:
    server = FakeKms()
    try:
        yield server
    finally:
        server.stop()
