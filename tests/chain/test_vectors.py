"""Byte-exact checks of the chain engine against published Binance Chain signing vectors (vectors.json)."""

import hashlib
import json
import re
from pathlib import Path
from typing import Any

import pytest

from app.chain.keys import SigningKey, verify
from app.chain.messages import CancelOrder, Coin, InOut, Msg, NewOrder, Send, TokenFreeze, TokenUnfreeze, Vote
from app.chain.tx import SignedTx, decode_tx, sign_bytes, tx_hash

VECTORS = json.loads((Path(__file__).parent / "vectors.json").read_text())
VOTE_OPTION_NUMBERS = {"Yes": 1, "Abstain": 2, "No": 3, "NoWithVeto": 4}


def _vector_id(vector: dict[str, Any]) -> str:
    """A readable id from the vector's source: repo, test name, commit, message type and sequence."""
    first = vector["source"].split(";")[0]
    repo = first.split()[0].split("/")[1]
    if match := re.search(r"TEST\((\w+), (\w+)\)", first):
        name = f"{match[1]}.{match[2]}"
    else:
        name = re.sub(r"\(.*", "", first).split()[-1].rsplit("/", 1)[-1]
    commit = re.search(r"commit ([0-9a-f]{7})", first)
    parts = [repo, name, vector.get("msg_type", "")]
    if commit:
        parts.append(commit[1])
    if "sequence" in vector:
        parts.append(f"seq{vector['sequence']}")
    return "-".join(p for p in parts if p)


def _params(section: str) -> list[Any]:
    seen: dict[str, int] = {}
    params = []
    for vector in VECTORS[section]:
        vid = _vector_id(vector)
        seen[vid] = seen.get(vid, 0) + 1
        params.append(pytest.param(vector, id=vid if seen[vid] == 1 else f"{vid}-{seen[vid]}"))
    return params


SIGN_TX = _params("sign_tx")
WITH_TX_HEX = [p for p in SIGN_TX if p.values[0]["expected_tx_hex"]]
WITH_PUBLIC_KEY = [p for p in SIGN_TX if p.values[0]["expected_public_key_hex"]]
UNATTRIBUTED_TX_HEX = [p for p in SIGN_TX if p.values[0].get("tx_hex_unattributed")]


def _inout(side: dict[str, Any]) -> InOut:
    return InOut(side["address"], tuple(Coin(c["denom"], c["amount"]) for c in side["coins"]))


def build_msg(vector: dict[str, Any]) -> Msg:
    """The chain message object for a vector's msg JSON."""
    msg, kind = vector["msg"], vector["msg_type"]
    if kind == "new_order":
        return NewOrder(
            sender=msg["sender"],
            id=msg["id"],
            symbol=msg["symbol"],
            side=msg["side"],
            price=msg["price"],
            quantity=msg["quantity"],
            timeinforce=msg["timeinforce"],
            ordertype=msg["ordertype"],
        )
    if kind == "cancel_order":
        return CancelOrder(sender=msg["sender"], symbol=msg["symbol"], refid=msg["refid"])
    if kind == "send":
        return Send(inputs=tuple(_inout(i) for i in msg["inputs"]), outputs=tuple(_inout(o) for o in msg["outputs"]))
    if kind in ("freeze", "unfreeze"):
        cls = TokenFreeze if kind == "freeze" else TokenUnfreeze
        return cls(from_=msg["from"], symbol=msg["symbol"], amount=msg["amount"])
    if kind == "vote":
        return Vote(proposal_id=int(msg["proposal_id"]), voter=msg["voter"], option=VOTE_OPTION_NUMBERS[msg["option"]])
    raise AssertionError(f"unknown msg_type {kind}")


def vector_sign_bytes(vector: dict[str, Any]) -> bytes:
    """sign_bytes() for a vector, passing its chain id through unchanged."""
    return sign_bytes(
        msg=build_msg(vector),
        # python-binance-chain's published vectors were signed with "chain_id": null (its wallet was never
        # initialised); sign_bytes puts None into the JSON as null, which is the only way to reproduce them.
        chain_id=vector["chain_id"],  # type: ignore[arg-type]
        account_number=vector["account_number"],
        sequence=vector["sequence"],
        memo=vector["memo"],
        source=vector["source_field"],
    )


