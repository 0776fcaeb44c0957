"""Keys: mnemonic and BIP32 derivation, addresses, signing, verification and key hygiene."""

import hashlib
import json
from pathlib import Path
from typing import Any

import pytest

from app.chain.address import encode_address, key_hash
from app.chain.errors import InvalidKey
from app.chain.keys import HARDENED, SigningKey, _derive_bip32, derivation_path, verify

KEYS = json.loads((Path(__file__).parent / "vectors.json").read_text())["keys"]
CURVE_ORDER = 0xFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFEBAAEDCE6AF48A03BBFD25E8CD0364141
ACCOUNT_12_KEY = "90335b9d2153ad1a9799a3ccc070bd64b4164e9642ee1dd48053c33f9a3a05e9"
ABANDON_MNEMONIC = "abandon " * 11 + "about"  # the BIP39 all-zero-entropy phrase, checksum valid


def _key_params(predicate: Any) -> list[Any]:
    params = []
    for number, vector in enumerate(KEYS):
        if predicate(vector):
            source = vector["source"].split()[0].split("/")[-1]
            params.append(pytest.param(vector, id=f"{number:02d}-{source}-{vector['hrp']}-{vector['address'][:12]}"))
    return params


STANDARD_MNEMONIC = _key_params(lambda v: v["mnemonic"] and "path" not in v)
WITH_PRIVATE_KEY = _key_params(lambda v: v["private_key"])
WITH_PUBLIC_KEY = _key_params(lambda v: v["public_key_hex"])
CUSTOM_PATH = _key_params(lambda v: "path" in v)


def _parse_path(path: str) -> tuple[int, ...]:
    """m/44'/714'/1'/1/1 as BIP32 indexes."""
    parts = path.split("/")
    assert parts[0] == "m"
    return tuple(int(p.rstrip("'h")) | (HARDENED if p[-1] in "'h" else 0) for p in parts[1:])


@pytest.mark.parametrize("vector", STANDARD_MNEMONIC)
def test_mnemonic_derives_published_address(vector: dict[str, Any]) -> None:
    """from_mnemonic at m/44'/714'/0'/0/index gives the published address (and key, where given)."""
    key = SigningKey.from_mnemonic(vector["mnemonic"], passphrase=vector["passphrase"], index=vector["index"])
    assert key.address(vector["hrp"]) == vector["address"]
    if vector["private_key"]:
        assert key.public_key == SigningKey.from_hex(vector["private_key"]).public_key
    if vector["public_key_hex"]:
        assert key.public_key.hex() == vector["public_key_hex"]


@pytest.mark.parametrize("vector", WITH_PRIVATE_KEY)
def test_private_key_gives_published_address(vector: dict[str, Any]) -> None:
    """A hex private key gives the published address under the vector's hrp."""
    key = SigningKey.from_hex(vector["private_key"])
    assert key.address(vector["hrp"]) == vector["address"]


@pytest.mark.parametrize("vector", WITH_PUBLIC_KEY)
def test_public_key_hashes_to_published_address(vector: dict[str, Any]) -> None:
    """Address = bech32(hrp, RIPEMD160(SHA256(compressed public key)))."""
    assert encode_address(vector["hrp"], key_hash(bytes.fromhex(vector["public_key_hex"]))) == vector["address"]


@pytest.mark.parametrize("vector", CUSTOM_PATH)
def test_go_sdk_custom_path_derives_published_address(vector: dict[str, Any]) -> None:
    """The go-sdk custom path m/44'/714'/1'/1/1 (not expressible by from_mnemonic) through _derive_bip32."""
    from mnemonic import Mnemonic

    seed = Mnemonic.to_seed(vector["mnemonic"], vector["passphrase"])
    path = _parse_path(vector["path"])
    assert path == (44 | HARDENED, 714 | HARDENED, 1 | HARDENED, 1, 1)
    key = SigningKey(_derive_bip32(seed, path))
    assert key.address(vector["hrp"]) == vector["address"]


def test_bip32_test_vector_1_chain_m_0h_1_2h_2_1000000000() -> None:
    """BIP32 test vector 1, the deepest chain, mixing hardened and normal steps."""
    seed = bytes.fromhex("000102030405060708090a0b0c0d0e0f")
    path = (0 | HARDENED, 1, 2 | HARDENED, 2, 1000000000)
    expected = "471b76e389e528d6de6d816857e012c5455051cad6660850e58372a6c3e6e7c8"
    assert _derive_bip32(seed, path).hex() == expected


