"""The chain messages the service signs: their sign-bytes JSON and their amino encoding.

Each message holds addresses in canonical bech32 and amounts in int64 units of 1e-8, so that
what is signed and what is encoded are the same values by construction.
"""

import re
from dataclasses import dataclass
from typing import Any, ClassVar, Protocol

from app.chain.address import decode_address, encode_address
from app.chain.amino import bytes_field, decode_fields, string_field, varint_field
from app.chain.errors import DecodeError, InvalidInput

VOTE_OPTIONS = {1: "Yes", 2: "Abstain", 3: "No", 4: "NoWithVeto"}
SIDE_BUY, SIDE_SELL = 1, 2
ORDER_TYPE_LIMIT = 2
TIF_GTE, TIF_IOC = 1, 3

# Token symbols: 2-8 upper-case alphanumerics, an optional ".B" peg marker, an optional
# "-XXX" hex suffix (with "M" for mini tokens). Pairs join two tokens with "_".
_TOKEN = r"[A-Z0-9]{2,8}(?:\.[A-Z])?(?:-[0-9A-F]{3}M?)?"  # noqa: S105 (a regex, not a secret)
TOKEN_RE = re.compile(rf"^{_TOKEN}$")
PAIR_RE = re.compile(rf"^{_TOKEN}_{_TOKEN}$")
ORDER_ID_RE = re.compile(r"^[0-9A-F]{40}-[1-9][0-9]{0,18}$")  # the sequence part fits int64


def check_token_symbol(symbol: str) -> str:
    """A token symbol such as BNB or ANN-457, or InvalidInput."""
    if not TOKEN_RE.fullmatch(symbol):
        raise InvalidInput("symbol must be a token symbol such as BNB or ANN-457 (upper case)")
    return symbol


def check_pair_symbol(symbol: str) -> str:
    """A trading pair such as ANN-457_BNB, or InvalidInput."""
    if not PAIR_RE.fullmatch(symbol):
        raise InvalidInput("symbol must be a trading pair such as ANN-457_BNB (upper case)")
    return symbol


class Msg(Protocol):
    """What every chain message offers the transaction layer."""

    TYPE_PREFIX: ClassVar[bytes]

    def sign_dict(self) -> dict[str, Any]:
        """The message as it appears in the sign bytes (keys are sorted on output)."""
        ...

    def encode_fields(self) -> bytes:
        """The amino fields of the message, without its type prefix."""
        ...


def encode_msg(msg: Msg) -> bytes:
    """Type prefix followed by the message's fields."""
    return msg.TYPE_PREFIX + msg.encode_fields()


@dataclass(frozen=True, slots=True)
class NewOrder:
    """Place a limit order (type 2) on a pair."""

    TYPE_PREFIX: ClassVar[bytes] = bytes.fromhex("CE6DC043")
    sender: str
    id: str
    symbol: str
    side: int
    price: int
    quantity: int
    timeinforce: int
    ordertype: int = ORDER_TYPE_LIMIT

    def sign_dict(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "ordertype": self.ordertype,
            "price": self.price,
            "quantity": self.quantity,
            "sender": self.sender,
            "side": self.side,
            "symbol": self.symbol,
            "timeinforce": self.timeinforce,
        }

    def encode_fields(self) -> bytes:
        return b"".join(
            (
                bytes_field(1, decode_address(self.sender)),
                string_field(2, self.id),
                string_field(3, self.symbol),
                varint_field(4, self.ordertype),
                varint_field(5, self.side),
                varint_field(6, self.price),
                varint_field(7, self.quantity),
                varint_field(8, self.timeinforce),
            )
        )


@dataclass(frozen=True, slots=True)
class CancelOrder:
    """Cancel an open order by its id (refid)."""

    TYPE_PREFIX: ClassVar[bytes] = bytes.fromhex("166E681B")
    sender: str
    symbol: str
    refid: str

    def sign_dict(self) -> dict[str, Any]:
        return {"refid": self.refid, "sender": self.sender, "symbol": self.symbol}

    def encode_fields(self) -> bytes:
        return bytes_field(1, decode_address(self.sender)) + string_field(2, self.symbol) + string_field(3, self.refid)


