"""The PKCS#11 key source against a real SoftHSM2 token, with keys made by `python -m app keys`."""

import asyncio
import hashlib
import json
import subprocess
import threading
import time

import pytest

from app.chain.keys import SigningKey, verify
from app.keys import pkcs11 as p11source
from app.keys.base import KeyBackendUnavailable, KeySetupError, KeySource
from app.keys.pkcs11 import open_pkcs11

pytestmark = pytest.mark.timeout(120)

SIGNATURES = 200
MNEMONIC = "abandon abandon abandon abandon abandon abandon abandon abandon abandon abandon abandon about"


async def test_cli_created_key_signs_many_digests_all_verifying_with_both_halves_of_s_seen(softhsm, hsm_key):
    source = await open_pkcs11(softhsm.settings("hot-1"), wallet_name="hsm_wallet")
    try:
        assert isinstance(source, KeySource)
        assert source.public_key.hex() == hsm_key["public_key"]
        for index in range(SIGNATURES):
            message = f'{{"memo":"{index}","sequence":"{index}"}}'.encode()
            signature = await source.sign_message(message)
            assert len(signature) == 64
            assert verify(source.public_key, signature, message)  # refuses high-S, as the chain does
        # The token's s is uniform: about half needed n - s; 0 (or all) would mean normalization never ran.
        assert 0 < source.high_s_normalized < SIGNATURES, source.high_s_normalized
    finally:
        await source.aclose()


async def test_sign_over_a_precomputed_digest_matches_sign_message(softhsm, hsm_key):
    source = await open_pkcs11(softhsm.settings("hot-1"), wallet_name="hsm_wallet")
    try:
        message = b"sign bytes"
        assert verify(source.public_key, await source.sign(hashlib.sha256(message).digest()), message)
        with pytest.raises(ValueError, match="32 bytes"):
            await source.sign(message)
    finally:
        await source.aclose()


def test_cli_created_key_is_private_sensitive_and_never_extractable(softhsm, hsm_key):
    attributes = json.loads(softhsm.tool("hot-1", "attrs"))
    assert attributes == {
        "TOKEN": True,
        "PRIVATE": True,
        "SENSITIVE": True,
        "EXTRACTABLE": False,
        "NEVER_EXTRACTABLE": True,
        "SIGN": True,
        "DERIVE": False,
    }
    assert hsm_key["addresses"]["bnb"].startswith("bnb1") and hsm_key["addresses"]["tbnb"].startswith("tbnb1")


async def test_cli_imports_a_hex_key_as_non_extractable_with_the_same_address(softhsm):
    key = SigningKey.from_hex("7f" * 31 + "01")
    result = softhsm.cli("import", "--key-label", "imported-hex", stdin=key._key.secret.hex() + "\n")
    assert result.returncode == 0, result.stderr
    answer = json.loads(result.stdout)
    assert answer["addresses"] == {"bnb": key.address("bnb"), "tbnb": key.address("tbnb")}
    assert key._key.secret.hex() not in result.stdout + result.stderr
    attributes = json.loads(softhsm.tool("imported-hex", "attrs"))
    assert attributes["SENSITIVE"] and not attributes["EXTRACTABLE"]
    source = await open_pkcs11(softhsm.settings("imported-hex"), wallet_name="imported")
    try:
        assert source.public_key == key.public_key
        assert verify(key.public_key, await source.sign_message(b"hello"), b"hello")
    finally:
        await source.aclose()


def test_cli_imports_a_mnemonic_key_at_an_account_index(softhsm):
    expected = SigningKey.from_mnemonic(MNEMONIC, index=3)
    stdin = f"{MNEMONIC}\n\n"  # the mnemonic, then an empty BIP39 passphrase
    result = softhsm.cli("import", "--key-label", "from-words", "--from-mnemonic", "--account-index", "3", stdin=stdin)
    assert result.returncode == 0, result.stderr
    assert json.loads(result.stdout)["public_key"] == expected.public_key.hex()
    assert "abandon" not in result.stdout + result.stderr


def test_cli_refuses_a_second_key_with_the_same_label(softhsm, hsm_key):
    result = softhsm.cli("create", "--key-label", "hot-1")
    assert result.returncode == 1
    assert "already holds an object labelled 'hot-1'" in result.stderr


