"""Test-only token tool, run as a subprocess (so its login never mixes with the test process's):
make keys the service must refuse, and read a key's protection attributes.

    python -m tests.keys.p11tool MODULE TOKEN LABEL p256|extractable|attrs   (PIN in PKCS11_PIN)
"""

import json
import os
import sys

import pkcs11
from pkcs11 import Attribute, KeyType, MechanismFlag, ObjectClass
from pkcs11.util.ec import encode_named_curve_parameters

CURVES = {"p256": "secp256r1", "extractable": "secp256k1"}


def main(module: str, token_label: str, label: str, action: str) -> None:
    token = pkcs11.lib(module).get_token(token_label=token_label)
    with token.open(rw=True, user_pin=os.environ["PKCS11_PIN"]) as session:
        if action == "attrs":
            key = session.get_key(object_class=ObjectClass.PRIVATE_KEY, label=label)
            names = ("TOKEN", "PRIVATE", "SENSITIVE", "EXTRACTABLE", "NEVER_EXTRACTABLE", "SIGN", "DERIVE")
            print(json.dumps({name: bool(key[getattr(Attribute, name)]) for name in names}))
            return
        params = session.create_domain_parameters(
            KeyType.EC, {Attribute.EC_PARAMS: encode_named_curve_parameters(CURVES[action])}, local=True
        )
        params.generate_keypair(
            label=label,
            store=True,
            capabilities=MechanismFlag.SIGN | MechanismFlag.VERIFY,
            private_template={Attribute.SENSITIVE: True, Attribute.EXTRACTABLE: action == "extractable"},
        )


if __name__ == "__main__":
    main(*sys.argv[1:5])
