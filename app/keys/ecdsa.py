"""secp256k1 public keys and ECDSA signatures as HSMs and KMS give them, turned into what the chain wants.

ASN.1 is parsed by asn1crypto (already a dependency of python-pkcs11), the curve point is checked by
libsecp256k1 (coincurve); nothing here is parsed by hand.
"""

from typing import Any, Literal

import coincurve
from asn1crypto.algos import DSASignature  # type: ignore[import-untyped]
from asn1crypto.core import OctetString  # type: ignore[import-untyped]
from asn1crypto.keys import ECDomainParameters, NamedCurve, PublicKeyInfo  # type: ignore[import-untyped]

SECP256K1_OID = "1.3.132.0.10"
SECP256K1_ORDER = 0xFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFEBAAEDCE6AF48A03BBFD25E8CD0364141
_HALF_ORDER = SECP256K1_ORDER // 2


class KeyFormatError(ValueError):
    """A public key or a signature from a backend is malformed or not on secp256k1."""


class SignatureMismatch(KeyFormatError):
    """A well-formed signature that does not verify against the wallet's public key."""


def is_high_s(s: int) -> bool:
    """True if s is in the upper half of the curve order (the chain refuses such signatures)."""
    return s > _HALF_ORDER


def compact_low_s(r: int, s: int) -> bytes:
    """64-byte r || s with s moved to the low half (n - s): the same signature, the chain's form."""
    if not (0 < r < SECP256K1_ORDER and 0 < s < SECP256K1_ORDER):
        raise KeyFormatError("signature r or s is out of range")
    # ECDSA is malleable: (r, n - s) verifies like (r, s); Tendermint accepts only the low one.
    if is_high_s(s):
        s = SECP256K1_ORDER - s
    return r.to_bytes(32, "big") + s.to_bytes(32, "big")


def split_raw(signature: bytes) -> tuple[int, int]:
    """(r, s) of a 64-byte r || s signature (the PKCS#11 CKM_ECDSA output for a 256-bit curve)."""
    if len(signature) != 64:
        raise KeyFormatError(f"signature must be 64 bytes r || s, not {len(signature)}")
    return int.from_bytes(signature[:32], "big"), int.from_bytes(signature[32:], "big")


def split_der(der: bytes) -> tuple[int, int]:
    """(r, s) of a DER ECDSA-Sig-Value (what KMS Sign returns); strict DER, nothing trailing."""
    try:
        value = DSASignature.load(der, strict=True)
        native: dict[str, Any] = value.native
        r, s = native["r"], native["s"]
    except (ValueError, TypeError, KeyError) as exc:
        raise KeyFormatError("signature is not a DER ECDSA-Sig-Value") from exc
    if not isinstance(r, int) or not isinstance(s, int):
        raise KeyFormatError("signature is not a DER ECDSA-Sig-Value")
    return r, s


def raw_to_compact(signature: bytes) -> bytes:
    """A PKCS#11 r || s signature as the chain's low-S compact signature."""
    return compact_low_s(*split_raw(signature))


def der_to_compact(der: bytes) -> bytes:
    """A DER signature as the chain's low-S compact signature."""
    return compact_low_s(*split_der(der))


def checked_compact(r: int, s: int, *, public_key: bytes, digest: bytes) -> bytes:
    """The low-S compact signature, verified against the wallet's key before anyone can send it.

    A backend that signs with another key (a re-pointed alias, a wrong object) or hashes twice gives
    a 503 here instead of a tx the chain rejects.
    """
    signature = compact_low_s(r, s)
    der = coincurve.ecdsa.cdata_to_der(coincurve.ecdsa.deserialize_compact(signature))
    if not coincurve.PublicKey(public_key).verify(der, digest, hasher=None):
        raise SignatureMismatch("the backend's signature does not verify against the wallet's public key")
    return signature


def format_cause(exc: KeyFormatError) -> Literal["invalid_signature", "bad_answer"]:
    """The failure class of a backend answer that could not be used (app.keys.base.Cause)."""
    return "invalid_signature" if isinstance(exc, SignatureMismatch) else "bad_answer"


def curve_name(ec_params: bytes) -> str:
    """The named curve (OID as dotted text, or its asn1crypto name) of DER ECParameters."""
    try:
        params = ECDomainParameters.load(ec_params, strict=True)
        name = params.name
    except (ValueError, TypeError) as exc:
        raise KeyFormatError("EC parameters are not DER ECParameters") from exc
    if name != "named":
        raise KeyFormatError("EC parameters are explicit, not a named curve")
    return str(params.chosen.dotted)


def check_secp256k1(curve: str) -> None:
    """Refuse any curve but secp256k1, naming the one found."""
    if curve != SECP256K1_OID:
        raise KeyFormatError(f"the key is on curve {_curve_label(curve)}, not secp256k1 ({SECP256K1_OID})")


def _curve_label(oid: str) -> str:
    name = NamedCurve.map(oid)  # OID -> common name (e.g. secp256r1), or the OID itself if unknown
    return f"{name} ({oid})" if name != oid else oid


def compress_point(point: bytes) -> bytes:
    """The 33-byte compressed form of an SEC1 point, checked to lie on secp256k1."""
    try:
        # libsecp256k1 refuses points off the curve (invalid-curve attacks) and the point at infinity.
        return coincurve.PublicKey(point).format(compressed=True)
    except (ValueError, TypeError) as exc:
        raise KeyFormatError("the public key is not a valid secp256k1 point") from exc


def public_key_from_ec_point(ec_point: bytes, ec_params: bytes) -> bytes:
    """The compressed key of a PKCS#11 public key object (CKA_EC_POINT and CKA_EC_PARAMS).

    CKA_EC_POINT is a DER OCTET STRING holding the SEC1 point (PKCS#11 2.20 onwards); some older
    modules store the bare point, which is accepted too since coincurve validates it either way.
    """
    check_secp256k1(curve_name(ec_params))
    try:
        point = bytes(OctetString.load(ec_point, strict=True).native)
    except (ValueError, TypeError):
        point = ec_point
    return compress_point(point)


def public_key_from_spki(der: bytes) -> bytes:
    """The compressed key of a DER SubjectPublicKeyInfo (KMS GetPublicKey), refusing other curves."""
    try:
        info = PublicKeyInfo.load(der, strict=True)
        algorithm = info["algorithm"]["algorithm"].native
        params = info["algorithm"]["parameters"]
    except (ValueError, TypeError) as exc:
        raise KeyFormatError("the public key is not a DER SubjectPublicKeyInfo") from exc
    if algorithm != "ec":
        raise KeyFormatError(f"the public key is {algorithm}, not an EC key")
    if params.name != "named":
        raise KeyFormatError("EC parameters are explicit, not a named curve")
    check_secp256k1(str(params.chosen.dotted))
    return compress_point(bytes(info["public_key"]))
