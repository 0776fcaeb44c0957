"""The AWS KMS key source against moto in server mode (a real HTTP KMS endpoint on loopback)."""

import asyncio
import hashlib
import os
import signal
import time

import pytest

from app.chain.keys import verify
from app.keys.base import KeyBackendUnavailable, KeySetupError, KeySource
from app.keys.kms import RAW_LIMIT, open_aws_kms
from app.keys.settings import AwsKmsSettings
from tests.backends import create_kms_key, kms_client, start_moto

pytestmark = pytest.mark.timeout(120)

SIGNATURES = 100


def settings(url: str, key_id: str, **changes) -> AwsKmsSettings:
    # A generous timeout: moto on a loaded 2-core machine can take seconds to answer.
    values = {
        "key_id": key_id,
        "region": "us-east-1",
        "endpoint_url": url,
        "timeout_seconds": 10,
    }  # generous: moto on a loaded 2-core machine
    return AwsKmsSettings.model_validate({**values, **changes})


@pytest.fixture
def kms_alias(moto) -> str:
    client = kms_client(moto.url)
    alias = f"alias/signer-{os.urandom(4).hex()}"
    client.create_alias(AliasName=alias, TargetKeyId=create_kms_key(client))
    return alias


async def test_kms_key_signs_many_messages_all_verifying_with_both_halves_of_s_seen(moto, kms_alias):
    source = await open_aws_kms(settings(moto.url, kms_alias), wallet_name="kms_wallet")
    try:
        assert isinstance(source, KeySource) and source.kind == "aws_kms"
        for index in range(SIGNATURES):
            message = f'{{"memo":"{index}","sequence":"{index}"}}'.encode()
            assert verify(source.public_key, await source.sign_message(message), message)
        # KMS does not promise low-S: about half of its signatures came back high and were flipped.
        assert 0 < source.high_s_normalized < SIGNATURES, source.high_s_normalized
    finally:
        await source.aclose()


async def test_the_public_key_is_the_one_kms_reports(moto, kms_alias):
    from app.keys.ecdsa import public_key_from_spki

    source = await open_aws_kms(settings(moto.url, kms_alias), wallet_name="kms_wallet")
    try:
        answer = kms_client(moto.url).get_public_key(KeyId=kms_alias)
        assert source.public_key == public_key_from_spki(answer["PublicKey"])
        await source.check()
    finally:
        await source.aclose()


async def test_re_pointing_the_alias_later_does_not_change_the_signing_key(moto, kms_alias):
    source = await open_aws_kms(settings(moto.url, kms_alias), wallet_name="kms_wallet")
    try:
        client = kms_client(moto.url)
        client.update_alias(AliasName=kms_alias, TargetKeyId=create_kms_key(client))
        assert verify(source.public_key, await source.sign_message(b"still mine"), b"still mine")
    finally:
        await source.aclose()


async def test_concurrent_signatures_run_on_the_bounded_pool(moto, kms_alias):
    source = await open_aws_kms(settings(moto.url, kms_alias), wallet_name="kms_wallet")
    try:
        messages = [b"m%d" % index for index in range(20)]
        signatures = await asyncio.gather(*(source.sign_message(m) for m in messages))
        assert all(verify(source.public_key, s, m) for s, m in zip(signatures, messages, strict=True))
    finally:
        await source.aclose()


async def test_digest_mode_is_hashed_again_by_moto_and_caught_before_use(moto, kms_alias):
    # sign(digest) sends MessageType=DIGEST, which AWS signs as is but moto hashes once more: the
    # local check against the public key turns that into KeyBackendUnavailable, never a bad tx.
    source = await open_aws_kms(settings(moto.url, kms_alias), wallet_name="kms_wallet")
    try:
        with pytest.raises(KeyBackendUnavailable, match="does not verify against the wallet's public key") as caught:
            await source.sign(hashlib.sha256(b"m").digest())
        assert caught.value.cause == "invalid_signature"
        with pytest.raises(KeyBackendUnavailable, match="does not verify"):  # longer than RAW allows: DIGEST
            await source.sign_message(b"x" * (RAW_LIMIT + 1))
        assert verify(source.public_key, await source.sign_message(b"x" * RAW_LIMIT), b"x" * RAW_LIMIT)
    finally:
        await source.aclose()


async def assert_setup_error(kms_settings: AwsKmsSettings, match: str) -> None:
    with pytest.raises(KeySetupError) as caught:
        await open_aws_kms(kms_settings, wallet_name="kms_wallet")
    text = str(caught.value)
    assert text.startswith("wallet 'kms_wallet': ") and match in text, text
    assert "testing" not in text  # the (moto) credentials never appear


async def test_a_p256_key_is_refused(moto):
    key_id = create_kms_key(kms_client(moto.url), spec="ECC_NIST_P256")
    await assert_setup_error(settings(moto.url, key_id), "is ECC_NIST_P256, not ECC_SECG_P256K1")


async def test_a_symmetric_key_is_refused(moto):
    key_id = create_kms_key(kms_client(moto.url), spec="SYMMETRIC_DEFAULT", usage="ENCRYPT_DECRYPT")
    await assert_setup_error(settings(moto.url, key_id), "is SYMMETRIC_DEFAULT, not ECC_SECG_P256K1")