@dataclass(frozen=True, slots=True)
class Coin:
    """An amount of one token, in units of 1e-8."""

    denom: str
    amount: int

    def sign_dict(self) -> dict[str, Any]:
        return {"amount": self.amount, "denom": self.denom}

    def encode_fields(self) -> bytes:
        return string_field(1, self.denom) + varint_field(2, self.amount)


@dataclass(frozen=True, slots=True)
class InOut:
    """One side of a Send: an address and the coins it gives or receives."""

    address: str
    coins: tuple[Coin, ...]

    def sign_dict(self) -> dict[str, Any]:
        return {"address": self.address, "coins": [c.sign_dict() for c in self.coins]}

    def encode_fields(self) -> bytes:
        return bytes_field(1, decode_address(self.address)) + b"".join(
            bytes_field(2, c.encode_fields()) for c in self.coins
        )


@dataclass(frozen=True, slots=True)
class Send:
    """Transfer coins; the service signs one input and one output with the same coins."""

    TYPE_PREFIX: ClassVar[bytes] = bytes.fromhex("2A2C87FA")
    inputs: tuple[InOut, ...]
    outputs: tuple[InOut, ...]

    @classmethod
    def simple(cls, *, sender: str, to: str, coins: list[Coin]) -> "Send":
        """One sender, one receiver, coins sorted by denom as the chain requires."""
        ordered = tuple(sorted(coins, key=lambda c: c.denom))
        if len({c.denom for c in ordered}) != len(ordered):
            raise InvalidInput("each denom may appear only once in a transfer")
        return cls(inputs=(InOut(sender, ordered),), outputs=(InOut(to, ordered),))

    def sign_dict(self) -> dict[str, Any]:
        return {
            "inputs": [i.sign_dict() for i in self.inputs],
            "outputs": [o.sign_dict() for o in self.outputs],
        }

    def encode_fields(self) -> bytes:
        return b"".join(bytes_field(1, i.encode_fields()) for i in self.inputs) + b"".join(
            bytes_field(2, o.encode_fields()) for o in self.outputs
        )


@dataclass(frozen=True, slots=True)
class TokenFreeze:
    """Move an amount of a token from free to frozen."""

    TYPE_PREFIX: ClassVar[bytes] = bytes.fromhex("E774B32D")
    from_: str
    symbol: str
    amount: int

    def sign_dict(self) -> dict[str, Any]:
        return {"amount": self.amount, "from": self.from_, "symbol": self.symbol}

    def encode_fields(self) -> bytes:
        return bytes_field(1, decode_address(self.from_)) + string_field(2, self.symbol) + varint_field(3, self.amount)


@dataclass(frozen=True, slots=True)
class TokenUnfreeze(TokenFreeze):
    """Move an amount of a token from frozen back to free (same fields as a freeze)."""

    TYPE_PREFIX: ClassVar[bytes] = bytes.fromhex("6515FF0D")


@dataclass(frozen=True, slots=True)
class Vote:
    """Vote on a governance proposal; option 1..4 = Yes, Abstain, No, NoWithVeto."""

    TYPE_PREFIX: ClassVar[bytes] = bytes.fromhex("A1CADD36")
    proposal_id: int
    voter: str
    option: int

    def sign_dict(self) -> dict[str, Any]:
        # The node signs proposal_id as a JSON string and the option by name.
        return {
            "option": VOTE_OPTIONS[self.option],
            "proposal_id": str(self.proposal_id),
            "voter": self.voter,
        }

    def encode_fields(self) -> bytes:
        return (
            varint_field(1, self.proposal_id)
            + bytes_field(2, decode_address(self.voter))
            + varint_field(3, self.option)
        )


# ---- decoding (used by the devnet to rebuild what was signed) ----