def test_cli_with_a_wrong_pin_fails_without_showing_it(softhsm):
    result = softhsm.cli("create", "--key-label", "never", pin="wrong-pin-000")
    assert result.returncode == 1
    assert "wrong PIN for token 'signer'" in result.stderr
    assert "wrong-pin-000" not in result.stdout + result.stderr


def test_cli_takes_no_pin_argument(softhsm):
    result = softhsm.cli("create", "--key-label", "never", "--pin", "1234")
    assert result.returncode == 2 and "unrecognized arguments: --pin" in result.stderr


async def assert_setup_error(settings, match: str) -> None:
    with pytest.raises(KeySetupError) as caught:
        await open_pkcs11(settings, wallet_name="hsm_wallet")
    text = str(caught.value)
    assert text.startswith("wallet 'hsm_wallet': ") and match in text, text
    assert settings.pin.get_secret_value() not in text
    assert caught.value.__cause__ is None and caught.value.__suppress_context__


async def test_wrong_pin_is_a_setup_error_naming_the_wallet_not_the_pin(softhsm):
    # 'fresh' is logged in by nobody in this process: the PIN goes to the token's C_Login.
    await assert_setup_error(softhsm.settings("any", token_label="fresh", pin="not-the-pin-31"), "wrong PIN")


async def test_wrong_pin_for_a_token_another_wallet_logged_in_is_refused_too(softhsm, hsm_key):
    first = await open_pkcs11(softhsm.settings("hot-1"), wallet_name="first")
    try:
        await assert_setup_error(softhsm.settings("hot-1", pin="not-the-pin-32"), "wrong PIN for token 'signer'")
    finally:
        await first.aclose()


async def test_missing_key_label_is_a_setup_error(softhsm, hsm_key):
    await assert_setup_error(softhsm.settings("no-such-key"), "no private key labelled 'no-such-key' in token 'signer'")


async def test_missing_token_is_a_setup_error(softhsm):
    await assert_setup_error(softhsm.settings("hot-1", token_label="absent"), "no token labelled 'absent'")


async def test_nonexistent_module_path_is_a_setup_error(softhsm):
    settings = softhsm.settings("hot-1", module="/nonexistent/libpkcs11.so")
    await assert_setup_error(settings, "PKCS#11 module /nonexistent/libpkcs11.so does not exist")


async def test_a_p256_key_is_refused_as_the_wrong_curve(softhsm):
    softhsm.tool("p256-key", "p256")
    await assert_setup_error(softhsm.settings("p256-key"), "secp256r1 (1.2.840.10045.3.1.7), not secp256k1")


async def test_an_extractable_key_is_refused(softhsm):
    softhsm.tool("loose-key", "extractable")
    await assert_setup_error(softhsm.settings("loose-key"), "private key 'loose-key' is extractable or not sensitive")


async def test_two_wallets_on_one_token_share_its_login_and_outlive_each_other(softhsm, hsm_key):
    softhsm.create("hot-2")
    one = await open_pkcs11(softhsm.settings("hot-1"), wallet_name="one")
    two = await open_pkcs11(softhsm.settings("hot-2"), wallet_name="two")
    try:
        signatures = await asyncio.gather(*(source.sign_message(b"m") for source in (one, two) for _ in range(10)))
        assert all(verify(k.public_key, s, b"m") for k, s in zip([one] * 10 + [two] * 10, signatures, strict=True))
        await one.aclose()
        assert verify(two.public_key, await two.sign_message(b"after"), b"after")
        await two.check()
    finally:
        await one.aclose()
        await two.aclose()
    assert "signer" not in p11source.load_module(softhsm.module).logins  # the last session logged the token out