def vector_signed_tx(vector: dict[str, Any]) -> SignedTx:
    """The SignedTx a vector describes, with its published public key and signature."""
    return SignedTx(
        msg=build_msg(vector),
        public_key=bytes.fromhex(vector["expected_public_key_hex"]),
        signature=bytes.fromhex(vector["expected_signature_hex"]),
        account_number=vector["account_number"],
        sequence=vector["sequence"],
        memo=vector["memo"],
        source=vector["source_field"],
    )


def vector_hrp(vector: dict[str, Any]) -> str:
    """The hrp of the addresses in the vector's message."""
    text = json.dumps(vector["msg"])
    address = re.search(r'"(?:sender|address|from|voter)": "([a-z]+)1', text)
    assert address, "vector message holds no address"
    return address[1]


def test_vector_file_has_every_section() -> None:
    """The vectors file holds all four sections, none empty."""
    for section in ("sign_tx", "legacy_sign_tx", "raw_sign", "keys"):
        assert VECTORS[section], section


def test_vector_ids_are_unique() -> None:
    """Every sign_tx vector gets its own test id."""
    ids = [p.id for p in SIGN_TX]
    assert len(ids) == len(set(ids))


@pytest.mark.parametrize("vector", SIGN_TX)
def test_sign_bytes_match_published_or_derived_json(vector: dict[str, Any]) -> None:
    """sign_bytes() rebuilds the exact JSON that was signed."""
    expected = vector["expected_sign_bytes"] or vector["derived_sign_bytes"]
    assert vector_sign_bytes(vector) == expected.encode()


@pytest.mark.parametrize("vector", [p for p in SIGN_TX if p.values[0].get("expected_sign_bytes_sha256")])
def test_sign_bytes_hash_matches_published_sha256(vector: dict[str, Any]) -> None:
    """Where the source publishes the SHA-256 of the sign bytes, ours hash the same."""
    assert hashlib.sha256(vector_sign_bytes(vector)).hexdigest() == vector["expected_sign_bytes_sha256"]


@pytest.mark.parametrize("vector", SIGN_TX)
def test_signature_matches_published_vector(vector: dict[str, Any]) -> None:
    """RFC6979 makes the signature deterministic, so it equals the published one byte for byte."""
    key = SigningKey.from_hex(vector["private_key"])
    signature = key.sign(vector_sign_bytes(vector))
    assert signature.hex() == vector["expected_signature_hex"]
    assert verify(key.public_key, signature, vector_sign_bytes(vector))


@pytest.mark.parametrize("vector", WITH_PUBLIC_KEY)
def test_public_key_matches_published_vector(vector: dict[str, Any]) -> None:
    """The private key's compressed public key is the one in the published tx."""
    assert SigningKey.from_hex(vector["private_key"]).public_key.hex() == vector["expected_public_key_hex"]


@pytest.mark.parametrize("vector", [p for p in SIGN_TX if p.values[0].get("mnemonic")])
def test_mnemonic_derives_the_vector_private_key(vector: dict[str, Any]) -> None:
    """Where a vector names its mnemonic, from_mnemonic at index 0 gives the signing key."""
    assert vector["path"] == "m/44'/714'/0'/0/0"
    from_words = SigningKey.from_mnemonic(vector["mnemonic"])
    assert from_words.public_key == SigningKey.from_hex(vector["private_key"]).public_key


@pytest.mark.parametrize("vector", WITH_TX_HEX)
def test_encoded_tx_matches_published_hex(vector: dict[str, Any]) -> None:
    """SignedTx.encode() gives the published amino bytes."""
    assert vector_signed_tx(vector).encode().hex() == vector["expected_tx_hex"]


