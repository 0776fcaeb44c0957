"""Standard transactions: canonical sign bytes, signing, amino encoding, hashing and decoding."""

import hashlib
import json
from dataclasses import dataclass

from app.chain.amino import (
    bytes_field,
    decode_fields,
    many_bytes,
    one_bytes,
    one_int,
    read_uvarint,
    string_field,
    uvarint,
    varint_field,
)
from app.chain.errors import DecodeError
from app.chain.keys import SigningKey
from app.chain.messages import Msg, decode_msg, encode_msg

STDTX_PREFIX = bytes.fromhex("F0625DEE")
PUBKEY_PREFIX = bytes.fromhex("EB5AE987")
MAX_MEMO_CHARS = 100

# Go's json.Marshal escapes these for HTML safety; the node re-encodes the sign bytes that way,
# so we must too (and must NOT escape "/", which ujson did and broke memo signatures).
_GO_ESCAPES = str.maketrans({"<": "\\u003c", ">": "\\u003e", "&": "\\u0026", "\u2028": "\\u2028", "\u2029": "\\u2029"})


def canonical_json(value: object) -> bytes:
    """Sorted keys, no whitespace, UTF-8, Go's HTML escapes: the bytes the node signs."""
    text = json.dumps(value, sort_keys=True, separators=(",", ":"), ensure_ascii=False)
    return text.translate(_GO_ESCAPES).encode()


def sign_bytes(
    *, msg: Msg, chain_id: str, account_number: int, sequence: int, memo: str = "", source: int = 0
) -> bytes:
    """The StdSignDoc JSON that is hashed and signed."""
    return canonical_json(
        {
            "account_number": str(account_number),
            "chain_id": chain_id,
            "data": None,
            "memo": memo,
            "msgs": [msg.sign_dict()],
            "sequence": str(sequence),
            "source": str(source),
        }
    )


def order_id(account_id: bytes, sequence: int) -> str:
    """The id the node requires for an order signed at sequence: HEXADDR-(sequence+1)."""
    return f"{account_id.hex().upper()}-{sequence + 1}"


def tx_hash(raw: bytes) -> str:
    """Upper-case hex SHA-256 of the tx bytes, as the node reports it."""
    return hashlib.sha256(raw).hexdigest().upper()


@dataclass(frozen=True, slots=True)
class SignedTx:
    """A StdTx with exactly one message and one signature."""

    msg: Msg
    public_key: bytes
    signature: bytes
    account_number: int
    sequence: int
    memo: str = ""
    source: int = 0
    data: bytes = b""

    def encode(self) -> bytes:
        """Length-prefixed amino bytes, ready to hex-encode and broadcast."""
        std_sig = (
            bytes_field(1, PUBKEY_PREFIX + uvarint(len(self.public_key)) + self.public_key)
            + bytes_field(2, self.signature)
            + varint_field(3, self.account_number)
            + varint_field(4, self.sequence)
        )
        body = (
            STDTX_PREFIX
            + bytes_field(1, encode_msg(self.msg))
            + bytes_field(2, std_sig)
            + string_field(3, self.memo)
            + varint_field(4, self.source)
            + bytes_field(5, self.data)
        )
        return uvarint(len(body)) + body


def sign_tx(
    *, key: SigningKey, msg: Msg, chain_id: str, account_number: int, sequence: int, memo: str = "", source: int = 0
) -> SignedTx:
    """Sign msg with key at (account_number, sequence) on chain_id."""
    doc = sign_bytes(
        msg=msg, chain_id=chain_id, account_number=account_number, sequence=sequence, memo=memo, source=source
    )
    return SignedTx(
        msg=msg,
        public_key=key.public_key,
        signature=key.sign(doc),
        account_number=account_number,
        sequence=sequence,
        memo=memo,
        source=source,
    )


def decode_tx(raw: bytes, hrp: str) -> SignedTx:
    """Parse signed tx bytes (with their length prefix) back into a SignedTx."""
    length, pos = read_uvarint(raw, 0)
    body = raw[pos:]
    if length != len(body):
        raise DecodeError("length prefix does not match the tx size")
    if body[:4] != STDTX_PREFIX:
        raise DecodeError("not a StdTx")
    fields = decode_fields(body[4:], {1: bytes, 2: bytes, 3: bytes, 4: int, 5: bytes})
    msgs, sigs = many_bytes(fields, 1), many_bytes(fields, 2)
    if len(msgs) != 1 or len(sigs) != 1:
        raise DecodeError("expected exactly one message and one signature")
    sig = decode_fields(sigs[0], {1: bytes, 2: bytes, 3: int, 4: int})
    pub = one_bytes(sig, 1)
    if pub[:4] != PUBKEY_PREFIX or len(pub) != 4 + 1 + 33 or pub[4] != 33:
        raise DecodeError("public key is not an amino secp256k1 key")
    try:
        memo_text = one_bytes(fields, 3).decode()
    except UnicodeDecodeError:
        raise DecodeError("memo is not UTF-8") from None
    return SignedTx(
        msg=decode_msg(msgs[0], hrp),
        public_key=pub[5:],
        signature=one_bytes(sig, 2),
        account_number=one_int(sig, 3),
        sequence=one_int(sig, 4),
        memo=memo_text,
        source=one_int(fields, 4),
        data=one_bytes(fields, 5),
    )