async def test_a_hung_module_gives_unavailable_within_the_timeout_and_the_loop_keeps_running(softhsm, hsm_key):
    source = await open_pkcs11(softhsm.settings("hot-1", timeout_seconds=0.5), wallet_name="hsm_wallet")
    module = p11source.load_module(softhsm.module)
    held, release = threading.Event(), threading.Event()

    def hang() -> None:  # a PKCS#11 call that does not return holds the module exactly like this
        with module.lock:
            held.set()
            release.wait(30)

    hung = threading.Thread(target=hang, daemon=True)
    hung.start()
    try:
        assert held.wait(10)
        ticks = 0

        async def ticker() -> None:
            nonlocal ticks
            while True:
                ticks += 1
                await asyncio.sleep(0.01)

        ticking = asyncio.create_task(ticker())
        started = time.monotonic()
        with pytest.raises(KeyBackendUnavailable, match=r"key backend for wallet 'hsm_wallet' unavailable: "):
            await source.sign_message(b"stuck")
        elapsed = time.monotonic() - started
        ticking.cancel()
        assert 0.4 < elapsed < 2.0, elapsed
        assert ticks > 10  # the event loop ran other work while the token was stuck
    finally:
        release.set()
        hung.join(10)
    assert verify(source.public_key, await source.sign_message(b"again"), b"again")  # recovers once it answers
    await source.aclose()


async def test_a_token_deleted_mid_run_gives_key_backend_unavailable(softhsm):
    softhsm.create("doomed-key", token_label="doomed")
    source = await open_pkcs11(softhsm.settings("doomed-key", token_label="doomed"), wallet_name="doomed_wallet")
    try:
        assert verify(source.public_key, await source.sign_message(b"before"), b"before")
        command = ["softhsm2-util", "--delete-token", "--token", "doomed"]
        subprocess.run(command, env=softhsm.env(None), capture_output=True, timeout=60, check=True)
        with pytest.raises(KeyBackendUnavailable, match=r"^key backend for wallet 'doomed_wallet' unavailable: "):
            await source.sign_message(b"after")
        with pytest.raises(KeyBackendUnavailable):
            await source.check()
    finally:
        await source.aclose()


async def test_a_closed_source_refuses_to_sign(softhsm, hsm_key):
    source = await open_pkcs11(softhsm.settings("hot-1"), wallet_name="hsm_wallet")
    await source.check()
    await source.aclose()
    await source.aclose()  # twice is harmless
    with pytest.raises(KeyBackendUnavailable, match="closed"):
        await source.sign_message(b"late")


async def test_describe_gives_kind_addresses_and_location_but_no_pin(softhsm, hsm_key):
    from app.cli.keys import describe

    source = await open_pkcs11(softhsm.settings("hot-1"), wallet_name="hsm_wallet")
    try:
        found = describe(source)
    finally:
        await source.aclose()
    assert found["kind"] == "pkcs11"
    assert found["addresses"] == hsm_key["addresses"]
    assert found["token_label"] == "signer" and found["key_label"] == "hot-1" and found["module"] == softhsm.module
    assert softhsm.pins["signer"] not in json.dumps(found)


async def test_a_token_moved_away_and_back_signs_again_and_check_says_so_in_both_states(softhsm):
    """SoftHSM2's token directory moved away and back: handles and login are dead, the source re-opens them."""
    for label in ("roamer-1", "roamer-2"):
        softhsm.create(label, token_label="roaming")
    one, two = [
        await open_pkcs11(softhsm.settings(label, token_label="roaming"), wallet_name=label.replace("-", "_"))
        for label in ("roamer-1", "roamer-2")
    ]
    try:
        for source in (one, two):
            assert verify(source.public_key, await source.sign_message(b"before"), b"before")
            await source.check()
        with softhsm.token_away("roaming"):
            for source in (one, two):
                with pytest.raises(KeyBackendUnavailable, match="no token labelled 'roaming'") as caught:
                    await source.sign_message(b"away")
                assert caught.value.cause == "unreachable"
                with pytest.raises(KeyBackendUnavailable) as caught:
                    await source.check()  # /ready's check fails while signing does
                assert caught.value.cause == "unreachable"
        for source in (one, two):  # both wallets of the token, the second on the login the first restored
            await source.check()
            assert verify(source.public_key, await source.sign_message(b"back"), b"back")
            assert source.reopened >= 1
        reopened = one.reopened
        assert verify(one.public_key, await one.sign_message(b"again"), b"again")
        assert one.reopened == reopened  # healthy sessions are kept, not re-opened per call
    finally:
        await one.aclose()
        await two.aclose()
    assert "roaming" not in p11source.load_module(softhsm.module).logins  # the re-opened login was closed too