async def test_a_missing_key_is_refused(moto):
    await assert_setup_error(settings(moto.url, "alias/does-not-exist"), "KMS NotFoundException")


async def test_an_unreachable_endpoint_is_refused_at_start_up(moto):
    from tests.backends import free_port

    url = f"http://127.0.0.1:{free_port()}"
    # A refused connection fails at once; the deadline is far above it, so a loaded machine (the
    # suite on 2 workers) cannot turn "cannot reach" into the deadline's "no answer" (seen once at 1 s).
    await assert_setup_error(settings(url, "alias/x", timeout_seconds=10), "cannot reach KMS")


async def test_no_credentials_in_the_chain_is_refused(moto, monkeypatch):
    monkeypatch.delenv("AWS_ACCESS_KEY_ID")
    monkeypatch.delenv("AWS_SECRET_ACCESS_KEY")
    await assert_setup_error(settings(moto.url, "alias/x"), "no AWS credentials in the standard chain")


@pytest.fixture
def own_moto(aws_env, tmp_path):
    """A KMS server of this test alone, to kill or freeze."""
    server = start_moto(tmp_path / "moto.log")
    yield server
    server.stop()


async def test_a_killed_kms_server_gives_unavailable_within_the_timeout(own_moto):
    client = kms_client(own_moto.url)
    source = await open_aws_kms(settings(own_moto.url, create_kms_key(client)), wallet_name="kms_wallet")
    try:
        assert verify(source.public_key, await source.sign_message(b"before"), b"before")
        own_moto.stop()
        started = time.monotonic()
        with pytest.raises(KeyBackendUnavailable, match=r"^key backend for wallet 'kms_wallet' unavailable: ") as dead:
            await source.sign_message(b"after")
        assert time.monotonic() - started < 2.5
        assert dead.value.cause == "unreachable"
        with pytest.raises(KeyBackendUnavailable):
            await source.check()
    finally:
        await source.aclose()


async def test_a_frozen_kms_server_gives_unavailable_at_the_timeout(own_moto):
    client = kms_client(own_moto.url)
    source = await open_aws_kms(settings(own_moto.url, create_kms_key(client), timeout_seconds=1), wallet_name="kms")
    try:
        own_moto.process.send_signal(signal.SIGSTOP)  # accepts connections (kernel backlog), never answers
        started = time.monotonic()
        with pytest.raises(KeyBackendUnavailable, match="unavailable: ") as caught:
            await source.sign_message(b"stuck")
        assert caught.value.cause == "timeout"
        # Not before the 1 s timeout, and nowhere near botocore's own (60 s, retried): a loaded
        # machine (the suite runs on 2 workers) may add a second or two of scheduling.
        assert 0.9 < time.monotonic() - started < 5.0
    finally:
        own_moto.process.send_signal(signal.SIGCONT)
        await source.aclose()


async def test_a_closed_source_refuses_to_sign(moto, kms_alias):
    source = await open_aws_kms(settings(moto.url, kms_alias), wallet_name="kms_wallet")
    await source.aclose()
    with pytest.raises(KeyBackendUnavailable, match="closed"):
        await source.sign_message(b"late")


async def test_describe_gives_kind_address_and_key(moto, kms_alias):
    from app.cli.keys import describe

    source = await open_aws_kms(settings(moto.url, kms_alias), wallet_name="kms_wallet")
    try:
        found = describe(source)
    finally:
        await source.aclose()
    assert found["kind"] == "aws_kms" and found["region"] == "us-east-1"
    assert found["addresses"]["bnb"].startswith("bnb1")
    assert found["key_id"] and not found["key_id"].startswith("alias/")  # the key it really signs with


@pytest.fixture
def fake(aws_env):
    from tests.kmsfake import fake_kms

    with fake_kms() as server:
        yield server


CAUSES = {
    "wrong_key": "invalid_signature",
    "garbage_der": "bad_answer",
    "error_500": "backend_error",
    "drop": "unreachable",
    "hang": "timeout",
}


@pytest.mark.parametrize("mode", list(CAUSES))
async def test_each_kind_of_kms_failure_has_its_own_cause(fake, mode):
    # 5 s, not 1: the first boto call (opening the key) can take over a second on a loaded machine.
    source = await open_aws_kms(settings(fake.url, "alias/fake", timeout_seconds=5), wallet_name="kms_wallet")
    try:
        assert verify(source.public_key, await source.sign_message(b"before"), b"before")
        fake.mode = mode
        with pytest.raises(KeyBackendUnavailable, match="unavailable: ") as caught:
            await source.sign_message(b"after")
        assert caught.value.cause == CAUSES[mode]
        fake.mode = "ok"
        fake.release.set()
        assert verify(source.public_key, await source.sign_message(b"again"), b"again")
    finally:
        await source.aclose()


async def test_a_kms_that_stopped_listening_is_unreachable(fake):
    source = await open_aws_kms(settings(fake.url, "alias/fake"), wallet_name="kms_wallet")
    try:
        fake.stop()
        with pytest.raises(KeyBackendUnavailable) as caught:
            await source.sign_message(b"after")
        assert caught.value.cause == "unreachable"
    finally:
        await source.aclose()
