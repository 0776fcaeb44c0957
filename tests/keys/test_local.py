"""The in-process key under the extended protocol: sign_message is sign over SHA-256."""

import hashlib

import pytest

from app.chain.keys import SigningKey, verify
from app.keys import InProcessKey, KeySource

pytestmark = pytest.mark.timeout(30)


async def test_in_process_key_signs_messages_and_digests_alike():
    key = InProcessKey(SigningKey.from_hex("42" * 32), kind="private_key")
    assert isinstance(key, KeySource)
    message = b'{"msgs":[]}'
    signature = await key.sign_message(message)
    digest = hashlib.sha256(message).digest()
    assert signature == await key.sign(digest) == key.sign_now(digest)
    assert verify(key.public_key, signature, message)
