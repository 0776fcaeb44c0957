"""Signature and public-key formats from HSMs and KMS, turned into what the chain accepts."""

import hashlib

import coincurve
import pytest
from asn1crypto.algos import DSASignature
from asn1crypto.core import OctetString
from asn1crypto.keys import ECDomainParameters, PublicKeyInfo, RSAPublicKey
from pkcs11.util.ec import encode_named_curve_parameters

from app.chain.keys import SigningKey, verify
from app.keys import ecdsa
from app.keys.ecdsa import SECP256K1_ORDER as N
from app.keys.ecdsa import KeyFormatError

pytestmark = pytest.mark.timeout(30)

KEY = SigningKey.from_hex("5b2d8a3c9e1f4a6b7c8d9e0f1a2b3c4d5e6f708192a3b4c5d6e7f8091a2b3c4d")
MESSAGE = b'{"account_number":"1","chain_id":"Binance-Dev","memo":"","msgs":[],"sequence":"0","source":"0"}'
DIGEST = hashlib.sha256(MESSAGE).digest()
K1_PARAMS = encode_named_curve_parameters("secp256k1")
P256_PARAMS = encode_named_curve_parameters("secp256r1")


def low_and_high() -> tuple[bytes, bytes]:
    low = KEY.sign(MESSAGE)
    r, s = int.from_bytes(low[:32], "big"), int.from_bytes(low[32:], "big")
    return low, r.to_bytes(32, "big") + (N - s).to_bytes(32, "big")


def test_a_fixed_high_s_signature_is_refused_by_the_chain_and_normalized_to_the_low_one():
    low, high = low_and_high()
    assert ecdsa.is_high_s(int.from_bytes(high[32:], "big"))
    assert not verify(KEY.public_key, high, MESSAGE)  # the chain's check refuses the malleable twin
    assert ecdsa.raw_to_compact(high) == low
    assert verify(KEY.public_key, ecdsa.raw_to_compact(high), MESSAGE)


def test_a_high_s_der_signature_from_kms_becomes_the_low_compact_one():
    low, high = low_and_high()
    der = DSASignature.from_p1363(high).dump()
    assert ecdsa.der_to_compact(der) == low


def test_a_low_s_signature_passes_unchanged():
    low, _ = low_and_high()
    assert ecdsa.raw_to_compact(low) == low
    assert ecdsa.checked_compact(*ecdsa.split_raw(low), public_key=KEY.public_key, digest=DIGEST) == low


def test_checked_compact_refuses_a_signature_by_another_key():
    other = SigningKey.from_hex("11" * 32).sign(MESSAGE)
    with pytest.raises(KeyFormatError, match="does not verify"):
        ecdsa.checked_compact(*ecdsa.split_raw(other), public_key=KEY.public_key, digest=DIGEST)


@pytest.mark.parametrize("r, s", [(0, 1), (1, 0), (N, 1), (1, N)])
def test_r_and_s_outside_the_curve_order_are_refused(r, s):
    with pytest.raises(KeyFormatError, match="out of range"):
        ecdsa.compact_low_s(r, s)


@pytest.mark.parametrize("der", [b"", b"\x30\x00", b"garbage", DSASignature({"r": 1, "s": 2}).dump() + b"\x00"])
def test_malformed_der_signatures_are_refused(der):
    with pytest.raises(KeyFormatError):
        ecdsa.der_to_compact(der)


def test_a_raw_signature_must_be_64_bytes():
    with pytest.raises(KeyFormatError, match="64 bytes"):
        ecdsa.raw_to_compact(b"\x01" * 63)


@pytest.mark.parametrize("compressed", [False, True])
def test_ec_point_as_a_der_octet_string_gives_the_compressed_key(compressed):
    point = coincurve.PublicKey(KEY.public_key).format(compressed=compressed)
    assert ecdsa.public_key_from_ec_point(OctetString(point).dump(), K1_PARAMS) == KEY.public_key


def test_a_bare_ec_point_from_an_older_module_is_accepted():
    point = coincurve.PublicKey(KEY.public_key).format(compressed=False)
    assert ecdsa.public_key_from_ec_point(point, K1_PARAMS) == KEY.public_key


def test_an_ec_point_on_another_curve_is_refused_naming_it():
    point = OctetString(coincurve.PublicKey(KEY.public_key).format(compressed=False)).dump()
    with pytest.raises(KeyFormatError, match=r"secp256r1 \(1\.2\.840\.10045\.3\.1\.7\), not secp256k1"):
        ecdsa.public_key_from_ec_point(point, P256_PARAMS)


def test_a_point_off_the_curve_is_refused():
    point = OctetString(b"\x04" + b"\x01" * 64).dump()
    with pytest.raises(KeyFormatError, match="not a valid secp256k1 point"):
        ecdsa.public_key_from_ec_point(point, K1_PARAMS)


def test_explicit_curve_parameters_are_refused():
    explicit = ECDomainParameters(name="implicit_ca", value=None).dump()
    with pytest.raises(KeyFormatError, match="not a named curve"):
        ecdsa.curve_name(explicit)


def spki(curve: str, point: bytes) -> bytes:
    algorithm = {"algorithm": "ec", "parameters": ECDomainParameters(name="named", value=curve)}
    return PublicKeyInfo({"algorithm": algorithm, "public_key": point}).dump()


def test_a_secp256k1_subject_public_key_info_gives_the_compressed_key():
    point = coincurve.PublicKey(KEY.public_key).format(compressed=False)
    assert ecdsa.public_key_from_spki(spki("secp256k1", point)) == KEY.public_key


def test_a_p256_subject_public_key_info_is_refused():
    point = coincurve.PublicKey(KEY.public_key).format(compressed=False)
    with pytest.raises(KeyFormatError, match="secp256r1"):
        ecdsa.public_key_from_spki(spki("secp256r1", point))


def test_an_rsa_subject_public_key_info_is_refused():
    rsa = PublicKeyInfo.wrap(RSAPublicKey({"modulus": 2**2047 + 1, "public_exponent": 65537}), "rsa").dump()
    with pytest.raises(KeyFormatError, match="not an EC key"):
        ecdsa.public_key_from_spki(rsa)


def test_garbage_is_not_a_subject_public_key_info():
    with pytest.raises(KeyFormatError):
        ecdsa.public_key_from_spki(b"\x30\x03\x02\x01\x01")
