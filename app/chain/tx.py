"""Standard transactions: canonical sign bytes, signing, amino encoding, hashing and decoding."""

import hashlib
import re
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

# The node signs sdk.MustSortJSON(amino JSON): Go's json.Unmarshal then json.Marshal (bnc-cosmos-sdk
# types/utils.go SortJSON; numbers kept exact by UseNumber since FixSignBytesOverflow). Its strings are
# written as Go 1.19's encoding/json encodeState.string does (src/encoding/json/encode.go, escapeHTML
# on): \" \\ \n \r \t short, every other byte below 0x20 as \u00xx (no \b \f: those came in Go 1.22),
# < > & as \u003c \u003e \u0026, U+2028 U+2029 escaped; "/" and DEL are not (ujson's "\/" broke memos).
_GO_SHORT = {'"': '\\"', "\\": "\\\\", "\n": "\\n", "\r": "\\r", "\t": "\\t"}
_GO_ESCAPED = re.compile('["\\\\\x00-\x1f<>&\u2028\u2029]')


def _go_string(text: str) -> str:
    """A JSON string literal exactly as Go 1.19's json.Marshal writes it."""
    return '"' + _GO_ESCAPED.sub(lambda m: _GO_SHORT.get(m[0]) or f"\\u{ord(m[0]):04x}", text) + '"'


def _go_json(value: object) -> str:
    """value (dict, list, str, int, bool, None) as Go's json.Marshal of the decoded tree: keys sorted, no spaces."""
    if value is None or isinstance(value, bool):
        return {None: "null", True: "true", False: "false"}[value]
    if isinstance(value, int):
        return str(value)
    if isinstance(value, str):
        return _go_string(value)
    if isinstance(value, list):
        return "[" + ",".join(_go_json(item) for item in value) + "]"
    if isinstance(value, dict):
        return "{" + ",".join(f"{_go_string(k)}:{_go_json(value[k])}" for k in sorted(value)) + "}"
    raise TypeError(f"no sign-bytes JSON for {type(value).__name__}")


def canonical_json(value: object) -> bytes:
    """Sorted keys, no whitespace, UTF-8, Go 1.19's escapes: the bytes the node signs."""
    return _go_json(value).encode()


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