def _one(fields: dict[int, list[int | bytes]], number: int, default: Any) -> Any:
    values = fields.get(number, [])
    if len(values) > 1:
        raise DecodeError(f"field {number} repeated")
    return values[0] if values else default


def _text(raw: bytes) -> str:
    try:
        return raw.decode()
    except UnicodeDecodeError:
        raise DecodeError("string field is not UTF-8") from None


def _address(raw: bytes, hrp: str) -> str:
    try:
        return encode_address(hrp, raw)
    except InvalidInput:
        raise DecodeError("address field is not 20 bytes") from None


def _decode_inout(data: bytes, hrp: str) -> InOut:
    fields = decode_fields(data, {1: bytes, 2: bytes})
    coins = []
    for raw in fields.get(2, []):
        assert isinstance(raw, bytes)
        cf = decode_fields(raw, {1: bytes, 2: int})
        coins.append(Coin(denom=_text(_one(cf, 1, b"")), amount=_one(cf, 2, 0)))
    return InOut(address=_address(_one(fields, 1, b""), hrp), coins=tuple(coins))


def decode_msg(data: bytes, hrp: str) -> Msg:
    """Rebuild a message from its amino bytes (type prefix included)."""
    prefix, body = data[:4], data[4:]
    if prefix == NewOrder.TYPE_PREFIX:
        f = decode_fields(body, {1: bytes, 2: bytes, 3: bytes, 4: int, 5: int, 6: int, 7: int, 8: int})
        return NewOrder(
            sender=_address(_one(f, 1, b""), hrp),
            id=_text(_one(f, 2, b"")),
            symbol=_text(_one(f, 3, b"")),
            ordertype=_one(f, 4, 0),
            side=_one(f, 5, 0),
            price=_one(f, 6, 0),
            quantity=_one(f, 7, 0),
            timeinforce=_one(f, 8, 0),
        )
    if prefix == CancelOrder.TYPE_PREFIX:
        f = decode_fields(body, {1: bytes, 2: bytes, 3: bytes})
        return CancelOrder(
            sender=_address(_one(f, 1, b""), hrp),
            symbol=_text(_one(f, 2, b"")),
            refid=_text(_one(f, 3, b"")),
        )
    if prefix == Send.TYPE_PREFIX:
        f = decode_fields(body, {1: bytes, 2: bytes})
        return Send(
            inputs=tuple(_decode_inout(raw, hrp) for raw in f.get(1, [])),  # type: ignore[arg-type]
            outputs=tuple(_decode_inout(raw, hrp) for raw in f.get(2, [])),  # type: ignore[arg-type]
        )
    if prefix in (TokenFreeze.TYPE_PREFIX, TokenUnfreeze.TYPE_PREFIX):
        f = decode_fields(body, {1: bytes, 2: bytes, 3: int})
        cls = TokenFreeze if prefix == TokenFreeze.TYPE_PREFIX else TokenUnfreeze
        return cls(
            from_=_address(_one(f, 1, b""), hrp),
            symbol=_text(_one(f, 2, b"")),
            amount=_one(f, 3, 0),
        )
    if prefix == Vote.TYPE_PREFIX:
        f = decode_fields(body, {1: int, 2: bytes, 3: int})
        option = _one(f, 3, 0)
        if option not in VOTE_OPTIONS:
            raise DecodeError("unknown vote option")
        return Vote(proposal_id=_one(f, 1, 0), voter=_address(_one(f, 2, b""), hrp), option=option)
    raise DecodeError(f"unknown message type prefix {prefix.hex().upper()}")


def signers(msg: Msg) -> list[str]:
    """The addresses that must sign msg (the chain's GetSigners)."""
    if isinstance(msg, NewOrder | CancelOrder):
        return [msg.sender]
    if isinstance(msg, Send):
        return [i.address for i in msg.inputs]
    if isinstance(msg, TokenFreeze):
        return [msg.from_]
    if isinstance(msg, Vote):
        return [msg.voter]
    raise TypeError(f"unknown message {type(msg).__name__}")