def test_bip32_test_vector_1_master_key() -> None:
    """BIP32 test vector 1 master key (the empty path)."""
    seed = bytes.fromhex("000102030405060708090a0b0c0d0e0f")
    expected = "e8f32e723decf4051aefac8e2c93c9c5b214313817cdb01a1494b917c8436b35"
    assert _derive_bip32(seed, ()).hex() == expected


def test_derivation_path_is_the_binance_chain_account_path() -> None:
    """m/44'/714'/0'/0/index."""
    assert derivation_path(7) == (44 | HARDENED, 714 | HARDENED, HARDENED, 0, 7)


@pytest.mark.parametrize("index", [-1, HARDENED])
def test_derivation_path_rejects_out_of_range_index(index: int) -> None:
    """Negative or hardened-range indexes are refused."""
    with pytest.raises(InvalidKey):
        derivation_path(index)


def test_passphrase_changes_the_derived_key() -> None:
    """The BIP39 passphrase is part of the seed."""
    plain = SigningKey.from_mnemonic(ABANDON_MNEMONIC)
    salted = SigningKey.from_mnemonic(ABANDON_MNEMONIC, passphrase="TREZOR")
    assert plain.public_key != salted.public_key


def test_mnemonic_whitespace_is_normalised() -> None:
    """Extra spaces, tabs and newlines between words do not change the key."""
    messy = "  " + ABANDON_MNEMONIC.replace(" ", " \t\n ") + "\n"
    assert SigningKey.from_mnemonic(messy).public_key == SigningKey.from_mnemonic(ABANDON_MNEMONIC).public_key


def test_from_hex_accepts_0x_prefix_and_upper_case() -> None:
    """0x-prefixed and upper-case hex give the same key."""
    plain = SigningKey.from_hex(ACCOUNT_12_KEY)
    assert SigningKey.from_hex("0x" + ACCOUNT_12_KEY.upper()).public_key == plain.public_key
    assert SigningKey.from_hex("0X" + ACCOUNT_12_KEY).public_key == plain.public_key


def test_sign_is_deterministic_low_s_64_bytes() -> None:
    """RFC6979: the same message signs to the same 64-byte r||s, with s in the lower half."""
    key = SigningKey.from_hex(ACCOUNT_12_KEY)
    for n in range(50):
        message = f"message {n}".encode()
        signature = key.sign(message)
        assert len(signature) == 64
        assert signature == key.sign(message)
        assert int.from_bytes(signature[32:], "big") <= CURVE_ORDER // 2


def test_sign_hashes_the_message_with_sha256() -> None:
    """The signature is over SHA-256(message): verifying the prehashed digest with coincurve agrees."""
    import coincurve

    key = SigningKey.from_hex(ACCOUNT_12_KEY)
    signature = key.sign(b"testmessage")
    der = coincurve.ecdsa.cdata_to_der(coincurve.ecdsa.deserialize_compact(signature))
    digest = hashlib.sha256(b"testmessage").digest()
    assert coincurve.PublicKey(key.public_key).verify(der, digest, hasher=None)


def test_verify_accepts_a_genuine_signature() -> None:
    """verify() accepts what sign() produced."""
    key = SigningKey.from_hex(ACCOUNT_12_KEY)
    assert verify(key.public_key, key.sign(b"hello"), b"hello")


def test_verify_rejects_tampered_signature_and_message() -> None:
    """Flipping one bit of the signature or of the message fails verification."""
    key = SigningKey.from_hex(ACCOUNT_12_KEY)
    signature = bytearray(key.sign(b"hello"))
    assert not verify(key.public_key, key.sign(b"hello"), b"hellO")
    for position in (0, 31, 32, 63):
        tampered = bytearray(signature)
        tampered[position] ^= 0x01
        assert not verify(key.public_key, bytes(tampered), b"hello")


def test_verify_rejects_other_public_key() -> None:
    """A signature does not verify under another key."""
    key = SigningKey.from_hex(ACCOUNT_12_KEY)
    other = SigningKey.from_mnemonic(ABANDON_MNEMONIC)
    assert not verify(other.public_key, key.sign(b"hello"), b"hello")


def test_verify_rejects_high_s_signature() -> None:
    """(r, n - s) is mathematically valid but malleable; the chain rejects it and so does verify()."""
    key = SigningKey.from_hex(ACCOUNT_12_KEY)
    signature = key.sign(b"hello")
    s = int.from_bytes(signature[32:], "big")
    high_s = signature[:32] + (CURVE_ORDER - s).to_bytes(32, "big")
    assert not verify(key.public_key, high_s, b"hello")


