"""Putting a secp256k1 key into a PKCS#11 token (for `python -m app keys create|import`).

Every private key this writes is a token object that is private, sensitive and never extractable,
so the token will sign with it but never give it back, not even wrapped.
"""

import os
from typing import Any

import coincurve
from asn1crypto.core import OctetString  # type: ignore[import-untyped]
from pkcs11 import Attribute, KeyType, MechanismFlag, ObjectClass
from pkcs11 import exceptions as p11
from pkcs11.util.ec import encode_named_curve_parameters

from app.keys.ecdsa import SECP256K1_OID, public_key_from_ec_point
from app.keys.pkcs11_module import Refused, find_token, load_module, reason

SECP256K1_PARAMS = encode_named_curve_parameters(SECP256K1_OID)

# The private key's protection, set explicitly rather than left to the token's defaults
# (several HSMs default CKA_EXTRACTABLE to true).
_PRIVATE_KEY_POLICY: dict[Attribute, Any] = {
    Attribute.TOKEN: True,  # kept in the token, not a session object that dies with this process
    Attribute.PRIVATE: True,  # visible only after login
    Attribute.SENSITIVE: True,  # CKA_VALUE can never be read
    Attribute.EXTRACTABLE: False,  # cannot be wrapped out of the token either
    Attribute.SIGN: True,
    Attribute.DERIVE: False,  # ECDH with this key would be an oracle on it: signing only
}
_PUBLIC_KEY_POLICY: dict[Attribute, Any] = {Attribute.TOKEN: True, Attribute.PRIVATE: False, Attribute.VERIFY: True}


def admin_session(module_path: str, token_label: str, pin: str) -> Any:
    """A read-write session logged in as the user; Refused with the reason (never the PIN)."""
    try:
        token = find_token(load_module(module_path).lib, token_label)
        return token.open(rw=True, user_pin=pin)
    except p11.PKCS11Error as exc:
        raise Refused(reason(exc, token_label=token_label)) from None


def _refuse_existing(session: Any, label: str) -> None:
    # Two keys with one label would make the wallet's key ambiguous: never add a second one.
    for _ in session.get_objects({Attribute.LABEL: label}):
        raise Refused(f"the token already holds an object labelled '{label}'; choose another --key-label")


def generate_secp256k1(session: Any, label: str) -> bytes:
    """Generate a key pair in the token (the private key never leaves it); its compressed public key."""
    _refuse_existing(session, label)
    key_id = os.urandom(16)  # CKA_ID ties the two halves together
    try:
        public, _private = session.create_domain_parameters(
            KeyType.EC, {Attribute.EC_PARAMS: SECP256K1_PARAMS}, local=True
        ).generate_keypair(
            id=key_id,
            label=label,
            store=True,
            capabilities=MechanismFlag.SIGN | MechanismFlag.VERIFY,
            public_template=_PUBLIC_KEY_POLICY,
            private_template=_PRIVATE_KEY_POLICY,
        )
    except p11.PKCS11Error as exc:
        raise Refused(f"the token cannot generate a secp256k1 key: {reason(exc, token_label='')}") from None
    return public_key_from_ec_point(public[Attribute.EC_POINT], public[Attribute.EC_PARAMS])


def import_secp256k1(session: Any, label: str, *, secret: bytes, public_key: bytes) -> bytes:
    """Store an existing key (32-byte scalar) as a non-extractable private key plus its public key object."""
    _refuse_existing(session, label)
    key_id = os.urandom(16)
    point = coincurve.PublicKey(public_key).format(compressed=False)
    common = {Attribute.KEY_TYPE: KeyType.EC, Attribute.EC_PARAMS: SECP256K1_PARAMS}
    common |= {Attribute.LABEL: label, Attribute.ID: key_id}
    try:
        private = session.create_object(
            {**common, **_PRIVATE_KEY_POLICY, Attribute.CLASS: ObjectClass.PRIVATE_KEY, Attribute.VALUE: secret}
        )
        try:
            public = session.create_object(
                {
                    **common,
                    **_PUBLIC_KEY_POLICY,
                    Attribute.CLASS: ObjectClass.PUBLIC_KEY,
                    Attribute.EC_POINT: OctetString(point).dump(),  # DER OCTET STRING, as PKCS#11 2.20+ wants
                }
            )
        except BaseException:
            private.destroy()  # no half-imported key left behind
            raise
    except p11.PKCS11Error as exc:
        raise Refused(f"the token refused the key: {reason(exc, token_label='')}") from None
    return public_key_from_ec_point(public[Attribute.EC_POINT], public[Attribute.EC_PARAMS])