@pytest.mark.parametrize("vector", WITH_TX_HEX)
def test_sign_tx_flow_reproduces_published_hex(vector: dict[str, Any]) -> None:
    """Signing the rebuilt message and encoding it gives the published tx, end to end."""
    key = SigningKey.from_hex(vector["private_key"])
    tx = SignedTx(
        msg=build_msg(vector),
        public_key=key.public_key,
        signature=key.sign(vector_sign_bytes(vector)),
        account_number=vector["account_number"],
        sequence=vector["sequence"],
        memo=vector["memo"],
        source=vector["source_field"],
    )
    assert tx.encode().hex() == vector["expected_tx_hex"]


@pytest.mark.parametrize("vector", WITH_TX_HEX)
def test_decode_tx_round_trips_published_hex(vector: dict[str, Any]) -> None:
    """decode_tx() of the published bytes gives the same SignedTx, which re-encodes to the same bytes."""
    raw = bytes.fromhex(vector["expected_tx_hex"])
    decoded = decode_tx(raw, vector_hrp(vector))
    assert decoded == vector_signed_tx(vector)
    assert decoded.encode() == raw


@pytest.mark.parametrize("vector", UNATTRIBUTED_TX_HEX)
def test_unattributed_tx_hex_matches_trezor_vector(vector: dict[str, Any]) -> None:
    """The tx hex found (without attribution) for a trezor vector is what we encode for it."""
    raw = bytes.fromhex(vector["tx_hex_unattributed"])
    assert vector_signed_tx(vector).encode() == raw
    assert decode_tx(raw, vector_hrp(vector)) == vector_signed_tx(vector)


@pytest.mark.parametrize("vector", WITH_TX_HEX)
def test_tx_hash_is_upper_case_sha256_of_tx_bytes(vector: dict[str, Any]) -> None:
    """tx_hash() is the upper-case hex SHA-256 of the tx bytes, as the node reports it."""
    raw = bytes.fromhex(vector["expected_tx_hex"])
    digest = tx_hash(raw)
    assert digest == hashlib.sha256(raw).hexdigest().upper()
    assert re.fullmatch(r"[0-9A-F]{64}", digest)


def test_freeze_and_unfreeze_with_same_fields_sign_the_same_bytes() -> None:
    """The message type is not signed: a freeze and an unfreeze share sign bytes but not tx bytes."""
    fields = {"from_": "tbnb1mrslq6lhglm3jp7pxzlk8u4549pmtp9sgvn2rc", "symbol": "NNB-C3F", "amount": 100000000}
    common = {"chain_id": "test-chain-n4b735", "account_number": 0, "sequence": 9}
    freeze, unfreeze = TokenFreeze(**fields), TokenUnfreeze(**fields)
    assert sign_bytes(msg=freeze, **common) == sign_bytes(msg=unfreeze, **common)
    assert freeze != unfreeze


@pytest.mark.parametrize("vector", _params("legacy_sign_tx"))
def test_legacy_signature_over_given_bytes_matches_published(vector: dict[str, Any]) -> None:
    """Legacy sign-bytes formats are only signed as given: the signature verifies and equals the published one."""
    message = (vector.get("expected_sign_bytes") or vector["derived_sign_bytes"]).encode()
    key = SigningKey.from_hex(vector["private_key"])
    public_key = bytes.fromhex(vector["expected_public_key_hex"])
    signature = bytes.fromhex(vector["expected_signature_hex"])
    assert key.public_key == public_key
    assert verify(public_key, signature, message)
    assert key.sign(message) == signature


@pytest.mark.parametrize("vector", _params("raw_sign"))
def test_raw_message_signature_matches_python_binance_chain(vector: dict[str, Any]) -> None:
    """Signing a raw message ("testmessage") hashes it with SHA-256 and gives the published r||s."""
    key = SigningKey.from_hex(vector["private_key"])
    message = vector["message_utf8"].encode()
    assert key.sign(message).hex() == vector["expected_signature_hex"]
    assert verify(key.public_key, bytes.fromhex(vector["expected_signature_hex"]), message)