@pytest.mark.parametrize(
    ("public_key_length", "signature_length"),
    [(33, 63), (33, 65), (33, 0), (32, 64), (34, 64), (0, 64)],
    ids=["sig63", "sig65", "sig0", "pub32", "pub34", "pub0"],
)
def test_verify_rejects_wrong_length_input(public_key_length: int, signature_length: int) -> None:
    """Wrong-length keys or signatures return False rather than raising."""
    key = SigningKey.from_hex(ACCOUNT_12_KEY)
    signature = (key.sign(b"hello") * 2)[:signature_length]
    public_key = (key.public_key * 2)[:public_key_length]
    assert verify(public_key, signature, b"hello") is False


def test_verify_rejects_zero_and_out_of_range_signature_scalars() -> None:
    """r or s of zero, or r >= n, is not a signature."""
    key = SigningKey.from_hex(ACCOUNT_12_KEY)
    signature = key.sign(b"hello")
    assert not verify(key.public_key, bytes(64), b"hello")
    assert not verify(key.public_key, bytes(32) + signature[32:], b"hello")
    assert not verify(key.public_key, b"\xff" * 32 + signature[32:], b"hello")


def test_repr_does_not_show_the_private_key() -> None:
    """repr() and str() name the public key only."""
    key = SigningKey.from_hex(ACCOUNT_12_KEY)
    for text in (repr(key), str(key), f"{key!r}", repr([key])):
        assert ACCOUNT_12_KEY not in text.lower()
        assert ACCOUNT_12_KEY.upper() not in text
    assert key.public_key.hex() in repr(key)


@pytest.mark.parametrize(
    "bad",
    [
        "zz" * 32,
        ACCOUNT_12_KEY[:-1] + "g",
        ACCOUNT_12_KEY[:-2],
        ACCOUNT_12_KEY + "00",
        "",
        "0x",
        "00" * 32,
        f"{CURVE_ORDER:064x}",
        f"{CURVE_ORDER + 1:064x}",
        "ff" * 32,
    ],
    ids=["non-hex", "one-bad-char", "31-bytes", "33-bytes", "empty", "bare-0x", "zero", "n", "n+1", "all-ff"],
)
def test_from_hex_rejects_bad_keys_without_echoing_them(bad: str) -> None:
    """Bad hex, wrong length, zero and >= curve order raise InvalidKey whose message hides the input."""
    with pytest.raises(InvalidKey) as caught:
        SigningKey.from_hex(bad)
    message = str(caught.value)
    if bad.removeprefix("0x"):
        assert bad not in message
        assert bad[:16] not in message


@pytest.mark.parametrize("secret", [bytes(31), bytes(33), b""], ids=["31", "33", "0"])
def test_constructor_rejects_wrong_length_secret(secret: bytes) -> None:
    """SigningKey(bytes) wants exactly 32 bytes."""
    with pytest.raises(InvalidKey):
        SigningKey(secret)


@pytest.mark.parametrize(
    "bad",
    [
        "abandon " * 12,
        "abandon " * 11 + "zoo",
        ABANDON_MNEMONIC.upper(),
        " ".join(ABANDON_MNEMONIC.split()[:11]),
        "notaword " * 11 + "about",
        "",
    ],
    ids=["bad-checksum", "bad-checksum-2", "upper-case", "11-words", "unknown-word", "empty"],
)
def test_from_mnemonic_rejects_bad_phrase_without_echoing_it(bad: str) -> None:
    """A phrase that fails the word list or checksum raises InvalidKey whose message holds none of its words."""
    with pytest.raises(InvalidKey) as caught:
        SigningKey.from_mnemonic(bad)
    message = str(caught.value).lower()
    for word in set(bad.lower().split()) - {"a", "an", "the", "is", "or", "not"}:
        assert word not in message.split(), word


def test_from_mnemonic_rejects_hardened_index() -> None:
    """Index must be below 2^31."""
    with pytest.raises(InvalidKey):
        SigningKey.from_mnemonic(ABANDON_MNEMONIC, index=HARDENED)


def test_address_uses_requested_hrp() -> None:
    """One key, one account id, two bech32 spellings."""
    key = SigningKey.from_hex(ACCOUNT_12_KEY)
    assert key.address("bnb") == "bnb1hgm0p7khfk85zpz5v0j8wnej3a90w709vhkdfu"
    assert key.address("tbnb") == "tbnb1hgm0p7khfk85zpz5v0j8wnej3a90w709zzlffd"
    assert key.account_id.hex() == "ba36f0fad74d8f41045463e4774f328f4af779e5"
